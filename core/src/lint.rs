//! Findings on a plan before it runs: what destroys data, what may fail on a
//! table that has rows, what breaks applications reading the old names.
//! Codes follow the ones Atlas users know (DS = destructive, MF = may fail,
//! BC = backward incompatible).

use crate::diag::Severity;
use crate::diff::{Change, ColumnAspect, TableChange};
use crate::plan::Plan;
use crate::span::Span;
use serde::Serialize;

/// A finding's code. Codes follow the ones Atlas users know; what a code
/// means (destructive, data-dependent, …) is a property of the code, not of
/// its spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// Drops a table.
    DS102,
    /// Drops a (non-virtual) column.
    DS103,
    /// Adds a unique index over existing rows.
    MF101,
    /// Adds or changes a unique constraint over existing rows.
    MF102,
    /// Adds a NOT NULL column without default to a table that may have rows.
    MF103,
    /// Makes a nullable column NOT NULL.
    MF104,
    /// Changes a column's type: values are converted.
    MF105,
    /// Adds a check that rows may break.
    MF106,
    /// Adds a foreign key that rows may break.
    MF107,
    /// A type change that loses data in existing rows.
    MF108,
    /// Renames a table.
    BC101,
    /// Renames a column.
    BC102,
}

/// What kind of risk a code names (Atlas's analyzer names in brackets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Loses data (`destructive`).
    Destructive,
    /// May fail or lose data depending on the rows (`data_depend`).
    DataDependent,
    /// Breaks applications that use the old names (`incompatible`).
    BackwardIncompatible,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::DS102 => "DS102",
            Code::DS103 => "DS103",
            Code::MF101 => "MF101",
            Code::MF102 => "MF102",
            Code::MF103 => "MF103",
            Code::MF104 => "MF104",
            Code::MF105 => "MF105",
            Code::MF106 => "MF106",
            Code::MF107 => "MF107",
            Code::MF108 => "MF108",
            Code::BC101 => "BC101",
            Code::BC102 => "BC102",
        }
    }

    pub fn family(self) -> Family {
        match self {
            Code::DS102 | Code::DS103 => Family::Destructive,
            Code::BC101 | Code::BC102 => Family::BackwardIncompatible,
            _ => Family::DataDependent,
        }
    }

    /// Atlas's analyzer name for the family (`nolint destructive`).
    pub fn analyzer(self) -> &'static str {
        match self.family() {
            Family::Destructive => "destructive",
            Family::DataDependent => "data_depend",
            Family::BackwardIncompatible => "incompatible",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Index into [`Plan::changes`].
    pub change: usize,
    #[serde(skip)]
    pub span: Option<Span>,
}

impl Finding {
    pub fn is_destructive(&self) -> bool {
        self.code.family() == Family::Destructive
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
                Code::DS102,
                Severity::Warning,
                format!("drops table \"{}\" and every row in it", table.name),
                None,
            ),
            Change::RenameTable { from, to, .. } => add(
                Code::BC101,
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
                            Code::DS103,
                            Severity::Warning,
                            format!("drops column \"{}\" of \"{}\" and its data", column.name, to.name),
                            None,
                        ),
                        TableChange::RenameColumn { from, to: new } => add(
                            Code::BC102,
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
                                Code::MF103,
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
                                    Code::MF104,
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
                                    Code::MF105,
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
                            Code::MF101,
                            Severity::Warning,
                            format!("adds unique index \"{}\": fails if existing rows hold duplicates", index.name),
                            index.span.clone(),
                        ),
                        TableChange::ModifyIndex { to: index, .. } if index.unique => add(
                            Code::MF102,
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
