//! The progress record of an apply: MySQL commits every DDL statement on its
//! own, so a plan that fails (or is killed) halfway leaves a database that
//! matches neither side. Before each statement, which plan (its hash) and
//! which statement (index, hash) is about to run is written to a small table
//! in the target, so a failure is reported precisely ("statements 1–3 of 7
//! applied; the 4th failed: …") and anyone can read how far an interrupted
//! apply got. A rerun plans from the database's actual state: the record
//! reports, it never replays.
//!
//! The table is strata's own and inspection never reads it.

use super::conn::{literal, message};
use crate::dialect::Dialect;
use crate::plan::Plan;
use mysql::prelude::Queryable;
use mysql::Conn;
use sha2::{Digest, Sha256};

/// The table the record lives in, in the target database.
pub const TABLE: &str = "strata_apply_progress";

/// One row per target database: the latest apply.
pub struct Record {
    table: String,
}

fn hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Record {
    /// Creates the table when missing and records that `plan` starts.
    pub fn start(conn: &mut Conn, db: &str, plan: &Plan) -> Result<Record, String> {
        let table = format!(
            "{}.{}",
            Dialect::Mysql.quote(db),
            Dialect::Mysql.quote(TABLE)
        );
        conn.query_drop(format!(
            "CREATE TABLE IF NOT EXISTS {table} (\
             `id` int NOT NULL PRIMARY KEY, \
             `plan_hash` char(64) NOT NULL, \
             `total` int NOT NULL, \
             `applied` int NOT NULL, \
             `statement_hash` char(64) NULL, \
             `statement` text NULL, \
             `state` varchar(16) NOT NULL, \
             `error` text NULL, \
             `updated_at` timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)\
             ) ENGINE=InnoDB"
        ))
        .map_err(|e| format!("cannot create the progress record {TABLE}: {}", message(&e)))?;
        conn.query_drop(format!(
            "REPLACE INTO {table} (`id`, `plan_hash`, `total`, `applied`, `state`) VALUES (1, '{}', {}, 0, 'running')",
            hex(&plan.to_sql()),
            plan.steps.len()
        ))
        .map_err(|e| message(&e))?;
        Ok(Record { table })
    }

    /// Statement `index` (0-based) is about to run: every one before it is applied.
    pub fn before(&mut self, conn: &mut Conn, index: usize, sql: &str) -> Result<(), String> {
        conn.query_drop(format!(
            "UPDATE {} SET `applied` = {index}, `statement_hash` = '{}', `statement` = {} WHERE `id` = 1",
            self.table,
            hex(sql),
            literal(sql)
        ))
        .map_err(|e| format!("cannot write the progress record: {}", message(&e)))
    }

    /// Statement `index` failed with `error`.
    pub fn failed(&mut self, conn: &mut Conn, index: usize, error: &str) {
        let _ = conn.query_drop(format!(
            "UPDATE {} SET `applied` = {index}, `state` = 'failed', `error` = {} WHERE `id` = 1",
            self.table,
            literal(error)
        ));
    }

    /// Every statement ran.
    pub fn done(&mut self, conn: &mut Conn) {
        let _ = conn.query_drop(format!(
            "UPDATE {} SET `applied` = `total`, `state` = 'done', `statement` = NULL, `statement_hash` = NULL WHERE `id` = 1",
            self.table
        ));
    }
}

fn applied_part(applied: usize, total: usize) -> String {
    match applied {
        0 => format!("none of {total} statements applied"),
        1 => format!("statement 1 of {total} applied"),
        n => format!("statements 1–{n} of {total} applied"),
    }
}

/// "statements 1–3 of 7 applied; the 4th failed: …" for a failure at `index`.
pub fn describe(index: usize, total: usize, error: &str) -> String {
    format!(
        "{}; the {} failed: {error}",
        applied_part(index, total),
        ordinal(index + 1)
    )
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_says_how_far_the_plan_got() {
        assert_eq!(
            describe(3, 7, "Duplicate entry"),
            "statements 1–3 of 7 applied; the 4th failed: Duplicate entry"
        );
        assert_eq!(
            describe(0, 2, "x"),
            "none of 2 statements applied; the 1st failed: x"
        );
        assert_eq!(
            describe(1, 2, "x"),
            "statement 1 of 2 applied; the 2nd failed: x"
        );
        assert_eq!(ordinal(12), "12th");
        assert_eq!(ordinal(22), "22nd");
    }
}
