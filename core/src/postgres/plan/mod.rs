//! PostgreSQL statements for a list of changes, in one transaction.
//!
//! Order: drop triggers and views that go or read something that changes →
//! drop foreign keys that go (and those of dropped tables) → schemas,
//! extensions, types, routines → rename, create and alter tables → indexes →
//! foreign keys → drop tables, types, routines, schemas → views → triggers.
//! Types come before the columns that use them, routines before the triggers
//! that call them, and views are recreated when what they read changes.
//!
//! One generator per object kind, each pushing its steps into the [`Phases`]
//! they belong to: [`schema`] (schemas, extensions), [`types`] (enums),
//! [`domain`], [`sequence`], [`routine`], [`table`] (create/drop/rename,
//! partitions, table attributes), [`column`], [`constraint`] (keys, checks,
//! foreign keys), [`index`], [`view`], [`trigger`], [`policy`], [`comment`];
//! [`dependents`] recreates the views that read what changed, and [`render`]
//! writes the DDL text. The phase order here is the whole ordering policy.

mod column;
mod comment;
mod constraint;
mod dependents;
mod domain;
mod index;
mod policy;
mod render;
mod routine;
mod schema;
mod sequence;
mod table;
mod trigger;
mod types;
mod view;

#[cfg(test)]
mod tests;

pub use index::concurrently;
pub(crate) use render::q;
pub use render::{create_index, create_table};
pub use sequence::identity_options;
pub use view::view_indexes;

use crate::diff::{Change, ColumnAspect, TableChange};
use crate::model::Realm;
use crate::plan::{Plan, Step};
use crate::span::Span;
use std::collections::HashSet;

/// The plan's statements by phase; [`Phases::into_steps`] concatenates them
/// in dependency order.
#[derive(Default)]
struct Phases {
    drop_triggers: Vec<Step>,
    drop_views: Vec<Step>,
    drop_fks: Vec<Step>,
    create_schemas: Vec<Step>,
    types: Vec<Step>,
    routines: Vec<Step>,
    /// After routines: a domain's check may call one.
    domains: Vec<Step>,
    renames: Vec<Step>,
    drop_indexes: Vec<Step>,
    create_tables: Vec<Step>,
    alter_tables: Vec<Step>,
    create_indexes: Vec<Step>,
    add_fks: Vec<Step>,
    drop_tables: Vec<Step>,
    drop_types: Vec<Step>,
    drop_schemas: Vec<Step>,
    create_views: Vec<Step>,
    create_triggers: Vec<Step>,
    comments: Vec<Step>,
}

impl Phases {
    fn into_steps(self) -> Vec<Step> {
        [
            self.drop_triggers,
            self.drop_views,
            self.drop_fks,
            self.create_schemas,
            self.types,
            self.routines,
            self.domains,
            self.renames,
            self.drop_indexes,
            self.create_tables,
            self.alter_tables,
            self.create_indexes,
            self.add_fks,
            self.drop_tables,
            self.drop_types,
            self.drop_schemas,
            self.create_views,
            self.create_triggers,
            self.comments,
        ]
        .concat()
    }
}

/// Views (schema, name) whose drop and re-creation this plan already decided.
type Handled = HashSet<(String, String)>;

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

fn destructive(mut s: Step) -> Step {
    s.destructive = true;
    s
}

pub fn plan(plan: &mut Plan, from: &Realm, to: &Realm) {
    let mut p = Phases::default();
    let mut disturbed = disturbed(&plan.changes);
    let mut handled_views = Handled::new();
    for (i, c) in plan.changes.iter().enumerate() {
        change(i, c, to, &mut p, &mut handled_views);
    }
    dependents::recreate(plan, from, to, &mut disturbed, &mut handled_views, &mut p);
    routine::place(plan, &handled_views, &mut p);
    plan.steps = p.into_steps();
}

/// Names of tables, views and types whose meaning changes under the views
/// that read them: those views are dropped first and created again.
fn disturbed(changes: &[Change]) -> HashSet<String> {
    let retyped = |tc: &TableChange| match tc {
        TableChange::DropColumn { .. } => true,
        TableChange::ModifyColumn { aspects, .. } => aspects.iter().any(|a| {
            matches!(
                a,
                ColumnAspect::Type | ColumnAspect::Collation | ColumnAspect::Generated
            )
        }),
        _ => false,
    };
    changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable { table, .. } => Some(&table.name),
            Change::ModifyTable { to, changes, .. } if changes.iter().any(retyped) => {
                Some(&to.name)
            }
            Change::DropView { view, .. } => Some(&view.name),
            Change::ModifyView { from, to, .. } if view::redefined(from, to) => Some(&from.name),
            Change::ModifyEnum { from, .. } => Some(&from.name),
            _ => None,
        })
        .cloned()
        .collect()
}

/// The generator for one change.
fn change(i: usize, c: &Change, to_realm: &Realm, p: &mut Phases, handled_views: &mut Handled) {
    match c {
        Change::AddSchema { schema, comment } => schema::add(i, schema, comment.as_deref(), p),
        Change::DropSchema { schema } => schema::drop(i, schema, p),
        Change::ModifySchemaComment { schema, to, .. } => schema::comment(i, schema, to, p),
        Change::AddExtension { extension } => schema::add_extension(i, extension, p),
        Change::DropExtension { extension } => schema::drop_extension(i, extension, p),
        Change::AddEnum { schema, enum_type } => types::add(i, schema, enum_type, p),
        Change::DropEnum { schema, enum_type } => types::drop(i, schema, enum_type, p),
        Change::ModifyEnum { schema, from, to } => types::modify(i, schema, from, to, to_realm, p),
        Change::AddDomain { schema, domain } => domain::add(i, schema, domain, p),
        Change::DropDomain { schema, domain } => domain::drop(i, schema, domain, p),
        Change::ModifyDomain { schema, from, to } => {
            domain::modify(i, schema, from, to, to_realm, p)
        }
        Change::AddSequence { schema, sequence } => sequence::add(i, schema, sequence, p),
        Change::DropSequence { schema, sequence } => sequence::drop(i, schema, sequence, p),
        Change::ModifySequence { schema, from, to } => sequence::modify(i, schema, from, to, p),
        Change::AddRoutine { schema, routine } => routine::create(i, schema, None, routine, p),
        Change::ModifyRoutine { schema, from, to } => routine::create(i, schema, Some(from), to, p),
        Change::DropRoutine { schema, routine } => routine::drop(i, schema, routine, p),
        Change::AddTable { schema, table } => table::add(i, schema, table, p),
        Change::DropTable { schema, table } => table::drop(i, schema, table, p),
        Change::RenameTable { schema, from, to } => table::rename(i, schema, from, to, p),
        Change::ModifyTable {
            schema,
            from,
            to,
            changes,
        } => table::modify(i, schema, from, to, changes, to_realm, p),
        Change::AddView { schema, view } => {
            handled_views.insert((schema.clone(), view.name.clone()));
        }
        Change::DropView { schema, view } => view::drop(i, schema, view, p, handled_views),
        Change::ModifyView { schema, from, to } => {
            view::modify(i, schema, from, to, p, handled_views)
        }
        Change::AddTrigger { schema, trigger } => trigger::add(i, schema, trigger, p),
        Change::DropTrigger { schema, trigger } => trigger::drop(i, schema, trigger, p),
        Change::ModifyTrigger { schema, from, to } => trigger::modify(i, schema, from, to, p),
    }
}
