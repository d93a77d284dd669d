//! MySQL/MariaDB statements for a list of changes.
//!
//! MySQL commits every DDL statement on its own, so every plan is marked
//! non-transactional and the driver records its progress statement by
//! statement ([`super::progress`]). To keep the statements few, each table's
//! changes are one `ALTER TABLE` (MySQL applies its clauses as one atomic
//! change): checks and indexes dropped, columns dropped, renamed (`CHANGE
//! COLUMN`), modified (`MODIFY COLUMN`, always the full definition: MySQL
//! forgets what a MODIFY does not repeat) and added, then keys, checks and
//! table options.
//!
//! Order: drop triggers that are going, changed or on a changed table; drop
//! views that are going; drop foreign keys that are going or changed (and
//! those between dropped tables); rename tables; create tables (foreign keys
//! inline when what they reference exists by then); alter tables; add foreign
//! keys; drop tables; create or replace views (changed ones, and unchanged
//! ones that read a changed table: MySQL stores a view with its columns
//! expanded); create triggers.

use crate::dialect::Dialect;
use crate::diff::{Change, ColumnAspect, TableChange};
use crate::model::*;
use crate::plan::{Plan, Step};
use crate::sql::lex::mentions;
use std::collections::HashSet;

use super::conn::literal;

const Q: Dialect = Dialect::Mysql;

fn q(s: &str) -> String {
    Q.quote(s)
}

/// Table names, qualified by database only when a plan spans several.
#[derive(Clone, Copy)]
struct Names {
    qualify: bool,
}

impl Names {
    fn of(&self, schema: &str, name: &str) -> String {
        if self.qualify && !schema.is_empty() {
            format!("{}.{}", q(schema), q(name))
        } else {
            q(name)
        }
    }
}

#[derive(Default)]
struct Phases {
    drop_triggers: Vec<Step>,
    drop_views: Vec<Step>,
    drop_fks: Vec<Step>,
    renames: Vec<Step>,
    create_tables: Vec<Step>,
    alter_tables: Vec<Step>,
    add_fks: Vec<Step>,
    drop_tables: Vec<Step>,
    create_views: Vec<Step>,
    create_triggers: Vec<Step>,
}

fn step(change: usize, comment: String, sql: String, span: Option<crate::span::Span>) -> Step {
    let mut s = Step::new(change, comment, sql, None, span);
    s.transactional = false;
    s
}

pub fn plan(plan: &mut Plan, from: &Realm, to: &Realm) {
    plan.transactional = false;
    // One database on each side is the same database (see `diff`): names
    // stay unqualified and the statements run in the connection's database.
    // Objects read without a database (`""`: an HCL trigger naming only its
    // table) belong to the one named; only several named databases qualify.
    let named: HashSet<String> = from
        .schemas
        .iter()
        .chain(&to.schemas)
        .filter(|s| !s.name.is_empty())
        .map(|s| s.name.to_ascii_lowercase())
        .collect();
    let n = Names {
        qualify: named.len() > 1 && (from.schemas.len() > 1 || to.schemas.len() > 1),
    };
    let mut p = Phases::default();

    // What changes under views and triggers: (schema, table) → change index.
    let mut disturbed: Vec<(String, String, usize)> = Vec::new();
    let mut dropped_tables: HashSet<(String, String)> = HashSet::new();
    let mut modified_tables: HashSet<(String, String)> = HashSet::new();
    let mut created: HashSet<(String, String)> = HashSet::new();
    for (i, c) in plan.changes.iter().enumerate() {
        match c {
            Change::DropTable { schema, table } => {
                dropped_tables.insert((schema.clone(), table.name.to_ascii_lowercase()));
                disturbed.push((schema.clone(), table.name.clone(), i));
            }
            Change::RenameTable { schema, from, to } => {
                disturbed.push((schema.clone(), from.clone(), i));
                disturbed.push((schema.clone(), to.clone(), i));
            }
            Change::ModifyTable {
                schema,
                to,
                changes,
                ..
            } => {
                modified_tables.insert((schema.clone(), to.name.to_ascii_lowercase()));
                if changes.iter().any(|tc| {
                    matches!(
                        tc,
                        TableChange::DropColumn { .. }
                            | TableChange::RenameColumn { .. }
                            | TableChange::ModifyColumn { .. }
                            | TableChange::AddColumn { .. }
                    )
                }) {
                    disturbed.push((schema.clone(), to.name.clone(), i));
                }
            }
            Change::DropView { schema, view }
            | Change::ModifyView {
                schema, from: view, ..
            } => {
                disturbed.push((schema.clone(), view.name.clone(), i));
            }
            _ => {}
        }
    }
    let disturbs = |schema: &str, def: &str| -> Option<usize> {
        disturbed
            .iter()
            .find(|(s, t, _)| s == schema && mentions(def, t))
            .map(|(_, _, i)| *i)
    };

    // Triggers and views recreated although they did not change.
    let mut handled_views: HashSet<(String, String)> = HashSet::new();
    let mut handled_triggers: HashSet<(String, String)> = HashSet::new();
    for (i, c) in plan.changes.iter().enumerate() {
        match c {
            Change::DropTrigger { schema, trigger } => {
                handled_triggers.insert((schema.clone(), trigger.name.to_ascii_lowercase()));
                let table_goes =
                    dropped_tables.contains(&(schema.clone(), trigger.table.to_ascii_lowercase()));
                if !table_goes {
                    p.drop_triggers.push(drop_trigger(i, schema, trigger, n));
                }
            }
            Change::ModifyTrigger {
                schema,
                from: old,
                to: new,
            } => {
                handled_triggers.insert((schema.clone(), new.name.to_ascii_lowercase()));
                p.drop_triggers.push(drop_trigger(i, schema, old, n));
                p.create_triggers.push(create_trigger(i, new));
            }
            Change::AddTrigger { schema, trigger } => {
                handled_triggers.insert((schema.clone(), trigger.name.to_ascii_lowercase()));
                p.create_triggers.push(create_trigger(i, trigger));
            }
            Change::DropView { schema, view } => {
                handled_views.insert((schema.clone(), view.name.to_ascii_lowercase()));
                p.drop_views.push(step(
                    i,
                    format!("drop view {}", q(&view.name)),
                    format!("DROP VIEW {}", n.of(schema, &view.name)),
                    None,
                ));
            }
            Change::AddView { schema, view }
            | Change::ModifyView {
                schema, to: view, ..
            } => {
                handled_views.insert((schema.clone(), view.name.to_ascii_lowercase()));
                p.create_views.push(step(
                    i,
                    format!("create or replace view {}", q(&view.name)),
                    create_view(&n.of(schema, &view.name), view, true),
                    view.span.clone(),
                ));
            }
            _ => {}
        }
    }
    for s in &to.schemas {
        for t in &s.triggers {
            let key = (s.name.clone(), t.name.to_ascii_lowercase());
            if handled_triggers.contains(&key) {
                continue;
            }
            let on_changed = disturbed
                .iter()
                .find(|(sc, tb, _)| *sc == s.name && tb.eq_ignore_ascii_case(&t.table))
                .map(|x| x.2);
            let table_dropped =
                dropped_tables.contains(&(s.name.clone(), t.table.to_ascii_lowercase()));
            if let Some(i) = on_changed.filter(|_| !table_dropped) {
                p.drop_triggers.push(drop_trigger(i, &s.name, t, n));
                p.create_triggers.push(create_trigger(i, t));
            }
        }
        for v in &s.views {
            let key = (s.name.clone(), v.name.to_ascii_lowercase());
            if handled_views.contains(&key) {
                continue;
            }
            if let Some(i) = disturbs(&s.name, &v.def) {
                p.create_views.push(step(
                    i,
                    format!("recreate view {}", q(&v.name)),
                    create_view(&n.of(&s.name, &v.name), v, true),
                    v.span.clone(),
                ));
            }
        }
    }

    // Tables.
    let mut new_tables: Vec<(usize, &str, &Table)> = Vec::new();
    for (i, c) in plan.changes.iter().enumerate() {
        match c {
            Change::AddTable { schema, table } => new_tables.push((i, schema, table)),
            Change::DropTable { schema, table } => {
                // Foreign keys between dropped tables go first, so the
                // tables drop in any order.
                let fks: Vec<String> = table
                    .foreign_keys
                    .iter()
                    .filter(|fk| {
                        let rs = fk.ref_schema.as_deref().unwrap_or(schema);
                        dropped_tables
                            .contains(&(rs.to_string(), fk.ref_table.to_ascii_lowercase()))
                            && !fk.ref_table.eq_ignore_ascii_case(&table.name)
                    })
                    .filter_map(|fk| fk.name.as_ref())
                    .map(|name| format!("DROP FOREIGN KEY {}", q(name)))
                    .collect();
                if !fks.is_empty() {
                    p.drop_fks.push(step(
                        i,
                        format!("drop foreign keys of {}", q(&table.name)),
                        format!(
                            "ALTER TABLE {} {}",
                            n.of(schema, &table.name),
                            fks.join(", ")
                        ),
                        None,
                    ));
                }
                let mut s = step(
                    i,
                    format!("drop table {}", q(&table.name)),
                    format!("DROP TABLE {}", n.of(schema, &table.name)),
                    None,
                );
                s.destructive = true;
                p.drop_tables.push(s);
            }
            Change::RenameTable { schema, from, to } => p.renames.push(step(
                i,
                format!("rename table {} to {}", q(from), q(to)),
                format!(
                    "RENAME TABLE {} TO {}",
                    n.of(schema, from),
                    n.of(schema, to)
                ),
                None,
            )),
            Change::ModifyTable {
                schema,
                from: old,
                to: new,
                changes,
            } => modify_table(&mut p, i, schema, old, new, changes, to, n),
            _ => {}
        }
    }
    // New tables in an order where what a foreign key references exists
    // first; a cycle (or a reference to a table altered later) is closed by
    // ALTER TABLE after every table exists.
    let pending_names: HashSet<(String, String)> = new_tables
        .iter()
        .map(|(_, s, t)| (s.to_string(), t.name.to_ascii_lowercase()))
        .collect();
    let mut pending = new_tables;
    while !pending.is_empty() {
        let ready = pending.iter().position(|(_, s, t)| {
            t.foreign_keys.iter().all(|fk| {
                let key = (
                    fk.ref_schema.clone().unwrap_or_else(|| s.to_string()),
                    fk.ref_table.to_ascii_lowercase(),
                );
                fk.ref_table.eq_ignore_ascii_case(&t.name)
                    || created.contains(&key)
                    || !pending_names.contains(&key) && !modified_tables.contains(&key)
            })
        });
        let (i, schema, table) = pending.remove(ready.unwrap_or(0));
        let (inline, later): (Vec<&ForeignKey>, Vec<&ForeignKey>) =
            table.foreign_keys.iter().partition(|fk| {
                let key = (
                    fk.ref_schema.clone().unwrap_or_else(|| schema.to_string()),
                    fk.ref_table.to_ascii_lowercase(),
                );
                fk.ref_table.eq_ignore_ascii_case(&table.name)
                    || created.contains(&key)
                    || !pending_names.contains(&key) && !modified_tables.contains(&key)
            });
        created.insert((schema.to_string(), table.name.to_ascii_lowercase()));
        p.create_tables.push(step(
            i,
            format!("create table {}", q(&table.name)),
            create_table_with(Some(schema).filter(|_| n.qualify), table, &inline, schema),
            table.span.clone(),
        ));
        if !later.is_empty() {
            let clauses: Vec<String> = later
                .iter()
                .map(|fk| format!("ADD {}", foreign_key(fk, schema)))
                .collect();
            p.add_fks.push(step(
                i,
                format!("add foreign keys of {}", q(&table.name)),
                format!(
                    "ALTER TABLE {} {}",
                    n.of(schema, &table.name),
                    clauses.join(", ")
                ),
                table.span.clone(),
            ));
        }
    }

    let Phases {
        drop_triggers,
        drop_views,
        drop_fks,
        renames,
        create_tables,
        alter_tables,
        add_fks,
        drop_tables,
        create_views,
        create_triggers,
    } = p;
    plan.steps.extend(
        [
            drop_triggers,
            drop_views,
            drop_fks,
            renames,
            create_tables,
            alter_tables,
            add_fks,
            drop_tables,
            create_views,
            create_triggers,
        ]
        .into_iter()
        .flatten(),
    );
}

#[allow(clippy::too_many_arguments)]
fn modify_table(
    p: &mut Phases,
    i: usize,
    schema: &str,
    old: &Table,
    new: &Table,
    changes: &[TableChange],
    to: &Realm,
    n: Names,
) {
    let name = n.of(schema, &new.name);
    let mut drops = Vec::new();
    let mut drop_cols = Vec::new();
    let mut renames = Vec::new();
    let mut modifies = Vec::new();
    let mut adds = Vec::new();
    let mut keys = Vec::new();
    let mut checks = Vec::new();
    let mut options = Vec::new();
    let mut drop_fks = Vec::new();
    let mut add_fks = Vec::new();
    let mut destructive = false;
    let renamed: Vec<(&str, &str)> = changes
        .iter()
        .filter_map(|tc| match tc {
            TableChange::RenameColumn { from, to } => Some((from.as_str(), to.as_str())),
            _ => None,
        })
        .collect();
    let changed_checks: HashSet<String> = changes
        .iter()
        .filter_map(|tc| match tc {
            TableChange::AddCheck { check } | TableChange::DropCheck { check } => {
                check.name.clone()
            }
            TableChange::ModifyCheck { from, .. } => from.name.clone(),
            _ => None,
        })
        .map(|n| n.to_ascii_lowercase())
        .collect();
    // A column-level check survives MODIFY/CHANGE only when repeated.
    let kept_check = |col: &str| {
        column_check(new, col).filter(|ck| {
            !changed_checks.contains(&ck.name.clone().unwrap_or_default().to_ascii_lowercase())
        })
    };
    // A new column's own check (MariaDB's `json` adds one) stays at column
    // level: it is written in the ADD COLUMN, not added separately.
    let added: HashSet<String> = changes
        .iter()
        .filter_map(|tc| match tc {
            TableChange::AddColumn { column } => Some(column.name.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    let inline_new = |col: &str| {
        column_check(new, col).filter(|ck| {
            changes
                .iter()
                .any(|tc| matches!(tc, TableChange::AddCheck { check } if check.name == ck.name))
        })
    };
    for tc in changes {
        match tc {
            TableChange::AddColumn { column } => adds.push(format!(
                "ADD COLUMN {}{}",
                column_def_with(column, inline_new(&column.name)),
                position(old, new, &column.name)
            )),
            TableChange::DropColumn { column } => {
                destructive = true;
                drop_cols.push(format!("DROP COLUMN {}", q(&column.name)));
            }
            TableChange::RenameColumn { from, to: new_name } => {
                let col = new
                    .columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(new_name));
                if let Some(col) = col {
                    renames.push(format!(
                        "CHANGE COLUMN {} {}",
                        q(from),
                        column_def_with(col, kept_check(&col.name))
                    ));
                }
            }
            TableChange::ModifyColumn {
                from: was,
                to: col,
                aspects,
            } if aspects.contains(&ColumnAspect::Generated)
                && !renamed
                    .iter()
                    .any(|(_, t)| t.eq_ignore_ascii_case(&col.name)) =>
            {
                // MariaDB cannot MODIFY a column into, out of or between
                // kinds of generated columns: it is dropped and added back
                // (a stored value is recomputed; a regular column's values go).
                destructive |= was.generated.is_none();
                drop_cols.push(format!("DROP COLUMN {}", q(&col.name)));
                adds.push(format!(
                    "ADD COLUMN {}{}",
                    column_def_with(col, kept_check(&col.name)),
                    position(old, new, &col.name)
                ));
            }
            TableChange::ModifyColumn {
                from: _, to: col, ..
            } => {
                let is_renamed = renamed
                    .iter()
                    .any(|(_, t)| t.eq_ignore_ascii_case(&col.name));
                if !is_renamed {
                    modifies.push(format!(
                        "MODIFY COLUMN {}",
                        column_def_with(col, kept_check(&col.name))
                    ));
                }
            }
            TableChange::AddIndex { index } => keys.push(format!("ADD {}", index_def(index))),
            TableChange::DropIndex { index } => {
                drops.push(format!("DROP INDEX {}", q(&index.name)))
            }
            TableChange::ModifyIndex { from, to: idx } => {
                drops.push(format!("DROP INDEX {}", q(&from.name)));
                keys.push(format!("ADD {}", index_def(idx)));
            }
            TableChange::ModifyPrimaryKey { from, to: pk } => {
                if from.is_some() {
                    drops.push("DROP PRIMARY KEY".into());
                }
                if let Some(pk) = pk {
                    keys.push(format!(
                        "ADD PRIMARY KEY ({})",
                        parts(&pk.parts, &Attrs::default())
                    ));
                }
            }
            TableChange::AddForeignKey { fk } => {
                add_fks.push(format!("ADD {}", foreign_key(fk, schema)))
            }
            TableChange::DropForeignKey { fk } => {
                if let Some(name) = &fk.name {
                    drop_fks.push(format!("DROP FOREIGN KEY {}", q(name)));
                }
            }
            TableChange::ModifyForeignKey { from, to: fk } => {
                if let Some(name) = &from.name {
                    drop_fks.push(format!("DROP FOREIGN KEY {}", q(name)));
                }
                add_fks.push(format!("ADD {}", foreign_key(fk, schema)));
            }
            TableChange::AddCheck { check } => {
                let at_new_column = check
                    .name
                    .as_ref()
                    .is_some_and(|n| added.contains(&n.to_ascii_lowercase()));
                if !at_new_column {
                    checks.push(format!("ADD {}", check_def(check)));
                }
            }
            TableChange::DropCheck { check } => {
                if let Some(name) = &check.name {
                    drops.push(format!("DROP CONSTRAINT {}", q(name)));
                }
            }
            TableChange::ModifyCheck { from, to: check } => {
                if let Some(name) = &from.name {
                    drops.push(format!("DROP CONSTRAINT {}", q(name)));
                }
                checks.push(format!("ADD {}", check_def(check)));
            }
            TableChange::ModifyAttr { key, to: value, .. } => {
                let v = |x: &Option<AttrValue>| match x {
                    Some(AttrValue::Str(s)) => Some(s.clone()),
                    _ => None,
                };
                match key.as_str() {
                    "options" => {
                        if let Some(o) = v(value) {
                            options.push(o);
                        }
                    }
                    "engine" => options.push(format!(
                        "ENGINE = {}",
                        v(value).unwrap_or_else(|| "InnoDB".into())
                    )),
                    "charset" | "collate" => {
                        let parent = to.schema(schema).map(|s| &s.attrs);
                        let get = |k: &str| {
                            v(&new.attrs.0.get(k).cloned())
                                .or_else(|| parent.and_then(|a| v(&a.0.get(k).cloned())))
                        };
                        let convert = match (get("charset"), get("collate")) {
                            (Some(cs), Some(co)) => {
                                format!("CONVERT TO CHARACTER SET {cs} COLLATE {co}")
                            }
                            (Some(cs), None) => format!("CONVERT TO CHARACTER SET {cs}"),
                            (None, Some(co)) => format!("COLLATE = {co}"),
                            (None, None) => continue,
                        };
                        if !options.contains(&convert) {
                            options.push(convert);
                        }
                    }
                    _ => {}
                }
            }
            TableChange::ModifyComment { to: c, .. } => {
                options.push(format!("COMMENT = {}", literal(c.as_deref().unwrap_or(""))))
            }
            TableChange::AddPolicy { .. }
            | TableChange::DropPolicy { .. }
            | TableChange::ModifyPolicy { .. } => {}
        }
    }
    if !drop_fks.is_empty() {
        p.drop_fks.push(step(
            i,
            format!("drop foreign keys of {}", q(&new.name)),
            format!("ALTER TABLE {name} {}", drop_fks.join(", ")),
            new.span.clone(),
        ));
    }
    let clauses: Vec<String> = [
        drops, drop_cols, renames, modifies, adds, keys, checks, options,
    ]
    .into_iter()
    .flatten()
    .collect();
    if !clauses.is_empty() {
        let mut s = step(
            i,
            format!("modify table {}", q(&new.name)),
            format!("ALTER TABLE {name} {}", clauses.join(", ")),
            new.span.clone(),
        );
        s.destructive = destructive;
        p.alter_tables.push(s);
    }
    if !add_fks.is_empty() {
        p.add_fks.push(step(
            i,
            format!("add foreign keys of {}", q(&new.name)),
            format!("ALTER TABLE {name} {}", add_fks.join(", ")),
            new.span.clone(),
        ));
    }
}

/// Where an added column goes: nothing when it ends the table (after every
/// column that stays), else `FIRST` or `AFTER` the column before it.
fn position(old: &Table, new: &Table, column: &str) -> String {
    let Some(k) = new
        .columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(column))
    else {
        return String::new();
    };
    let kept_after = new.columns[k + 1..].iter().any(|c| {
        old.columns
            .iter()
            .any(|o| o.name.eq_ignore_ascii_case(&c.name))
    });
    match k {
        _ if !kept_after => String::new(),
        0 => " FIRST".into(),
        _ => format!(" AFTER {}", q(&new.columns[k - 1].name)),
    }
}

fn drop_trigger(i: usize, schema: &str, t: &Trigger, n: Names) -> Step {
    step(
        i,
        format!("drop trigger {}", q(&t.name)),
        format!("DROP TRIGGER {}", n.of(schema, &t.name)),
        None,
    )
}

fn create_trigger(i: usize, t: &Trigger) -> Step {
    step(
        i,
        format!("create trigger {}", q(&t.name)),
        t.def.trim().trim_end_matches(';').to_string(),
        t.span.clone(),
    )
}

/// `CREATE [OR REPLACE] [ALGORITHM = …] [SQL SECURITY INVOKER] VIEW … AS …`.
pub fn create_view(name: &str, v: &View, replace: bool) -> String {
    let attr = |k: &str| match v.attrs.0.get(k) {
        Some(AttrValue::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let mut out = String::from("CREATE ");
    if replace {
        out.push_str("OR REPLACE ");
    }
    if let Some(a) = attr("algorithm") {
        out.push_str(&format!("ALGORITHM = {a} "));
    }
    if let Some(s) = attr("security") {
        out.push_str(&format!("SQL SECURITY {s} "));
    }
    out.push_str(&format!(
        "VIEW {name} AS {}",
        v.def.trim().trim_end_matches(';')
    ));
    if let Some(c) = attr("check_option") {
        out.push_str(&format!(" WITH {c} CHECK OPTION"));
    }
    out
}

/// A column as `CREATE TABLE` and `ALTER TABLE … MODIFY` spell it.
pub fn column_def(c: &Column) -> String {
    column_def_with(c, None)
}

/// The check MariaDB keeps at column level: named after the column (what a
/// `CHECK` in a column definition is called). `MODIFY COLUMN` drops it
/// unless the new definition repeats it.
fn column_check<'t>(t: &'t Table, column: &str) -> Option<&'t Check> {
    t.checks.iter().find(|ck| {
        ck.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(column))
    })
}

fn column_def_with(c: &Column, check: Option<&Check>) -> String {
    let mut out = format!("{} {}", q(&c.name), c.ty);
    // `unsigned = true` in HCL; inspected types carry it in the type.
    if c.attrs.flag("unsigned") && !c.ty.to_ascii_lowercase().contains("unsigned") {
        out.push_str(" unsigned");
    }
    if let Some(AttrValue::Str(cs)) = c.attrs.0.get("charset") {
        out.push_str(&format!(" CHARACTER SET {cs}"));
    }
    if let Some(coll) = &c.collation {
        out.push_str(&format!(" COLLATE {coll}"));
    }
    if let Some(g) = &c.generated {
        out.push_str(&format!(
            " GENERATED ALWAYS AS ({}) {}",
            g.expr,
            if g.stored { "STORED" } else { "VIRTUAL" }
        ));
    } else {
        out.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
        if let Some(d) = &c.default {
            out.push_str(&format!(" DEFAULT {d}"));
        }
        if let Some(AttrValue::Str(u)) = c.attrs.0.get("on_update") {
            out.push_str(&format!(" ON UPDATE {u}"));
        }
    }
    if c.auto_increment {
        out.push_str(" AUTO_INCREMENT");
    }
    if let Some(cm) = &c.comment {
        out.push_str(&format!(" COMMENT {}", literal(cm)));
    }
    if let Some(ck) = check {
        out.push_str(&format!(" CHECK ({})", ck.expr));
    }
    out
}

/// Index parts: `` `a`(10) DESC, `b` ``; prefix lengths come from the
/// index's `prefix_<n>` attributes.
fn parts(ps: &[IndexPart], attrs: &Attrs) -> String {
    ps.iter()
        .enumerate()
        .map(|(k, p)| {
            let mut s = match &p.key {
                IndexKey::Column(c) => q(c),
                IndexKey::Expr(e) => format!("({e})"),
            };
            if let Some(AttrValue::Int(n)) = attrs.0.get(&format!("prefix_{k}")) {
                s.push_str(&format!("({n})"));
            }
            if p.desc {
                s.push_str(" DESC");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn index_kind(i: &Index) -> (&'static str, bool) {
    match i.attrs.0.get("type") {
        Some(AttrValue::Str(t)) if t.eq_ignore_ascii_case("FULLTEXT") => ("FULLTEXT ", false),
        Some(AttrValue::Str(t)) if t.eq_ignore_ascii_case("SPATIAL") => ("SPATIAL ", false),
        Some(AttrValue::Str(t)) if t.eq_ignore_ascii_case("HASH") => {
            (if i.unique { "UNIQUE " } else { "" }, true)
        }
        _ => (if i.unique { "UNIQUE " } else { "" }, false),
    }
}

/// `[UNIQUE|FULLTEXT|SPATIAL] INDEX name (parts) [USING HASH] [COMMENT …]`.
fn index_def(i: &Index) -> String {
    let (kind, hash) = index_kind(i);
    let mut out = format!("{kind}INDEX {} ({})", q(&i.name), parts(&i.parts, &i.attrs));
    if hash {
        out.push_str(" USING HASH");
    }
    if let Some(c) = &i.comment {
        out.push_str(&format!(" COMMENT {}", literal(c)));
    }
    out
}

/// A foreign key clause; the referenced table is qualified only when it is
/// in another database than `schema`, the table's own (a desired state read
/// under another name must not reach into the database it was inspected from).
fn foreign_key(fk: &ForeignKey, schema: &str) -> String {
    let cols = |cs: &[String]| cs.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ");
    let target = match &fk.ref_schema {
        Some(s) if !s.eq_ignore_ascii_case(schema) => format!("{}.{}", q(s), q(&fk.ref_table)),
        _ => q(&fk.ref_table),
    };
    let mut out = String::new();
    if let Some(name) = &fk.name {
        out.push_str(&format!("CONSTRAINT {} ", q(name)));
    }
    out.push_str(&format!(
        "FOREIGN KEY ({}) REFERENCES {target} ({}) ON UPDATE {} ON DELETE {}",
        cols(&fk.columns),
        cols(&fk.ref_columns),
        fk.on_update.sql(),
        fk.on_delete.sql()
    ));
    out
}

fn check_def(c: &Check) -> String {
    match &c.name {
        Some(name) => format!("CONSTRAINT {} CHECK ({})", q(name), c.expr),
        None => format!("CHECK ({})", c.expr),
    }
}

/// `CREATE TABLE` with every foreign key inline (hover, previews).
pub fn create_table(schema: Option<&str>, t: &Table) -> String {
    let fks: Vec<&ForeignKey> = t.foreign_keys.iter().collect();
    create_table_with(schema, t, &fks, schema.unwrap_or(""))
}

fn create_table_with(schema: Option<&str>, t: &Table, fks: &[&ForeignKey], own: &str) -> String {
    let name = match schema {
        Some(s) => format!("{}.{}", q(s), q(&t.name)),
        None => q(&t.name),
    };
    let mut lines: Vec<String> = t
        .columns
        .iter()
        .map(|c| column_def_with(c, column_check(t, &c.name)))
        .collect();
    if let Some(pk) = &t.primary_key {
        lines.push(format!(
            "PRIMARY KEY ({})",
            parts(&pk.parts, &Attrs::default())
        ));
    }
    for i in &t.indexes {
        lines.push(index_def(i));
    }
    for fk in fks {
        lines.push(foreign_key(fk, own));
    }
    for c in &t.checks {
        let at_column = c
            .name
            .as_deref()
            .is_some_and(|n| t.columns.iter().any(|col| col.name.eq_ignore_ascii_case(n)));
        if !at_column {
            lines.push(check_def(c));
        }
    }
    let mut out = format!("CREATE TABLE {name} (\n  {}\n)", lines.join(",\n  "));
    let attr = |k: &str| match t.attrs.0.get(k) {
        Some(AttrValue::Str(s)) => Some(s.clone()),
        _ => None,
    };
    if let Some(e) = attr("engine") {
        out.push_str(&format!(" ENGINE = {e}"));
    }
    if let Some(cs) = attr("charset") {
        out.push_str(&format!(" DEFAULT CHARSET = {cs}"));
    }
    if let Some(co) = attr("collate") {
        out.push_str(&format!(" COLLATE = {co}"));
    }
    if let Some(c) = &t.comment {
        out.push_str(&format!(" COMMENT = {}", literal(c)));
    }
    if let Some(o) = attr("options") {
        out.push_str(&format!(" {o}"));
    }
    out
}

/// `CREATE INDEX` for hover and previews.
pub fn create_index(schema: Option<&str>, table: &str, i: &Index) -> String {
    let (kind, hash) = index_kind(i);
    let target = match schema {
        Some(s) => format!("{}.{}", q(s), q(table)),
        None => q(table),
    };
    let mut out = format!(
        "CREATE {kind}INDEX {} ON {target} ({})",
        q(&i.name),
        parts(&i.parts, &i.attrs)
    );
    if hash {
        out.push_str(" USING HASH");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::DiffOptions;

    fn col(name: &str, ty: &str) -> Column {
        Column {
            name: name.into(),
            ty: ty.into(),
            ..Column::default()
        }
    }

    fn realm(tables: Vec<Table>) -> Realm {
        Realm {
            schemas: vec![Schema {
                name: "app".into(),
                tables,
                ..Schema::default()
            }],
            ..Realm::default()
        }
    }

    #[test]
    fn a_table_change_is_one_alter_with_renames_as_change_column() {
        let before = Table {
            name: "t".into(),
            columns: vec![col("a", "int"), col("b", "varchar(10)"), col("gone", "int")],
            ..Table::default()
        };
        let mut after = before.clone();
        after.columns.retain(|c| c.name != "gone");
        after.columns[1] = Column {
            renamed_from: Some("b".into()),
            ..col("bb", "varchar(20)")
        };
        after.columns.push(Column {
            default: Some("'x'".into()),
            ..col("c", "varchar(5)")
        });
        after.indexes.push(Index {
            name: "u".into(),
            unique: true,
            parts: vec![IndexPart::column("bb")],
            ..Index::default()
        });
        let p = crate::plan::plan(
            &realm(vec![before]),
            &realm(vec![after]),
            Dialect::Mysql,
            &DiffOptions::default(),
        )
        .unwrap();
        assert!(!p.transactional);
        let sql: Vec<&str> = p.steps.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                "ALTER TABLE `t` DROP COLUMN `gone`, CHANGE COLUMN `b` `bb` varchar(20) NOT NULL, \
              ADD COLUMN `c` varchar(5) NOT NULL DEFAULT 'x', ADD UNIQUE INDEX `u` (`bb`)"
            ]
        );
        assert!(p.steps[0].destructive);
    }

    #[test]
    fn new_tables_come_after_what_they_reference() {
        let parent = Table {
            name: "parent".into(),
            columns: vec![col("id", "int")],
            primary_key: Some(PrimaryKey {
                parts: vec![IndexPart::column("id")],
                ..PrimaryKey::default()
            }),
            ..Table::default()
        };
        let child = Table {
            name: "child".into(),
            columns: vec![col("p", "int")],
            foreign_keys: vec![ForeignKey {
                name: Some("fk".into()),
                columns: vec!["p".into()],
                ref_table: "parent".into(),
                ref_columns: vec!["id".into()],
                on_delete: RefAction::Cascade,
                ..ForeignKey::default()
            }],
            ..Table::default()
        };
        let p = crate::plan::plan(
            &Realm::default(),
            &realm(vec![child, parent]),
            Dialect::Mysql,
            &DiffOptions::default(),
        )
        .unwrap();
        assert_eq!(p.steps.len(), 2);
        assert!(p.steps[0].sql.starts_with("CREATE TABLE `parent`"));
        assert!(p.steps[1].sql.contains(
            "CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `parent` (`id`) ON UPDATE NO ACTION ON DELETE CASCADE"
        ));
    }

    #[test]
    fn prefixes_and_kinds_render_in_index_definitions() {
        let mut i = Index {
            name: "ft".into(),
            parts: vec![IndexPart::column("body"), IndexPart::column("t`x")],
            ..Index::default()
        };
        i.attrs.0.insert("prefix_0".into(), AttrValue::Int(10));
        assert_eq!(index_def(&i), "INDEX `ft` (`body`(10), `t``x`)");
        i.attrs
            .0
            .insert("type".into(), AttrValue::Str("FULLTEXT".into()));
        i.attrs.0.remove("prefix_0");
        assert_eq!(
            create_index(None, "t", &i),
            "CREATE FULLTEXT INDEX `ft` ON `t` (`body`, `t``x`)"
        );
    }
}
