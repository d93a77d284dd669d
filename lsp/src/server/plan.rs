//! The live plan, preview and apply: the project env resolved by core's env
//! layer, the editor's unsaved buffers in place of the files on disk, and
//! core's one pipeline ([`pipeline::plan`] / [`pipeline::apply`]), so the
//! editor plans, refuses and applies exactly as `strata schema apply` does:
//! the same lock, row pre-checks and lint policy. This is the server layer:
//! it reads files and opens databases; `analysis/` does neither.

use crate::analysis::plan::normalize_path;
use crate::analysis::{Analysis, FileId};
use std::time::Duration;
use strata_core::env::ResolvedEnv;
use strata_core::pipeline::{self, Approval, DesiredSource, Intent, PlanRequest, Session};
use strata_core::url;
use strata_core::workspace::{self, Desired, State};
use strata_core::{Error, SourceFile};

/// An env as the CLI's `--env` resolves it (core's [`ResolvedEnv`]).
pub type EnvInfo = ResolvedEnv;

/// The env's schema files, each with the editor's text when the workspace
/// has the file, else the text on disk.
pub fn desired_files(a: &Analysis, env: &EnvInfo) -> Result<Vec<SourceFile>, Error> {
    let mut out = Vec::new();
    for p in env.src_paths()? {
        let name = p.to_string_lossy().to_string();
        let norm = normalize_path(&p).to_string_lossy().to_string();
        let text = match a
            .file_id(&name)
            .or_else(|| a.file_id(&norm))
            .and_then(|id| a.file(id))
        {
            Some(f) => f.text.to_string(),
            None => std::fs::read_to_string(&p)
                .map_err(|e| Error::Io(format!("cannot read {}: {e}", p.display())))?,
        };
        out.push(SourceFile::new(name, text));
    }
    Ok(out)
}

/// The files of the workspace that belong to the env's sources.
pub fn src_file_ids(a: &Analysis, env: &EnvInfo) -> Vec<FileId> {
    let Ok(paths) = env.src_paths() else {
        return Vec::new();
    };
    paths
        .iter()
        .filter_map(|p| {
            a.file_id(&p.to_string_lossy())
                .or_else(|| a.file_id(&normalize_path(p).to_string_lossy()))
        })
        .collect()
}

/// How long an editor's apply waits for another apply's lock: an editor
/// command should answer, not hang.
const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// The request `strata schema apply --env NAME` would make, with the editor's
/// buffers as the schema files.
fn request(a: &Analysis, env: &EnvInfo, intent: Intent) -> Result<PlanRequest, Error> {
    let url = env
        .target_url()
        .ok_or_else(|| Error::Usage(format!("env \"{}\" has no `url`", env.name())))?;
    let target_url = workspace::parse_db(&url)?;
    let desired = Desired::read(desired_files(a, env)?, target_url.dialect);
    if desired.has_errors() {
        return Err(Error::Diagnostics(desired.diagnostics.clone()));
    }
    Ok(PlanRequest {
        target: url,
        desired: DesiredSource::State(State::Files(Box::new(desired))),
        dev: env.dev_url(),
        scope: env.scope(),
        diff: env.diff_options(),
        policy: env.policy(),
        intent,
        lock_timeout: LOCK_TIMEOUT,
        plans: Some(env.plans_dir()),
    })
}

/// The plan `strata schema apply --env NAME --dry-run` prints. A SQLite target
/// file that does not exist yet counts as an empty database and is not created.
pub fn compute(a: &Analysis, env: &EnvInfo) -> Result<Session, Error> {
    pipeline::plan(request(a, env, Intent::Preview)?, &mut |_| {})
}

/// Applies the plan the user previewed, and nothing else: `expected_sql` is the
/// previewed plan's SQL and is required. The pipeline re-plans under the apply
/// lock, refuses when the plan differs from the preview or when the row
/// pre-checks find rows it would fail on. The person who previewed the plan
/// saw its lint findings: that is the review an error finding needs.
pub fn apply(
    a: &Analysis,
    env: &EnvInfo,
    expected_sql: Option<&str>,
) -> Result<serde_json::Value, Error> {
    let Some(expected) = expected_sql else {
        return Err(Error::Usage(
            "strata.applyPlan applies only a previewed plan: pass the preview's `sql` as `expectedSql` (run strata.previewPlan first); nothing was applied".into(),
        ));
    };
    let mut session = pipeline::plan(request(a, env, Intent::Apply)?, &mut |_| {})?;
    let sql = session.plan().to_sql();
    pipeline::apply(
        &mut session,
        Approval::Previewed { sql: expected },
        &mut |_| {},
    )
    .map_err(|e| match e {
        pipeline::ApplyFailure::Refused(m) => Error::Usage(m),
        pipeline::ApplyFailure::Failed(e) => Error::Database(e.to_string()),
    })?;
    Ok(serde_json::json!({
        "applied": session.plan().steps.len(),
        "sql": sql,
        "summary": session.plan().summary(),
    }))
}

/// What `strata.previewPlan` returns.
pub fn preview_json(env: &EnvInfo, s: &Session) -> serde_json::Value {
    let p = s.plan();
    serde_json::json!({
        "env": env.name(),
        "url": env.target_url().as_deref().map(url::redact),
        "sql": p.to_sql(),
        "summary": p.summary(),
        "summaryText": p.summary().to_string(),
        "lint": s.findings(),
        "refusal": s.refusal.as_ref().map(ToString::to_string),
        "steps": p.steps.len(),
        "destructive": p.steps.iter().filter(|s| s.destructive).count(),
        "inSync": p.is_empty(),
    })
}
