//! The one pipeline every front end plans and applies through.
//!
//! `strata schema apply` (and `--dry-run`), the language server's live plan,
//! its preview and its apply all call [`plan`] and then [`apply`], so they
//! cannot disagree about safety: the same scope defaulting, the same apply
//! lock held from inspection to commit, the same row pre-checks, the same lint
//! policy, the same refusal messages. A front end only decides how to ask for
//! approval and how to print.
//!
//! ```text
//! desired state ─ normalize on the dev database ─┐
//! target ─ open ─ lock (apply only) ─ inspect ───┴─ plan ─ lint ─ pre-check rows ─ gate
//!                                                                       │
//!                             apply(session, approval) ◄────────────────┘
//! ```

use crate::diag::{Error, Result};
use crate::diff::DiffOptions;
use crate::driver::{self, ApplyError, Driver, Scope, StepEvent};
use crate::lint::Finding;
use crate::plan::Plan;
use crate::url::{redact, DbKind, DbUrl};
use crate::workspace::{self, Planned, State};
use std::fmt;
use std::time::Duration;

/// What the plan is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent {
    /// Show the plan only: nothing is created (a missing SQLite file reads as
    /// empty) and no lock is taken.
    Preview,
    /// Plan in order to apply: a missing SQLite file is created and the apply
    /// lock is held from inspection until the session ends.
    Apply,
}

/// The project's lint policy (`lint { … }` in the env).
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// `lint { destructive { error = true } }`: plans that destroy data are refused.
    pub destructive_error: bool,
}

/// Everything a plan needs, resolved by the front end from flags or an env.
pub struct PlanRequest {
    /// The target database URL.
    pub target: String,
    /// The desired state.
    pub desired: DesiredSource,
    /// The dev database URL that normalizes schema files.
    pub dev: Option<String>,
    pub scope: Scope,
    pub diff: DiffOptions,
    pub policy: Policy,
    pub intent: Intent,
    /// How long to wait for another apply's lock (apply intent only).
    pub lock_timeout: Duration,
}

/// Where the desired state comes from.
pub enum DesiredSource {
    /// Schema files (already read and checked) or another database.
    State(State),
    /// A realm in hand: `schema clean` wants an empty one.
    Realm(crate::model::Realm),
}

/// Where the pipeline is, for front ends that show progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Normalizing,
    Locking,
    Inspecting,
    Prechecking,
}

/// Why a computed plan must not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A row pre-check found rows that make a statement certain to fail.
    RowsWouldFail,
    /// The env's lint policy forbids destructive changes and the plan has some.
    DestructiveForbidden,
    /// Going back by intent, the database is not what its latest applied
    /// migration left: `drift` is the DDL that reproduces the difference.
    Drifted { version: String, drift: Vec<String> },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Refusal::Drifted { version, drift } = self {
            write!(
                f,
                "the database drifted from what version {version} left (changed outside migrations):"
            )?;
            for d in drift {
                write!(f, "\n  {d};")?;
            }
            return f.write_str(
                "\nnothing was changed. Undo that change (or capture it in a migration) first, or pass --allow-drift to revert it along with the versions",
            );
        }
        f.write_str(match self {
            Refusal::RowsWouldFail => {
                "the plan would fail on rows already in the database, or lose data in them (see the errors above); nothing was changed"
            }
            Refusal::DestructiveForbidden => {
                "the plan destroys data and the env's lint policy (destructive { error = true }) forbids it; nothing was changed"
            }
            Refusal::Drifted { .. } => unreachable!("written above"),
        })
    }
}

/// A computed plan with the target it was computed against. With
/// [`Intent::Apply`] the target's apply lock is held until the session drops.
pub struct Session {
    target: Box<dyn Driver>,
    pub planned: Planned,
    /// Set when the plan must not run; [`apply`] refuses then.
    pub refusal: Option<Refusal>,
    intent: Intent,
    /// The target URL, redacted, for messages.
    pub target_label: String,
}

impl Session {
    pub fn plan(&self) -> &Plan {
        &self.planned.plan
    }

    pub fn findings(&self) -> &[Finding] {
        &self.planned.findings
    }

    pub fn dialect(&self) -> crate::dialect::Dialect {
        self.target.dialect()
    }

    /// The plan and what it was computed from; ends the session (and its lock).
    pub fn into_planned(mut self) -> Planned {
        let empty = empty_planned(self.target.dialect());
        std::mem::replace(&mut self.planned, empty)
    }
}

fn empty_planned(dialect: crate::dialect::Dialect) -> Planned {
    Planned {
        current: Default::default(),
        desired: Default::default(),
        plan: Plan::empty(dialect),
        findings: Vec::new(),
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.intent == Intent::Apply {
            self.target.unlock();
        }
    }
}

/// Plans `req`: normalizes the desired state, opens (and for an apply, locks)
/// the target, inspects it, plans, lints, pre-checks the target's rows and
/// decides whether the plan may run.
pub fn plan(req: PlanRequest, progress: &mut dyn FnMut(Stage)) -> Result<Session> {
    let PlanRequest {
        target: target_raw,
        desired: desired_source,
        dev,
        mut scope,
        diff,
        policy,
        intent,
        lock_timeout,
    } = req;
    let target_url = workspace::parse_db(&target_raw)?;
    if scope.schemas.is_empty() {
        scope.schemas = driver::url_schemas(&target_url);
    }
    // The desired state first: its errors must stop us before the target is
    // opened for writing (or a SQLite file created).
    progress(Stage::Normalizing);
    let desired = match desired_source {
        DesiredSource::State(mut state) => {
            workspace::realize(&mut state, None, dev.as_deref(), &scope)?
        }
        DesiredSource::Realm(realm) => realm,
    };
    let mut target = open_target(&target_url, intent)?;
    if intent == Intent::Apply {
        progress(Stage::Locking);
        target.lock(lock_timeout).map_err(Error::Database)?;
    }
    let mut session = Session {
        planned: empty_planned(target.dialect()),
        target,
        refusal: None,
        intent,
        target_label: redact(&target_raw),
    };
    let planned = plan_against(session.target.as_mut(), desired, &scope, &diff, progress)?;
    session.refusal = gate(&planned, &policy);
    session.planned = planned;
    Ok(session)
}

/// The part of [`plan`] after normalization, on an open (and, for an apply,
/// locked) target: inspect, plan, lint, pre-check the rows.
fn plan_against(
    target: &mut dyn Driver,
    desired: crate::model::Realm,
    scope: &Scope,
    diff: &DiffOptions,
    progress: &mut dyn FnMut(Stage),
) -> Result<Planned> {
    progress(Stage::Inspecting);
    let current = target.inspect(scope)?;
    let mut planned = workspace::planned(current, desired, target.dialect(), diff)?;
    progress(Stage::Prechecking);
    crate::precheck::check_rows(target, &planned.plan, &mut planned.findings);
    Ok(planned)
}

/// The pipeline on drivers the caller already holds (the conformance runners
/// keep one dev database for thousands of cases): normalize `desired` on
/// `dev`, then plan against `target` as [`plan`] does. No lock, no gate.
pub fn plan_on(
    target: &mut dyn Driver,
    desired: &workspace::Desired,
    dev: &mut dyn Driver,
    scope: &Scope,
    diff: &DiffOptions,
) -> Result<Planned> {
    let desired = workspace::normalize(desired, dev, scope)?;
    plan_against(target, desired, scope, diff, &mut |_| {})
}

/// The target as the intent needs it: a preview never creates a SQLite file
/// (a missing one reads as an empty database).
fn open_target(url: &DbUrl, intent: Intent) -> Result<Box<dyn Driver>> {
    let missing_file = matches!(&url.kind, DbKind::SqliteFile(p) if !p.exists());
    if intent == Intent::Preview && missing_file {
        return driver::open_dev(None, url.dialect);
    }
    driver::open(url, intent == Intent::Apply)
}

/// The checks every plan passes before it may run, in order of certainty.
fn gate(planned: &Planned, policy: &Policy) -> Option<Refusal> {
    gate_findings(&planned.findings, policy)
}

/// The gate on a plan's findings alone, for plans computed outside [`plan`]
/// (`migrate down`'s per-version plans): the same refusals in the same words.
pub fn gate_findings(findings: &[Finding], policy: &Policy) -> Option<Refusal> {
    if crate::precheck::has_errors(findings) {
        return Some(Refusal::RowsWouldFail);
    }
    if policy.destructive_error && findings.iter().any(Finding::is_destructive) {
        return Some(Refusal::DestructiveForbidden);
    }
    None
}

/// The lock `migrate` commands hold for a whole run: the run lock [`plan`]
/// takes for an apply (see [`Driver::lock_run`]), so `schema apply`, the
/// editor's apply and `migrate apply|down|set` on one database wait for
/// each other. Released by `target.unlock()`.
pub fn lock_for_migrations(target: &mut dyn Driver, timeout: Duration) -> Result<()> {
    target.lock_run(timeout).map_err(Error::Database)
}

/// How the plan was approved.
#[derive(Clone, Copy, Debug)]
pub enum Approval<'a> {
    /// A person confirmed this session's plan as printed (a terminal prompt or
    /// `--auto-approve` after the plan was shown).
    Confirmed,
    /// An editor previewed a plan earlier; it runs only if this session's plan
    /// is exactly that one (`Plan::to_sql`).
    Previewed { sql: &'a str },
}

/// Why [`apply`] did not run the plan, or how it failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyFailure {
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Failed(#[from] ApplyError),
}

/// Runs the session's plan after checking the gate and the approval.
pub fn apply(
    session: &mut Session,
    approval: Approval,
    on_step: &mut dyn FnMut(StepEvent),
) -> std::result::Result<(), ApplyFailure> {
    if session.intent != Intent::Apply {
        return Err(ApplyFailure::Refused(
            "this plan was computed for a preview; plan again to apply it".into(),
        ));
    }
    if let Some(r) = &session.refusal {
        return Err(ApplyFailure::Refused(r.to_string()));
    }
    if let Approval::Previewed { sql } = approval {
        if sql != session.planned.plan.to_sql() {
            return Err(ApplyFailure::Refused(
                "the plan changed since it was previewed: nothing was applied; preview it again"
                    .into(),
            ));
        }
    }
    if session.planned.plan.is_empty() {
        return Ok(());
    }
    session.target.apply(&session.planned.plan, on_step)?;
    Ok(())
}
