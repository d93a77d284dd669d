//! SQLite statements for a list of changes.
//!
//! SQLite's ALTER TABLE can add, drop and rename columns and rename tables;
//! everything else rebuilds the table: create the new shape under a temporary
//! name, copy the rows, drop the old table, rename. The plan runs with foreign
//! keys switched off *outside* the transaction so that dropping the old table
//! never cascades into child rows, and `PRAGMA foreign_key_check` runs before
//! COMMIT (see [`super::conn`]).
//!
//! Order: drop triggers and views that are going or that depend on something
//! rebuilt, renamed or dropped; rename tables; drop indexes; create tables;
//! alter or rebuild tables; create indexes; drop tables; create views; create
//! triggers.

use crate::dialect::Dialect;
use crate::diff::{Change, ColumnAspect, TableChange};
use crate::model::*;
use crate::plan::{Plan, Step};
use crate::sql::lex::{mentions, tokenize, Kind};
use std::collections::HashSet;

const Q: Dialect = Dialect::Sqlite;

fn q(s: &str) -> String {
    Q.quote(s)
}

#[derive(Default)]
struct Phases {
    drop_triggers: Vec<Step>,
    drop_views: Vec<Step>,
    renames: Vec<Step>,
    drop_indexes: Vec<Step>,
    create_tables: Vec<Step>,
    alter_tables: Vec<Step>,
    create_indexes: Vec<Step>,
    drop_tables: Vec<Step>,
    create_views: Vec<Step>,
    create_triggers: Vec<Step>,
}

/// A transactional, non-destructive step (see [`Step::new`]).
fn step(
    change: usize,
    comment: String,
    sql: String,
    reverse: Option<String>,
    span: Option<Span>,
) -> Step {
    Step::new(change, comment, sql, reverse, span)
}

use crate::span::Span;

pub fn plan(plan: &mut Plan, from: &Realm, to: &Realm) {
    let mut p = Phases::default();
    let rebuilt: HashSet<String> = plan
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::ModifyTable {
                from, to, changes, ..
            } if needs_rebuild(from, to, changes) => Some(to.name.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    // Names whose meaning changes under views and triggers that mention them.
    let mut disturbed: HashSet<String> = rebuilt.clone();
    let mut handled_views: HashSet<String> = HashSet::new();
    let mut handled_triggers: HashSet<String> = HashSet::new();
    for c in &plan.changes {
        match c {
            Change::DropTable { table, .. } => {
                disturbed.insert(table.name.to_ascii_lowercase());
            }
            Change::RenameTable { from, .. } => {
                disturbed.insert(from.to_ascii_lowercase());
            }
            Change::ModifyTable { to, changes, .. }
                if changes.iter().any(|tc| {
                    matches!(
                        tc,
                        TableChange::DropColumn { .. } | TableChange::RenameColumn { .. }
                    )
                }) =>
            {
                disturbed.insert(to.name.to_ascii_lowercase());
            }
            Change::DropView { view, .. } | Change::ModifyView { from: view, .. } => {
                disturbed.insert(view.name.to_ascii_lowercase());
            }
            _ => {}
        }
    }

    for (i, c) in plan.changes.iter().enumerate() {
        match c {
            Change::AddTable { table, .. } => {
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
            Change::DropTable { table, .. } => {
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
            Change::RenameTable { from, to, .. } => p.renames.push(step(
                i,
                format!("rename table {} to {}", q(from), q(to)),
                format!("ALTER TABLE {} RENAME TO {}", q(from), q(to)),
                Some(format!("ALTER TABLE {} RENAME TO {}", q(to), q(from))),
                None,
            )),
            Change::ModifyTable {
                from, to, changes, ..
            } => modify_table(
                i,
                from,
                to,
                changes,
                rebuilt.contains(&to.name.to_ascii_lowercase()),
                &mut p,
            ),
            Change::AddView { view, .. } => {
                handled_views.insert(view.name.to_ascii_lowercase());
            }
            Change::DropView { view, .. } => {
                handled_views.insert(view.name.to_ascii_lowercase());
                p.drop_views.push(drop_view(i, view));
            }
            Change::ModifyView { from, to, .. } => {
                handled_views.insert(to.name.to_ascii_lowercase());
                p.drop_views.push(drop_view(i, from));
            }
            Change::AddTrigger { .. } => {}
            Change::DropTrigger { trigger, .. } => {
                handled_triggers.insert(trigger.name.to_ascii_lowercase());
                p.drop_triggers.push(drop_trigger(i, trigger));
            }
            Change::ModifyTrigger { from, to, .. } => {
                handled_triggers.insert(to.name.to_ascii_lowercase());
                p.drop_triggers.push(drop_trigger(i, from));
            }
            // SQLite has no schemas to create, extensions, enums or routines.
            _ => {}
        }
    }

    // Views that read something disturbed are dropped first and created again
    // afterwards; so are the views that read those views.
    let empty = Schema::default();
    let cur = from.schemas.first().unwrap_or(&empty);
    let want = to.schemas.first().unwrap_or(&empty);
    let mut dependents: Vec<&View> = Vec::new();
    loop {
        let before = dependents.len();
        for v in &cur.views {
            let key = v.name.to_ascii_lowercase();
            if handled_views.contains(&key) || dependents.iter().any(|d| d.name == v.name) {
                continue;
            }
            if disturbed.iter().any(|d| mentions(&v.def, d)) {
                dependents.push(v);
                disturbed.insert(key);
            }
        }
        if dependents.len() == before {
            break;
        }
    }
    let change_of = |name: &str| plan_change_for_table(&plan.changes, name);
    for v in &dependents {
        let ci = change_of(&v.name);
        p.drop_views.push(drop_view(ci, v));
        handled_views.insert(v.name.to_ascii_lowercase());
    }
    // Create views in dependency order: a view after the views it reads.
    let mut pending: Vec<&View> = want
        .views
        .iter()
        .filter(|v| {
            let key = v.name.to_ascii_lowercase();
            handled_views.contains(&key)
                && !plan
                    .changes
                    .iter()
                    .any(|c| matches!(c, Change::DropView { view, .. } if view.name == v.name))
        })
        .collect();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|v| {
                !pending
                    .iter()
                    .any(|o| o.name != v.name && mentions(&v.def, &o.name))
            })
            .unwrap_or(0);
        let v = pending.remove(ready);
        let ci = view_change(&plan.changes, &v.name).unwrap_or_else(|| change_of(&v.name));
        p.create_views.push(step(
            ci,
            format!("create view {}", q(&v.name)),
            format!("CREATE VIEW {} AS {}", q(&v.name), v.def),
            Some(format!("DROP VIEW {}", q(&v.name))),
            v.span.clone(),
        ));
    }

    // Triggers: new and changed ones, those on rebuilt tables (dropped with the
    // table), and those whose body reads something disturbed.
    for t in &cur.triggers {
        let key = t.name.to_ascii_lowercase();
        if handled_triggers.contains(&key) {
            continue;
        }
        let on_rebuilt = rebuilt.contains(&t.table.to_ascii_lowercase());
        let reads_disturbed = disturbed.iter().any(|d| mentions(&t.def, d));
        if on_rebuilt {
            handled_triggers.insert(key);
        } else if reads_disturbed {
            handled_triggers.insert(key);
            p.drop_triggers.push(drop_trigger(change_of(&t.table), t));
        }
    }
    for t in &want.triggers {
        let key = t.name.to_ascii_lowercase();
        let added = plan.changes.iter().position(
            |c| matches!(c, Change::AddTrigger { trigger, .. } if trigger.name == t.name),
        );
        if added.is_none() && !handled_triggers.contains(&key) {
            continue;
        }
        let ci = added
            .or_else(|| {
                plan.changes.iter().position(
                    |c| matches!(c, Change::ModifyTrigger { to, .. } if to.name == t.name),
                )
            })
            .unwrap_or_else(|| change_of(&t.table));
        p.create_triggers.push(step(
            ci,
            format!("create trigger {}", q(&t.name)),
            t.def.clone(),
            Some(format!("DROP TRIGGER {}", q(&t.name))),
            t.span.clone(),
        ));
    }

    let Phases {
        drop_triggers,
        drop_views,
        renames,
        drop_indexes,
        create_tables,
        alter_tables,
        create_indexes,
        drop_tables,
        create_views,
        create_triggers,
    } = p;
    plan.steps = [
        drop_triggers,
        drop_views,
        renames,
        drop_indexes,
        order_creates(create_tables, &plan.changes),
        alter_tables,
        create_indexes,
        drop_tables,
        create_views,
        create_triggers,
    ]
    .concat();
    if !rebuilt.is_empty()
        || plan
            .steps
            .iter()
            .any(|s| s.comment.starts_with("drop table"))
    {
        plan.pre.push("PRAGMA foreign_keys = off".into());
        plan.post.push("PRAGMA foreign_keys = on".into());
    }
}

/// The change a dependent object is recreated for: the table change it depends on.
fn plan_change_for_table(changes: &[Change], name: &str) -> usize {
    changes
        .iter()
        .position(|c| c.object().1.eq_ignore_ascii_case(name))
        .unwrap_or(0)
}

fn view_change(changes: &[Change], name: &str) -> Option<usize> {
    changes.iter().position(|c| match c {
        Change::AddView { view, .. } => view.name == name,
        Change::ModifyView { to, .. } => to.name == name,
        _ => false,
    })
}

/// New tables in foreign-key order: parents before children where possible.
/// SQLite does not check references at CREATE time, so cycles need no breaking.
fn order_creates(steps: Vec<Step>, changes: &[Change]) -> Vec<Step> {
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
    // Kahn's algorithm: a table becomes ready when every new table it
    // references is placed. Linear in tables + foreign keys.
    use std::collections::HashMap;
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
    let mut ready: std::collections::VecDeque<usize> =
        (0..tables.len()).filter(|&i| waiting_on[i] == 0).collect();
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
    // Tables in a cycle: as declared (SQLite checks references only on use).
    placed.extend(
        tables
            .iter()
            .enumerate()
            .filter(|(i, _)| !done[*i])
            .map(|(_, t)| t.name.as_str()),
    );
    let order: std::collections::HashMap<&str, usize> =
        placed.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let rank = |s: &Step| -> usize {
        match &changes[s.change] {
            Change::AddTable { table, .. } => order
                .get(table.name.as_str())
                .copied()
                .unwrap_or(usize::MAX),
            _ => usize::MAX,
        }
    };
    let mut steps = steps;
    steps.sort_by_key(rank);
    steps
}

fn drop_view(change: usize, v: &View) -> Step {
    step(
        change,
        format!("drop view {}", q(&v.name)),
        format!("DROP VIEW {}", q(&v.name)),
        Some(format!("CREATE VIEW {} AS {}", q(&v.name), v.def)),
        None,
    )
}

fn drop_trigger(change: usize, t: &Trigger) -> Step {
    step(
        change,
        format!("drop trigger {}", q(&t.name)),
        format!("DROP TRIGGER {}", q(&t.name)),
        Some(t.def.clone()),
        None,
    )
}

fn plain_indexes(t: &Table) -> impl Iterator<Item = &Index> {
    t.indexes.iter().filter(|i| !i.attrs.flag("constraint"))
}

/// Whether ALTER TABLE cannot express the change.
fn needs_rebuild(from: &Table, to: &Table, changes: &[TableChange]) -> bool {
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

fn modify_table(
    i: usize,
    from: &Table,
    to: &Table,
    changes: &[TableChange],
    rebuild: bool,
    p: &mut Phases,
) {
    let t = q(&to.name);
    // Renames first: a rebuild then copies from the new names.
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
            TableChange::AddIndex { index } => p.create_indexes.push(step(
                i,
                format!("create index {} on {t}", q(&index.name)),
                create_index(index, &to.name),
                Some(format!("DROP INDEX {}", q(&index.name))),
                index.span.clone(),
            )),
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
                p.create_indexes.push(step(
                    i,
                    format!("create index {} on {t}", q(&b.name)),
                    create_index(b, &to.name),
                    Some(format!("DROP INDEX {}", q(&b.name))),
                    b.span.clone(),
                ));
            }
            _ => {}
        }
    }
}

fn rebuild_table(
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
    create.destructive = changes
        .iter()
        .any(|c| matches!(c, TableChange::DropColumn { .. }));
    p.alter_tables.push(create);
    // Columns of the current table after the renames ran: (name, nullable).
    let current: Vec<(String, bool)> = from
        .columns
        .iter()
        .map(|f| {
            let name = renamed
                .iter()
                .find(|(a, _)| *a == f.name)
                .map_or(&f.name, |(_, b)| b);
            (name.clone(), f.nullable)
        })
        .collect();
    let mut into = Vec::new();
    let mut select = Vec::new();
    for c in &to.columns {
        if c.generated.is_some() {
            continue;
        }
        let Some((src, was_nullable)) = current
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&c.name))
            .cloned()
        else {
            continue;
        };
        into.push(q(&c.name));
        match (&c.default, c.nullable, was_nullable) {
            (Some(d), false, true) => {
                select.push(format!("IFNULL({}, {})", q(&src), default_sql(d)))
            }
            _ => select.push(q(&src)),
        }
    }
    if !into.is_empty() {
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
    if from.columns.iter().any(|c| c.auto_increment) && to.columns.iter().any(|c| c.auto_increment)
    {
        // Copying sets the new counter to the highest id left, which may be
        // lower than the old one after deletes: AUTOINCREMENT then hands out a
        // used id again. The new table takes over the old counter instead.
        let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
        p.alter_tables.push(step(
            i,
            format!("rebuild table {t}: clear the new AUTOINCREMENT counter"),
            format!(
                "DELETE FROM sqlite_sequence WHERE name = {}",
                lit(&tmp_name)
            ),
            None,
            None,
        ));
        p.alter_tables.push(step(
            i,
            format!("rebuild table {t}: keep the AUTOINCREMENT counter"),
            format!(
                "INSERT INTO sqlite_sequence (name, seq) SELECT {}, seq FROM sqlite_sequence WHERE name = {} COLLATE NOCASE",
                lit(&tmp_name),
                lit(&to.name)
            ),
            None,
            None,
        ));
    }
    let mut drop = step(
        i,
        format!("rebuild table {t}: drop the old table"),
        format!("DROP TABLE {t}"),
        None,
        None,
    );
    drop.destructive = changes
        .iter()
        .any(|c| matches!(c, TableChange::DropColumn { .. }));
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

fn describe(c: &TableChange) -> Option<String> {
    Some(match c {
        TableChange::AddColumn { column } => format!("add column {}", q(&column.name)),
        TableChange::DropColumn { column } => format!("drop column {}", q(&column.name)),
        TableChange::ModifyColumn { to, aspects, .. } => {
            let what: Vec<&str> = aspects
                .iter()
                .map(|a| match a {
                    ColumnAspect::Type => "type",
                    ColumnAspect::Null => "nullability",
                    ColumnAspect::Default => "default",
                    ColumnAspect::Generated => "generated expression",
                    ColumnAspect::AutoIncrement => "autoincrement",
                    ColumnAspect::Collation => "collation",
                    ColumnAspect::Comment => "comment",
                    ColumnAspect::Attrs => "options",
                })
                .collect();
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

/// `unique index "x"` or `index "x"`, for step comments.
fn index_kind(i: &Index) -> String {
    let kind = if i.unique { "unique index" } else { "index" };
    format!("{kind} {}", q(&i.name))
}

// ----- rendering -----

/// `CREATE TABLE` for `t` under `name`.
pub fn create_table(t: &Table, name: &str) -> String {
    let mut lines = Vec::new();
    let inline_pk = t
        .primary_key
        .as_ref()
        .and_then(|pk| match pk.parts.as_slice() {
            [one]
                if t.column(one.column_name().unwrap_or(""))
                    .is_some_and(|c| c.auto_increment) =>
            {
                one.column_name()
            }
            _ => None,
        });
    for c in &t.columns {
        lines.push(column_def(c, inline_pk.filter(|n| *n == c.name)));
    }
    if let Some(pk) = &t.primary_key {
        if inline_pk.is_none() {
            let mut s = String::new();
            if let Some(n) = &pk.name {
                s.push_str(&format!("CONSTRAINT {} ", q(n)));
            }
            s.push_str(&format!("PRIMARY KEY ({})", parts(&pk.parts)));
            lines.push(s);
        }
    }
    for u in t.indexes.iter().filter(|i| i.attrs.flag("constraint")) {
        let named = !u.name.is_empty() && !u.name.starts_with("sqlite_autoindex_");
        let prefix = if named {
            format!("CONSTRAINT {} ", q(&u.name))
        } else {
            String::new()
        };
        lines.push(format!("{prefix}UNIQUE ({})", parts(&u.parts)));
    }
    for fk in &t.foreign_keys {
        lines.push(foreign_key(fk));
    }
    for ck in &t.checks {
        match &ck.name {
            Some(n) => lines.push(format!("CONSTRAINT {} CHECK ({})", q(n), ck.expr)),
            None => lines.push(format!("CHECK ({})", ck.expr)),
        }
    }
    let mut opts = Vec::new();
    if t.attrs.flag("without_rowid") {
        opts.push("WITHOUT ROWID");
    }
    if t.attrs.flag("strict") {
        opts.push("STRICT");
    }
    let opts = if opts.is_empty() {
        String::new()
    } else {
        format!(" {}", opts.join(", "))
    };
    format!(
        "CREATE TABLE {} (\n  {}\n){opts}",
        q(name),
        lines.join(",\n  ")
    )
}

fn column_def(c: &Column, inline_pk: Option<&str>) -> String {
    let mut s = q(&c.name);
    if !c.ty.is_empty() {
        s.push(' ');
        s.push_str(&c.ty);
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if inline_pk.is_some() {
        s.push_str(" PRIMARY KEY AUTOINCREMENT");
    }
    if let Some(d) = &c.default {
        if c.generated.is_none() {
            s.push_str(&format!(" DEFAULT {}", default_sql(d)));
        }
    }
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {coll}"));
    }
    if let Some(g) = &c.generated {
        let kind = if g.stored { "STORED" } else { "VIRTUAL" };
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) {kind}", g.expr));
    }
    s
}

fn foreign_key(fk: &ForeignKey) -> String {
    let mut s = String::new();
    if let Some(n) = &fk.name {
        s.push_str(&format!("CONSTRAINT {} ", q(n)));
    }
    let cols: Vec<String> = fk.columns.iter().map(|c| q(c)).collect();
    let refs: Vec<String> = fk.ref_columns.iter().map(|c| q(c)).collect();
    s.push_str(&format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        cols.join(", "),
        q(&fk.ref_table),
        refs.join(", ")
    ));
    if fk.on_update != RefAction::NoAction {
        s.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    if fk.on_delete != RefAction::NoAction {
        s.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    match fk.deferrable {
        Deferrable::NotDeferrable => {}
        Deferrable::InitiallyImmediate => s.push_str(" DEFERRABLE INITIALLY IMMEDIATE"),
        Deferrable::InitiallyDeferred => s.push_str(" DEFERRABLE INITIALLY DEFERRED"),
    }
    s
}

fn parts(ps: &[IndexPart]) -> String {
    ps.iter()
        .map(|p| {
            let mut s = match &p.key {
                IndexKey::Column(c) => q(c),
                IndexKey::Expr(e) => format!("({e})"),
            };
            if let Some(coll) = &p.collation {
                s.push_str(&format!(" COLLATE {coll}"));
            }
            if p.desc {
                s.push_str(" DESC");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn create_index(i: &Index, table: &str) -> String {
    let unique = if i.unique { "UNIQUE " } else { "" };
    let mut s = format!(
        "CREATE {unique}INDEX {} ON {} ({})",
        q(&i.name),
        q(table),
        parts(&i.parts)
    );
    if let Some(w) = &i.predicate {
        s.push_str(&format!(" WHERE {w}"));
    }
    s
}

/// A default as it must be written after `DEFAULT`: literals as they are,
/// anything else in parentheses (SQLite reports defaults without them).
pub fn default_sql(d: &str) -> String {
    if is_literal(d) {
        d.to_string()
    } else {
        format!("({d})")
    }
}

/// A literal SQLite accepts after `DEFAULT` without parentheses, and that
/// ALTER TABLE ADD COLUMN accepts as a constant.
fn is_literal(d: &str) -> bool {
    let toks = tokenize(d);
    let body = match toks.as_slice() {
        [sign, rest @ ..] if sign.is_punct(d, "-") || sign.is_punct(d, "+") => rest,
        all => all,
    };
    match body {
        [one] => match one.kind {
            Kind::Number | Kind::Str => true,
            Kind::Word => ["NULL", "TRUE", "FALSE"].iter().any(|k| one.is(d, k)),
            _ => false,
        },
        // X'ABCD' blob literals.
        [x, s] => x.is(d, "X") && s.kind == Kind::Str && x.range.end == s.range.start,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_expressions_in_defaults() {
        assert_eq!(default_sql("0"), "0");
        assert_eq!(default_sql("-1.5"), "-1.5");
        assert_eq!(default_sql("'x'"), "'x'");
        assert_eq!(default_sql("X'00ff'"), "X'00ff'");
        assert_eq!(default_sql("CURRENT_TIMESTAMP"), "(CURRENT_TIMESTAMP)");
        assert_eq!(default_sql("datetime('now')"), "(datetime('now'))");
    }
}
