//! Row level security policies: created with the indexes (after the table and
//! the columns they read), dropped early with the foreign keys.

use super::render::q;
use super::step;
use crate::model::Policy;
use crate::plan::Step;

/// `t` is the quoted table.
pub(super) fn create(i: usize, t: &str, pol: &Policy) -> Step {
    let mut sql = format!("CREATE POLICY {} ON {t}", q(&pol.name));
    if !pol.permissive {
        sql.push_str(" AS RESTRICTIVE");
    }
    if pol.command != "ALL" {
        sql.push_str(&format!(" FOR {}", pol.command));
    }
    if !pol.roles.is_empty() {
        let roles: Vec<String> = pol.roles.iter().map(|r| role(r)).collect();
        sql.push_str(&format!(" TO {}", roles.join(", ")));
    }
    if let Some(u) = &pol.using {
        sql.push_str(&format!(" USING ({u})"));
    }
    if let Some(c) = &pol.check {
        sql.push_str(&format!(" WITH CHECK ({c})"));
    }
    step(
        i,
        format!("create policy {} on {t}", q(&pol.name)),
        sql,
        Some(format!("DROP POLICY {} ON {t}", q(&pol.name))),
        pol.span.clone(),
    )
}

/// A role as the `TO` list writes it: the pseudo-roles bare, names quoted.
fn role(r: &str) -> String {
    if r == "PUBLIC" || r == "CURRENT_USER" {
        r.to_string()
    } else {
        q(r)
    }
}

pub(super) fn drop(i: usize, t: &str, pol: &Policy) -> Step {
    step(
        i,
        format!("drop policy {} on {t}", q(&pol.name)),
        format!("DROP POLICY {} ON {t}", q(&pol.name)),
        None,
        None,
    )
}
