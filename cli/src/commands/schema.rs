//! The `strata schema …` commands: inspect, diff, apply, fmt, clean. Plans
//! are made and applied through core's pipeline; this file only resolves
//! flags and envs, asks, and prints.

use crate::args::*;
use crate::env::{self, Resolved, SchemaVars};
use crate::output::{self, print_plan, CliError, BOLD, DIM, GREEN, RED};
use crate::report;
use anstream::{eprintln, println};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use strata_core::diag::Files;
use strata_core::dialect::Dialect;
use strata_core::diff::DiffOptions;
use strata_core::driver::{Scope, StepEvent};
use strata_core::pipeline;
use strata_core::plan::Plan;
use strata_core::url::redact;
use strata_core::workspace::{self, Desired, Planned, State};
use strata_core::{hcl, Realm, SourceFile};

type Result<T> = std::result::Result<T, CliError>;

pub(super) fn pick(flag: Option<String>, from_env: Option<String>, name: &str) -> Result<String> {
    flag.or(from_env).ok_or_else(|| {
        CliError::usage(format!(
            "missing --{name} (or an env in strata.hcl that sets it; see --help)"
        ))
    })
}

pub(super) fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed:.dim}").unwrap());
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// The desired state: schema files (one URL or an env's `src` list) or a database.
pub(super) fn desired_state(
    urls: &[String],
    dialect_hint: Option<Dialect>,
    vars: &SchemaVars,
) -> Result<State> {
    if let [one] = urls {
        if !one.starts_with("file://") && vars.inline.is_empty() {
            return Ok(workspace::open_state(one, dialect_hint, false)?);
        }
    }
    let paths = workspace::file_paths(urls)?;
    let mut files = strata_core::source::read_files(&paths)?;
    files.extend(vars.inline.iter().cloned());
    let dialect = strata_core::source::infer_dialect(&files, dialect_hint)?;
    Ok(State::Files(Box::new(Desired::read_with_vars(
        files,
        dialect,
        &vars.values,
        vars.strict,
    ))))
}

/// Fails with every diagnostic (warnings printed too) when files have errors.
pub(super) fn check_files(state: &State) -> Result<()> {
    if let State::Files(d) = state {
        if d.has_errors() {
            let n = d.diagnostics.iter().filter(|x| x.is_error()).count();
            let mut e = CliError::failure(format!(
                "{n} error(s) in the schema files; nothing was changed"
            ))
            .with_files(&d.files);
            e.diagnostics = d.diagnostics.clone();
            return Err(e);
        }
        // Static-parse warnings help editors; the dev database decides what SQL means.
        let warnings: Vec<_> = d
            .diagnostics
            .iter()
            .filter(|x| !x.code.starts_with("sql-"))
            .cloned()
            .collect();
        output::print_diagnostics(&warnings, &d.files);
    }
    Ok(())
}

pub(super) fn files_of(state: &State) -> Files {
    match state {
        State::Files(d) => d.files.clone(),
        State::Database(_) => Files::default(),
    }
}

pub(super) fn realize(
    state: &mut State,
    dev_url: Option<&str>,
    scope: &Scope,
    what: &str,
) -> Result<Realm> {
    let pb = spinner(what);
    let files = files_of(state);
    let r = workspace::realize(state, None, dev_url, scope)
        .map_err(|e| CliError::from(e).with_files(&files));
    pb.finish_and_clear();
    r
}

/// The dialect of a database URL; `None` for files.
pub(super) fn db_dialect(raw: &str) -> Option<Dialect> {
    match strata_core::url::parse(raw).ok()? {
        strata_core::url::Url::Database(d) => Some(d.dialect),
        strata_core::url::Url::Files(_) => None,
    }
}

pub(super) fn dialect_of(state: &State) -> Option<Dialect> {
    match state {
        State::Database(d) => Some(d.dialect()),
        State::Files(f) => Some(f.dialect),
    }
}

pub(super) fn inspect(a: InspectArgs) -> Result<ExitCode> {
    let env = env::resolve(&a.project)?;
    let url = pick(a.url, env.as_ref().and_then(|e| e.target_url()), "url")?;
    let exclude = merged_exclude(&a.exclude, env.as_ref());
    let dev = a
        .dev_url
        .clone()
        .or_else(|| env.as_ref().and_then(|e| e.dev_url()));
    output::announce_dev(dev.as_deref());
    let scope = Scope {
        schemas: scoped_by_dev(&a.schemas, dev.as_deref()),
        exclude,
    };
    // Schema files take the dev database's dialect when one is given.
    let hint = dev.as_deref().and_then(db_dialect);
    let vars = env::schema_vars(&a.project, env.as_ref())?;
    let mut state = desired_state(std::slice::from_ref(&url), hint, &vars)?;
    check_files(&state)?;
    let dialect = dialect_of(&state).unwrap_or(Dialect::fallback());
    let realm = realize(
        &mut state,
        dev.as_deref(),
        &scope,
        &format!("inspecting {}", redact(&url)),
    )?;
    match a.format {
        InspectFormat::Hcl => print!("{}", hcl::write::write(&realm, dialect)),
        InspectFormat::Json => println!("{}", serde_json::to_string_pretty(&realm).unwrap()),
        InspectFormat::Sql => {
            for stmt in strata_core::plan::create_all(&realm, dialect)? {
                println!("{stmt};");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The schemas a database URL names (PostgreSQL's `search_path`); none for files.
fn url_scope(raw: &str) -> Vec<String> {
    match workspace::parse_db(raw) {
        Ok(url) => strata_core::driver::url_schemas(&url),
        Err(_) => Vec::new(),
    }
}

/// The schemas `--schema` names, else those a `docker://` dev URL's
/// `search_path` names: as in Atlas, such a dev database is schema-scoped.
fn scoped_by_dev(flags: &[String], dev: Option<&str>) -> Vec<String> {
    if !flags.is_empty() {
        return flags.to_vec();
    }
    match dev.map(workspace::parse_db) {
        Some(Ok(url)) if url.raw.starts_with("docker://") => strata_core::driver::url_schemas(&url),
        _ => Vec::new(),
    }
}

pub(super) fn merged_exclude(flags: &[String], env: Option<&Resolved>) -> Vec<String> {
    let mut v = flags.to_vec();
    if let Some(e) = env {
        v.extend(e.env.exclude.iter().cloned());
    }
    v
}

/// Where reviewed plans live: the env's `plan { dir }`, else `plans/` (next
/// to the project file, or in the current directory without an env).
pub(super) fn plans_dir(env: Option<&Resolved>) -> PathBuf {
    env.map(Resolved::plans_dir)
        .unwrap_or_else(|| PathBuf::from("plans"))
}

pub(super) fn diff_options(env: Option<&Resolved>) -> DiffOptions {
    env.map(Resolved::diff_options).unwrap_or_default()
}

pub(super) fn diff(a: DiffArgs) -> Result<ExitCode> {
    let env = env::resolve(&a.project)?;
    let Endpoints {
        current: from,
        desired: to_urls,
        dev,
    } = endpoints(a.from, "from", a.to, a.dev_url, env.as_ref())?;
    let scope = Scope {
        // As `schema apply` scopes to its target: the current database's
        // search_path, else a docker dev URL's.
        schemas: match url_scope(&from) {
            s if a.schemas.is_empty() && !s.is_empty() => s,
            _ => scoped_by_dev(&a.schemas, dev.as_deref()),
        },
        exclude: merged_exclude(&a.exclude, env.as_ref()),
    };
    // Files take the dialect of the database on the other side, else the dev database's.
    let hint = [Some(&from), to_urls.first(), dev.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|u| db_dialect(u));
    let vars = env::schema_vars(&a.project, env.as_ref())?;
    let mut from_state = desired_state(std::slice::from_ref(&from), hint, &vars)?;
    check_files(&from_state)?;
    let mut to_state = desired_state(&to_urls, hint.or(dialect_of(&from_state)), &vars)?;
    check_files(&to_state)?;
    let dialect = dialect_of(&from_state)
        .or(dialect_of(&to_state))
        .unwrap_or(Dialect::fallback());
    let current = realize(
        &mut from_state,
        dev.as_deref(),
        &scope,
        "reading the current state",
    )?;
    let desired = realize(
        &mut to_state,
        dev.as_deref(),
        &scope,
        "reading the desired state",
    )?;
    let planned = workspace::planned(current, desired, dialect, &diff_options(env.as_ref()))?;
    match a.format {
        PlanFormat::Sql => print!("{}", planned.plan.to_sql()),
        PlanFormat::Json => println!("{}", plan_json(&planned, None)),
    }
    Ok(ExitCode::SUCCESS)
}

fn plan_json(p: &Planned, applied: Option<&[Duration]>) -> String {
    let steps: Vec<serde_json::Value> = p
        .plan
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut v = serde_json::to_value(s).unwrap();
            if let Some(t) = applied.and_then(|a| a.get(i)) {
                v["took_ms"] = serde_json::json!(t.as_secs_f64() * 1000.0);
            }
            v
        })
        .collect();
    let v = serde_json::json!({
        "sql": p.plan.to_sql(),
        "pre": p.plan.pre,
        "post": p.plan.post,
        "steps": steps,
        "summary": p.plan.summary(),
        "lint": report::json(&report::items(&p.findings, &mut report::Locator::default())),
        "changes": p.plan.changes,
        "applied": applied.is_some(),
    });
    serde_json::to_string_pretty(&v).unwrap()
}

/// The three URLs a plan needs, from flags or else from the project env.
pub(super) struct Endpoints {
    pub current: String,
    pub desired: Vec<String>,
    pub dev: Option<String>,
}

pub(super) fn endpoints(
    current: Option<String>,
    current_flag: &str,
    to: Vec<String>,
    dev: Option<String>,
    env: Option<&Resolved>,
) -> Result<Endpoints> {
    let current = pick(current, env.and_then(|e| e.target_url()), current_flag)?;
    let desired: Vec<String> = match to.is_empty() {
        false => to,
        true => env.map(|e| e.src_urls()).unwrap_or_default(),
    };
    if desired.is_empty() && env.is_none_or(|e| e.env.inline_src.is_empty()) {
        return Err(CliError::usage(
            "missing --to (or an env in strata.hcl with `src`; see --help)",
        ));
    }
    let dev = dev.or_else(|| env.and_then(|e| e.env.dev.clone()));
    output::announce_dev(dev.as_deref());
    Ok(Endpoints {
        current,
        desired,
        dev,
    })
}

pub(super) fn apply(a: ApplyArgs) -> Result<ExitCode> {
    let env = env::resolve(&a.project)?;
    let targets = env.as_ref().map(Resolved::instances).unwrap_or_default();
    if targets.len() <= 1 || a.url.is_some() {
        return apply_one(&a, targets.into_iter().next().or(env).as_ref());
    }
    // A `for_each` env: each target in turn, each reported on its own; one
    // failure does not stop the others, and fails the run.
    let n = targets.len();
    let mut failed = 0;
    for (i, target) in targets.iter().enumerate() {
        let label = target.target_url().map(|u| redact(&u)).unwrap_or_default();
        println!("{BOLD}[{}/{n}] {label}{BOLD:#}", i + 1);
        match apply_one(&a, Some(target)) {
            Ok(code) if code == ExitCode::SUCCESS => {}
            Ok(_) => failed += 1,
            Err(e) => {
                failed += 1;
                output::print_error(&e);
            }
        }
        println!();
    }
    if failed > 0 {
        return Err(CliError::failure(format!(
            "{failed} of {n} targets of env \"{}\" failed; the others were applied",
            env.as_ref().map(Resolved::name).unwrap_or_default()
        )));
    }
    println!("{GREEN}All {n} targets done.{GREEN:#}");
    Ok(ExitCode::SUCCESS)
}

fn apply_one(a: &ApplyArgs, env: Option<&Resolved>) -> Result<ExitCode> {
    let Endpoints {
        current: url,
        desired: to_urls,
        dev,
    } = endpoints(a.url.clone(), "url", a.to.clone(), a.dev_url.clone(), env)?;
    let scope = Scope {
        schemas: if a.schemas.is_empty() {
            env.map(|e| e.env.schemas.clone()).unwrap_or_default()
        } else {
            a.schemas.clone()
        },
        exclude: merged_exclude(&a.exclude, env),
    };
    let target_url = workspace::parse_db(&url)?;
    // Read and check the files before touching the target.
    let vars = env::schema_vars(&a.project, env)?;
    let to_state = desired_state(&to_urls, Some(target_url.dialect), &vars)?;
    check_files(&to_state)?;
    let files = files_of(&to_state);
    let request = pipeline::PlanRequest {
        target: url.clone(),
        desired: pipeline::DesiredSource::State(to_state),
        dev,
        scope,
        diff: diff_options(env),
        policy: env.map(|e| e.policy()).unwrap_or_default(),
        intent: if a.dry_run {
            pipeline::Intent::Preview
        } else {
            pipeline::Intent::Apply
        },
        lock_timeout: a.lock_timeout,
        plans: Some(plans_dir(env)),
    };
    let mut pb: Option<ProgressBar> = None;
    let mut progress = |stage: pipeline::Stage| {
        let msg = match stage {
            pipeline::Stage::Normalizing => "normalizing the desired schema".to_string(),
            pipeline::Stage::Locking => format!("waiting for the apply lock on {}", redact(&url)),
            pipeline::Stage::Inspecting => format!("inspecting {}", redact(&url)),
            pipeline::Stage::Prechecking => "checking the rows the plan touches".to_string(),
        };
        match &pb {
            Some(p) => p.set_message(msg),
            None => pb = Some(spinner(&msg)),
        }
    };
    let planned = pipeline::plan(request, &mut progress);
    if let Some(p) = pb.take() {
        p.finish_and_clear();
    }
    let mut session = planned.map_err(|e| CliError::from(e).with_files(&files))?;
    let json = a.format == ApplyFormat::Json;
    // SARIF and GitHub print the findings alone on stdout; the rest goes to stderr.
    let report_only = matches!(a.format, ApplyFormat::Sarif | ApplyFormat::Github);
    let fallback = first_file(&files);
    if report_only {
        let mut locator = report::Locator::default();
        let items = report::items(session.findings(), &mut locator);
        let title = format!("strata schema apply: {}", session.target_label);
        report::print(a.format, &title, &items, fallback.as_deref());
    }
    if session.plan().is_empty() {
        if json {
            println!("{}", plan_json(&session.planned, Some(&[])));
        } else if !report_only {
            println!("{GREEN}Schema is in sync{GREEN:#}: nothing to do.");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if a.format == ApplyFormat::Text {
        if let Some(r) = &session.reviewed {
            println!("{}", super::plan::reviewed_banner(r));
        }
        println!(
            "{BOLD}Planned changes to {}:{BOLD:#}\n",
            session.target_label
        );
        print_plan(session.plan(), session.findings());
    }
    if let Some(refusal) = &session.refusal {
        if json {
            let mut v: serde_json::Value =
                serde_json::from_str(&plan_json(&session.planned, None)).unwrap();
            v["error"] = serde_json::json!({ "message": refusal.to_string(), "exit_code": 1 });
            println!("{}", serde_json::to_string_pretty(&v).unwrap());
            output::json_failure_reported();
        }
        return Err(CliError::failure(refusal.to_string()));
    }
    if a.dry_run {
        if json {
            println!("{}", plan_json(&session.planned, None));
        }
        return Ok(ExitCode::SUCCESS);
    }
    // The review policy (`lint { review = … }`) decides whether a person must
    // approve; --auto-approve approves without looking, which the pipeline
    // refuses for plans with error findings (unless a reviewed plan covers it).
    let approval = if a.auto_approve {
        pipeline::Approval::Automatic
    } else if session.needs_review() {
        confirm(session.plan(), &url)?;
        pipeline::Approval::Confirmed
    } else {
        eprintln!(
            "{DIM}the env's review policy (review = {:?}) asks no approval for this plan{DIM:#}",
            session.lint.review
        );
        pipeline::Approval::NotRequired
    };
    let timings = run_plan(&mut session, a.format == ApplyFormat::Text, approval)?;
    if json {
        let mut v: serde_json::Value =
            serde_json::from_str(&plan_json(&session.planned, Some(&timings))).unwrap();
        v["reviewed"] = serde_json::json!(session
            .reviewed
            .as_ref()
            .map(|r| r.path.display().to_string()));
        println!("{}", serde_json::to_string_pretty(&v).unwrap());
    } else {
        let total: Duration = timings.iter().sum();
        println!(
            "{GREEN}Applied {} statement(s) in {:.1?}.{GREEN:#}",
            timings.len(),
            total
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks on the terminal; refuses without one, so scripts must say --auto-approve.
fn confirm(plan: &Plan, url: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::failure(
            "refusing to apply without a terminal to confirm on: nothing was changed. \
Review the plan above, then re-run with --auto-approve (or use --dry-run to only print it)",
        ));
    }
    let destructive = plan.steps.iter().filter(|s| s.destructive).count();
    let warn = if destructive > 0 {
        format!(" ({RED}{destructive} destructive{RED:#})")
    } else {
        String::new()
    };
    eprint!(
        "\nApply {} statement(s){warn} to {}? [y/N] ",
        plan.steps.len(),
        redact(url)
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::failure(e.to_string()))?;
    if matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(CliError::failure("not applied: the answer was not yes"))
    }
}

/// Runs the session's plan through the pipeline, printing each statement with
/// its timing (a progress bar on long plans when stderr is a terminal).
fn run_plan(
    session: &mut pipeline::Session,
    text: bool,
    approval: pipeline::Approval,
) -> Result<Vec<Duration>> {
    let plan = session.plan().clone();
    let mut timings = Vec::with_capacity(plan.steps.len());
    let bar = (plan.steps.len() > 20 && std::io::stderr().is_terminal()).then(|| {
        let pb = ProgressBar::new(plan.steps.len() as u64);
        pb.set_style(ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").unwrap());
        pb
    });
    let started = Instant::now();
    let mut on_step = |ev: StepEvent| match ev {
        StepEvent::Started { .. } => {}
        StepEvent::Finished { index, took } => {
            timings.push(took);
            let step = &plan.steps[index];
            if let Some(pb) = &bar {
                pb.inc(1);
                pb.set_message(step.comment.clone());
            } else if text {
                println!(
                    "  {GREEN}✓{GREEN:#} {} {DIM}({:.1?}){DIM:#}",
                    step.comment, took
                );
            }
        }
    };
    let result = pipeline::apply(session, approval, &mut on_step);
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    match result {
        Ok(()) => Ok(timings),
        Err(pipeline::ApplyFailure::Refused(m)) => Err(CliError::failure(m)),
        Err(pipeline::ApplyFailure::Failed(e)) => {
            let step = plan.steps.get(e.index);
            let what = step.map(|s| s.comment.as_str()).unwrap_or("commit");
            let state = if e.rolled_back {
                "the transaction was rolled back: the database is exactly as it was".to_string()
            } else {
                format!("{} statement(s) before it stay applied", e.applied)
            };
            eprintln!(
                "{RED}failed{RED:#} after {:.1?} at statement {} ({what}):\n  {}",
                started.elapsed(),
                e.index + 1,
                e.sql
            );
            Err(CliError::failure(format!("{}; {state}", e.message)))
        }
    }
}

pub(super) fn clean(a: CleanArgs) -> Result<ExitCode> {
    let env = env::resolve(&a.project)?;
    let url = pick(a.url, env.as_ref().and_then(|e| e.target_url()), "url")?;
    let request = pipeline::PlanRequest {
        target: url.clone(),
        desired: pipeline::DesiredSource::Realm(Realm::default()),
        dev: None,
        scope: Scope::default(),
        diff: DiffOptions::default(),
        policy: pipeline::Policy::default(),
        intent: if a.dry_run {
            pipeline::Intent::Preview
        } else {
            pipeline::Intent::Apply
        },
        lock_timeout: Duration::from_secs(10),
        plans: None,
    };
    let mut session = pipeline::plan(request, &mut |_| {})?;
    if session.plan().is_empty() {
        println!(
            "{GREEN}Nothing to drop{GREEN:#}: {} is empty.",
            session.target_label
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{BOLD}Dropping everything in {}:{BOLD:#}\n",
        session.target_label
    );
    print_plan(session.plan(), session.findings());
    if a.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    if !a.auto_approve {
        confirm(session.plan(), &url)?;
    }
    let timings = run_plan(&mut session, true, pipeline::Approval::Confirmed)?;
    println!("{GREEN}Dropped: {} statement(s).{GREEN:#}", timings.len());
    Ok(ExitCode::SUCCESS)
}

/// The first schema file, where findings without a position of their own are
/// reported (code scanning needs a location for each).
fn first_file(files: &Files) -> Option<String> {
    files.iter().next().map(|f| f.name.to_string())
}

/// `strata schema lint`: the desired schema judged by itself, from the static
/// model of its files (no database): every finding at its file:line:col.
pub(super) fn lint(a: SchemaLintArgs) -> Result<ExitCode> {
    let env = env::resolve(&a.project)?;
    let urls: Vec<String> = match a.to {
        Some(t) => vec![t],
        None => env.as_ref().map(|e| e.src_urls()).unwrap_or_default(),
    };
    if urls.is_empty() {
        return Err(CliError::usage(
            "missing --to (or an env in strata.hcl with `src`; see --help)",
        ));
    }
    let hint = env
        .as_ref()
        .and_then(|e| e.target_url().or_else(|| e.dev_url()))
        .and_then(|u| db_dialect(&u));
    let vars = env::schema_vars(&a.project, env.as_ref())?;
    let state = desired_state(&urls, hint, &vars)?;
    let State::Files(desired) = &state else {
        return Err(CliError::usage(
            "schema lint reads schema files: pass --to file://… (a database is inspected by `schema inspect`)",
        ));
    };
    check_files(&state)?;
    let config = env.as_ref().map(|e| e.policy().lint).unwrap_or_default();
    let realm = desired.static_realm();
    let findings = strata_core::lint::design::lint_schema(&realm, &config);
    let mut locator = report::Locator::default();
    let items = report::items(&findings, &mut locator);
    report::print(
        a.format,
        "strata schema lint",
        &items,
        first_file(&desired.files).as_deref(),
    );
    let errors = findings
        .iter()
        .filter(|f| f.severity == strata_core::Severity::Error)
        .count();
    if errors > 0 {
        return Err(CliError::failure(format!(
            "{errors} lint error(s) in the schema (see above)"
        )));
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn fmt(a: FmtArgs) -> Result<ExitCode> {
    let paths: Vec<PathBuf> = if a.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        a.paths.iter().map(PathBuf::from).collect()
    };
    let mut files = Vec::new();
    for p in &paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| CliError::failure(format!("cannot list {}: {e}", p.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "hcl"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    let mut changed = 0;
    let mut all = Files::default();
    let mut diags = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())))?;
        let file = SourceFile::new(path.to_string_lossy().as_ref(), text.clone());
        all.add(file.clone());
        match hcl::fmt::format(&file) {
            Ok(out) if out != text => {
                changed += 1;
                println!("{}", path.display());
                if !a.check {
                    std::fs::write(path, out).map_err(|e| {
                        CliError::failure(format!("cannot write {}: {e}", path.display()))
                    })?;
                }
            }
            Ok(_) => {}
            Err(d) => diags.extend(d),
        }
    }
    if !diags.is_empty() {
        let mut e =
            CliError::failure("some files could not be formatted; they were left as they were")
                .with_files(&all);
        e.diagnostics = diags;
        return Err(e);
    }
    if a.check && changed > 0 {
        eprintln!("{changed} file(s) need formatting: run `strata schema fmt`");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
