//! SQLite: every case in fresh in-memory databases (A the target, B the
//! reference, a new dev database for each plan), rows seeded through the
//! PRAGMAs, and a canonical dump built from the PRAGMAs rather than the
//! verbatim `sqlite_schema.sql`.
//!
//! Files: this one (the [`super::Dialect`] and [`super::Worker`]), [`seed`]
//! (rows in and out), [`dump`] (the canonical dump).

mod dump;
mod seed;

use super::data::{same_value, Rows};
use super::judge::core_error;
use super::outcome::one_line;
use super::{ApplyFailed, Case, Compared, Dialect, Seeding, Worker};
use anyhow::Result;
use dump::dump;
use rusqlite::Connection;
use seed::{seed, snapshot};
use strata_core::diff::DiffOptions;
use strata_core::driver::{Driver, Scope};
use strata_core::pipeline::plan_on;
use strata_core::plan::Plan;
use strata_core::sqlite::SqliteDriver;
use strata_core::workspace::{Desired, Planned};
use strata_core::SourceFile;

/// SQLite needs no server: workers share nothing.
pub(crate) struct Sqlite;

impl Dialect for Sqlite {
    fn worker(&self, _n: usize) -> Result<Box<dyn Worker + '_>> {
        Ok(Box::new(Databases::default()))
    }
}

/// One case's databases: A as strata's driver, B as a plain connection.
#[derive(Default)]
struct Databases {
    a: Option<SqliteDriver>,
    b: Option<Connection>,
}

impl Databases {
    fn a(&mut self) -> std::result::Result<&mut SqliteDriver, String> {
        self.a.as_mut().ok_or_else(|| "A is not loaded".to_string())
    }
}

/// A fresh in-memory database holding `sql`; the error names `what`.
fn database(sql: &str, what: &str) -> std::result::Result<Connection, String> {
    let c = Connection::open_in_memory()
        .map_err(|e| format!("cannot open an in-memory database: {e}"))?;
    c.execute_batch(sql).map_err(|e| {
        format!(
            "{what} does not load on SQLite: {}",
            one_line(&e.to_string())
        )
    })?;
    Ok(c)
}

impl Worker for Databases {
    fn begin(&mut self, _case: &Case) -> Option<String> {
        None
    }

    fn load(&mut self, case: &Case) -> std::result::Result<Vec<String>, String> {
        let current = case.current.as_deref().unwrap_or("");
        let a = SqliteDriver::memory()
            .map_err(|e| format!("cannot open an in-memory database: {e}"))?;
        a.conn.execute_batch(current).map_err(|e| {
            format!(
                "current does not load on SQLite: {}",
                one_line(&e.to_string())
            )
        })?;
        self.a = Some(a);
        self.b = None;
        if case.expects_error() {
            return Ok(Vec::new());
        }
        // B must load as desired even when the case ends at current.
        let desired = database(case.desired.as_deref().unwrap_or(""), "desired")?;
        self.b = Some(if case.ends_at_current() {
            database(current, "current")?
        } else {
            desired
        });
        Ok(Vec::new())
    }

    fn desired(&self, case: &Case) -> (Desired, Vec<String>) {
        let text = case.desired.as_deref().unwrap_or("");
        let files = vec![SourceFile::new("desired.sql", text)];
        (
            Desired::read(files, strata_core::dialect::Dialect::Sqlite),
            Vec::new(),
        )
    }

    /// One row per table; then the plan runs the way an application's
    /// connection would see it: with foreign keys enforced.
    fn seed(&mut self, _case: &Case, _how: Seeding) -> Vec<String> {
        let Ok(a) = self.a() else {
            return Vec::new();
        };
        let notes = seed(&a.conn);
        let _ = a.conn.execute_batch("PRAGMA foreign_keys = on");
        notes
    }

    fn snapshot(&mut self) -> std::result::Result<Rows, String> {
        snapshot(&self.a()?.conn).map_err(|e| e.to_string())
    }

    fn plan(
        &mut self,
        desired: &Desired,
        opts: &DiffOptions,
    ) -> std::result::Result<Planned, String> {
        let target = self.a()?;
        let mut dev = SqliteDriver::memory().map_err(|e| core_error(&e, desired))?;
        plan_on(target, desired, &mut dev, &Scope::default(), opts)
            .map_err(|e| core_error(&e, desired))
    }

    fn apply(&mut self, plan: &Plan) -> std::result::Result<(), ApplyFailed> {
        let a = self.a().map_err(ApplyFailed::Unreachable)?;
        a.apply(plan, &mut |_| {})
            .map_err(|e| ApplyFailed::Statement {
                message: e.message,
                sql: e.sql,
            })
    }

    fn compare(&mut self) -> Compared {
        let got = self.a().map(|a| dump(&a.conn).map_err(|e| e.to_string()));
        let want = match &self.b {
            Some(b) => dump(b).map_err(|e| e.to_string()),
            None => Err("B is not loaded".into()),
        };
        match (got, want) {
            (Ok(Ok(got)), Ok(want)) if got == want => Compared::Same,
            (Ok(Ok(got)), Ok(want)) => Compared::Differ { got, want },
            (Ok(Err(e)) | Err(e), _) => Compared::Broken(format!("cannot dump A: {e}")),
            (_, Err(e)) => Compared::NoReference(e),
        }
    }

    fn survives(&self, before: &str, after: &str) -> bool {
        same_value(after, before)
    }
}
