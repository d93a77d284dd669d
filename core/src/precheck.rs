//! Pre-checks: before a plan runs, look at the rows already in the target for
//! the changes that can only fail on them (a NOT NULL column added to a table
//! with rows, a unique index over duplicates, a check or foreign key that rows
//! violate). A conflict becomes an error finding, so the plan is refused before
//! anything runs instead of failing halfway and rolling back.
//!
//! Each check is one `SELECT … LIMIT 1` on the target. A check whose query the
//! database refuses (a column the plan renames first, a parent table the plan
//! creates) says nothing: the apply itself remains the final judge.

use crate::diag::Severity;
use crate::dialect::Dialect;
use crate::diff::{Change, ColumnAspect, TableChange};
use crate::driver::Driver;
use crate::lint::{Code, Finding};
use crate::model::*;
use crate::plan::Plan;
use crate::span::Span;

/// Upgrades the lint findings whose failure the target's rows make certain to
/// errors, and adds findings for checks and foreign keys that rows violate.
pub fn check_rows(target: &mut dyn Driver, plan: &Plan, findings: &mut Vec<Finding>) {
    let d = plan.dialect;
    for (i, c) in plan.changes.iter().enumerate() {
        let Change::ModifyTable {
            schema,
            from,
            to,
            changes,
        } = c
        else {
            continue;
        };
        let t = qualified(d, schema, &from.name);
        for tc in changes {
            let found = conflict(d, schema, &t, to, tc).into_iter();
            for conflict in found.chain(narrowing(d, &t, to, tc)) {
                if target.has_rows(&conflict.query) != Ok(true) {
                    continue;
                }
                let existing = findings
                    .iter_mut()
                    .find(|f| f.change == i && f.code == conflict.code);
                match existing {
                    Some(f) if f.message.contains(&format!("\"{}\"", conflict.subject)) => {
                        f.severity = Severity::Error;
                        f.message = conflict.message;
                        f.certain = true;
                    }
                    _ => {
                        let mut f = Finding::new(
                            conflict.code,
                            Severity::Error,
                            conflict.message,
                            i,
                            conflict.span,
                        );
                        f.certain = true;
                        findings.push(f);
                    }
                }
            }
        }
    }
}

/// Whether the rows make any statement of the plan certain to fail.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.certain)
}

struct Conflict {
    code: Code,
    /// The object the lint finding names, to match it.
    subject: String,
    /// Returns a row when the target's data makes the change fail.
    query: String,
    message: String,
    span: Option<Span>,
}

fn qualified(d: Dialect, schema: &str, name: &str) -> String {
    format!("{}.{}", d.quote(schema), d.quote(name))
}

fn conflict(
    d: Dialect,
    schema: &str,
    t: &str,
    table: &Table,
    tc: &TableChange,
) -> Option<Conflict> {
    let q = |s: &str| d.quote(s);
    let tn = &table.name;
    match tc {
        TableChange::AddColumn { column: c }
            if !c.nullable
                && c.default.is_none()
                && c.generated.is_none()
                && !filled_by_database(c) =>
        {
            Some(Conflict {
                code: Code::MF103,
                subject: c.name.clone(),
                query: format!("SELECT 1 FROM {t} LIMIT 1"),
                message: format!(
                    "adds NOT NULL column \"{}\" without a default, and \"{tn}\" has rows: the plan would fail. \
                     Give the column a default, or add it nullable, fill it, then make it NOT NULL",
                    c.name
                ),
                span: c.span.clone(),
            })
        }
        TableChange::ModifyColumn { from, to, aspects }
            if aspects.contains(&ColumnAspect::Null) && from.nullable && !to.nullable =>
        {
            Some(Conflict {
                code: Code::MF104,
                subject: to.name.clone(),
                query: format!(
                    "SELECT 1 FROM {t} WHERE {} IS NULL LIMIT 1",
                    q(&from.name)
                ),
                message: format!(
                    "makes \"{tn}\".\"{}\" NOT NULL, and rows hold NULL in it: the plan would fail. \
                     Fill those rows first, or give the column a default",
                    to.name
                ),
                span: to.span.clone(),
            })
        }
        TableChange::AddIndex { index } | TableChange::ModifyIndex { to: index, .. }
            if index.unique && index.parts.iter().all(|p| p.column_name().is_some()) =>
        {
            let cols: Vec<String> = index
                .parts
                .iter()
                .filter_map(IndexPart::column_name)
                .map(q)
                .collect();
            let mut filter: Vec<String> = if index.attrs.flag("nulls_not_distinct") {
                Vec::new()
            } else {
                cols.iter().map(|c| format!("{c} IS NOT NULL")).collect()
            };
            if let Some(w) = &index.predicate {
                filter.push(format!("({w})"));
            }
            let filter = if filter.is_empty() {
                String::new()
            } else {
                format!(" WHERE {}", filter.join(" AND "))
            };
            let code = if matches!(tc, TableChange::AddIndex { .. }) {
                Code::MF101
            } else {
                Code::MF102
            };
            Some(Conflict {
                code,
                subject: index.name.clone(),
                query: format!(
                    "SELECT 1 FROM {t}{filter} GROUP BY {} HAVING count(*) > 1 LIMIT 1",
                    cols.join(", ")
                ),
                message: format!(
                    "unique index \"{}\" on \"{tn}\" ({}): rows already hold duplicates, so the plan would fail. \
                     Remove the duplicates first",
                    index.name,
                    cols.join(", ")
                ),
                span: index.span.clone(),
            })
        }
        TableChange::AddCheck { check } | TableChange::ModifyCheck { to: check, .. } => {
            let name = check.name.clone().unwrap_or_default();
            Some(Conflict {
                code: Code::MF106,
                subject: name.clone(),
                query: format!("SELECT 1 FROM {t} WHERE NOT ({}) LIMIT 1", check.expr),
                message: format!(
                    "check {}on \"{tn}\" ({}): rows violate it, so the plan would fail. \
                     Fix those rows first",
                    if name.is_empty() {
                        String::new()
                    } else {
                        format!("\"{name}\" ")
                    },
                    check.expr
                ),
                span: check.span.clone(),
            })
        }
        TableChange::AddForeignKey { fk } | TableChange::ModifyForeignKey { to: fk, .. } => {
            let parent = qualified(
                d,
                fk.ref_schema
                    .as_deref()
                    .filter(|s| !s.is_empty())
                    .unwrap_or(schema),
                &fk.ref_table,
            );
            let present: Vec<String> = fk
                .columns
                .iter()
                .map(|c| format!("c.{} IS NOT NULL", q(c)))
                .collect();
            let joins: Vec<String> = fk
                .columns
                .iter()
                .zip(&fk.ref_columns)
                .map(|(c, r)| format!("p.{} = c.{}", q(r), q(c)))
                .collect();
            Some(Conflict {
                code: Code::MF107,
                subject: fk.name.clone().unwrap_or_default(),
                query: format!(
                    "SELECT 1 FROM {t} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {}) LIMIT 1",
                    present.join(" AND "),
                    joins.join(" AND ")
                ),
                message: format!(
                    "foreign key ({}) of \"{tn}\" → \"{}\": rows point at missing parents, so the plan would fail. \
                     Delete or fix those rows first",
                    fk.columns.join(", "),
                    fk.ref_table
                ),
                span: fk.span.clone(),
            })
        }
        _ => None,
    }
}

/// A PostgreSQL type change that rows would not survive intact (see
/// [`crate::postgres::narrow`]): the server would cut, round or drop part of
/// their values, so the plan is refused instead.
fn narrowing(d: Dialect, t: &str, table: &Table, tc: &TableChange) -> Option<Conflict> {
    let TableChange::ModifyColumn { from, to, aspects } = tc else {
        return None;
    };
    if d != Dialect::Postgres || !aspects.contains(&ColumnAspect::Type) {
        return None;
    }
    let (cond, lost) =
        crate::postgres::narrow::loss_condition(&d.quote(&from.name), &from.ty, &to.ty)?;
    Some(Conflict {
        code: Code::MF108,
        subject: to.name.clone(),
        query: format!("SELECT 1 FROM {t} WHERE {cond} LIMIT 1"),
        message: format!(
            "narrowing loses data: \"{}\".\"{}\" goes from {} to {}, and rows hold values that \
             do not survive it ({lost}). Fix those rows first, or keep the wider type",
            table.name, to.name, from.ty, to.ty
        ),
        span: to.span.clone(),
    })
}

/// Serial and identity columns get their values from a sequence.
pub fn filled_by_database(c: &Column) -> bool {
    c.auto_increment || c.ty.ends_with("serial") || c.attrs.0.contains_key("identity")
}
