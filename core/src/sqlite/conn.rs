//! A SQLite database behind the [`Driver`] interface.

use crate::diag::{Error, Result};
use crate::dialect::Dialect;
use crate::driver::{ApplyError, Driver, Scope, StepEvent};
use crate::model::Realm;
use crate::plan::Plan;
use rusqlite::Connection;
use std::path::Path;
use std::time::Instant;

pub struct SqliteDriver {
    pub conn: Connection,
    /// Set while [`Driver::lock`] holds the write lock: a `BEGIN IMMEDIATE`
    /// transaction that the plan then runs in, and whether foreign keys were
    /// on before it (they are switched off for the plan's table rebuilds).
    locked: Option<bool>,
    /// The database file (none in memory): what the run lock locks.
    path: Option<std::path::PathBuf>,
    /// Held while the run lock is (see [`super::runlock`]).
    run_lock: Option<std::fs::File>,
}

impl SqliteDriver {
    /// Opens a database file; with `create` false a missing file is an error
    /// rather than a new empty database.
    pub fn open_file(path: &Path, create: bool) -> Result<SqliteDriver> {
        if !create && !path.exists() {
            return Err(Error::Database(format!(
                "SQLite database {} does not exist (check the path in the URL)",
                path.display()
            )));
        }
        let conn = Connection::open(path).map_err(|e| {
            Error::Database(format!(
                "cannot open SQLite database {}: {e}",
                path.display()
            ))
        })?;
        // Reading the schema fails early for a file that is not a database.
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|e| {
            Error::Database(format!(
                "cannot read SQLite database {}: {e}",
                path.display()
            ))
        })?;
        Ok(SqliteDriver {
            conn,
            locked: None,
            path: Some(path.to_path_buf()),
            run_lock: None,
        })
    }

    pub fn memory() -> Result<SqliteDriver> {
        let conn = Connection::open_in_memory().map_err(Error::db)?;
        Ok(SqliteDriver {
            conn,
            locked: None,
            path: None,
            run_lock: None,
        })
    }

    fn run_plan(
        &mut self,
        plan: &Plan,
        on_step: &mut dyn FnMut(StepEvent),
    ) -> std::result::Result<(), ApplyError> {
        let fail = |index: usize, sql: &str, e: String, rolled_back: bool| ApplyError {
            index,
            sql: sql.to_string(),
            message: e,
            rolled_back,
            applied: 0,
        };
        // Under the lock the transaction is already open: the plan was made
        // inside it, so nothing can have changed since.
        if self.locked.is_none() {
            self.conn
                .execute_batch("BEGIN")
                .map_err(|e| fail(0, "BEGIN", e.to_string(), true))?;
        }
        for (i, step) in plan.steps.iter().enumerate() {
            on_step(StepEvent::Started {
                index: i,
                sql: &step.sql,
            });
            let t = Instant::now();
            if let Err(e) = self.conn.execute_batch(&step.sql) {
                let _ = self.conn.execute_batch("ROLLBACK");
                return Err(fail(i, &step.sql, e.to_string(), true));
            }
            on_step(StepEvent::Finished {
                index: i,
                took: t.elapsed(),
            });
        }
        if let Err(msg) = self.foreign_key_violations() {
            let _ = self.conn.execute_batch("ROLLBACK");
            let last = plan.steps.len().saturating_sub(1);
            return Err(fail(last, "PRAGMA foreign_key_check", msg, true));
        }
        self.conn.execute_batch("COMMIT").map_err(|e| {
            let _ = self.conn.execute_batch("ROLLBACK");
            fail(plan.steps.len(), "COMMIT", e.to_string(), true)
        })
    }

    fn foreign_keys_on(&self) -> bool {
        self.conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap_or(false)
    }

    /// Rows that break a foreign key after a plan ran with enforcement off.
    fn foreign_key_violations(&self) -> std::result::Result<(), String> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA foreign_key_check")
            .map_err(|e| e.to_string())?;
        let rows: Vec<(String, Option<i64>, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(|e| e.to_string())?
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| e.to_string())?;
        if rows.is_empty() {
            return Ok(());
        }
        let sample: Vec<String> = rows
            .iter()
            .take(3)
            .map(|(t, rowid, p)| {
                format!(
                    "{t} rowid {} → {p}",
                    rowid.map_or("?".into(), |r| r.to_string())
                )
            })
            .collect();
        Err(format!(
            "the plan would leave {} row(s) breaking foreign keys ({}); nothing was changed",
            rows.len(),
            sample.join(", ")
        ))
    }
}

impl Driver for SqliteDriver {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn inspect(&mut self, scope: &Scope) -> Result<Realm> {
        super::inspect::inspect(&self.conn, scope)
    }

    fn execute(&mut self, sql: &str) -> std::result::Result<(), String> {
        self.conn.execute_batch(sql).map_err(|e| e.to_string())
    }

    fn has_rows(&mut self, sql: &str) -> std::result::Result<bool, String> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| e.to_string())?;
        stmt.exists([]).map_err(|e| e.to_string())
    }

    fn query(&mut self, sql: &str) -> std::result::Result<Vec<Vec<Option<String>>>, String> {
        use rusqlite::types::ValueRef;
        let mut stmt = self.conn.prepare(sql).map_err(|e| e.to_string())?;
        let n = stmt.column_count();
        let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(|e| e.to_string())? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(match r.get_ref(i).map_err(|e| e.to_string())? {
                    ValueRef::Null => None,
                    ValueRef::Integer(v) => Some(v.to_string()),
                    ValueRef::Real(v) => Some(v.to_string()),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Some(String::from_utf8_lossy(t).into_owned())
                    }
                });
            }
            out.push(row);
        }
        Ok(out)
    }

    /// Foreign keys are switched off outside the transaction (PRAGMA foreign_keys
    /// is a no-op inside one), so a table rebuild's DROP never cascades into child
    /// rows; `foreign_key_check` then proves the result consistent before COMMIT.
    fn apply(
        &mut self,
        plan: &Plan,
        on_step: &mut dyn FnMut(StepEvent),
    ) -> std::result::Result<(), ApplyError> {
        let fk_on = match self.locked {
            Some(fk_on) => fk_on,
            None => {
                let fk_on = self.foreign_keys_on();
                let _ = self.conn.execute_batch("PRAGMA foreign_keys = off");
                fk_on
            }
        };
        let result = self.run_plan(plan, on_step);
        // The transaction ended (committed or rolled back) and the lock with it.
        self.locked = None;
        if fk_on {
            let _ = self.conn.execute_batch("PRAGMA foreign_keys = on");
        }
        result
    }

    /// The apply lock of a plan: the run lock every strata run takes (an
    /// exclusive `flock` on the file, so a `migrate apply` between two of its
    /// files is waited for too), then SQLite's write lock: `BEGIN IMMEDIATE`
    /// waits (up to `timeout`) for any other writer, then keeps every other
    /// writer out until the plan commits. Inspection and the plan both happen
    /// inside this transaction, so a concurrent apply can never run a stale
    /// plan. Foreign keys are switched off first: the pragma is a no-op
    /// inside a transaction, and a table rebuild must not cascade.
    fn lock(&mut self, timeout: std::time::Duration) -> std::result::Result<(), String> {
        if self.locked.is_some() {
            return Ok(());
        }
        let started = std::time::Instant::now();
        self.lock_run(timeout)?;
        let fk_on = self.foreign_keys_on();
        let _ = self.conn.execute_batch("PRAGMA foreign_keys = off");
        let _ = self
            .conn
            .busy_timeout(timeout.saturating_sub(started.elapsed()));
        match self.conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => {
                self.locked = Some(fk_on);
                Ok(())
            }
            Err(e) => {
                if fk_on {
                    let _ = self.conn.execute_batch("PRAGMA foreign_keys = on");
                }
                self.run_lock = None;
                Err(format!(
                    "another writer holds the lock on this SQLite database; gave up after {timeout:?} (see --lock-timeout): {e}"
                ))
            }
        }
    }

    /// The run lock alone: migrations run one write transaction per file (the
    /// executor re-reads the revision records inside each), so they hold the
    /// run lock across them instead of one transaction.
    fn lock_run(&mut self, timeout: std::time::Duration) -> std::result::Result<(), String> {
        if self.run_lock.is_some() {
            return Ok(());
        }
        if let Some(path) = &self.path {
            self.run_lock = Some(super::runlock::acquire(path, timeout)?);
        }
        Ok(())
    }

    fn unlock(&mut self) {
        if let Some(fk_on) = self.locked.take() {
            let _ = self.conn.execute_batch("ROLLBACK");
            if fk_on {
                let _ = self.conn.execute_batch("PRAGMA foreign_keys = on");
            }
        }
        self.run_lock = None;
    }

    /// SQLite keeps every definition's text: the fingerprint hashes it (the
    /// whole schema, in one query; SQLite has no schemas to scope by).
    fn fingerprint(&mut self, _scope: &Scope, skip: &[&str]) -> Result<String> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT tbl_name, type || ' ' || name || ' ' || tbl_name || ' ' || coalesce(sql, '') \
                 FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name",
            )
            .map_err(Error::db)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(Error::db)?;
        let mut text = String::new();
        for row in rows {
            let (table, def) = row.map_err(Error::db)?;
            if !skip.contains(&table.as_str()) {
                text.push_str(&def);
                text.push('\n');
            }
        }
        Ok(crate::migrate::sum::h1(text.as_bytes()))
    }

    fn reset(&mut self) -> Result<()> {
        *self = SqliteDriver::memory()?;
        Ok(())
    }
}
