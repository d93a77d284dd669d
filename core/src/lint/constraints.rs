//! `condrop`: constraints dropped (CD101 foreign key, CD102 check, CD103
//! primary key). Nothing is lost at once, but the database stops guarding the
//! rows that applications may rely on it to guard.

use super::{Analyzer, Code, Context, Family, Finding};
use crate::diag::Severity;
use crate::diff::{Change, TableChange};

pub struct ConstraintDrop;

impl Analyzer for ConstraintDrop {
    fn family(&self) -> Family {
        Family::ConstraintDrop
    }

    fn analyze(&self, cx: &Context, out: &mut Vec<Finding>) {
        for (i, c) in cx.plan.changes.iter().enumerate() {
            let Change::ModifyTable {
                from, to, changes, ..
            } = c
            else {
                continue;
            };
            for tc in changes {
                let (code, kind, detail, name) = match tc {
                    TableChange::DropForeignKey { fk } => (
                        Code::CD101,
                        "foreign key",
                        format!(" ({}) → \"{}\"", fk.columns.join(", "), fk.ref_table),
                        fk.name.clone(),
                    ),
                    TableChange::DropCheck { check } => (
                        Code::CD102,
                        "check",
                        format!(" ({})", check.expr),
                        check.name.clone(),
                    ),
                    TableChange::ModifyPrimaryKey {
                        from: Some(pk),
                        to: None,
                    } => (Code::CD103, "primary key", String::new(), pk.name.clone()),
                    _ => continue,
                };
                let label = match &name {
                    Some(n) if !n.is_empty() => format!("{kind} \"{n}\"{detail}"),
                    _ => format!("{kind}{detail}"),
                };
                let stmt = name
                    .as_deref()
                    .and_then(|n| cx.statement(i, n))
                    .or_else(|| cx.statement(i, &from.name));
                out.push(
                    Finding::new(
                        code,
                        Severity::Warning,
                        format!(
                            "drops the {label} of \"{}\": rows are no longer checked against it",
                            to.name
                        ),
                        i,
                        None,
                    )
                    .with_statement(stmt.map(|s| s.sql.clone())),
                );
            }
        }
    }
}
