//! `cargo run -p xtask -- conformance --dialect sqlite|postgres --corpus ../shared/corpora/sqldef
//! [--min-pass 95] [--filter SUBSTR] [--verbose] [--json FILE]
//! [--pg-url postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable] [--jobs 2]`
//!
//! A round-trip conformance runner over the sqldef SQLite and PostgreSQL cases
//! (see `shared/corpora/README.md`; the PostgreSQL half is in `conformance_pg.rs`). Each case is judged on a real database, not on
//! the text of the plan:
//!
//! 1. `current` is loaded into database A and `desired` into database B
//!    (a case whose SQL SQLite refuses is skipped, not failed);
//! 2. one row is seeded into each table of A;
//! 3. strata plans A → desired and applies the plan to A;
//! 4. canonical dumps of A and B (built from PRAGMAs, not the verbatim
//!    `sqlite_schema.sql`) must be equal;
//! 5. seeded rows must survive, and re-planning A → desired must be empty.
//!
//! The upstream expected `up` text is only a secondary signal: it decides
//! whether the first plan must be empty and, for `enable_drop: false`, which
//! state the database must end in.

/// One line per option; printed by `--help` and after a wrong option.
const USAGE: &str = "conformance --dialect sqlite|postgres|mysql --corpus DIR [--min-pass P] [--filter SUBSTR] [--verbose] [--json FILE] [--pg-url URL] [--my-url URL] [--jobs N]";

use anyhow::{bail, Context, Result};
use rusqlite::types::Value;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use strata_core::dialect::Dialect;
use strata_core::diff::DiffOptions;
use strata_core::driver::{Driver, Scope};
use strata_core::model::IndexKey;
use strata_core::pipeline::plan_on;
use strata_core::project::SkipPolicy;
use strata_core::sql::lex::{normalize, tokenize, Kind};
use strata_core::sqlite::ddl::{parse_create_index, parse_create_table};
use strata_core::sqlite::SqliteDriver;
use strata_core::workspace::{Desired, Planned};
use strata_core::{Error as CoreError, SourceFile};

#[path = "conformance_pg.rs"]
mod pg;

#[path = "conformance_mysql.rs"]
mod my;

pub fn main(args: &[String]) -> Result<()> {
    let mut opts = Options::parse(args)?;
    if opts.dialect == "postgresql" {
        opts.dialect = "postgres".into();
    }
    if opts.dialect == "mariadb" {
        opts.dialect = "mysql".into();
    }
    if !["sqlite", "postgres", "mysql"].contains(&opts.dialect.as_str()) {
        bail!(
            "conformance: dialect {:?} is not supported yet (sqlite, postgres, mysql)",
            opts.dialect
        );
    }
    let started = std::time::Instant::now();
    let (index, corpus_name) = locate_index(&opts.corpus)?;
    let text =
        std::fs::read_to_string(&index).with_context(|| format!("reading {}", index.display()))?;
    let mut cases = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: Case = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a case", index.display(), n + 1))?;
        if case.dialect != opts.dialect {
            continue;
        }
        if let Some(c) = &corpus_name {
            if &case.corpus != c {
                continue;
            }
        }
        if let Some(f) = &opts.filter {
            if !case.id.contains(f.as_str()) {
                continue;
            }
        }
        cases.push(case);
    }
    if cases.is_empty() {
        bail!(
            "conformance: no {} cases in {}{}",
            opts.dialect,
            index.display(),
            opts.filter
                .as_deref()
                .map(|f| format!(" match --filter {f:?}"))
                .unwrap_or_default()
        );
    }

    let results = if opts.dialect == "postgres" {
        pg::run(&cases, &opts)?
    } else if opts.dialect == "mysql" {
        my::run(&cases, &opts)?
    } else {
        with_quiet_panics(|| cases.iter().map(run_isolated).collect::<Vec<_>>(), &opts)
    };

    // ----- summary -----
    let passed = results.iter().filter(|r| r.status == Status::Pass).count();
    let failed = results.iter().filter(|r| r.status == Status::Fail).count();
    let skipped = results.iter().filter(|r| r.status == Status::Skip).count();
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
    for r in &results {
        if let Some(c) = r.class.as_deref() {
            *classes.entry(c).or_default() += 1;
        }
    }
    println!();
    println!(
        "conformance {}: {passed} passed, {failed} failed, {skipped} skipped (portable: {portable_passed}/{portable_judged} = {})",
        opts.dialect,
        rate.map_or("n/a".to_string(), |r| format!("{r:.1}%"))
    );
    if classes.is_empty() {
        println!("failure classes: none");
    } else {
        let list: Vec<String> = classes.iter().map(|(c, n)| format!("{c} {n}")).collect();
        println!("failure classes: {}", list.join(", "));
    }
    let column_order = results
        .iter()
        .filter(|r| r.status == Status::Pass && r.notes.iter().any(|n| n == pg::COLUMN_ORDER_NOTE))
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
    let below = opts.min_pass.map(|min| rate.is_none_or(|r| r + 1e-9 < min));
    println!("conformance: {passed} passed, {failed} failed");
    if below == Some(true) {
        eprintln!(
            "conformance: portable pass rate {} is below --min-pass {}",
            rate.map_or("n/a".to_string(), |r| format!("{r:.1}%")),
            opts.min_pass.unwrap_or_default()
        );
        std::process::exit(1);
    }
    Ok(())
}

// ----- options and input -----

struct Options {
    dialect: String,
    corpus: PathBuf,
    min_pass: Option<f64>,
    filter: Option<String>,
    verbose: bool,
    json: Option<String>,
    /// PostgreSQL: the admin URL (databases are created next to it).
    pg_url: String,
    /// PostgreSQL: cases run at once, each worker with its own databases.
    jobs: usize,
    /// MySQL/MariaDB: the server (strata makes its scratch databases there).
    my_url: String,
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
            my_url: "mysql://root@127.0.0.1:3306/".into(),
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
                "--my-url" => opts.my_url = value()?.clone(),
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

/// Finds INDEX.jsonl from `--corpus`: the corpora root, a corpus folder inside
/// it (then only that corpus's cases count), or the index file itself.
fn locate_index(corpus: &Path) -> Result<(PathBuf, Option<String>)> {
    if corpus.is_file() {
        return Ok((corpus.to_path_buf(), None));
    }
    let here = corpus.join("INDEX.jsonl");
    if here.is_file() {
        return Ok((here, None));
    }
    let parent = corpus.join("..").join("INDEX.jsonl");
    if parent.is_file() {
        let name = corpus
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        return Ok((parent, name));
    }
    bail!(
        "conformance: no INDEX.jsonl in {} or its parent (pass --corpus pointing at the corpora root or the sqldef folder)",
        corpus.display()
    )
}

#[derive(Deserialize)]
struct Case {
    #[serde(default)]
    corpus: String,
    id: String,
    dialect: String,
    #[serde(default)]
    current: Option<String>,
    #[serde(default)]
    desired: Option<String>,
    #[serde(default)]
    expected_up: Option<String>,
    #[serde(default)]
    expected_error: Option<serde_json::Value>,
    #[serde(default)]
    expect: String,
    #[serde(default)]
    options: serde_json::Value,
    #[serde(default)]
    portable: bool,
}

impl Case {
    fn enable_drop(&self) -> bool {
        self.options
            .get("enable_drop")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(true)
    }

    fn expects_error(&self) -> bool {
        match &self.expected_error {
            None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false)) => false,
            Some(serde_json::Value::String(s)) => !s.trim().is_empty(),
            Some(_) => true,
        }
    }

    /// The statements of the expected `up` once comments (`-- Skipped: …`) are gone.
    fn expected_statements(&self) -> Option<String> {
        let up = self.expected_up.as_deref()?;
        Some(
            up.lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
                .trim()
                .to_string(),
        )
    }

    /// Whether the case says the first plan must run nothing.
    fn expects_empty_plan(&self) -> bool {
        let current = self.current.as_deref().unwrap_or("").trim();
        let desired = self.desired.as_deref().unwrap_or("").trim();
        self.expect == "empty"
            || self.expected_statements().is_some_and(|s| s.is_empty())
            || (!current.is_empty() && current == desired)
    }

    /// With drops disabled and an `up` made only of `-- Skipped:` lines, the
    /// database must stay as it was.
    fn ends_at_current(&self) -> bool {
        !self.enable_drop()
            && self
                .expected_up
                .as_deref()
                .is_some_and(|up| up.lines().any(|l| l.trim_start().starts_with("-- Skipped")))
            && self.expected_statements().is_some_and(|s| s.is_empty())
    }
}

// ----- results -----

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Pass,
    Fail,
    Skip,
}

#[derive(Serialize)]
struct CaseResult {
    id: String,
    portable: bool,
    expect: String,
    status: Status,
    /// The first failure's class; every failure is in `failures`.
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    reason: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    failures: Vec<Failure>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
    /// Rows in each table of A before the plan ran.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    seeded_rows: BTreeMap<String, i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_up: Option<String>,
}

#[derive(Serialize)]
struct Failure {
    class: &'static str,
    reason: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    details: Vec<String>,
}

impl CaseResult {
    fn new(case: &Case) -> CaseResult {
        CaseResult {
            id: case.id.clone(),
            portable: case.portable,
            expect: case.expect.clone(),
            status: Status::Pass,
            class: None,
            reason: String::new(),
            failures: Vec::new(),
            notes: Vec::new(),
            seeded_rows: BTreeMap::new(),
            plan: None,
            expected_up: case.expected_up.clone(),
        }
    }

    fn skip(mut self, reason: impl Into<String>) -> CaseResult {
        self.status = Status::Skip;
        self.reason = reason.into();
        self
    }

    fn fail(&mut self, class: &'static str, reason: impl Into<String>, details: Vec<String>) {
        let reason = one_line(&reason.into());
        if self.failures.is_empty() {
            self.status = Status::Fail;
            self.class = Some(class.to_string());
            self.reason = reason.clone();
        }
        self.failures.push(Failure {
            class,
            reason,
            details,
        });
    }

    fn short_id(&self) -> &str {
        self.id.rsplit('/').next().unwrap_or(&self.id)
    }
}

fn one_line(s: &str) -> String {
    let mut out = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.chars().count() > 220 {
        out = out.chars().take(217).collect::<String>() + "...";
    }
    out
}

// ----- running cases -----

thread_local! {
    static PANIC_MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f` with a panic hook that records the message instead of printing it,
/// so a panicking case is one FAIL line, not a backtrace in the middle of the report.
fn with_quiet_panics<T>(f: impl FnOnce() -> T, opts: &Options) -> T {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic with a non-string payload".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        PANIC_MESSAGE.with(|m| *m.borrow_mut() = Some(format!("{msg}{at}")));
    }));
    VERBOSE.with(|v| *v.borrow_mut() = opts.verbose);
    let out = f();
    panic::set_hook(previous);
    out
}

thread_local! {
    static VERBOSE: RefCell<bool> = const { RefCell::new(false) };
}

fn run_isolated(case: &Case) -> CaseResult {
    let verbose = VERBOSE.with(|v| *v.borrow());
    let result = match panic::catch_unwind(AssertUnwindSafe(|| run_case(case))) {
        Ok(r) => r,
        Err(_) => {
            let msg = PANIC_MESSAGE
                .with(|m| m.borrow_mut().take())
                .unwrap_or_else(|| "panicked".into());
            let mut r = CaseResult::new(case);
            r.fail("panic", msg, Vec::new());
            r
        }
    };
    report(&result, verbose);
    result
}

fn report(r: &CaseResult, verbose: bool) {
    match r.status {
        Status::Pass => {
            if verbose {
                println!("PASS {}", r.short_id());
            }
        }
        Status::Skip => {
            if verbose {
                println!("SKIP {}: {}", r.short_id(), r.reason);
            }
        }
        Status::Fail => {
            let also: Vec<&str> = r.failures.iter().skip(1).map(|f| f.class).collect();
            let also = if also.is_empty() {
                String::new()
            } else {
                format!(" (also: {})", also.join(", "))
            };
            println!(
                "FAIL {} [{}] {}{}",
                r.short_id(),
                r.class.as_deref().unwrap_or("?"),
                r.reason,
                also
            );
            if verbose {
                for f in &r.failures {
                    if r.failures.len() > 1 {
                        println!("    [{}] {}", f.class, f.reason);
                    }
                    for d in &f.details {
                        for line in d.lines() {
                            println!("      {line}");
                        }
                    }
                }
                if let Some(plan) = &r.plan {
                    if !plan.trim().is_empty() {
                        println!("    plan:");
                        for line in plan.lines().filter(|l| !l.starts_with("-- ")) {
                            println!("      {line}");
                        }
                    }
                }
                for n in &r.notes {
                    println!("    note: {n}");
                }
            }
        }
    }
}

/// `enable_drop: false`: every kind of drop is skipped (both runners).
fn diff_options(enable_drop: bool) -> DiffOptions {
    let mut opts = DiffOptions::default();
    if !enable_drop {
        opts.skip = SkipPolicy {
            drop_schema: true,
            drop_table: true,
            drop_column: true,
            drop_index: true,
            drop_foreign_key: true,
            drop_view: true,
            drop_trigger: true,
            drop_func: true,
            drop_proc: true,
            drop_object: true,
            drop_policy: true,
            ..SkipPolicy::default()
        };
    }
    opts
}

fn core_error(e: &CoreError, desired: &Desired) -> String {
    match e {
        CoreError::Diagnostics(ds) => ds
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                let at = d
                    .span
                    .as_ref()
                    .map(|s| {
                        let snippet = desired
                            .files
                            .get(&s.file)
                            .and_then(|f| f.text.get(s.start..s.end))
                            .unwrap_or("");
                        format!(" [{}]", one_line(snippet))
                    })
                    .unwrap_or_default();
                format!("{}{at}", d.message)
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

fn plan_case(
    target: &mut SqliteDriver,
    desired: &Desired,
    opts: &DiffOptions,
) -> strata_core::Result<Planned> {
    let mut dev = SqliteDriver::memory()?;
    plan_on(target, desired, &mut dev, &Scope::default(), opts)
}

fn run_case(case: &Case) -> CaseResult {
    let mut r = CaseResult::new(case);
    let current = case.current.as_deref().unwrap_or("");
    let desired_text = case.desired.as_deref().unwrap_or("");
    let opts = diff_options(case.enable_drop());

    // 1. Load current into A.
    let mut target = match SqliteDriver::memory() {
        Ok(t) => t,
        Err(e) => return r.skip(format!("cannot open an in-memory database: {e}")),
    };
    if let Err(e) = target.conn.execute_batch(current) {
        return r.skip(format!(
            "current does not load on SQLite: {}",
            one_line(&e.to_string())
        ));
    }
    let desired = Desired::read(
        vec![SourceFile::new("desired.sql", desired_text)],
        Dialect::Sqlite,
    );

    if case.expects_error() {
        return match plan_case(&mut target, &desired, &opts) {
            Err(_) => r,
            Ok(p) if p.plan.is_empty() => {
                r.skip("the case expects an error; strata planned nothing (unclear)")
            }
            Ok(p) => {
                r.plan = Some(p.plan.to_sql());
                r.fail(
                    "accepted-invalid",
                    "the case expects strata to refuse, but it planned changes",
                    Vec::new(),
                );
                r
            }
        };
    }

    // 1b. Load the reference state into B.
    let reference = match Connection::open_in_memory() {
        Ok(c) => c,
        Err(e) => return r.skip(format!("cannot open an in-memory database: {e}")),
    };
    if let Err(e) = reference.execute_batch(desired_text) {
        return r.skip(format!(
            "desired does not load on SQLite: {}",
            one_line(&e.to_string())
        ));
    }
    let reference = if case.ends_at_current() {
        r.notes.push(
            "enable_drop: false and the expected plan only skips drops: A must end as current"
                .into(),
        );
        let c = match Connection::open_in_memory() {
            Ok(c) => c,
            Err(e) => return r.skip(format!("cannot open an in-memory database: {e}")),
        };
        if let Err(e) = c.execute_batch(current) {
            return r.skip(format!("current does not load on SQLite: {e}"));
        }
        c
    } else {
        reference
    };

    // 2. Seed one row per table, then run the plan the way an application's
    //    connection would see it: with foreign keys enforced.
    r.notes.extend(seed(&target.conn));
    let _ = target.conn.execute_batch("PRAGMA foreign_keys = on");
    let before = match snapshot(&target.conn) {
        Ok(c) => c,
        Err(e) => return r.skip(format!("cannot read rows in A: {e}")),
    };
    r.seeded_rows = before.iter().map(|(t, d)| (t.clone(), d.rows)).collect();

    // 3. Plan and apply.
    let planned = match plan_case(&mut target, &desired, &opts) {
        Ok(p) => p,
        Err(e) => {
            r.fail("plan-error", core_error(&e, &desired), Vec::new());
            return r;
        }
    };
    let plan_sql = planned.plan.to_sql();
    r.plan = Some(plan_sql.clone());
    if let Err(e) = target.apply(&planned.plan, &mut |_| {}) {
        r.fail(
            "apply-error",
            format!("{} — in: {}", e.message, one_line(&e.sql)),
            vec![format!("failing statement:\n{}", e.sql)],
        );
        return r;
    }

    // 4. Compare canonical dumps.
    match (dump(&target.conn), dump(&reference)) {
        (Ok(got), Ok(want)) => {
            if got != want {
                let (reason, details) = dump_diff(&got, &want);
                r.fail("state-mismatch", reason, details);
            }
        }
        (Err(e), _) => r.fail("dump-error", format!("cannot dump A: {e}"), Vec::new()),
        (_, Err(e)) => return r.skip(format!("cannot dump the reference database: {e}")),
    }

    // Seeded rows and their values must survive in every table and column
    // that is still there (following the case's `@renamed` annotations).
    match snapshot(&target.conn) {
        Ok(after) => {
            let lost = lost_data(&before, &after, &Renames::of(desired_text));
            if !lost.is_empty() {
                let details = if lost.len() > 1 {
                    lost.clone()
                } else {
                    Vec::new()
                };
                r.fail("data-loss", lost.join("; "), details);
            }
        }
        Err(e) => r.fail(
            "dump-error",
            format!("cannot read rows in A: {e}"),
            Vec::new(),
        ),
    }

    // The first plan must be empty when the case says the schemas already match.
    if case.expects_empty_plan() && !planned.plan.is_empty() {
        r.fail(
            "not-idempotent",
            format!(
                "expected no changes, but strata planned: {}",
                one_line(&statements_of(&plan_sql))
            ),
            vec![format!("first plan:\n{plan_sql}")],
        );
    }

    // 5. Re-plan: nothing may be left.
    match plan_case(&mut target, &desired, &opts) {
        Ok(again) if again.plan.is_empty() => {}
        Ok(again) => {
            let sql = again.plan.to_sql();
            r.fail(
                "not-idempotent",
                format!("re-plan is not empty: {}", one_line(&statements_of(&sql))),
                vec![format!("leftover plan:\n{sql}")],
            );
        }
        Err(e) => r.fail(
            "plan-error",
            format!("re-plan failed: {}", core_error(&e, &desired)),
            Vec::new(),
        ),
    }
    r
}

/// The statements of a plan script without the `-- comment` lines.
fn statements_of(sql: &str) -> String {
    sql.lines()
        .filter(|l| !l.starts_with("-- "))
        .collect::<Vec<_>>()
        .join(" ")
}

// ----- seeding -----

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

struct SeedColumn {
    name: String,
    decl: String,
}

/// Foreign key of a table: parent table, child columns, parent columns (empty:
/// the parent's primary key).
struct Fk {
    parent: String,
    from: Vec<String>,
    to: Vec<String>,
}

fn user_tables(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT name, coalesce(sql, '') FROM sqlite_schema \
         WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (name, sql): (String, String) = row?;
        if sql
            .trim_start()
            .to_ascii_uppercase()
            .starts_with("CREATE VIRTUAL")
        {
            continue;
        }
        out.push((name, sql));
    }
    Ok(out)
}

fn foreign_keys(conn: &Connection, table: &str) -> rusqlite::Result<Vec<Fk>> {
    let mut stmt = conn.prepare(
        "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
    )?;
    let rows = stmt.query_map([table], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut out: Vec<(i64, Fk)> = Vec::new();
    for row in rows {
        let (id, parent, from, to) = row?;
        match out.last_mut() {
            Some((last, fk)) if *last == id => {
                fk.from.push(from);
                fk.to.extend(to);
            }
            _ => out.push((
                id,
                Fk {
                    parent,
                    from: vec![from],
                    to: to.into_iter().collect(),
                },
            )),
        }
    }
    Ok(out.into_iter().map(|(_, fk)| fk).collect())
}

fn pk_columns(conn: &Connection, table: &str) -> Vec<String> {
    let Ok(mut stmt) =
        conn.prepare("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")
    else {
        return Vec::new();
    };
    stmt.query_map([table], |r| r.get::<_, String>(0))
        .map(|rows| rows.filter_map(|r| r.ok()).collect())
        .unwrap_or_default()
}

/// A value that SQLite stores without complaint in a column of this declared type.
fn typed_value(decl: &str) -> Value {
    let t = decl.to_ascii_uppercase();
    if t.contains("INT") {
        Value::Integer(1)
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        Value::Text("a".into())
    } else if t.contains("BLOB") {
        Value::Blob(vec![1])
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        Value::Real(1.5)
    } else if t.contains("DATE") || t.contains("TIME") {
        Value::Text("2020-01-01 00:00:00".into())
    } else {
        Value::Integer(1)
    }
}

/// Inserts one row into each table of A, parents before children, so that a
/// plan that only works on empty tables shows up. Returns notes on tables left empty.
fn seed(conn: &Connection) -> Vec<String> {
    let mut notes = Vec::new();
    let _ = conn.execute_batch("PRAGMA foreign_keys = off");
    let tables = match user_tables(conn) {
        Ok(t) => t,
        Err(e) => return vec![format!("seeding skipped: {e}")],
    };
    let fks: BTreeMap<String, Vec<Fk>> = tables
        .iter()
        .map(|(t, _)| (t.clone(), foreign_keys(conn, t).unwrap_or_default()))
        .collect();

    // Parents first; a cycle falls back to name order.
    let mut order: Vec<&str> = Vec::new();
    let mut left: Vec<&str> = tables.iter().map(|(t, _)| t.as_str()).collect();
    while !left.is_empty() {
        let ready = left.iter().position(|t| {
            fks[*t].iter().all(|fk| {
                fk.parent.eq_ignore_ascii_case(t)
                    || !left.iter().any(|l| l.eq_ignore_ascii_case(&fk.parent))
            })
        });
        order.push(left.remove(ready.unwrap_or(0)));
    }

    for table in order {
        let sql = &tables.iter().find(|(t, _)| t == table).expect("listed").1;
        let columns: Vec<SeedColumn> = match conn
            .prepare("SELECT name, type FROM pragma_table_xinfo(?1) WHERE hidden = 0 ORDER BY cid")
            .and_then(|mut s| {
                s.query_map([table], |r| {
                    Ok(SeedColumn {
                        name: r.get(0)?,
                        decl: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            }) {
            Ok(c) => c,
            Err(e) => {
                notes.push(format!("{table}: not seeded: {e}"));
                continue;
            }
        };
        let ddl = parse_create_table(sql);
        let literals: Vec<String> = ddl
            .checks
            .iter()
            .flat_map(|c| {
                tokenize(&c.expr)
                    .into_iter()
                    .filter(|t| t.kind == Kind::Str)
                    .map(|t| t.ident(&c.expr))
                    .collect::<Vec<_>>()
            })
            .collect();

        let mut base: Vec<Value> = columns.iter().map(|c| typed_value(&c.decl)).collect();
        // Foreign key columns point at the parent's seeded row (or are NULL).
        let position = |name: &str| {
            columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(name))
        };
        for fk in &fks[table] {
            let to = if fk.to.is_empty() {
                pk_columns(conn, &fk.parent)
            } else {
                fk.to.clone()
            };
            for (i, from) in fk.from.iter().enumerate() {
                let Some(ci) = position(from) else { continue };
                let Some(to_col) = to.get(i) else {
                    base[ci] = Value::Null;
                    continue;
                };
                if fk.parent.eq_ignore_ascii_case(table) {
                    if let Some(pi) = position(to_col) {
                        base[ci] = base[pi].clone();
                    }
                    continue;
                }
                let q = format!(
                    "SELECT {} FROM {} LIMIT 1",
                    quote(to_col),
                    quote(&fk.parent)
                );
                base[ci] = conn
                    .query_row(&q, [], |r| r.get::<_, Value>(0))
                    .unwrap_or(Value::Null);
            }
        }

        let mut attempts: Vec<Vec<Value>> = vec![base.clone()];
        let with_text = |text: &str| -> Vec<Value> {
            base.iter()
                .map(|v| match v {
                    Value::Text(_) => Value::Text(text.to_string()),
                    other => other.clone(),
                })
                .collect()
        };
        for lit in literals.iter().take(4) {
            attempts.push(with_text(lit));
        }
        attempts.push(with_text("abcdefghij"));
        attempts.push(
            base.iter()
                .map(|v| match v {
                    Value::Integer(_) => Value::Integer(0),
                    Value::Real(_) => Value::Real(0.0),
                    other => other.clone(),
                })
                .collect(),
        );
        let insert = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote(table),
            columns
                .iter()
                .map(|c| quote(&c.name))
                .collect::<Vec<_>>()
                .join(", "),
            vec!["?"; columns.len()].join(", ")
        );
        let mut last_err = String::new();
        let mut ok = false;
        if !columns.is_empty() {
            for values in &attempts {
                match conn.execute(&insert, rusqlite::params_from_iter(values.iter())) {
                    Ok(_) => {
                        ok = true;
                        break;
                    }
                    Err(e) => last_err = e.to_string(),
                }
            }
        }
        if !ok {
            match conn.execute(&format!("INSERT INTO {} DEFAULT VALUES", quote(table)), []) {
                Ok(_) => {}
                Err(e) => {
                    if last_err.is_empty() {
                        last_err = e.to_string();
                    }
                    notes.push(format!("{table}: left empty ({last_err})"));
                }
            }
        }
    }

    // Rows that still break a foreign key would make every plan fail its
    // final foreign_key_check: remove them.
    for _ in 0..4 {
        let violations: Vec<(String, Option<i64>)> = conn
            .prepare("PRAGMA foreign_key_check")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap_or_default();
        if violations.is_empty() {
            break;
        }
        for (table, rowid) in violations {
            let sql = match rowid {
                Some(id) => format!("DELETE FROM {} WHERE rowid = {id}", quote(&table)),
                None => format!("DELETE FROM {}", quote(&table)),
            };
            let _ = conn.execute(&sql, []);
            notes.push(format!(
                "{table}: seeded row removed (foreign key could not be satisfied)"
            ));
        }
    }
    notes
}

// ----- data preservation -----

/// The rows of one table: how many, and each column's values as text, sorted.
struct TableData {
    rows: i64,
    columns: BTreeMap<String, Vec<Option<String>>>,
}

fn snapshot(conn: &Connection) -> rusqlite::Result<BTreeMap<String, TableData>> {
    let mut out = BTreeMap::new();
    for (table, _) in user_tables(conn)? {
        let rows: i64 = conn.query_row(
            &format!("SELECT count(*) FROM {}", quote(&table)),
            [],
            |r| r.get(0),
        )?;
        let names: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_xinfo(?1) WHERE hidden = 0 ORDER BY cid")?
            .query_map([&table], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut columns = BTreeMap::new();
        for name in names {
            let mut values: Vec<Option<String>> = conn
                .prepare(&format!(
                    "SELECT CAST({} AS TEXT) FROM {}",
                    quote(&name),
                    quote(&table)
                ))?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            values.sort();
            columns.insert(name.to_lowercase(), values);
        }
        out.insert(table.to_lowercase(), TableData { rows, columns });
    }
    Ok(out)
}

/// Renames a case declares with sqldef's `@renamed from=old` annotations, so
/// that data-loss checks follow a renamed table or column (lowercased names).
#[derive(Default)]
struct Renames {
    /// old table → new table.
    tables: BTreeMap<String, String>,
    /// (new table, old column) → new column.
    columns: BTreeMap<(String, String), String>,
}

impl Renames {
    fn of(desired: &str) -> Renames {
        let mut out = Renames::default();
        let mut table: Option<String> = None;
        for line in desired.lines() {
            let toks = tokenize(line);
            let starts_create = toks.first().is_some_and(|t| t.is(line, "CREATE"));
            if starts_create {
                table = None;
                if let Some(at) = toks.iter().position(|t| t.is(line, "TABLE")) {
                    let mut i = at + 1;
                    if toks.get(i).is_some_and(|t| t.is(line, "IF")) {
                        i += 3;
                    }
                    table = toks.get(i).map(|t| t.ident(line).to_lowercase());
                    if let (Some(new), Some(old)) = (&table, renamed_from(line)) {
                        out.tables.insert(old, new.clone());
                    }
                }
                continue;
            }
            if let (Some(t), Some(old), Some(first)) = (&table, renamed_from(line), toks.first()) {
                out.columns
                    .insert((t.clone(), old), first.ident(line).to_lowercase());
            }
        }
        out
    }
}

/// The old name in a `@renamed from=old` annotation on this line.
fn renamed_from(line: &str) -> Option<String> {
    let rest = &line[line.find("@renamed")?..];
    let rest = rest[rest.find("from=")? + 5..].trim_start();
    let name = if let Some(q) = rest.strip_prefix('"') {
        q.split('"').next().unwrap_or("")
    } else {
        rest.split(|c: char| c.is_whitespace() || c == '*' || c == ',')
            .next()
            .unwrap_or("")
    };
    (!name.is_empty()).then(|| name.to_lowercase())
}

/// Values equal as text, or as numbers (an integer that a type change turned into 1.0).
/// The first seeded value of a column that no row holds any more, as a
/// message; `same(before, after)` says when a value survived.
pub(crate) fn first_lost_value(
    label: &str,
    col: &str,
    before: &[Option<String>],
    now: &[Option<String>],
    same: impl Fn(&str, &str) -> bool,
) -> Option<String> {
    let mut pool: Vec<&str> = now.iter().flatten().map(String::as_str).collect();
    for v in before.iter().flatten() {
        match pool.iter().position(|x| same(v, x)) {
            Some(i) => {
                pool.remove(i);
            }
            None => {
                let shown: Vec<String> = now
                    .iter()
                    .map(|x| {
                        x.as_deref()
                            .map_or("NULL".to_string(), |s| format!("{s:?}"))
                    })
                    .collect();
                return Some(format!(
                    "{label}.{col}: value {v:?} lost (now {})",
                    shown.join(", ")
                ));
            }
        }
    }
    None
}

fn same_value(a: &str, b: &str) -> bool {
    a == b || matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
}

/// What the plan lost: rows of a surviving table, or non-NULL values of a surviving column.
fn lost_data(
    before: &BTreeMap<String, TableData>,
    after: &BTreeMap<String, TableData>,
    renames: &Renames,
) -> Vec<String> {
    let mut lost = Vec::new();
    for (t, b) in before {
        let t2 = renames.tables.get(t).unwrap_or(t);
        let Some(a) = after.get(t2) else { continue };
        let label = if t2 == t {
            t.clone()
        } else {
            format!("{t} → {t2}")
        };
        if a.rows < b.rows {
            lost.push(format!("{label}: {} → {} rows", b.rows, a.rows));
            continue;
        }
        for (c, values) in &b.columns {
            let c2 = renames.columns.get(&(t2.clone(), c.clone())).unwrap_or(c);
            let Some(now) = a.columns.get(c2) else {
                continue;
            };
            let col = if c2 == c {
                c.clone()
            } else {
                format!("{c} → {c2}")
            };
            lost.extend(first_lost_value(
                &label,
                &col,
                values,
                now,
                |before, after| same_value(after, before),
            ));
        }
    }
    lost
}

// ----- canonical dump -----

/// A row of `PRAGMA foreign_key_list`: id, table, from, to, on_update, on_delete, match.
type FkRow = (i64, String, String, Option<String>, String, String, String);

/// One line per fact about the schema, each naming its object, sorted within
/// each object; identifiers lowercased (SQLite compares them case-insensitively)
/// and expressions in [`normalize`]d form, so spelling does not count.
fn dump(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut out = Vec::new();
    let flags: BTreeMap<String, (bool, bool)> = conn
        .prepare("SELECT name, wr, strict FROM pragma_table_list WHERE schema = 'main'")?
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?.to_lowercase(),
                (r.get::<_, i64>(1)? != 0, r.get::<_, i64>(2)? != 0),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let index_sql: BTreeMap<String, String> = conn
        .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL")?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<_>>()?;

    let mut tables = user_tables(conn)?;
    tables.sort_by_key(|(t, _)| t.to_lowercase());
    for (table, sql) in &tables {
        let t = table.to_lowercase();
        let (wr, strict) = flags.get(&t).copied().unwrap_or_default();
        let ddl = parse_create_table(sql);
        out.push(format!(
            "table {t}{}{}",
            if wr { " without_rowid" } else { "" },
            if strict { " strict" } else { "" }
        ));

        // Columns, in order.
        let cols: Vec<(String, String, bool, Option<String>, i64, i64)> = conn
            .prepare(
                "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1) ORDER BY cid",
            )?
            .query_map([table], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, i64>(2)? != 0,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        out.push(format!(
            "{t}: columns ({})",
            cols.iter()
                .map(|c| c.0.to_lowercase())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        for (name, ty, notnull, dflt, pk, hidden) in &cols {
            let mut line = format!("{t}.{}: {}", name.to_lowercase(), normalize(ty));
            if *notnull {
                line.push_str(" not null");
            }
            if let Some(d) = dflt {
                line.push_str(&format!(" default {}", normalize(d)));
            }
            if *pk > 0 {
                line.push_str(&format!(" pk#{pk}"));
            }
            if *hidden != 0 {
                line.push_str(&format!(" hidden={hidden}"));
            }
            if let Some(c) = ddl
                .columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(name))
            {
                if let Some(coll) = &c.collation {
                    if !coll.eq_ignore_ascii_case("binary") {
                        line.push_str(&format!(" collate {}", coll.to_lowercase()));
                    }
                }
                if let Some((expr, stored)) = &c.generated {
                    line.push_str(&format!(
                        " generated ({}) {}",
                        normalize(expr),
                        if *stored { "stored" } else { "virtual" }
                    ));
                }
                if c.autoincrement {
                    line.push_str(" autoincrement");
                }
            }
            out.push(line);
        }

        // Indexes, keyed by name, or by columns for automatic ones.
        let indexes: Vec<(String, bool, String, bool)> = conn
            .prepare("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1)")?
            .query_map([table], |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, i64>(1)? != 0,
                    r.get(2)?,
                    r.get::<_, i64>(3)? != 0,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut lines = BTreeSet::new();
        for (name, unique, origin, partial) in indexes {
            let idx_ddl = index_sql.get(&name).map(|s| parse_create_index(s));
            let parts: Vec<(i64, Option<String>, bool, Option<String>)> = conn
                .prepare(
                    "SELECT seqno, name, \"desc\", coll FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno",
                )?
                .query_map([&name], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? != 0, r.get(3)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let cols: Vec<String> = parts
                .iter()
                .map(|(seq, col, desc, coll)| {
                    let key = match col {
                        Some(c) => c.to_lowercase(),
                        None => idx_ddl
                            .as_ref()
                            .and_then(|d| d.parts.get(*seq as usize))
                            .map(|p| match &p.key {
                                IndexKey::Expr(e) => {
                                    format!("({})", normalize(e))
                                }
                                IndexKey::Column(c) => c.to_lowercase(),
                            })
                            .unwrap_or_else(|| "<expr>".into()),
                    };
                    let mut s = key;
                    if let Some(c) = coll {
                        if !c.eq_ignore_ascii_case("binary") {
                            s.push_str(&format!(" collate {}", c.to_lowercase()));
                        }
                    }
                    if *desc {
                        s.push_str(" desc");
                    }
                    s
                })
                .collect();
            let label = if name.starts_with("sqlite_autoindex_") {
                "(auto)".to_string()
            } else {
                name.to_lowercase()
            };
            let mut line = format!(
                "{t}: {}index {label} on ({}) origin={origin}",
                if unique { "unique " } else { "" },
                cols.join(", ")
            );
            if partial {
                let pred = idx_ddl
                    .as_ref()
                    .and_then(|d| d.predicate.as_deref())
                    .map(normalize)
                    .unwrap_or_else(|| "?".into());
                line.push_str(&format!(" where {pred}"));
            }
            lines.insert(line);
        }

        // Foreign keys.
        let fk_rows: Vec<FkRow> = conn
            .prepare(
                "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete, \"match\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
            )?
            .query_map([table], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut groups: BTreeMap<i64, Vec<&FkRow>> = BTreeMap::new();
        for row in &fk_rows {
            groups.entry(row.0).or_default().push(row);
        }
        for rows in groups.values() {
            let first = rows[0];
            let parent = &first.1;
            let from: Vec<String> = rows.iter().map(|r| r.2.to_lowercase()).collect();
            let mut to: Vec<String> = rows
                .iter()
                .filter_map(|r| r.3.as_ref().map(|s| s.to_lowercase()))
                .collect();
            if to.len() != from.len() {
                to = pk_columns(conn, parent)
                    .iter()
                    .map(|s| s.to_lowercase())
                    .collect();
            }
            let deferrable = ddl
                .fks
                .iter()
                .find(|f| {
                    f.ref_table.eq_ignore_ascii_case(parent)
                        && f.columns.len() == from.len()
                        && f.columns
                            .iter()
                            .zip(&from)
                            .all(|(a, b)| a.eq_ignore_ascii_case(b))
                })
                .map(|f| format!(" {:?}", f.deferrable).to_lowercase())
                .unwrap_or_default();
            lines.insert(format!(
                "{t}: foreign key ({}) references {}({}) on update {} on delete {} match {}{deferrable}",
                from.join(", "),
                parent.to_lowercase(),
                to.join(", "),
                first.4.to_lowercase(),
                first.5.to_lowercase(),
                first.6.to_lowercase(),
            ));
        }

        // CHECK constraints live only in the CREATE text.
        for c in &ddl.checks {
            let name = c
                .name
                .as_ref()
                .map(|n| format!("constraint {} ", n.to_lowercase()))
                .unwrap_or_default();
            lines.insert(format!("{t}: {name}check ({})", normalize(&c.expr)));
        }
        out.extend(lines);
    }

    // Views and triggers: name plus normalized text.
    let mut others: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT type, name, coalesce(sql, '') FROM sqlite_schema WHERE type IN ('view', 'trigger')",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    others.sort_by_key(|(ty, name, _)| (ty.clone(), name.to_lowercase()));
    for (ty, name, sql) in others {
        out.push(format!(
            "{ty} {}: {}",
            name.to_lowercase(),
            canonical_create(&sql)
        ));
    }
    Ok(out)
}

/// A `CREATE VIEW/TRIGGER` statement in normalized form, without `IF NOT EXISTS`
/// (which changes nothing about the object).
fn canonical_create(sql: &str) -> String {
    let n = normalize(sql.trim().trim_end_matches(';'));
    for kind in ["view", "trigger"] {
        for temp in ["", "temp ", "temporary "] {
            let prefix = format!("create {temp}{kind} if not exists ");
            if let Some(rest) = n.strip_prefix(&prefix) {
                return format!("create {kind} {rest}");
            }
        }
    }
    n
}

/// A compact diff of two dumps: the first difference as the reason, every
/// differing line as details.
fn dump_diff(got: &[String], want: &[String]) -> (String, Vec<String>) {
    let got_set: BTreeSet<&String> = got.iter().collect();
    let want_set: BTreeSet<&String> = want.iter().collect();
    let missing: Vec<&String> = want.iter().filter(|l| !got_set.contains(l)).collect();
    let extra: Vec<&String> = got.iter().filter(|l| !want_set.contains(l)).collect();
    let reason = match (missing.first(), extra.first()) {
        (Some(w), Some(g)) => format!("want `{w}`, got `{g}`"),
        (Some(w), None) => format!("missing `{w}`"),
        (None, Some(g)) => format!("unexpected `{g}`"),
        (None, None) => "same facts in a different order".to_string(),
    };
    let mut details = Vec::new();
    let mut text = String::from("dump diff (- desired state B, + database A after apply):");
    for l in &missing {
        text.push_str(&format!("\n- {l}"));
    }
    for l in &extra {
        text.push_str(&format!("\n+ {l}"));
    }
    details.push(text);
    (reason, details)
}
