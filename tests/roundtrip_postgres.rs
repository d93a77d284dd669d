//! Round trip on the real PostgreSQL server, for every PostgreSQL HCL fixture:
//! apply to an empty database → second plan empty → inspect back to HCL →
//! that HCL applied to another fresh database equals the first, and the
//! source and the inspected HCL normalize to the same schema.

mod common;
#[path = "common/pg.rs"]
mod pg;

use common::*;
use pg::{PgDb, ADMIN};

#[test]
fn every_postgres_fixture_round_trips() {
    let Some(db) = PgDb::create("rt") else { return };
    let fixtures = fixtures("postgres");
    assert!(!fixtures.is_empty());
    for f in fixtures {
        let Some(copy) = PgDb::create("rt_copy") else {
            return;
        };
        let name = f.file_name().unwrap().to_str().unwrap().to_string();
        let s = Scratch::new();
        s.write(&name, &std::fs::read_to_string(&f).unwrap());
        let apply = |url: &str, file: &str| {
            s.strata(&[
                "schema",
                "apply",
                "--url",
                url,
                "--to",
                &format!("file://{file}"),
                "--dev-url",
                ADMIN,
                "--auto-approve",
            ])
        };
        apply(&db.url(), &name).ok();
        let again = apply(&db.url(), &name);
        again.ok();
        assert!(
            again.stdout.contains("nothing to do"),
            "{name}: second apply planned:\n{}",
            again.stdout
        );

        let hcl = s.strata(&["schema", "inspect", "--url", &db.url()]);
        hcl.ok();
        s.write("inspected.pg.hcl", &hcl.stdout);
        apply(&copy.url(), "inspected.pg.hcl").ok();
        let d = s.strata(&["schema", "diff", "--from", &db.url(), "--to", &copy.url()]);
        d.ok();
        assert_eq!(
            d.stdout, "",
            "{name}: database rebuilt from inspected HCL differs:\n{}\n--- inspected:\n{}",
            d.stdout, hcl.stdout
        );
        let d = s.strata(&[
            "schema",
            "diff",
            "--from",
            &format!("file://{name}"),
            "--to",
            "file://inspected.pg.hcl",
            "--dev-url",
            ADMIN,
        ]);
        d.ok();
        assert_eq!(
            d.stdout, "",
            "{name}: source and inspected HCL differ:\n{}",
            d.stdout
        );
        if name == "shop.pg.hcl" {
            // The structured function and trigger blocks became real objects.
            assert_eq!(
                copy.column("SELECT count(*) FROM pg_trigger WHERE tgname = 'orders_touch'"),
                ["1"]
            );
            assert_eq!(
                copy.column("SELECT relkind::text FROM pg_class WHERE relname = 'revenue'"),
                ["m"]
            );
            assert_eq!(copy.column("SELECT amname::text FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE relname = 'customers_tags'"), ["gin"]);
            assert_eq!(
                copy.column(
                    "SELECT relispartition::text FROM pg_class WHERE relname = 'events_2024'"
                ),
                ["true"]
            );
            assert_eq!(
                copy.column("SELECT pg_get_partkeydef('events'::regclass)"),
                ["RANGE (at)"]
            );
        }
    }
}

/// Issue 12 item 5 on PostgreSQL: hostile names in tables, columns, indexes,
/// foreign keys, checks and an enum round-trip through inspected HCL into a
/// fresh database, and the `victims` table the injection attempt names survives.
#[test]
fn hostile_names_round_trip_through_inspected_hcl() {
    let Some(db) = PgDb::create("hostile") else {
        return;
    };
    let Some(copy) = PgDb::create("hostile_copy") else {
        return;
    };
    db.client()
        .batch_execute(
            r#"
            CREATE TABLE victims (id int PRIMARY KEY);
            INSERT INTO victims VALUES (1);
            CREATE TYPE "mood kind" AS ENUM ('a b', 'c"d');
            CREATE TABLE "x""; DROP TABLE victims; --" (
                "id" int PRIMARY KEY,
                "first name" text NOT NULL,
                "a.b" int,
                "café" text,
                "1st" int CONSTRAINT "ck ""1"" --" CHECK ("1st" > 0),
                "back\slash" text,
                "m" "mood kind",
                UNIQUE ("first name", "a.b")
            );
            CREATE TABLE "my table" (
                "own id" int NOT NULL,
                "2nd" text,
                CONSTRAINT "fk ""x""; --" FOREIGN KEY ("own id")
                    REFERENCES "x""; DROP TABLE victims; --" ("id") ON DELETE CASCADE
            );
            CREATE INDEX "idx ""q"" ." ON "my table" ("2nd", "own id");
            "#,
        )
        .unwrap();
    let s = Scratch::new();
    let hcl = s.strata(&["schema", "inspect", "--url", &db.url()]);
    hcl.ok();
    assert!(
        hcl.stdout.contains("column[\"first name\"]"),
        "{}",
        hcl.stdout
    );
    assert!(
        hcl.stdout.contains("\n  column \"first name\" {\n"),
        "not indented:\n{}",
        hcl.stdout
    );
    s.write("inspected.pg.hcl", &hcl.stdout);
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &copy.url(),
        "--to",
        &s.file_url("inspected.pg.hcl"),
        "--dev-url",
        ADMIN,
        "--auto-approve",
    ])
    .ok();
    let d = s.strata(&["schema", "diff", "--from", &db.url(), "--to", &copy.url()]);
    d.ok();
    assert_eq!(d.stdout, "", "copy differs:\n{}\n{}", d.stdout, hcl.stdout);
    assert_eq!(db.column("SELECT id::text FROM victims"), ["1"]);
    assert_eq!(copy.column("SELECT count(*)::text FROM victims"), ["0"]);
    assert!(
        hcl.stdout.contains("type = enum[\"mood kind\"]"),
        "{}",
        hcl.stdout
    );
}
