//! Round trip on real SQLite files, for every HCL fixture:
//! apply to an empty database → the second plan is empty → inspect back to HCL
//! (and to SQL) → both re-read and diffed against the database: empty. And every
//! SQLite golden plan (core/tests/golden/sqlite) run on a real database reaches its
//! case's after schema.

mod common;
use common::*;

fn roundtrip(fixture: &std::path::Path) {
    let s = Scratch::new();
    let name = fixture.file_name().unwrap().to_str().unwrap();
    s.write("schema.hcl", &std::fs::read_to_string(fixture).unwrap());
    let db = s.db_url("app.db");

    s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        &s.file_url("schema.hcl"),
        "--auto-approve",
    ])
    .ok();
    let again = s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        &s.file_url("schema.hcl"),
        "--auto-approve",
    ]);
    again.ok();
    assert!(
        again.stdout.contains("in sync"),
        "{name}: second apply planned changes:\n{}",
        again.stdout
    );

    // Inspected HCL describes the database exactly.
    let hcl = s.strata(&["schema", "inspect", "--url", &db]);
    hcl.ok();
    s.write("inspected.hcl", &hcl.stdout);
    let d = s.strata(&[
        "schema",
        "diff",
        "--from",
        &db,
        "--to",
        &s.file_url("inspected.hcl"),
    ]);
    d.ok();
    assert_eq!(
        d.stdout, "",
        "{name}: inspected HCL differs from the database:\n{}\n--- inspected:\n{}",
        d.stdout, hcl.stdout
    );

    // So does inspected SQL, applied to a fresh database.
    let sql = s.strata(&["schema", "inspect", "--url", &db, "--format", "sql"]);
    sql.ok();
    s.write("inspected.sql", &sql.stdout);
    let db2 = s.db_url("copy.db");
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &db2,
        "--to",
        &s.file_url("inspected.sql"),
        "--auto-approve",
    ])
    .ok();
    let d = s.strata(&["schema", "diff", "--from", &db, "--to", &db2]);
    d.ok();
    assert_eq!(
        d.stdout, "",
        "{name}: database rebuilt from inspected SQL differs:\n{}",
        d.stdout
    );

    // The original source and the inspected HCL normalize to the same thing.
    let d = s.strata(&[
        "schema",
        "diff",
        "--from",
        &s.file_url("schema.hcl"),
        "--to",
        &s.file_url("inspected.hcl"),
    ]);
    d.ok();
    assert_eq!(
        d.stdout, "",
        "{name}: source and inspected HCL differ:\n{}",
        d.stdout
    );
}

#[test]
fn every_fixture_round_trips() {
    let fixtures = fixtures("sqlite");
    assert!(fixtures.len() >= 3);
    for f in fixtures {
        roundtrip(&f);
    }
}

/// The sections of a golden case file (core/tests/golden/README.md), by name.
fn golden_sections(text: &str) -> (String, std::collections::HashMap<String, String>) {
    let mut preamble = String::new();
    let mut sections = std::collections::HashMap::new();
    let mut current: Option<String> = None;
    for line in text.split_inclusive('\n') {
        let header = line
            .trim_end()
            .strip_prefix("-- ")
            .and_then(|l| l.strip_suffix(" --"));
        match (header, &current) {
            (Some(name), _) => {
                sections.insert(name.to_string(), String::new());
                current = Some(name.to_string());
            }
            (None, Some(name)) => sections.get_mut(name).unwrap().push_str(line),
            (None, None) => preamble.push_str(line),
        }
    }
    (preamble, sections)
}

/// Every SQLite golden plan, run as written on a real database holding the
/// case's before schema, leaves exactly the after schema: `schema diff` is
/// empty. Cases with diff options (their plan deliberately leaves things out)
/// and cases marked KNOWN BUG / KNOWN GAP are left out.
#[test]
fn every_golden_plan_reaches_its_after_schema() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/golden/sqlite");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (preamble, sections) = golden_sections(&std::fs::read_to_string(&path).unwrap());
        let (Some(before), Some(after), Some(plan)) = (
            sections.get("before.hcl"),
            sections.get("after.hcl"),
            sections.get("plan.sql"),
        ) else {
            continue;
        };
        if sections.contains_key("options") || preamble.contains("KNOWN ") {
            continue;
        }
        let s = Scratch::new();
        s.write("before.hcl", before);
        s.write("after.hcl", after);
        let db = s.db_url("app.db");
        s.strata(&[
            "schema",
            "apply",
            "--url",
            &db,
            "--to",
            &s.file_url("before.hcl"),
            "--auto-approve",
        ])
        .ok();
        s.sqlite("app.db")
            .execute_batch(plan)
            .unwrap_or_else(|e| panic!("{name}: the golden plan fails on SQLite: {e}\n{plan}"));
        let d = s.strata(&[
            "schema",
            "diff",
            "--from",
            &db,
            "--to",
            &s.file_url("after.hcl"),
        ]);
        d.ok();
        assert_eq!(
            d.stdout, "",
            "{name}: after its golden plan the database still differs"
        );
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} golden cases checked");
}

/// Issue 12 item 5: names that need quoting (spaces, quotes, an injection
/// attempt, dots, unicode, a leading digit) in tables, columns, indexes,
/// foreign keys and checks. inspect → HCL → apply to a fresh database gives the
/// same schema, and the `victims` table the hostile name targets survives.
#[test]
fn hostile_names_round_trip_through_inspected_hcl() {
    let s = Scratch::new();
    let db = s.db_url("app.db");
    s.sqlite("app.db")
        .execute_batch(
            r#"
            CREATE TABLE victims (id INTEGER PRIMARY KEY);
            INSERT INTO victims VALUES (1);
            CREATE TABLE "x""; DROP TABLE victims; --" (
                "id" INTEGER PRIMARY KEY,
                "first name" TEXT NOT NULL,
                "a.b" INTEGER,
                "café" TEXT,
                "1st" INTEGER CONSTRAINT "ck ""1"" --" CHECK ("1st" > 0),
                "back\slash" TEXT,
                UNIQUE ("first name", "a.b")
            );
            CREATE TABLE "my table" (
                "own id" INTEGER NOT NULL,
                "2nd" TEXT,
                CONSTRAINT "fk ""x""; --" FOREIGN KEY ("own id")
                    REFERENCES "x""; DROP TABLE victims; --" ("id") ON DELETE CASCADE
            );
            CREATE INDEX "idx ""q"" ." ON "my table" ("2nd", "own id");
            CREATE UNIQUE INDEX "ünï" ON "x""; DROP TABLE victims; --" ("café");
            "#,
        )
        .unwrap();

    let hcl = s.strata(&["schema", "inspect", "--url", &db]);
    hcl.ok();
    assert!(
        hcl.stdout.contains("column[\"first name\"]"),
        "{}",
        hcl.stdout
    );
    assert!(
        hcl.stdout
            .contains("table[\"x\\\"; DROP TABLE victims; --\"].column.id"),
        "{}",
        hcl.stdout
    );
    assert!(
        hcl.stdout.contains("\n  column \"first name\" {\n"),
        "not indented:\n{}",
        hcl.stdout
    );
    s.write("inspected.hcl", &hcl.stdout);

    // `schema fmt` accepts the file and leaves it as inspect wrote it.
    s.strata(&["schema", "fmt", s.path("inspected.hcl").to_str().unwrap()])
        .ok();
    assert_eq!(
        std::fs::read_to_string(s.path("inspected.hcl")).unwrap(),
        hcl.stdout
    );

    let copy = s.db_url("copy.db");
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &copy,
        "--to",
        &s.file_url("inspected.hcl"),
        "--auto-approve",
    ])
    .ok();
    let d = s.strata(&["schema", "diff", "--from", &db, "--to", &copy]);
    d.ok();
    assert_eq!(d.stdout, "", "copy differs:\n{}\n{}", d.stdout, hcl.stdout);
    let d = s.strata(&[
        "schema",
        "diff",
        "--from",
        &db,
        "--to",
        &s.file_url("inspected.hcl"),
    ]);
    d.ok();
    assert_eq!(d.stdout, "", "inspected HCL differs:\n{}", d.stdout);

    assert_eq!(column(&s.sqlite("app.db"), "SELECT id FROM victims"), ["1"]);
    assert!(tables(&s.sqlite("copy.db")).contains(&"victims".to_string()));
}
