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
//! target ─ open ─ lock (apply only) ─ inspect ───┴─ plan ─ lint ─ pre-check rows ─ gate ─ reviewed plan?
//!                                                                                           │
//!                                          apply(session, approval) ◄───────────────────────┘
//! ```
//!
//! The last stage looks for a reviewed plan (`strata schema plan`): when the
//! plans directory holds an approved plan for exactly this transition (the
//! live state's fingerprint to the desired state's), it replaces the computed
//! plan and runs verbatim; a pending plan, or one edited after approval, is a
//! refusal. So the CLI and the language server honour the same reviews.

use crate::diag::{Error, Result};
use crate::diff::DiffOptions;
use crate::driver::{self, ApplyError, Driver, Scope, StepEvent};
use crate::lint::Finding;
use crate::plan::Plan;
use crate::review::store::{self, Lookup, Stored};
use crate::url::{redact, DbKind, DbUrl};
use crate::workspace::{self, Planned, State};
use std::fmt;
use std::path::PathBuf;
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
    /// `lint { destructive { error = true } }` (also in `lint.levels`).
    pub destructive_error: bool,
    /// Analyzer levels, the naming rule and the review policy.
    pub lint: crate::lint::Config,
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
    /// The directory of reviewed plans to honour (`plan { dir }` in the env);
    /// `None` always computes the plan (`schema plan` itself, `schema clean`).
    pub plans: Option<PathBuf>,
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

/// Why a computed plan must not run, whoever approves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A row pre-check found rows that make a statement certain to fail.
    RowsWouldFail,
    /// The newest reviewed plan for this transition (the file named) is not
    /// approved yet.
    ReviewPending(String),
    /// The reviewed plan for this transition (the file named) was edited
    /// after it was approved.
    ReviewEdited(String),
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
            Refusal::ReviewPending(file) => {
                return write!(
                    f,
                    "the reviewed plan {file} for this change is still pending: approve it with `strata schema plan approve {file}` (or delete it to let strata compute the plan); nothing was changed"
                )
            }
            Refusal::ReviewEdited(file) => {
                return write!(
                    f,
                    "the reviewed plan {file} was edited after it was approved (its SQL no longer matches the approved hash): review it again and re-approve it with `strata schema plan approve {file}`; nothing was changed"
                )
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
    /// The lint configuration the findings were judged by (levels, review policy).
    pub lint: crate::lint::Config,
    /// The approved plan file that replaced the computed plan, if one did
    /// (`strata schema plan`): an [`Approval::Automatic`] apply of a plan
    /// with error findings runs only when this is set.
    pub reviewed: Option<Stored>,
}

impl Session {
    pub fn plan(&self) -> &Plan {
        &self.planned.plan
    }

    pub fn findings(&self) -> &[Finding] {
        &self.planned.findings
    }

    /// Whether the env's review policy (`lint { review = … }`) wants a person
    /// to approve this plan before it runs.
    pub fn needs_review(&self) -> bool {
        !self.planned.plan.is_empty() && self.lint.review.needs_approval(&self.planned.findings)
    }

    /// The error findings (by the analyzers' levels or their nature) that an
    /// automatic approval cannot accept.
    pub fn errors(&self) -> Vec<&Finding> {
        self.planned
            .findings
            .iter()
            .filter(|f| f.severity == crate::diag::Severity::Error)
            .collect()
    }

    pub fn dialect(&self) -> crate::dialect::Dialect {
        self.target.dialect()
    }

    /// The fingerprints of the live state and of the desired state: the
    /// transition a reviewed plan is pinned to.
    pub fn transition(&self) -> (String, String) {
        let d = self.dialect();
        (
            crate::review::fingerprint(&self.planned.current, d),
            crate::review::fingerprint(&self.planned.desired, d),
        )
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
        plans,
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
        lint: lint_config(&policy),
        reviewed: None,
    };
    let planned = plan_against(
        session.target.as_mut(),
        desired,
        &scope,
        &diff,
        &session.lint.clone(),
        progress,
    )?;
    session.refusal = gate_findings(&planned.findings);
    session.planned = planned;
    if let Some(dir) = plans {
        use_reviewed(&mut session, &dir)?;
    }
    Ok(session)
}

/// The env's lint configuration, with the older `destructive_error` flag
/// folded in for callers that set only that.
fn lint_config(policy: &Policy) -> crate::lint::Config {
    use crate::lint::{Family, Level};
    let mut c = policy.lint.clone();
    if policy.destructive_error && c.level(Family::Destructive).is_none() {
        c.set(Family::Destructive, Level::Error);
    }
    c
}

/// Replaces the computed plan with the approved plan for this exact
/// transition, or refuses when the plan for it is pending or was edited after
/// approval. Nothing changes when no plan was made for the transition.
///
/// An approved plan passes no other gate: it was simulated on a dev database
/// and approved by a person, and the computed plan's findings and row
/// pre-checks describe statements it may not contain (a backfill `UPDATE`
/// is what makes an MF103 safe). It still runs in one transaction.
fn use_reviewed(session: &mut Session, dir: &std::path::Path) -> Result<()> {
    // No plans directory, no reviewed plans: the live plan need not hash.
    if !dir.is_dir() {
        return Ok(());
    }
    let (from, to) = session.transition();
    if from == to {
        return Ok(());
    }
    let label = |s: &Stored| s.path.display().to_string();
    match store::lookup(dir, &from, &to)? {
        Lookup::None => {}
        Lookup::Pending(s) => session.refusal = Some(Refusal::ReviewPending(label(&s))),
        Lookup::EditedAfterApproval(s) => session.refusal = Some(Refusal::ReviewEdited(label(&s))),
        Lookup::Approved(s) => {
            let mut reviewed = crate::review::plan_from_sql(&s.file.sql, session.dialect())?;
            // The same transition, so the same changes: the summary stays true.
            reviewed.changes = std::mem::take(&mut session.planned.plan.changes);
            session.planned.plan = reviewed;
            session.planned.findings = Vec::new();
            session.refusal = None;
            session.reviewed = Some(s);
        }
    }
    Ok(())
}

/// The part of [`plan`] after normalization, on an open (and, for an apply,
/// locked) target: inspect, plan, lint, pre-check the rows.
fn plan_against(
    target: &mut dyn Driver,
    desired: crate::model::Realm,
    scope: &Scope,
    diff: &DiffOptions,
    lint: &crate::lint::Config,
    progress: &mut dyn FnMut(Stage),
) -> Result<Planned> {
    progress(Stage::Inspecting);
    let current = target.inspect(scope)?;
    let mut planned = workspace::planned(current, desired, target.dialect(), diff)?;
    progress(Stage::Prechecking);
    // Lint again with what the target says about itself (server version, row
    // counts of rebuilt tables) and the env's levels.
    let facts = target.dialect().imp()?.lint_facts(target, &planned.plan);
    planned.findings = crate::lint::run(&crate::lint::Context {
        plan: &planned.plan,
        facts: &facts,
        config: lint,
        created: &Default::default(),
    });
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
    plan_against(
        target,
        desired,
        scope,
        diff,
        &crate::lint::Config::default(),
        &mut |_| {},
    )
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

/// The checks every plan passes before it may run, whoever approves it, from
/// its findings alone, so plans computed outside [`plan`] (`migrate down`'s
/// per-version plans) are refused in the same words. Lint errors are not
/// among them: they need a person's review (or a reviewed plan), which
/// [`apply`] checks against the [`Approval`].
pub fn gate_findings(findings: &[Finding]) -> Option<Refusal> {
    if crate::precheck::has_errors(findings) {
        return Some(Refusal::RowsWouldFail);
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
    /// Nobody looked (`--auto-approve` in CI): refused when the plan has
    /// error findings, unless a reviewed plan covers it ([`Session::reviewed`]).
    Automatic,
    /// The env's review policy asks for no approval of this plan (`lint {
    /// review = ERROR }` and no error findings); [`apply`] checks that itself.
    NotRequired,
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
    match approval {
        Approval::Previewed { sql } if sql != session.planned.plan.to_sql() => {
            return Err(ApplyFailure::Refused(
                "the plan changed since it was previewed: nothing was applied; preview it again"
                    .into(),
            ));
        }
        Approval::Automatic if session.reviewed.is_none() => {
            let errors = session.errors();
            if !errors.is_empty() {
                let mut codes: Vec<&str> = errors.iter().map(|f| f.code.as_str()).collect();
                codes.dedup();
                return Err(ApplyFailure::Refused(format!(
                    "the plan has {} lint error(s) ({}) and --auto-approve cannot approve them: nothing was changed. \
                     Review the plan and apply it from a terminal, or have a reviewed plan cover this change",
                    errors.len(),
                    codes.join(", ")
                )));
            }
        }
        Approval::NotRequired if session.needs_review() => {
            return Err(ApplyFailure::Refused(
                "the env's review policy needs this plan approved (lint { review = … }): nothing was changed".into(),
            ));
        }
        _ => {}
    }
    if session.planned.plan.is_empty() {
        return Ok(());
    }
    session.target.apply(&session.planned.plan, on_step)?;
    Ok(())
}
