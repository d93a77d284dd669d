//! Triggers: dropped when they go or change, or when their body reads
//! something disturbed (those on a rebuilt table go with it); created last,
//! new, changed and dropped-along ones alike.

use super::render::q;
use super::{change_for, step, Phases};
use crate::diff::Change;
use crate::model::{Schema, Trigger};
use crate::plan::{Plan, Step};
use crate::sql::lex::mentions;
use std::collections::HashSet;

pub(super) fn drop_trigger(change: usize, t: &Trigger) -> Step {
    step(
        change,
        format!("drop trigger {}", q(&t.name)),
        format!("DROP TRIGGER {}", q(&t.name)),
        Some(t.def.clone()),
        None,
    )
}

/// The current triggers that must go with what changes: on a rebuilt table
/// (dropped with it, nothing to run), or reading a disturbed name.
pub(super) fn drop_dependents(
    plan: &Plan,
    cur: &Schema,
    rebuilt: &HashSet<String>,
    disturbed: &HashSet<String>,
    handled: &mut HashSet<String>,
    p: &mut Phases,
) {
    for t in &cur.triggers {
        let key = t.name.to_ascii_lowercase();
        if handled.contains(&key) {
            continue;
        }
        let on_rebuilt = rebuilt.contains(&t.table.to_ascii_lowercase());
        let reads_disturbed = disturbed.iter().any(|d| mentions(&t.def, d));
        if on_rebuilt {
            handled.insert(key);
        } else if reads_disturbed {
            handled.insert(key);
            p.drop_triggers
                .push(drop_trigger(change_for(&plan.changes, &t.table), t));
        }
    }
}

/// Creates the desired triggers that are new or were handled (dropped).
pub(super) fn create(plan: &Plan, want: &Schema, handled: &HashSet<String>, p: &mut Phases) {
    for t in &want.triggers {
        let key = t.name.to_ascii_lowercase();
        let added = plan.changes.iter().position(
            |c| matches!(c, Change::AddTrigger { trigger, .. } if trigger.name == t.name),
        );
        if added.is_none() && !handled.contains(&key) {
            continue;
        }
        let ci = added
            .or_else(|| {
                plan.changes.iter().position(
                    |c| matches!(c, Change::ModifyTrigger { to, .. } if to.name == t.name),
                )
            })
            .unwrap_or_else(|| change_for(&plan.changes, &t.table));
        p.create_triggers.push(step(
            ci,
            format!("create trigger {}", q(&t.name)),
            t.def.clone(),
            Some(format!("DROP TRIGGER {}", q(&t.name))),
            t.span.clone(),
        ));
    }
}
