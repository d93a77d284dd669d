//! Tables: create, drop, rename and alter; partitions (created after their
//! parent, dropped before it, re-bound by detach and attach) and table
//! attributes (UNLOGGED, row level security). [`modify`] hands each table
//! change to the generator of its kind.

use super::comment::{comment_on, table_comments};
use super::render::{create_table, partition_of, q, qn, table_check_sql};
use super::types::names_type;
use super::{column, constraint, index, policy};
use super::{destructive, step, Phases};
use crate::diff::TableChange;
use crate::model::{AttrValue, Realm, Table};

pub(super) fn add(i: usize, schema: &str, table: &Table, p: &mut Phases) {
    if partition_of(table).is_some() {
        return add_partition(i, schema, table, p);
    }
    p.create_tables.push(step(
        i,
        format!("create table {}", qn(schema, &table.name)),
        create_table(schema, table),
        Some(format!("DROP TABLE {}", qn(schema, &table.name))),
        table.span.clone(),
    ));
    let t = qn(schema, &table.name);
    for idx in table.indexes.iter().filter(|x| !x.attrs.flag("constraint")) {
        p.create_indexes.push(index::create_step(
            i,
            schema,
            &table.name,
            idx,
            table.span.as_ref(),
        ));
    }
    for fk in &table.foreign_keys {
        p.add_fks
            .push(constraint::add_fk(i, schema, &table.name, fk));
    }
    for pol in &table.policies {
        p.create_indexes.push(policy::create(i, &t, pol));
    }
    for (flag, sql) in [("row_security", "ENABLE"), ("row_security_force", "FORCE")] {
        if table.attrs.flag(flag) {
            p.create_indexes.push(step(
                i,
                format!("{} row level security on {t}", sql.to_lowercase()),
                format!("ALTER TABLE {t} {sql} ROW LEVEL SECURITY"),
                None,
                None,
            ));
        }
    }
    table_comments(i, schema, table, p);
}

/// After the parent exists; its columns and the parent's indexes and keys
/// come with it. What is the partition's own follows.
fn add_partition(i: usize, schema: &str, table: &Table, p: &mut Phases) {
    let t = qn(schema, &table.name);
    p.alter_tables.push(step(
        i,
        format!("create partition {t}"),
        create_table(schema, table),
        Some(format!("DROP TABLE {t}")),
        table.span.clone(),
    ));
    for idx in &table.indexes {
        p.create_indexes
            .push(index::create_on_partition(i, schema, table, idx));
    }
    for c in &table.checks {
        p.alter_tables.push(step(
            i,
            format!("add check to {t}"),
            format!("ALTER TABLE {t} ADD {}", table_check_sql(table, c)),
            None,
            c.span.clone(),
        ));
    }
    for fk in &table.foreign_keys {
        p.add_fks
            .push(constraint::add_fk(i, schema, &table.name, fk));
    }
    table_comments(i, schema, table, p);
}

pub(super) fn drop(i: usize, schema: &str, table: &Table, p: &mut Phases) {
    let t = qn(schema, &table.name);
    if partition_of(table).is_some() {
        // Before its parent, which would take it along.
        p.drop_fks.push(destructive(step(
            i,
            format!("drop partition {t}"),
            format!("DROP TABLE {t}"),
            Some(create_table(schema, table)),
            None,
        )));
        return;
    }
    for fk in &table.foreign_keys {
        if let Some(n) = &fk.name {
            p.drop_fks.push(constraint::drop_fk(i, &t, n));
        }
    }
    p.drop_tables.push(destructive(step(
        i,
        format!("drop table {t}"),
        format!("DROP TABLE {t}"),
        Some(create_table(schema, table)),
        None,
    )));
}

pub(super) fn rename(i: usize, schema: &str, from: &str, to: &str, p: &mut Phases) {
    p.renames.push(step(
        i,
        format!("rename table {} to {}", qn(schema, from), q(to)),
        format!("ALTER TABLE {} RENAME TO {}", qn(schema, from), q(to)),
        Some(format!(
            "ALTER TABLE {} RENAME TO {}",
            qn(schema, to),
            q(from)
        )),
        None,
    ))
}

/// Each change of a table that stays, by the generator of its kind.
pub(super) fn modify(
    i: usize,
    schema: &str,
    from: &Table,
    to: &Table,
    changes: &[TableChange],
    to_realm: &Realm,
    p: &mut Phases,
) {
    let t = qn(schema, &to.name);
    rebind_partition(i, &t, from, to, changes, p);
    for c in changes {
        match c {
            TableChange::AddColumn { column } => column::add(i, &t, column, p),
            TableChange::DropColumn { column } => column::drop(i, &t, column, p),
            TableChange::RenameColumn { from: a, to: b } => column::rename(i, &t, a, b, p),
            TableChange::ModifyColumn {
                from: a,
                to: b,
                aspects,
            } => column::modify(i, &t, a, b, aspects, is_enum(to_realm, &b.ty), p),
            TableChange::AddIndex { index } => index::add(i, schema, to, None, index, p),
            TableChange::ModifyIndex { from: old, to: new } => {
                index::add(i, schema, to, Some(old), new, p)
            }
            TableChange::DropIndex { index } => {
                p.drop_indexes.push(index::drop(i, schema, &t, index))
            }
            TableChange::AddPolicy { policy } => {
                p.create_indexes.push(policy::create(i, &t, policy))
            }
            TableChange::DropPolicy { policy } => p.drop_fks.push(policy::drop(i, &t, policy)),
            TableChange::ModifyPolicy { from: old, to: new } => {
                p.drop_fks.push(policy::drop(i, &t, old));
                p.create_indexes.push(policy::create(i, &t, new));
            }
            TableChange::AddForeignKey { .. }
            | TableChange::DropForeignKey { .. }
            | TableChange::ModifyForeignKey { .. } => constraint::foreign_key(i, schema, to, c, p),
            TableChange::AddCheck { .. }
            | TableChange::ModifyCheck { .. }
            | TableChange::DropCheck { .. } => constraint::check(i, to, &t, c, p),
            TableChange::ModifyPrimaryKey { from: old, to: new } => {
                constraint::primary_key(i, to, &t, old.as_ref(), new.as_ref(), p)
            }
            TableChange::ModifyAttr { key, to: value, .. } => {
                modify_attr(i, &t, to, key, value.as_ref(), p)
            }
            TableChange::ModifyComment { to: c, .. } => {
                p.comments.push(comment_on(i, "TABLE", &t, c.as_deref()))
            }
        }
    }
}

/// Whether `ty` is an enum of the desired state: enums convert from
/// anything through text (there are no enum-to-enum casts).
fn is_enum(to_realm: &Realm, ty: &str) -> bool {
    to_realm
        .schemas
        .iter()
        .any(|s| s.enums.iter().any(|e| names_type(ty, &s.name, &e.name)))
}

/// A partition's columns, indexes and constraints follow the parent; a new
/// bound (or parent) is a detach and an attach. The partition's own indexes,
/// keys and checks change as a table's.
fn rebind_partition(
    i: usize,
    t: &str,
    from: &Table,
    to: &Table,
    changes: &[TableChange],
    p: &mut Phases,
) {
    let Some(parent) = partition_of(to) else {
        return;
    };
    let bound_changed = changes.iter().any(|c| {
        matches!(c, TableChange::ModifyAttr { key, .. } if key == "partition_bound" || key == "partition_of")
    });
    if let (true, Some(AttrValue::Str(bound))) = (bound_changed, to.attrs.0.get("partition_bound"))
    {
        let old_parent = partition_of(from).unwrap_or_else(|| parent.clone());
        p.alter_tables.push(step(
            i,
            format!("detach partition {t}"),
            format!("ALTER TABLE {old_parent} DETACH PARTITION {t}"),
            None,
            None,
        ));
        p.alter_tables.push(step(
            i,
            format!("attach partition {t}"),
            format!("ALTER TABLE {parent} ATTACH PARTITION {t} {bound}"),
            None,
            to.span.clone(),
        ));
    }
}

/// A changed table attribute: logging, row level security, or a constraint's
/// comment (`comment:<constraint>`). Others (the partition bound) are handled
/// elsewhere.
fn modify_attr(
    i: usize,
    t: &str,
    to: &Table,
    key: &str,
    value: Option<&AttrValue>,
    p: &mut Phases,
) {
    let on = matches!(value, Some(AttrValue::Bool(true)));
    let sql = match key {
        "unlogged" => format!(
            "ALTER TABLE {t} SET {}",
            if on { "UNLOGGED" } else { "LOGGED" }
        ),
        "row_security" => format!(
            "ALTER TABLE {t} {} ROW LEVEL SECURITY",
            if on { "ENABLE" } else { "DISABLE" }
        ),
        "row_security_force" => format!(
            "ALTER TABLE {t} {} ROW LEVEL SECURITY",
            if on { "FORCE" } else { "NO FORCE" }
        ),
        k if k.starts_with("comment:") => {
            let text = match value {
                Some(AttrValue::Str(c)) => Some(c.as_str()),
                _ => None,
            };
            let target = format!("{} ON {t}", q(&k["comment:".len()..]));
            p.comments.push(comment_on(i, "CONSTRAINT", &target, text));
            return;
        }
        _ => return,
    };
    p.alter_tables.push(step(
        i,
        format!("change {key} of {t}"),
        sql,
        None,
        to.span.clone(),
    ));
}
