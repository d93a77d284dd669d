//! `strata` against the real PostgreSQL server: apply, migrate with rows
//! present, refuse safely, lock out concurrent applies, clean up dev databases.

mod common;
#[path = "common/pg.rs"]
mod pg;

use common::*;
use pg::{PgDb, ADMIN};

const V1: &str = "\
CREATE TYPE status AS ENUM ('new', 'paid');
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email varchar(255) NOT NULL UNIQUE,
  name text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
  id serial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  status status NOT NULL DEFAULT 'new',
  total numeric(10,2) CHECK (total >= 0),
  note text
);
CREATE INDEX orders_open ON orders (user_id) WHERE status = 'new';
CREATE INDEX users_lower_email ON users (lower(email) DESC);
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
COMMENT ON TABLE users IS 'people';
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := coalesce(NEW.note, 'x'); RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();
";

/// A value inserted mid-enum, a rename, type changes under a view, a new column.
fn v2() -> String {
    V1.replace("('new', 'paid')", "('new', 'shipped', 'paid')")
        .replace("  name text,", "  age integer, -- @renamed from=name")
        .replace(
            "  note text",
            "  note varchar(50),\n  shipped_at timestamptz",
        )
        .replace("SELECT id, total FROM", "SELECT id, total, note FROM")
}

fn apply(s: &Scratch, db: &PgDb, file: &str) -> Run {
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &db.url(),
        "--to",
        &format!("file://{file}"),
        "--dev-url",
        ADMIN,
        "--auto-approve",
    ])
}

#[test]
fn apply_then_second_plan_is_empty() {
    let Some(db) = PgDb::create("apply") else {
        return;
    };
    let s = Scratch::new();
    s.write("v1.sql", V1);
    let r = apply(&s, &db, "v1.sql");
    r.ok();
    assert!(
        r.stdout.contains("CREATE TYPE \"public\".\"status\""),
        "{}",
        r.stdout
    );
    let r = apply(&s, &db, "v1.sql");
    r.ok();
    assert!(r.stdout.contains("nothing to do"), "{}", r.stdout);
    assert_eq!(
        db.column("SELECT count(*) FROM pg_trigger WHERE tgname = 'orders_touch'"),
        ["1"]
    );
}

#[test]
fn migration_keeps_rows_and_recreates_dependent_views() {
    let Some(db) = PgDb::create("migrate") else {
        return;
    };
    let s = Scratch::new();
    s.write("v1.sql", V1);
    s.write("v2.sql", &v2());
    apply(&s, &db, "v1.sql").ok();
    db.client()
        .batch_execute("INSERT INTO users (email, name) VALUES ('a@x', '41'), ('b@x', NULL); INSERT INTO orders (user_id, total) VALUES (1, 150), (2, 5);")
        .unwrap();
    let r = apply(&s, &db, "v2.sql");
    r.ok();
    assert!(
        r.stdout.contains("ADD VALUE 'shipped' AFTER 'new'"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("RENAME COLUMN \"name\" TO \"age\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("DROP VIEW"),
        "the view reading a retyped column is recreated: {}",
        r.stdout
    );
    assert_eq!(
        db.column("SELECT coalesce(age::text, 'NULL') FROM users ORDER BY id"),
        ["41", "NULL"]
    );
    assert_eq!(db.column("SELECT total::text FROM big_orders"), ["150.00"]);
    assert_eq!(
        db.column("SELECT string_agg(v::text, ',') FROM unnest(enum_range(NULL::status)) v"),
        ["new,shipped,paid"]
    );
    let r = apply(&s, &db, "v2.sql");
    r.ok();
    assert!(r.stdout.contains("nothing to do"), "{}", r.stdout);
}

#[test]
fn a_failing_plan_leaves_the_database_exactly_as_it_was() {
    let Some(db) = PgDb::create("rollback") else {
        return;
    };
    let s = Scratch::new();
    s.write("v1.sql", V1);
    apply(&s, &db, "v1.sql").ok();
    db.client()
        .batch_execute("INSERT INTO users (email, name) VALUES ('a@x', 'abc');")
        .unwrap();
    // A new table first, then a type change the row's value can't take.
    let bad =
        format!("{V1}\nCREATE TABLE extra (x int);\n").replace("  name text,", "  name integer,");
    s.write("bad.sql", &bad);
    let r = apply(&s, &db, "bad.sql");
    r.fails_with(1, "rolled back");
    assert!(
        r.stderr.contains("invalid input syntax for type integer"),
        "PostgreSQL's own message is shown: {}",
        r.stderr
    );
    assert_eq!(
        db.column("SELECT count(*) FROM pg_class WHERE relname = 'extra'"),
        ["0"]
    );
    assert_eq!(
        db.column("SELECT data_type FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'"),
        ["text"]
    );
    assert_eq!(db.column("SELECT name FROM users"), ["abc"]);
}

/// A NOT NULL column without default on a table with rows, a foreign key the
/// rows break: refused before anything runs, saying why and what to do.
#[test]
fn data_conflicts_are_refused_before_anything_runs() {
    let Some(db) = PgDb::create("precheck") else {
        return;
    };
    let s = Scratch::new();
    s.write("v1.sql", V1);
    apply(&s, &db, "v1.sql").ok();
    db.client()
        .batch_execute("INSERT INTO users (email) VALUES ('a@x'); CREATE TABLE IF NOT EXISTS x ();")
        .unwrap();
    let not_null = format!("{V1}\nCREATE TABLE extra (x int);\n")
        .replace("  name text,", "  name text,\n  required text NOT NULL,");
    s.write("nn.sql", &not_null);
    let r = apply(&s, &db, "nn.sql");
    r.fails_with(1, "would fail on rows already in the database");
    assert!(
        r.stdout.contains("MF103") && r.stdout.contains("\"users\" has rows"),
        "{}",
        r.stdout
    );
    assert_eq!(
        db.column("SELECT count(*) FROM pg_class WHERE relname = 'extra'"),
        ["0"]
    );
    // A serial or identity column fills itself: no conflict.
    let serial = V1.replace("  name text,", "  name text,\n  seq serial NOT NULL,");
    s.write("serial.sql", &serial);
    apply(&s, &db, "serial.sql").ok();
}

#[test]
fn a_second_apply_waits_for_the_lock_then_gives_up_cleanly() {
    let Some(db) = PgDb::create("lock") else {
        return;
    };
    let s = Scratch::new();
    s.write("v1.sql", V1);
    // Another session holds strata's apply lock.
    let mut holder = db.client();
    holder
        .batch_execute("SELECT pg_advisory_lock(91621622371393)")
        .unwrap();
    let started = std::time::Instant::now();
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &db.url(),
        "--to",
        "file://v1.sql",
        "--dev-url",
        ADMIN,
        "--auto-approve",
        "--lock-timeout",
        "1s",
    ]);
    r.fails_with(
        1,
        "another strata run (schema apply or migrate) holds the lock",
    );
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(
        db.column("SELECT count(*) FROM pg_class WHERE relname = 'users'"),
        ["0"]
    );
    holder
        .batch_execute("SELECT pg_advisory_unlock(91621622371393)")
        .unwrap();
}

#[test]
fn concurrent_applies_serialize_and_neither_corrupts_the_other() {
    let Some(db) = PgDb::create("concurrent") else {
        return;
    };
    let s = Scratch::new();
    s.write("v1.sql", V1);
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            // Every run must really use the dev database.
            .env("STRATA_NO_CACHE", "1")
            .args([
                "schema",
                "apply",
                "--url",
                &db.url(),
                "--to",
                "file://v1.sql",
                "--dev-url",
                ADMIN,
                "--auto-approve",
                "--color",
                "never",
            ])
            .current_dir(s.dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|t| {
        let a = t.spawn(spawn);
        let b = t.spawn(spawn);
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let outs = [
        String::from_utf8_lossy(&a.stdout).to_string(),
        String::from_utf8_lossy(&b.stdout).to_string(),
    ];
    assert_eq!(
        outs.iter().filter(|o| o.contains("nothing to do")).count(),
        1,
        "exactly one of them found work: {outs:?}"
    );
    assert_eq!(
        db.column(
            "SELECT count(*) FROM pg_class WHERE relname IN ('users', 'orders') AND relkind = 'r'"
        ),
        ["2"]
    );
}

#[test]
fn dev_databases_are_dropped_after_use() {
    let Some(db) = PgDb::create("scratch") else {
        return;
    };
    let s = Scratch::new();
    s.write("v1.sql", V1);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        // Every run must really use the dev database.
        .env("STRATA_NO_CACHE", "1")
        .args([
            "schema",
            "diff",
            "--from",
            &db.url(),
            "--to",
            "file://v1.sql",
            "--dev-url",
            ADMIN,
        ])
        .current_dir(s.dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("CREATE TABLE"));
    assert!(
        pg::leftover_scratch(pid).is_empty(),
        "scratch databases left behind"
    );
}

#[test]
fn inspect_prints_sql_that_recreates_the_database() {
    let Some(db) = PgDb::create("inspect") else {
        return;
    };
    let Some(copy) = PgDb::create("inspect_copy") else {
        return;
    };
    let s = Scratch::new();
    s.write("v1.sql", V1);
    apply(&s, &db, "v1.sql").ok();
    let r = s.strata(&["schema", "inspect", "--url", &db.url(), "--format", "sql"]);
    r.ok();
    s.write("inspected.sql", &r.stdout);
    apply(&s, &copy, "inspected.sql").ok();
    let r = s.strata(&["schema", "diff", "--from", &db.url(), "--to", &copy.url()]);
    r.ok();
    assert_eq!(r.stdout, "", "the copy differs from the original");
}

#[test]
fn passwords_in_urls_are_never_printed() {
    let s = Scratch::new();
    let r = s.strata(&[
        "schema",
        "inspect",
        "--url",
        "postgres://app:s3cret-pw@127.0.0.1:1/x?sslmode=disable",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("xxxxx"), "{}", r.stderr);
    assert!(!r.stderr.contains("s3cret-pw") && !r.stdout.contains("s3cret-pw"));
}

/// Directories of ephemeral clusters a strata process left in the temp dir.
fn ephemeral_dirs(pid: u32) -> Vec<String> {
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(&format!("strata-ephemeral-{pid}-")))
        .collect()
}

/// Processes whose command line names one of those directories.
fn ephemeral_processes(pid: u32) -> usize {
    let needle = format!("strata-ephemeral-{pid}-");
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .filter(|c| String::from_utf8_lossy(c).contains(&needle))
        .count()
}

fn ephemeral_available() -> bool {
    strata_core::postgres::ephemeral::find_bin_dir().is_some() || {
        eprintln!(
            "\n!!! SKIPPING ephemeral://postgres test: no initdb/postgres binaries here !!!\n"
        );
        false
    }
}

#[test]
fn ephemeral_postgres_serves_a_normalization_and_leaves_nothing_behind() {
    if !ephemeral_available() {
        return;
    }
    let s = Scratch::new();
    s.write("v1.sql", V1);
    s.write("v2.sql", &v2());
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        // Every run must really use the dev database.
        .env("STRATA_NO_CACHE", "1")
        .args([
            "schema",
            "diff",
            "--from",
            "file://v1.sql",
            "--to",
            "file://v2.sql",
            "--dev-url",
            "ephemeral://postgres",
        ])
        .current_dir(s.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ADD VALUE 'shipped'"));
    assert!(
        ephemeral_dirs(pid).is_empty(),
        "cluster directory left behind"
    );
    assert_eq!(
        ephemeral_processes(pid),
        0,
        "postgres processes left behind"
    );
}

#[test]
fn ctrl_c_stops_the_ephemeral_cluster_too() {
    if !ephemeral_available() {
        return;
    }
    let s = Scratch::new();
    s.write("v1.sql", V1);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        // Every run must really use the dev database.
        .env("STRATA_NO_CACHE", "1")
        .args([
            "schema",
            "diff",
            "--from",
            "file://v1.sql",
            "--to",
            "file://v1.sql",
            "--dev-url",
            "ephemeral://postgres",
        ])
        .current_dir(s.dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Interrupt while the cluster is being set up.
    let started = std::time::Instant::now();
    while ephemeral_dirs(pid).is_empty() && started.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(!ephemeral_dirs(pid).is_empty(), "the cluster never started");
    std::thread::sleep(std::time::Duration::from_millis(300));
    std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    let started = std::time::Instant::now();
    while (ephemeral_processes(pid) > 0 || !ephemeral_dirs(pid).is_empty())
        && started.elapsed() < std::time::Duration::from_secs(10)
    {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        ephemeral_dirs(pid).is_empty(),
        "cluster directory left behind after Ctrl-C"
    );
    assert_eq!(
        ephemeral_processes(pid),
        0,
        "postgres left running after Ctrl-C"
    );
}

#[test]
fn concurrent_index_policy_builds_indexes_outside_the_transaction() {
    let Some(db) = PgDb::create("concurrently") else {
        return;
    };
    let s = Scratch::new();
    s.write("schema/v.sql", V1);
    s.write(
        "strata.hcl",
        &format!(
            "env \"pg\" {{\n  src = \"file://schema\"\n  url = \"{}\"\n  dev = \"{ADMIN}\"\n  diff {{\n    concurrent_index {{\n      create = true\n      drop   = true\n    }}\n  }}\n}}\n",
            db.url()
        ),
    );
    s.strata(&["schema", "apply", "--env", "pg", "--auto-approve"])
        .ok();
    s.write(
        "schema/v.sql",
        &V1.replace(
            "CREATE INDEX orders_open",
            "CREATE INDEX orders_total ON orders (total);\nCREATE INDEX orders_open2",
        ),
    );
    let r = s.strata(&["schema", "apply", "--env", "pg", "--auto-approve"]);
    r.ok();
    assert!(
        r.stdout
            .contains("CREATE INDEX CONCURRENTLY \"orders_total\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("DROP INDEX CONCURRENTLY \"public\".\"orders_open\""),
        "{}",
        r.stdout
    );
    assert_eq!(
        db.column(
            "SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'orders_total'::regclass"
        ),
        ["true"]
    );
    let r = s.strata(&["schema", "apply", "--env", "pg", "--auto-approve"]);
    assert!(r.stdout.contains("nothing to do"), "{}", r.stdout);
}

#[test]
fn schema_flag_limits_what_is_managed() {
    let Some(db) = PgDb::create("schemaflag") else {
        return;
    };
    db.client()
        .batch_execute(
            "CREATE SCHEMA app; CREATE TABLE app.a (x int); CREATE TABLE public.p (y int);",
        )
        .unwrap();
    let s = Scratch::new();
    let url = db.url().replace("&search_path=public", "");
    let r = s.strata(&[
        "schema", "inspect", "--url", &url, "--schema", "app", "--format", "sql",
    ]);
    r.ok();
    assert!(r.stdout.contains("\"app\".\"a\""), "{}", r.stdout);
    assert!(!r.stdout.contains("\"p\""), "{}", r.stdout);
}

/// Sequences and identity columns: options change in place, values already
/// handed out stay, and the next values follow the new options.
#[test]
fn sequence_and_identity_options_change_in_place() {
    let Some(db) = PgDb::create("sequences") else {
        return;
    };
    let s = Scratch::new();
    let v1 = std::fs::read_to_string(
        fixtures("postgres")
            .into_iter()
            .find(|f| f.ends_with("bookings.pg.hcl"))
            .unwrap(),
    )
    .unwrap();
    s.write("v1.pg.hcl", &v1);
    apply(&s, &db, "v1.pg.hcl").ok();
    db.client()
        .batch_execute("INSERT INTO rooms (name) VALUES ('a'), ('b');")
        .unwrap();
    let v2 = v1
        .replace("increment = 10", "increment = 20")
        .replace("  cache     = 5\n", "")
        .replace("type      = smallint", "type      = integer")
        .replace("      increment = 5\n", "      increment = 50\n")
        .replace("generated = ALWAYS", "generated = BY_DEFAULT");
    // The owned sequence goes, and with it the default that drew from it.
    let start = v2.find("sequence \"room_codes\"").unwrap();
    let end = start + v2[start..].find("}\n").unwrap() + 2;
    let v2 = format!("{}{}", &v2[..start], &v2[end..])
        .replace("    default = sql(\"nextval('room_codes')\")\n", "");
    s.write("v2.pg.hcl", &v2);
    let r = apply(&s, &db, "v2.pg.hcl");
    r.ok();
    for want in [
        "ALTER SEQUENCE \"public\".\"booking_numbers\" INCREMENT BY 20 CACHE 1",
        "ALTER SEQUENCE \"public\".\"countdown\" AS integer MINVALUE -2147483648 MAXVALUE -1",
        "ALTER TABLE \"public\".\"rooms\" ALTER COLUMN \"id\" SET GENERATED BY DEFAULT SET INCREMENT BY 50",
        "DROP SEQUENCE IF EXISTS \"public\".\"room_codes\"",
    ] {
        assert!(r.stdout.contains(want), "missing {want}:\n{}", r.stdout);
    }
    db.client()
        .batch_execute("INSERT INTO rooms (name, code) VALUES ('c', 7);")
        .unwrap();
    assert_eq!(
        db.column("SELECT id::text FROM rooms ORDER BY id"),
        ["100", "105", "155"]
    );
    assert_eq!(
        db.column("SELECT increment_by::text || ' ' || cache_size::text FROM pg_sequences WHERE sequencename = 'booking_numbers'"),
        ["20 1"]
    );
    assert_eq!(
        db.column("SELECT count(*)::text FROM pg_class WHERE relname = 'room_codes'"),
        ["0"]
    );
    let again = apply(&s, &db, "v2.pg.hcl");
    again.ok();
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
}

/// A PostgreSQL schema file is inspected on a dev database named with
/// `--dev-url`; a file without suffix is known as PostgreSQL by its content,
/// and is never silently read as SQLite.
#[test]
fn inspect_a_postgres_schema_file_with_a_dev_url() {
    if PgDb::create("inspect_file").is_none() {
        return;
    }
    let s = Scratch::new();
    s.write(
        "t.hcl",
        "schema \"public\" {}\n\nenum \"status\" {\n  schema = schema.public\n  values = [\"new\", \"paid\"]\n}\n\ntable \"orders\" {\n  schema = schema.public\n  column \"s\" {\n    type = enum.status\n  }\n}\n",
    );
    let r = s.strata(&["schema", "inspect", "--url", "file://t.hcl"]);
    r.fails_with(2, "postgres needs a dev database: pass --dev-url");
    let r = s.strata(&[
        "schema",
        "inspect",
        "--url",
        "file://t.hcl",
        "--dev-url",
        ADMIN,
    ]);
    r.ok();
    assert!(r.stdout.contains("schema \"public\""), "{}", r.stdout);
    assert!(r.stdout.contains("enum \"status\""), "{}", r.stdout);
    assert!(!r.stdout.contains("\"main\""), "{}", r.stdout);
    // A suffix that contradicts the dev database is an error, not a guess.
    s.write("u.pg.hcl", "schema \"public\" {}\n");
    let r = s.strata(&[
        "schema",
        "inspect",
        "--url",
        "file://u.pg.hcl",
        "--dev-url",
        "sqlite://dev.db",
    ]);
    r.fails_with(
        2,
        "is a postgres schema (by its suffix) but the database is sqlite",
    );
}
