//! `schema lint`: the desired schema itself judged, without a database and
//! without a plan — tables without a primary key (ST101), foreign keys no index
//! starts with (ST102: every delete of a parent row scans the child table),
//! unique indexes over nullable columns (ST103: NULLs never collide, so the
//! "unique" column may hold many NULLs), and the naming rule (NM101). Each
//! finding points at the object's line in the schema files.

use super::config::Config;
use super::{Code, Family, Finding, Level};
use crate::diag::Severity;
use crate::model::{IndexPart, Realm, Table};

/// Every design finding of `realm`, at the configured levels.
pub fn lint_schema(realm: &Realm, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    if config.level(Family::Design) != Some(Level::Off) {
        for s in &realm.schemas {
            for t in &s.tables {
                table(t, &mut out);
            }
        }
    }
    if config.level(Family::Naming) != Some(Level::Off) {
        super::naming::check_realm(&config.naming, realm, &mut out);
    }
    config.apply(&mut out);
    out
}

fn leading_columns(parts: &[IndexPart]) -> Vec<&str> {
    parts.iter().map_while(IndexPart::column_name).collect()
}

fn table(t: &Table, out: &mut Vec<Finding>) {
    if t.primary_key.is_none() {
        out.push(Finding::new(
            Code::ST101,
            Severity::Warning,
            format!(
                "table \"{}\" has no primary key: rows cannot be told apart or referenced",
                t.name
            ),
            0,
            t.span.clone(),
        ));
    }
    let mut prefixes: Vec<Vec<&str>> = t
        .indexes
        .iter()
        .map(|i| leading_columns(&i.parts))
        .collect();
    if let Some(pk) = &t.primary_key {
        prefixes.push(leading_columns(&pk.parts));
    }
    for fk in &t.foreign_keys {
        let n = fk.columns.len();
        let covered = prefixes
            .iter()
            .any(|p| p.len() >= n && fk.columns.iter().all(|c| p[..n].contains(&c.as_str())));
        if !covered {
            out.push(Finding::new(
                Code::ST102,
                Severity::Warning,
                format!(
                    "foreign key ({}) of \"{}\" → \"{}\" has no index on its columns: deleting or updating a \"{}\" row scans \"{}\"",
                    fk.columns.join(", "),
                    t.name,
                    fk.ref_table,
                    fk.ref_table,
                    t.name
                ),
                0,
                fk.span.clone().or_else(|| t.span.clone()),
            ));
        }
    }
    for i in t.indexes.iter().filter(|i| i.unique) {
        if i.attrs.flag("nulls_not_distinct") {
            continue;
        }
        let nullable: Vec<&str> = leading_columns(&i.parts)
            .into_iter()
            .filter(|c| t.column(c).is_some_and(|c| c.nullable))
            .collect();
        if nullable.is_empty() {
            continue;
        }
        out.push(Finding::new(
            Code::ST103,
            Severity::Warning,
            format!(
                "unique index \"{}\" of \"{}\" covers nullable column(s) {}: rows with NULL there never collide",
                i.name,
                t.name,
                nullable
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            0,
            i.span.clone().or_else(|| t.span.clone()),
        ));
    }
}
