//! SQLite's analyzer: changes SQLite's `ALTER TABLE` cannot make in place are
//! planned as a table rebuild (create `_strata_new_t`, copy every row, drop,
//! rename, recreate indexes and triggers), all under the database's write
//! lock. On a small table that is instant; on a big one every writer waits
//! for the copy. SQ101 reports a rebuild when the target is known to hold at
//! least [`BIG`] rows in the table (counted by [`facts`], never more than
//! that many rows read); without a database it stays silent.

use crate::diag::Severity;
use crate::diff::Change;
use crate::lint::{Analyzer, Code, Context, Facts, Family, Finding, Fix};
use crate::plan::Plan;

/// Rows from which a rebuild counts as big.
pub const BIG: u64 = 10_000;

/// The tables `plan` rebuilds, by (schema, table).
fn rebuilt(plan: &Plan) -> Vec<(usize, &str, &str)> {
    plan.changes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            Change::ModifyTable { schema, from, .. }
                if plan
                    .steps
                    .iter()
                    .any(|s| s.change == i && s.sql.contains("\"_strata_new_")) =>
            {
                Some((i, schema.as_str(), from.name.as_str()))
            }
            _ => None,
        })
        .collect()
}

pub struct Rebuild;

impl Analyzer for Rebuild {
    fn family(&self) -> Family {
        Family::TableRebuild
    }

    fn analyze(&self, cx: &Context, out: &mut Vec<Finding>) {
        for (i, schema, table) in rebuilt(cx.plan) {
            let Some(rows) = cx.facts.rows(schema, table).filter(|n| *n >= BIG) else {
                continue;
            };
            let first = cx.steps(i).next();
            out.push(
                Finding::new(
                    Code::SQ101,
                    Severity::Warning,
                    format!(
                        "rebuilds table \"{table}\" (at least {rows} rows): every row is copied into a new table while the database's write lock blocks all other writers"
                    ),
                    i,
                    first.and_then(|s| s.span.clone()),
                )
                .with_statement(first.map(|s| s.sql.clone()))
                .with_fix(Fix::new(
                    "run it in a quiet window, or split it so that the part SQLite can ALTER in place (ADD COLUMN, RENAME) goes first",
                    vec![],
                )),
            );
        }
    }
}

/// Row counts of the tables `plan` rebuilds, each read no further than [`BIG`] rows.
pub fn facts(target: &mut dyn crate::driver::Driver, plan: &Plan) -> Facts {
    let mut facts = Facts::default();
    for (_, schema, table) in rebuilt(plan) {
        let sql = format!(
            "SELECT count(*) FROM (SELECT 1 FROM {}.{} LIMIT {BIG})",
            crate::dialect::Dialect::Sqlite.quote(schema),
            crate::dialect::Dialect::Sqlite.quote(table)
        );
        let n = target
            .query(&sql)
            .ok()
            .and_then(|rows| rows.first()?.first()?.as_deref()?.parse().ok());
        if let Some(n) = n {
            facts
                .rows
                .insert((schema.to_string(), table.to_string()), n);
        }
    }
    facts
}
