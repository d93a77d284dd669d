//! Tables: create (new tables in foreign-key order), drop, rename, and the
//! changes ALTER TABLE can make in place (columns, indexes); anything else
//! is a [`super::rebuild`].

use super::rebuild::rebuild_table;
use super::render::{column_def, create_index, create_table, q};
use super::{plain_indexes, step, Phases};
use crate::diff::{Change, TableChange};
use crate::model::*;
use crate::plan::Step;
use std::collections::{HashMap, VecDeque};

pub(super) fn add(i: usize, table: &Table, p: &mut Phases) {
    p.create_tables.push(step(
        i,
        format!("create table {}", q(&table.name)),
        create_table(table, &table.name),
        Some(format!("DROP TABLE {}", q(&table.name))),
        table.span.clone(),
    ));
    for idx in plain_indexes(table) {
        p.create_tables.push(step(
            i,
            format!("create index {} on {}", q(&idx.name), q(&table.name)),
            create_index(idx, &table.name),
            Some(format!("DROP INDEX {}", q(&idx.name))),
            idx.span.clone().or(table.span.clone()),
        ));
    }
}

pub(super) fn drop(i: usize, table: &Table, p: &mut Phases) {
    let mut s = step(
        i,
        format!("drop table {}", q(&table.name)),
        format!("DROP TABLE {}", q(&table.name)),
        Some(create_table(table, &table.name)),
        None,
    );
    s.destructive = true;
    p.drop_tables.push(s);
}

pub(super) fn rename(i: usize, from: &str, to: &str, p: &mut Phases) {
    p.renames.push(step(
        i,
        format!("rename table {} to {}", q(from), q(to)),
        format!("ALTER TABLE {} RENAME TO {}", q(from), q(to)),
        Some(format!("ALTER TABLE {} RENAME TO {}", q(to), q(from))),
        None,
    ))
}

/// Column renames first (a rebuild then copies from the new names), then
/// either the rebuild or the in-place changes.
pub(super) fn modify(
    i: usize,
    from: &Table,
    to: &Table,
    changes: &[TableChange],
    rebuild: bool,
    p: &mut Phases,
) {
    let t = q(&to.name);
    let mut renamed: Vec<(String, String)> = Vec::new();
    for c in changes {
        if let TableChange::RenameColumn { from: a, to: b } = c {
            renamed.push((a.clone(), b.clone()));
            p.alter_tables.push(step(
                i,
                format!("rename column {} to {} in {t}", q(a), q(b)),
                format!("ALTER TABLE {t} RENAME COLUMN {} TO {}", q(a), q(b)),
                Some(format!(
                    "ALTER TABLE {t} RENAME COLUMN {} TO {}",
                    q(b),
                    q(a)
                )),
                to.column(b).and_then(|c| c.span.clone()),
            ));
        }
    }
    if rebuild {
        // The old table's indexes go with it; the new shape's are created after.
        rebuild_table(i, from, to, changes, &renamed, p);
        return;
    }
    for c in changes {
        alter_in_place(i, from, to, c, p);
    }
}

/// One change ALTER TABLE (or CREATE/DROP INDEX) makes without a rebuild.
fn alter_in_place(i: usize, from: &Table, to: &Table, c: &TableChange, p: &mut Phases) {
    let t = q(&to.name);
    match c {
        TableChange::AddColumn { column } => p.alter_tables.push(step(
            i,
            format!("add column {} to {t}", q(&column.name)),
            format!("ALTER TABLE {t} ADD COLUMN {}", column_def(column, None)),
            Some(format!("ALTER TABLE {t} DROP COLUMN {}", q(&column.name))),
            column.span.clone(),
        )),
        TableChange::DropColumn { column } => {
            let mut s = step(
                i,
                format!("drop column {} from {t}", q(&column.name)),
                format!("ALTER TABLE {t} DROP COLUMN {}", q(&column.name)),
                Some(format!(
                    "ALTER TABLE {t} ADD COLUMN {}",
                    column_def(column, None)
                )),
                None,
            );
            s.destructive = true;
            p.alter_tables.push(s);
        }
        TableChange::AddIndex { index } => p.create_indexes.push(create(i, &to.name, index)),
        TableChange::DropIndex { index } => p.drop_indexes.push(step(
            i,
            format!("drop index {} from {t}", q(&index.name)),
            format!("DROP INDEX {}", q(&index.name)),
            Some(create_index(index, &from.name)),
            None,
        )),
        TableChange::ModifyIndex { from: a, to: b } => {
            p.drop_indexes.push(step(
                i,
                format!("drop index {} from {t} to change it", q(&a.name)),
                format!("DROP INDEX {}", q(&a.name)),
                Some(create_index(a, &from.name)),
                None,
            ));
            p.create_indexes.push(create(i, &to.name, b));
        }
        _ => {}
    }
}

fn create(i: usize, table: &str, index: &Index) -> Step {
    step(
        i,
        format!("create index {} on {}", q(&index.name), q(table)),
        create_index(index, table),
        Some(format!("DROP INDEX {}", q(&index.name))),
        index.span.clone(),
    )
}

/// New tables in foreign-key order: parents before children where possible.
/// SQLite does not check references at CREATE time, so cycles need no breaking.
pub(super) fn order_creates(mut steps: Vec<Step>, changes: &[Change]) -> Vec<Step> {
    let tables: Vec<&Table> = changes
        .iter()
        .filter_map(|c| match c {
            Change::AddTable { table, .. } => Some(table),
            _ => None,
        })
        .collect();
    if tables.len() < 2 {
        return steps;
    }
    let order: HashMap<&str, usize> = parents_first(&tables)
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, i))
        .collect();
    let rank = |s: &Step| -> usize {
        match &changes[s.change] {
            Change::AddTable { table, .. } => order
                .get(table.name.as_str())
                .copied()
                .unwrap_or(usize::MAX),
            _ => usize::MAX,
        }
    };
    steps.sort_by_key(rank);
    steps
}

/// Kahn's algorithm: a table becomes ready when every new table it
/// references is placed. Linear in tables + foreign keys. Tables in a cycle
/// follow as declared (SQLite checks references only on use).
fn parents_first<'t>(tables: &[&'t Table]) -> Vec<&'t str> {
    let index: HashMap<&str, usize> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let mut waiting_on = vec![0usize; tables.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); tables.len()];
    for (i, t) in tables.iter().enumerate() {
        let mut parents: Vec<usize> = t
            .foreign_keys
            .iter()
            .filter_map(|fk| index.get(fk.ref_table.as_str()).copied())
            .filter(|&p| p != i)
            .collect();
        parents.sort_unstable();
        parents.dedup();
        waiting_on[i] = parents.len();
        for p in parents {
            dependents[p].push(i);
        }
    }
    let mut ready: VecDeque<usize> = (0..tables.len()).filter(|&i| waiting_on[i] == 0).collect();
    let mut placed: Vec<&str> = Vec::with_capacity(tables.len());
    let mut done = vec![false; tables.len()];
    while let Some(i) = ready.pop_front() {
        done[i] = true;
        placed.push(&tables[i].name);
        for &d in &dependents[i] {
            waiting_on[d] -= 1;
            if waiting_on[d] == 0 {
                ready.push_back(d);
            }
        }
    }
    placed.extend(
        tables
            .iter()
            .enumerate()
            .filter(|(i, _)| !done[*i])
            .map(|(_, t)| t.name.as_str()),
    );
    placed
}
