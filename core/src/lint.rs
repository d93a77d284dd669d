//! Findings on a plan before it runs: what destroys data, what may fail on a
//! table that has rows, what breaks applications reading the old names.
//! Codes follow the ones Atlas users know (DS = destructive, MF = may fail,
//! BC = backward incompatible).

use crate::diag::Severity;
use crate::diff::{Change, ColumnAspect, TableChange};
use crate::plan::Plan;
use crate::span::Span;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Index into [`Plan::changes`].
    pub change: usize,
    #[serde(skip)]
    pub span: Option<Span>,
}

impl Finding {
    pub fn is_destructive(&self) -> bool {
        self.code.starts_with("DS")
    }
}

pub fn lint(plan: &Plan) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, c) in plan.changes.iter().enumerate() {
        let mut add = |code, severity, message: String, span: Option<Span>| {
            out.push(Finding {
                code,
                severity,
                message,
                change: i,
                span,
            })
        };
        match c {
            Change::DropTable { table, .. } => add(
                "DS102",
                Severity::Warning,
                format!("drops table \"{}\" and every row in it", table.name),
                None,
            ),
            Change::RenameTable { from, to, .. } => add(
                "BC101",
                Severity::Info,
                format!(
                    "renames table \"{from}\" to \"{to}\": code that reads the old name breaks"
                ),
                None,
            ),
            Change::ModifyTable { to, changes, .. } => {
                for tc in changes {
                    match tc {
                        TableChange::DropColumn { column } if column.generated.as_ref().is_none_or(|g| g.stored) => add(
                            "DS103",
                            Severity::Warning,
                            format!("drops column \"{}\" of \"{}\" and its data", column.name, to.name),
                            None,
                        ),
                        TableChange::RenameColumn { from, to: new } => add(
                            "BC102",
                            Severity::Info,
                            format!("renames column \"{}\".\"{from}\" to \"{new}\": code that reads the old name breaks", to.name),
                            to.column(new).and_then(|c| c.span.clone()),
                        ),
                        TableChange::AddColumn { column }
                            if !column.nullable
                                && column.default.is_none()
                                && column.generated.is_none()
                                && !crate::precheck::filled_by_database(column) =>
                        {
                            add(
                                "MF103",
                                Severity::Warning,
                                format!(
                                    "adds NOT NULL column \"{}\" to \"{}\" without a default: fails if the table has rows",
                                    column.name, to.name
                                ),
                                column.span.clone(),
                            )
                        }
                        TableChange::ModifyColumn { from, to: col, aspects } => {
                            if aspects.contains(&ColumnAspect::Null) && from.nullable && col.default.is_none() {
                                add(
                                    "MF104",
                                    Severity::Warning,
                                    format!(
                                        "makes \"{}\".\"{}\" NOT NULL: fails if a row holds NULL (add a default to fill them)",
                                        to.name, col.name
                                    ),
                                    col.span.clone(),
                                )
                            }
                            if aspects.contains(&ColumnAspect::Type) {
                                add(
                                    "MF105",
                                    Severity::Info,
                                    format!(
                                        "changes the type of \"{}\".\"{}\" from {} to {}: values are converted",
                                        to.name, col.name, from.ty, col.ty
                                    ),
                                    col.span.clone(),
                                )
                            }
                        }
                        TableChange::AddIndex { index } if index.unique => add(
                            "MF101",
                            Severity::Warning,
                            format!("adds unique index \"{}\": fails if existing rows hold duplicates", index.name),
                            index.span.clone(),
                        ),
                        TableChange::ModifyIndex { to: index, .. } if index.unique => add(
                            "MF102",
                            Severity::Warning,
                            format!("changes unique index \"{}\": fails if existing rows hold duplicates", index.name),
                            index.span.clone(),
                        ),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    out
}
