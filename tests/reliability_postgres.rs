//! Reliability promises on the real PostgreSQL server: a narrowing type change
//! never loses data silently, an INVALID index is rebuilt rather than trusted,
//! and an interrupted run leaves no scratch database or cluster behind.

mod common;
#[path = "common/pg.rs"]
mod pg;

use common::*;
use pg::{PgDb, ADMIN};

fn apply(s: &Scratch, db: &PgDb, file: &str, extra: &[&str]) -> Run {
    let to = format!("file://{file}");
    let url = db.url();
    let mut args = vec![
        "schema",
        "apply",
        "--url",
        &url,
        "--to",
        &to,
        "--dev-url",
        ADMIN,
    ];
    args.extend_from_slice(extra);
    s.strata(&args)
}

/// Every lossy conversion the planner can emit, one column each:
/// (column, type before, type after, a value that loses data, a safe value).
const NARROWINGS: &[(&str, &str, &str, &str, &str)] = &[
    ("vc", "varchar(10)", "varchar(5)", "'0123456789'", "'01234'"),
    ("ch", "char(10)", "char(5)", "'0123456789'", "'abc'"),
    ("tx", "text", "varchar(5)", "'abcdefghij'", "'abc'"),
    (
        "num_scale",
        "numeric(12,2)",
        "numeric(5,1)",
        "123.45",
        "123.5",
    ),
    (
        "num_prec",
        "numeric(12,2)",
        "numeric(5,2)",
        "1234.5",
        "123.45",
    ),
    ("int_num", "integer", "numeric(5,2)", "1000", "999"),
    (
        "ts_date",
        "timestamp",
        "date",
        "'2024-01-01 12:00'",
        "'2024-01-01'",
    ),
    (
        "tstz_date",
        "timestamptz",
        "date",
        "'2024-01-01 12:34:56+00'",
        "date_trunc('day', now())",
    ),
    ("ts_time", "timestamp", "time", "'2024-01-01 12:00'", "NULL"),
    (
        "ts_prec",
        "timestamp(6)",
        "timestamp(0)",
        "'2024-01-01 12:00:00.5'",
        "'2024-01-01 12:00:01'",
    ),
    ("f_int", "float8", "integer", "2.7", "3"),
    ("num_int", "numeric(10,2)", "integer", "2.5", "2"),
    ("big_int", "bigint", "integer", "3000000000", "42"),
    ("big_small", "bigint", "smallint", "40000", "7"),
    ("f_real", "float8", "real", "1.2345678901", "2.5"),
];

fn table(types: impl Fn(&(&str, &str, &str, &str, &str)) -> String) -> String {
    let cols: Vec<String> = NARROWINGS.iter().map(types).collect();
    format!(
        "CREATE TABLE t (\n  id int PRIMARY KEY,\n  {}\n);\n",
        cols.join(",\n  ")
    )
}

/// Values of every column of row `id`, as text.
fn row(db: &PgDb, id: i32) -> Vec<String> {
    NARROWINGS
        .iter()
        .map(|(c, ..)| {
            db.column(&format!("SELECT \"{c}\"::text FROM t WHERE id = {id}"))[0].clone()
        })
        .collect()
}

fn types(db: &PgDb) -> Vec<String> {
    NARROWINGS
        .iter()
        .map(|(c, ..)| {
            db.column(&format!(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = '{c}'"
            ))[0]
                .clone()
        })
        .collect()
}

#[test]
fn narrowing_that_would_lose_data_is_refused_and_changes_nothing() {
    let Some(db) = PgDb::create("narrow") else {
        return;
    };
    let s = Scratch::new();
    s.write(
        "wide.sql",
        &table(|(c, from, ..)| format!("\"{c}\" {from}")),
    );
    s.write(
        "narrow.sql",
        &table(|(c, _, to, ..)| format!("\"{c}\" {to}")),
    );
    apply(&s, &db, "wide.sql", &["--auto-approve"]).ok();
    let safe: Vec<&str> = NARROWINGS.iter().map(|n| n.4).collect();
    db.client()
        .batch_execute(&format!("INSERT INTO t VALUES (1, {})", safe.join(", ")))
        .unwrap();
    let wide_types = types(&db);

    // One offending row per conversion, each alone: refused, nothing changed.
    for (i, (col, from, to, bad, _)) in NARROWINGS.iter().enumerate() {
        let mut values = safe.clone();
        values[i] = bad;
        db.client()
            .batch_execute(&format!("INSERT INTO t VALUES (2, {})", values.join(", ")))
            .unwrap();
        let before = row(&db, 2);
        for extra in [&["--dry-run"][..], &["--auto-approve"][..]] {
            let r = apply(&s, &db, "narrow.sql", extra);
            r.fails_with(1, "nothing was changed");
            let finding = r
                .stdout
                .lines()
                .find(|l| l.contains("MF108") && l.contains(&format!("\"t\".\"{col}\"")));
            assert!(
                finding.is_some(),
                "{col} {from} → {to} with {bad}: no MF108 finding:\n{}",
                r.stdout
            );
            // The implicit cast refuses what an explicit one would cut.
            if ["vc", "ch", "tx"].contains(col) {
                let alter = r
                    .stdout
                    .lines()
                    .find(|l| l.contains(&format!("COLUMN \"{col}\" TYPE")));
                assert!(alter.is_some_and(|l| !l.contains("USING")), "{}", r.stdout);
            }
            // Only the offending column is reported.
            assert_eq!(r.stdout.matches("MF108").count(), 1, "{}", r.stdout);
        }
        assert_eq!(types(&db), wide_types, "{col}: a type changed");
        assert_eq!(row(&db, 2), before, "{col}: a value changed");
        db.client()
            .batch_execute("DELETE FROM t WHERE id = 2")
            .unwrap();
    }

    // Only safe rows: applied, every value intact.
    let before = row(&db, 1);
    apply(&s, &db, "narrow.sql", &["--auto-approve"]).ok();
    let narrow_types = types(&db);
    for (((col, _, to, ..), wide), narrow) in NARROWINGS.iter().zip(&wide_types).zip(&narrow_types)
    {
        assert_ne!(narrow, wide, "{col} did not become {to}");
    }
    let after = row(&db, 1);
    for (((col, from, to, ..), b), a) in NARROWINGS.iter().zip(&before).zip(&after) {
        // Intact: the new value, read back as the old type, equals the old value.
        let lit = |v: &str| {
            if v == "NULL" {
                "NULL".to_string()
            } else {
                format!("'{}'", v.replace('\'', "''"))
            }
        };
        if a == "NULL" || b == "NULL" {
            assert_eq!(a, b, "{col}");
            continue;
        }
        let same = db.column(&format!(
            "SELECT ({}::{to})::{from} IS NOT DISTINCT FROM {}::{from}",
            lit(a),
            lit(b)
        ));
        assert_eq!(same, ["t"], "{col}: {b} became {a}");
    }
}

/// A failed `CREATE UNIQUE INDEX CONCURRENTLY` leaves an INVALID index that
/// enforces nothing: strata must not take it for the desired index.
#[test]
fn an_invalid_index_is_dropped_and_recreated_not_trusted() {
    let Some(db) = PgDb::create("invalid_index") else {
        return;
    };
    let s = Scratch::new();
    s.write("v.sql", "CREATE TABLE t (id int PRIMARY KEY, email text);\nCREATE UNIQUE INDEX t_email ON t (email);\n");
    db.client()
        .batch_execute("CREATE TABLE t (id int PRIMARY KEY, email text); INSERT INTO t VALUES (1, 'a'), (2, 'a'), (3, 'b');")
        .unwrap();
    let failed = db
        .client()
        .batch_execute("CREATE UNIQUE INDEX CONCURRENTLY t_email ON t (email)");
    assert!(failed.is_err(), "duplicates must make the index build fail");
    let valid = |db: &PgDb| {
        db.column("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_email'::regclass")
    };
    assert_eq!(valid(&db), ["f"]);

    // Duplicates still there: the re-created index would fail, so nothing runs.
    let r = apply(&s, &db, "v.sql", &["--auto-approve"]);
    r.fails_with(1, "nothing was changed");
    assert!(r.stdout.contains("INVALID"), "{}", r.stdout);
    assert!(r.stdout.contains("error MF102"), "{}", r.stdout);
    assert_eq!(valid(&db), ["f"]);

    // Without duplicates: dropped, re-created, valid, enforcing.
    db.client()
        .batch_execute("DELETE FROM t WHERE id = 2")
        .unwrap();
    let r = apply(&s, &db, "v.sql", &["--auto-approve"]);
    r.ok();
    assert!(
        r.stdout.contains("DROP INDEX \"public\".\"t_email\""),
        "{}",
        r.stdout
    );
    assert_eq!(valid(&db), ["t"]);
    assert!(db
        .client()
        .batch_execute("INSERT INTO t VALUES (4, 'a')")
        .is_err());
    let r = apply(&s, &db, "v.sql", &["--auto-approve"]);
    r.ok();
    assert!(r.stdout.contains("in sync"), "{}", r.stdout);
}
