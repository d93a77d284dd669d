//! Reviewed plans: a plan computed, linted and simulated at pull-request time,
//! stored as a file next to the schema, approved by a person, and applied
//! verbatim at deploy time when, and only when, the database is in the state
//! the plan was made from and the schema files describe the state it reaches.
//!
//! - [`fingerprint`]: the canonical hash that names a state;
//! - [`file`]: the `.plan.hcl` format (write, read, approve);
//! - [`store`]: a plans directory and the lookup `schema apply` does;
//! - [`simulate`]: the plan run on a dev database rebuilt in the from-state,
//!   checked to reach the desired state.
//!
//! [`crate::pipeline`] does the lookup for every front end, so the CLI and the
//! language server use (and refuse) the same reviewed plans.

pub mod file;
pub mod fingerprint;
pub mod simulate;
pub mod store;

use crate::dialect::Dialect;
use crate::plan::{Plan, Step};
use crate::sql::split;

pub use fingerprint::fingerprint;

/// A reviewed plan's SQL as a plan the drivers run: one step per statement,
/// the `--` lines before a statement as its comment, and statements the
/// dialect cannot run in a transaction (`… CONCURRENTLY`) marked so.
pub fn plan_from_sql(sql: &str, dialect: Dialect) -> crate::diag::Result<Plan> {
    let imp = dialect.imp()?;
    let mut plan = Plan::empty(dialect);
    for (i, stmt) in split::split(sql, dialect).into_iter().enumerate() {
        let text = stmt.text(sql).to_string();
        let comment = sql[stmt.full.start..stmt.range.start]
            .lines()
            .filter_map(|l| l.trim().strip_prefix("--"))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        let comment = if comment.is_empty() {
            format!("reviewed statement {}", i + 1)
        } else {
            comment
        };
        let mut step = Step::new(0, comment, text.clone(), None, None);
        step.transactional = imp.runs_in_transaction(&text);
        plan.steps.push(step);
    }
    plan.transactional = plan.steps.iter().all(|s| s.transactional);
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewed_sql_becomes_one_step_per_statement_with_its_comment() {
        let sql = "PRAGMA foreign_keys = off;\n-- add column \"email\" to table \"users\"\nALTER TABLE \"users\" ADD COLUMN \"email\" text;\nUPDATE \"users\" SET \"email\" = 'a;b';\n";
        let p = plan_from_sql(sql, Dialect::Sqlite).unwrap();
        let steps: Vec<(&str, &str)> = p
            .steps
            .iter()
            .map(|s| (s.comment.as_str(), s.sql.as_str()))
            .collect();
        assert_eq!(
            steps,
            [
                ("reviewed statement 1", "PRAGMA foreign_keys = off"),
                (
                    "add column \"email\" to table \"users\"",
                    "ALTER TABLE \"users\" ADD COLUMN \"email\" text"
                ),
                (
                    "reviewed statement 3",
                    "UPDATE \"users\" SET \"email\" = 'a;b'"
                ),
            ]
        );
    }

    #[test]
    fn concurrent_index_statements_run_outside_the_transaction() {
        let sql = "CREATE INDEX CONCURRENTLY \"i\" ON \"t\" (\"a\");\nALTER TABLE \"t\" ADD COLUMN \"b\" int;";
        let p = plan_from_sql(sql, Dialect::Postgres).unwrap();
        assert!(!p.steps[0].transactional);
        assert!(p.steps[1].transactional);
    }
}
