//! `strata schema plan`: review at pull-request time. The plan is computed
//! through core's pipeline (or from two file states), linted, optionally
//! edited, simulated on a dev database and written to `plans/` as a
//! `.plan.hcl` file; `approve`, `list` and `show` work on those files.
//! `schema apply` honours them through the pipeline (see core::review).

use super::schema::{
    check_files, desired_state, diff_options, endpoints, merged_exclude, plans_dir, realize,
    spinner, Endpoints,
};
use crate::args::ProjectArgs;
use crate::env::{self, Resolved};
use crate::output::{print_plan, CliError, BOLD, DIM, GREEN, RED, YELLOW};
use anstream::println;
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use strata_core::driver::Scope;
use strata_core::pipeline;
use strata_core::review::file::{utc_now, PlanFile, RecordedFinding, Status};
use strata_core::review::simulate::simulate;
use strata_core::review::{fingerprint, fingerprint::text_hash, store};
use strata_core::url::redact;
use strata_core::workspace::{self, Planned, State};
use strata_core::SourceFile;

type Result<T> = std::result::Result<T, CliError>;

#[derive(Args, Debug)]
pub struct PlanCommandArgs {
    #[command(subcommand)]
    pub command: Option<PlanSubcommand>,
    #[command(flatten)]
    pub make: MakeArgs,
}

#[derive(Subcommand, Debug)]
pub enum PlanSubcommand {
    /// Mark a plan approved (records who, from git config or $USER, and when).
    Approve(FileArgs),
    /// List the plans in the plans directory.
    List(ListArgs),
    /// Print a plan file: its transition, status, lint report and SQL.
    Show(FileArgs),
}

#[derive(Args, Debug)]
pub struct FileArgs {
    /// The plan file (plans/<timestamp>_<name>.plan.hcl).
    pub file: PathBuf,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// The plans directory (default: the env's `plan { dir }`, else plans/).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Args, Debug)]
pub struct MakeArgs {
    /// The database the plan is for, e.g. sqlite://app.db (inspected, never changed).
    #[arg(short, long, value_name = "URL")]
    pub url: Option<String>,
    /// The desired schema: file://schema.hcl, file://dir, …
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
    /// The state the plan starts from instead of the target's: a database or
    /// file:// schema (e.g. the main branch's files).
    #[arg(long, value_name = "URL")]
    pub from: Option<String>,
    /// The dev database that normalizes the files and simulates the plan.
    #[arg(long, value_name = "URL")]
    pub dev_url: Option<String>,
    /// The plan's name: the file is plans/<timestamp>_<name>.plan.hcl.
    #[arg(long, default_value = "plan")]
    pub name: String,
    /// Open the SQL in $EDITOR before simulating it (add a backfill, split a step).
    #[arg(long)]
    pub edit: bool,
    /// The plans directory (default: the env's `plan { dir }`, else plans/).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Manage only this schema (repeatable); default: the URL's search_path, else all.
    #[arg(long = "schema", value_name = "NAME")]
    pub schemas: Vec<String>,
    /// Leave out objects matching a glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    #[arg(long, value_enum, default_value_t = MakeFormat::Text)]
    pub format: MakeFormat,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum MakeFormat {
    Text,
    Json,
}

pub fn run(a: PlanCommandArgs) -> Result<ExitCode> {
    match a.command {
        None => make(a.make),
        Some(PlanSubcommand::Approve(f)) => approve(&f.file),
        Some(PlanSubcommand::List(l)) => list(l),
        Some(PlanSubcommand::Show(f)) => show(&f.file),
    }
}

/// The plans directory for a command: the flag, the env's, or `plans/`.
fn dir_for(flag: Option<PathBuf>, env: Option<&Resolved>) -> PathBuf {
    flag.unwrap_or_else(|| plans_dir(env))
}

/// Computes, lints, (edits,) simulates and writes a plan.
fn make(a: MakeArgs) -> Result<ExitCode> {
    let env = env::resolve(&a.project)?;
    let target = a.from.clone().or(a.url.clone());
    let Endpoints {
        current,
        desired: to_urls,
        dev,
    } = endpoints(
        target,
        "url",
        a.to.clone().into_iter().collect(),
        a.dev_url.clone(),
        env.as_ref(),
    )?;
    let schemas = if a.schemas.is_empty() {
        env.as_ref()
            .map(|e| e.env.schemas.clone())
            .unwrap_or_default()
    } else {
        a.schemas.clone()
    };
    let mut scope = Scope {
        schemas,
        exclude: merged_exclude(&a.exclude, env.as_ref()),
    };
    let from_files = current.starts_with("file://");
    let hint = if from_files {
        dev.as_deref().and_then(|d| workspace::parse_db(d).ok())
    } else {
        Some(workspace::parse_db(&current)?)
    };
    if let (false, Some(url)) = (from_files, &hint) {
        if scope.schemas.is_empty() {
            scope.schemas = strata_core::driver::url_schemas(url);
        }
    }
    let vars = env::schema_vars(&a.project, env.as_ref())?;
    let to_state = desired_state(&to_urls, hint.as_ref().map(|u| u.dialect), &vars)?;
    check_files(&to_state)?;
    let schema_hash = schema_files_hash(&to_state, env.as_ref());
    let planned = if from_files {
        plan_between_files(&current, to_state, dev.as_deref(), &scope, env.as_ref())?
    } else {
        plan_against_database(&current, to_state, dev.clone(), &scope, env.as_ref())?
    };
    let dialect = planned.plan.dialect;
    let json = a.format == MakeFormat::Json;
    // A reviewed plan is pinned to a schema change: with none, there is
    // nothing it could ever be used for (data-only changes are migrations).
    if planned.plan.is_empty() {
        if json {
            println!("{}", serde_json::json!({ "file": null, "in_sync": true }));
        } else {
            println!(
                "{GREEN}Nothing to plan{GREEN:#}: {} is already in the desired state.",
                redact(&current)
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let computed = planned.plan.to_sql();
    let sql = if a.edit {
        edit(&computed)?
    } else {
        computed.clone()
    };
    let pb = spinner("simulating the plan on the dev database");
    let sim = simulate(
        &planned.current,
        &sql,
        &planned.desired,
        dialect,
        dev.as_deref(),
        &scope,
    );
    pb.finish_and_clear();
    let sim = sim?;
    if !sim.reaches_target() {
        let what: Vec<String> = sim.missing.iter().map(|m| format!("  - {m}")).collect();
        return Err(CliError::failure(format!(
            "the {}plan does not reach the desired state: simulated on the dev database, it leaves these differences:\n{}\nnothing was written; fix the SQL and plan again",
            if sql != computed { "edited " } else { "" },
            what.join("\n")
        )));
    }
    let (created, stamp) = utc_now();
    let file = PlanFile {
        name: a.name.clone(),
        dialect,
        created,
        from: fingerprint(&planned.current, dialect),
        to: fingerprint(&planned.desired, dialect),
        schema: schema_hash,
        status: Status::Pending,
        simulated: text_hash(&[("sql", &sql)]),
        sql,
        findings: planned
            .findings
            .iter()
            .map(|f| RecordedFinding {
                code: f.code.to_string(),
                severity: serde_json::to_value(f.severity)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                message: f.message.clone(),
            })
            .collect(),
        approval: None,
    };
    let dir = dir_for(a.dir, env.as_ref());
    std::fs::create_dir_all(&dir)
        .map_err(|e| CliError::failure(format!("cannot create {}: {e}", dir.display())))?;
    let path = dir.join(format!("{stamp}_{}.plan.hcl", file_stem(&a.name)));
    if path.exists() {
        return Err(CliError::failure(format!(
            "{} already exists: wait a second or pick another --name",
            path.display()
        )));
    }
    std::fs::write(&path, file.to_hcl())
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))?;
    if json {
        let v = serde_json::json!({
            "file": path.display().to_string(),
            "name": file.name,
            "status": file.status.as_str(),
            "from": file.from,
            "to": file.to,
            "schema": file.schema,
            "sql": file.sql,
            "edited": file.sql != computed,
            "simulated": true,
            "lint": planned.findings,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap());
        return Ok(ExitCode::SUCCESS);
    }
    let mut shown = strata_core::review::plan_from_sql(&file.sql, dialect)?;
    shown.changes = planned.plan.changes.clone();
    print_plan(&shown, &planned.findings);
    println!(
        "\n{GREEN}Simulated{GREEN:#} on a dev database rebuilt in the from-state: the {}plan reaches the desired state.",
        if file.sql != computed { "edited " } else { "" }
    );
    println!(
        "{BOLD}Wrote {}{BOLD:#} (pending). Review it in the pull request, then run\n  strata schema plan approve {}",
        path.display(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The plan from the target database's state, through the pipeline (a
/// preview: nothing is created or locked).
fn plan_against_database(
    url: &str,
    to_state: State,
    dev: Option<String>,
    scope: &Scope,
    env: Option<&Resolved>,
) -> Result<Planned> {
    let files = match &to_state {
        State::Files(d) => d.files.clone(),
        State::Database(_) => Default::default(),
    };
    let request = pipeline::PlanRequest {
        target: url.to_string(),
        desired: pipeline::DesiredSource::State(to_state),
        dev,
        scope: scope.clone(),
        diff: diff_options(env),
        policy: env.map(|e| e.policy()).unwrap_or_default(),
        intent: pipeline::Intent::Preview,
        lock_timeout: Duration::from_secs(10),
        plans: None,
    };
    let pb = spinner(&format!("planning against {}", redact(url)));
    let session = pipeline::plan(request, &mut |_| {});
    pb.finish_and_clear();
    let session = session.map_err(|e| CliError::from(e).with_files(&files))?;
    Ok(session.into_planned())
}

/// The plan from one file state to another (the main branch's files to this
/// branch's), both normalized on the dev database.
fn plan_between_files(
    from: &str,
    to_state: State,
    dev: Option<&str>,
    scope: &Scope,
    env: Option<&Resolved>,
) -> Result<Planned> {
    let dialect = match &to_state {
        State::Files(d) => d.dialect,
        State::Database(d) => d.dialect(),
    };
    let vars = crate::env::SchemaVars {
        values: env.map(|e| e.env.schema_vars.clone()).unwrap_or_default(),
        strict: false,
        inline: Vec::new(),
    };
    let mut from_state = desired_state(&[from.to_string()], Some(dialect), &vars)?;
    check_files(&from_state)?;
    let mut to_state = to_state;
    let current = realize(&mut from_state, dev, scope, "reading the from-state")?;
    let desired = realize(&mut to_state, dev, scope, "reading the desired state")?;
    let mut planned = workspace::planned(current, desired, dialect, &diff_options(env))?;
    // What the old files say about renames is not state.
    strip_renames(&mut planned.current);
    Ok(planned)
}

fn strip_renames(realm: &mut strata_core::Realm) {
    for s in &mut realm.schemas {
        for t in &mut s.tables {
            t.renamed_from = None;
            for c in &mut t.columns {
                c.renamed_from = None;
            }
        }
    }
}

/// The hash of the schema files' names (relative to the project, or to the
/// current directory) and texts: equal on every checkout of the same commit.
fn schema_files_hash(state: &State, env: Option<&Resolved>) -> String {
    let State::Files(d) = state else {
        return String::new();
    };
    let base = env
        .map(|e| e.dir.clone())
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    let base = base.canonicalize().unwrap_or(base);
    let mut parts: Vec<(String, String)> = d
        .files
        .iter()
        .map(|f| {
            let p = Path::new(&*f.name);
            let abs = p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
            let rel = abs.strip_prefix(&base).unwrap_or(&abs);
            (rel.to_string_lossy().into_owned(), f.text.to_string())
        })
        .collect();
    parts.sort();
    let refs: Vec<(&str, &str)> = parts
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    text_hash(&refs)
}

/// A name safe in a file name: letters, digits, `-` and `_`.
fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "plan".into()
    } else {
        s
    }
}

/// Opens `sql` in $VISUAL or $EDITOR (a command line, e.g. `code --wait`)
/// and returns what the user saved.
fn edit(sql: &str) -> Result<String> {
    let editor = std::env::var("VISUAL")
        .ok()
        .or_else(|| std::env::var("EDITOR").ok())
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| CliError::usage("--edit needs an editor: set $EDITOR (e.g. EDITOR=vim)"))?;
    let dir = tempfile_dir()?;
    let path = dir.join("plan.sql");
    std::fs::write(&path, sql)
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("strata-editor")
        .arg(&path)
        .status();
    let edited = std::fs::read_to_string(&path);
    let _ = std::fs::remove_dir_all(&dir);
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => {
            return Err(CliError::failure(format!(
                "the editor ({editor}) exited with {s}: nothing was written"
            )))
        }
        Err(e) => {
            return Err(CliError::failure(format!(
                "cannot run the editor ({editor}): {e}"
            )))
        }
    }
    edited.map_err(|e| CliError::failure(format!("cannot read the edited plan: {e}")))
}

/// A private directory for the file being edited, removed afterwards.
fn tempfile_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    for n in 0..100u32 {
        let dir = base.join(format!("strata-plan-{}-{n}", std::process::id()));
        if std::fs::create_dir(&dir).is_ok() {
            return Ok(dir);
        }
    }
    Err(CliError::failure(format!(
        "cannot create a directory for the editor in {}",
        base.display()
    )))
}

/// `Name <email>` from git config, else $USER.
fn approver() -> Result<String> {
    let git = |key: &str| {
        std::process::Command::new("git")
            .args(["config", key])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    match (git("user.name"), git("user.email")) {
        (Some(n), Some(e)) => Ok(format!("{n} <{e}>")),
        (Some(n), None) => Ok(n),
        (None, Some(e)) => Ok(e),
        (None, None) => std::env::var("USER")
            .ok()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| {
                CliError::failure(
                    "cannot tell who approves: set `git config user.name` (and user.email) or $USER; nothing was changed",
                )
            }),
    }
}

fn approve(path: &Path) -> Result<ExitCode> {
    let stored = store::read(path)?;
    let by = approver()?;
    let (at, _) = utc_now();
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())))?;
    let source = SourceFile::new(path.to_string_lossy().as_ref(), text);
    let approved = PlanFile::approve_text(&source, &by, &at)?;
    std::fs::write(path, approved)
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))?;
    println!(
        "{GREEN}Approved{GREEN:#} {} ({}) as {by} at {at}.\n`strata schema apply` now runs it verbatim when the database is in its from-state and the schema files describe its to-state.",
        path.display(),
        stored.file.name
    );
    Ok(ExitCode::SUCCESS)
}

/// One line about a plan's status, colored.
fn status_text(f: &PlanFile) -> String {
    match (&f.status, &f.approval) {
        (Status::Approved, Some(a)) if f.edited_since_approval() => format!(
            "{RED}approved by {} at {}, then EDITED (refused until re-approved){RED:#}",
            a.by, a.at
        ),
        (Status::Approved, Some(a)) => {
            format!("{GREEN}approved{GREEN:#} by {} at {}", a.by, a.at)
        }
        _ if f.edited_since_simulation() => format!(
            "{RED}pending, SQL changed after the simulation (plan again with --edit){RED:#}"
        ),
        _ => format!("{YELLOW}pending{YELLOW:#}"),
    }
}

fn list(a: ListArgs) -> Result<ExitCode> {
    let env = env::resolve(&a.project)?;
    let dir = dir_for(a.dir, env.as_ref());
    let plans = store::list(&dir)?;
    if plans.is_empty() {
        println!("No plans in {}.", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    for p in &plans {
        println!(
            "{}  {BOLD}{}{BOLD:#}  {}",
            p.path.display(),
            p.file.name,
            status_text(&p.file)
        );
        println!(
            "    {DIM}{} → {}, created {}{DIM:#}",
            short(&p.file.from),
            short(&p.file.to),
            p.file.created
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn short(fp: &str) -> &str {
    let hex = fp.strip_prefix("sha256:").unwrap_or(fp);
    &hex[..hex.len().min(12)]
}

fn show(path: &Path) -> Result<ExitCode> {
    let p = store::read(path)?.file;
    println!("{BOLD}plan \"{}\"{BOLD:#} ({})", p.name, p.dialect.name());
    println!("  status:  {}", status_text(&p));
    println!("  from:    {}", p.from);
    println!("  to:      {}", p.to);
    println!("  schema:  {}", p.schema);
    println!("  created: {}", p.created);
    if !p.findings.is_empty() {
        println!("\n{BOLD}Lint:{BOLD:#}");
        for f in &p.findings {
            println!("  {} {}: {}", f.severity, f.code, f.message);
        }
    }
    println!("\n{BOLD}SQL:{BOLD:#}\n{}", p.sql.trim_end());
    Ok(ExitCode::SUCCESS)
}

/// The line `schema apply` prints when an approved plan replaces the computed one.
pub(super) fn reviewed_banner(r: &store::Stored) -> String {
    let by = r
        .file
        .approval
        .as_ref()
        .map(|a| format!(" (approved by {} at {})", a.by, a.at))
        .unwrap_or_default();
    format!(
        "{BOLD}Using the reviewed plan {}{BOLD:#}{by}: it runs verbatim.",
        r.path.display()
    )
}
