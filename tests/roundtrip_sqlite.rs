//! Round trip on real SQLite files, for every HCL fixture:
//! apply to an empty database → the second plan is empty → inspect back to HCL
//! (and to SQL) → both re-read and diffed against the database: empty.

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
