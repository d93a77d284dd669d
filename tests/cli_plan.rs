//! `strata schema plan`: plans reviewed at pull-request time, pinned to the
//! exact transition they were made for, on real SQLite and PostgreSQL.
//!
//! The story every test tells: a plan is computed, (edited,) simulated on a
//! dev database and written pending; `schema apply` refuses it until it is
//! approved, runs it verbatim once it is, and ignores it once the database or
//! the schema moved on.

mod common;
#[path = "common/pg.rs"]
mod pg;

use common::*;
use pg::{PgDb, ADMIN};
use std::path::PathBuf;
use std::process::{Command, Stdio};

const V1: &str = r#"
schema "main" {}
table "users" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "name" {
    type = text
  }
  primary_key {
    columns = [column.id]
  }
}
"#;

/// V1 plus a NOT NULL `email` (defaulting to '') and an index on it.
fn v2(v1: &str) -> String {
    v1.replace(
        "  primary_key {",
        "  column \"email\" {\n    type = text\n    null = false\n    default = \"\"\n  }\n  index \"users_email\" {\n    columns = [column.email]\n  }\n  primary_key {",
    )
}

/// An $EDITOR that appends a backfill to the plan it is handed.
const BACKFILL_EDITOR: &str = "#!/bin/sh\nprintf -- '-- backfill the new column\\nUPDATE \"users\" SET \"email\" = lower(\"name\") || %s;\\n' \"'@example.com'\" >> \"$1\"\n";

/// An $EDITOR that swaps the new column for another one: the plan no longer
/// reaches the desired state.
const WRONG_EDITOR: &str =
    "#!/bin/sh\nsed -i 's/ADD COLUMN \"email\"/ADD COLUMN \"mail\"/' \"$1\"\n";

/// Runs strata with extra environment (an editor, a git identity).
fn strata_env(s: &Scratch, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    cmd.args(args)
        .current_dir(s.dir.path())
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .env_remove("VISUAL")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run strata");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const ADA: [(&str, &str); 5] = [
    ("GIT_CONFIG_COUNT", "2"),
    ("GIT_CONFIG_KEY_0", "user.name"),
    ("GIT_CONFIG_VALUE_0", "Ada Lovelace"),
    ("GIT_CONFIG_KEY_1", "user.email"),
    ("GIT_CONFIG_VALUE_1", "ada@example.com"),
];

fn editor(s: &Scratch, name: &str, script: &str) -> String {
    let p = s.write(name, script);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p.display().to_string()
}

/// The plan files in `dir` (relative to the scratch directory).
fn plan_files(s: &Scratch, dir: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(s.path(dir)) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

fn only_plan(s: &Scratch, dir: &str) -> PathBuf {
    let files = plan_files(s, dir);
    assert_eq!(files.len(), 1, "expected one plan file: {files:?}");
    files[0].clone()
}

/// An attribute's quoted value in a plan file.
fn attr(text: &str, key: &str) -> String {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{key} ")))
        .unwrap_or_else(|| panic!("no `{key}` in\n{text}"));
    line.split('"').nth(1).unwrap().to_string()
}

/// A SQLite project: the target holds two users, v1 and v2 schema files,
/// an env whose reviewed plans live in `reviewed/`.
fn sqlite_project() -> Scratch {
    let s = Scratch::new();
    s.write("v1.hcl", V1);
    s.write("v2.hcl", &v2(V1));
    s.write(
        "strata.hcl",
        r#"
env "local" {
  url = "sqlite://app.db"
  src = "file://v2.hcl"
  plan {
    dir = "file://reviewed"
  }
}
"#,
    );
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &s.db_url("app.db"),
        "--to",
        &s.file_url("v1.hcl"),
        "--auto-approve",
    ])
    .ok();
    s.sqlite("app.db")
        .execute_batch("INSERT INTO users VALUES (1, 'Ada'), (2, 'Bob');")
        .unwrap();
    s
}

fn apply_env(s: &Scratch) -> Run {
    s.strata(&["schema", "apply", "--env", "local", "--auto-approve"])
}

fn emails(s: &Scratch) -> Vec<String> {
    column(&s.sqlite("app.db"), "SELECT email FROM users ORDER BY id")
}

fn columns(s: &Scratch) -> Vec<String> {
    column(
        &s.sqlite("app.db"),
        "SELECT name FROM pragma_table_info('users') ORDER BY cid",
    )
}

/// Plans with the backfill editor and approves as Ada; returns the file.
fn approved_backfill_plan(s: &Scratch) -> PathBuf {
    let ed = editor(s, "backfill.sh", BACKFILL_EDITOR);
    strata_env(
        s,
        &[
            "schema",
            "plan",
            "--env",
            "local",
            "--name",
            "add_email",
            "--edit",
        ],
        &[("EDITOR", &ed)],
    )
    .ok();
    let file = only_plan(s, "reviewed");
    strata_env(
        s,
        &["schema", "plan", "approve", &file.display().to_string()],
        &ADA,
    )
    .ok();
    file
}

#[test]
fn an_approved_plan_with_a_hand_added_backfill_runs_verbatim_and_reaches_the_desired_state() {
    let s = sqlite_project();
    let ed = editor(&s, "backfill.sh", BACKFILL_EDITOR);
    let made = strata_env(
        &s,
        &[
            "schema",
            "plan",
            "--env",
            "local",
            "--name",
            "add_email",
            "--edit",
        ],
        &[("EDITOR", &ed)],
    );
    made.ok();
    assert!(
        made.stdout
            .contains("the edited plan reaches the desired state"),
        "{}",
        made.stdout
    );
    let file = only_plan(&s, "reviewed");
    let name = file.file_name().unwrap().to_string_lossy().to_string();
    assert!(name.ends_with("_add_email.plan.hcl"), "{name}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(attr(&text, "status"), "pending");
    assert!(text.contains("UPDATE \"users\" SET \"email\""), "{text}");

    // Pending: refused, and nothing changed.
    apply_env(&s).fails_with(1, "is still pending");
    assert_eq!(columns(&s), ["id", "name"]);

    let approved = strata_env(
        &s,
        &["schema", "plan", "approve", &file.display().to_string()],
        &ADA,
    );
    approved.ok();
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(attr(&text, "status"), "approved");
    assert_eq!(attr(&text, "by"), "Ada Lovelace <ada@example.com>");

    let run = apply_env(&s);
    run.ok();
    let banner = run
        .stdout
        .lines()
        .find(|l| l.starts_with("Using the reviewed plan "))
        .unwrap_or_else(|| panic!("no banner:\n{}", run.stdout));
    assert!(banner.contains(&format!("reviewed/{name}")), "{banner}");
    assert!(banner.contains("approved by Ada Lovelace"), "{banner}");
    assert!(
        run.stdout.contains("✓ backfill the new column"),
        "{}",
        run.stdout
    );
    // The UPDATE ran: every row got its backfilled address, not the default.
    assert_eq!(emails(&s), ["ada@example.com", "bob@example.com"]);
    // And the database is in the desired state: nothing left to do.
    let again = apply_env(&s);
    again.ok();
    assert!(
        again.stdout.contains("Schema is in sync"),
        "{}",
        again.stdout
    );
}

#[test]
fn a_plan_made_from_the_main_branchs_files_applies_to_a_database_in_that_state() {
    // In CI no production database is at hand: the from-state is the schema
    // files as the main branch has them, normalized on the dev database.
    let s = sqlite_project();
    let ed = editor(&s, "backfill.sh", BACKFILL_EDITOR);
    strata_env(
        &s,
        &[
            "schema",
            "plan",
            "--from",
            &s.file_url("v1.hcl"),
            "--to",
            &s.file_url("v2.hcl"),
            "--dir",
            "reviewed",
            "--name",
            "add_email",
            "--edit",
        ],
        &[("EDITOR", &ed)],
    )
    .ok();
    let file = only_plan(&s, "reviewed");
    strata_env(
        &s,
        &["schema", "plan", "approve", &file.display().to_string()],
        &ADA,
    )
    .ok();
    let run = apply_env(&s);
    run.ok();
    assert!(
        run.stdout.contains("Using the reviewed plan"),
        "{}",
        run.stdout
    );
    assert_eq!(emails(&s), ["ada@example.com", "bob@example.com"]);
}

#[test]
fn a_stale_plan_is_not_used_once_the_database_changed() {
    let s = sqlite_project();
    approved_backfill_plan(&s);
    // Someone changed the database since the plan was made.
    s.sqlite("app.db")
        .execute_batch("CREATE TABLE audit (id integer PRIMARY KEY);")
        .unwrap();
    let run = apply_env(&s);
    run.ok();
    assert!(
        !run.stdout.contains("Using the reviewed plan"),
        "{}",
        run.stdout
    );
    // The computed plan ran instead: the default, no backfill; audit dropped.
    assert_eq!(emails(&s), ["", ""]);
    assert_eq!(tables(&s.sqlite("app.db")), ["users"]);
}

#[test]
fn a_plan_is_not_used_when_the_schema_files_moved_on() {
    let s = sqlite_project();
    approved_backfill_plan(&s);
    let v3 = v2(V1).replace(
        "  primary_key {",
        "  column \"age\" {\n    type = integer\n    null = true\n  }\n  primary_key {",
    );
    s.write("v2.hcl", &v3);
    let run = apply_env(&s);
    run.ok();
    assert!(
        !run.stdout.contains("Using the reviewed plan"),
        "{}",
        run.stdout
    );
    assert_eq!(columns(&s), ["id", "name", "email", "age"]);
    assert_eq!(emails(&s), ["", ""]);
}

#[test]
fn a_plan_edited_after_approval_is_refused() {
    let s = sqlite_project();
    let file = approved_backfill_plan(&s);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace(
            "UPDATE \"users\"",
            "DELETE FROM \"users\";\n    UPDATE \"users\"",
        ),
    )
    .unwrap();
    apply_env(&s).fails_with(1, "was edited after it was approved");
    assert_eq!(columns(&s), ["id", "name"]);
    assert_eq!(
        column(&s.sqlite("app.db"), "SELECT name FROM users ORDER BY id"),
        ["Ada", "Bob"]
    );
    // `list` says so too.
    let list = s.strata(&["schema", "plan", "list", "--env", "local"]);
    list.ok();
    assert!(list.stdout.contains("then EDITED"), "{}", list.stdout);
}

#[test]
fn sql_changed_after_the_simulation_cannot_be_approved() {
    let s = sqlite_project();
    s.strata(&["schema", "plan", "--env", "local", "--name", "add_email"])
        .ok();
    let file = only_plan(&s, "reviewed");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("ADD COLUMN", "ADD COLUMN IF NOT EXISTS"),
    )
    .unwrap();
    strata_env(
        &s,
        &["schema", "plan", "approve", &file.display().to_string()],
        &ADA,
    )
    .fails_with(2, "the SQL changed after it was simulated");
    let after = std::fs::read_to_string(&file).unwrap();
    assert_eq!(attr(&after, "status"), "pending");
}

#[test]
fn an_edited_plan_that_misses_the_target_is_rejected_naming_what_differs() {
    let s = sqlite_project();
    let ed = editor(&s, "wrong.sh", WRONG_EDITOR);
    let run = strata_env(
        &s,
        &["schema", "plan", "--env", "local", "--edit"],
        &[("EDITOR", &ed)],
    );
    run.fails_with(1, "the edited plan does not reach the desired state");
    assert!(run.stderr.contains("\"email\""), "{}", run.stderr);
    assert!(run.stderr.contains("\"mail\""), "{}", run.stderr);
    assert!(
        plan_files(&s, "reviewed").is_empty(),
        "a rejected plan was written"
    );
}

#[test]
fn a_broken_plan_file_stops_apply_with_its_position() {
    let s = sqlite_project();
    s.write(
        "reviewed/20260101000000_x.plan.hcl",
        "plan \"x\" {\n  dialect = \"sqlite\"\n  status = 42\n}\n",
    );
    let run = apply_env(&s);
    run.fails_with(2, "20260101000000_x.plan.hcl:");
    assert_eq!(columns(&s), ["id", "name"]);
}

#[test]
fn the_approver_falls_back_to_user_and_show_prints_the_plan() {
    let s = sqlite_project();
    s.strata(&["schema", "plan", "--env", "local", "--name", "add_email"])
        .ok();
    let file = only_plan(&s, "reviewed");
    strata_env(
        &s,
        &["schema", "plan", "approve", &file.display().to_string()],
        &[
            ("USER", "ci-bot"),
            ("HOME", &s.dir.path().display().to_string()),
        ],
    )
    .ok();
    let show = s.strata(&["schema", "plan", "show", &file.display().to_string()]);
    show.ok();
    assert!(
        show.stdout.contains("approved by ci-bot"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout.contains("ADD COLUMN \"email\""),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout.contains("CREATE INDEX \"users_email\""),
        "{}",
        show.stdout
    );
}

#[test]
fn sqlite_fingerprints_are_equal_for_equal_states_and_stable_across_runs() {
    let s = sqlite_project();
    // A second database built the same way, with other rows.
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &s.db_url("other.db"),
        "--to",
        &s.file_url("v1.hcl"),
        "--auto-approve",
    ])
    .ok();
    s.sqlite("other.db")
        .execute_batch("INSERT INTO users VALUES (7, 'Eve');")
        .unwrap();
    let plan = |url: &str, dir: &str| {
        s.strata(&[
            "schema",
            "plan",
            "--url",
            url,
            "--to",
            &s.file_url("v2.hcl"),
            "--dir",
            dir,
        ])
        .ok();
        let text = std::fs::read_to_string(only_plan(&s, dir)).unwrap();
        (attr(&text, "from"), attr(&text, "to"))
    };
    let a = plan(&s.db_url("app.db"), "a");
    let again = plan(&s.db_url("app.db"), "again");
    let b = plan(&s.db_url("other.db"), "b");
    assert_eq!(a, again, "two inspections of one database");
    assert_eq!(a, b, "the same schema in two databases");
    assert_ne!(a.0, a.1);
}

/// The PostgreSQL schema: identity, enum, check, foreign key, partial index,
/// view, comment: objects whose catalogs carry OIDs and generated names.
const PG_V1: &str = "\
CREATE TYPE status AS ENUM ('new', 'paid');
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE
);
CREATE TABLE orders (
  id serial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  status status NOT NULL DEFAULT 'new',
  total numeric(10,2) CHECK (total >= 0)
);
CREATE INDEX orders_open ON orders (user_id) WHERE status = 'new';
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
COMMENT ON TABLE users IS 'people';
";

fn pg_v2() -> String {
    PG_V1.replace(
        "  name text NOT NULL UNIQUE\n",
        "  name text NOT NULL UNIQUE,\n  email text NOT NULL DEFAULT ''\n",
    )
}

fn pg_plan(s: &Scratch, db: &PgDb, dir: &str, extra: &[(&str, &str)]) -> Run {
    strata_env(
        s,
        &[
            "schema",
            "plan",
            "--url",
            &db.url(),
            "--to",
            &s.file_url("v2.sql"),
            "--dev-url",
            ADMIN,
            "--dir",
            dir,
            "--name",
            "add_email",
            "--edit",
        ],
        extra,
    )
}

fn pg_apply(s: &Scratch, db: &PgDb, dir: Option<&str>) -> Run {
    let mut args = vec![
        "schema".to_string(),
        "apply".into(),
        "--url".into(),
        db.url(),
        "--to".into(),
        s.file_url("v2.sql"),
        "--dev-url".into(),
        ADMIN.into(),
        "--auto-approve".into(),
    ];
    if let Some(d) = dir {
        // Without an env, reviewed plans are read from ./plans.
        std::fs::rename(s.path(d), s.path("plans")).unwrap();
    }
    let args: Vec<&str> = args.iter_mut().map(|a| a.as_str()).collect();
    s.strata(&args)
}

fn pg_setup(s: &Scratch, tag: &str) -> Option<PgDb> {
    let db = PgDb::create(tag)?;
    s.write("v1.sql", PG_V1);
    s.write("v2.sql", &pg_v2());
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &db.url(),
        "--to",
        &s.file_url("v1.sql"),
        "--dev-url",
        ADMIN,
        "--auto-approve",
    ])
    .ok();
    db.client()
        .batch_execute("INSERT INTO users (name) VALUES ('Ada'), ('Bob');")
        .unwrap();
    Some(db)
}

#[test]
fn postgres_an_approved_backfill_plan_runs_verbatim_and_reaches_the_desired_state() {
    let s = Scratch::new();
    let Some(db) = pg_setup(&s, "plan_backfill") else {
        return;
    };
    let ed = editor(&s, "backfill.sh", BACKFILL_EDITOR);
    pg_plan(&s, &db, "reviewed", &[("EDITOR", &ed)]).ok();
    let file = only_plan(&s, "reviewed");
    // Pending is refused on PostgreSQL too.
    std::fs::create_dir_all(s.path("plans")).unwrap();
    std::fs::copy(&file, s.path("plans/p.plan.hcl")).unwrap();
    pg_apply(&s, &db, None).fails_with(1, "is still pending");
    std::fs::remove_dir_all(s.path("plans")).unwrap();
    assert!(db
        .column("SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email'")
        .is_empty());

    strata_env(
        &s,
        &["schema", "plan", "approve", &file.display().to_string()],
        &ADA,
    )
    .ok();
    let run = pg_apply(&s, &db, Some("reviewed"));
    run.ok();
    assert!(
        run.stdout.contains("Using the reviewed plan"),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.column("SELECT email FROM users ORDER BY id"),
        ["ada@example.com", "bob@example.com"]
    );
    let again = pg_apply(&s, &db, None);
    again.ok();
    assert!(
        again.stdout.contains("Schema is in sync"),
        "{}",
        again.stdout
    );
}

#[test]
fn postgres_a_stale_plan_is_not_used() {
    let s = Scratch::new();
    let Some(db) = pg_setup(&s, "plan_stale") else {
        return;
    };
    let ed = editor(&s, "backfill.sh", BACKFILL_EDITOR);
    pg_plan(&s, &db, "reviewed", &[("EDITOR", &ed)]).ok();
    let file = only_plan(&s, "reviewed");
    strata_env(
        &s,
        &["schema", "plan", "approve", &file.display().to_string()],
        &ADA,
    )
    .ok();
    db.client()
        .batch_execute("CREATE INDEX users_name_lower ON users (lower(name));")
        .unwrap();
    let run = pg_apply(&s, &db, Some("reviewed"));
    run.ok();
    assert!(
        !run.stdout.contains("Using the reviewed plan"),
        "{}",
        run.stdout
    );
    assert_eq!(db.column("SELECT email FROM users ORDER BY id"), ["", ""]);
}

#[test]
fn postgres_fingerprints_are_equal_for_the_same_schema_in_two_databases() {
    let s = Scratch::new();
    let Some(a) = pg_setup(&s, "plan_fp_a") else {
        return;
    };
    let Some(b) = pg_setup(&s, "plan_fp_b") else {
        return;
    };
    // Other rows, other sequence positions, other OIDs (b's objects were
    // created later), the same schema.
    b.client()
        .batch_execute("INSERT INTO users (name) VALUES ('Eve'), ('Mallory');")
        .unwrap();
    let ed = editor(&s, "backfill.sh", BACKFILL_EDITOR);
    let from_to = |db: &PgDb, dir: &str| {
        pg_plan(&s, db, dir, &[("EDITOR", &ed)]).ok();
        let text = std::fs::read_to_string(only_plan(&s, dir)).unwrap();
        (attr(&text, "from"), attr(&text, "to"))
    };
    let fa = from_to(&a, "a");
    let fa2 = from_to(&a, "a2");
    let fb = from_to(&b, "b");
    assert_eq!(fa, fa2, "two inspections of one database");
    assert_eq!(fa, fb, "the same schema in two databases");
    assert_ne!(fa.0, fa.1);
}
