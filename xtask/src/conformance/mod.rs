//! `cargo run -p xtask -- conformance --dialect sqlite|postgres --corpus ../shared/corpora/sqldef
//! [--min-pass 95] [--filter SUBSTR] [--verbose] [--json FILE]
//! [--pg-url postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable] [--jobs 2]`
//!
//! One round-trip conformance runner over the sqldef cases (see
//! `shared/corpora/README.md`), for every dialect. Each case is judged on a
//! real database, not on the text of the plan:
//!
//! 1. `current` is loaded into database A and `desired` into database B
//!    (a case whose SQL the database refuses is skipped, not failed);
//! 2. one row is seeded into each table of A;
//! 3. strata plans A → desired and applies the plan to A;
//! 4. canonical dumps of A and B must be equal;
//! 5. seeded rows must survive, and re-planning A → desired must be empty.
//!
//! The upstream expected `up` text is only a secondary signal: it decides
//! whether the first plan must be empty and, for `enable_drop: false`, which
//! state the database must end in.
//!
//! # Layout
//!
//! - this file: the command line, the summary and the `--min-pass` gate, and
//!   the two traits a dialect implements;
//! - [`case`]: INDEX.jsonl, the case record and what it expects;
//! - [`outcome`]: a case's result, failure classes, the per-case report line;
//! - [`judge`]: workers, panics, the judging steps above (shared by every
//!   dialect) and the re-seeding ladder;
//! - [`data`]: rows before and after, renames, what counts as lost;
//! - one module per dialect: [`sqlite`] (in-memory databases, PRAGMA dump),
//!   [`postgres`] (a server, template databases, `pg_dump`).
//!
//! # Adding a dialect
//!
//! Write `conformance/<dialect>.rs` with a [`Dialect`] (what the workers
//! share: a server connection, roles, a template; teardown in
//! [`Dialect::finish`]) and a [`Worker`] (one worker's databases A and B, and
//! a dev database): load a case, seed rows, snapshot rows, plan, apply, dump
//! and compare. Then add one arm to [`open`]. Everything else (case
//! selection, the judging steps, data-loss rules, panics, reporting, the
//! gate) is shared, so the dialects are judged alike.

mod case;
mod data;
mod judge;
mod outcome;
mod postgres;
mod sqlite;

use anyhow::{bail, Context, Result};
use case::{locate_index, Case};
use outcome::{CaseResult, Status};
use std::collections::BTreeMap;
use std::path::PathBuf;
use strata_core::diff::DiffOptions;
use strata_core::plan::Plan;
use strata_core::workspace::{Desired, Planned};

const USAGE: &str = "conformance --dialect sqlite|postgres --corpus DIR [--min-pass P] [--filter SUBSTR] [--verbose] [--json FILE] [--pg-url URL] [--jobs N]";

/// The note on a case that passed although A's columns are in another order
/// than B's (a database that cannot reorder columns in place); counted in the
/// summary.
const COLUMN_ORDER_NOTE: &str =
    "A matches B except for the order of columns (PostgreSQL cannot reorder columns in place)";

/// What one dialect's workers share, created once per run.
pub(crate) trait Dialect: Sync {
    /// One worker's databases. Workers run side by side (`--jobs`), each
    /// with its own; `n` numbers them (for database names).
    fn worker(&self, n: usize) -> Result<Box<dyn Worker + '_>>;

    /// Whether an apply that fails on the seeded rows is judged again with
    /// plainer rows, then none, to tell a data conflict from a planner bug.
    fn reseeds(&self) -> bool {
        false
    }

    /// After the run: drop whatever the workers left on the server.
    fn finish(&self) {}
}

/// How the rows seeded into A look (see [`judge`] for the ladder).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Seeding {
    /// Values a migrated row would plausibly hold (the desired schema's
    /// literals first, numbers that grow with the column position).
    Plausible,
    /// The same `1`, `'a'`, `2020-01-01` everywhere.
    Plain,
    /// Plain values in NOT NULL columns only (NULL passes any CHECK).
    Sparse,
}

/// How A compares with B after the plan ran.
pub(crate) enum Compared {
    Same,
    /// Equal but for something the dialect cannot change in place; the note
    /// says what (e.g. [`COLUMN_ORDER_NOTE`]).
    SameBut(&'static str),
    /// The canonical dumps differ.
    Differ {
        got: Vec<String>,
        want: Vec<String>,
    },
    /// A could not be dumped: a failure.
    Broken(String),
    /// The reference B could not be dumped: the case is skipped.
    NoReference(String),
}

/// Why an apply did not go through.
pub(crate) enum ApplyFailed {
    /// A could not even be reached: the case is skipped.
    Unreachable(String),
    /// A statement failed: a failure, with the statement.
    Statement { message: String, sql: String },
}

/// One worker's databases: A (the target), B (the reference) and whatever
/// the planner needs (a dev database). Every method is called for one case
/// at a time; errors are messages for the report.
pub(crate) trait Worker {
    /// Per case, before its first load: why the case does not apply here, if
    /// it does not (a server version, a missing extension). Resets any state
    /// of the previous case.
    fn begin(&mut self, case: &Case) -> Option<String>;

    /// Fresh A and B with `current` in A and the reference state in B (the
    /// case's `desired`, or `current` when it must end there, see
    /// [`Case::ends_at_current`]); only A when the case expects an error.
    /// Called again before each re-judgement. The error is why the case is
    /// skipped; the notes say what loading had to do.
    fn load(&mut self, case: &Case) -> std::result::Result<Vec<String>, String>;

    /// The desired schema as strata reads it (the case's text plus anything
    /// loading presupposed), with notes on what was added.
    fn desired(&self, case: &Case) -> (Desired, Vec<String>);

    /// Inserts rows into A's tables; returns notes on tables left empty.
    fn seed(&mut self, case: &Case, how: Seeding) -> Vec<String>;

    /// A's rows, per table.
    fn snapshot(&mut self) -> std::result::Result<data::Rows, String>;

    /// Plans A → desired; the error is a message.
    fn plan(
        &mut self,
        desired: &Desired,
        opts: &DiffOptions,
    ) -> std::result::Result<Planned, String>;

    /// Applies the plan to A.
    fn apply(&mut self, plan: &Plan) -> std::result::Result<(), ApplyFailed>;

    /// Canonical dumps of A and B, compared.
    fn compare(&mut self) -> Compared;

    /// Whether a seeded value `before` survived as `after` (the dialect's
    /// own renderings of a value after a type change).
    fn survives(&self, before: &str, after: &str) -> bool;

    /// After a panic: connections can no longer be trusted.
    fn recover(&mut self) {}
}

/// The dialect named by `--dialect`.
fn open(opts: &Options) -> Result<Box<dyn Dialect>> {
    Ok(match opts.dialect.as_str() {
        "sqlite" => Box::new(sqlite::Sqlite),
        "postgres" => Box::new(postgres::Postgres::start(opts)?),
        other => bail!("conformance: dialect {other:?} is not supported yet (sqlite, postgres)"),
    })
}

pub fn main(args: &[String]) -> Result<()> {
    let mut opts = Options::parse(args)?;
    if opts.dialect == "postgresql" {
        opts.dialect = "postgres".into();
    }
    if opts.dialect != "sqlite" && opts.dialect != "postgres" {
        bail!(
            "conformance: dialect {:?} is not supported yet (sqlite, postgres)",
            opts.dialect
        );
    }
    let started = std::time::Instant::now();
    let (index, corpus_name) = locate_index(&opts.corpus)?;
    let cases = case::load(&index, corpus_name.as_deref(), &opts)?;
    let dialect = open(&opts)?;
    let results = judge::run(dialect.as_ref(), &cases, &opts);
    dialect.finish();
    let results = results?;
    summarize(&opts, &index, &results, started)
}

/// The summary, the JSON report and the `--min-pass` gate on the portable
/// cases' pass rate.
fn summarize(
    opts: &Options,
    index: &std::path::Path,
    results: &[CaseResult],
    started: std::time::Instant,
) -> Result<()> {
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    let (passed, failed, skipped) = (
        count(Status::Pass),
        count(Status::Fail),
        count(Status::Skip),
    );
    let portable_judged = results
        .iter()
        .filter(|r| r.portable && r.status != Status::Skip)
        .count();
    let portable_passed = results
        .iter()
        .filter(|r| r.portable && r.status == Status::Pass)
        .count();
    let rate =
        (portable_judged > 0).then(|| 100.0 * portable_passed as f64 / portable_judged as f64);
    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    for r in results {
        if let Some(c) = r.class.as_deref() {
            *classes.entry(c).or_default() += 1;
        }
    }
    let shown_rate = rate.map_or("n/a".to_string(), |r| format!("{r:.1}%"));
    println!();
    println!(
        "conformance {}: {passed} passed, {failed} failed, {skipped} skipped (portable: {portable_passed}/{portable_judged} = {shown_rate})",
        opts.dialect,
    );
    if classes.is_empty() {
        println!("failure classes: none");
    } else {
        let list: Vec<String> = classes.iter().map(|(c, n)| format!("{c} {n}")).collect();
        println!("failure classes: {}", list.join(", "));
    }
    let column_order = results
        .iter()
        .filter(|r| r.status == Status::Pass && r.notes.iter().any(|n| n == COLUMN_ORDER_NOTE))
        .count();
    if column_order > 0 {
        println!("passed with columns in another order than desired: {column_order}");
    }
    println!("run time: {:.1}s", started.elapsed().as_secs_f64());
    if let Some(path) = &opts.json {
        let doc = serde_json::json!({
            "dialect": opts.dialect,
            "index": index.display().to_string(),
            "summary": {
                "passed": passed,
                "failed": failed,
                "skipped": skipped,
                "portable_passed": portable_passed,
                "portable_judged": portable_judged,
                "portable_pass_rate": rate,
                "failure_classes": classes,
                "passed_column_order_differs": column_order,
                "run_seconds": started.elapsed().as_secs_f64(),
            },
            "cases": results,
        });
        std::fs::write(path, serde_json::to_string_pretty(&doc)? + "\n")
            .with_context(|| format!("writing {path}"))?;
        eprintln!("conformance: wrote {path}");
    }
    println!("conformance: {passed} passed, {failed} failed");
    if opts
        .min_pass
        .is_some_and(|min| rate.is_none_or(|r| r + 1e-9 < min))
    {
        eprintln!(
            "conformance: portable pass rate {shown_rate} is below --min-pass {}",
            opts.min_pass.unwrap_or_default()
        );
        std::process::exit(1);
    }
    Ok(())
}

// ----- options -----

pub(crate) struct Options {
    dialect: String,
    corpus: PathBuf,
    min_pass: Option<f64>,
    filter: Option<String>,
    verbose: bool,
    json: Option<String>,
    /// PostgreSQL: the admin URL (databases are created next to it).
    pg_url: String,
    /// Cases run at once, each worker with its own databases.
    jobs: usize,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut opts = Options {
            dialect: "sqlite".into(),
            corpus: PathBuf::from("../shared/corpora/sqldef"),
            min_pass: None,
            filter: None,
            verbose: false,
            json: None,
            pg_url: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable".into(),
            jobs: 2,
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--dialect" => opts.dialect = value()?.to_ascii_lowercase(),
                "--corpus" => opts.corpus = PathBuf::from(value()?),
                "--min-pass" => {
                    let v = value()?;
                    opts.min_pass = Some(
                        v.trim_end_matches('%')
                            .parse()
                            .with_context(|| format!("--min-pass {v:?} is not a number"))?,
                    );
                }
                "--filter" => opts.filter = Some(value()?.clone()),
                "--json" => opts.json = Some(value()?.clone()),
                "--verbose" | "-v" => opts.verbose = true,
                "--pg-url" => opts.pg_url = value()?.clone(),
                "--jobs" | "-j" => {
                    let v = value()?;
                    opts.jobs = v
                        .parse()
                        .with_context(|| format!("--jobs {v:?} is not a number"))?;
                }
                "--help" | "-h" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => bail!("conformance: unknown option {other:?}\nusage: {USAGE}"),
            }
        }
        Ok(opts)
    }
}
