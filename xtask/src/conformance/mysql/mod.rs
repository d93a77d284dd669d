//! MySQL/MariaDB: a live server (`--my-url`, default
//! `mysql://root@127.0.0.1:3306/`) on which each worker owns three scratch
//! databases strata creates itself: A (the target), B (the reference) and a
//! dev database for planning. A and B are dropped and created again for every
//! case (cheap on MySQL, unlike PostgreSQL); the scratch databases go when
//! the worker ends, and a killed run's leftovers are dropped by the next
//! scratch database strata opens on that server.
//!
//! Files: this one (the [`super::Dialect`] and [`super::Worker`]), [`seed`]
//! (rows in and out), [`dump`] (the canonical dump); `tests` judge small
//! cases on the local server.

mod dump;
mod seed;

#[cfg(test)]
mod tests;

use super::data::Rows;
use super::judge::core_error;
use super::outcome::one_line;
use super::{ApplyFailed, Case, Compared, Dialect, Options, Seeding, Worker};
use anyhow::{Context, Result};
use strata_core::diff::DiffOptions;
use strata_core::driver::{Driver, Scope};
use strata_core::mysql::MyDriver;
use strata_core::pipeline::plan_on;
use strata_core::plan::Plan;
use strata_core::workspace::{Desired, Planned};
use strata_core::SourceFile;

/// The server every worker makes its scratch databases on.
pub(crate) struct Mysql {
    url: String,
}

impl Mysql {
    /// Checks the server answers before any case runs (a scratch database is
    /// made and dropped), so a missing server is one clear error.
    pub(crate) fn start(opts: &Options) -> Result<Mysql> {
        MyDriver::open_scratch(&opts.my_url)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("conformance: the MySQL/MariaDB server (--my-url) is not usable")?;
        Ok(Mysql {
            url: opts.my_url.clone(),
        })
    }
}

impl Dialect for Mysql {
    fn worker(&self, _n: usize) -> Result<Box<dyn Worker + '_>> {
        Ok(Box::new(Databases::open(&self.url)?))
    }
}

/// One worker's scratch databases; each is dropped with its driver.
struct Databases {
    url: String,
    a: MyDriver,
    b: MyDriver,
    dev: MyDriver,
}

fn scratch(url: &str) -> Result<MyDriver> {
    MyDriver::open_scratch(url).map_err(|e| anyhow::anyhow!("conformance: {e}"))
}

impl Databases {
    fn open(url: &str) -> Result<Databases> {
        Ok(Databases {
            url: url.to_string(),
            a: scratch(url)?,
            b: scratch(url)?,
            dev: scratch(url)?,
        })
    }
}

/// Runs `sql` statement by statement on `d` (the server takes one at a
/// time); the error names `what`.
fn load(d: &mut MyDriver, sql: &str, what: &str) -> std::result::Result<(), String> {
    d.reset()
        .map_err(|e| format!("cannot reset a scratch database: {e}"))?;
    for stmt in strata_core::sql::split::split(sql, strata_core::dialect::Dialect::Mysql) {
        d.execute(&sql[stmt.range.clone()])
            .map_err(|e| format!("{what} does not load on MySQL: {}", one_line(&e)))?;
    }
    Ok(())
}

impl Worker for Databases {
    fn begin(&mut self, _case: &Case) -> Option<String> {
        None
    }

    fn load(&mut self, case: &Case) -> std::result::Result<Vec<String>, String> {
        let current = case.current.as_deref().unwrap_or("");
        load(&mut self.a, current, "current")?;
        if case.expects_error() {
            return Ok(Vec::new());
        }
        // B must load as desired even when the case ends at current.
        load(
            &mut self.b,
            case.desired.as_deref().unwrap_or(""),
            "desired",
        )?;
        if case.ends_at_current() {
            load(&mut self.b, current, "current")?;
        }
        Ok(Vec::new())
    }

    fn desired(&self, case: &Case) -> (Desired, Vec<String>) {
        let text = case.desired.as_deref().unwrap_or("");
        let files = vec![SourceFile::new("desired.sql", text)];
        (
            Desired::read(files, strata_core::dialect::Dialect::Mysql),
            Vec::new(),
        )
    }

    fn seed(&mut self, _case: &Case, _how: Seeding) -> Vec<String> {
        seed::seed(&mut self.a)
    }

    fn snapshot(&mut self) -> std::result::Result<Rows, String> {
        seed::snapshot(&mut self.a)
    }

    fn plan(
        &mut self,
        desired: &Desired,
        opts: &DiffOptions,
    ) -> std::result::Result<Planned, String> {
        plan_on(&mut self.a, desired, &mut self.dev, &Scope::default(), opts)
            .map_err(|e| core_error(&e, desired))
    }

    fn apply(&mut self, plan: &Plan) -> std::result::Result<(), ApplyFailed> {
        self.a
            .apply(plan, &mut |_| {})
            .map_err(|e| ApplyFailed::Statement {
                message: e.message,
                sql: e.sql,
            })
    }

    fn compare(&mut self) -> Compared {
        match (dump::dump(&mut self.a), dump::dump(&mut self.b)) {
            (Ok(got), Ok(want)) if got == want => Compared::Same,
            (Ok(got), Ok(want)) => Compared::Differ { got, want },
            (Err(e), _) => Compared::Broken(format!("cannot dump A: {e}")),
            (_, Err(e)) => Compared::NoReference(e),
        }
    }

    fn survives(&self, before: &str, after: &str) -> bool {
        seed::survives(before, after)
    }

    /// Fresh connections and databases; the old ones are dropped with their drivers.
    fn recover(&mut self) {
        if let Ok(fresh) = Databases::open(&self.url) {
            *self = fresh;
        }
    }
}
