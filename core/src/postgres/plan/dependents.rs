//! Views that read something disturbed (a dropped or retyped table, a
//! redefined view, a recreated enum) are dropped before and created after;
//! so are the views reading those, transitively. Views are then created in
//! dependency order, each after the views it reads.

use super::render::qn;
use super::view::{comment, create_view, drop_step};
use super::{index, step, Handled, Phases};
use crate::diff::Change;
use crate::model::{Realm, View};
use crate::plan::Plan;
use crate::sql::lex::mentions;
use std::collections::HashSet;

pub(super) fn recreate(
    plan: &Plan,
    from: &Realm,
    to: &Realm,
    disturbed: &mut HashSet<String>,
    handled: &mut Handled,
    p: &mut Phases,
) {
    drop_readers(plan, from, disturbed, handled, p);
    create_views(plan, to, handled, p);
}

/// The change a dependent view is recreated for: the first that names it.
fn change_of(plan: &Plan, name: &str) -> usize {
    plan.changes
        .iter()
        .position(|c| c.object().1 == name)
        .unwrap_or(0)
}

/// Drop every current view that reads a disturbed name, until none is left.
fn drop_readers(
    plan: &Plan,
    from: &Realm,
    disturbed: &mut HashSet<String>,
    handled: &mut Handled,
    p: &mut Phases,
) {
    loop {
        let mut more = false;
        for s in &from.schemas {
            for v in &s.views {
                let key = (s.name.clone(), v.name.clone());
                if handled.contains(&key) || !disturbed.iter().any(|d| mentions(&v.def, d)) {
                    continue;
                }
                // A view goes before the views it reads.
                p.drop_views
                    .insert(0, drop_step(change_of(plan, &v.name), &s.name, v));
                handled.insert(key);
                disturbed.insert(v.name.clone());
                more = true;
            }
        }
        if !more {
            break;
        }
    }
}

/// Create every handled view of the desired state that is not dropped for
/// good, with its indexes and comment, readers after what they read.
fn create_views(plan: &Plan, to: &Realm, handled: &Handled, p: &mut Phases) {
    let dropped: HashSet<(String, String)> = plan
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::DropView { schema, view } => Some((schema.clone(), view.name.clone())),
            _ => None,
        })
        .collect();
    let mut pending: Vec<(&str, &View)> = to
        .schemas
        .iter()
        .flat_map(|s| s.views.iter().map(move |v| (s.name.as_str(), v)))
        .filter(|(s, v)| {
            let key = (s.to_string(), v.name.clone());
            handled.contains(&key) && !dropped.contains(&key)
        })
        .collect();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|(_, v)| {
                !pending
                    .iter()
                    .any(|(_, o)| o.name != v.name && mentions(&v.def, &o.name))
            })
            .unwrap_or(0);
        let (schema, v) = pending.remove(ready);
        let ci = change_of(plan, &v.name);
        p.create_views.push(step(
            ci,
            format!("create view {}", qn(schema, &v.name)),
            create_view(schema, v),
            Some(format!("DROP VIEW {}", qn(schema, &v.name))),
            v.span.clone(),
        ));
        for idx in &v.indexes {
            p.create_views.push(index::create_step(
                ci,
                schema,
                &v.name,
                idx,
                v.span.as_ref(),
            ));
        }
        if v.comment.is_some() {
            p.comments.push(comment(ci, schema, v));
        }
    }
}
