//! The `strata` binary on real SQLite files: what users see, what exits how,
//! and that bad input never changes a database.

mod common;
use common::*;

const USERS: &str = r#"
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

#[test]
fn apply_creates_then_second_plan_is_empty() {
    let s = Scratch::new();
    s.write("schema.hcl", USERS);
    let db = s.db_url("app.db");
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        "file://schema.hcl",
        "--auto-approve",
    ]);
    r.ok();
    assert!(r.stdout.contains("CREATE TABLE \"users\""), "{}", r.stdout);
    assert!(r.stdout.contains("Plan: 1 to add"), "{}", r.stdout);
    assert_eq!(tables(&s.sqlite("app.db")), ["users"]);
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        "file://schema.hcl",
        "--auto-approve",
    ]);
    r.ok();
    assert!(r.stdout.contains("nothing to do"), "{}", r.stdout);
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let s = Scratch::new();
    s.write("schema.hcl", USERS);
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &s.db_url("app.db"),
        "--to",
        "file://schema.hcl",
        "--dry-run",
    ]);
    r.ok();
    assert!(r.stdout.contains("CREATE TABLE \"users\""));
    assert!(
        !s.path("app.db").exists(),
        "a dry run creates no database file"
    );
}

#[test]
fn without_a_terminal_apply_needs_auto_approve() {
    let s = Scratch::new();
    s.write("schema.hcl", USERS);
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &s.db_url("app.db"),
        "--to",
        "file://schema.hcl",
    ]);
    r.fails_with(1, "--auto-approve");
    assert!(
        r.stdout.contains("CREATE TABLE"),
        "the plan is shown before refusing"
    );
    assert!(
        tables(&s.sqlite("app.db")).is_empty(),
        "nothing may be applied"
    );
}

#[test]
fn diff_prints_executable_sql_and_nothing_when_equal() {
    let s = Scratch::new();
    s.write("old.sql", "CREATE TABLE t (a integer NOT NULL);\n");
    s.write(
        "new.sql",
        "CREATE TABLE t (a integer NOT NULL, b text);\nCREATE INDEX t_b ON t (b);\n",
    );
    let r = s.strata(&[
        "schema",
        "diff",
        "--from",
        "file://old.sql",
        "--to",
        "file://new.sql",
    ]);
    r.ok();
    assert_eq!(
        r.stdout,
        "-- add column \"b\" to \"t\"\nALTER TABLE \"t\" ADD COLUMN \"b\" text;\n-- create index \"t_b\" on \"t\"\nCREATE INDEX \"t_b\" ON \"t\" (\"b\");\n"
    );
    // The printed script runs as is and reaches the desired state.
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE t (a integer NOT NULL);")
        .unwrap();
    conn.execute_batch(&r.stdout).unwrap();
    let r = s.strata(&[
        "schema",
        "diff",
        "--from",
        "file://new.sql",
        "--to",
        "file://new.sql",
    ]);
    r.ok();
    assert_eq!(r.stdout, "");
}

#[test]
fn json_format_is_machine_readable() {
    let s = Scratch::new();
    s.write("schema.hcl", USERS);
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &s.db_url("app.db"),
        "--to",
        "file://schema.hcl",
        "--auto-approve",
        "--format",
        "json",
    ]);
    r.ok();
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout).expect("stdout is one JSON document");
    assert_eq!(v["applied"], true);
    assert_eq!(v["summary"]["add"], 1);
    assert_eq!(v["steps"][0]["comment"], "create table \"users\"");
    assert!(v["steps"][0]["took_ms"].as_f64().is_some());
}

#[test]
fn unknown_attribute_is_an_error_at_its_line_and_nothing_is_applied() {
    let s = Scratch::new();
    s.write(
        "schema.hcl",
        &USERS.replace("type = text", "type = text\n    colour = \"red\""),
    );
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &s.db_url("app.db"),
        "--to",
        "file://schema.hcl",
        "--auto-approve",
    ]);
    r.fails_with(
        1,
        "schema.hcl:11:5: error: unknown attribute `colour` in `column` block",
    );
    assert!(!s.path("app.db").exists() || tables(&s.sqlite("app.db")).is_empty());
}

#[test]
fn unresolved_reference_names_file_line_and_column() {
    let s = Scratch::new();
    s.write(
        "schema.hcl",
        &USERS.replace("[column.id]", "[column.ident]"),
    );
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &s.db_url("app.db"),
        "--to",
        "file://schema.hcl",
        "--auto-approve",
    ]);
    r.fails_with(
        1,
        "schema.hcl:13:16: error: table `users` has no column `ident`",
    );
}

#[test]
fn misspelt_references_say_where_and_suggest_the_nearest_name() {
    let s = Scratch::new();
    let text = format!(
        "{USERS}\ntable \"posts\" {{\n  schema = schema.main\n  column \"author\" {{\n    type = integer\n  }}\n  foreign_key \"fk_author\" {{\n    columns     = [column.author]\n    ref_columns = [table.usres.column.id]\n  }}\n}}\n"
    )
    .replace("[column.id]", "[column.di]");
    s.write("schema.hcl", &text);
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &s.db_url("app.db"),
        "--to",
        "file://schema.hcl",
        "--auto-approve",
    ]);
    r.fails_with(
        1,
        "schema.hcl:13:16: error: table `users` has no column `di`",
    );
    assert!(
        r.stderr.contains("help: did you mean `id`?"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("schema.hcl:24:20: error: table `usres` is not defined"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("help: did you mean `users`?"),
        "{}",
        r.stderr
    );
    assert!(!s.path("app.db").exists() || tables(&s.sqlite("app.db")).is_empty());
}

#[test]
fn misspelt_attributes_and_blocks_suggest_what_the_dialect_has() {
    let s = Scratch::new();
    s.write(
        "schema.hcl",
        &USERS
            .replace("type = text", "type = text\n    nul = true")
            .replace("primary_key {", "primary_kye {"),
    );
    let r = s.strata(&["schema", "inspect", "--url", "file://schema.hcl"]);
    r.fails_with(
        1,
        "schema.hcl:11:5: error: unknown attribute `nul` in `column` block",
    );
    assert!(
        r.stderr.contains("help: did you mean `null`?"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("error: unknown block `primary_kye` in `table` block"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("help: did you mean `primary_key`?"),
        "{}",
        r.stderr
    );
    // A PostgreSQL block in a SQLite file says which dialect has it.
    s.write("x.lt.hcl", "enum \"mood\" {\n  values = [\"ok\"]\n}\n");
    let r = s.strata(&["schema", "inspect", "--url", "file://x.lt.hcl"]);
    r.fails_with(1, "x.lt.hcl:1:1: error: `enum` blocks need PostgreSQL");
    assert!(r.stderr.contains("*.pg.hcl"), "{}", r.stderr);
}

#[test]
fn syntax_errors_are_all_reported() {
    let s = Scratch::new();
    s.write("schema.hcl", "schema \"main\" {}\ntable \"a\" {\n  column \"x\" {\n    type = \n  }\n}\ntable \"b\" {\n  column = = 1\n}\n");
    let r = s.strata(&["schema", "inspect", "--url", "file://schema.hcl"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("schema.hcl:4:12: error: syntax error"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("schema.hcl:8:12: error: syntax error"),
        "{}",
        r.stderr
    );
}

#[test]
fn sql_the_dev_database_refuses_points_at_the_statement() {
    let s = Scratch::new();
    s.write(
        "schema.sql",
        "CREATE TABLE ok (a int);\n\nCREATE TABEL broken (b int);\n",
    );
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &s.db_url("app.db"),
        "--to",
        "file://schema.sql",
        "--auto-approve",
    ]);
    r.fails_with(1, "schema.sql:3:1");
    assert!(r.stderr.contains("syntax error"), "{}", r.stderr);
    assert!(tables(&s.sqlite("app.db")).is_empty());
}

#[test]
fn a_file_that_is_not_a_database_is_a_clear_error() {
    let s = Scratch::new();
    s.write(
        "junk.db",
        "this is not a database, just text that is long enough to have a header page",
    );
    s.write("schema.hcl", USERS);
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &s.db_url("junk.db"),
        "--to",
        "file://schema.hcl",
        "--auto-approve",
    ]);
    r.fails_with(1, "not a database");
    let r = s.strata(&["schema", "inspect", "--url", &s.db_url("missing.db")]);
    r.fails_with(1, "does not exist");
    assert!(
        !s.path("missing.db").exists(),
        "inspect must not create databases"
    );
}

#[test]
fn bad_usage_exits_2_and_passwords_are_never_printed() {
    let s = Scratch::new();
    let r = s.strata(&["schema", "apply", "--to", "file://x.hcl"]);
    r.fails_with(2, "missing --url");
    let r = s.strata(&["schema", "inspect", "--url", "oracle://u:hunter2@db/x"]);
    r.fails_with(2, "unknown URL scheme");
    assert!(!r.stderr.contains("hunter2"));
    let r = s.strata(&["schema", "inspect", "--url", "app.db"]);
    r.fails_with(2, "is not a URL");
    let r = s.strata(&["schema", "bogus"]);
    assert_eq!(r.code, 2);
}

#[test]
fn failure_midway_rolls_everything_back() {
    let s = Scratch::new();
    s.write("v1.hcl", USERS);
    let db = s.db_url("app.db");
    let apply = |file: &str| {
        s.strata(&[
            "schema",
            "apply",
            "--url",
            &db,
            "--to",
            &format!("file://{file}"),
            "--auto-approve",
        ])
    };
    apply("v1.hcl").ok();
    s.sqlite("app.db")
        .execute_batch("INSERT INTO users VALUES (1, 'a'), (2, 'A');")
        .unwrap();
    // A new table first, then a unique index over an expression the rows
    // break: no pre-check reads expressions, so the index itself fails.
    let v2 = USERS.replace(
        "  primary_key {",
        "  index \"users_name_ci\" {\n    unique = true\n    on {\n      expr = \"lower(name)\"\n    }\n  }\n  primary_key {",
    ) + "table \"extra\" {\n  schema = schema.main\n  column \"x\" {\n    type = int\n  }\n}\n";
    s.write("v2.hcl", &v2);
    let r = apply("v2.hcl");
    r.fails_with(1, "rolled back");
    assert!(
        r.stderr.contains("UNIQUE constraint failed"),
        "{}",
        r.stderr
    );
    let conn = s.sqlite("app.db");
    assert_eq!(
        tables(&conn),
        ["users"],
        "the new table was rolled back too"
    );
    assert_eq!(
        column(&conn, "SELECT name FROM users ORDER BY id"),
        ["a", "A"]
    );
    assert_eq!(
        column(
            &conn,
            "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
        ),
        ["0"]
    );
}

/// Changes that can only fail on the rows already there are refused before
/// anything runs, with the reason and what to do instead.
#[test]
fn data_conflicts_are_refused_before_anything_runs() {
    let s = Scratch::new();
    s.write("v1.hcl", USERS);
    let db = s.db_url("app.db");
    let apply = |file: &str, dry: bool| {
        let to = format!("file://{file}");
        let mut args = vec![
            "schema",
            "apply",
            "--url",
            &db,
            "--to",
            &to,
            "--auto-approve",
        ];
        if dry {
            args.push("--dry-run");
        }
        s.strata(&args)
    };
    apply("v1.hcl", false).ok();
    s.sqlite("app.db")
        .execute_batch("INSERT INTO users VALUES (1, 'a'), (2, 'a');")
        .unwrap();
    let with_extra = |t: &str| {
        t.to_string() + "table \"extra\" {\n  schema = schema.main\n  column \"x\" {\n    type = int\n  }\n}\n"
    };
    // A NOT NULL column without a default on a table with rows.
    let not_null = with_extra(&USERS.replace(
        "column \"name\" {",
        "column \"age\" {\n    type = integer\n  }\n  column \"name\" {",
    ));
    // A unique index over duplicates.
    let unique = with_extra(&USERS.replace(
        "  primary_key {",
        "  index \"users_name\" {\n    unique  = true\n    columns = [column.name]\n  }\n  primary_key {",
    ));
    // A check the rows violate.
    let check = with_extra(&USERS.replace(
        "  primary_key {",
        "  check \"name_long\" {\n    expr = \"length(name) > 3\"\n  }\n  primary_key {",
    ));
    for (file, text, code, why) in [
        ("nn.hcl", not_null, "MF103", "\"users\" has rows"),
        ("uq.hcl", unique, "MF101", "rows already hold duplicates"),
        ("ck.hcl", check, "MF106", "rows violate it"),
    ] {
        s.write(file, &text);
        for dry in [true, false] {
            let r = apply(file, dry);
            r.fails_with(1, "would fail on rows already in the database");
            assert!(
                r.stdout.contains(code) && r.stdout.contains(why),
                "{file}: {}",
                r.stdout
            );
        }
        let conn = s.sqlite("app.db");
        assert_eq!(tables(&conn), ["users"], "{file}: nothing ran");
    }
    // Without the rows in the way the same plans apply.
    s.sqlite("app.db")
        .execute_batch("DELETE FROM users;")
        .unwrap();
    apply("ck.hcl", false).ok();
}

#[test]
fn a_plan_that_would_break_foreign_keys_is_refused() {
    let s = Scratch::new();
    let v1 = "schema \"main\" {}\ntable \"p\" {\n  schema = schema.main\n  column \"id\" {\n    type = integer\n  }\n  primary_key {\n    columns = [column.id]\n  }\n}\ntable \"c\" {\n  schema = schema.main\n  column \"pid\" {\n    type = integer\n  }\n}\n";
    s.write("v1.hcl", v1);
    let db = s.db_url("app.db");
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        "file://v1.hcl",
        "--auto-approve",
    ])
    .ok();
    s.sqlite("app.db")
        .execute_batch("INSERT INTO p VALUES (1); INSERT INTO c VALUES (1), (2);")
        .unwrap();
    let v2 = v1.replace(
        "    type = integer\n  }\n}\n",
        "    type = integer\n  }\n  foreign_key \"c_p\" {\n    columns = [column.pid]\n    ref_columns = [table.p.column.id]\n  }\n}\n",
    );
    assert_ne!(v1, v2);
    s.write("v2.hcl", &v2);
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        "file://v2.hcl",
        "--auto-approve",
    ]);
    // The pre-check sees the orphan row before anything runs.
    r.fails_with(1, "would fail on rows already in the database");
    assert!(r.stdout.contains("MF107"), "{}", r.stdout);
    let conn = s.sqlite("app.db");
    assert_eq!(
        column(&conn, "SELECT count(*) FROM pragma_foreign_key_list('c')"),
        ["0"]
    );
    assert_eq!(column(&conn, "SELECT pid FROM c ORDER BY pid"), ["1", "2"]);
    // A parent the plan itself creates can't be pre-checked: foreign_key_check
    // inside the transaction catches it and everything rolls back.
    let v3 = v2.replace("table.p.column.id", "table.q.column.id").replace(
        "table \"c\" {",
        "table \"q\" {\n  schema = schema.main\n  column \"id\" {\n    type = integer\n  }\n  primary_key {\n    columns = [column.id]\n  }\n}\ntable \"c\" {",
    );
    s.write("v3.hcl", &v3);
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        "file://v3.hcl",
        "--auto-approve",
    ]);
    r.fails_with(1, "breaking foreign keys");
    let conn = s.sqlite("app.db");
    assert_eq!(tables(&conn), ["c", "p"]);
    assert_eq!(column(&conn, "SELECT pid FROM c ORDER BY pid"), ["1", "2"]);
}

#[test]
fn exclude_leaves_out_tables_and_columns() {
    let s = Scratch::new();
    s.write("schema.sql", "CREATE TABLE users (id int NOT NULL, a int NOT NULL, b int NOT NULL, ab int NOT NULL);\nCREATE TABLE logs (x int);\n");
    let db = s.db_url("app.db");
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        "file://schema.sql",
        "--auto-approve",
    ])
    .ok();
    let r = s.strata(&[
        "schema",
        "inspect",
        "--url",
        &db,
        "--exclude",
        "logs",
        "--exclude",
        "*.[ab]*",
    ]);
    r.ok();
    assert!(!r.stdout.contains("logs"), "{}", r.stdout);
    assert!(r.stdout.contains("column \"id\""));
    assert!(!r.stdout.contains("column \"ab\""), "{}", r.stdout);
    // Excluded objects are not dropped by apply either.
    s.write(
        "only_users.sql",
        "CREATE TABLE users (id int NOT NULL, a int NOT NULL, b int NOT NULL, ab int NOT NULL);\n",
    );
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        "file://only_users.sql",
        "--exclude",
        "logs",
        "--auto-approve",
    ]);
    r.ok();
    assert_eq!(tables(&s.sqlite("app.db")), ["logs", "users"]);
}

#[test]
fn project_file_envs_and_variables_fill_the_flags() {
    let s = Scratch::new();
    s.write("schema/users.hcl", USERS);
    s.write(
        "atlas.hcl",
        r#"
variable "db" {
  type    = string
  default = "dev.db"
}

env "local" {
  src = "file://schema"
  url = "sqlite://${var.db}"
  diff {
    skip {
      drop_table = true
    }
  }
}
"#,
    );
    s.strata(&[
        "schema",
        "apply",
        "--env",
        "local",
        "--var",
        "db=other.db",
        "--auto-approve",
    ])
    .ok();
    assert_eq!(tables(&s.sqlite("other.db")), ["users"]);
    assert!(!s.path("dev.db").exists());
    // diff.skip.drop_table keeps tables the files no longer mention.
    s.sqlite("other.db")
        .execute_batch("CREATE TABLE legacy (x int);")
        .unwrap();
    let r = s.strata(&[
        "schema",
        "apply",
        "--env",
        "local",
        "--var",
        "db=other.db",
        "--auto-approve",
    ]);
    r.ok();
    assert!(r.stdout.contains("nothing to do"), "{}", r.stdout);
    let r = s.strata(&["schema", "apply", "--env", "nope"]);
    r.fails_with(2, "no env \"nope\"");
}

#[test]
fn fmt_rewrites_in_canonical_style_keeping_comments() {
    let s = Scratch::new();
    s.write("schema.hcl", "# users\ntable \"users\" {\nschema=schema.main # owner\n    column \"id\" {\n  type=integer\n  null = false\n}\n}\n");
    let r = s.strata(&["schema", "fmt", "--check"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("schema.hcl"));
    s.strata(&["schema", "fmt"]).ok();
    let text = std::fs::read_to_string(s.path("schema.hcl")).unwrap();
    assert_eq!(
        text,
        "# users\ntable \"users\" {\n  schema = schema.main # owner\n  column \"id\" {\n    type = integer\n    null = false\n  }\n}\n"
    );
    s.strata(&["schema", "fmt", "--check"]).ok();
}

#[test]
fn clean_drops_everything_after_approval() {
    let s = Scratch::new();
    s.write("schema.hcl", USERS);
    let db = s.db_url("app.db");
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        "file://schema.hcl",
        "--auto-approve",
    ])
    .ok();
    s.strata(&["schema", "clean", "--url", &db])
        .fails_with(1, "--auto-approve");
    assert_eq!(tables(&s.sqlite("app.db")), ["users"]);
    s.strata(&["schema", "clean", "--url", &db, "--auto-approve"])
        .ok();
    assert!(tables(&s.sqlite("app.db")).is_empty());
}

#[test]
fn help_teaches_with_examples() {
    let s = Scratch::new();
    let r = s.strata(&["schema", "apply", "--help"]);
    r.ok();
    assert!(r.stdout.contains("Examples:"));
    assert!(r.stdout.contains("--auto-approve"));
}

/// An apply waits for another writer and plans only after it committed: the
/// plan is made inside SQLite's write lock, so it can never be stale. Here
/// another writer creates `marker` while strata waits; the desired schema has
/// no `marker`, so a plan made after the commit drops it (one made before,
/// without the lock, would not know it and leave it).
#[test]
fn a_concurrent_writer_is_waited_for_and_seen_by_the_plan() {
    let s = Scratch::new();
    s.write("schema.sql", "CREATE TABLE t (id integer PRIMARY KEY);\n");
    s.sqlite("app.db")
        .execute_batch("CREATE TABLE t (id integer PRIMARY KEY);")
        .unwrap();
    let holder = s.sqlite("app.db");
    holder
        .execute_batch("BEGIN IMMEDIATE; CREATE TABLE marker (x int);")
        .unwrap();
    let url = s.db_url("app.db");
    let to = s.file_url("schema.sql");
    let dir = s.path("");
    let apply = std::thread::spawn(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            .args([
                "schema",
                "apply",
                "--url",
                &url,
                "--to",
                &to,
                "--auto-approve",
                "--lock-timeout",
                "30s",
            ])
            .current_dir(dir)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    holder.execute_batch("COMMIT").unwrap();
    let out = apply.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("DROP TABLE \"marker\""),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(tables(&s.sqlite("app.db")), ["t"]);
}

/// With `--format json` an error is a JSON object on stdout too, with each
/// diagnostic's position, so a script reading stdout sees why it failed.
#[test]
fn json_format_reports_errors_as_json_on_stdout() {
    let s = Scratch::new();
    s.write(
        "s.hcl",
        "schema \"main\" {}\ntable \"t\" {\n  schema = schema.main\n  colum \"x\" {}\n}\n",
    );
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &s.db_url("a.db"),
        "--to",
        &s.file_url("s.hcl"),
        "--format",
        "json",
        "--auto-approve",
    ]);
    r.fails_with(1, "unknown block `colum`");
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).expect("one JSON document");
    assert_eq!(v["error"]["exit_code"], 1);
    let d = &v["error"]["diagnostics"][0];
    assert_eq!(d["code"], "unknown-block");
    assert!(d["at"].as_str().unwrap().ends_with("s.hcl:4:3"), "{d}");
    assert!(!s.path("a.db").exists(), "nothing was created");
}
