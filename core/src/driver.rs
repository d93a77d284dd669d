//! The one interface every database speaks: inspect, execute, apply.

use crate::diag::{Error, Result};
use crate::dialect::Dialect;
use crate::model::Realm;
use crate::plan::Plan;
use crate::url::DbUrl;
use std::time::Duration;

/// What part of a database to read.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Schemas to manage; empty means all non-system schemas (or the URL's).
    pub schemas: Vec<String>,
    /// Atlas-style exclude globs: `table`, `table.column`, `schema.table`.
    pub exclude: Vec<String>,
}

/// Reported as a plan runs, so the CLI can print each statement and its timing.
#[derive(Debug)]
pub enum StepEvent<'a> {
    Started { index: usize, sql: &'a str },
    Finished { index: usize, took: Duration },
}

/// Why an apply stopped, and how far it got.
#[derive(Debug, thiserror::Error)]
#[error("statement {} failed: {message}", index + 1)]
pub struct ApplyError {
    pub index: usize,
    pub sql: String,
    pub message: String,
    /// Whether every change before the failure was rolled back.
    pub rolled_back: bool,
    /// Statements that ran and stayed applied (outside a transaction).
    pub applied: usize,
}

pub trait Driver: Send {
    fn dialect(&self) -> Dialect;

    /// Schemas the URL itself names (PostgreSQL `search_path`); empty means all.
    fn default_schemas(&self) -> Vec<String> {
        Vec::new()
    }

    /// Takes the database-wide apply lock of a plan, waiting up to `timeout`,
    /// so that a second apply plans only after the first finished: the run
    /// lock ([`Driver::lock_run`]) and, where the dialect needs it to keep
    /// other writers out from inspection to commit, more (SQLite's write
    /// transaction). Re-entrant.
    fn lock(&mut self, timeout: Duration) -> std::result::Result<(), String> {
        self.lock_run(timeout)
    }

    /// The run lock every strata run that writes to this database takes
    /// (`schema apply`, the editor's apply, `migrate apply|down|set`), held
    /// across transactions until [`Driver::unlock`] and released by the
    /// server or the kernel if the process dies: PostgreSQL's advisory lock,
    /// an exclusive `flock` on a SQLite file. Re-entrant.
    fn lock_run(&mut self, _timeout: Duration) -> std::result::Result<(), String> {
        Ok(())
    }

    fn unlock(&mut self) {}

    /// Reads the schema.
    fn inspect(&mut self, scope: &Scope) -> Result<Realm>;

    /// A fingerprint of the schema's definitions in `scope`, leaving out the
    /// tables named in `skip` (the migration history): equal exactly when no
    /// definition changed. `migrate apply` records one after every file, so
    /// dialects answer it cheaply (one catalog query); by default it is the
    /// inspected model, hashed.
    fn fingerprint(&mut self, scope: &Scope, skip: &[&str]) -> Result<String> {
        let mut realm = self.inspect(scope)?;
        for s in &mut realm.schemas {
            s.tables.retain(|t| !skip.contains(&t.name.as_str()));
        }
        let json = serde_json::to_string(&realm).unwrap_or_default();
        Ok(crate::migrate::sum::h1(json.as_bytes()))
    }

    /// Runs one statement outside of any plan (normalization on a dev database).
    fn execute(&mut self, sql: &str) -> std::result::Result<(), String>;

    /// Whether a read-only query returns a row: how a plan's pre-checks look
    /// at the target's data before anything runs.
    fn has_rows(&mut self, sql: &str) -> std::result::Result<bool, String>;

    /// Rows of a query, every value as text (`None` for NULL): how versioned
    /// migrations read their revision history.
    fn query(&mut self, _sql: &str) -> std::result::Result<Vec<Vec<Option<String>>>, String> {
        Err(format!("{} cannot run queries yet", self.dialect().name()))
    }

    /// Runs a plan: in one transaction where the dialect allows, rolling back on failure.
    fn apply(
        &mut self,
        plan: &Plan,
        on_step: &mut dyn FnMut(StepEvent),
    ) -> std::result::Result<(), ApplyError>;

    /// Empties the database so it can serve another normalization.
    fn reset(&mut self) -> Result<()>;
}

/// Schemas a URL names (PostgreSQL `search_path`), read without connecting.
pub fn url_schemas(url: &DbUrl) -> Vec<String> {
    url.dialect
        .imp()
        .map(|imp| imp.url_schemas(url))
        .unwrap_or_default()
}

/// Opens the database at `url`. `create` allows a SQLite file to be created.
pub fn open(url: &DbUrl, create: bool) -> Result<Box<dyn Driver>> {
    url.dialect.imp()?.open(url, create)
}

/// Opens a dev database for `dialect`: the given URL, or the embedded default.
pub fn open_dev(url: Option<&DbUrl>, dialect: Dialect) -> Result<Box<dyn Driver>> {
    check_dev(url, dialect)?;
    dialect.imp()?.open_dev(url)
}

/// A dev database URL must speak the schema's dialect.
pub fn check_dev(url: Option<&DbUrl>, dialect: Dialect) -> Result<()> {
    if let Some(u) = url {
        if u.dialect != dialect {
            return Err(Error::Usage(format!(
                "the dev database is {} but the schema is {}",
                u.dialect.name(),
                dialect.name()
            )));
        }
    }
    Ok(())
}
