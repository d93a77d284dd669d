//! A plan tried before anyone trusts it: a clean dev database is built in the
//! from-state, the plan's SQL (as reviewed, edits included) runs there the way
//! `schema apply` would run it, and the result is inspected and compared with
//! the desired state. A plan that fails, or that does not reach the desired
//! state, is rejected with what still differs.

use super::fingerprint::fingerprint;
use crate::diag::{Error, Result};
use crate::dialect::Dialect;
use crate::diff::DiffOptions;
use crate::driver::{self, Driver, Scope};
use crate::model::Realm;

/// What the simulation found.
#[derive(Clone, Debug)]
pub struct Simulation {
    /// The fingerprint of the state the plan left the dev database in.
    pub reached: String,
    /// What the planner would still do to get from there to the desired
    /// state (its steps' comments); empty when the plan reaches it.
    pub missing: Vec<String>,
}

impl Simulation {
    pub fn reaches_target(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Runs `sql` on a dev database (`dev_url`, else the dialect's embedded one)
/// rebuilt in the `from` state and compares the result with `desired`.
pub fn simulate(
    from: &Realm,
    sql: &str,
    desired: &Realm,
    dialect: Dialect,
    dev_url: Option<&str>,
    scope: &Scope,
) -> Result<Simulation> {
    let dev_url = dev_url.map(crate::workspace::parse_db).transpose()?;
    let mut dev = driver::open_dev(dev_url.as_ref(), dialect)?;
    build(dev.as_mut(), from, dialect)?;
    let plan = super::plan_from_sql(sql, dialect)?;
    dev.apply(&plan, &mut |_| {}).map_err(|e| {
        let first = e.sql.lines().next().unwrap_or("");
        Error::Usage(format!(
            "the plan fails on the dev database at statement {} (`{first}`): {}; nothing was written",
            e.index + 1,
            e.message
        ))
    })?;
    let reached = dev.inspect(scope)?;
    let reached_fp = fingerprint(&reached, dialect);
    if reached_fp == fingerprint(desired, dialect) {
        return Ok(Simulation {
            reached: reached_fp,
            missing: Vec::new(),
        });
    }
    let rest = crate::plan::plan(&reached, desired, dialect, &DiffOptions::default())?;
    let mut missing: Vec<String> = rest.steps.iter().map(|s| s.comment.clone()).collect();
    if missing.is_empty() {
        // The fingerprint sees a difference the planner would not act on: a
        // mismatch all the same, never a silent pass.
        missing.push("the states differ in details the planner does not change".into());
    }
    Ok(Simulation {
        reached: reached_fp,
        missing,
    })
}

/// Creates `realm` on the (clean) dev database with the planner's own
/// statements, in one transaction.
fn build(dev: &mut dyn Driver, realm: &Realm, dialect: Dialect) -> Result<()> {
    let steps = crate::plan::create_plan(realm, dialect)?.steps;
    if steps.is_empty() {
        return Ok(());
    }
    let mut batch = String::from("BEGIN;\n");
    for s in &steps {
        batch.push_str(&s.sql);
        batch.push_str(";\n");
    }
    batch.push_str("COMMIT;");
    dev.execute(&batch).map_err(|e| {
        let _ = dev.execute("ROLLBACK");
        Error::Database(format!(
            "cannot rebuild the from-state on the dev database: {e}"
        ))
    })
}
