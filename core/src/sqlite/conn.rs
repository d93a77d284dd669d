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
        Ok(SqliteDriver { conn })
    }

    pub fn memory() -> Result<SqliteDriver> {
        let conn = Connection::open_in_memory().map_err(Error::db)?;
        Ok(SqliteDriver { conn })
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
        self.conn
            .execute_batch("BEGIN")
            .map_err(|e| fail(0, "BEGIN", e.to_string(), true))?;
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
        let fk_on: bool = self
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap_or(false);
        let _ = self.conn.execute_batch("PRAGMA foreign_keys = off");
        let result = self.run_plan(plan, on_step);
        if fk_on {
            let _ = self.conn.execute_batch("PRAGMA foreign_keys = on");
        }
        result
    }

    fn reset(&mut self) -> Result<()> {
        *self = SqliteDriver::memory()?;
        Ok(())
    }
}
