//! Columns of a table that stays: add, drop, rename, and the `ALTER COLUMN`
//! steps of a changed column (generation, type, NOT NULL, identity, default,
//! comment), in the order PostgreSQL needs them.

use super::comment::comment_on;
use super::render::{column_def, default_sql, identity_clause, q, qn, serial_base};
use super::sequence::{identity_options, sequence_changes};
use super::{destructive, step, Phases};
use crate::diff::ColumnAspect;
use crate::model::{AttrValue, Column};

/// `t` is the quoted table name, as every generator here takes it.
pub(super) fn add(i: usize, t: &str, column: &Column, p: &mut Phases) {
    p.alter_tables.push(step(
        i,
        format!("add column {} to {t}", q(&column.name)),
        format!("ALTER TABLE {t} ADD COLUMN {}", column_def(column)),
        Some(format!("ALTER TABLE {t} DROP COLUMN {}", q(&column.name))),
        column.span.clone(),
    ));
    if column.comment.is_some() {
        let target = format!("{t}.{}", q(&column.name));
        p.comments
            .push(comment_on(i, "COLUMN", &target, column.comment.as_deref()));
    }
}

pub(super) fn drop(i: usize, t: &str, column: &Column, p: &mut Phases) {
    p.alter_tables.push(destructive(step(
        i,
        format!("drop column {} from {t}", q(&column.name)),
        format!("ALTER TABLE {t} DROP COLUMN {}", q(&column.name)),
        Some(format!("ALTER TABLE {t} ADD COLUMN {}", column_def(column))),
        None,
    )))
}

pub(super) fn rename(i: usize, t: &str, a: &str, b: &str, p: &mut Phases) {
    p.renames.push(step(
        i,
        format!("rename column {} to {} in {t}", q(a), q(b)),
        format!("ALTER TABLE {t} RENAME COLUMN {} TO {}", q(a), q(b)),
        Some(format!(
            "ALTER TABLE {t} RENAME COLUMN {} TO {}",
            q(b),
            q(a)
        )),
        None,
    ))
}

/// The `ALTER TABLE t ALTER COLUMN c …` steps of one changed column.
struct Alter<'a> {
    i: usize,
    t: &'a str,
    c: String,
    to: &'a Column,
    p: &'a mut Phases,
}

impl Alter<'_> {
    fn push(&mut self, comment: &str, sql: String) {
        let (t, c) = (self.t, &self.c);
        self.p.alter_tables.push(step(
            self.i,
            format!("{comment} of {t}.{c}"),
            sql,
            None,
            self.to.span.clone(),
        ))
    }

    /// `ALTER TABLE t ALTER COLUMN c {what}`.
    fn alter(&mut self, comment: &str, what: &str) {
        let sql = format!("ALTER TABLE {} ALTER COLUMN {} {what}", self.t, self.c);
        self.push(comment, sql)
    }
}

/// Steps in this order: generation (a recomputed column is dropped and added,
/// and that is all), type (its default dropped first), SET NOT NULL (identity
/// needs it), identity, default, DROP NOT NULL, comment. `to_enum`: the new
/// type is an enum, reached through text.
pub(super) fn modify(
    i: usize,
    t: &str,
    a: &Column,
    b: &Column,
    aspects: &[ColumnAspect],
    to_enum: bool,
    p: &mut Phases,
) {
    let mut s = Alter {
        i,
        t,
        c: q(&b.name),
        to: b,
        p,
    };
    if aspects.contains(&ColumnAspect::Generated) && recompute(&mut s, a, b) {
        return;
    }
    let type_change =
        aspects.contains(&ColumnAspect::Type) || aspects.contains(&ColumnAspect::Collation);
    if type_change {
        retype(&mut s, a, b, to_enum);
    }
    if aspects.contains(&ColumnAspect::Null) && !b.nullable {
        s.alter("forbid NULL", "SET NOT NULL");
    }
    if aspects.contains(&ColumnAspect::Attrs) {
        identity(&mut s, a, b);
    }
    if aspects.contains(&ColumnAspect::Default) || (type_change && b.default.is_some()) {
        match &b.default {
            Some(d) => s.alter("set default", &format!("SET DEFAULT {}", default_sql(d))),
            None if !type_change || a.default.is_none() => s.alter("drop default", "DROP DEFAULT"),
            None => {}
        }
    }
    if aspects.contains(&ColumnAspect::Null) && b.nullable {
        s.alter("allow NULL", "DROP NOT NULL");
    }
    if aspects.contains(&ColumnAspect::Comment) {
        let target = format!("{t}.{}", s.c);
        s.p.comments
            .push(comment_on(i, "COLUMN", &target, b.comment.as_deref()));
    }
}

/// A generated column that stops generating keeps its values; a new
/// expression cannot be altered, so the column is dropped and added again.
/// Returns whether the column was recomputed (nothing else to do).
fn recompute(s: &mut Alter, a: &Column, b: &Column) -> bool {
    if let (Some(_), None) = (&a.generated, &b.generated) {
        s.alter("stop generating", "DROP EXPRESSION");
        return false;
    }
    let (t, c) = (s.t, s.c.clone());
    s.push(
        "recompute generated column (drop)",
        format!("ALTER TABLE {t} DROP COLUMN {c}"),
    );
    s.push(
        "recompute generated column (add)",
        format!("ALTER TABLE {t} ADD COLUMN {}", column_def(b)),
    );
    true
}

/// `ALTER COLUMN … TYPE`, with the default out of the way, a `USING` cast
/// unless the implicit one is exact, and a serial's sequence resized along.
fn retype(s: &mut Alter, a: &Column, b: &Column, to_enum: bool) {
    if a.default.is_some() {
        s.alter("drop default before changing the type", "DROP DEFAULT");
    }
    let coll = b
        .collation
        .as_ref()
        .map(|x| format!(" COLLATE {}", q(x)))
        .unwrap_or_default();
    // serial types are integers with a sequence; the column's type is the integer.
    let ty = serial_base(&b.ty);
    // An explicit cast to varchar(n) truncates; the implicit one refuses.
    let using = if !to_enum && crate::postgres::narrow::assignment_cast_suffices(&a.ty, ty) {
        String::new()
    } else {
        let via = if to_enum { "::text" } else { "" };
        format!(" USING {}{via}::{ty}", s.c)
    };
    s.alter("change type", &format!("TYPE {ty}{coll}{using}"));
    if serial_base(&a.ty) != a.ty && serial_base(&b.ty) != b.ty {
        // The owned sequence follows the column's new width.
        let table = s.t.rsplit('.').next().unwrap_or("").trim_matches('"');
        let schema = s.t.split('.').next().unwrap_or("").trim_matches('"');
        let seq = format!("{table}_{}_seq", b.name);
        s.push(
            "resize the sequence",
            format!(
                "ALTER SEQUENCE {} AS {}",
                qn(schema, &seq),
                serial_base(&b.ty)
            ),
        );
    }
}

/// Add, drop or change an identity (`ALWAYS`/`BY DEFAULT` and the options of
/// its sequence).
fn identity(s: &mut Alter, a: &Column, b: &Column) {
    let ident = |col: &Column| match col.attrs.0.get("identity") {
        Some(AttrValue::Str(s)) => Some(s.clone()),
        _ => None,
    };
    match (ident(a), ident(b)) {
        (None, Some(g)) => s.alter(
            "add identity",
            &format!("ADD GENERATED {g} AS IDENTITY{}", identity_clause(b)),
        ),
        (Some(_), None) => s.alter("drop identity", "DROP IDENTITY"),
        (Some(x), Some(y)) => {
            let mut sets = Vec::new();
            if x != y {
                sets.push(format!("SET GENERATED {y}"));
            }
            // The sequence's type follows the column's own type change.
            let mut from = identity_options(a);
            from.ty = identity_options(b).ty;
            for clause in sequence_changes(&from, &identity_options(b)) {
                sets.push(format!("SET {clause}"));
            }
            if !sets.is_empty() {
                s.alter("change identity", &sets.join(" "));
            }
        }
        (None, None) => {}
    }
}
