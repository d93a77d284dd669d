//! Triggers: dropped first (before what they fire on changes) and created
//! last (after the routines they call and the tables they fire on).

use super::comment::comment_on;
use super::render::{q, qn};
use super::{step, Phases};
use crate::model::Trigger;
use crate::plan::Step;

pub(super) fn add(i: usize, schema: &str, trigger: &Trigger, p: &mut Phases) {
    p.create_triggers.push(create(i, schema, trigger));
    if trigger.comment.is_some() {
        p.comments.push(comment(i, schema, trigger));
    }
}

pub(super) fn drop(i: usize, schema: &str, trigger: &Trigger, p: &mut Phases) {
    p.drop_triggers.push(step(
        i,
        format!(
            "drop trigger {} on {}",
            q(&trigger.name),
            qn(schema, &trigger.table)
        ),
        format!(
            "DROP TRIGGER {} ON {}",
            q(&trigger.name),
            qn(schema, &trigger.table)
        ),
        Some(trigger.def.clone()),
        None,
    ))
}

/// A new definition drops and creates the trigger; the same one only
/// changes its comment.
pub(super) fn modify(i: usize, schema: &str, from: &Trigger, to: &Trigger, p: &mut Phases) {
    if crate::sql::lex::normalize(&from.def) != crate::sql::lex::normalize(&to.def) {
        drop(i, schema, from, p);
        add(i, schema, to, p);
    } else {
        p.comments.push(comment(i, schema, to));
    }
}

fn create(i: usize, schema: &str, t: &Trigger) -> Step {
    step(
        i,
        format!("create trigger {} on {}", q(&t.name), qn(schema, &t.table)),
        t.def.clone(),
        Some(format!(
            "DROP TRIGGER {} ON {}",
            q(&t.name),
            qn(schema, &t.table)
        )),
        t.span.clone(),
    )
}

fn comment(i: usize, schema: &str, t: &Trigger) -> Step {
    let target = format!("{} ON {}", q(&t.name), qn(schema, &t.table));
    comment_on(i, "TRIGGER", &target, t.comment.as_deref())
}
