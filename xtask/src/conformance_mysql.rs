//! The MySQL/MariaDB half of `conformance` (`--dialect mysql`, server from
//! `--my-url`, default `mysql://root@127.0.0.1:3306/`). Each case runs on
//! three scratch databases of that server (strata's own, dropped at the end):
//!
//! 1. `current` is loaded into A and `desired` into B (a case the server
//!    refuses is skipped, not failed);
//! 2. one row is seeded into each table of A (`INSERT IGNORE … () VALUES ()`);
//! 3. strata plans A → desired (normalized on the third, the dev database)
//!    and applies the plan to A;
//! 4. `SHOW CREATE TABLE` of every table (AUTO_INCREMENT counters stripped),
//!    view definitions and triggers of A and B must be equal;
//! 5. the seeded rows must survive, and re-planning A → desired must be empty.

use super::{diff_options, with_quiet_panics, Case, CaseResult, Options, Status, PANIC_MESSAGE};
use anyhow::Result;
use mysql::prelude::Queryable;
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use strata_core::dialect::Dialect;
use strata_core::driver::{Driver, Scope};
use strata_core::mysql::conn::{rows, MyDriver};
use strata_core::pipeline::plan_on;
use strata_core::workspace::Desired;
use strata_core::SourceFile;

struct Dbs {
    url: String,
    a: MyDriver,
    b: MyDriver,
    dev: MyDriver,
}

pub(super) fn run(cases: &[Case], opts: &Options) -> Result<Vec<CaseResult>> {
    let open =
        || MyDriver::open_scratch(&opts.my_url).map_err(|e| anyhow::anyhow!("conformance: {e}"));
    let mut dbs = Dbs {
        url: opts.my_url.clone(),
        a: open()?,
        b: open()?,
        dev: open()?,
    };
    Ok(with_quiet_panics(
        || {
            cases
                .iter()
                .map(|case| {
                    let r = match panic::catch_unwind(AssertUnwindSafe(|| run_case(case, &mut dbs)))
                    {
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
                    super::report(&r, opts.verbose);
                    r
                })
                .collect()
        },
        opts,
    ))
}

fn run_case(case: &Case, dbs: &mut Dbs) -> CaseResult {
    let mut r = CaseResult::new(case);
    if case.expects_error() {
        return r.skip("the case expects an error");
    }
    let current = case.current.clone().unwrap_or_default();
    let desired_sql = case.desired.clone().unwrap_or_default();
    for d in [&mut dbs.a, &mut dbs.b, &mut dbs.dev] {
        if let Err(e) = d.reset() {
            r.fail("setup", e.to_string(), Vec::new());
            return r;
        }
    }
    if let Err(e) = load(&mut dbs.a, &current) {
        return r.skip(format!("current does not load: {e}"));
    }
    if let Err(e) = load(&mut dbs.b, &desired_sql) {
        return r.skip(format!("desired does not load: {e}"));
    }
    let seeded = seed(&mut dbs.a);
    let desired = Desired::read(
        vec![SourceFile::new("desired.sql", desired_sql.clone())],
        Dialect::Mysql,
    );
    let scope = Scope::default();
    let opts = diff_options(case.enable_drop());
    let planned = match plan_on(&mut dbs.a, &desired, &mut dbs.dev, &scope, &opts) {
        Ok(p) => p,
        Err(e) => {
            r.fail("plan", e.to_string(), Vec::new());
            return r;
        }
    };
    let sql = planned.plan.to_sql();
    r.plan = Some(sql.clone());
    if case.expects_empty_plan() && !planned.plan.is_empty() {
        r.fail(
            "not-empty",
            "the case expects an empty plan",
            vec![sql.clone()],
        );
    }
    if let Err(e) = dbs.a.apply(&planned.plan, &mut |_| {}) {
        r.fail("apply", format!("{}: {}", e.sql, e.message), Vec::new());
        return r;
    }
    let target = if case.ends_at_current() {
        // Drops were skipped: the database stays as `current` made it.
        let mut c = match MyDriver::open_scratch(&dbs.url) {
            Ok(c) => c,
            Err(e) => {
                r.fail("setup", e.to_string(), Vec::new());
                return r;
            }
        };
        let _ = load(&mut c, &current);
        dump(&mut c)
    } else if case.enable_drop() {
        dump(&mut dbs.b)
    } else {
        None
    };
    if let (Some(want), Some(got)) = (target, dump(&mut dbs.a)) {
        if want != got {
            let details = want
                .iter()
                .zip(&got)
                .filter(|(w, g)| w != g)
                .map(|(w, g)| format!("want: {w}\ngot:  {g}"))
                .chain(
                    (want.len() != got.len())
                        .then(|| format!("{} vs {} objects", want.len(), got.len())),
                )
                .collect();
            r.fail("dump", "the database differs from desired", details);
        }
    }
    // Rows of the tables that are still there (a dropped table's rows go with it).
    let after = seed_count(&mut dbs.a);
    let lost: Vec<String> = seeded
        .iter()
        .filter_map(|(t, n)| {
            after
                .get(t)
                .filter(|now| *now < n)
                .map(|now| format!("{t}: {n} seeded, {now} left"))
        })
        .collect();
    if !lost.is_empty() {
        r.fail(
            "data",
            format!("seeded rows lost: {}", lost.join(", ")),
            Vec::new(),
        );
    }
    match plan_on(&mut dbs.a, &desired, &mut dbs.dev, &scope, &opts) {
        Ok(p) if !p.plan.is_empty() => r.fail(
            "idempotent",
            "re-planning is not empty",
            vec![p.plan.to_sql()],
        ),
        Ok(_) => {}
        Err(e) => r.fail("replan", e.to_string(), Vec::new()),
    }
    if r.status != Status::Fail {
        r.status = Status::Pass;
    }
    r
}

fn load(d: &mut MyDriver, sql: &str) -> std::result::Result<(), String> {
    if sql.trim().is_empty() {
        return Ok(());
    }
    for stmt in strata_core::sql::split::split(sql, Dialect::Mysql) {
        d.execute(&sql[stmt.range.clone()])?;
    }
    Ok(())
}

fn tables(d: &mut MyDriver) -> Vec<String> {
    rows(
        d.conn(),
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
         AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> 'strata_apply_progress' ORDER BY 1",
    )
    .unwrap_or_default()
    .into_iter()
    .filter_map(|r| r.into_iter().next().flatten())
    .collect()
}

/// A plausible non-NULL value for a column of `data_type`, or `DEFAULT`
/// (generated columns, spatial types).
fn plausible(data_type: &str, generated: bool) -> &'static str {
    if generated {
        return "DEFAULT";
    }
    match data_type {
        "tinyint" | "smallint" | "mediumint" | "int" | "bigint" | "decimal" | "float"
        | "double" | "bit" => "1",
        "enum" => "1",
        "set" => "''",
        "year" => "2000",
        "date" => "'2000-01-01'",
        "datetime" | "timestamp" => "'2000-01-01 00:00:00'",
        "time" => "'00:00:00'",
        "json" => "'{}'",
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "binary"
        | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => "'1'",
        _ => "DEFAULT",
    }
}

/// One row with a plausible value in every column of each table (what a
/// real table holds: NOT NULL tightening must work on it); the rows that
/// made it, per table.
fn seed(d: &mut MyDriver) -> BTreeMap<String, usize> {
    let mut cols: BTreeMap<String, Vec<(String, &'static str)>> = BTreeMap::new();
    for r in rows(
        d.conn(),
        "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, IS_GENERATED FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION",
    )
    .unwrap_or_default()
    {
        let v = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
        cols.entry(v(0))
            .or_default()
            .push((v(1), plausible(&v(2), v(3) == "ALWAYS")));
    }
    let mut out = BTreeMap::new();
    for t in tables(d) {
        let Some(cs) = cols.get(&t) else { continue };
        let names: Vec<String> = cs.iter().map(|(c, _)| Dialect::Mysql.quote(c)).collect();
        let values: Vec<&str> = cs.iter().map(|(_, v)| *v).collect();
        let q = Dialect::Mysql.quote(&t);
        let sql = format!(
            "INSERT IGNORE INTO {q} ({}) VALUES ({})",
            names.join(", "),
            values.join(", ")
        );
        if d.conn().query_drop(sql).is_ok() {
            out.insert(t.to_ascii_lowercase(), d.conn().affected_rows() as usize);
        }
    }
    out
}

/// Rows per table now.
fn seed_count(d: &mut MyDriver) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for t in tables(d) {
        let q = Dialect::Mysql.quote(&t);
        if let Ok(r) = rows(d.conn(), &format!("SELECT count(*) FROM {q}")) {
            let n = r
                .first()
                .and_then(|x| x[0].as_deref())
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            out.insert(t.to_ascii_lowercase(), n);
        }
    }
    out
}

/// `SHOW CREATE TABLE` per table (no AUTO_INCREMENT counter), then views and
/// triggers as the catalog prints them without the database's name.
fn dump(d: &mut MyDriver) -> Option<Vec<String>> {
    let db = rows(d.conn(), "SELECT DATABASE()").ok()?[0][0].clone()?;
    let mut out = Vec::new();
    for t in tables(d) {
        let r = rows(
            d.conn(),
            &format!("SHOW CREATE TABLE {}", Dialect::Mysql.quote(&t)),
        )
        .ok()?;
        let text = r.first()?.get(1)?.clone()?;
        out.push(
            text.split(' ')
                .filter(|w| !w.starts_with("AUTO_INCREMENT="))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    let strip = |s: String| s.replace(&format!("`{db}`."), "");
    for r in rows(
        d.conn(),
        "SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE FROM information_schema.VIEWS \
         WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1",
    )
    .ok()?
    {
        out.push(strip(r.into_iter().map(Option::unwrap_or_default).collect::<Vec<_>>().join(" | ")));
    }
    for r in rows(
        d.conn(),
        "SELECT TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_STATEMENT \
         FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY 1",
    )
    .ok()?
    {
        out.push(r.into_iter().map(Option::unwrap_or_default).collect::<Vec<_>>().join(" | "));
    }
    Some(out)
}
