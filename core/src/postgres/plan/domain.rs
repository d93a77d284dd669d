//! Domains: created after routines (a domain's check may call one). Defaults,
//! NOT NULL and checks change in place; a new base type or collation
//! recreates the domain and converts the columns that use it.

use super::comment::comment_on;
use super::render::{check_sql, default_sql, q, qn};
use super::types::names_type;
use super::{step, Phases};
use crate::model::{Check, Domain, Realm};

pub(super) fn add(i: usize, schema: &str, domain: &Domain, p: &mut Phases) {
    p.domains.push(step(
        i,
        format!("create domain {}", qn(schema, &domain.name)),
        create_domain(schema, domain),
        Some(format!("DROP DOMAIN {}", qn(schema, &domain.name))),
        domain.span.clone(),
    ));
    if let Some(cm) = &domain.comment {
        p.comments
            .push(comment_on(i, "DOMAIN", &qn(schema, &domain.name), Some(cm)));
    }
}

pub(super) fn drop(i: usize, schema: &str, domain: &Domain, p: &mut Phases) {
    p.drop_types.push(step(
        i,
        format!("drop domain {}", qn(schema, &domain.name)),
        format!("DROP DOMAIN {}", qn(schema, &domain.name)),
        Some(create_domain(schema, domain)),
        None,
    ))
}

fn create_domain(schema: &str, d: &Domain) -> String {
    let mut s = format!("CREATE DOMAIN {} AS {}", qn(schema, &d.name), d.ty);
    if let Some(c) = &d.collation {
        s.push_str(&format!(" COLLATE {}", q(c)));
    }
    if let Some(def) = &d.default {
        s.push_str(&format!(" DEFAULT {}", default_sql(def)));
    }
    if !d.nullable {
        s.push_str(" NOT NULL");
    }
    for c in &d.checks {
        s.push_str(&format!(" {}", check_sql(c)));
    }
    s
}

pub(super) fn modify(
    i: usize,
    schema: &str,
    from: &Domain,
    to: &Domain,
    to_realm: &Realm,
    p: &mut Phases,
) {
    if !crate::diff::type_eq(&from.ty, &to.ty) || from.collation != to.collation {
        recreate(i, schema, to, to_realm, p);
        return;
    }
    alter_in_place(i, schema, from, to, p);
    if from.comment != to.comment {
        let name = qn(schema, &to.name);
        p.comments
            .push(comment_on(i, "DOMAIN", &name, to.comment.as_deref()));
    }
}

/// Rename the old domain away, create the new one, convert the columns that
/// use it through the new base type, drop the old one.
fn recreate(i: usize, schema: &str, to: &Domain, to_realm: &Realm, p: &mut Phases) {
    let name = qn(schema, &to.name);
    let old = format!("{}_strata_old", to.name);
    let mut alter =
        |comment: String, sql: String| p.types.push(step(i, comment, sql, None, to.span.clone()));
    alter(
        format!("recreate domain {name}: rename the old one"),
        format!("ALTER DOMAIN {name} RENAME TO {}", q(&old)),
    );
    alter(
        format!("recreate domain {name}: create it"),
        create_domain(schema, to),
    );
    for s in &to_realm.schemas {
        for t in &s.tables {
            let table = qn(&s.name, &t.name);
            for c in t
                .columns
                .iter()
                .filter(|c| names_type(&c.ty, schema, &to.name))
            {
                let col = q(&c.name);
                alter(
                    format!("recreate domain {name}: convert {table}.{col}"),
                    format!(
                        "ALTER TABLE {table} ALTER COLUMN {col} TYPE {name} USING {col}::{}::{name}",
                        to.ty
                    ),
                );
            }
        }
    }
    p.drop_types.push(step(
        i,
        format!("recreate domain {name}: drop the old one"),
        format!("DROP DOMAIN {}", qn(schema, &old)),
        None,
        None,
    ));
}

/// `ALTER DOMAIN` for a changed default, nullability and checks (a changed
/// check is dropped by name and added again).
fn alter_in_place(i: usize, schema: &str, from: &Domain, to: &Domain, p: &mut Phases) {
    let name = qn(schema, &to.name);
    let mut alter =
        |comment: String, sql: String| p.types.push(step(i, comment, sql, None, to.span.clone()));
    if from.default != to.default {
        match &to.default {
            Some(d) => alter(
                format!("set default of domain {name}"),
                format!("ALTER DOMAIN {name} SET DEFAULT {}", default_sql(d)),
            ),
            None => alter(
                format!("drop default of domain {name}"),
                format!("ALTER DOMAIN {name} DROP DEFAULT"),
            ),
        }
    }
    if from.nullable != to.nullable {
        let what = if to.nullable {
            "DROP NOT NULL"
        } else {
            "SET NOT NULL"
        };
        alter(
            format!("change nullability of domain {name}"),
            format!("ALTER DOMAIN {name} {what}"),
        );
    }
    let same = |a: &Check, b: &Check| {
        a.name == b.name
            && crate::sql::lex::normalize(&a.expr) == crate::sql::lex::normalize(&b.expr)
    };
    for c in from
        .checks
        .iter()
        .filter(|c| !to.checks.iter().any(|x| same(c, x)))
    {
        if let Some(n) = &c.name {
            alter(
                format!("drop check {} of domain {name}", q(n)),
                format!("ALTER DOMAIN {name} DROP CONSTRAINT {}", q(n)),
            );
        }
    }
    for c in to
        .checks
        .iter()
        .filter(|c| !from.checks.iter().any(|x| same(c, x)))
    {
        alter(
            format!("add check to domain {name}"),
            format!("ALTER DOMAIN {name} ADD {}", check_sql(c)),
        );
    }
}
