//! Views: dropped when they go, change, or read something rebuilt, renamed
//! or dropped (and so are the views reading those); created again after the
//! tables, each after the views it reads.

use super::render::q;
use super::{change_for, step, Phases};
use crate::diff::Change;
use crate::model::{Schema, View};
use crate::plan::{Plan, Step};
use crate::sql::lex::mentions;
use std::collections::HashSet;

pub(super) fn drop_view(change: usize, v: &View) -> Step {
    step(
        change,
        format!("drop view {}", q(&v.name)),
        format!("DROP VIEW {}", q(&v.name)),
        Some(format!("CREATE VIEW {} AS {}", q(&v.name), v.def)),
        None,
    )
}

/// Drops the current views that read a disturbed name, transitively; each
/// becomes disturbed (and handled) in turn.
pub(super) fn drop_dependents(
    plan: &Plan,
    cur: &Schema,
    disturbed: &mut HashSet<String>,
    handled: &mut HashSet<String>,
    p: &mut Phases,
) {
    let mut dependents: Vec<&View> = Vec::new();
    loop {
        let before = dependents.len();
        for v in &cur.views {
            let key = v.name.to_ascii_lowercase();
            if handled.contains(&key) || dependents.iter().any(|d| d.name == v.name) {
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
    for v in &dependents {
        p.drop_views
            .push(drop_view(change_for(&plan.changes, &v.name), v));
        handled.insert(v.name.to_ascii_lowercase());
    }
}

/// Creates every handled view of the desired schema that is not dropped for
/// good, in dependency order: a view after the views it reads.
pub(super) fn create(plan: &Plan, want: &Schema, handled: &HashSet<String>, p: &mut Phases) {
    let dropped = |v: &View| {
        plan.changes
            .iter()
            .any(|c| matches!(c, Change::DropView { view, .. } if view.name == v.name))
    };
    let mut pending: Vec<&View> = want
        .views
        .iter()
        .filter(|v| handled.contains(&v.name.to_ascii_lowercase()) && !dropped(v))
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
        let ci = view_change(&plan.changes, &v.name)
            .unwrap_or_else(|| change_for(&plan.changes, &v.name));
        p.create_views.push(step(
            ci,
            format!("create view {}", q(&v.name)),
            format!("CREATE VIEW {} AS {}", q(&v.name), v.def),
            Some(format!("DROP VIEW {}", q(&v.name))),
            v.span.clone(),
        ));
    }
}

fn view_change(changes: &[Change], name: &str) -> Option<usize> {
    changes.iter().position(|c| match c {
        Change::AddView { view, .. } => view.name == name,
        Change::ModifyView { to, .. } => to.name == name,
        _ => false,
    })
}
