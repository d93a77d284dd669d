//! Fault injection on SQLite: `schema apply` of a many-statement plan (table
//! rebuilds, new columns, indexes, a dropped and a created table) is killed
//! with SIGKILL and SIGTERM at seeded random points. Each time the database
//! is entirely before or entirely after, no row is lost, a rerun converges,
//! and nothing is left beside the database file.

mod common;
#[path = "common/faults.rs"]
mod faults;

use common::*;
use std::time::Instant;

const TABLES: usize = 40;
const ROWS: usize = 50;

fn before() -> String {
    let mut s = String::from("CREATE TABLE gone (id integer PRIMARY KEY);\n");
    for i in 0..TABLES {
        s.push_str(&format!(
            "CREATE TABLE t{i} (id integer PRIMARY KEY, v text, n integer);\n"
        ));
    }
    s
}

/// Every table rebuilt (`v` becomes NOT NULL with a default, `n` changes
/// type), a column and an index added; `gone` dropped, `fresh` created.
fn after() -> String {
    let mut s = String::from("CREATE TABLE fresh (id integer PRIMARY KEY);\n");
    for i in 0..TABLES {
        s.push_str(&format!(
            "CREATE TABLE t{i} (id integer PRIMARY KEY, v text NOT NULL DEFAULT '', n real, w text);\nCREATE INDEX t{i}_w ON t{i} (w);\n"
        ));
    }
    s
}

fn inspect(s: &Scratch) -> String {
    s.strata(&[
        "schema",
        "inspect",
        "--url",
        &s.db_url("app.db"),
        "--format",
        "sql",
    ])
    .ok()
    .stdout
    .clone()
}

fn rows(s: &Scratch) -> usize {
    let db = s.sqlite("app.db");
    (0..TABLES)
        .map(|i| {
            column(&db, &format!("SELECT count(*) FROM t{i}"))[0]
                .parse::<usize>()
                .unwrap()
        })
        .sum()
}

/// A fresh `app.db` at the before state, filled with rows.
fn reset(s: &Scratch, template: &std::path::Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let _ = std::fs::remove_file(s.path(&format!("app.db{suffix}")));
    }
    std::fs::copy(template, s.path("app.db")).unwrap();
}

const APPLY: &[&str] = &[
    "schema",
    "apply",
    "--url",
    "sqlite://app.db",
    "--to",
    "file://after.sql",
    "--auto-approve",
];

#[test]
fn schema_apply_killed_anywhere_is_before_or_after_and_a_rerun_converges() {
    let s = Scratch::new();
    s.write("before.sql", &before());
    s.write("after.sql", &after());
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &s.db_url("template.db"),
        "--to",
        "file://before.sql",
        "--auto-approve",
    ])
    .ok();
    let tdb = s.sqlite("template.db");
    for i in 0..TABLES {
        for r in 0..ROWS {
            tdb.execute_batch(&format!("INSERT INTO t{i} VALUES ({r}, 'v{r}', {r})"))
                .unwrap();
        }
    }
    drop(tdb);
    let template = s.path("template.db");
    reset(&s, &template);
    let before_schema = inspect(&s);
    // An undisturbed run: the after state, and how long it takes here.
    let started = Instant::now();
    s.strata(APPLY).ok();
    let took = started.elapsed();
    let after_schema = inspect(&s);
    assert_ne!(before_schema, after_schema);
    assert_eq!(rows(&s), TABLES * ROWS);

    let seed = faults::seed();
    let mut rng = faults::Rng(seed);
    let mut report = Vec::new();
    for sig in ["KILL", "TERM"] {
        let points = faults::kill_points(&mut rng, 10, took + took / 5);
        let (mut mid, mut was_before, mut was_after) = (0, 0, 0);
        for at in &points {
            reset(&s, &template);
            let (running, _) = faults::interrupt(s.dir.path(), APPLY, sig, *at);
            mid += running as usize;
            let now = inspect(&s);
            assert!(
                now == before_schema || now == after_schema,
                "SIG{sig} at {at:?} (seed {seed}): a state between before and after:\n{now}"
            );
            if now == before_schema {
                was_before += 1;
            } else {
                was_after += 1;
            }
            assert_eq!(rows(&s), TABLES * ROWS, "SIG{sig} at {at:?}: rows lost");
            // The rerun converges, and then there is nothing left to do.
            s.strata(APPLY).ok();
            assert_eq!(inspect(&s), after_schema);
            assert_eq!(rows(&s), TABLES * ROWS);
            let again = s.strata(APPLY);
            assert!(again.ok().stdout.contains("in sync"), "{}", again.stdout);
            // Nothing beside the database: no journal, no scratch file.
            let mut left: Vec<String> = std::fs::read_dir(s.dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            left.sort();
            assert_eq!(
                left,
                ["after.sql", "app.db", "before.sql", "template.db"],
                "SIG{sig} at {at:?}"
            );
        }
        report.push(format!(
            "SIG{sig}: 10 points over {:?}, {mid} mid-run, {was_before} before / {was_after} after",
            took + took / 5
        ));
        assert!(
            mid >= 5,
            "SIG{sig}: only {mid} of 10 signals landed mid-run"
        );
    }
    eprintln!(
        "seed {seed}, undisturbed apply {took:?}: {}",
        report.join("; ")
    );
}

/// An editor ends its language server by closing the pipes and then sending
/// SIGTERM (Neovim does). The interrupt handler's message then meets a
/// closed stderr; it must still end the process, not leave it parked with no
/// handler (a `strata lsp` per editor session used to survive that way).
#[test]
fn sigterm_after_the_client_closed_its_pipes_ends_the_language_server() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(child.stdout.take());
    drop(child.stderr.take());
    faults::signal(child.id(), "TERM");
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(
        status.is_some(),
        "strata lsp still runs 10 s after SIGTERM with its pipes closed"
    );
}
