//! `data_depend`: changes that may fail, or change values, depending on the
//! rows already in the table (MF101–MF105). The row pre-checks
//! ([`crate::precheck`]) later look at the target's rows and turn a certain
//! failure into an error; the dialect adds its own narrowing rule (MF108).

use super::{q, qn, Analyzer, Code, Context, Family, Finding, Fix};
use crate::diag::Severity;
use crate::diff::{Change, ColumnAspect, TableChange};

pub struct DataDependent;

impl Analyzer for DataDependent {
    fn family(&self) -> Family {
        Family::DataDependent
    }

    fn analyze(&self, cx: &Context, out: &mut Vec<Finding>) {
        let d = cx.dialect();
        for (i, c) in cx.plan.changes.iter().enumerate() {
            let Change::ModifyTable {
                schema,
                to,
                changes,
                ..
            } = c
            else {
                continue;
            };
            // A table created earlier in the same migration file has no rows yet.
            if cx.is_new(schema, &to.name) {
                continue;
            }
            let table = qn(d, schema, &to.name);
            let stmt = |name: &str| cx.statement(i, name).map(|s| s.sql.clone());
            for tc in changes {
                match tc {
                    TableChange::AddColumn { column }
                        if !column.nullable
                            && column.default.is_none()
                            && column.generated.is_none()
                            && !crate::precheck::filled_by_database(column) =>
                    {
                        out.push(
                            Finding::new(
                                Code::MF103,
                                Severity::Warning,
                                format!(
                                    "adds NOT NULL column \"{}\" to \"{}\" without a default: fails if the table has rows",
                                    column.name, to.name
                                ),
                                i,
                                column.span.clone(),
                            )
                            .with_statement(stmt(&column.name))
                            .with_fix(Fix::new(
                                "give the column a default, or add it nullable, fill it, then make it NOT NULL",
                                vec![],
                            )),
                        )
                    }
                    TableChange::ModifyColumn {
                        from,
                        to: col,
                        aspects,
                    } => {
                        if aspects.contains(&ColumnAspect::Null)
                            && from.nullable
                            && !col.nullable
                            && col.default.is_none()
                        {
                            out.push(
                                Finding::new(
                                    Code::MF104,
                                    Severity::Warning,
                                    format!(
                                        "makes \"{}\".\"{}\" NOT NULL: fails if a row holds NULL (add a default to fill them)",
                                        to.name, col.name
                                    ),
                                    i,
                                    col.span.clone(),
                                )
                                .with_statement(stmt(&col.name))
                                .with_fix(Fix::new(
                                    "fill the NULLs before the change",
                                    vec![format!(
                                        "UPDATE {table} SET {} = /* value */ WHERE {} IS NULL",
                                        q(d, &col.name),
                                        q(d, &col.name)
                                    )],
                                )),
                            )
                        }
                        if aspects.contains(&ColumnAspect::Type) {
                            out.push(
                                Finding::new(
                                    Code::MF105,
                                    Severity::Info,
                                    format!(
                                        "changes the type of \"{}\".\"{}\" from {} to {}: values are converted",
                                        to.name, col.name, from.ty, col.ty
                                    ),
                                    i,
                                    col.span.clone(),
                                )
                                .with_statement(stmt(&col.name)),
                            )
                        }
                    }
                    TableChange::AddIndex { index } if index.unique => out.push(
                        Finding::new(
                            Code::MF101,
                            Severity::Warning,
                            format!(
                                "adds unique index \"{}\": fails if existing rows hold duplicates",
                                index.name
                            ),
                            i,
                            index.span.clone(),
                        )
                        .with_statement(stmt(&index.name)),
                    ),
                    TableChange::ModifyIndex { to: index, .. } if index.unique => out.push(
                        Finding::new(
                            Code::MF102,
                            Severity::Warning,
                            format!(
                                "changes unique index \"{}\": fails if existing rows hold duplicates",
                                index.name
                            ),
                            i,
                            index.span.clone(),
                        )
                        .with_statement(stmt(&index.name)),
                    ),
                    _ => {}
                }
            }
        }
    }
}
