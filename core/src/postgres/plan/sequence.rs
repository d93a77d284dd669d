//! Sequences, and the options of identity columns (which are sequences too):
//! created with the types, `OWNED BY` once the owning column exists, options
//! changed in place by `ALTER SEQUENCE`.

use super::comment::comment_on;
use super::render::{q, qn};
use super::{destructive, step, Phases};
use crate::model::{AttrValue, Column, Sequence, SequenceOptions};
use crate::plan::Step;

pub(super) fn add(i: usize, schema: &str, sequence: &Sequence, p: &mut Phases) {
    let name = qn(schema, &sequence.name);
    p.types.push(step(
        i,
        format!("create sequence {name}"),
        create_sequence(schema, sequence),
        Some(format!("DROP SEQUENCE {name}")),
        sequence.span.clone(),
    ));
    if let Some(owner) = &sequence.owned_by {
        p.create_indexes
            .push(owned_by(i, schema, &sequence.name, Some(owner)));
    }
    if let Some(cm) = &sequence.comment {
        p.comments.push(comment_on(i, "SEQUENCE", &name, Some(cm)));
    }
}

pub(super) fn drop(i: usize, schema: &str, sequence: &Sequence, p: &mut Phases) {
    // A sequence OWNED BY a column goes with its table or column.
    let exists = if sequence.owned_by.is_some() {
        "IF EXISTS "
    } else {
        ""
    };
    p.drop_types.push(destructive(step(
        i,
        format!("drop sequence {}", qn(schema, &sequence.name)),
        format!("DROP SEQUENCE {exists}{}", qn(schema, &sequence.name)),
        Some(create_sequence(schema, sequence)),
        None,
    )))
}

pub(super) fn modify(i: usize, schema: &str, from: &Sequence, to: &Sequence, p: &mut Phases) {
    let name = qn(schema, &to.name);
    let changed = sequence_changes(&from.options, &to.options);
    if !changed.is_empty() {
        p.types.push(step(
            i,
            format!("alter sequence {name}"),
            format!("ALTER SEQUENCE {name} {}", changed.join(" ")),
            Some(format!(
                "ALTER SEQUENCE {name} {}",
                sequence_changes(&to.options, &from.options).join(" ")
            )),
            to.span.clone(),
        ));
    }
    if from.owned_by != to.owned_by {
        p.create_indexes
            .push(owned_by(i, schema, &to.name, to.owned_by.as_ref()));
    }
    if from.comment != to.comment {
        p.comments
            .push(comment_on(i, "SEQUENCE", &name, to.comment.as_deref()));
    }
}

fn create_sequence(schema: &str, seq: &Sequence) -> String {
    let mut sql = format!("CREATE SEQUENCE {}", qn(schema, &seq.name));
    if seq.options.ty != "bigint" {
        sql.push_str(&format!(" AS {}", seq.options.ty));
    }
    for c in seq.options.clauses(false) {
        sql.push(' ');
        sql.push_str(&c);
    }
    sql
}

fn owned_by(i: usize, schema: &str, seq: &str, owner: Option<&(String, String)>) -> Step {
    let target = match owner {
        Some((t, c)) => format!("{}.{}", qn(schema, t), q(c)),
        None => "NONE".into(),
    };
    step(
        i,
        format!("sequence {} owned by {target}", qn(schema, seq)),
        format!("ALTER SEQUENCE {} OWNED BY {target}", qn(schema, seq)),
        None,
        None,
    )
}

/// The `ALTER SEQUENCE` (or identity `SET`) clauses that take `a` to `b`.
pub(super) fn sequence_changes(a: &SequenceOptions, b: &SequenceOptions) -> Vec<String> {
    let mut out = Vec::new();
    if a.ty != b.ty {
        out.push(format!("AS {}", b.ty));
    }
    if a.increment != b.increment {
        out.push(format!("INCREMENT BY {}", b.increment));
    }
    // A new type moves the default bounds: say them whenever the type changes.
    if a.min != b.min || a.ty != b.ty {
        out.push(format!("MINVALUE {}", b.min));
    }
    if a.max != b.max || a.ty != b.ty {
        out.push(format!("MAXVALUE {}", b.max));
    }
    if a.start != b.start {
        out.push(format!("START WITH {}", b.start));
    }
    if a.cache != b.cache {
        out.push(format!("CACHE {}", b.cache));
    }
    if a.cycle != b.cycle {
        out.push(if b.cycle { "CYCLE" } else { "NO CYCLE" }.into());
    }
    out
}

/// The options of an identity column's sequence, from the column's attributes
/// (`identity_start`, … as the inspector records the ones off their defaults).
pub fn identity_options(c: &Column) -> SequenceOptions {
    let int = |k: &str| match c.attrs.0.get(k) {
        Some(AttrValue::Int(v)) => Some(*v),
        _ => None,
    };
    let mut o = SequenceOptions::defaults(&c.ty, int("identity_increment").unwrap_or(1));
    for k in ["start", "min_value", "max_value", "cache", "cycle"] {
        if let Some(v) = int(&format!("identity_{k}")) {
            o.set(k, v);
        }
    }
    o
}
