//! `strata migrate …` on real SQLite files and a real PostgreSQL server:
//! Atlas's sum file byte for byte, apply with recorded progress, resume after
//! a failure, `down` computed from the live database with data checks, and
//! rollback by intent when an older directory is deployed.

mod common;
#[path = "common/pg.rs"]
mod pg;

use common::*;
use pg::{PgDb, ADMIN};
use std::path::Path;

const V1: &str = "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL);\n";
const V2: &str = "CREATE TABLE logs (id integer PRIMARY KEY, msg text);\nALTER TABLE users ADD COLUMN email text;\n";
const V3: &str = "CREATE INDEX users_name ON users (name);\n";

/// Writes migration files into `dir` and hashes them with strata.
fn mig(s: &Scratch, dir: &str, files: &[(&str, &str)]) {
    for (name, text) in files {
        s.write(&format!("{dir}/{name}"), text);
    }
    s.strata(&["migrate", "hash", "--dir", &s.file_url(dir)])
        .ok();
}

fn sqlite_schema(s: &Scratch, db: &str) -> String {
    s.strata(&[
        "schema",
        "inspect",
        "--url",
        &s.db_url(db),
        "--format",
        "sql",
        "--exclude",
        "atlas_schema_revisions",
        "--exclude",
        "strata_revision_files",
    ])
    .ok()
    .stdout
    .clone()
}

fn versions(s: &Scratch, db: &str) -> Vec<String> {
    column(
        &s.sqlite(db),
        "SELECT version || ':' || applied || '/' || total || ':' || coalesce(error, '') FROM atlas_schema_revisions ORDER BY version",
    )
}

fn apply(s: &Scratch, db: &str, dir: &str, extra: &[&str]) -> Run {
    let url = s.db_url(db);
    let dir = s.file_url(dir);
    let mut args = vec!["migrate", "apply", "--url", &url, "--dir", &dir];
    args.extend_from_slice(extra);
    s.strata(&args)
}

fn down(s: &Scratch, db: &str, dir: &str, extra: &[&str]) -> Run {
    let url = s.db_url(db);
    let dir = s.file_url(dir);
    let mut args = vec!["migrate", "down", "--url", &url, "--dir", &dir];
    args.extend_from_slice(extra);
    s.strata(&args)
}

/// The schema a directory's first `n` files give a fresh database.
fn reference_schema(files: &[(&str, &str)]) -> String {
    let s = Scratch::new();
    mig(&s, "m", files);
    apply(&s, "ref.db", "m", &[]).ok();
    sqlite_schema(&s, "ref.db")
}

fn corpus() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpora/atlas/internal/integration/testdata/migrations")
}

#[test]
fn hash_writes_atlas_sum_byte_identical_to_atlas_for_the_corpus() {
    let root = corpus();
    let Ok(entries) = std::fs::read_dir(&root) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("the Atlas corpus is required in CI: {}", root.display());
        }
        eprintln!("!!! SKIPPING: no Atlas corpus at {}", root.display());
        return;
    };
    let mut checked = 0;
    for e in entries {
        let src = e.unwrap().path();
        let Ok(expected) = std::fs::read_to_string(src.join("atlas.sum")) else {
            continue;
        };
        let s = Scratch::new();
        for f in std::fs::read_dir(&src).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|x| x == "sql") {
                let name = f.file_name().unwrap().to_string_lossy().into_owned();
                s.write(&format!("m/{name}"), &std::fs::read_to_string(&f).unwrap());
            }
        }
        s.strata(&["migrate", "hash", "--dir", &s.file_url("m")])
            .ok();
        let written = std::fs::read_to_string(s.path("m/atlas.sum")).unwrap();
        assert_eq!(written, expected, "{}", src.display());
        // And Atlas's own sum file validates unchanged.
        std::fs::write(s.path("m/atlas.sum"), &expected).unwrap();
        s.strata(&[
            "migrate",
            "validate",
            "--dir",
            &s.file_url("m"),
            "--url",
            ADMIN,
        ])
        .ok();
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} corpus directories");
}

#[test]
fn apply_status_down_and_up_again_on_sqlite() {
    let s = Scratch::new();
    let files = [("1_users.sql", V1), ("2_logs.sql", V2)];
    mig(&s, "m", &files);
    let before = s.strata(&[
        "migrate",
        "status",
        "--url",
        &s.db_url("app.db"),
        "--dir",
        &s.file_url("m"),
    ]);
    // A missing database file is an error for status (it never creates one).
    assert_eq!(before.code, 1);

    let out = apply(&s, "app.db", "m", &[]);
    out.ok();
    assert!(
        out.stdout
            .contains("Migrating to version 2 (2 migrations in total)"),
        "{}",
        out.stdout
    );
    assert!(out
        .stdout
        .contains("-> ALTER TABLE users ADD COLUMN email text;"));
    assert_eq!(versions(&s, "app.db"), ["1:1/1:", "2:2/2:"]);
    let st = s.strata(&[
        "migrate",
        "status",
        "--url",
        &s.db_url("app.db"),
        "--dir",
        &s.file_url("m"),
    ]);
    assert!(st.ok().stdout.contains("Migration Status: OK"));
    assert!(st.stdout.contains("-- Current Version: 2"));
    assert!(apply(&s, "app.db", "m", &[])
        .ok()
        .stdout
        .contains("No migration files to execute"));

    // --dry-run prints checks and plan and changes nothing.
    let full = sqlite_schema(&s, "app.db");
    let dry = down(&s, "app.db", "m", &["--dry-run"]);
    dry.ok();
    assert!(
        dry.stdout
            .contains("Migrating down from version 2 to 1 (1 migrations in total)"),
        "{}",
        dry.stdout
    );
    assert!(dry
        .stdout
        .contains("check: SELECT NOT EXISTS (SELECT 1 FROM \"logs\")"));
    assert!(dry.stdout.contains("DROP TABLE \"logs\";"));
    assert_eq!(sqlite_schema(&s, "app.db"), full);
    assert_eq!(versions(&s, "app.db").len(), 2);

    // Without a terminal, down needs --auto-approve.
    down(&s, "app.db", "m", &[]).fails_with(1, "--auto-approve");
    assert_eq!(sqlite_schema(&s, "app.db"), full);

    let d = down(&s, "app.db", "m", &["--auto-approve"]);
    d.ok();
    assert!(
        d.stdout.contains("-- 1 migrations reverted"),
        "{}",
        d.stdout
    );
    assert_eq!(sqlite_schema(&s, "app.db"), reference_schema(&files[..1]));
    assert_eq!(versions(&s, "app.db"), ["1:1/1:"]);

    // Up again.
    apply(&s, "app.db", "m", &[]).ok();
    assert_eq!(sqlite_schema(&s, "app.db"), full);
    // Down everything: an empty schema.
    down(&s, "app.db", "m", &["2", "--auto-approve"]).ok();
    assert_eq!(sqlite_schema(&s, "app.db"), "");
    assert!(versions(&s, "app.db").is_empty());
}

#[test]
fn checks_refuse_dropping_a_table_or_column_that_holds_data() {
    let s = Scratch::new();
    mig(&s, "m", &[("1_users.sql", V1), ("2_logs.sql", V2)]);
    apply(&s, "app.db", "m", &[]).ok();
    let db = s.sqlite("app.db");
    db.execute_batch(
        "INSERT INTO users (id, name) VALUES (1, 'ann'); INSERT INTO logs VALUES (1, 'hello');",
    )
    .unwrap();
    let full = sqlite_schema(&s, "app.db");
    down(&s, "app.db", "m", &["--auto-approve"]).fails_with(1, "table \"logs\" holds rows");
    assert_eq!(sqlite_schema(&s, "app.db"), full);
    assert_eq!(versions(&s, "app.db").len(), 2);
    // --dry-run runs the checks too, and reports the failure.
    down(&s, "app.db", "m", &["--dry-run"]).fails_with(1, "holds rows");

    db.execute_batch("DELETE FROM logs; UPDATE users SET email = 'a@x'")
        .unwrap();
    down(&s, "app.db", "m", &["--auto-approve"])
        .fails_with(1, "column \"users\".\"email\" holds data");
    assert_eq!(sqlite_schema(&s, "app.db"), full);
    assert_eq!(column(&db, "SELECT email FROM users"), ["a@x"]);

    db.execute_batch("UPDATE users SET email = NULL").unwrap();
    down(&s, "app.db", "m", &["--auto-approve"]).ok();
    assert_eq!(
        column(&db, "SELECT name FROM users"),
        ["ann"],
        "rows survive"
    );
}

#[test]
fn edited_files_are_refused_naming_the_file() {
    let s = Scratch::new();
    mig(&s, "m", &[("1_users.sql", V1), ("2_logs.sql", V2)]);
    s.write("m/2_logs.sql", "CREATE TABLE logs (id int);");
    apply(&s, "app.db", "m", &[]).fails_with(1, "2_logs.sql was edited");
    assert!(!s.path("app.db").exists() || tables(&s.sqlite("app.db")).is_empty());
    s.write("m/3_new.sql", V3);
    s.strata(&["migrate", "validate", "--dir", &s.file_url("m")])
        .fails_with(1, "atlas.sum");
}

#[test]
fn failed_statement_rolls_the_file_back_records_it_and_resumes_after_the_fix() {
    let s = Scratch::new();
    mig(
        &s,
        "m",
        &[
            ("1_users.sql", V1),
            (
                "2_logs.sql",
                "CREATE TABLE logs (id integer);\nINSERT INTO nope VALUES (1);\n",
            ),
        ],
    );
    let r = apply(&s, "app.db", "m", &[]);
    r.fails_with(1, "INSERT INTO nope VALUES (1)");
    assert!(r.stderr.contains("rolled back"), "{}", r.stderr);
    assert_eq!(
        tables(&s.sqlite("app.db")),
        ["atlas_schema_revisions", "strata_revision_files", "users"]
    );
    assert_eq!(versions(&s, "app.db")[1], "2:0/2:no such table: nope");
    let st = s.strata(&[
        "migrate",
        "status",
        "--url",
        &s.db_url("app.db"),
        "--dir",
        &s.file_url("m"),
    ]);
    assert!(
        st.ok()
            .stdout
            .contains("-- SQL:   INSERT INTO nope VALUES (1)"),
        "{}",
        st.stdout
    );
    assert!(st.stdout.contains("-- ERROR: no such table: nope"));

    mig(
        &s,
        "m",
        &[(
            "2_logs.sql",
            "CREATE TABLE logs (id integer);\nINSERT INTO logs VALUES (1);\n",
        )],
    );
    apply(&s, "app.db", "m", &[]).ok();
    assert_eq!(versions(&s, "app.db"), ["1:1/1:", "2:2/2:"]);
    assert_eq!(
        column(&s.sqlite("app.db"), "SELECT count(*) FROM logs"),
        ["1"]
    );
}

#[test]
fn txmode_none_partial_file_then_down_reaches_the_previous_version_exactly() {
    let s = Scratch::new();
    let v2 = "-- atlas:txmode none\nCREATE TABLE logs (id integer PRIMARY KEY, msg text);\nCREATE INDEX logs_msg ON logs (msg);\nALTER TABLE users ADD COLUMN email text;\nTHIS IS A FAILING STATEMENT;\n";
    mig(&s, "m", &[("1_users.sql", V1), ("2_logs.sql", v2)]);
    let r = apply(&s, "app.db", "m", &[]);
    r.fails_with(1, "3 statement(s) of it stay applied");
    assert_eq!(versions(&s, "app.db")[1].split(':').nth(1), Some("3/4"));
    let st = s.strata(&[
        "migrate",
        "status",
        "--url",
        &s.db_url("app.db"),
        "--dir",
        &s.file_url("m"),
    ]);
    assert!(
        st.ok()
            .stdout
            .contains("Version 2 failed after 3 of 4 statement(s)"),
        "{}",
        st.stdout
    );

    // Down from the half state: exactly the schema version 1 left.
    let d = down(&s, "app.db", "m", &["--auto-approve"]);
    d.ok();
    assert!(
        d.stdout.contains("Migrating down from version 2 to 1"),
        "{}",
        d.stdout
    );
    assert_eq!(
        sqlite_schema(&s, "app.db"),
        reference_schema(&[("1_users.sql", V1)])
    );
    assert_eq!(versions(&s, "app.db"), ["1:1/1:"]);

    // A rerun after a fix resumes after the last applied statement instead.
    let s = Scratch::new();
    mig(&s, "m", &[("1_users.sql", V1), ("2_logs.sql", v2)]);
    apply(&s, "app.db", "m", &[]).fails_with(1, "FAILING");
    mig(
        &s,
        "m",
        &[(
            "2_logs.sql",
            &v2.replace("THIS IS A FAILING STATEMENT;", "CREATE TABLE done (x int);"),
        )],
    );
    let r = apply(&s, "app.db", "m", &[]);
    r.ok();
    assert!(r.stdout.contains("resuming at statement 4"), "{}", r.stdout);
    assert!(
        !r.stdout.contains("CREATE TABLE logs"),
        "nothing runs twice"
    );
    assert_eq!(versions(&s, "app.db"), ["1:1/1:", "2:4/4:"]);
    // An applied statement that changed since is refused.
    mig(
        &s,
        "m",
        &[("2_logs.sql", &v2.replace("msg text", "body text"))],
    );
    down(&s, "app.db", "m", &["--auto-approve"]).fails_with(1, "2_logs.sql was edited");
}

#[test]
fn rollback_by_intent_refused_without_allow_down_then_down_then_up() {
    let s = Scratch::new();
    let files = [("1_users.sql", V1), ("2_logs.sql", V2), ("3_index.sql", V3)];
    mig(&s, "new", &files);
    mig(&s, "old", &files[..1]);
    apply(&s, "app.db", "new", &[]).ok();
    let full = sqlite_schema(&s, "app.db");

    // The older build's directory: refused, nothing changed, versions named.
    let r = apply(&s, "app.db", "old", &[]);
    r.fails_with(
        1,
        "2 (logs), 3 (index) beyond the directory's latest version (1)",
    );
    assert!(r.stderr.contains("--allow-down"));
    assert_eq!(sqlite_schema(&s, "app.db"), full);
    let st = s.strata(&[
        "migrate",
        "status",
        "--url",
        &s.db_url("app.db"),
        "--dir",
        &s.file_url("old"),
    ]);
    assert!(st.ok().stdout.contains("Migration Status: AHEAD"));

    // With --allow-down: reverted from the history the database kept (the
    // old directory has neither file 2 nor file 3).
    let r = apply(&s, "app.db", "old", &["--allow-down"]);
    r.ok();
    assert!(
        r.stdout
            .contains("Migrating down from version 3 to 1 (2 migrations in total)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("-- reverting version 3"));
    assert!(r.stdout.contains("-- reverting version 2"));
    assert_eq!(sqlite_schema(&s, "app.db"), reference_schema(&files[..1]));
    assert_eq!(versions(&s, "app.db"), ["1:1/1:"]);

    // The newer build again: up.
    apply(&s, "app.db", "new", &[]).ok();
    assert_eq!(sqlite_schema(&s, "app.db"), full);
    assert_eq!(versions(&s, "app.db").len(), 3);
}

#[test]
fn a_database_with_tables_but_no_history_needs_baseline_or_allow_dirty() {
    let s = Scratch::new();
    mig(&s, "m", &[("1_users.sql", V1), ("2_logs.sql", V2)]);
    s.sqlite("app.db").execute_batch(V1).unwrap();
    apply(&s, "app.db", "m", &[]).fails_with(1, "--baseline");
    let r = apply(&s, "app.db", "m", &["--baseline", "1"]);
    r.ok();
    assert!(
        r.stdout
            .contains("Migrating to version 2 from 1 (1 migrations in total)"),
        "{}",
        r.stdout
    );
    assert_eq!(versions(&s, "app.db"), ["1:1/1:", "2:2/2:"]);
}

#[test]
fn new_diff_set_and_rm() {
    let s = Scratch::new();
    s.write("schema.sql", V1);
    let d = s.strata(&[
        "migrate",
        "diff",
        "init",
        "--dir",
        &s.file_url("m"),
        "--to",
        &s.file_url("schema.sql"),
    ]);
    d.ok();
    let first = d.stdout.trim().to_string();
    assert!(first.ends_with("_init.sql"), "{first}");
    assert!(std::fs::read_to_string(&first)
        .unwrap()
        .contains("CREATE TABLE \"users\""));
    let again = s.strata(&[
        "migrate",
        "diff",
        "--dir",
        &s.file_url("m"),
        "--to",
        &s.file_url("schema.sql"),
    ]);
    assert!(again.ok().stdout.contains("synced"));
    s.write(
        "schema.sql",
        &format!("{V1}CREATE TABLE logs (id integer PRIMARY KEY);\n"),
    );
    let second = s.strata(&[
        "migrate",
        "diff",
        "logs",
        "--dir",
        &s.file_url("m"),
        "--to",
        &s.file_url("schema.sql"),
    ]);
    let second = second.ok().stdout.trim().to_string();
    assert!(second > first, "versions grow: {first} < {second}");
    s.strata(&["migrate", "validate", "--dir", &s.file_url("m")])
        .ok();

    let n = s.strata(&["migrate", "new", "data", "--dir", &s.file_url("m")]);
    let third = n.ok().stdout.trim().to_string();
    assert!(third.ends_with("_data.sql") && third > second);
    let v3 = Path::new(&third)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .split('_')
        .next()
        .unwrap()
        .to_string();
    let v1 = Path::new(&first)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .split('_')
        .next()
        .unwrap()
        .to_string();

    // set: the database is declared at the first version.
    s.strata(&[
        "migrate",
        "set",
        &v1,
        "--url",
        &s.db_url("app.db"),
        "--dir",
        &s.file_url("m"),
    ])
    .ok();
    let applied = column(
        &s.sqlite("app.db"),
        "SELECT version FROM atlas_schema_revisions",
    );
    assert_eq!(applied, std::slice::from_ref(&v1));
    // rm: an unapplied file goes; an applied one is refused.
    s.strata(&[
        "migrate",
        "rm",
        &v3,
        "--url",
        &s.db_url("app.db"),
        "--dir",
        &s.file_url("m"),
    ])
    .ok();
    assert!(!Path::new(&third).exists());
    s.strata(&[
        "migrate",
        "rm",
        &v1,
        "--url",
        &s.db_url("app.db"),
        "--dir",
        &s.file_url("m"),
    ])
    .fails_with(1, "is applied");
    s.strata(&["migrate", "validate", "--dir", &s.file_url("m")])
        .ok();
    apply(&s, "app.db", "m", &[]).ok();
    assert_eq!(
        tables(&s.sqlite("app.db")),
        ["atlas_schema_revisions", "logs", "strata_revision_files"]
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    let s = Scratch::new();
    mig(&s, "m", &[("1_users.sql", V1)]);
    apply(&s, "app.db", "m", &["--tx-mode", "sometimes"]).fails_with(2, "unknown tx-mode");
    apply(&s, "app.db", "m", &["--dir-format", "liquibase"])
        .fails_with(2, "--dir-format liquibase");
    apply(&s, "app.db", "m", &["--dir-format", "flyway"]).fails_with(2, "not a Flyway");
    s.write("m/init.sql", "");
    apply(&s, "app.db", "m", &[]).fails_with(2, "init.sql");
    assert!(!s.path("app.db").exists());
}

// ---- PostgreSQL ----

fn pg_apply(s: &Scratch, db: &PgDb, dir: &str, extra: &[&str]) -> Run {
    let url = db.url();
    let dir = s.file_url(dir);
    let mut args = vec!["migrate", "apply", "--url", &url, "--dir", &dir];
    args.extend_from_slice(extra);
    s.strata(&args)
}

fn pg_down(s: &Scratch, db: &PgDb, dir: &str, extra: &[&str]) -> Run {
    let url = db.url();
    let dir = s.file_url(dir);
    let mut args = vec![
        "migrate",
        "down",
        "--url",
        &url,
        "--dir",
        &dir,
        "--dev-url",
        ADMIN,
    ];
    args.extend_from_slice(extra);
    s.strata(&args)
}

fn pg_schema(s: &Scratch, db: &PgDb) -> String {
    s.strata(&["schema", "inspect", "--url", &db.url(), "--format", "sql"])
        .ok()
        .stdout
        .clone()
}

fn pg_versions(db: &PgDb) -> Vec<String> {
    db.column(
        "SELECT version || ':' || applied || '/' || total || ':' || coalesce(error, '') FROM atlas_schema_revisions.atlas_schema_revisions ORDER BY version",
    )
}

const P1: &str = "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n";
const P2: &str = "CREATE TYPE level AS ENUM ('info', 'warn');\nCREATE TABLE logs (id serial PRIMARY KEY, level level NOT NULL DEFAULT 'info', user_id bigint REFERENCES users(id));\nALTER TABLE users ADD COLUMN email varchar(200);\n";

#[test]
fn pg_failed_statement_rolls_back_and_is_recorded_then_resumes() {
    let Some(db) = PgDb::create("mig_fail") else {
        return;
    };
    let s = Scratch::new();
    let broken = format!("{P2}SELECT 1/0;\n");
    mig(&s, "m", &[("1_users.sql", P1), ("2_logs.sql", &broken)]);
    let r = pg_apply(&s, &db, "m", &[]);
    r.fails_with(1, "division by zero");
    assert!(r.stderr.contains("rolled back"));
    assert_eq!(
        db.column("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"),
        ["users"]
    );
    assert_eq!(pg_versions(&db), ["1:1/1:", "2:0/4:division by zero"]);
    let st = s.strata(&[
        "migrate",
        "status",
        "--url",
        &db.url(),
        "--dir",
        &s.file_url("m"),
    ]);
    assert!(
        st.ok().stdout.contains("-- SQL:   SELECT 1/0"),
        "{}",
        st.stdout
    );

    // Down after the failure: nothing of version 2 is there; its record goes.
    pg_down(&s, &db, "m", &["--auto-approve"]).ok();
    assert_eq!(pg_versions(&db), ["1:1/1:"]);

    mig(&s, "m", &[("2_logs.sql", P2)]);
    pg_apply(&s, &db, "m", &[]).ok();
    assert_eq!(pg_versions(&db), ["1:1/1:", "2:3/3:"]);
    assert_eq!(
        db.column("SELECT count(*) FROM pg_tables WHERE tablename = 'logs'"),
        ["1"]
    );
}

#[test]
fn pg_txmode_none_partial_then_down_reaches_version_one_exactly() {
    let Some(db) = PgDb::create("mig_partial") else {
        return;
    };
    let Some(reference) = PgDb::create("mig_ref") else {
        return;
    };
    let s = Scratch::new();
    let v2 = format!("-- atlas:txmode none\n{P2}CREATE INDEX CONCURRENTLY logs_level ON logs (level);\nSELECT 1/0;\n");
    mig(&s, "m", &[("1_users.sql", P1), ("2_logs.sql", &v2)]);
    pg_apply(&s, &db, "m", &[]).fails_with(1, "4 statement(s) of it stay applied");
    assert_eq!(pg_versions(&db)[1], "2:4/5:division by zero");

    mig(&s, "ref", &[("1_users.sql", P1)]);
    pg_apply(&s, &reference, "ref", &[]).ok();
    let d = pg_down(&s, &db, "m", &["--auto-approve"]);
    d.ok();
    assert!(d.stdout.contains("DROP TYPE"), "{}", d.stdout);
    assert_eq!(pg_schema(&s, &db), pg_schema(&s, &reference));
    assert_eq!(pg_versions(&db), ["1:1/1:"]);
}

#[test]
fn pg_down_checks_refuse_data_and_dry_run_changes_nothing() {
    let Some(db) = PgDb::create("mig_checks") else {
        return;
    };
    let s = Scratch::new();
    mig(&s, "m", &[("1_users.sql", P1), ("2_logs.sql", P2)]);
    pg_apply(&s, &db, "m", &[]).ok();
    db.client()
        .batch_execute("INSERT INTO users (name, email) VALUES ('ann', 'a@x')")
        .unwrap();
    let before = pg_schema(&s, &db);
    let dry = pg_down(&s, &db, "m", &["--dry-run"]);
    dry.fails_with(1, "column \"public\".\"users\".\"email\" holds data");
    assert!(
        dry.stdout
            .contains("check SELECT NOT EXISTS (SELECT 1 FROM \"public\".\"logs\"): passes"),
        "{}",
        dry.stdout
    );
    pg_down(&s, &db, "m", &["--auto-approve"]).fails_with(1, "holds data");
    assert_eq!(pg_schema(&s, &db), before);
    assert_eq!(pg_versions(&db).len(), 2);
    db.client()
        .batch_execute("UPDATE users SET email = NULL")
        .unwrap();
    pg_down(&s, &db, "m", &["--auto-approve"]).ok();
    assert_eq!(db.column("SELECT name FROM users"), ["ann"]);
}

#[test]
fn pg_rollback_by_intent_and_corpus_directory() {
    let Some(db) = PgDb::create("mig_intent") else {
        return;
    };
    let s = Scratch::new();
    let files = [
        ("1_users.sql", P1),
        ("2_logs.sql", P2),
        ("3_idx.sql", "CREATE INDEX users_name ON users (name);\n"),
    ];
    mig(&s, "new", &files);
    mig(&s, "old", &files[..1]);
    pg_apply(&s, &db, "new", &[]).ok();
    let full = pg_schema(&s, &db);
    pg_apply(&s, &db, "old", &[]).fails_with(1, "beyond the directory's latest version (1)");
    assert_eq!(pg_schema(&s, &db), full);
    let r = pg_apply(&s, &db, "old", &["--allow-down", "--dev-url", ADMIN]);
    r.ok();
    assert!(
        r.stdout
            .contains("Migrating down from version 3 to 1 (2 migrations in total)"),
        "{}",
        r.stdout
    );
    assert_eq!(pg_versions(&db), ["1:1/1:"]);
    pg_apply(&s, &db, "new", &[]).ok();
    assert_eq!(pg_schema(&s, &db), full);

    // Drift since version 3: refused before anything runs, naming it;
    // --allow-drift reverts it along with the versions.
    db.client()
        .batch_execute("ALTER TABLE users ADD COLUMN note text")
        .unwrap();
    let drifted = pg_schema(&s, &db);
    let r = pg_apply(&s, &db, "old", &["--allow-down", "--dev-url", ADMIN]);
    r.fails_with(1, "drifted from what version 3 left");
    assert!(
        r.stderr.contains("ADD COLUMN \"note\" text"),
        "{}",
        r.stderr
    );
    assert_eq!(pg_schema(&s, &db), drifted, "nothing ran");
    assert_eq!(pg_versions(&db).len(), 3);
    pg_apply(
        &s,
        &db,
        "old",
        &["--allow-down", "--allow-drift", "--dev-url", ADMIN],
    )
    .ok();
    assert_eq!(pg_versions(&db), ["1:1/1:"]);
    assert!(!pg_schema(&s, &db).contains("note"));

    // Atlas's own PostgreSQL migration directory applies unchanged.
    let src = corpus().join("postgres");
    if src.is_dir() {
        let Some(db2) = PgDb::create("mig_corpus") else {
            return;
        };
        let s2 = Scratch::new();
        for f in ["1_initial.sql", "atlas.sum"] {
            s2.write(
                &format!("m/{f}"),
                &std::fs::read_to_string(src.join(f)).unwrap(),
            );
        }
        let url = format!(
            "postgres://postgres@127.0.0.1:5432/{}?sslmode=disable",
            db2.name
        );
        s2.strata(&[
            "migrate",
            "apply",
            "--url",
            &url,
            "--dir",
            &s2.file_url("m"),
        ])
        .ok();
        assert_eq!(
            db2.column("SELECT tablename FROM pg_tables WHERE schemaname = 'bc_test'"),
            ["bc_tbl"]
        );
        s2.strata(&[
            "migrate",
            "down",
            "--url",
            &url,
            "--dir",
            &s2.file_url("m"),
            "--dev-url",
            ADMIN,
            "--auto-approve",
        ])
        .ok();
        assert!(db2
            .column("SELECT tablename FROM pg_tables WHERE schemaname = 'bc_test'")
            .is_empty());
    }
}

#[test]
fn pg_concurrent_applies_are_serialized_by_the_lock() {
    let Some(db) = PgDb::create("mig_lock") else {
        return;
    };
    let s = Scratch::new();
    mig(
        &s,
        "m",
        &[
            (
                "1_slow.sql",
                "SELECT pg_sleep(1.5);\nCREATE TABLE t (id int);\n",
            ),
            ("2_more.sql", "CREATE TABLE u (id int);\n"),
        ],
    );
    let url = db.url();
    let dir = s.file_url("m");
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            // Every run must really use the dev database.
            .env("STRATA_NO_CACHE", "1")
            .args(["migrate", "apply", "--url", &url, "--dir", &dir])
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|sc| {
        let a = sc.spawn(spawn);
        std::thread::sleep(std::time::Duration::from_millis(300));
        let b = sc.spawn(spawn);
        (a.join().unwrap(), b.join().unwrap())
    });
    let out = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
    };
    assert!(a.status.success(), "{}", out(&a));
    assert!(b.status.success(), "{}", out(&b));
    assert!(
        out(&b).contains("No migration files to execute"),
        "the second waited: {}",
        out(&b)
    );
    assert_eq!(pg_versions(&db), ["1:2/2:", "2:1/1:"]);
}

/// Starts `strata migrate apply`, kills it with SIGKILL after `after`, and
/// returns whether it was still running (so the kill landed mid-run).
fn kill_during_apply(url: &str, dir: &str, after: std::time::Duration) -> bool {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        // Every run must really use the dev database.
        .env("STRATA_NO_CACHE", "1")
        .args(["migrate", "apply", "--url", url, "--dir", dir])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let running = child.try_wait().unwrap().is_none();
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    running
}

/// A long directory: `001_log.sql` creates `log`, then each file `i` of
/// `2..=n` runs `body(i)` and logs `i`, so a test can prove every file ran
/// exactly once (`count(*) = count(DISTINCT n)` in `log`).
fn long_dir(s: &Scratch, dir: &str, n: usize, body: impl Fn(usize) -> String) {
    let mut files = vec![(
        "001_log.sql".to_string(),
        "CREATE TABLE log (n integer);\n".to_string(),
    )];
    for i in 2..=n {
        files.push((
            format!("{i:03}_t{i}.sql"),
            format!("{}\nINSERT INTO log VALUES ({i});\n", body(i)),
        ));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    mig(s, dir, &refs);
}

/// A SQLite file that takes a while: `CREATE TABLE t{i}` filled with `rows` rows.
fn sqlite_slow_file(i: usize, rows: usize) -> String {
    format!("CREATE TABLE t{i} AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows}) SELECT x FROM c;")
}

#[test]
fn kill_9_during_apply_then_rerun_applies_every_statement_exactly_once_sqlite() {
    let s = Scratch::new();
    long_dir(&s, "m", 150, |i| sqlite_slow_file(i, 3000));
    let url = s.db_url("app.db");
    let dir = s.file_url("m");
    let mut landed = 0;
    for ms in [150, 300, 450] {
        if kill_during_apply(&url, &dir, std::time::Duration::from_millis(ms)) {
            landed += 1;
        }
    }
    assert!(landed > 0, "no kill landed while apply ran");
    apply(&s, "app.db", "m", &[]).ok();
    let db = s.sqlite("app.db");
    assert_eq!(
        column(&db, "SELECT count(*) || '/' || count(DISTINCT n) FROM log"),
        ["149/149"]
    );
    assert_eq!(column(&db, "SELECT count(*) FROM t150"), ["3000"]);
    assert_eq!(
        column(
            &db,
            "SELECT count(*) FROM atlas_schema_revisions WHERE applied = total AND error IS NULL"
        ),
        ["150"]
    );
}

#[test]
fn pg_kill_9_during_apply_then_rerun_applies_every_statement_exactly_once() {
    let Some(db) = PgDb::create("mig_kill") else {
        return;
    };
    let s = Scratch::new();
    long_dir(&s, "m", 40, |i| {
        format!("CREATE TABLE t{i} (id int);\nSELECT pg_sleep(0.03);")
    });
    let dir = s.file_url("m");
    assert!(
        kill_during_apply(&db.url(), &dir, std::time::Duration::from_millis(600)),
        "the kill must land while apply runs"
    );
    let partial = db.column("SELECT count(*) FROM log");
    assert!(
        partial[0] != "39",
        "the kill came too late to test anything"
    );
    pg_apply(&s, &db, "m", &[]).ok();
    assert_eq!(
        db.column("SELECT count(*) || '/' || count(DISTINCT n) FROM log"),
        ["39/39"]
    );
    assert_eq!(
        pg_versions(&db)
            .iter()
            .filter(|v| v.ends_with(':') && {
                let p: Vec<&str> = v.split(':').collect();
                let (a, t) = p[1].split_once('/').unwrap();
                a == t
            })
            .count(),
        40
    );
}

/// Starts `strata migrate down --auto-approve` on PostgreSQL and kills it
/// with SIGKILL after `after`; returns its pid and whether it was still running.
fn pg_kill_during_down(db: &PgDb, dir: &str, after: std::time::Duration) -> (u32, bool) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["migrate", "down", "--url", &db.url(), "--dir", dir])
        .args(["--dev-url", ADMIN, "--to-version", "001", "--auto-approve"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    (child.id(), running)
}

/// `kill -9` anywhere in a long `migrate down` on PostgreSQL (planning on the
/// dev database, the checks, the drops, the history update): the database is
/// at either version, a rerun finishes the way down, the history matches the
/// schema, and the dead runs' scratch databases are gone after the next run.
#[test]
fn pg_kill_9_during_down_leaves_either_state_and_a_rerun_finishes() {
    let Some(db) = PgDb::create("mig_kill_down") else {
        return;
    };
    let s = Scratch::new();
    long_dir(&s, "m", 12, |i| {
        let mut f = String::new();
        for j in 0..6 {
            f.push_str(&format!("CREATE TABLE t{i}_{j} (id int PRIMARY KEY, a text, b int REFERENCES log_ref(id));\nCREATE INDEX t{i}_{j}_a ON t{i}_{j} (a);\n"));
        }
        f
    });
    // The log_ref table the others point at, created by version 001.
    let first = s.path("m/001_log.sql");
    std::fs::write(
        &first,
        "CREATE TABLE log (n integer);\nCREATE TABLE log_ref (id int PRIMARY KEY);\n",
    )
    .unwrap();
    s.strata(&["migrate", "hash", "--dir", &s.file_url("m")])
        .ok();
    let dir = s.file_url("m");
    pg_apply(&s, &db, "m", &["1"]).ok();
    let v1 = pg_schema(&s, &db);
    pg_apply(&s, &db, "m", &[]).ok();
    let full = pg_schema(&s, &db);
    // How long an undisturbed way down takes here, to spread the kills over it.
    let started = std::time::Instant::now();
    pg_down(&s, &db, "m", &["--to-version", "001", "--auto-approve"]).ok();
    let took = started.elapsed();
    assert_eq!(pg_schema(&s, &db), v1);
    let mut pids = Vec::new();
    let (mut mid_run, mut before_commit) = (0, 0);
    for tenth in [1, 3, 5, 7, 9, 12] {
        if pg_versions(&db).len() == 1 {
            pg_apply(&s, &db, "m", &[]).ok();
        }
        let (pid, running) = pg_kill_during_down(&db, &dir, took * tenth / 10);
        pids.push(pid);
        mid_run += running as usize;
        let now = pg_schema(&s, &db);
        let vs = pg_versions(&db);
        let before = now == full && vs.len() == 12;
        let after = now == v1 && vs == ["001:2/2:"];
        assert!(
            before || after,
            "killed at {tenth}/10 of an undisturbed run: a state between the two ({} versions)",
            vs.len()
        );
        if before {
            before_commit += 1;
            pg_down(&s, &db, "m", &["--to-version", "001", "--auto-approve"]).ok();
        }
        assert_eq!(pg_schema(&s, &db), v1);
        assert_eq!(pg_versions(&db), ["001:2/2:"]);
    }
    // Any strata run that opens a dev database drops what dead runs left.
    s.strata(&["migrate", "validate", "--dir", &dir, "--dev-url", ADMIN])
        .ok();
    for pid in pids {
        assert_eq!(pg::leftover_scratch(pid), Vec::<String>::new(), "pid {pid}");
    }
    assert!(mid_run >= 3, "only {mid_run} of 6 kills landed mid-run");
    eprintln!("{mid_run} of 6 kills landed mid-run, {before_commit} before the down committed");
}

#[test]
fn down_to_tag_reads_the_directory_at_a_git_ref() {
    let s = Scratch::new();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(s.dir.path())
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    let files = [("1_users.sql", V1), ("2_logs.sql", V2), ("3_index.sql", V3)];
    mig(&s, "m", &files[..2]);
    git(&["add", "."]);
    git(&["commit", "-qm", "two"]);
    git(&["tag", "v1"]);
    mig(&s, "m", &files[2..]);
    git(&["add", "."]);
    git(&["commit", "-qm", "three"]);
    apply(&s, "app.db", "m", &[]).ok();
    let r = down(&s, "app.db", "m", &["--to-tag", "v1", "--auto-approve"]);
    r.ok();
    assert!(
        r.stdout.contains("Migrating down from version 3 to 2"),
        "{}",
        r.stdout
    );
    assert_eq!(sqlite_schema(&s, "app.db"), reference_schema(&files[..2]));
    down(&s, "app.db", "m", &["--to-tag", "nope", "--auto-approve"]).fails_with(1, "--to-tag nope");
}

#[test]
fn golang_migrate_directory_applies_downs_by_plan_and_imports() {
    let s = Scratch::new();
    s.write("gm/1_users.up.sql", V1);
    s.write("gm/1_users.down.sql", "DROP TABLE users;");
    s.write("gm/2_logs.up.sql", V2);
    // A hand-written down that would lose nothing but is wrong: never run.
    s.write("gm/2_logs.down.sql", "DROP TABLE users;");
    let fmt = ["--dir-format", "golang-migrate"];
    apply(&s, "app.db", "gm", &fmt).ok();
    assert_eq!(versions(&s, "app.db"), ["1:1/1:", "2:2/2:"]);
    // --dry-run compares the hand-written downs with the computed plan.
    let mut args = fmt.to_vec();
    args.extend(["2", "--dry-run"]);
    let dry = down(&s, "app.db", "gm", &args);
    dry.ok();
    assert!(
        dry.stdout
            .contains("the hand-written down of version 2 disagrees"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("the hand-written down of version 1 agrees"),
        "{}",
        dry.stdout
    );
    assert_eq!(versions(&s, "app.db").len(), 2, "a dry run changes nothing");
    let mut args = fmt.to_vec();
    args.push("--auto-approve");
    down(&s, "app.db", "gm", &args).ok();
    assert_eq!(
        sqlite_schema(&s, "app.db"),
        reference_schema(&[("1_users.sql", V1)])
    );

    let r = s.strata(&[
        "migrate",
        "import",
        "--dir",
        &s.file_url("gm"),
        "--dir-format",
        "golang-migrate",
        "--to",
        &s.file_url("m"),
    ]);
    assert!(r.ok().stdout.contains("Imported 2 migration(s)"));
    assert_eq!(std::fs::read_to_string(s.path("m/2_logs.sql")).unwrap(), V2);
    s.strata(&["migrate", "validate", "--dir", &s.file_url("m")])
        .ok();
    // The imported directory serves the same database.
    assert!(apply(&s, "app.db", "m", &[])
        .ok()
        .stdout
        .contains("Migrating to version 2 from 1"));
}

#[test]
fn pg_revisions_schema_flag_and_url_without_search_path() {
    let Some(db) = PgDb::create("mig_revschema") else {
        return;
    };
    let s = Scratch::new();
    mig(&s, "m", &[("1_users.sql", P1), ("2_logs.sql", P2)]);
    // No search_path: every schema is managed; the history's schema is not.
    let url = format!(
        "postgres://postgres@127.0.0.1:5432/{}?sslmode=disable",
        db.name
    );
    let dir = s.file_url("m");
    let flags = [
        "--url",
        url.as_str(),
        "--dir",
        dir.as_str(),
        "--revisions-schema",
        "history",
    ];
    let mut args = vec!["migrate", "apply"];
    args.extend_from_slice(&flags);
    s.strata(&args).ok();
    assert_eq!(
        db.column("SELECT tablename FROM pg_tables WHERE schemaname = 'history' ORDER BY 1"),
        ["atlas_schema_revisions", "strata_revision_files"]
    );
    assert!(db
        .column("SELECT 1 FROM pg_namespace WHERE nspname = 'atlas_schema_revisions'")
        .is_empty());
    let mut args = vec!["migrate", "down", "--dev-url", ADMIN, "--auto-approve"];
    args.extend_from_slice(&flags);
    let r = s.strata(&args);
    r.ok();
    assert!(
        !r.stdout.contains("history"),
        "the history is never planned: {}",
        r.stdout
    );
    assert_eq!(
        db.column("SELECT version FROM history.atlas_schema_revisions"),
        ["1"]
    );
    assert_eq!(
        db.column("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"),
        ["users"]
    );
}

#[test]
fn lint_judges_what_the_newest_file_changes() {
    let s = Scratch::new();
    mig(
        &s,
        "m",
        &[
            ("1_users.sql", V1),
            ("2_logs.sql", V2),
            ("3_drop.sql", "DROP TABLE logs;\n"),
        ],
    );
    let lint = |extra: &[&str]| {
        let dir = s.file_url("m");
        let mut args = vec!["migrate", "lint", "--dir", dir.as_str()];
        args.extend_from_slice(extra);
        s.strata(&args)
    };
    let r = lint(&[]);
    r.fails_with(1, "destructive");
    assert!(
        r.stdout.contains("3_drop.sql") && r.stdout.contains("DS102"),
        "{}",
        r.stdout
    );
    // The two older files add only: no findings.
    let r = lint(&["--latest", "3"]);
    assert!(
        r.stdout.contains("1_users.sql\n  no findings"),
        "{}",
        r.stdout
    );
    mig(
        &s,
        "m",
        &[("3_drop.sql", "-- atlas:nolint DS102\nDROP TABLE logs;\n")],
    );
    let r = lint(&[]);
    r.ok();
    assert!(
        r.stdout.contains("1 finding(s) silenced by nolint"),
        "{}",
        r.stdout
    );
}

#[test]
fn drift_is_reported_before_a_rollback_by_intent_and_json_status() {
    let s = Scratch::new();
    let files = [("1_users.sql", V1), ("2_logs.sql", V2)];
    mig(&s, "new", &files);
    mig(&s, "old", &files[..1]);
    apply(&s, "app.db", "new", &[]).ok();
    let st = s.strata(&[
        "migrate",
        "status",
        "--url",
        &s.db_url("app.db"),
        "--dir",
        &s.file_url("old"),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&st.ok().stdout).unwrap();
    assert_eq!(v["status"], "AHEAD");
    assert_eq!(v["ahead"], serde_json::json!(["2"]));
    assert_eq!(v["current"], "2");

    // Changed outside migrations: going down by intent refuses before
    // anything runs, naming the change as the DDL that reproduces it.
    s.sqlite("app.db")
        .execute_batch("CREATE TABLE manual (x int);")
        .unwrap();
    let before = sqlite_schema(&s, "app.db");
    let r = apply(&s, "app.db", "old", &["--allow-down"]);
    r.fails_with(1, "drifted from what version 2 left");
    assert!(r.stderr.contains("CREATE TABLE \"manual\""), "{}", r.stderr);
    assert!(r.stderr.contains("--allow-drift"), "{}", r.stderr);
    assert_eq!(sqlite_schema(&s, "app.db"), before, "nothing ran");
    assert_eq!(versions(&s, "app.db"), ["1:1/1:", "2:2/2:"]);
    // --allow-drift overrides: the change is shown and reverted with version 2.
    let r = apply(&s, "app.db", "old", &["--allow-down", "--allow-drift"]);
    r.ok();
    assert!(r.stderr.contains("--allow-drift"), "{}", r.stderr);
    assert!(r.stdout.contains("DROP TABLE \"manual\""), "{}", r.stdout);
    assert_eq!(sqlite_schema(&s, "app.db"), reference_schema(&files[..1]));
    assert_eq!(versions(&s, "app.db"), ["1:1/1:"]);
    // No drift, no refusal and no warning.
    let s2 = Scratch::new();
    mig(&s2, "new", &files);
    mig(&s2, "old", &files[..1]);
    apply(&s2, "app.db", "new", &[]).ok();
    let r = apply(&s2, "app.db", "old", &["--allow-down", "--dry-run"]);
    assert!(!r.ok().stderr.contains("drifted"), "{}", r.stderr);
}

/// Every applied file records the schema's fingerprint after it, in its own
/// transaction, so the latest version always carries one, wherever a run
/// stopped; going down records the target version's again.
#[test]
fn each_applied_file_records_the_fingerprint_after_it() {
    let s = Scratch::new();
    let files = [("1_users.sql", V1), ("2_logs.sql", V2), ("3_idx.sql", V3)];
    mig(&s, "m", &files);
    apply(&s, "app.db", "m", &["2"]).ok();
    let fps = |s: &Scratch| {
        column(
            &s.sqlite("app.db"),
            "SELECT version || ':' || coalesce(fingerprint, 'NULL') FROM strata_revision_files ORDER BY version",
        )
    };
    let two = fps(&s);
    assert_eq!(two.len(), 2);
    assert!(two.iter().all(|f| f.contains(":h1:")), "{two:?}");
    assert_ne!(two[0][2..], two[1][2..], "the schema changed between them");
    apply(&s, "app.db", "m", &[]).ok();
    let three = fps(&s);
    assert_eq!(three[..2], two[..], "earlier fingerprints stay");
    assert!(three[2].starts_with("3:h1:"), "{three:?}");
    down(&s, "app.db", "m", &["--auto-approve"]).ok();
    assert_eq!(fps(&s), two, "going down to 2 leaves the schema 2 recorded");
}

#[test]
fn a_database_atlas_migrated_is_adopted_without_reapplying() {
    let s = Scratch::new();
    let files = [("1_users.sql", V1), ("2_logs.sql", V2)];
    mig(&s, "m", &files);
    let sum = std::fs::read_to_string(s.path("m/atlas.sum")).unwrap();
    let hash1 = sum
        .lines()
        .nth(1)
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .to_string();
    // What Atlas leaves: its table (with its bookkeeping row), no strata table.
    s.sqlite("app.db")
        .execute_batch(&format!(
            "{V1}
             CREATE TABLE `atlas_schema_revisions` (`version` text NOT NULL, `description` text NOT NULL, `type` integer NOT NULL DEFAULT (2), `applied` integer NOT NULL DEFAULT (0), `total` integer NOT NULL DEFAULT (0), `executed_at` datetime NOT NULL, `execution_time` integer NOT NULL, `error` text NULL, `error_stmt` text NULL, `hash` text NOT NULL, `partial_hashes` json NULL, `operator_version` text NOT NULL, PRIMARY KEY (`version`));
             INSERT INTO atlas_schema_revisions VALUES ('.atlas_cli_state', 'x', 0, 0, 0, '2024-01-01 00:00:00', 0, NULL, NULL, '', NULL, 'Atlas CLI v0.20.0');
             INSERT INTO atlas_schema_revisions VALUES ('1', 'users', 2, 1, 1, '2024-01-01 00:00:00', 1000, NULL, NULL, '{hash1}', '[\"h1:x\"]', 'Atlas CLI v0.20.0');"
        ))
        .unwrap();
    let r = apply(&s, "app.db", "m", &[]);
    assert!(
        r.ok()
            .stdout
            .contains("Migrating to version 2 from 1 (1 migrations in total)"),
        "{}",
        r.stdout
    );
    // Atlas's bookkeeping row is left alone.
    assert_eq!(
        column(
            &s.sqlite("app.db"),
            "SELECT count(*) FROM atlas_schema_revisions WHERE version LIKE '.%'"
        ),
        ["1"]
    );
    // Down past Atlas's version: its text comes from the directory.
    down(&s, "app.db", "m", &["2", "--auto-approve"]).ok();
    assert_eq!(sqlite_schema(&s, "app.db"), "");
}

#[test]
fn tx_mode_all_rolls_back_the_whole_run() {
    let s = Scratch::new();
    mig(
        &s,
        "m",
        &[
            ("1_users.sql", V1),
            ("2_logs.sql", V2),
            (
                "3_bad.sql",
                "CREATE TABLE t3 (x int);\nTHIS IS A FAILING STATEMENT;\n",
            ),
        ],
    );
    apply(&s, "app.db", "m", &["--tx-mode", "all"]).fails_with(1, "THIS IS A FAILING STATEMENT");
    assert_eq!(
        tables(&s.sqlite("app.db")),
        ["atlas_schema_revisions", "strata_revision_files"]
    );
    let v = versions(&s, "app.db");
    assert_eq!(
        v.len(),
        1,
        "versions 1 and 2 were rolled back with the run: {v:?}"
    );
    assert!(
        v[0].starts_with("3:0/2:near \"THIS\": syntax error"),
        "{v:?}"
    );
    // A `txmode none` file cannot join one transaction for the run.
    let s = Scratch::new();
    mig(
        &s,
        "m",
        &[(
            "1_users.sql",
            "-- atlas:txmode none\nCREATE TABLE a (x int);\n",
        )],
    );
    apply(&s, "app.db", "m", &["--tx-mode", "all"])
        .fails_with(1, "cannot run inside --tx-mode all");
}

#[test]
fn one_env_serves_every_migrate_command() {
    let s = Scratch::new();
    let files = [("1_users.sql", V1), ("2_logs.sql", V2)];
    mig(&s, "releases/new", &files);
    mig(&s, "releases/old", &files[..1]);
    s.write(
        "strata.hcl",
        r#"
variable "dir" {
  type    = string
  default = "new"
}
env "prod" {
  url = "sqlite://app.db"
  migration {
    dir        = "file://releases/${var.dir}"
    allow_down = true
  }
}
"#,
    );
    s.strata(&["migrate", "apply", "--env", "prod"]).ok();
    let st = s.strata(&["migrate", "status", "--env", "prod"]);
    assert!(
        st.ok().stdout.contains("-- Current Version: 2"),
        "{}",
        st.stdout
    );
    // The env's allow_down: the older release rolls the database back.
    let r = s.strata(&["migrate", "apply", "--env", "prod", "--var", "dir=old"]);
    assert!(
        r.ok().stdout.contains("Migrating down from version 2 to 1"),
        "{}",
        r.stdout
    );
    assert_eq!(versions(&s, "app.db"), ["1:1/1:"]);
    s.strata(&["migrate", "validate", "--env", "prod"]).ok();
}

#[test]
fn kill_9_during_down_leaves_either_state_and_a_rerun_finishes() {
    let s = Scratch::new();
    let mut v2 = String::new();
    for i in 0..300 {
        v2.push_str(&format!("CREATE TABLE x{i} (id integer PRIMARY KEY, a text, b text, c integer REFERENCES users(id));\nCREATE INDEX x{i}_a ON x{i} (a);\n"));
    }
    let files = [("1_users.sql", V1), ("2_many.sql", v2.as_str())];
    mig(&s, "m", &files);
    let v1 = reference_schema(&files[..1]);
    // A down of this directory takes some tens of milliseconds: the kills
    // land before, during and after its transaction.
    let mut killed_before_commit = 0;
    for ms in [5, 15, 25, 35, 45, 60] {
        apply(&s, "app.db", "m", &[]).ok();
        let full = sqlite_schema(&s, "app.db");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            // Every run must really use the dev database.
            .env("STRATA_NO_CACHE", "1")
            .args([
                "migrate",
                "down",
                "--url",
                &s.db_url("app.db"),
                "--dir",
                &s.file_url("m"),
                "--auto-approve",
            ])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(ms));
        let _ = child.kill();
        child.wait().unwrap();
        let now = sqlite_schema(&s, "app.db");
        let vs = versions(&s, "app.db");
        let before = now == full && vs.len() == 2;
        let after = now == v1 && vs == ["1:1/1:"];
        assert!(
            before || after,
            "killed after {ms} ms: a state between the two ({} versions)",
            vs.len()
        );
        if before {
            killed_before_commit += 1;
            down(&s, "app.db", "m", &["--auto-approve"]).ok();
        }
        assert_eq!(sqlite_schema(&s, "app.db"), v1);
        assert_eq!(versions(&s, "app.db"), ["1:1/1:"]);
    }
    eprintln!("{killed_before_commit} of 6 kills landed before the down committed");
}

/// Two runs on one SQLite file: the run lock (a `flock` on the file) makes
/// the second wait for the first, and each file's revision is read again
/// under the write lock besides, so no statement runs twice and no record is
/// overwritten.
#[test]
fn concurrent_applies_on_sqlite_never_apply_a_file_twice() {
    let s = Scratch::new();
    long_dir(&s, "m", 120, |i| sqlite_slow_file(i, 2000));
    apply(&s, "app.db", "m", &["1"]).ok();
    let (url, dir) = (s.db_url("app.db"), s.file_url("m"));
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            // Every run must really use the dev database.
            .env("STRATA_NO_CACHE", "1")
            .args(["migrate", "apply", "--url", &url, "--dir", &dir])
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|sc| {
        let a = sc.spawn(spawn);
        let b = sc.spawn(spawn);
        (a.join().unwrap(), b.join().unwrap())
    });
    let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    for o in [&a, &b] {
        assert!(
            o.status.success() || text(o).contains("another migrate run changed version"),
            "{}",
            text(o)
        );
    }
    apply(&s, "app.db", "m", &[]).ok();
    let db = s.sqlite("app.db");
    assert_eq!(
        column(&db, "SELECT count(*) || '/' || count(DISTINCT n) FROM log"),
        ["119/119"]
    );
    assert_eq!(
        column(
            &db,
            "SELECT count(*) FROM atlas_schema_revisions WHERE applied = total AND error IS NULL"
        ),
        ["120"]
    );
}

#[test]
fn pg_diff_then_validate_with_a_dev_database() {
    let Some(db) = PgDb::create("mig_diff") else {
        return;
    };
    let s = Scratch::new();
    s.write("schema.sql", P1);
    let dir = s.file_url("m");
    let diff = |s: &Scratch, name: &str| {
        s.strata(&[
            "migrate",
            "diff",
            name,
            "--dir",
            &dir,
            "--to",
            &s.file_url("schema.sql"),
            "--dev-url",
            ADMIN,
        ])
    };
    let first = diff(&s, "users");
    first.ok();
    s.write("schema.sql", &format!("{P1}{P2}"));
    diff(&s, "logs").ok();
    assert!(diff(&s, "again").ok().stdout.contains("synced"));
    s.strata(&["migrate", "validate", "--dir", &dir, "--dev-url", ADMIN])
        .ok();
    pg_apply(&s, &db, "m", &[]).ok();
    assert_eq!(pg_versions(&db).len(), 2);
    // A file the dev database refuses fails validation, pointing at it.
    s.write(
        "m/99999999999999_bad.sql",
        "ALTER TABLE nope ADD COLUMN x int;\n",
    );
    s.strata(&["migrate", "hash", "--dir", &dir]).ok();
    s.strata(&["migrate", "validate", "--dir", &dir, "--dev-url", ADMIN])
        .fails_with(1, "99999999999999_bad.sql:1:1");
}

#[test]
fn apply_and_down_speak_json() {
    let s = Scratch::new();
    mig(&s, "m", &[("1_users.sql", V1), ("2_logs.sql", V2)]);
    let r = apply(&s, "app.db", "m", &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.ok().stdout).unwrap();
    assert_eq!(v["current"], "2");
    assert_eq!(v["statements"], 3);
    assert_eq!(
        v["applied"][1]["statements"][1]["sql"],
        "ALTER TABLE users ADD COLUMN email text"
    );
    let r = down(&s, "app.db", "m", &["--format", "json", "--auto-approve"]);
    let v: serde_json::Value = serde_json::from_str(&r.ok().stdout).unwrap();
    assert_eq!(v["plan"]["to"], "1");
    assert_eq!(v["plan"]["steps"][0]["checks"].as_array().unwrap().len(), 2);
    assert_eq!(v["executed"].as_array().unwrap().len(), 2);
}

/// The files of a txtar archive (Atlas's test scripts): `-- name --` headers.
fn txtar(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let t = line.trim_end();
        if let Some(name) = t.strip_prefix("-- ").and_then(|r| r.strip_suffix(" --")) {
            out.push((name.to_string(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
        }
    }
    out
}

/// Atlas's own `cli-migrate-apply` script for SQLite, with its files: the
/// directory applies unchanged, and the transaction modes behave as Atlas's
/// script expects when its broken file joins the directory.
#[test]
fn atlas_cli_migrate_apply_script_for_sqlite() {
    let path = corpus().join("../sqlite/cli-migrate-apply.txtar");
    let Ok(text) = std::fs::read_to_string(&path) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("the Atlas corpus is required in CI: {}", path.display());
        }
        eprintln!("!!! SKIPPING: no {}", path.display());
        return;
    };
    let files = txtar(&text);
    let get = |n: &str| files.iter().find(|(name, _)| name == n).unwrap().1.clone();
    let s = Scratch::new();
    for (name, body) in &files {
        if name.starts_with("migrations/") {
            s.write(name, body);
        }
    }
    let (url, dir) = (s.db_url("app.db"), s.file_url("migrations"));
    let run = |extra: &[&str]| {
        let mut args = vec![
            "migrate",
            "apply",
            "--url",
            url.as_str(),
            "--dir",
            dir.as_str(),
        ];
        args.extend_from_slice(extra);
        s.strata(&args)
    };
    // `! atlas migrate apply` without a sum file; then `atlas migrate hash`.
    run(&[]).fails_with(1, "atlas.sum");
    s.strata(&["migrate", "hash", "--dir", &dir]).ok();
    let out = run(&[]);
    assert!(
        out.ok()
            .stdout
            .contains("Migrating to version 2 (2 migrations in total)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("-- 2 migrations") && out.stdout.contains("-- 2 sql statements"));
    assert!(run(&["1"])
        .ok()
        .stdout
        .contains("No migration files to execute"));
    assert_eq!(
        tables(&s.sqlite("app.db")),
        [
            "atlas_schema_revisions",
            "pets",
            "strata_revision_files",
            "users"
        ]
    );

    // The broken file joins the directory: --tx-mode all keeps nothing of the run.
    let fresh = |db: &str| {
        let _ = std::fs::remove_file(s.path(db));
    };
    fresh("app.db");
    s.write("migrations/3_third.sql", &get("broken.sql"));
    s.strata(&["migrate", "hash", "--dir", &dir]).ok();
    run(&["--tx-mode", "invalid"]).fails_with(2, "unknown tx-mode \"invalid\"");
    run(&["--tx-mode", "all"]).fails_with(1, "THIS IS A FAILING STATEMENT");
    assert_eq!(
        tables(&s.sqlite("app.db")),
        ["atlas_schema_revisions", "strata_revision_files"]
    );
    // --tx-mode file: versions 1 and 2 stay, "broken" was rolled back.
    fresh("app.db");
    run(&["--tx-mode", "file"]).fails_with(1, "from version \"3\"");
    assert_eq!(
        tables(&s.sqlite("app.db")),
        [
            "atlas_schema_revisions",
            "pets",
            "strata_revision_files",
            "users"
        ]
    );
    // --tx-mode none: "broken" stays, since there is no transaction.
    fresh("app.db");
    run(&["--tx-mode", "none"]).fails_with(1, "from version \"3\"");
    assert_eq!(
        tables(&s.sqlite("app.db")),
        [
            "atlas_schema_revisions",
            "broken",
            "pets",
            "strata_revision_files",
            "users"
        ]
    );
    // …and strata goes down from that half state to version 2 exactly.
    down(&s, "app.db", "migrations", &["--auto-approve"]).ok();
    assert_eq!(
        tables(&s.sqlite("app.db")),
        [
            "atlas_schema_revisions",
            "pets",
            "strata_revision_files",
            "users"
        ]
    );
}

/// Atlas's `cli-migrate-status` script for PostgreSQL: the status output is
/// Atlas's, byte for byte, before, between and after applies.
#[test]
fn pg_atlas_cli_migrate_status_script() {
    let path = corpus().join("../postgres/cli-migrate-status.txtar");
    let Ok(text) = std::fs::read_to_string(&path) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("the Atlas corpus is required in CI: {}", path.display());
        }
        eprintln!("!!! SKIPPING: no {}", path.display());
        return;
    };
    let Some(db) = PgDb::create("mig_status") else {
        return;
    };
    let files = txtar(&text);
    let get = |n: &str| files.iter().find(|(name, _)| name == n).unwrap().1.clone();
    let s = Scratch::new();
    for (name, body) in &files {
        if name.starts_with("migrations/") {
            s.write(name, body);
        }
    }
    let dir = s.file_url("migrations");
    s.strata(&["migrate", "hash", "--dir", &dir]).ok();
    let status = || {
        s.strata(&[
            "migrate",
            "status",
            "--url",
            &db.url(),
            "--dir",
            &dir,
            "--revisions-schema",
            &db.name,
        ])
        .ok()
        .stdout
        .clone()
    };
    let apply1 = || {
        s.strata(&[
            "migrate",
            "apply",
            "--url",
            &db.url(),
            "--dir",
            &dir,
            "--revisions-schema",
            &db.name,
            "1",
        ])
        .ok();
    };
    assert_eq!(status(), get("status_clean.txt"));
    apply1();
    assert_eq!(status(), get("status_one_applied.txt"));
    apply1();
    // The archive's last file lost its final newline (txtar keeps what the file ends with).
    assert_eq!(status(), get("status_ok.txt") + "\n");
}

/// Files and down plans that rebuild a parent table run with foreign keys off
/// and a `foreign_key_check` before COMMIT: child rows under ON DELETE
/// CASCADE survive both ways.
#[test]
fn sqlite_rebuilds_up_and_down_keep_cascading_children() {
    let s = Scratch::new();
    let v1 = "CREATE TABLE parent (id integer PRIMARY KEY, name text);\nCREATE TABLE child (id integer PRIMARY KEY, parent_id integer REFERENCES parent(id) ON DELETE CASCADE);\n";
    let v2 = "PRAGMA foreign_keys = off;\nCREATE TABLE new_parent (id integer PRIMARY KEY, name varchar(50) NOT NULL DEFAULT '');\nINSERT INTO new_parent SELECT id, coalesce(name, '') FROM parent;\nDROP TABLE parent;\nALTER TABLE new_parent RENAME TO parent;\nPRAGMA foreign_keys = on;\n";
    mig(&s, "m", &[("1_init.sql", v1)]);
    apply(&s, "app.db", "m", &[]).ok();
    s.sqlite("app.db")
        .execute_batch("INSERT INTO parent VALUES (1, 'a'), (2, 'b'); INSERT INTO child VALUES (10, 1), (20, 2);")
        .unwrap();
    mig(&s, "m", &[("2_rebuild.sql", v2)]);
    apply(&s, "app.db", "m", &[]).ok();
    let db = s.sqlite("app.db");
    assert_eq!(
        column(&db, "SELECT count(*) FROM child"),
        ["2"],
        "the up rebuild cascaded"
    );
    let d = down(&s, "app.db", "m", &["--auto-approve"]);
    d.ok();
    assert_eq!(
        column(&db, "SELECT count(*) FROM child"),
        ["2"],
        "the down rebuild cascaded: {}",
        d.stdout
    );
    assert_eq!(
        column(&db, "SELECT name FROM parent ORDER BY id"),
        ["a", "b"]
    );
    assert_eq!(
        sqlite_schema(&s, "app.db"),
        reference_schema(&[("1_init.sql", v1)])
    );
}

/// `schema apply` and `migrate apply|down` take one run lock (core's
/// pipeline): while another holder has it, both wait, give up with the same
/// words and change nothing; once it is released, both run.
fn both_wait_for_the_run_lock(s: &Scratch, url: &str, hold: &mut dyn FnMut(bool)) {
    s.write("desired.sql", "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL);\nCREATE TABLE extra (id integer PRIMARY KEY);\n");
    mig(s, "two", &[("1_users.sql", V1), ("2_logs.sql", V2)]);
    let migrate = |dir: &str| {
        s.strata(&[
            "migrate",
            "apply",
            "--url",
            url,
            "--dir",
            &s.file_url(dir),
            "--lock-timeout",
            "1s",
        ])
    };
    let schema = || {
        s.strata(&[
            "schema",
            "apply",
            "--url",
            url,
            "--to",
            "file://desired.sql",
            "--dev-url",
            &dev_for(url),
            "--auto-approve",
            "--lock-timeout",
            "1s",
            "--exclude",
            "atlas_schema_revisions",
            "--exclude",
            "strata_revision_files",
            "--exclude",
            "logs",
        ])
    };
    hold(true);
    let started = std::time::Instant::now();
    migrate("two").fails_with(1, "holds the lock");
    schema().fails_with(1, "holds the lock");
    assert!(started.elapsed() >= std::time::Duration::from_secs(2));
    hold(false);
    migrate("two").ok();
    let r = schema();
    r.ok();
    assert!(r.stdout.contains("extra"), "{}", r.stdout);
}

fn dev_for(url: &str) -> String {
    if url.starts_with("sqlite") {
        "sqlite://dev?mode=memory".into()
    } else {
        ADMIN.into()
    }
}

#[test]
fn schema_apply_and_migrate_take_the_same_lock_sqlite() {
    let s = Scratch::new();
    mig(&s, "one", &[("1_users.sql", V1)]);
    apply(&s, "app.db", "one", &[]).ok();
    let url = s.db_url("app.db");
    // Another strata run's lock: an exclusive flock on the database file.
    let file = std::fs::File::open(s.path("app.db")).unwrap();
    both_wait_for_the_run_lock(&s, &url, &mut |on| {
        if on {
            file.lock().unwrap();
        } else {
            file.unlock().unwrap();
        }
    });
    assert!(tables(&s.sqlite("app.db")).contains(&"extra".to_string()));
}

#[test]
fn pg_schema_apply_and_migrate_take_the_same_lock() {
    let Some(db) = PgDb::create("mig_runlock") else {
        return;
    };
    let s = Scratch::new();
    mig(&s, "one", &[("1_users.sql", V1)]);
    pg_apply(&s, &db, "one", &[]).ok();
    // Another strata run's lock: the advisory lock, held by another session.
    let mut holder = db.client();
    both_wait_for_the_run_lock(&s, &db.url(), &mut |on| {
        let f = if on {
            "pg_advisory_lock"
        } else {
            "pg_advisory_unlock"
        };
        holder
            .batch_execute(&format!("SELECT {f}(91621622371393)"))
            .unwrap();
    });
    assert_eq!(
        db.column("SELECT count(*) FROM pg_tables WHERE tablename = 'extra'"),
        ["1"]
    );
}
