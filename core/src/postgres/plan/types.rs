//! Enum types: created before the columns that use them. Appended or inserted
//! values use `ALTER TYPE … ADD VALUE`; removing or reordering recreates the
//! type and converts the columns that use it.

use super::comment::comment_on;
use super::render::{default_sql, lit, q, qn};
use super::{step, Phases};
use crate::model::{EnumType, Realm};

pub(super) fn add(i: usize, schema: &str, e: &EnumType, p: &mut Phases) {
    p.types.push(step(
        i,
        format!("create enum type {}", qn(schema, &e.name)),
        create_enum(schema, e),
        Some(format!("DROP TYPE {}", qn(schema, &e.name))),
        e.span.clone(),
    ));
    if let Some(cm) = &e.comment {
        p.comments
            .push(comment_on(i, "TYPE", &qn(schema, &e.name), Some(cm)));
    }
}

pub(super) fn drop(i: usize, schema: &str, e: &EnumType, p: &mut Phases) {
    p.drop_types.push(step(
        i,
        format!("drop enum type {}", qn(schema, &e.name)),
        format!("DROP TYPE {}", qn(schema, &e.name)),
        Some(create_enum(schema, e)),
        None,
    ))
}

fn create_enum(schema: &str, e: &EnumType) -> String {
    let values: Vec<String> = e.values.iter().map(|v| lit(v)).collect();
    format!(
        "CREATE TYPE {} AS ENUM ({})",
        qn(schema, &e.name),
        values.join(", ")
    )
}

pub(super) fn modify(
    i: usize,
    schema: &str,
    from: &EnumType,
    to: &EnumType,
    to_realm: &Realm,
    p: &mut Phases,
) {
    if from.name != to.name {
        p.types.push(step(
            i,
            format!("rename type {} to {}", qn(schema, &from.name), q(&to.name)),
            format!(
                "ALTER TYPE {} RENAME TO {}",
                qn(schema, &from.name),
                q(&to.name)
            ),
            None,
            to.span.clone(),
        ));
    }
    let kept_in_order = {
        let mut it = to.values.iter();
        from.values.iter().all(|v| it.any(|x| x == v))
    };
    if kept_in_order {
        add_values(i, schema, from, to, p);
    } else {
        recreate(i, schema, to, to_realm, p);
    }
    if from.comment != to.comment {
        let name = qn(schema, &to.name);
        p.comments
            .push(comment_on(i, "TYPE", &name, to.comment.as_deref()));
    }
}

/// `ADD VALUE` for each new value, `AFTER` its predecessor (or `BEFORE` the
/// first kept value when it leads).
fn add_values(i: usize, schema: &str, from: &EnumType, to: &EnumType, p: &mut Phases) {
    let name = qn(schema, &to.name);
    for (k, v) in to.values.iter().enumerate() {
        if from.values.contains(v) {
            continue;
        }
        // Values are added in order, so the one just before already exists.
        let place = match to.values[..k].last() {
            Some(prev) => format!(" AFTER {}", lit(prev)),
            None => match to.values[k + 1..].iter().find(|x| from.values.contains(x)) {
                Some(next) => format!(" BEFORE {}", lit(next)),
                None => String::new(),
            },
        };
        p.types.push(step(
            i,
            format!("add value {} to {name}", lit(v)),
            format!("ALTER TYPE {name} ADD VALUE {}{place}", lit(v)),
            None,
            to.span.clone(),
        ));
    }
}

/// Rename the old type away, create the new one, convert every column that
/// uses it through text (there are no enum-to-enum casts), drop the old one.
fn recreate(i: usize, schema: &str, to: &EnumType, to_realm: &Realm, p: &mut Phases) {
    let name = qn(schema, &to.name);
    let old = format!("{}_strata_old", to.name);
    p.types.push(step(
        i,
        format!("recreate type {name}: rename the old one"),
        format!("ALTER TYPE {name} RENAME TO {}", q(&old)),
        None,
        None,
    ));
    p.types.push(step(
        i,
        format!("recreate type {name}: create it"),
        create_enum(schema, to),
        None,
        to.span.clone(),
    ));
    convert_columns(i, schema, to, to_realm, p);
    p.drop_types.push(step(
        i,
        format!("recreate type {name}: drop the old one"),
        format!("DROP TYPE {}", qn(schema, &old)),
        None,
        None,
    ));
}

/// Each column of the recreated type: its default goes (it names the old
/// type), the column converts, the default comes back.
fn convert_columns(i: usize, schema: &str, to: &EnumType, to_realm: &Realm, p: &mut Phases) {
    let name = qn(schema, &to.name);
    for s in &to_realm.schemas {
        for t in &s.tables {
            let table = qn(&s.name, &t.name);
            for c in t
                .columns
                .iter()
                .filter(|c| names_type(&c.ty, schema, &to.name))
            {
                let col = q(&c.name);
                if c.default.is_some() {
                    p.types.push(step(
                        i,
                        format!("recreate type {name}: drop default of {col}"),
                        format!("ALTER TABLE {table} ALTER COLUMN {col} DROP DEFAULT"),
                        None,
                        None,
                    ));
                }
                p.types.push(step(
                    i,
                    format!("recreate type {name}: convert {table}.{col}"),
                    format!("ALTER TABLE {table} ALTER COLUMN {col} TYPE {name} USING {col}::text::{name}"),
                    None,
                    c.span.clone(),
                ));
                if let Some(d) = &c.default {
                    p.types.push(step(
                        i,
                        format!("recreate type {name}: restore default of {col}"),
                        format!(
                            "ALTER TABLE {table} ALTER COLUMN {col} SET DEFAULT {}",
                            default_sql(d)
                        ),
                        None,
                        None,
                    ));
                }
            }
        }
    }
}

/// Whether a column type (or an array of it) names the user type
/// `schema.name`, in any of the spellings a schema may use.
pub(super) fn names_type(ty: &str, schema: &str, name: &str) -> bool {
    let ty = ty.trim_end_matches("[]");
    ty == name || ty == format!("{schema}.{name}") || ty == qn(schema, name) || ty == q(name)
}
