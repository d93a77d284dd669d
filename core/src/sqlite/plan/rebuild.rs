//! Table rebuilds: SQLite's ALTER TABLE can add, drop and rename columns
//! and rename tables; everything else creates the new shape under a
//! temporary name, copies the rows, drops the old table and renames the new
//! one. The plan runs with foreign keys switched off *outside* the
//! transaction so that dropping the old table never cascades into child
//! rows (see [`crate::sqlite::conn`]).

use super::render::{create_index, create_table, default_sql, is_literal, q};
use super::{plain_indexes, step, Phases};
use crate::diff::{ColumnAspect, TableChange};
use crate::model::*;
use crate::sql::lex::mentions;

/// Whether ALTER TABLE cannot express the change.
pub(super) fn needs_rebuild(from: &Table, to: &Table, changes: &[TableChange]) -> bool {
    changes.iter().any(|c| match c {
        TableChange::ModifyColumn { aspects, .. } => {
            aspects.iter().any(|a| *a != ColumnAspect::Comment)
        }
        TableChange::AddColumn { column } => !can_add_column(to, column),
        TableChange::DropColumn { column } => !can_drop_column(from, to, column),
        TableChange::RenameColumn { .. } | TableChange::ModifyComment { .. } => false,
        TableChange::AddIndex { index } | TableChange::DropIndex { index } => {
            index.attrs.flag("constraint")
        }
        TableChange::ModifyIndex { from, to } => {
            from.attrs.flag("constraint") || to.attrs.flag("constraint")
        }
        _ => true,
    })
}

/// SQLite's rules for ALTER TABLE ADD COLUMN: not part of the key, a constant
/// default, a non-NULL default when NOT NULL, generated only as VIRTUAL.
fn can_add_column(t: &Table, c: &Column) -> bool {
    let in_pk = t
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.parts.iter().any(|p| p.column_name() == Some(&c.name)));
    let constant_default = c.default.as_deref().is_none_or(is_literal);
    let null_ok = c.nullable
        || c.default
            .as_deref()
            .is_some_and(|d| !d.eq_ignore_ascii_case("NULL"))
        || c.generated.is_some();
    let gen_ok = c.generated.as_ref().is_none_or(|g| !g.stored);
    !in_pk && !c.auto_increment && constant_default && null_ok && gen_ok
}

/// SQLite's rules for ALTER TABLE DROP COLUMN: not in the key, a UNIQUE
/// constraint, a foreign key, or any expression that stays.
fn can_drop_column(from: &Table, to: &Table, c: &Column) -> bool {
    let name = c.name.as_str();
    let in_parts = |parts: &[IndexPart]| {
        parts.iter().any(|p| {
            p.column_name()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    };
    let in_pk = from
        .primary_key
        .as_ref()
        .is_some_and(|pk| in_parts(&pk.parts));
    let in_unique = from
        .indexes
        .iter()
        .any(|i| i.attrs.flag("constraint") && in_parts(&i.parts));
    let in_fk = from
        .foreign_keys
        .iter()
        .any(|f| f.columns.iter().any(|x| x.eq_ignore_ascii_case(name)));
    let in_expr = from
        .checks
        .iter()
        .chain(&to.checks)
        .any(|ck| mentions(&ck.expr, name))
        || from.columns.iter().chain(&to.columns).any(|o| {
            o.generated
                .as_ref()
                .is_some_and(|g| mentions(&g.expr, name))
        });
    !(in_pk || in_unique || in_fk || in_expr || c.generated.as_ref().is_some_and(|g| g.stored))
}

/// Create the new shape, copy the rows, keep the AUTOINCREMENT counter, drop
/// the old table, rename the new one, create its indexes. `renamed`: the
/// column renames that already ran.
pub(super) fn rebuild_table(
    i: usize,
    from: &Table,
    to: &Table,
    changes: &[TableChange],
    renamed: &[(String, String)],
    p: &mut Phases,
) {
    let t = q(&to.name);
    let tmp_name = format!("_strata_new_{}", to.name);
    let tmp = q(&tmp_name);
    let drops_column = changes
        .iter()
        .any(|c| matches!(c, TableChange::DropColumn { .. }));
    let why: Vec<String> = changes.iter().filter_map(describe).collect();
    let mut create = step(
        i,
        format!(
            "rebuild table {t} ({}): create the new shape",
            why.join(", ")
        ),
        create_table(to, &tmp_name),
        None,
        to.span.clone(),
    );
    create.destructive = drops_column;
    p.alter_tables.push(create);
    copy_rows(i, from, to, &tmp, renamed, p);
    keep_counter(i, from, to, &tmp_name, p);
    let mut drop = step(
        i,
        format!("rebuild table {t}: drop the old table"),
        format!("DROP TABLE {t}"),
        None,
        None,
    );
    drop.destructive = drops_column;
    p.alter_tables.push(drop);
    p.alter_tables.push(step(
        i,
        format!("rebuild table {t}: rename the new table"),
        format!("ALTER TABLE {tmp} RENAME TO {t}"),
        None,
        None,
    ));
    for idx in plain_indexes(to) {
        p.alter_tables.push(step(
            i,
            format!("rebuild table {t}: create index {}", q(&idx.name)),
            create_index(idx, &to.name),
            None,
            idx.span.clone(),
        ));
    }
}

/// `INSERT INTO tmp … SELECT … FROM t` for every stored column both shapes
/// have (after renames); a column that becomes NOT NULL with a default takes
/// the default where the row held NULL.
fn copy_rows(
    i: usize,
    from: &Table,
    to: &Table,
    tmp: &str,
    renamed: &[(String, String)],
    p: &mut Phases,
) {
    // Columns of the current table after the renames ran: (name, nullable).
    let current: Vec<(&String, bool)> = from
        .columns
        .iter()
        .map(|f| {
            let name = renamed
                .iter()
                .find(|(a, _)| *a == f.name)
                .map_or(&f.name, |(_, b)| b);
            (name, f.nullable)
        })
        .collect();
    let mut into = Vec::new();
    let mut select = Vec::new();
    for c in to.columns.iter().filter(|c| c.generated.is_none()) {
        let Some(&(src, was_nullable)) = current
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&c.name))
        else {
            continue;
        };
        into.push(q(&c.name));
        match (&c.default, c.nullable, was_nullable) {
            (Some(d), false, true) => {
                select.push(format!("IFNULL({}, {})", q(src), default_sql(d)))
            }
            _ => select.push(q(src)),
        }
    }
    if !into.is_empty() {
        let t = q(&to.name);
        p.alter_tables.push(step(
            i,
            format!("rebuild table {t}: copy rows"),
            format!(
                "INSERT INTO {tmp} ({}) SELECT {} FROM {t}",
                into.join(", "),
                select.join(", ")
            ),
            None,
            to.span.clone(),
        ));
    }
}

/// Copying sets the new counter to the highest id left, which may be lower
/// than the old one after deletes: AUTOINCREMENT then hands out a used id
/// again. The new table takes over the old counter instead.
fn keep_counter(i: usize, from: &Table, to: &Table, tmp_name: &str, p: &mut Phases) {
    let counts = |t: &Table| t.columns.iter().any(|c| c.auto_increment);
    if !(counts(from) && counts(to)) {
        return;
    }
    let t = q(&to.name);
    let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
    p.alter_tables.push(step(
        i,
        format!("rebuild table {t}: clear the new AUTOINCREMENT counter"),
        format!("DELETE FROM sqlite_sequence WHERE name = {}", lit(tmp_name)),
        None,
        None,
    ));
    p.alter_tables.push(step(
        i,
        format!("rebuild table {t}: keep the AUTOINCREMENT counter"),
        format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT {}, seq FROM sqlite_sequence WHERE name = {} COLLATE NOCASE",
            lit(tmp_name),
            lit(&to.name)
        ),
        None,
        None,
    ));
}

/// What a rebuild is for, in its step comment.
fn describe(c: &TableChange) -> Option<String> {
    Some(match c {
        TableChange::AddColumn { column } => format!("add column {}", q(&column.name)),
        TableChange::DropColumn { column } => format!("drop column {}", q(&column.name)),
        TableChange::ModifyColumn { to, aspects, .. } => {
            let what: Vec<&str> = aspects.iter().map(aspect).collect();
            format!("change {} of {}", what.join("/"), q(&to.name))
        }
        TableChange::RenameColumn { .. } => return None,
        TableChange::AddIndex { index } => format!("add {}", index_kind(index)),
        TableChange::DropIndex { index } => format!("drop {}", index_kind(index)),
        TableChange::ModifyIndex { to, .. } => format!("change {}", index_kind(to)),
        TableChange::AddForeignKey { fk } => {
            format!("add foreign key on {}", fk.columns.join(", "))
        }
        TableChange::DropForeignKey { fk } => {
            format!("drop foreign key on {}", fk.columns.join(", "))
        }
        TableChange::ModifyForeignKey { to, .. } => {
            format!("change foreign key on {}", to.columns.join(", "))
        }
        TableChange::AddCheck { .. } => "add check".into(),
        TableChange::DropCheck { .. } => "drop check".into(),
        TableChange::ModifyCheck { .. } => "change check".into(),
        TableChange::ModifyPrimaryKey { .. } => "change primary key".into(),
        TableChange::ModifyAttr { key, .. } => format!("change {key}"),
        TableChange::ModifyComment { .. } => return None,
        TableChange::AddPolicy { .. }
        | TableChange::DropPolicy { .. }
        | TableChange::ModifyPolicy { .. } => return None,
    })
}

fn aspect(a: &ColumnAspect) -> &'static str {
    match a {
        ColumnAspect::Type => "type",
        ColumnAspect::Null => "nullability",
        ColumnAspect::Default => "default",
        ColumnAspect::Generated => "generated expression",
        ColumnAspect::AutoIncrement => "autoincrement",
        ColumnAspect::Collation => "collation",
        ColumnAspect::Comment => "comment",
        ColumnAspect::Attrs => "options",
    }
}

/// `unique index "x"` or `index "x"`, for step comments.
fn index_kind(i: &Index) -> String {
    let kind = if i.unique { "unique index" } else { "index" };
    format!("{kind} {}", q(&i.name))
}
