//! The MySQL runner judged on a live server: a case strata migrates passes
//! with its rows, a case the server refuses is skipped, a plan that cannot
//! run on the seeded rows fails, and the scratch databases are gone after.
//! Without a server the tests skip loudly; under CI=true they fail.

use super::super::outcome::{CaseResult, Status};
use super::super::{judge, Case, Options};
use super::{Databases, Mysql};
use strata_core::mysql::conn::rows;
use strata_core::mysql::MyDriver;

const SERVER: &str = "mysql://root@127.0.0.1:3306/";

/// The dialect on the local server, or `None` (after a loud message).
fn server() -> Option<Mysql> {
    let opts = Options::parse(&["--my-url".into(), SERVER.into()]).unwrap();
    match Mysql::start(&opts) {
        Ok(m) => Some(m),
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("MariaDB is required in CI but {SERVER} is unreachable: {e:#}");
            }
            eprintln!("\n!!! SKIPPING MySQL conformance test: no server at {SERVER} ({e:#}) !!!\n");
            None
        }
    }
}

fn case(id: &str, current: &str, desired: &str) -> Case {
    serde_json::from_value(serde_json::json!({
        "id": id, "dialect": "mysql", "current": current, "desired": desired, "portable": true,
    }))
    .unwrap()
}

fn judged(dialect: &Mysql, cases: &[Case]) -> Vec<CaseResult> {
    let opts = Options::parse(&["--dialect".into(), "mysql".into()]).unwrap();
    judge::run(dialect, cases, &opts).unwrap()
}

#[test]
fn a_migrated_case_passes_and_keeps_its_seeded_row() {
    let Some(my) = server() else { return };
    let r = judged(
        &my,
        &[case(
            "add-column",
            "CREATE TABLE t (id int PRIMARY KEY, name varchar(10) NOT NULL);",
            "CREATE TABLE t (id int PRIMARY KEY, name varchar(20) NOT NULL, n int);",
        )],
    );
    assert_eq!(r[0].status, Status::Pass, "{}", r[0].reason);
    assert_eq!(r[0].seeded_rows.get("t"), Some(&1));
    assert!(r[0]
        .plan
        .as_deref()
        .unwrap_or("")
        .contains("ALTER TABLE `t`"));
}

#[test]
fn a_case_the_server_refuses_is_skipped() {
    let Some(my) = server() else { return };
    let r = judged(
        &my,
        &[case(
            "refused",
            "CREATE TABLE t (id int PRIMARY KEY);",
            "CREATE TABLE t (id nosuchtype);",
        )],
    );
    assert_eq!(r[0].status, Status::Skip);
    assert!(
        r[0].reason.contains("desired does not load"),
        "{}",
        r[0].reason
    );
}

#[test]
fn a_plan_the_seeded_row_refuses_fails_the_case() {
    let Some(my) = server() else { return };
    // The seeded '1' is not a date: the type change cannot run on it.
    let r = judged(
        &my,
        &[case(
            "bad-type-change",
            "CREATE TABLE t (id int PRIMARY KEY, d varchar(20));",
            "CREATE TABLE t (id int PRIMARY KEY, d date);",
        )],
    );
    assert_eq!(r[0].status, Status::Fail);
    assert_eq!(
        r[0].class.as_deref(),
        Some("apply-error"),
        "{}",
        r[0].reason
    );
}

#[test]
fn a_worker_leaves_no_scratch_database_behind() {
    let Some(my) = server() else { return };
    let mut w = Databases::open(&my.url).unwrap();
    let mut names = Vec::new();
    for d in [&mut w.a, &mut w.b, &mut w.dev] {
        names.push(
            rows(d.conn(), "SELECT DATABASE()").unwrap()[0][0]
                .clone()
                .unwrap(),
        );
    }
    drop(w);
    let mut check = MyDriver::open(SERVER).unwrap();
    for name in names {
        let left = rows(
            check.conn(),
            &format!(
                "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = {}",
                strata_core::mysql::conn::literal(&name)
            ),
        )
        .unwrap();
        assert!(left.is_empty(), "{name} is still there");
    }
}
