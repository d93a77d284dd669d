//! Real schemas on SQLite: Chinook and Sakila from ../shared/corpora/realworld,
//! checked the way a user trying strata would: the schema file applied onto an
//! empty database re-plans empty; a database loaded by the client from the
//! same file diffs empty against it; inspect → HCL → a fresh database loses
//! nothing; and with Chinook's data loaded, realistic edits keep every row.

mod common;

use common::*;
use std::path::PathBuf;

fn corpus(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpora/realworld")
        .join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the corpus file {} is required in CI", p.display());
    }
    eprintln!(
        "\n!!! SKIPPING: {} not found (../shared/corpora beside the repository) !!!\n",
        p.display()
    );
    None
}

fn apply(s: &Scratch, db: &str, to: &str) -> Run {
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &s.db_url(db),
        "--to",
        &s.file_url(to),
        "--auto-approve",
    ])
}

/// What the client makes of a script: the file run by SQLite itself.
fn load(s: &Scratch, db: &str, text: &str) {
    s.sqlite(db)
        .execute_batch(text)
        .expect("the client loads the file");
}

/// Every table, index, view and trigger, with its columns and keys as the
/// PRAGMAs report them: what two databases must agree on to be the same.
/// Declared types compare ignoring case (strata writes them in lower case;
/// SQLite's type affinity does not depend on it).
fn catalog(s: &Scratch, db: &str) -> Vec<String> {
    let c = s.sqlite(db);
    let mut out = column(
        &c,
        "SELECT type || ' ' || name || ' on ' || tbl_name FROM sqlite_schema \
         WHERE name NOT LIKE 'sqlite_%' ORDER BY 1",
    );
    for t in tables(&c) {
        out.extend(column(
            &c,
            &format!(
                "SELECT '{t}.' || name || ' ' || lower(type) || ' ' || \"notnull\" || ' ' || \
                 ifnull(dflt_value, '-') || ' pk' || pk FROM pragma_table_xinfo('{t}') ORDER BY cid"
            ),
        ));
        out.extend(column(
            &c,
            &format!(
                "SELECT '{t} fk ' || \"from\" || ' -> ' || \"table\" || '.' || ifnull(\"to\", '?') || \
                 ' ' || on_update || ' ' || on_delete FROM pragma_foreign_key_list('{t}') ORDER BY 1"
            ),
        ));
    }
    out
}

fn row_counts(s: &Scratch, db: &str) -> Vec<String> {
    let c = s.sqlite(db);
    tables(&c)
        .iter()
        .map(|t| {
            let n: i64 = c
                .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
                .unwrap();
            format!("{t}: {n}")
        })
        .collect()
}

/// The schema file applied onto an empty database converges, agrees with the
/// client's own load of the file, diffs empty against it, and its inspected
/// HCL recreates it.
fn behaves_like_the_client(rel: &str) {
    let Some(file) = corpus(rel) else {
        return;
    };
    let s = Scratch::new();
    let text = std::fs::read_to_string(&file).unwrap();
    s.write("schema.sql", &text);

    apply(&s, "applied.db", "schema.sql").ok();
    let again = apply(&s, "applied.db", "schema.sql");
    again.ok();
    assert!(
        again.stdout.contains("nothing to do"),
        "{rel}: a second plan is not empty:\n{}",
        again.stdout
    );

    load(&s, "loaded.db", &text);
    assert_eq!(
        catalog(&s, "applied.db"),
        catalog(&s, "loaded.db"),
        "{rel}: strata's apply and the client's load differ"
    );
    let r = s.strata(&[
        "schema",
        "diff",
        "--from",
        &s.db_url("loaded.db"),
        "--to",
        &s.file_url("schema.sql"),
    ]);
    r.ok();
    assert_eq!(r.stdout.trim(), "", "{rel} differs from itself");

    let hcl = s.strata(&["schema", "inspect", "--url", &s.db_url("loaded.db")]);
    hcl.ok();
    s.write("inspected.hcl", &hcl.stdout);
    apply(&s, "fresh.db", "inspected.hcl").ok();
    assert_eq!(
        catalog(&s, "fresh.db"),
        catalog(&s, "loaded.db"),
        "{rel}: the HCL round trip lost something"
    );
    let r = s.strata(&[
        "schema",
        "diff",
        "--from",
        &s.db_url("fresh.db"),
        "--to",
        &s.db_url("loaded.db"),
    ]);
    r.ok();
    assert_eq!(r.stdout.trim(), "", "{rel}: the HCL round trip differs");
}

#[test]
fn sakila_behaves_as_when_loaded_by_the_client() {
    behaves_like_the_client("sakila/sqlite-sakila-schema.sql");
}

#[test]
fn chinook_behaves_as_when_loaded_by_the_client() {
    behaves_like_the_client("chinook/Chinook_Sqlite.sql");
}

/// Chinook's schema part (the file creates its tables and indexes, then
/// populates them).
fn chinook_schema(text: &str) -> String {
    let end = text
        .find("INSERT INTO")
        .expect("Chinook populates its tables");
    text[..end].to_string()
}

#[test]
fn chinook_with_its_data_keeps_every_row_through_realistic_edits() {
    let Some(file) = corpus("chinook/Chinook_Sqlite.sql") else {
        return;
    };
    let s = Scratch::new();
    let text = std::fs::read_to_string(&file).unwrap();
    load(&s, "chinook.db", &text);
    let before = row_counts(&s, "chinook.db");
    let composers = column(
        &s.sqlite("chinook.db"),
        "SELECT TrackId || ':' || ifnull(Composer, '-') FROM Track ORDER BY TrackId",
    );

    // A new NOT NULL column with a default, a type change (a rebuild on
    // SQLite), a rename, a new index and a dropped column.
    let edited = chinook_schema(&text)
        .replace(
            "[UnitPrice] NUMERIC(10,2)  NOT NULL,",
            "[UnitPrice] NUMERIC(10,2)  NOT NULL,\n    [Rating] INTEGER NOT NULL DEFAULT 0,",
        )
        .replace("[Composer] NVARCHAR(220),", "[Composer] TEXT,")
        .replace(
            "[Phone] NVARCHAR(24),",
            "[PhoneNumber] NVARCHAR(24), -- @renamed from=Phone",
        )
        .replace("    [Fax] NVARCHAR(24),\n", "")
        + "CREATE INDEX [IX_TrackName] ON [Track] ([Name]);\n";
    assert!(
        edited.contains("[Rating]")
            && edited.contains("[PhoneNumber]")
            && !edited.contains("[Fax]")
    );
    s.write("edited.sql", &edited);
    let phones = column(
        &s.sqlite("chinook.db"),
        "SELECT CustomerId || ':' || ifnull(Phone, '-') FROM Customer ORDER BY CustomerId",
    );

    let r = apply(&s, "chinook.db", "edited.sql");
    r.ok();
    assert!(r.stdout.contains("IX_TrackName"), "{}", r.stdout);

    assert_eq!(row_counts(&s, "chinook.db"), before, "rows were lost");
    let c = s.sqlite("chinook.db");
    assert_eq!(
        column(
            &c,
            "SELECT TrackId || ':' || ifnull(Composer, '-') FROM Track ORDER BY TrackId"
        ),
        composers,
        "the type change kept every value"
    );
    assert_eq!(
        column(
            &c,
            "SELECT CustomerId || ':' || ifnull(PhoneNumber, '-') FROM Customer ORDER BY CustomerId"
        ),
        phones,
        "the rename kept every value"
    );
    assert_eq!(
        column(&c, "SELECT DISTINCT Rating FROM Track"),
        ["0"],
        "the new column is filled with its default"
    );
    let fk = c
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap();
    assert_eq!(fk, 0, "foreign keys still hold");
    drop(c);

    let again = apply(&s, "chinook.db", "edited.sql");
    again.ok();
    assert!(
        again.stdout.contains("nothing to do"),
        "a second plan is not empty:\n{}",
        again.stdout
    );
}
