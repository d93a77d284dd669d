//! Functions, procedures and aggregates: `CREATE OR REPLACE` keeps the
//! triggers that call them; only a changed return type drops first. Routines
//! that need a table or view this plan makes are placed after it.

use super::comment::comment_on;
use super::render::qn;
use super::{step, Handled, Phases};
use crate::diff::Change;
use crate::model::Routine;
use crate::plan::Plan;
use crate::sql::lex::normalize;
use std::collections::HashSet;

/// A new routine (`from` is `None`) or a changed one.
pub(super) fn create(i: usize, schema: &str, from: Option<&Routine>, r: &Routine, p: &mut Phases) {
    if let Some(from) = from {
        // CREATE OR REPLACE cannot change what a function returns: only then
        // drop it first.
        if returns(&from.def) != returns(&r.def) {
            p.routines.push(step(
                i,
                format!(
                    "drop {} {} to change what it returns",
                    kind(r),
                    qn(schema, &from.name)
                ),
                drop_sql(schema, from, r),
                Some(from.def.clone()),
                None,
            ));
        }
    }
    let only_comment = from.is_some_and(|f| normalize(&f.def) == normalize(&r.def));
    if !only_comment {
        p.routines.push(step(
            i,
            format!("create {} {}", kind(r), qn(schema, &r.name)),
            r.def.clone(),
            Some(drop_sql(schema, r, r)),
            r.span.clone(),
        ));
    }
    let comment_changed = match from {
        Some(f) => f.comment != r.comment,
        None => r.comment.is_some(),
    };
    if comment_changed {
        let target = format!("{}({})", qn(schema, &r.name), r.args);
        p.comments.push(comment_on(
            i,
            &kind(r).to_uppercase(),
            &target,
            r.comment.as_deref(),
        ));
    }
}

pub(super) fn drop(i: usize, schema: &str, r: &Routine, p: &mut Phases) {
    p.drop_types.push(step(
        i,
        format!("drop {} {}", kind(r), qn(schema, &r.name)),
        drop_sql(schema, r, r),
        Some(r.def.clone()),
        None,
    ))
}

/// `DROP FUNCTION "s"."f"(args)` for `r`, spelled with the kind of `as_kind`.
fn drop_sql(schema: &str, r: &Routine, as_kind: &Routine) -> String {
    format!(
        "DROP {} {}({})",
        kind(as_kind).to_uppercase(),
        qn(schema, &r.name),
        r.args
    )
}

/// The `RETURNS …` clause of a function definition, normalized.
fn returns(def: &str) -> Option<String> {
    let upper = def.to_ascii_uppercase();
    let start = upper.find(" RETURNS ")?;
    let rest = &def[start + 9..];
    let end = ["\n", " LANGUAGE ", " AS "]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()
        .unwrap_or(rest.len());
    Some(normalize(&rest[..end]))
}

fn kind(r: &Routine) -> &'static str {
    if crate::postgres::aggregate::is_aggregate(&r.def) {
        "aggregate"
    } else if r.procedure {
        "procedure"
    } else {
        "function"
    }
}

/// Routines that need a table or view this plan makes (a `LANGUAGE sql`
/// body reading it, a row type in the signature) are created after it; see
/// [`crate::postgres::order`].
pub(super) fn place(plan: &Plan, handled_views: &Handled, p: &mut Phases) {
    let mut made: HashSet<String> = handled_views
        .iter()
        .map(|(_, v)| v.to_ascii_lowercase())
        .collect();
    for c in &plan.changes {
        match c {
            Change::AddTable { table: t, .. } | Change::ModifyTable { to: t, .. } => {
                made.insert(t.name.to_ascii_lowercase());
            }
            Change::RenameTable { to, .. } => {
                made.insert(to.to_ascii_lowercase());
            }
            _ => {}
        }
    }
    let pinned: HashSet<String> = p
        .types
        .iter()
        .chain(&p.domains)
        .flat_map(|s| crate::postgres::order::idents(&s.sql))
        .collect();
    let placed = crate::postgres::order::place_routines(
        &plan.changes,
        &made,
        &pinned,
        std::mem::take(&mut p.routines),
        std::mem::take(&mut p.create_tables),
        p.alter_tables
            .iter()
            .chain(&p.create_indexes)
            .chain(&p.add_fks),
        std::mem::take(&mut p.create_views),
    );
    p.routines = placed.routines;
    p.create_tables = placed.create_tables;
    p.create_views = placed.create_views;
}
