//! SQLite statements for a list of changes.
//!
//! SQLite's ALTER TABLE can add, drop and rename columns and rename tables;
//! everything else rebuilds the table ([`rebuild`]). The plan runs with
//! foreign keys switched off *outside* the transaction so that dropping the
//! old table never cascades into child rows, and `PRAGMA foreign_key_check`
//! runs before COMMIT (see [`super::conn`]).
//!
//! Order: drop triggers and views that are going or that depend on something
//! rebuilt, renamed or dropped; rename tables; drop indexes; create tables;
//! alter or rebuild tables; create indexes; drop tables; create views; create
//! triggers.
//!
//! One generator per object kind: [`table`] (create, drop, rename, alter in
//! place), [`rebuild`], [`views`], [`triggers`]; [`render`] writes the DDL.

mod rebuild;
mod render;
mod table;
mod triggers;
mod views;

#[cfg(test)]
mod tests;

pub use render::{create_index, create_table, default_sql};

use crate::diff::{Change, TableChange};
use crate::model::*;
use crate::plan::{Plan, Step};
use crate::span::Span;
use std::collections::HashSet;

/// The plan's statements by phase; [`Phases::into_steps`] concatenates them
/// in dependency order.
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

impl Phases {
    fn into_steps(self, changes: &[Change]) -> Vec<Step> {
        [
            self.drop_triggers,
            self.drop_views,
            self.renames,
            self.drop_indexes,
            table::order_creates(self.create_tables, changes),
            self.alter_tables,
            self.create_indexes,
            self.drop_tables,
            self.create_views,
            self.create_triggers,
        ]
        .concat()
    }
}

/// Views and triggers (lowercased names) whose drop and re-creation this
/// plan already decided.
#[derive(Default)]
struct Handled {
    views: HashSet<String>,
    triggers: HashSet<String>,
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

fn plain_indexes(t: &Table) -> impl Iterator<Item = &Index> {
    t.indexes.iter().filter(|i| !i.attrs.flag("constraint"))
}

/// The change a dependent object is recreated for: the table change it depends on.
fn change_for(changes: &[Change], name: &str) -> usize {
    changes
        .iter()
        .position(|c| c.object().1.eq_ignore_ascii_case(name))
        .unwrap_or(0)
}

pub fn plan(plan: &mut Plan, from: &Realm, to: &Realm) {
    let mut p = Phases::default();
    let rebuilt = rebuilt(&plan.changes);
    let mut disturbed = disturbed(&plan.changes, &rebuilt);
    let mut handled = Handled::default();
    for (i, c) in plan.changes.iter().enumerate() {
        change(i, c, &rebuilt, &mut handled, &mut p);
    }
    let empty = Schema::default();
    let cur = from.schemas.first().unwrap_or(&empty);
    let want = to.schemas.first().unwrap_or(&empty);
    views::drop_dependents(plan, cur, &mut disturbed, &mut handled.views, &mut p);
    views::create(plan, want, &handled.views, &mut p);
    triggers::drop_dependents(
        plan,
        cur,
        &rebuilt,
        &disturbed,
        &mut handled.triggers,
        &mut p,
    );
    triggers::create(plan, want, &handled.triggers, &mut p);
    plan.steps = p.into_steps(&plan.changes);
    let drops_table = plan
        .steps
        .iter()
        .any(|s| s.comment.starts_with("drop table"));
    if !rebuilt.is_empty() || drops_table {
        plan.pre.push("PRAGMA foreign_keys = off".into());
        plan.post.push("PRAGMA foreign_keys = on".into());
    }
}

/// Tables (lowercased) that ALTER TABLE cannot take to their new shape.
fn rebuilt(changes: &[Change]) -> HashSet<String> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::ModifyTable {
                from, to, changes, ..
            } if rebuild::needs_rebuild(from, to, changes) => Some(to.name.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Names (lowercased) whose meaning changes under the views and triggers
/// that mention them.
fn disturbed(changes: &[Change], rebuilt: &HashSet<String>) -> HashSet<String> {
    let mut disturbed = rebuilt.clone();
    for c in changes {
        let name = match c {
            Change::DropTable { table, .. } => &table.name,
            Change::RenameTable { from, .. } => from,
            Change::ModifyTable { to, changes, .. }
                if changes.iter().any(|tc| {
                    matches!(
                        tc,
                        TableChange::DropColumn { .. } | TableChange::RenameColumn { .. }
                    )
                }) =>
            {
                &to.name
            }
            Change::DropView { view, .. } | Change::ModifyView { from: view, .. } => &view.name,
            _ => continue,
        };
        disturbed.insert(name.to_ascii_lowercase());
    }
    disturbed
}

/// The generator for one change. SQLite has no schemas to create,
/// extensions, enums or routines.
fn change(i: usize, c: &Change, rebuilt: &HashSet<String>, h: &mut Handled, p: &mut Phases) {
    match c {
        Change::AddTable { table, .. } => table::add(i, table, p),
        Change::DropTable { table, .. } => table::drop(i, table, p),
        Change::RenameTable { from, to, .. } => table::rename(i, from, to, p),
        Change::ModifyTable {
            from, to, changes, ..
        } => {
            let rebuild = rebuilt.contains(&to.name.to_ascii_lowercase());
            table::modify(i, from, to, changes, rebuild, p)
        }
        Change::AddView { view, .. } => {
            h.views.insert(view.name.to_ascii_lowercase());
        }
        Change::DropView { view: v, .. } | Change::ModifyView { from: v, .. } => {
            let name = match c {
                Change::ModifyView { to, .. } => &to.name,
                _ => &v.name,
            };
            h.views.insert(name.to_ascii_lowercase());
            p.drop_views.push(views::drop_view(i, v));
        }
        Change::AddTrigger { .. } => {}
        Change::DropTrigger { trigger: t, .. } | Change::ModifyTrigger { from: t, .. } => {
            let name = match c {
                Change::ModifyTrigger { to, .. } => &to.name,
                _ => &t.name,
            };
            h.triggers.insert(name.to_ascii_lowercase());
            p.drop_triggers.push(triggers::drop_trigger(i, t));
        }
        _ => {}
    }
}
