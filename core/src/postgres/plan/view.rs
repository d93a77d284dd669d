//! Views and materialized views. A view whose query changes is dropped before
//! and created after everything else (see [`super::dependents`], which also
//! creates the new ones in dependency order); a view whose query stays only
//! changes its indexes or comment in place.

use super::comment::comment_on;
use super::render::{create_index, qn};
use super::step;
use super::{index, Handled, Phases};
use crate::model::View;
use crate::plan::Step;

pub(super) fn drop(i: usize, schema: &str, view: &View, p: &mut Phases, handled: &mut Handled) {
    handled.insert((schema.to_string(), view.name.clone()));
    p.drop_views.push(drop_step(i, schema, view));
}

pub(super) fn modify(
    i: usize,
    schema: &str,
    from: &View,
    to: &View,
    p: &mut Phases,
    handled: &mut Handled,
) {
    if redefined(from, to) {
        handled.insert((schema.to_string(), to.name.clone()));
        p.drop_views.push(drop_step(i, schema, from));
        return;
    }
    // Same query: only its indexes or comment change.
    let keep = view_indexes(schema, from);
    let want = view_indexes(schema, to);
    for idx in &from.indexes {
        if !want.contains(&create_index(schema, &from.name, idx)) {
            p.drop_indexes.push(index::drop(i, schema, &from.name, idx));
        }
    }
    for idx in &to.indexes {
        if !keep.contains(&create_index(schema, &to.name, idx)) {
            p.create_indexes.push(index::create_step(
                i,
                schema,
                &to.name,
                idx,
                to.span.as_ref(),
            ));
        }
    }
    if from.comment != to.comment {
        p.comments.push(comment(i, schema, to));
    }
}

/// Whether the view's query changed (not just its indexes or comment).
pub(super) fn redefined(from: &View, to: &View) -> bool {
    crate::sql::lex::normalize(&from.def) != crate::sql::lex::normalize(&to.def)
        || (from.comment == to.comment && view_indexes("", from) == view_indexes("", to))
}

fn kind(v: &View) -> &'static str {
    if v.attrs.flag("materialized") {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    }
}

pub(super) fn drop_step(i: usize, schema: &str, v: &View) -> Step {
    step(
        i,
        format!("drop view {}", qn(schema, &v.name)),
        format!("DROP {} {}", kind(v), qn(schema, &v.name)),
        Some(create_view(schema, v)),
        None,
    )
}

pub(super) fn comment(i: usize, schema: &str, v: &View) -> Step {
    comment_on(i, kind(v), &qn(schema, &v.name), v.comment.as_deref())
}

pub(super) fn create_view(schema: &str, v: &View) -> String {
    format!("CREATE {} {} AS {}", kind(v), qn(schema, &v.name), v.def)
}

/// A materialized view's indexes as the statements that create them: both
/// sides come from the database, so equal indexes print equal.
pub fn view_indexes(schema: &str, v: &View) -> Vec<String> {
    let mut out: Vec<String> = v
        .indexes
        .iter()
        .map(|i| create_index(schema, &v.name, i))
        .collect();
    out.sort();
    out
}
