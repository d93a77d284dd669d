//! `destructive`: changes that lose data (DS101 schema, DS102 table, DS103 column).

use super::{q, qn, Analyzer, Code, Context, Family, Finding, Fix};
use crate::diag::Severity;
use crate::diff::{Change, TableChange};

pub struct Destructive;

impl Analyzer for Destructive {
    fn family(&self) -> Family {
        Family::Destructive
    }

    fn analyze(&self, cx: &Context, out: &mut Vec<Finding>) {
        let d = cx.dialect();
        for (i, c) in cx.plan.changes.iter().enumerate() {
            match c {
                Change::DropSchema { schema } => out.push(
                    Finding::new(
                        Code::DS101,
                        Severity::Warning,
                        format!("drops schema \"{schema}\" and every object and row in it"),
                        i,
                        None,
                    )
                    .with_statement(cx.statement(i, schema).map(|s| s.sql.clone())),
                ),
                Change::DropTable { schema, table } => out.push(
                    Finding::new(
                        Code::DS102,
                        Severity::Warning,
                        format!("drops table \"{}\" and every row in it", table.name),
                        i,
                        None,
                    )
                    .with_statement(cx.statement(i, &table.name).map(|s| s.sql.clone()))
                    .with_fix(Fix::new(
                        "keep the rows: rename the table aside instead of dropping it, and drop it once nothing reads it",
                        vec![format!(
                            "ALTER TABLE {} RENAME TO {}",
                            qn(d, schema, &table.name),
                            q(d, &format!("{}_dropped", table.name))
                        )],
                    )),
                ),
                Change::ModifyTable { to, changes, .. } => {
                    for tc in changes {
                        let TableChange::DropColumn { column } = tc else {
                            continue;
                        };
                        // A virtual generated column holds no data of its own.
                        if column.generated.as_ref().is_some_and(|g| !g.stored) {
                            continue;
                        }
                        out.push(
                            Finding::new(
                                Code::DS103,
                                Severity::Warning,
                                format!(
                                    "drops column \"{}\" of \"{}\" and its data",
                                    column.name, to.name
                                ),
                                i,
                                None,
                            )
                            .with_statement(
                                cx.statement(i, &column.name).map(|s| s.sql.clone()),
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}
