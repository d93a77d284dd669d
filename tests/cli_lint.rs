//! The analyzers through the `strata` binary: `schema lint` on the desired
//! schema alone, `migrate lint` statement by statement (with `nolint`),
//! `schema apply`'s review policy, and the report formats (SARIF validated
//! structurally against SARIF 2.1.0's required shape, GitHub annotations).
//! SQLite tests need nothing; the PostgreSQL lock rules run on the real
//! server, where what a statement locks depends on whether its table exists.

mod common;
#[path = "common/pg.rs"]
mod pg;

use common::*;
use pg::{PgDb, ADMIN};
use serde_json::Value;

/// The 1-based line of the line of `text` that contains `needle`, and the
/// column of its first `"` (where a block's label, the object's name, starts).
fn pos(text: &str, needle: &str) -> (usize, usize) {
    let (n, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in the text"));
    (n + 1, line.find('"').map_or(1, |c| c + 1))
}

const STATIC_SCHEMA: &str = r#"schema "main" {}
table "users" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "email" {
    type = text
    null = true
  }
  primary_key {
    columns = [column.id]
  }
  index "users_email" {
    unique  = true
    columns = [column.email]
  }
}
table "events" {
  schema = schema.main
  column "user_id" {
    type = integer
  }
  column "happenedAt" {
    type = text
  }
  foreign_key "events_user" {
    columns     = [column.user_id]
    ref_columns = [table.users.column.id]
  }
}
"#;

const NAMING_PROJECT: &str = r#"env "dev" {
  src = "file://schema.hcl"
  lint {
    naming {
      match   = "^[a-z_]+$"
      message = "snake_case only"
    }
  }
}
"#;

#[test]
fn schema_lint_finds_the_four_static_problems_at_their_file_line_col() {
    let s = Scratch::new();
    s.write("schema.hcl", STATIC_SCHEMA);
    s.write("strata.hcl", NAMING_PROJECT);
    let r = s.strata(&["schema", "lint", "--env", "dev"]);
    r.ok();
    let expect = [
        ("ST101", "table \"events\""),
        ("ST102", "foreign_key \"events_user\""),
        ("ST103", "index \"users_email\""),
        ("NM101", "column \"happenedAt\""),
    ];
    for (code, needle) in expect {
        let (line, col) = pos(STATIC_SCHEMA, needle);
        let at = format!("schema.hcl:{line}:{col}: warning {code}");
        assert!(r.stdout.contains(&at), "{at} missing:\n{}", r.stdout);
    }
    // The same in JSON, for machines.
    let r = s.strata(&["schema", "lint", "--env", "dev", "--format", "json"]);
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let mut got: Vec<(String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, u64)> = expect
        .iter()
        .map(|(c, n)| (c.to_string(), pos(STATIC_SCHEMA, n).0 as u64))
        .collect();
    want.sort();
    assert_eq!(got, want);

    // The safe twin: keys, an index for the foreign key, NOT NULL unique
    // column, snake_case names: nothing to report.
    let fixed = STATIC_SCHEMA
        .replace("    null = true\n", "")
        .replace("happenedAt", "happened_at")
        .replace(
            "  foreign_key \"events_user\" {",
            "  primary_key {\n    columns = [column.user_id, column.happened_at]\n  }\n  foreign_key \"events_user\" {",
        );
    s.write("schema.hcl", &fixed);
    let r = s.strata(&["schema", "lint", "--env", "dev"]);
    r.ok();
    assert!(r.stdout.contains("no findings"), "{}", r.stdout);

    // An analyzer made an error fails the command; one switched off is silent.
    s.write("schema.hcl", STATIC_SCHEMA);
    s.write(
        "strata.hcl",
        &NAMING_PROJECT.replace("  lint {\n", "  lint {\n    schema_design {\n      error = true\n    }\n    naming {\n      skip = true\n    }\n"),
    );
    let r = s.strata(&["schema", "lint", "--env", "dev"]);
    r.fails_with(1, "3 lint error(s)");
    assert!(!r.stdout.contains("NM101"), "{}", r.stdout);
}

#[test]
fn a_naming_pattern_that_does_not_compile_is_an_error_at_its_position() {
    let s = Scratch::new();
    s.write("schema.hcl", STATIC_SCHEMA);
    s.write(
        "strata.hcl",
        &NAMING_PROJECT.replace("^[a-z_]+$", "^[a-z_+$"),
    );
    let r = s.strata(&["schema", "lint", "--env", "dev"]);
    r.fails_with(1, "strata.hcl:5:17");
    assert!(
        r.stderr.contains("not a valid regular expression"),
        "{}",
        r.stderr
    );
}

fn mig(s: &Scratch, dir: &str, files: &[(&str, &str)]) {
    for (name, text) in files {
        s.write(&format!("{dir}/{name}"), text);
    }
    s.strata(&["migrate", "hash", "--dir", &s.file_url(dir)])
        .ok();
}

const USERS: &str = "CREATE TABLE users (id integer PRIMARY KEY, bio text, age integer);\nCREATE TABLE logs (id integer PRIMARY KEY);\nCREATE TABLE other (id integer PRIMARY KEY);\n";

#[test]
fn nolint_silences_exactly_one_code_on_one_statement() {
    let s = Scratch::new();
    let file = "\
DROP TABLE logs;
-- strata:nolint DS103
ALTER TABLE users DROP COLUMN bio;
-- atlas:nolint DS103
DROP TABLE other;
ALTER TABLE users DROP COLUMN age;
";
    mig(&s, "m", &[("1_init.sql", USERS), ("2_drop.sql", file)]);
    let dir = s.file_url("m");
    let r = s.strata(&["migrate", "lint", "--dir", &dir, "--format", "json"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let report = &v["files"][0];
    assert_eq!(report["file"], "2_drop.sql");
    let got: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    // Line 3's DS103 is silenced; line 5's nolint names DS103, so its DS102
    // stays; line 6 has no directive.
    assert_eq!(
        got,
        [
            ("DS102".to_string(), 1),
            ("DS102".to_string(), 5),
            ("DS103".to_string(), 6)
        ]
    );
    assert_eq!(report["ignored"], 1);
    // The statement travels with the finding.
    assert_eq!(report["findings"][1]["statement"], "DROP TABLE other");
}

/// The required shape of SARIF 2.1.0 (OASIS sarif-v2.1.0, §3) for the objects
/// strata writes, with the property names each object may have: a structural
/// validator, since the official schema file is not vendored here.
fn validate_sarif(v: &Value) {
    fn obj<'a>(v: &'a Value, what: &str, allowed: &[&str]) -> &'a serde_json::Map<String, Value> {
        let o = v
            .as_object()
            .unwrap_or_else(|| panic!("{what} must be an object: {v}"));
        for k in o.keys() {
            assert!(
                allowed.contains(&k.as_str()),
                "{what} has unknown property {k}"
            );
        }
        o
    }
    fn message(v: &Value, what: &str) {
        let m = obj(
            v,
            what,
            &["text", "markdown", "id", "arguments", "properties"],
        );
        assert!(
            m.get("text").is_some_and(Value::is_string) || m.contains_key("id"),
            "{what} needs text or id"
        );
    }
    let log = obj(
        v,
        "sarifLog",
        &[
            "$schema",
            "version",
            "runs",
            "inlineExternalProperties",
            "properties",
        ],
    );
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().expect("runs is an array");
    assert!(!runs.is_empty());
    for run in runs {
        let run = obj(
            run,
            "run",
            &[
                "tool",
                "results",
                "invocations",
                "artifacts",
                "properties",
                "originalUriBaseIds",
                "automationDetails",
            ],
        );
        let tool = obj(
            &run["tool"],
            "tool",
            &["driver", "extensions", "properties"],
        );
        let driver = obj(
            &tool["driver"],
            "toolComponent",
            &[
                "name",
                "version",
                "semanticVersion",
                "informationUri",
                "rules",
                "fullName",
                "organization",
                "properties",
            ],
        );
        assert!(driver["name"].is_string(), "driver needs a name");
        let rules = driver
            .get("rules")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for r in &rules {
            let r = obj(
                r,
                "reportingDescriptor",
                &[
                    "id",
                    "name",
                    "shortDescription",
                    "fullDescription",
                    "defaultConfiguration",
                    "helpUri",
                    "help",
                    "properties",
                    "deprecatedIds",
                    "guid",
                ],
            );
            assert!(r["id"].is_string(), "a rule needs an id");
            if let Some(d) = r.get("shortDescription") {
                message(d, "shortDescription");
            }
        }
        for res in run["results"].as_array().expect("results is an array") {
            let res = obj(
                res,
                "result",
                &[
                    "ruleId",
                    "ruleIndex",
                    "rule",
                    "level",
                    "kind",
                    "message",
                    "locations",
                    "properties",
                    "fixes",
                    "fingerprints",
                    "partialFingerprints",
                ],
            );
            message(&res["message"], "result.message");
            if let Some(level) = res.get("level") {
                assert!(
                    ["none", "note", "warning", "error"].contains(&level.as_str().unwrap()),
                    "level {level}"
                );
            }
            if let Some(i) = res.get("ruleIndex") {
                let i = i.as_u64().expect("ruleIndex is a non-negative integer") as usize;
                assert_eq!(
                    rules[i]["id"], res["ruleId"],
                    "ruleIndex points at its rule"
                );
            }
            for loc in res
                .get("locations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let loc = obj(
                    loc,
                    "location",
                    &[
                        "id",
                        "physicalLocation",
                        "logicalLocations",
                        "message",
                        "properties",
                    ],
                );
                let phys = obj(
                    &loc["physicalLocation"],
                    "physicalLocation",
                    &[
                        "artifactLocation",
                        "region",
                        "contextRegion",
                        "address",
                        "properties",
                    ],
                );
                let art = obj(
                    &phys["artifactLocation"],
                    "artifactLocation",
                    &["uri", "uriBaseId", "index", "description", "properties"],
                );
                let uri = art["uri"].as_str().expect("uri is a string");
                assert!(
                    !uri.contains(' ') && !uri.starts_with('/'),
                    "relative URI reference: {uri}"
                );
                if let Some(region) = phys.get("region") {
                    let region = obj(
                        region,
                        "region",
                        &[
                            "startLine",
                            "startColumn",
                            "endLine",
                            "endColumn",
                            "charOffset",
                            "charLength",
                            "byteOffset",
                            "byteLength",
                            "snippet",
                            "message",
                            "sourceLanguage",
                            "properties",
                        ],
                    );
                    let get = |k: &str| {
                        region
                            .get(k)
                            .map(|v| v.as_u64().expect("positions are integers"))
                    };
                    let (sl, sc) = (get("startLine").unwrap(), get("startColumn").unwrap_or(1));
                    assert!(sl >= 1 && sc >= 1);
                    if let Some(el) = get("endLine") {
                        assert!(el >= sl);
                        if el == sl {
                            assert!(get("endColumn").unwrap_or(sc) >= sc);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn sarif_output_has_sarif_2_1_0_shape_for_migrate_lint_and_apply() {
    let s = Scratch::new();
    mig(
        &s,
        "m",
        &[
            ("1_init.sql", USERS),
            (
                "2_drop.sql",
                "DROP TABLE logs;\nALTER TABLE users DROP COLUMN bio;\n",
            ),
        ],
    );
    let dir = s.file_url("m");
    let r = s.strata(&["migrate", "lint", "--dir", &dir, "--format", "sarif"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    validate_sarif(&v);
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ruleId"], "DS102");
    assert_eq!(results[1]["ruleId"], "DS103");
    let region = &results[1]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 2);
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "m/2_drop.sql"
    );

    // schema apply --dry-run: a NOT NULL column without default is reported
    // on its schema line; the dropped column has no line and falls back to
    // the first schema file.
    let db = s.db_url("app.db");
    s.sqlite("app.db")
        .execute_batch("CREATE TABLE users (id integer PRIMARY KEY, bio text);")
        .unwrap();
    let schema = "schema \"main\" {}\ntable \"users\" {\n  schema = schema.main\n  column \"id\" {\n    type = integer\n  }\n  column \"nick\" {\n    type = text\n  }\n  primary_key {\n    columns = [column.id]\n  }\n}\n";
    s.write("schema.hcl", schema);
    let to = s.file_url("schema.hcl");
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        &to,
        "--dry-run",
        "--format",
        "sarif",
    ]);
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    validate_sarif(&v);
    let results = v["runs"][0]["results"].as_array().unwrap();
    let mf103 = results
        .iter()
        .find(|r| r["ruleId"] == "MF103")
        .expect("MF103");
    assert_eq!(
        mf103["locations"][0]["physicalLocation"]["region"]["startLine"],
        pos(schema, "column \"nick\"").0
    );
    assert!(results.iter().any(|r| r["ruleId"] == "DS103"));

    // GitHub: one annotation per finding, the located one with its position,
    // then a Markdown summary table.
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        &to,
        "--dry-run",
        "--format",
        "github",
    ]);
    r.ok();
    let (line, col) = pos(schema, "column \"nick\"");
    let want = format!(
        "::warning file=schema.hcl,line={line},col={col},title=strata MF103::adds NOT NULL column"
    );
    assert!(r.stdout.contains(&want), "{want} missing:\n{}", r.stdout);
    assert!(
        r.stdout
            .contains("::warning title=strata DS103::drops column"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("| | code | where | finding |"),
        "{}",
        r.stdout
    );
    // Nothing was applied by a dry run.
    assert_eq!(
        column(
            &s.sqlite("app.db"),
            "SELECT name FROM pragma_table_info('users')"
        ),
        ["id", "bio"]
    );
}

fn review_project(s: &Scratch, lint: &str) {
    s.write(
        "strata.hcl",
        &format!(
            "env \"dev\" {{\n  src = \"file://schema.hcl\"\n  url = \"sqlite://app.db\"\n  lint {{\n{lint}\n  }}\n}}\n"
        ),
    );
}

const KEEP_ID: &str = "schema \"main\" {}\ntable \"users\" {\n  schema = schema.main\n  column \"id\" {\n    type = integer\n  }\n  primary_key {\n    columns = [column.id]\n  }\n}\n";

fn users_columns(s: &Scratch) -> Vec<String> {
    column(
        &s.sqlite("app.db"),
        "SELECT name FROM pragma_table_info('users')",
    )
}

#[test]
fn the_review_policy_asks_exactly_when_it_should_without_a_terminal() {
    let s = Scratch::new();
    let fresh = |s: &Scratch| {
        let _ = std::fs::remove_file(s.path("app.db"));
        s.sqlite("app.db")
            .execute_batch("CREATE TABLE users (id integer PRIMARY KEY, bio text);")
            .unwrap();
    };
    s.write("schema.hcl", KEEP_ID);

    // No policy: every plan needs approval, and there is no terminal to ask on.
    fresh(&s);
    review_project(&s, "");
    s.strata(&["schema", "apply", "--env", "dev"])
        .fails_with(1, "refusing to apply without a terminal");
    assert_eq!(users_columns(&s), ["id", "bio"]);

    // review = WARNING: dropping a column is a warning, so approval is needed.
    review_project(&s, "    review = WARNING");
    s.strata(&["schema", "apply", "--env", "dev"])
        .fails_with(1, "refusing to apply without a terminal");
    assert_eq!(users_columns(&s), ["id", "bio"]);

    // review = ERROR: a warning needs no approval: applied without asking.
    review_project(&s, "    review = ERROR");
    let r = s.strata(&["schema", "apply", "--env", "dev"]);
    r.ok();
    assert!(r.stderr.contains("asks no approval"), "{}", r.stderr);
    assert_eq!(users_columns(&s), ["id"]);

    // review = WARNING and a plan without warnings (a nullable column): applied.
    review_project(&s, "    review = WARNING");
    s.write(
        "schema.hcl",
        &KEEP_ID.replace(
            "  primary_key {",
            "  column \"nick\" {\n    type = text\n    null = true\n  }\n  primary_key {",
        ),
    );
    s.strata(&["schema", "apply", "--env", "dev"]).ok();
    assert_eq!(users_columns(&s), ["id", "nick"]);

    // An error finding (destructive made an error): review = ERROR asks, and
    // --auto-approve cannot approve it.
    s.write("schema.hcl", KEEP_ID);
    review_project(
        &s,
        "    review = ERROR\n    destructive {\n      error = true\n    }",
    );
    s.strata(&["schema", "apply", "--env", "dev"])
        .fails_with(1, "refusing to apply without a terminal");
    s.strata(&["schema", "apply", "--env", "dev", "--auto-approve"])
        .fails_with(1, "1 lint error(s) (DS103)");
    assert_eq!(users_columns(&s), ["id", "nick"]);
    // The same plan without the error level is auto-approved as before.
    review_project(&s, "    review = ERROR");
    s.strata(&["schema", "apply", "--env", "dev", "--auto-approve"])
        .ok();
    assert_eq!(users_columns(&s), ["id"]);
}

#[test]
fn an_unknown_review_word_is_an_error_at_its_position() {
    let s = Scratch::new();
    s.write("schema.hcl", KEEP_ID);
    review_project(&s, "    review = SOMETIMES");
    s.strata(&["schema", "apply", "--env", "dev", "--dry-run"])
        .fails_with(1, "`review` must be ERROR, WARNING or ALWAYS");
}

#[test]
fn a_rebuild_is_reported_on_a_big_sqlite_table_only() {
    let s = Scratch::new();
    let schema = KEEP_ID.replace(
        "  primary_key {",
        "  column \"bio\" {\n    type = integer\n    null = true\n  }\n  primary_key {",
    );
    s.write("schema.hcl", &schema);
    let to = s.file_url("schema.hcl");
    let db = s.db_url("app.db");
    // `bio` text → integer: SQLite rebuilds the table.
    let setup = |rows: u32| {
        let _ = std::fs::remove_file(s.path("app.db"));
        s.sqlite("app.db")
            .execute_batch(&format!(
                "CREATE TABLE users (id integer PRIMARY KEY, bio text);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
                 INSERT INTO users (id) SELECT i FROM n;"
            ))
            .unwrap();
    };
    setup(10_000);
    let r = s.strata(&["schema", "apply", "--url", &db, "--to", &to, "--dry-run"]);
    r.ok();
    assert!(
        r.stdout.contains("SQ101") && r.stdout.contains("at least 10000 rows"),
        "{}",
        r.stdout
    );
    setup(50);
    let r = s.strata(&["schema", "apply", "--url", &db, "--to", &to, "--dry-run"]);
    r.ok();
    assert!(r.stdout.contains("rebuild table"), "{}", r.stdout);
    assert!(!r.stdout.contains("SQ101"), "{}", r.stdout);
}

/// What a PostgreSQL statement locks depends on whether its table already
/// exists: the same `CREATE INDEX` is PG101 on `users` (created by an earlier
/// file) and silent on `posts` (created earlier in the same file); the safe
/// twins (CONCURRENTLY, NOT VALID) are silent.
#[test]
fn postgres_lock_rules_fire_on_existing_tables_only_and_not_on_their_safe_twins() {
    let Some(_guard) = PgDb::create("lint_locks") else {
        return;
    };
    let s = Scratch::new();
    let change = "\
-- atlas:txmode none
CREATE INDEX users_email ON users (email);
CREATE INDEX CONCURRENTLY users_name ON users (name);
CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint);
CREATE INDEX posts_user ON posts (user_id);
ALTER TABLE posts ADD CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email <> '') NOT VALID;
ALTER TABLE users ADD CONSTRAINT users_name_check CHECK (name <> '');
ALTER TABLE users ALTER COLUMN name SET NOT NULL;
DROP INDEX users_old;
";
    mig(
        &s,
        "m",
        &[
            (
                "1_init.sql",
                "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\nCREATE INDEX users_old ON users (name);\n",
            ),
            ("2_change.sql", change),
        ],
    );
    let dir = s.file_url("m");
    let r = s.strata(&[
        "migrate",
        "lint",
        "--dir",
        &dir,
        "--dev-url",
        ADMIN,
        "--format",
        "json",
    ]);
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let mut got: Vec<(String, u64)> = v["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    let line = |needle: &str| pos(change, needle).0 as u64;
    let mut want = vec![
        ("PG101".to_string(), line("users_email ON")),
        ("PG506".to_string(), line("users_name_check")),
        ("PG504".to_string(), line("SET NOT NULL")),
        ("MF104".to_string(), line("SET NOT NULL")),
        ("PG102".to_string(), line("DROP INDEX")),
    ];
    want.sort();
    assert_eq!(got, want, "{}", r.stdout);
    let pg101 = v["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "PG101")
        .unwrap();
    assert!(pg101["message"].as_str().unwrap().contains("SHARE lock"));
    assert_eq!(
        pg101["fix"]["sql"][0],
        "CREATE INDEX CONCURRENTLY users_email ON users (email)"
    );
}

/// `schema apply` judges the plan against the live server: an index on a
/// table with rows is PG101 unless the env builds indexes concurrently, and
/// an enum value added on a server from 12 on is not PG507.
#[test]
fn postgres_apply_reports_lock_levels_and_knows_the_server_version() {
    let Some(db) = PgDb::create("lint_apply") else {
        return;
    };
    db.client()
        .batch_execute(
            "CREATE TYPE mood AS ENUM ('ok');
             CREATE TABLE users (id bigint PRIMARY KEY, name text, m mood);
             INSERT INTO users VALUES (1, 'ada', 'ok');",
        )
        .unwrap();
    let version: u32 = db.column("SHOW server_version_num")[0].parse().unwrap();
    let s = Scratch::new();
    s.write(
        "schema.sql",
        "CREATE TYPE mood AS ENUM ('ok', 'meh');\nCREATE TABLE users (id bigint PRIMARY KEY, name text, m mood);\nCREATE INDEX users_name ON users (name);\n",
    );
    let project = |concurrent: bool| {
        let diff = if concurrent {
            "  diff {\n    concurrent_index {\n      create = true\n    }\n  }\n"
        } else {
            ""
        };
        s.write(
            "strata.hcl",
            &format!(
                "env \"pg\" {{\n  src = \"file://schema.sql\"\n  url = \"{}\"\n  dev = \"{ADMIN}\"\n{diff}}}\n",
                db.url()
            ),
        );
    };
    project(false);
    let r = s.strata(&[
        "schema",
        "apply",
        "--env",
        "pg",
        "--dry-run",
        "--format",
        "json",
    ]);
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let codes: Vec<&str> = v["lint"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"PG101"), "{codes:?}");
    assert_eq!(
        codes.contains(&"PG507"),
        version < 120000,
        "{codes:?} on {version}"
    );
    project(true);
    let r = s.strata(&[
        "schema",
        "apply",
        "--env",
        "pg",
        "--dry-run",
        "--format",
        "json",
    ]);
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        !v["lint"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "PG101"),
        "{}",
        r.stdout
    );
}
