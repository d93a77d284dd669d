//! `incompatible`: renames that break applications still reading the old
//! names (BC101 table, BC102 column). The fix keeps the old name readable
//! during the transition: a view for a table, a generated column for a column.

use super::{q, qn, Analyzer, Code, Context, Family, Finding, Fix};
use crate::diag::Severity;
use crate::diff::{Change, TableChange};

pub struct Incompatible;

impl Analyzer for Incompatible {
    fn family(&self) -> Family {
        Family::BackwardIncompatible
    }

    fn analyze(&self, cx: &Context, out: &mut Vec<Finding>) {
        let d = cx.dialect();
        for (i, c) in cx.plan.changes.iter().enumerate() {
            match c {
                Change::RenameTable { schema, from, to } => out.push(
                    Finding::new(
                        Code::BC101,
                        Severity::Info,
                        format!(
                            "renames table \"{from}\" to \"{to}\": code that reads the old name breaks"
                        ),
                        i,
                        None,
                    )
                    .with_statement(cx.statement(i, to).map(|s| s.sql.clone()))
                    .with_fix(Fix::new(
                        "keep a view under the old name until every reader has moved",
                        vec![format!(
                            "CREATE VIEW {} AS SELECT * FROM {}",
                            qn(d, schema, from),
                            qn(d, schema, to)
                        )],
                    )),
                ),
                Change::ModifyTable {
                    schema,
                    to,
                    changes,
                    ..
                } => {
                    for tc in changes {
                        let TableChange::RenameColumn { from, to: new } = tc else {
                            continue;
                        };
                        let col = to.column(new);
                        let ty = col.map(|c| c.ty.as_str()).unwrap_or("…");
                        out.push(
                            Finding::new(
                                Code::BC102,
                                Severity::Info,
                                format!(
                                    "renames column \"{}\".\"{from}\" to \"{new}\": code that reads the old name breaks",
                                    to.name
                                ),
                                i,
                                col.and_then(|c| c.span.clone()),
                            )
                            .with_statement(cx.statement(i, new).map(|s| s.sql.clone()))
                            .with_fix(Fix::new(
                                "keep the old name readable during the transition with a generated column",
                                vec![format!(
                                    "ALTER TABLE {} ADD COLUMN {} {ty} GENERATED ALWAYS AS ({}) STORED",
                                    qn(d, schema, &to.name),
                                    q(d, from),
                                    q(d, new)
                                )],
                            )),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}
