//! Reliability promises on the real PostgreSQL server: a narrowing type change
//! never loses data silently, an INVALID index is rebuilt rather than trusted,
//! and an interrupted run leaves no scratch database or cluster behind.

mod common;
#[path = "common/faults.rs"]
mod faults;
#[path = "common/pg.rs"]
mod pg;

use common::*;
use pg::{PgDb, ADMIN};

fn apply(s: &Scratch, db: &PgDb, file: &str, extra: &[&str]) -> Run {
    let to = format!("file://{file}");
    let url = db.url();
    let mut args = vec![
        "schema",
        "apply",
        "--url",
        &url,
        "--to",
        &to,
        "--dev-url",
        ADMIN,
    ];
    args.extend_from_slice(extra);
    s.strata(&args)
}

/// Every lossy conversion the planner can emit, one column each:
/// (column, type before, type after, a value that loses data, a safe value).
const NARROWINGS: &[(&str, &str, &str, &str, &str)] = &[
    ("vc", "varchar(10)", "varchar(5)", "'0123456789'", "'01234'"),
    ("ch", "char(10)", "char(5)", "'0123456789'", "'abc'"),
    ("tx", "text", "varchar(5)", "'abcdefghij'", "'abc'"),
    (
        "num_scale",
        "numeric(12,2)",
        "numeric(5,1)",
        "123.45",
        "123.5",
    ),
    (
        "num_prec",
        "numeric(12,2)",
        "numeric(5,2)",
        "1234.5",
        "123.45",
    ),
    ("int_num", "integer", "numeric(5,2)", "1000", "999"),
    (
        "ts_date",
        "timestamp",
        "date",
        "'2024-01-01 12:00'",
        "'2024-01-01'",
    ),
    (
        "tstz_date",
        "timestamptz",
        "date",
        "'2024-01-01 12:34:56+00'",
        "date_trunc('day', now())",
    ),
    ("ts_time", "timestamp", "time", "'2024-01-01 12:00'", "NULL"),
    (
        "ts_prec",
        "timestamp(6)",
        "timestamp(0)",
        "'2024-01-01 12:00:00.5'",
        "'2024-01-01 12:00:01'",
    ),
    ("f_int", "float8", "integer", "2.7", "3"),
    ("num_int", "numeric(10,2)", "integer", "2.5", "2"),
    ("big_int", "bigint", "integer", "3000000000", "42"),
    ("big_small", "bigint", "smallint", "40000", "7"),
    ("f_real", "float8", "real", "1.2345678901", "2.5"),
];

fn table(types: impl Fn(&(&str, &str, &str, &str, &str)) -> String) -> String {
    let cols: Vec<String> = NARROWINGS.iter().map(types).collect();
    format!(
        "CREATE TABLE t (\n  id int PRIMARY KEY,\n  {}\n);\n",
        cols.join(",\n  ")
    )
}

/// Values of every column of row `id`, as text.
fn row(db: &PgDb, id: i32) -> Vec<String> {
    NARROWINGS
        .iter()
        .map(|(c, ..)| {
            db.column(&format!("SELECT \"{c}\"::text FROM t WHERE id = {id}"))[0].clone()
        })
        .collect()
}

fn types(db: &PgDb) -> Vec<String> {
    NARROWINGS
        .iter()
        .map(|(c, ..)| {
            db.column(&format!(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = '{c}'"
            ))[0]
                .clone()
        })
        .collect()
}

#[test]
fn narrowing_that_would_lose_data_is_refused_and_changes_nothing() {
    let Some(db) = PgDb::create("narrow") else {
        return;
    };
    let s = Scratch::new();
    s.write(
        "wide.sql",
        &table(|(c, from, ..)| format!("\"{c}\" {from}")),
    );
    s.write(
        "narrow.sql",
        &table(|(c, _, to, ..)| format!("\"{c}\" {to}")),
    );
    apply(&s, &db, "wide.sql", &["--auto-approve"]).ok();
    let safe: Vec<&str> = NARROWINGS.iter().map(|n| n.4).collect();
    db.client()
        .batch_execute(&format!("INSERT INTO t VALUES (1, {})", safe.join(", ")))
        .unwrap();
    let wide_types = types(&db);

    // One offending row per conversion, each alone: refused, nothing changed.
    for (i, (col, from, to, bad, _)) in NARROWINGS.iter().enumerate() {
        let mut values = safe.clone();
        values[i] = bad;
        db.client()
            .batch_execute(&format!("INSERT INTO t VALUES (2, {})", values.join(", ")))
            .unwrap();
        let before = row(&db, 2);
        for extra in [&["--dry-run"][..], &["--auto-approve"][..]] {
            let r = apply(&s, &db, "narrow.sql", extra);
            r.fails_with(1, "nothing was changed");
            let finding = r
                .stdout
                .lines()
                .find(|l| l.contains("error MF108") && l.contains(&format!("\"t\".\"{col}\"")));
            assert!(
                finding.is_some(),
                "{col} {from} → {to} with {bad}: no MF108 finding:\n{}",
                r.stdout
            );
            // The implicit cast refuses what an explicit one would cut.
            if ["vc", "ch", "tx"].contains(col) {
                let alter = r
                    .stdout
                    .lines()
                    .find(|l| l.contains(&format!("COLUMN \"{col}\" TYPE")));
                assert!(alter.is_some_and(|l| !l.contains("USING")), "{}", r.stdout);
            }
            // Every narrowing is warned about (MF108 is also a static lint),
            // but only the offending column is an error.
            assert_eq!(r.stdout.matches("error MF108").count(), 1, "{}", r.stdout);
        }
        assert_eq!(types(&db), wide_types, "{col}: a type changed");
        assert_eq!(row(&db, 2), before, "{col}: a value changed");
        db.client()
            .batch_execute("DELETE FROM t WHERE id = 2")
            .unwrap();
    }

    // Only safe rows: applied, every value intact.
    let before = row(&db, 1);
    apply(&s, &db, "narrow.sql", &["--auto-approve"]).ok();
    let narrow_types = types(&db);
    for (((col, _, to, ..), wide), narrow) in NARROWINGS.iter().zip(&wide_types).zip(&narrow_types)
    {
        assert_ne!(narrow, wide, "{col} did not become {to}");
    }
    let after = row(&db, 1);
    for (((col, from, to, ..), b), a) in NARROWINGS.iter().zip(&before).zip(&after) {
        // Intact: the new value, read back as the old type, equals the old value.
        let lit = |v: &str| {
            if v == "NULL" {
                "NULL".to_string()
            } else {
                format!("'{}'", v.replace('\'', "''"))
            }
        };
        if a == "NULL" || b == "NULL" {
            assert_eq!(a, b, "{col}");
            continue;
        }
        let same = db.column(&format!(
            "SELECT ({}::{to})::{from} IS NOT DISTINCT FROM {}::{from}",
            lit(a),
            lit(b)
        ));
        assert_eq!(same, ["t"], "{col}: {b} became {a}");
    }
}

/// A failed `CREATE UNIQUE INDEX CONCURRENTLY` leaves an INVALID index that
/// enforces nothing: strata must not take it for the desired index.
#[test]
fn an_invalid_index_is_dropped_and_recreated_not_trusted() {
    let Some(db) = PgDb::create("invalid_index") else {
        return;
    };
    let s = Scratch::new();
    s.write("v.sql", "CREATE TABLE t (id int PRIMARY KEY, email text);\nCREATE UNIQUE INDEX t_email ON t (email);\n");
    db.client()
        .batch_execute("CREATE TABLE t (id int PRIMARY KEY, email text); INSERT INTO t VALUES (1, 'a'), (2, 'a'), (3, 'b');")
        .unwrap();
    let failed = db
        .client()
        .batch_execute("CREATE UNIQUE INDEX CONCURRENTLY t_email ON t (email)");
    assert!(failed.is_err(), "duplicates must make the index build fail");
    let valid = |db: &PgDb| {
        db.column("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_email'::regclass")
    };
    assert_eq!(valid(&db), ["f"]);

    // Duplicates still there: the re-created index would fail, so nothing runs.
    let r = apply(&s, &db, "v.sql", &["--auto-approve"]);
    r.fails_with(1, "nothing was changed");
    assert!(r.stdout.contains("INVALID"), "{}", r.stdout);
    assert!(r.stdout.contains("error MF102"), "{}", r.stdout);
    assert_eq!(valid(&db), ["f"]);

    // Without duplicates: dropped, re-created, valid, enforcing.
    db.client()
        .batch_execute("DELETE FROM t WHERE id = 2")
        .unwrap();
    let r = apply(&s, &db, "v.sql", &["--auto-approve"]);
    r.ok();
    assert!(
        r.stdout.contains("DROP INDEX \"public\".\"t_email\""),
        "{}",
        r.stdout
    );
    assert_eq!(valid(&db), ["t"]);
    assert!(db
        .client()
        .batch_execute("INSERT INTO t VALUES (4, 'a')")
        .is_err());
    let r = apply(&s, &db, "v.sql", &["--auto-approve"]);
    r.ok();
    assert!(r.stdout.contains("in sync"), "{}", r.stdout);
}

/// A schema big enough that normalizing it takes a moment to interrupt.
fn many_tables(n: usize) -> String {
    (0..n)
        .map(|i| format!("CREATE TABLE t{i} (id int PRIMARY KEY, v text, n numeric(10,2));\n"))
        .collect()
}

fn spawn(s: &Scratch, args: &[&str], tmp: Option<&std::path::Path>) -> std::process::Child {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_strata"));
    // Every run must really use the dev database.
    c.env("STRATA_NO_CACHE", "1");
    c.args(args)
        .current_dir(s.dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if let Some(t) = tmp {
        c.env("TMPDIR", t);
    }
    c.spawn().unwrap()
}

/// Polls `f` every 5 ms for up to `secs` seconds.
fn wait_until(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(secs) {
        if f() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    false
}

fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig} {pid}");
}

/// `kill -9` while a scratch dev database exists: it stays behind (nothing
/// can run on SIGKILL), and the next run on that server drops it.
#[test]
fn a_scratch_database_left_by_kill_9_is_dropped_by_the_next_run() {
    if PgDb::create("probe").is_none() {
        return;
    }
    let s = Scratch::new();
    s.write("empty.sql", "");
    s.write("big.sql", &many_tables(400));
    s.write("small.sql", "CREATE TABLE a (id int);\n");
    let args = [
        "schema",
        "diff",
        "--from",
        "file://empty.sql",
        "--to",
        "file://big.sql",
        "--dev-url",
        ADMIN,
    ];
    let mut child = spawn(&s, &args, None);
    let pid = child.id();
    let held = wait_until(60, || !pg::leftover_scratch(pid).is_empty());
    signal(pid, "KILL");
    let _ = child.wait();
    assert!(held, "the run never created its scratch database");
    assert!(
        !pg::leftover_scratch(pid).is_empty(),
        "SIGKILL cannot clean up: expected a leftover"
    );

    let r = s.strata(&[
        "schema",
        "diff",
        "--from",
        "file://empty.sql",
        "--to",
        "file://small.sql",
        "--dev-url",
        ADMIN,
    ]);
    r.ok();
    assert_eq!(
        pg::leftover_scratch(pid),
        Vec::<String>::new(),
        "the next run left the dead run's database"
    );
}

/// SIGTERM and SIGHUP (timeout, CI cancellation, a closed terminal) are
/// handled like Ctrl-C: the scratch database is dropped before exit.
#[test]
fn sigterm_and_sighup_with_a_scratch_database_leave_none() {
    if PgDb::create("probe").is_none() {
        return;
    }
    let s = Scratch::new();
    s.write("empty.sql", "");
    s.write("big.sql", &many_tables(400));
    for sig in ["TERM", "HUP"] {
        let args = [
            "schema",
            "diff",
            "--from",
            "file://empty.sql",
            "--to",
            "file://big.sql",
            "--dev-url",
            ADMIN,
        ];
        let mut child = spawn(&s, &args, None);
        let pid = child.id();
        assert!(wait_until(60, || !pg::leftover_scratch(pid).is_empty()));
        signal(pid, sig);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "SIG{sig}: {status}");
        assert_eq!(pg::leftover_scratch(pid), Vec::<String>::new(), "SIG{sig}");
    }
}

/// A temp dir the postgres user can reach (the cluster runs as postgres when we are root).
fn shared_tmp(s: &Scratch) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let tmp = s.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    for d in [s.dir.path(), tmp.as_path()] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    tmp
}

fn clusters(tmp: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(tmp)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with("strata-ephemeral-")
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Pids of processes whose command line names `dir` (postgres, initdb, the watchdog).
fn users_of(dir: &std::path::Path) -> Vec<u32> {
    let needle = dir.to_string_lossy().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&needle))
                && std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .is_ok_and(|s| !s.contains(") Z "))
        })
        .collect()
}

/// Starts `strata schema diff` on ephemeral://postgres and waits until its
/// cluster's server is up; `None` (skipped loudly) without local binaries.
fn ephemeral_run(
    s: &Scratch,
    tmp: &std::path::Path,
) -> Option<(std::process::Child, std::path::PathBuf)> {
    if strata_core::postgres::ephemeral::find_bin_dir().is_none() {
        eprintln!("\n!!! SKIPPING ephemeral test: no initdb/postgres binaries !!!\n");
        return None;
    }
    s.write("empty.sql", "");
    s.write("big.sql", &many_tables(400));
    let args = [
        "schema",
        "diff",
        "--from",
        "file://empty.sql",
        "--to",
        "file://big.sql",
        "--dev-url",
        "ephemeral://postgres",
    ];
    let mut child = spawn(s, &args, Some(tmp));
    let up = wait_until(60, || {
        clusters(tmp)
            .iter()
            .any(|d| d.join("data/postmaster.pid").exists())
    });
    if !up {
        let _ = child.kill();
        panic!("the ephemeral cluster never started");
    }
    let dir = clusters(tmp).remove(0);
    Some((child, dir))
}

#[test]
fn sigterm_during_ephemeral_postgres_leaves_no_directory_and_no_server() {
    let s = Scratch::new();
    let tmp = shared_tmp(&s);
    let Some((mut child, dir)) = ephemeral_run(&s, &tmp) else {
        return;
    };
    assert!(!users_of(&dir).is_empty());
    signal(child.id(), "TERM");
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(130),
        "strata finished before the signal: {status}"
    );
    assert!(
        wait_until(10, || users_of(&dir).is_empty()),
        "processes survive: {:?}",
        users_of(&dir)
    );
    assert_eq!(clusters(&tmp), Vec::<std::path::PathBuf>::new());
}

#[test]
fn sigkill_during_ephemeral_postgres_is_cleaned_by_the_watchdog() {
    let s = Scratch::new();
    let tmp = shared_tmp(&s);
    let Some((mut child, dir)) = ephemeral_run(&s, &tmp) else {
        return;
    };
    signal(child.id(), "KILL");
    let _ = child.wait();
    assert!(
        wait_until(15, || users_of(&dir).is_empty()),
        "processes survive: {:?}",
        users_of(&dir)
    );
    assert!(
        wait_until(5, || clusters(&tmp).is_empty()),
        "left: {:?}",
        clusters(&tmp)
    );
}

/// Everything killed at once, watchdog included (`kill -9` of a process
/// group): the postmaster and directory survive, and the next run removes them.
#[test]
fn a_cluster_whose_owner_and_watchdog_were_killed_is_removed_by_the_next_run() {
    let s = Scratch::new();
    let tmp = shared_tmp(&s);
    let Some((mut child, dir)) = ephemeral_run(&s, &tmp) else {
        return;
    };
    let watchdogs: Vec<u32> = users_of(&dir)
        .into_iter()
        .filter(|p| {
            std::fs::read(format!("/proc/{p}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains("strata-ephemeral-watchdog"))
        })
        .collect();
    assert_eq!(watchdogs.len(), 1);
    signal(watchdogs[0], "KILL");
    signal(child.id(), "KILL");
    let _ = child.wait();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        !users_of(&dir).is_empty(),
        "expected the postmaster to outlive its owner here"
    );
    assert!(dir.exists());

    s.write("small.sql", "CREATE TABLE a (id int);\n");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        // Every run must really use the dev database.
        .env("STRATA_NO_CACHE", "1")
        .args([
            "schema",
            "diff",
            "--from",
            "file://empty.sql",
            "--to",
            "file://small.sql",
            "--dev-url",
            "ephemeral://postgres",
        ])
        .current_dir(s.dir.path())
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        wait_until(10, || users_of(&dir).is_empty()),
        "processes survive: {:?}",
        users_of(&dir)
    );
    assert!(!dir.exists());
    assert_eq!(clusters(&tmp), Vec::<std::path::PathBuf>::new());
}

/// `schema apply` of a many-statement PostgreSQL plan killed with SIGKILL and
/// SIGTERM at seeded random points (normalizing on the dev server, planning,
/// inside the transaction): the database is entirely before or after, no row
/// is lost, a rerun converges, and no scratch database survives the next run.
#[test]
fn schema_apply_killed_anywhere_is_before_or_after_and_a_rerun_converges() {
    if PgDb::create("probe").is_none() {
        return;
    }
    const TABLES: usize = 30;
    let s = Scratch::new();
    let mut before = String::from("CREATE TABLE gone (id int PRIMARY KEY);\n");
    let mut after = String::from("CREATE TABLE fresh (id int PRIMARY KEY);\n");
    for i in 0..TABLES {
        before.push_str(&format!(
            "CREATE TABLE t{i} (id int PRIMARY KEY, v text, n int);\n"
        ));
        after.push_str(&format!(
            "CREATE TABLE t{i} (id int PRIMARY KEY, v text NOT NULL DEFAULT '', n bigint, w text);\nCREATE INDEX t{i}_w ON t{i} (w);\nCOMMENT ON TABLE t{i} IS 'after';\n"
        ));
    }
    s.write("before.sql", &before);
    s.write("after.sql", &after);
    let fresh = |tag: &str| -> PgDb {
        let db = PgDb::create(tag).unwrap();
        apply(&s, &db, "before.sql", &["--auto-approve"]).ok();
        let mut c = db.client();
        for i in 0..TABLES {
            c.batch_execute(&format!(
                "INSERT INTO t{i} SELECT g, 'v' || g, g FROM generate_series(1, 40) g"
            ))
            .unwrap();
        }
        db
    };
    let inspect = |db: &PgDb| {
        s.strata(&["schema", "inspect", "--url", &db.url(), "--format", "sql"])
            .ok()
            .stdout
            .clone()
    };
    let rows = |db: &PgDb| -> usize {
        (0..TABLES)
            .map(|i| {
                db.column(&format!("SELECT count(*) FROM t{i}"))[0]
                    .parse::<usize>()
                    .unwrap()
            })
            .sum()
    };
    let db = fresh("fault_ref");
    let before_schema = inspect(&db);
    // Timed as the killed runs go: replaying the schema on the dev database.
    let started = std::time::Instant::now();
    apply(&s, &db, "after.sql", &["--auto-approve", "--no-cache"]).ok();
    let took = started.elapsed();
    let after_schema = inspect(&db);
    assert_ne!(before_schema, after_schema);
    drop(db);

    let seed = faults::seed();
    let mut rng = faults::Rng(seed);
    let mut report = Vec::new();
    for sig in ["KILL", "TERM"] {
        // 6 points per signal keep the test near a minute (10 were run for
        // docs/benchmarks.md).
        let points = faults::kill_points(&mut rng, 6, took + took / 5);
        let (mut mid, mut was_before) = (0, 0);
        for (k, at) in points.iter().enumerate() {
            let db = fresh(&format!("fault_{}_{k}", sig.to_lowercase()));
            let url = db.url();
            let args = [
                "schema",
                "apply",
                "--url",
                &url,
                "--to",
                "file://after.sql",
                "--dev-url",
                ADMIN,
                "--auto-approve",
            ];
            let (running, pid) = faults::interrupt(s.dir.path(), &args, sig, *at);
            mid += running as usize;
            let now = inspect(&db);
            assert!(
                now == before_schema || now == after_schema,
                "SIG{sig} at {at:?} (seed {seed}): a state between before and after:\n{now}"
            );
            was_before += (now == before_schema) as usize;
            assert_eq!(rows(&db), TABLES * 40, "SIG{sig} at {at:?}: rows lost");
            apply(&s, &db, "after.sql", &["--auto-approve"]).ok();
            assert_eq!(inspect(&db), after_schema);
            assert!(apply(&s, &db, "after.sql", &["--auto-approve"])
                .ok()
                .stdout
                .contains("in sync"));
            assert_eq!(
                pg::leftover_scratch(pid),
                Vec::<String>::new(),
                "SIG{sig} at {at:?}: the killed run's scratch database survived the next run"
            );
        }
        report.push(format!(
            "SIG{sig}: {} points over {:?}, {mid} mid-run, {was_before} before / {} after",
            points.len(),
            took + took / 5,
            points.len() - was_before
        ));
        assert!(
            mid >= 2,
            "SIG{sig}: only {mid} of {} signals landed mid-run",
            points.len()
        );
    }
    eprintln!(
        "seed {seed}, undisturbed apply {took:?}: {}",
        report.join("; ")
    );
}
