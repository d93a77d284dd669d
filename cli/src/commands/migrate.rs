//! `strata migrate …`: versioned migrations in an Atlas-compatible directory,
//! with `down` computed from what the database actually holds.
//!
//! Every subcommand takes the same connection flags ([`Conn`]), even where it
//! does not need one of them, so one set of flags or one env serves all of
//! them in scripts.

use crate::args::ProjectArgs;
use crate::env::{self, Resolved};
use crate::output::{CliError, BOLD, DIM, GREEN, RED, YELLOW};
use crate::report;
use anstream::{eprintln, println};
use clap::{Args, Subcommand};
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use strata_core::dialect::Dialect;
use strata_core::diff::DiffOptions;
use strata_core::driver::{self, Driver, Scope};
use strata_core::migrate::apply::{self, Schedule};
use strata_core::migrate::dir::{Dir, MigrationFile, TxMode, SUM_FILE};
use strata_core::migrate::down::{self, DownPlan};
use strata_core::migrate::drift::{self as migrate_drift, Drift};
use strata_core::migrate::formats::{self, Format as Format_};
use strata_core::migrate::revisions::{self, FileRecord, Revision, Store};
use strata_core::migrate::sum;
use strata_core::pipeline;
use strata_core::url::redact;
use strata_core::workspace::{self, Desired, State};

type Result<T> = std::result::Result<T, CliError>;

#[derive(Subcommand, Debug)]
pub enum MigrateCommand {
    /// Create an empty migration file named by the current UTC time.
    #[command(after_help = "Example:\n  strata migrate new add_users --dir file://migrations")]
    New(NewArgs),
    /// Write the next migration file: the directory replayed vs. the desired schema.
    #[command(
        after_help = "Example:\n  strata migrate diff add_email --dir file://migrations --to file://schema.hcl"
    )]
    Diff(DiffArgs),
    /// Rewrite atlas.sum after files were added or edited on purpose.
    Hash(ConnOnly),
    /// Convert a golang-migrate, goose, Flyway or dbmate directory into strata's (Atlas's) format.
    #[command(
        after_help = "Example:\n  strata migrate import --dir file://db/migrations --dir-format golang-migrate --to file://migrations"
    )]
    Import(ImportArgs),
    /// Check atlas.sum, and that every file replays cleanly on the dev database.
    Validate(ConnOnly),
    /// Run the plan analyzers on what the latest files change.
    #[command(after_help = "Example:\n  strata migrate lint --dir file://migrations --latest 1")]
    Lint(LintArgs),
    /// Apply pending migration files (each in its own transaction).
    #[command(
        after_help = "Examples:\n  strata migrate apply --url sqlite://app.db --dir file://migrations\n  strata migrate apply --url postgres://… 1 --tx-mode none\n  strata migrate apply --env prod --allow-down   (GitOps: an older directory rolls the database back)"
    )]
    Apply(ApplyArgs),
    /// Show the current version, pending files, and a failed or partial file.
    Status(ConnOnly),
    /// Revert applied migrations by a plan computed from the live database.
    #[command(
        after_help = "Examples:\n  strata migrate down --url sqlite://app.db --dir file://migrations          (the last one)\n  strata migrate down --url sqlite://app.db --dir file://migrations 2 --dry-run\n  strata migrate down --url postgres://… --to-version 20240101120000 --auto-approve"
    )]
    Down(DownArgs),
    /// Repair the history: versions up to VERSION count as applied, later ones not.
    Set(SetArgs),
    /// Remove a file the database has not applied, and rehash.
    Rm(RmArgs),
}

/// The connection flags every migrate command accepts.
#[derive(Args, Debug, Clone, Default)]
pub struct Conn {
    /// The target database, e.g. sqlite://app.db or postgres://user@host/db.
    #[arg(short, long, value_name = "URL")]
    pub url: Option<String>,
    /// The migration directory (default: file://migrations).
    #[arg(long, value_name = "URL")]
    pub dir: Option<String>,
    /// Where to replay migration files (default for SQLite: in memory).
    #[arg(long, value_name = "URL")]
    pub dev_url: Option<String>,
    /// PostgreSQL: the schema of the revisions table (default atlas_schema_revisions).
    #[arg(long, value_name = "SCHEMA")]
    pub revisions_schema: Option<String>,
    /// The directory's layout; strata reads Atlas's.
    #[arg(long, value_name = "FORMAT")]
    pub dir_format: Option<String>,
    /// How long to wait for another migrate or apply on the same database.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::args::parse_duration)]
    pub lock_timeout: Duration,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// `--format`: `sarif` and `github` are `migrate lint`'s (the other commands
/// print text for them).
pub type Format = crate::report::ReportFormat;

#[derive(Args, Debug)]
pub struct ConnOnly {
    #[command(flatten)]
    pub conn: Conn,
}

#[derive(Args, Debug)]
pub struct NewArgs {
    /// The file's name after the version.
    pub name: Option<String>,
    #[command(flatten)]
    pub conn: Conn,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The new file's name after the version.
    pub name: Option<String>,
    /// The desired schema: file://schema.hcl, file://schema.sql or a directory.
    #[arg(long, value_name = "URL")]
    pub to: Vec<String>,
    #[command(flatten)]
    pub conn: Conn,
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// Apply at most this many files.
    pub count: Option<usize>,
    /// Apply files up to and including this version.
    #[arg(long, value_name = "VERSION")]
    pub to_version: Option<String>,
    /// On a database without history: treat files up to VERSION as applied.
    #[arg(long, value_name = "VERSION")]
    pub baseline: Option<String>,
    /// file (a transaction per file), all (one for the run) or none.
    #[arg(long, value_name = "MODE", default_value = "file")]
    pub tx_mode: String,
    /// Print what would run and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply to a database without history that already holds objects.
    #[arg(long)]
    pub allow_dirty: bool,
    /// Handed a directory older than the database: go down to its latest version.
    #[arg(long)]
    pub allow_down: bool,
    /// Going down by intent: revert even when the database drifted from what
    /// its latest version left (the out-of-band change is reverted too).
    #[arg(long)]
    pub allow_drift: bool,
    #[command(flatten)]
    pub conn: Conn,
}

#[derive(Args, Debug)]
pub struct DownArgs {
    /// How many applied migrations to revert (default 1).
    pub count: Option<usize>,
    /// Revert every migration after this version.
    #[arg(long, value_name = "VERSION", conflicts_with = "count")]
    pub to_version: Option<String>,
    /// Revert to the last version of the directory as it was at this git tag or commit.
    #[arg(long, value_name = "GIT_REF", conflicts_with_all = ["count", "to_version"])]
    pub to_tag: Option<String>,
    /// Print the checks and the plan, run the checks, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Revert without asking (required when there is no terminal to ask on).
    #[arg(long)]
    pub auto_approve: bool,
    #[command(flatten)]
    pub conn: Conn,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// How many of the newest files to analyze.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub latest: usize,
    #[command(flatten)]
    pub conn: Conn,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Where to write the converted directory (with its atlas.sum).
    #[arg(long, value_name = "URL")]
    pub to: String,
    #[command(flatten)]
    pub conn: Conn,
}

#[derive(Args, Debug)]
pub struct SetArgs {
    /// The version the database is at.
    pub version: String,
    #[command(flatten)]
    pub conn: Conn,
}

#[derive(Args, Debug)]
pub struct RmArgs {
    /// The version of the file to remove.
    pub version: String,
    #[command(flatten)]
    pub conn: Conn,
}

pub fn run(cmd: MigrateCommand) -> Result<ExitCode> {
    match cmd {
        MigrateCommand::New(a) => new(a),
        MigrateCommand::Diff(a) => diff(a),
        MigrateCommand::Hash(a) => hash(a.conn),
        MigrateCommand::Import(a) => import(a),
        MigrateCommand::Lint(a) => lint(a),
        MigrateCommand::Validate(a) => validate(a.conn),
        MigrateCommand::Apply(a) => apply_cmd(a),
        MigrateCommand::Status(a) => status(a.conn),
        MigrateCommand::Down(a) => down_cmd(a),
        MigrateCommand::Set(a) => set(a),
        MigrateCommand::Rm(a) => rm(a),
    }
}

/// The flags resolved against the env.
struct Ctx {
    url: Option<String>,
    dir: PathBuf,
    dev: Option<String>,
    revisions_schema: Option<String>,
    format: Format_,
    env: Option<Resolved>,
    json: bool,
    output: Format,
    lock_timeout: Duration,
}

fn ctx(c: &Conn) -> Result<Ctx> {
    let env = env::resolve(&c.project)?;
    if env.is_none() && !c.project.vars.is_empty() {
        // Without --env, --var sets schema files' variables; migrations read none.
        return Err(CliError::usage(
            "--var needs --env here: variables belong to the project file",
        ));
    }
    let m = env
        .as_ref()
        .map(|e| e.env.migration.clone())
        .unwrap_or_default();
    let format = c.dir_format.clone().or(m.format.clone());
    let format = match format.as_deref() {
        None => Format_::Atlas,
        Some(f) => Format_::parse(f).ok_or_else(|| {
            CliError::usage(format!(
                "--dir-format {f}: use atlas, golang-migrate, goose, flyway or dbmate"
            ))
        })?,
    };
    let dir_url = c
        .dir
        .clone()
        .or_else(|| m.dir.as_ref().map(|d| env.as_ref().unwrap().url(d)))
        .unwrap_or_else(|| "file://migrations".into());
    let dir = dir_url.strip_prefix("file://").ok_or_else(|| {
        CliError::usage(format!(
            "--dir {dir_url}: the migration directory is a file:// URL, e.g. file://migrations"
        ))
    })?;
    Ok(Ctx {
        url: c.url.clone().or_else(|| {
            env.as_ref()
                .and_then(|e| e.env.url.as_ref().map(|u| e.url(u)))
        }),
        dir: PathBuf::from(dir.split('?').next().unwrap_or(dir)),
        dev: c
            .dev_url
            .clone()
            .or_else(|| env.as_ref().and_then(|e| e.env.dev.clone())),
        revisions_schema: c.revisions_schema.clone().or(m.revisions_schema),
        format,
        env,
        json: c.format == Format::Json,
        output: c.format,
        lock_timeout: c.lock_timeout,
    })
}

impl Ctx {
    fn url(&self) -> Result<&str> {
        self.url.as_deref().ok_or_else(|| {
            CliError::usage("missing --url (or an env in strata.hcl that sets it; see --help)")
        })
    }

    fn read_dir(&self) -> Result<Dir> {
        if !self.dir.is_dir() {
            return Err(CliError::failure(format!(
                "the migration directory {} does not exist (create it with `strata migrate new`)",
                self.dir.display()
            )));
        }
        Ok(formats::read(&self.dir, self.format)?.dir)
    }

    /// The directory, refused unless it matches atlas.sum.
    fn checked_dir(&self) -> Result<Dir> {
        let dir = self.read_dir()?;
        if self.format != Format_::Atlas {
            // Other tools' directories have no atlas.sum (`migrate import` writes one).
            return Ok(dir);
        }
        sum::verify(&dir).map_err(|m| {
            CliError::failure(format!(
                "{}: {m}; nothing was changed",
                self.dir.join(SUM_FILE).display()
            ))
        })?;
        Ok(dir)
    }

    fn dialect_hint(&self) -> Dialect {
        [self.url.as_deref(), self.dev.as_deref()]
            .into_iter()
            .flatten()
            .find_map(|u| workspace::parse_db(u).ok().map(|d| d.dialect))
            .unwrap_or(Dialect::Sqlite)
    }

    fn dev(&self, dialect: Dialect) -> Result<Box<dyn Driver>> {
        let url = self.dev.as_deref().map(workspace::parse_db).transpose()?;
        crate::output::announce_dev(self.dev.as_deref());
        Ok(driver::open_dev(url.as_ref(), dialect)?)
    }

    /// The target, with its store and the scope its URL names.
    fn target(&self, create: bool) -> Result<Target> {
        let url = self.url()?.to_string();
        let db_url = workspace::parse_db(&url)?;
        let db = driver::open(&db_url, create)?;
        let store = Store::new(db.dialect(), self.revisions_schema.as_deref());
        let schemas = self
            .env
            .as_ref()
            .map(|e| e.env.schemas.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| driver::url_schemas(&db_url));
        Ok(Target {
            url,
            db,
            store,
            scope: Scope {
                schemas,
                exclude: Vec::new(),
            },
        })
    }
}

struct Target {
    url: String,
    db: Box<dyn Driver>,
    store: Store,
    scope: Scope,
}

impl Target {
    /// The run lock `schema apply` takes too (core's pipeline), so the two
    /// wait for each other on one database.
    fn lock(&mut self, timeout: Duration) -> Result<()> {
        pipeline::lock_for_migrations(self.db.as_mut(), timeout)?;
        Ok(())
    }

    fn history(&mut self) -> Result<(Vec<Revision>, Vec<FileRecord>)> {
        let revs = self
            .store
            .read(self.db.as_mut())
            .map_err(|e| CliError::failure(format!("cannot read the revision history: {e}")))?;
        let kept = self
            .store
            .files(self.db.as_mut())
            .map_err(|e| CliError::failure(format!("cannot read the kept migration files: {e}")))?;
        Ok((revs, kept))
    }
}

fn write_sum(dir_path: &Path) -> Result<Dir> {
    let dir = Dir::read(dir_path)?;
    std::fs::write(dir_path.join(SUM_FILE), sum::compute(&dir)).map_err(|e| {
        CliError::failure(format!(
            "cannot write {}: {e}",
            dir_path.join(SUM_FILE).display()
        ))
    })?;
    Ok(dir)
}

/// `YYYYMMDDHHMMSS` in UTC: Atlas's version format.
fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days → civil date.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A version newer than every file's: the timestamp, or one past the latest
/// when that is not newer (two files in one second, or a clock behind).
fn next_version(dir: &Dir) -> String {
    let ts = timestamp();
    match dir.latest() {
        Some(l)
            if strata_core::migrate::dir::compare_versions(&ts, &l.version).is_le()
                && l.version.chars().all(|c| c.is_ascii_digit()) =>
        {
            let n: u128 = l.version.parse().unwrap_or(0);
            format!("{:0width$}", n + 1, width = l.version.len())
        }
        _ => ts,
    }
}

fn file_name(version: &str, name: Option<&str>) -> String {
    match name.filter(|n| !n.is_empty()) {
        Some(n) => format!("{version}_{n}.sql"),
        None => format!("{version}.sql"),
    }
}

fn new(a: NewArgs) -> Result<ExitCode> {
    let c = ctx(&a.conn)?;
    std::fs::create_dir_all(&c.dir)
        .map_err(|e| CliError::failure(format!("cannot create {}: {e}", c.dir.display())))?;
    let dir = Dir::read(&c.dir)?;
    if dir.sum.is_some() || !dir.files.is_empty() {
        sum::verify(&dir).map_err(|m| CliError::failure(m.to_string()))?;
    }
    let path = c
        .dir
        .join(file_name(&next_version(&dir), a.name.as_deref()));
    std::fs::write(&path, "")
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))?;
    write_sum(&c.dir)?;
    println!("{}", path.display());
    Ok(ExitCode::SUCCESS)
}

fn hash(conn: Conn) -> Result<ExitCode> {
    let c = ctx(&conn)?;
    if c.format != Format_::Atlas {
        return Err(CliError::usage(
            "atlas.sum belongs to Atlas-format directories: `strata migrate import` converts this one",
        ));
    }
    let dir = c.read_dir()?;
    let text = sum::compute(&dir);
    if dir.sum.as_deref() != Some(text.as_str()) {
        write_sum(&c.dir)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Replays the directory's files (up to `upto`) on a clean dev database.
fn replay(
    c: &Ctx,
    dir: &Dir,
    dev: &mut dyn Driver,
    dialect: Dialect,
    scope: &Scope,
) -> Result<strata_core::Realm> {
    let files: Vec<strata_core::SourceFile> = dir
        .files
        .iter()
        .map(|f| {
            let text = if f.directives.delimiter.is_some() {
                f.statements(dialect).join(";\n")
            } else {
                f.text.clone()
            };
            strata_core::SourceFile::new(c.dir.join(&f.name).to_string_lossy().as_ref(), text)
        })
        .collect();
    let desired = Desired::read(files, dialect);
    let files = desired.files.clone();
    workspace::normalize(&desired, dev, scope).map_err(|e| CliError::from(e).with_files(&files))
}

fn validate(conn: Conn) -> Result<ExitCode> {
    let c = ctx(&conn)?;
    let dir = c.checked_dir()?;
    let dialect = c.dialect_hint();
    if dialect == Dialect::Postgres && c.dev.is_none() {
        println!(
            "{GREEN}atlas.sum matches{GREEN:#} {} file(s); pass --dev-url to replay them too.",
            dir.files.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut dev = c.dev(dialect)?;
    replay(&c, &dir, dev.as_mut(), dialect, &Scope::default())?;
    if c.json {
        println!("{}", json!({"files": dir.files.len(), "valid": true}));
    } else {
        println!(
            "{GREEN}Valid{GREEN:#}: atlas.sum matches and {} file(s) replay cleanly.",
            dir.files.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn diff(a: DiffArgs) -> Result<ExitCode> {
    let c = ctx(&a.conn)?;
    let to: Vec<String> = if a.to.is_empty() {
        c.env
            .as_ref()
            .map(|e| e.env.src.iter().map(|s| e.url(s)).collect())
            .unwrap_or_default()
    } else {
        a.to.clone()
    };
    if to.is_empty() {
        return Err(CliError::usage(
            "missing --to (the desired schema, e.g. file://schema.hcl)",
        ));
    }
    std::fs::create_dir_all(&c.dir)
        .map_err(|e| CliError::failure(format!("cannot create {}: {e}", c.dir.display())))?;
    let dir = Dir::read(&c.dir)?;
    if dir.sum.is_some() || !dir.files.is_empty() {
        sum::verify(&dir).map_err(|m| CliError::failure(m.to_string()))?;
    }
    let paths = workspace::file_paths(&to)?;
    let files = strata_core::source::read_files(&paths)?;
    let dialect = match c.dev.as_deref().or(c.url.as_deref()) {
        Some(_) => c.dialect_hint(),
        None => strata_core::source::infer_dialect(&files, None)?,
    };
    let desired = Desired::read(files, dialect);
    if desired.has_errors() {
        let mut e = CliError::failure("the desired schema has errors; nothing was written")
            .with_files(&desired.files);
        e.diagnostics = desired.diagnostics.clone();
        return Err(e);
    }
    let scope = Scope::default();
    let mut dev = c.dev(dialect)?;
    let current = replay(&c, &dir, dev.as_mut(), dialect, &scope)?;
    let mut state = State::Files(Box::new(desired));
    let files = match &state {
        State::Files(d) => d.files.clone(),
        State::Database(_) => Default::default(),
    };
    let target = workspace::realize(&mut state, Some(dev.as_mut()), None, &scope)
        .map_err(|e| CliError::from(e).with_files(&files))?;
    let planned = workspace::planned(current, target, dialect, &DiffOptions::default())?;
    if planned.plan.is_empty() {
        println!(
            "The migration directory is synced with the desired state, no changes to be made."
        );
        return Ok(ExitCode::SUCCESS);
    }
    let path = c
        .dir
        .join(file_name(&next_version(&dir), a.name.as_deref()));
    std::fs::write(&path, planned.plan.to_sql())
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))?;
    write_sum(&c.dir)?;
    println!("{}", path.display());
    Ok(ExitCode::SUCCESS)
}

fn lint(a: LintArgs) -> Result<ExitCode> {
    let c = ctx(&a.conn)?;
    let dir = c.checked_dir()?;
    let dialect = c.dialect_hint();
    let mut dev = c.dev(dialect)?;
    let config = c.env.as_ref().map(|e| e.policy().lint).unwrap_or_default();
    let reports = strata_core::migrate::lint::lint(
        &dir,
        a.latest,
        dialect,
        dev.as_mut(),
        &Scope::default(),
        &config,
    )
    .map_err(CliError::from)?;
    let failing = reports
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| f.is_destructive() || f.severity == strata_core::Severity::Error)
        .count();
    let mut locator = report::Locator::default();
    let mut items: Vec<report::Item> = Vec::new();
    for r in &reports {
        for f in &r.findings {
            items.push(report::Item {
                finding: f,
                location: locator.locate(f),
                group: Some(r.file.clone()),
            });
        }
    }
    let fallback = reports.last().map(|r| r.path.to_string());
    match c.output {
        Format::Json => {
            let files: Vec<serde_json::Value> = reports
                .iter()
                .map(|r| {
                    let findings: Vec<serde_json::Value> = items
                        .iter()
                        .filter(|i| i.group.as_deref() == Some(r.file.as_str()))
                        .map(report::finding_json)
                        .collect();
                    json!({"file": r.file, "findings": findings, "ignored": r.ignored})
                })
                .collect();
            println!("{}", json!({ "files": files }));
            if failing > 0 {
                crate::output::json_failure_reported();
            }
        }
        Format::Sarif | Format::Github => {
            report::print(c.output, "strata migrate lint", &items, fallback.as_deref())
        }
        Format::Text => {
            for r in &reports {
                println!("{BOLD}{}{BOLD:#}", r.file);
                let mine: Vec<&report::Item> = items
                    .iter()
                    .filter(|i| i.group.as_deref() == Some(r.file.as_str()))
                    .collect();
                if mine.is_empty() {
                    println!("  {GREEN}no findings{GREEN:#}");
                }
                for i in mine {
                    let f = i.finding;
                    let style = if f.is_destructive() || f.severity == strata_core::Severity::Error
                    {
                        RED
                    } else {
                        YELLOW
                    };
                    let at = i
                        .location
                        .as_ref()
                        .map(|l| format!("{}:{}: ", r.file, l.line))
                        .unwrap_or_default();
                    println!("  {at}{style}{}{style:#}: {}", f.code, f.message);
                    if let Some(fix) = &f.fix {
                        println!("    {DIM}fix: {}{DIM:#}", fix.description);
                    }
                }
                if r.ignored > 0 {
                    println!("  {DIM}{} finding(s) silenced by nolint{DIM:#}", r.ignored);
                }
            }
        }
    }
    if failing > 0 {
        return Err(CliError::failure(format!(
            "{failing} destructive or failing change(s) (see above); silence one on purpose with `-- atlas:nolint CODE` right before its statement (or in the file's header for the whole file)"
        )));
    }
    Ok(ExitCode::SUCCESS)
}

fn import(a: ImportArgs) -> Result<ExitCode> {
    let c = ctx(&a.conn)?;
    let dir = c.read_dir()?;
    let out = a.to.strip_prefix("file://").ok_or_else(|| {
        CliError::usage(format!(
            "--to {}: a file:// directory, e.g. file://migrations",
            a.to
        ))
    })?;
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)
        .map_err(|e| CliError::failure(format!("cannot create {}: {e}", out.display())))?;
    if std::fs::read_dir(&out)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false)
    {
        return Err(CliError::failure(format!(
            "{} is not empty: import writes into a new directory; nothing was written",
            out.display()
        )));
    }
    for f in &dir.files {
        let path = out.join(&f.name);
        std::fs::write(&path, &f.text)
            .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))?;
    }
    write_sum(&out)?;
    println!(
        "Imported {} migration(s) into {} (down parts are not copied: `strata migrate down` computes its own plan).",
        dir.files.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn fmt_took(d: Duration) -> String {
    format!("{d:.1?}")
}

fn apply_cmd(a: ApplyArgs) -> Result<ExitCode> {
    let c = ctx(&a.conn)?;
    let tx_mode = TxMode::parse(&a.tx_mode).ok_or_else(|| {
        CliError::usage(format!(
            "unknown tx-mode \"{}\" (use file, all or none)",
            a.tx_mode
        ))
    })?;
    let dir = c.checked_dir()?;
    let mut t = c.target(true)?;
    t.lock(c.lock_timeout)?;
    let (revs, kept) = t.history()?;
    let ahead = apply::beyond(&dir, &revs);
    if !ahead.is_empty() {
        let m = c.env.as_ref().map(|e| &e.env.migration);
        let allow = Allow {
            down: a.allow_down || m.is_some_and(|m| m.allow_down),
            drift: a.allow_drift || m.is_some_and(|m| m.allow_drift),
        };
        return rollback_by_intent(&c, t, &dir, &revs, &kept, &ahead, allow, a.dry_run);
    }
    let opts = apply::Options {
        tx_mode,
        count: a.count,
        to_version: a.to_version.clone(),
        baseline: a.baseline.clone().or_else(|| {
            c.env
                .as_ref()
                .and_then(|e| e.env.migration.baseline.clone())
        }),
        allow_dirty: a.allow_dirty,
    };
    let schedule = apply::schedule(&dir, &revs, &kept, t.db.dialect(), &opts)
        .map_err(|m| CliError::failure(format!("{m}; nothing was changed")))?;
    if revs.is_empty() && schedule.baseline.is_none() && !opts.allow_dirty {
        let mut realm = t.db.inspect(&t.scope)?;
        t.store.strip(&mut realm);
        if realm
            .schemas
            .iter()
            .any(|s| !s.tables.is_empty() || !s.views.is_empty())
        {
            return Err(CliError::failure(format!(
                "{} has no migration history but already holds tables: nothing was changed. \
                 Pass --baseline VERSION to mark the files up to VERSION as already applied, \
                 or --allow-dirty to apply on top of what is there",
                redact(&t.url)
            )));
        }
    }
    if schedule.pending.is_empty() {
        if c.json {
            println!(
                "{}",
                json!({"current": schedule.current, "pending": [], "applied": []})
            );
        } else {
            println!("No migration files to execute");
        }
        return Ok(ExitCode::SUCCESS);
    }
    print_header(&c, &schedule);
    if a.dry_run {
        for p in &schedule.pending {
            if !c.json {
                println!("  {DIM}-- migrating version {}{DIM:#}", p.file.version);
                for s in &p.statements[p.start..] {
                    println!("    -> {s};");
                }
            }
        }
        if c.json {
            println!("{}", schedule_json(&schedule));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let started = Instant::now();
    let mut applied = Vec::new();
    let mut on_event = |ev: apply::Event| match ev {
        apply::Event::File { pending } => {
            applied.push(json!({"version": pending.file.version, "file": pending.file.name, "statements": []}));
            if !c.json {
                let resumed = if pending.start > 0 {
                    format!(" (resuming at statement {})", pending.start + 1)
                } else {
                    String::new()
                };
                println!(
                    "\n  {BOLD}-- migrating version {}{BOLD:#}{resumed}",
                    pending.file.version
                );
            }
        }
        apply::Event::Statement { sql, took, .. } => {
            if let Some(last) = applied.last_mut() {
                last["statements"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"sql": sql, "ms": took.as_secs_f64() * 1000.0}));
            }
            if !c.json {
                println!("    -> {sql}; {DIM}({}){DIM:#}", fmt_took(took));
            }
        }
        apply::Event::FileDone { took, .. } => {
            if !c.json {
                println!("  {GREEN}-- ok{GREEN:#} {DIM}({}){DIM:#}", fmt_took(took));
            }
        }
    };
    let all = tx_mode == TxMode::All;
    let result = apply::run(
        t.db.as_mut(),
        &t.store,
        &schedule,
        &t.scope,
        all,
        &mut on_event,
    );
    t.db.unlock();
    match result {
        Ok(outcome) => {
            if c.json {
                println!(
                    "{}",
                    json!({"current": outcome.last_version, "applied": applied, "files": outcome.files, "statements": outcome.statements})
                );
            } else {
                println!("  -------------------------");
                println!("  -- {}", fmt_took(started.elapsed()));
                println!("  -- {} migrations", outcome.files);
                println!("  -- {} sql statements", outcome.statements);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(f) => {
            if c.json {
                println!("{}", json!({"applied": applied, "error": f}));
                crate::output::json_failure_reported();
            }
            let state = if f.rolled_back {
                "the file's statements were rolled back".to_string()
            } else {
                format!(
                    "{} statement(s) of it stay applied (txmode none); rerun to resume after them, or `strata migrate down` to go back",
                    f.applied
                )
            };
            eprintln!("  {RED}-- failed{RED:#}");
            if f.version.is_empty() || f.sql.is_empty() {
                return Err(CliError::failure(format!(
                    "{}; nothing more was applied",
                    f.message
                )));
            }
            Err(CliError::failure(format!(
                "executing statement \"{};\" from version \"{}\" ({}, statement {}): {}; {state}",
                f.sql,
                f.version,
                f.file,
                f.index + 1,
                f.message
            )))
        }
    }
}

fn print_header(c: &Ctx, s: &Schedule) {
    if c.json {
        return;
    }
    let to = &s.pending.last().unwrap().file.version;
    let from = s
        .current
        .as_ref()
        .map(|v| format!(" from {v}"))
        .unwrap_or_default();
    println!(
        "{BOLD}Migrating to version {to}{from} ({} migrations in total):{BOLD:#}",
        s.pending.len()
    );
}

fn schedule_json(s: &Schedule) -> serde_json::Value {
    json!({
        "current": s.current,
        "pending": s.pending.iter().map(|p| json!({
            "version": p.file.version,
            "file": p.file.name,
            "start": p.start,
            "statements": p.statements[p.start..],
        })).collect::<Vec<_>>(),
    })
}

/// What going down by intent is allowed to do.
#[derive(Clone, Copy)]
struct Allow {
    down: bool,
    drift: bool,
}

/// The database is ahead of the directory: an older build was deployed.
#[allow(clippy::too_many_arguments)]
fn rollback_by_intent(
    c: &Ctx,
    mut t: Target,
    dir: &Dir,
    revs: &[Revision],
    kept: &[FileRecord],
    ahead: &[Revision],
    allow: Allow,
    dry_run: bool,
) -> Result<ExitCode> {
    let latest = dir.latest().map(|f| f.version.clone());
    let names: Vec<String> = ahead
        .iter()
        .map(|r| {
            if r.description.is_empty() {
                r.version.clone()
            } else {
                format!("{} ({})", r.version, r.description)
            }
        })
        .collect();
    if !allow.down {
        t.db.unlock();
        return Err(CliError::failure(format!(
            "the database is ahead of the migration directory: it has applied {} beyond the directory's latest version ({}). \
             Nothing was changed. If an older build is being deployed on purpose, rerun with --allow-down \
             (or `migration {{ allow_down = true }}` in the env) to revert them, or run \
             `strata migrate down --to-version {}` to review the plan first; otherwise deploy the newer directory",
            names.join(", "),
            latest.as_deref().unwrap_or("none"),
            latest.as_deref().unwrap_or("0")
        )));
    }
    if !c.json {
        println!(
            "{YELLOW}The database is ahead of the directory{YELLOW:#}: reverting {} (the directory ends at {}).",
            names.join(", "),
            latest.as_deref().unwrap_or("no version")
        );
    }
    // Before anything runs: a database changed outside migrations is not
    // reverted silently along with the versions.
    if let Drift::Found { version, ddl } = drift_check(c, &mut t, dir, revs, kept)? {
        if !allow.drift {
            t.db.unlock();
            let refusal = pipeline::Refusal::Drifted {
                version,
                drift: ddl,
            };
            return Err(CliError::failure(refusal.to_string()));
        }
        eprintln!(
            "{YELLOW}warning{YELLOW:#}: the schema drifted from what version {version} left (changed outside migrations); \
             --allow-drift: the down plan below reverts it too:"
        );
        for d in &ddl {
            eprintln!("  {d};");
        }
    }
    let target = if latest.is_some() {
        // The newest applied version the directory still has.
        revs.iter()
            .rfind(|r| !ahead.iter().any(|a| a.version == r.version))
            .map(|r| r.version.clone())
    } else {
        None
    };
    run_down(c, t, dir, revs, kept, target, dry_run, true)
}

/// Whether the schema is what the latest applied version left (fingerprints
/// recorded at apply time; the directory is replayed only when they differ,
/// to name the difference). A check that cannot tell says why.
fn drift_check(
    c: &Ctx,
    t: &mut Target,
    dir: &Dir,
    revs: &[Revision],
    kept: &[FileRecord],
) -> Result<Drift> {
    let dialect = t.db.dialect();
    let drift = migrate_drift::check(
        t.db.as_mut(),
        &mut || {
            let url = c.dev.as_deref().map(workspace::parse_db).transpose()?;
            driver::open_dev(url.as_ref(), dialect)
        },
        &t.store,
        dir,
        revs,
        kept,
        &t.scope,
    )?;
    if let Drift::Unknown(why) = &drift {
        if !c.json {
            eprintln!("{DIM}note: drift not checked: {why}{DIM:#}");
        }
    }
    Ok(drift)
}

fn down_cmd(a: DownArgs) -> Result<ExitCode> {
    let c = ctx(&a.conn)?;
    let dir = match &a.to_tag {
        Some(r) => {
            let d = dir_at_ref(&c.dir, r)?;
            sum::verify(&d).map_err(|m| {
                CliError::failure(format!(
                    "{} at {r}: {m}; nothing was changed",
                    c.dir.display()
                ))
            })?;
            d
        }
        None => c.checked_dir()?,
    };
    let mut t = c.target(false)?;
    t.lock(c.lock_timeout)?;
    let (revs, kept) = t.history()?;
    let to_version = match &a.to_tag {
        Some(r) => Some(dir.latest().map(|f| f.version.clone()).ok_or_else(|| {
            CliError::failure(format!("the directory at {r} has no migration files"))
        })?),
        None => a.to_version.clone(),
    };
    let target = down::target(&revs, a.count, to_version.as_deref())?;
    // An explicit down reverts to the target version's schema whatever the
    // database holds; drift is shown, not refused (the plan is reviewed).
    if let Drift::Found { version, ddl } = drift_check(&c, &mut t, &dir, &revs, &kept)? {
        eprintln!(
            "{YELLOW}warning{YELLOW:#}: the schema drifted from what version {version} left (changed outside migrations); \
             the down plan reverts to the target version's schema, drift included:"
        );
        for d in &ddl {
            eprintln!("  {d};");
        }
    }
    run_down(&c, t, &dir, &revs, &kept, target, a.dry_run, a.auto_approve)
}

#[allow(clippy::too_many_arguments)]
fn run_down(
    c: &Ctx,
    mut t: Target,
    dir: &Dir,
    revs: &[Revision],
    kept: &[FileRecord],
    target: Option<String>,
    dry_run: bool,
    auto_approve: bool,
) -> Result<ExitCode> {
    let dialect = t.db.dialect();
    let mut dev = c.dev(dialect)?;
    let plan = down::plan(
        t.db.as_mut(),
        dev.as_mut(),
        &t.store,
        dir,
        revs,
        kept,
        target.as_deref(),
        &t.scope,
    )
    .map_err(CliError::from)?;
    drop(dev);
    let n = plan.reverted.len();
    if !c.json {
        println!(
            "{BOLD}Migrating down from version {} to {} ({n} migrations in total):{BOLD:#}",
            plan.from.as_deref().unwrap_or("none"),
            plan.to.as_deref().unwrap_or("none (no version)"),
        );
        print_down(&plan);
    }
    // The gate `schema apply` passes, in its words: rows the plan would fail
    // on (a NOT NULL column re-added to a table with rows).
    let findings: Vec<_> = plan
        .steps
        .iter()
        .flat_map(|s| s.findings.iter().cloned())
        .collect();
    if let Some(refusal) = pipeline::gate_findings(&findings) {
        for f in &findings {
            if f.severity == strata_core::Severity::Error {
                eprintln!("  {RED}error {}{RED:#}: {}", f.code, f.message);
            }
        }
        return Err(CliError::failure(refusal.to_string()));
    }
    if dry_run {
        let hand = hand_written(c, dir, kept, &plan, dialect)?;
        let mut results = Vec::new();
        let r = down::run_checks(t.db.as_mut(), &plan, &mut |ev| {
            if let down::Event::Check { check, passed } = ev {
                results.push(json!({"check": check.sql, "passed": passed}));
                if !c.json {
                    let mark = if passed {
                        format!("{GREEN}passes{GREEN:#}")
                    } else {
                        format!("{RED}fails{RED:#}")
                    };
                    println!("  check {}: {mark}", check.sql);
                }
            }
        });
        if c.json {
            println!(
                "{}",
                json!({"plan": plan, "checks": results, "hand_written": hand, "dry_run": true})
            );
        }
        return match r {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(f) => Err(CliError::failure(f.to_string())),
        };
    }
    // The data checks are the down's row pre-checks: run before asking, so a
    // refusal comes before the question (and again inside the transaction,
    // where they are binding).
    if let Err(f) = down::run_checks(t.db.as_mut(), &plan, &mut |_| {}) {
        eprintln!("  {RED}error{RED:#}: {f}");
        return Err(CliError::failure(
            pipeline::Refusal::RowsWouldFail.to_string(),
        ));
    }
    if !auto_approve {
        confirm(&plan, &t.url)?;
    }
    let started = Instant::now();
    let mut done = Vec::new();
    let result = down::run(
        t.db.as_mut(),
        &t.store,
        &plan,
        &t.scope,
        &mut |ev| match ev {
            down::Event::Step { step } => {
                if !c.json {
                    println!(
                        "\n  {BOLD}-- reverting version {}{BOLD:#}",
                        step.versions.join(", ")
                    );
                }
            }
            down::Event::Check { check, passed } => {
                if !c.json {
                    let mark = if passed {
                        format!("{GREEN}ok{GREEN:#}")
                    } else {
                        format!("{RED}failed{RED:#}")
                    };
                    println!("    -> check {} {mark}", check.sql);
                }
            }
            down::Event::Statement { sql, took, .. } => {
                done.push(json!({"sql": sql, "ms": took.as_secs_f64() * 1000.0}));
                if !c.json {
                    println!("    -> {sql}; {DIM}({}){DIM:#}", fmt_took(took));
                }
            }
        },
    );
    t.db.unlock();
    match result {
        Ok(()) => {
            if c.json {
                println!("{}", json!({"plan": plan, "executed": done}));
            } else {
                println!("  -------------------------");
                println!("  -- {}", fmt_took(started.elapsed()));
                println!("  -- {n} migrations reverted");
                println!(
                    "  -- {} sql statements, {} checks",
                    plan.statements(),
                    plan.checks()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(f) => Err(CliError::failure(f.to_string())),
    }
}

/// For directories of tools with hand-written downs: what each of them would
/// leave compared with the computed plan (printed; they never run).
fn hand_written(
    c: &Ctx,
    dir: &Dir,
    kept: &[FileRecord],
    plan: &DownPlan,
    dialect: Dialect,
) -> Result<Vec<down::HandWritten>> {
    if c.format == Format_::Atlas {
        return Ok(Vec::new());
    }
    let downs = formats::read(&c.dir, c.format)?.downs;
    let mut out = Vec::new();
    let mut dev = c.dev(dialect)?;
    for (i, r) in plan.reverted.iter().enumerate() {
        let Some((_, sql)) = downs.iter().find(|(v, _)| *v == r.version) else {
            continue;
        };
        let prev = if i == 0 {
            plan.to.clone()
        } else {
            Some(plan.reverted[i - 1].version.clone())
        };
        let h = down::compare_hand_written(
            dir,
            kept,
            &r.version,
            prev.as_deref(),
            sql,
            dialect,
            dev.as_mut(),
            &Scope::default(),
        )?;
        if !c.json {
            match (&h.error, h.remaining.is_empty()) {
                (Some(e), _) => println!(
                    "  {YELLOW}the hand-written down of version {} fails{YELLOW:#}: {e}",
                    h.version
                ),
                (None, true) => println!(
                    "  {GREEN}the hand-written down of version {} agrees with the computed plan{GREEN:#}",
                    h.version
                ),
                (None, false) => {
                    println!(
                        "  {YELLOW}the hand-written down of version {} disagrees{YELLOW:#}: after it, these would still be needed:",
                        h.version
                    );
                    for st in &h.remaining {
                        println!("    {st};");
                    }
                }
            }
        }
        out.push(h);
    }
    Ok(out)
}

fn print_down(plan: &DownPlan) {
    for s in &plan.steps {
        let desc = if s.description.is_empty() {
            String::new()
        } else {
            format!(" ({})", s.description)
        };
        println!("\n  {DIM}-- version {}{desc}{DIM:#}", s.versions.join(", "));
        if s.checks.is_empty() && s.plan.steps.is_empty() {
            println!("    {DIM}(nothing to undo in the schema; the revision is removed){DIM:#}");
        }
        for ch in &s.checks {
            println!("    check: {}", ch.sql);
        }
        for st in &s.plan.steps {
            let style = if st.destructive { RED } else { YELLOW };
            println!("    {style}{};{style:#}", st.sql);
        }
    }
    println!();
}

fn confirm(plan: &DownPlan, url: &str) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::failure(
            "refusing to migrate down without a terminal to confirm on: nothing was changed. \
Review the plan above, then re-run with --auto-approve (or use --dry-run to only print it)",
        ));
    }
    eprint!(
        "\nRevert {} migration(s) ({} statements, {} checks) on {}? [y/N] ",
        plan.reverted.len(),
        plan.statements(),
        plan.checks(),
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
        Err(CliError::failure("not reverted: the answer was not yes"))
    }
}

fn status(conn: Conn) -> Result<ExitCode> {
    let c = ctx(&conn)?;
    let dir = c.read_dir()?;
    let mut t = c.target(false)?;
    let (revs, _) = t.history()?;
    let ahead = apply::beyond(&dir, &revs);
    let done: Vec<&Revision> = revs.iter().filter(|r| r.is_complete()).collect();
    let current = done.last().map(|r| r.version.clone());
    let incomplete = revs.iter().find(|r| !r.is_complete());
    let pending: Vec<&MigrationFile> = dir
        .files
        .iter()
        .filter(|f| !done.iter().any(|r| r.version == f.version))
        .filter(|f| {
            current.as_deref().is_none_or(|cur| {
                strata_core::migrate::dir::compare_versions(&f.version, cur).is_gt()
            })
        })
        .collect();
    let state = if !ahead.is_empty() {
        "AHEAD"
    } else if pending.is_empty() {
        "OK"
    } else {
        "PENDING"
    };
    if c.json {
        println!(
            "{}",
            json!({
                "status": state,
                "current": current,
                "next": pending.first().map(|f| &f.version),
                "executed": done.len(),
                "pending": pending.iter().map(|f| &f.name).collect::<Vec<_>>(),
                "ahead": ahead.iter().map(|r| &r.version).collect::<Vec<_>>(),
                "failed": incomplete,
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("Migration Status: {state}");
    println!(
        "  -- Current Version: {}",
        current.as_deref().unwrap_or("No migration applied yet")
    );
    println!(
        "  -- Next Version:    {}",
        pending
            .first()
            .map_or("Already at latest version", |f| f.version.as_str())
    );
    println!("  -- Executed Files:  {}", done.len());
    println!("  -- Pending Files:   {}", pending.len());
    if !ahead.is_empty() {
        let v: Vec<&str> = ahead.iter().map(|r| r.version.as_str()).collect();
        println!(
            "  -- Beyond the directory: {} (an older directory; `migrate apply --allow-down` reverts them)",
            v.join(", ")
        );
    }
    if let Some(r) = incomplete {
        println!();
        match &r.error {
            Some(e) => {
                println!(
                    "Version {} failed after {} of {} statement(s):",
                    r.version, r.applied, r.total
                );
                println!("  -- SQL:   {}", r.error_stmt.as_deref().unwrap_or(""));
                println!("  -- ERROR: {e}");
            }
            None => println!(
                "Version {} is partly applied: {} of {} statement(s).",
                r.version, r.applied, r.total
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn set(a: SetArgs) -> Result<ExitCode> {
    let c = ctx(&a.conn)?;
    let dir = c.checked_dir()?;
    if dir.file(&a.version).is_none() {
        return Err(CliError::usage(format!(
            "the directory has no file with version {}",
            a.version
        )));
    }
    let mut t = c.target(true)?;
    t.lock(c.lock_timeout)?;
    let (revs, _) = t.history()?;
    let dialect = t.db.dialect();
    let db = t.db.as_mut();
    t.store.ensure(db).map_err(CliError::failure)?;
    let tx = strata_core::migrate::tx::Tx::begin(db).map_err(CliError::failure)?;
    let hashes: std::collections::HashMap<String, String> =
        sum::dir_rows(&dir).into_iter().collect();
    let mut result = Ok(());
    let mut changed = 0;
    for f in &dir.files {
        let upto = strata_core::migrate::dir::compare_versions(&f.version, &a.version).is_le();
        let have = revs.iter().find(|r| r.version == f.version);
        if upto && !have.is_some_and(|r| r.is_complete()) {
            let n = f.statements(dialect).len() as i64;
            let rev = Revision {
                version: f.version.clone(),
                description: f.description.clone(),
                kind: revisions::TYPE_RESOLVED,
                applied: n,
                total: n,
                hash: format!("h1:{}", hashes.get(&f.name).cloned().unwrap_or_default()),
                operator_version: apply::operator_version(),
                ..Revision::default()
            };
            let rec = FileRecord {
                version: f.version.clone(),
                name: f.name.clone(),
                content: f.text.clone(),
                fingerprint: None,
            };
            result = result
                .and_then(|_| t.store.save(db, &rev))
                .and_then(|_| t.store.save_file(db, &rec));
            changed += 1;
        }
    }
    let later: Vec<String> = revs
        .iter()
        .filter(|r| strata_core::migrate::dir::compare_versions(&r.version, &a.version).is_gt())
        .map(|r| r.version.clone())
        .collect();
    result = result.and_then(|_| t.store.delete(db, &later));
    match result {
        Ok(()) => tx.commit(db).map_err(CliError::failure)?,
        Err(e) => {
            tx.rollback(db);
            return Err(CliError::failure(format!("{e}; nothing was changed")));
        }
    }
    t.db.unlock();
    println!(
        "The history now ends at version {}: {changed} version(s) marked applied, {} removed.",
        a.version,
        later.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn rm(a: RmArgs) -> Result<ExitCode> {
    let c = ctx(&a.conn)?;
    let dir = c.checked_dir()?;
    let file = dir.file(&a.version).ok_or_else(|| {
        CliError::usage(format!(
            "the directory has no file with version {}",
            a.version
        ))
    })?;
    if c.url.is_some() {
        let mut t = c.target(false)?;
        let (revs, _) = t.history()?;
        if revs.iter().any(|r| r.version == a.version) {
            return Err(CliError::failure(format!(
                "version {} is applied on {}: revert it first (`strata migrate down`); nothing was changed",
                a.version,
                redact(&t.url)
            )));
        }
    }
    let path = c.dir.join(&file.name);
    std::fs::remove_file(&path)
        .map_err(|e| CliError::failure(format!("cannot remove {}: {e}", path.display())))?;
    write_sum(&c.dir)?;
    println!("removed {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// The migration directory as it was at a git tag or commit, read with the
/// git CLI (`git ls-tree` and `git show`), without touching the work tree.
fn dir_at_ref(path: &Path, r: &str) -> Result<Dir> {
    let git = |args: &[&str]| -> Result<Vec<u8>> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(path)
            .args(args)
            .output()
            .map_err(|e| CliError::failure(format!("--to-tag needs the git command: {e}")))?;
        if !out.status.success() {
            return Err(CliError::failure(format!(
                "--to-tag {r}: git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(out.stdout)
    };
    let prefix = String::from_utf8_lossy(&git(&["rev-parse", "--show-prefix"])?)
        .trim()
        .to_string();
    let tree = format!("{r}:{prefix}");
    let names = String::from_utf8_lossy(&git(&["ls-tree", "--full-tree", "--name-only", &tree])?)
        .into_owned();
    let mut files = Vec::new();
    let mut sum_text = None;
    for name in names.lines() {
        let blob = format!("{r}:{prefix}{name}");
        if name == SUM_FILE {
            sum_text = Some(String::from_utf8_lossy(&git(&["show", &blob])?).into_owned());
        } else if name.ends_with(".sql") {
            let text = String::from_utf8(git(&["show", &blob])?)
                .map_err(|_| CliError::failure(format!("{name} at {r} is not UTF-8")))?;
            files.push(MigrationFile::new(name, text)?);
        }
    }
    Ok(Dir::new(path.to_path_buf(), files, sum_text)?)
}
