//! Schemas and extensions: created before everything that lives in them,
//! dropped after.

use super::comment::comment_on;
use super::render::q;
use super::{destructive, step, Phases};
use crate::model::Extension;

pub(super) fn add(i: usize, schema: &str, comment: Option<&str>, p: &mut Phases) {
    p.create_schemas.push(step(
        i,
        format!("create schema {}", q(schema)),
        format!("CREATE SCHEMA {}", q(schema)),
        Some(format!("DROP SCHEMA {}", q(schema))),
        None,
    ));
    if let Some(cm) = comment {
        p.comments
            .push(comment_on(i, "SCHEMA", &q(schema), Some(cm)));
    }
}

pub(super) fn drop(i: usize, schema: &str, p: &mut Phases) {
    p.drop_schemas.push(destructive(step(
        i,
        format!("drop schema {}", q(schema)),
        format!("DROP SCHEMA {}", q(schema)),
        Some(format!("CREATE SCHEMA {}", q(schema))),
        None,
    )))
}

pub(super) fn comment(i: usize, schema: &str, to: &Option<String>, p: &mut Phases) {
    p.comments
        .push(comment_on(i, "SCHEMA", &q(schema), to.as_deref()))
}

pub(super) fn add_extension(i: usize, e: &Extension, p: &mut Phases) {
    let mut sql = format!("CREATE EXTENSION IF NOT EXISTS {}", q(&e.name));
    if let Some(s) = &e.schema {
        sql.push_str(&format!(" SCHEMA {}", q(s)));
    }
    p.create_schemas.push(step(
        i,
        format!("create extension {}", q(&e.name)),
        sql,
        Some(format!("DROP EXTENSION {}", q(&e.name))),
        e.span.clone(),
    ));
}

/// Before the schemas are dropped: an extension's objects may live in one.
pub(super) fn drop_extension(i: usize, e: &Extension, p: &mut Phases) {
    p.drop_schemas.insert(
        0,
        destructive(step(
            i,
            format!("drop extension {}", q(&e.name)),
            format!("DROP EXTENSION {}", q(&e.name)),
            None,
            None,
        )),
    )
}
