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
