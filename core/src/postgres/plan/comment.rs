//! `COMMENT ON …` statements. They run last, when every object they name
//! exists under its final name.

use super::render::{lit, q, qn};
use super::{step, Phases};
use crate::model::{AttrValue, Table};
use crate::plan::Step;

/// `COMMENT ON {kind} {target} IS …`; `None` removes the comment.
pub(super) fn comment_on(i: usize, kind: &str, target: &str, text: Option<&str>) -> Step {
    step(
        i,
        format!("comment on {} {target}", kind.to_lowercase()),
        format!(
            "COMMENT ON {kind} {target} IS {}",
            text.map_or("NULL".into(), lit)
        ),
        None,
        None,
    )
}

/// The comments a new table brings: on its constraints, itself, its columns
/// and its indexes.
pub(super) fn table_comments(i: usize, schema: &str, t: &Table, p: &mut Phases) {
    let name = qn(schema, &t.name);
    for (k, v) in &t.attrs.0 {
        if let (Some(con), AttrValue::Str(c)) = (k.strip_prefix("comment:"), v) {
            let target = format!("{} ON {name}", q(con));
            p.comments
                .push(comment_on(i, "CONSTRAINT", &target, Some(c)));
        }
    }
    if let Some(c) = &t.comment {
        p.comments.push(comment_on(i, "TABLE", &name, Some(c)));
    }
    for c in &t.columns {
        if let Some(cm) = &c.comment {
            let target = format!("{name}.{}", q(&c.name));
            p.comments.push(comment_on(i, "COLUMN", &target, Some(cm)));
        }
    }
    for idx in &t.indexes {
        if let Some(cm) = &idx.comment {
            p.comments
                .push(comment_on(i, "INDEX", &qn(schema, &idx.name), Some(cm)));
        }
    }
}
