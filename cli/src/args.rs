//! Command-line arguments. Help texts teach: each flag says what it takes and
//! shows an example.

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  strata schema apply --url sqlite://app.db --to file://schema.hcl
  strata schema diff --from sqlite://app.db --to file://schema.hcl
  strata schema inspect --url sqlite://app.db --format sql
  strata schema apply --env local          (flags from strata.hcl / atlas.hcl)";

#[derive(Parser, Debug)]
#[command(
    name = "strata",
    version,
    about = "Schema as code for SQLite and PostgreSQL",
    long_about = "strata keeps your database schema in HCL (Atlas's dialect) or SQL files, \
computes the migration plan from what the database has to what the files say, lints it, \
and applies it in one transaction.",
    after_help = EXAMPLES
)]
pub struct Cli {
    /// When to color output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// Normalize schema files on the dev database every time, ignoring and not
    /// writing the cache of earlier results (also: STRATA_NO_CACHE=1).
    #[arg(long, global = true)]
    pub no_cache: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

// Parsed once per process; boxing would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Inspect, diff, apply and format schemas.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Versioned migrations: new, diff, hash, validate, apply, status, down, set, rm.
    #[command(subcommand)]
    Migrate(crate::commands::migrate::MigrateCommand),
    /// Start the language server on stdin/stdout (editors run this).
    Lsp,
}

#[derive(Subcommand, Debug)]
pub enum SchemaCommand {
    /// Print a database's schema as HCL, SQL or JSON.
    #[command(
        after_help = "Examples:\n  strata schema inspect --url sqlite://app.db\n  strata schema inspect --url sqlite://app.db --format sql --exclude 'audit_*'"
    )]
    Inspect(InspectArgs),
    /// Print the SQL that takes one state to another (nothing when they are equal).
    #[command(
        after_help = "Examples:\n  strata schema diff --from sqlite://app.db --to file://schema.hcl\n  strata schema diff --from file://old.sql --to file://new.sql"
    )]
    Diff(DiffArgs),
    /// Plan, review and apply the changes that bring a database to the desired schema.
    #[command(
        after_help = "Examples:\n  strata schema apply --url sqlite://app.db --to file://schema.hcl\n  strata schema apply --url sqlite://app.db --to file://schema/ --dry-run\n  strata schema apply --env local --auto-approve"
    )]
    Apply(ApplyArgs),
    /// Lint the desired schema itself: naming, missing primary keys, foreign keys
    /// without an index, nullable unique columns. Static: no database needed.
    #[command(
        after_help = "Examples:\n  strata schema lint --to file://schema.hcl\n  strata schema lint --env local --format sarif > strata.sarif"
    )]
    Lint(SchemaLintArgs),
    /// Plan for review at pull-request time: compute, lint and simulate the plan,
    /// and store it as a file that `schema apply` runs verbatim once approved.
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:\n  strata schema plan --env local --name add_email\n  strata schema plan --env local --name backfill --edit\n  strata schema plan --from file://main/schema.hcl --to file://schema.hcl --dev-url sqlite://dev?mode=memory\n  strata schema plan list --env local\n  strata schema plan approve plans/20261207141519_add_email.plan.hcl"
    )]
    Plan(crate::commands::plan::PlanCommandArgs),
    /// Rewrite HCL files in canonical style, keeping comments.
    #[command(
        after_help = "Examples:\n  strata schema fmt                 (every .hcl file in this directory)\n  strata schema fmt schema.hcl --check"
    )]
    Fmt(FmtArgs),
    /// Drop every object in a database (asks first).
    Clean(CleanArgs),
}

#[derive(Args, Debug, Default, Clone)]
pub struct ProjectArgs {
    /// Take URLs and policies from this env of strata.hcl (or atlas.hcl).
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// Project file to read instead of ./strata.hcl or ./atlas.hcl.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Set a project variable: --var name=value (repeatable).
    #[arg(long = "var", value_name = "KEY=VALUE")]
    pub vars: Vec<String>,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The database to inspect, e.g. sqlite://app.db.
    #[arg(short, long, value_name = "URL")]
    pub url: Option<String>,
    /// The dev database that normalizes schema files (file://…): a server URL,
    /// where strata creates and drops a scratch database, or ephemeral://postgres.
    /// Its dialect is the files' dialect.
    #[arg(long, value_name = "URL")]
    pub dev_url: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Hcl)]
    pub format: InspectFormat,
    /// Manage only this schema (repeatable); default: the URL's search_path, else all.
    #[arg(long = "schema", value_name = "NAME")]
    pub schemas: Vec<String>,
    /// Leave out objects matching a glob: `table`, `table.column` (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum InspectFormat {
    Hcl,
    Sql,
    Json,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The current state: a database or file:// schema.
    #[arg(long, value_name = "URL")]
    pub from: Option<String>,
    /// The desired state: a database or file:// schema (repeatable: several files).
    #[arg(long, value_name = "URL")]
    pub to: Vec<String>,
    /// Where to normalize schema files (default for SQLite: in memory).
    #[arg(long, value_name = "URL")]
    pub dev_url: Option<String>,
    /// Manage only this schema (repeatable); default: the URL's search_path, else all.
    #[arg(long = "schema", value_name = "NAME")]
    pub schemas: Vec<String>,
    /// Leave out objects matching a glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Sql)]
    pub format: PlanFormat,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum PlanFormat {
    Sql,
    Json,
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// The database to change, e.g. sqlite://app.db (created when missing).
    #[arg(short, long, value_name = "URL")]
    pub url: Option<String>,
    /// The desired schema: file://schema.hcl, file://schema.sql, file://dir, or a
    /// database; repeat it for several files (as Atlas's `-f a.hcl -f b.hcl`).
    #[arg(long, value_name = "URL")]
    pub to: Vec<String>,
    /// Where to normalize the desired schema (default for SQLite: in memory).
    #[arg(long, value_name = "URL")]
    pub dev_url: Option<String>,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking (required when there is no terminal to ask on).
    #[arg(long)]
    pub auto_approve: bool,
    /// Manage only this schema (repeatable); default: the URL's search_path, else all.
    #[arg(long = "schema", value_name = "NAME")]
    pub schemas: Vec<String>,
    /// Leave out objects matching a glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// How long to wait for another apply on the same database (e.g. 10s, 2m).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,
    /// Output format: a review for people, JSON for machines, or the lint
    /// findings alone as SARIF 2.1.0 or GitHub annotations (+ Markdown summary).
    #[arg(long, value_enum, default_value_t = ApplyFormat::Text)]
    pub format: ApplyFormat,
    #[command(flatten)]
    pub project: ProjectArgs,
}

pub type ApplyFormat = crate::report::ReportFormat;

#[derive(Args, Debug)]
pub struct SchemaLintArgs {
    /// The desired schema: file://schema.hcl, file://schema.sql or a directory
    /// (default: the env's `src`).
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = crate::report::ReportFormat::Text)]
    pub format: crate::report::ReportFormat,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Files or directories (default: the current directory).
    pub paths: Vec<String>,
    /// Only report files that are not formatted; exit 1 if any.
    #[arg(long)]
    pub check: bool,
}

#[derive(Args, Debug)]
pub struct CleanArgs {
    /// The database to empty.
    #[arg(short, long, value_name = "URL")]
    pub url: Option<String>,
    /// Drop without asking.
    #[arg(long)]
    pub auto_approve: bool,
    /// Print what would be dropped and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// `10s`, `500ms`, `2m`, or plain seconds.
pub(crate) fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((s, "s"), |i| s.split_at(i));
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 10s, 500ms or 2m"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("`{s}`: use ms, s or m")),
    };
    Ok(std::time::Duration::from_secs_f64(secs))
}
