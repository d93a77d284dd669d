//! The normalization cache: a repeated run whose files did not change reads
//! the realm the dev database produced last time instead of replaying; the
//! result is exactly a cold replay's, anything the objects depend on changes
//! the key, a damaged entry is never trusted, and it can be turned off.

mod common;
#[path = "common/pg.rs"]
mod pg;

use common::Scratch;
use pg::{PgDb, ADMIN};
use strata_core::dialect::Dialect;
use strata_core::driver::Scope;
use strata_core::model::Realm;
use strata_core::workspace::{self, Desired};
use strata_core::SourceFile;

/// Everything a realm says, spans included (JSON leaves spans out).
fn full(r: &Realm) -> String {
    format!("{r:#?}")
}

fn desired(dialect: Dialect, files: &[(&str, &str)]) -> Desired {
    let files = files
        .iter()
        .map(|(name, text)| SourceFile::new(*name, *text))
        .collect();
    let d = Desired::read(files, dialect);
    assert!(!d.has_errors(), "{:#?}", d.diagnostics);
    d
}

fn entries(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

const SQLITE_SQL: &str = "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL UNIQUE);\n\
CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users (id) ON DELETE CASCADE, body text CHECK (length(body) < 500));\n\
CREATE INDEX posts_user ON posts (user_id);\n\
CREATE VIEW recent AS SELECT id FROM posts;\n";

const SQLITE_HCL: &str = r#"
schema "main" {}
table "tags" {
  schema = schema.main
  column "id" {
    null = false
    type = integer
  }
  column "name" {
    null = true
    type = text
    default = "x"
  }
  primary_key {
    columns = [column.id]
  }
}
"#;

#[test]
fn sqlite_cached_realm_equals_a_cold_replay_spans_included() {
    let cache = tempfile::tempdir().unwrap();
    let d = desired(
        Dialect::Sqlite,
        &[("schema.sql", SQLITE_SQL), ("tags.hcl", SQLITE_HCL)],
    );
    let scope = Scope::default();
    let cold = workspace::normalize_cached(&d, None, &scope, None).unwrap();
    let first = workspace::normalize_cached(&d, None, &scope, Some(cache.path().into())).unwrap();
    assert_eq!(
        entries(cache.path()).len(),
        1,
        "the first run stores its result"
    );
    let hit = workspace::normalize_cached(&d, None, &scope, Some(cache.path().into())).unwrap();
    assert_eq!(full(&first), full(&cold));
    assert_eq!(full(&hit), full(&cold));
    assert!(
        hit.schemas[0].tables.iter().all(|t| t.span.is_some()),
        "spans are attached after a hit"
    );
}

/// Proves the hit path does not replay: what the entry says is what comes back.
#[test]
fn a_hit_pays_no_replay() {
    let cache = tempfile::tempdir().unwrap();
    let d = desired(Dialect::Sqlite, &[("schema.sql", SQLITE_SQL)]);
    let scope = Scope::default();
    workspace::normalize_cached(&d, None, &scope, Some(cache.path().into())).unwrap();
    let [entry] = entries(cache.path()).try_into().unwrap();
    let key = strata_core::cache::Key::new(
        "sqlite",
        &Dialect::Sqlite.imp().unwrap().dev_server(None).unwrap(),
        &[],
        &[&SourceFile::new("schema.sql", SQLITE_SQL)],
    );
    assert_eq!(
        entry.file_stem().unwrap().to_str().unwrap(),
        key.as_str(),
        "the entry is named by the key of its inputs"
    );
    let mut doctored = strata_core::cache::load(cache.path(), &key).unwrap();
    doctored.schemas[0].tables[0].comment = Some("from the cache".into());
    strata_core::cache::store(cache.path(), &key, &doctored);
    let hit = workspace::normalize_cached(&d, None, &scope, Some(cache.path().into())).unwrap();
    assert_eq!(
        hit.schemas[0].tables[0].comment.as_deref(),
        Some("from the cache")
    );
}

#[test]
fn a_damaged_entry_is_ignored_and_replaced() {
    let cache = tempfile::tempdir().unwrap();
    let d = desired(Dialect::Sqlite, &[("schema.sql", SQLITE_SQL)]);
    let scope = Scope::default();
    let cold = workspace::normalize_cached(&d, None, &scope, None).unwrap();
    workspace::normalize_cached(&d, None, &scope, Some(cache.path().into())).unwrap();
    let [entry] = entries(cache.path()).try_into().unwrap();
    let text = std::fs::read_to_string(&entry).unwrap();
    // Well-formed JSON of a different realm: only the checksum can tell.
    std::fs::write(&entry, text.replace("\"email\"", "\"e_mail\"")).unwrap();
    let got = workspace::normalize_cached(&d, None, &scope, Some(cache.path().into())).unwrap();
    assert_eq!(full(&got), full(&cold));
    assert_eq!(
        std::fs::read_to_string(&entry).unwrap(),
        text,
        "the replay wrote a sound entry again"
    );
    std::fs::write(&entry, &text[..text.len() / 3]).unwrap();
    let got = workspace::normalize_cached(&d, None, &scope, Some(cache.path().into())).unwrap();
    assert_eq!(full(&got), full(&cold));
}

#[test]
fn sqlite_an_edit_is_a_new_key_and_a_fresh_replay() {
    let cache = tempfile::tempdir().unwrap();
    let scope = Scope::default();
    let before = desired(Dialect::Sqlite, &[("schema.sql", SQLITE_SQL)]);
    workspace::normalize_cached(&before, None, &scope, Some(cache.path().into())).unwrap();
    let edited_sql = SQLITE_SQL.replace("length(body) < 500", "length(body) < 80");
    let after = desired(Dialect::Sqlite, &[("schema.sql", &edited_sql)]);
    let got = workspace::normalize_cached(&after, None, &scope, Some(cache.path().into())).unwrap();
    let cold = workspace::normalize_cached(&after, None, &scope, None).unwrap();
    assert_eq!(full(&got), full(&cold));
    assert!(format!("{got:?}").contains("< 80"));
    assert_eq!(entries(cache.path()).len(), 2);
}

/// What PostgreSQL objects depend on, each in its own statement: a type, a
/// domain over it, a function, and a table using all three.
const PG_SQL: &str = "CREATE TYPE mood AS ENUM ('sad', 'ok');\n\
CREATE DOMAIN score AS integer CHECK (VALUE >= 0);\n\
CREATE FUNCTION double_it(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;\n\
CREATE TABLE people (id bigint PRIMARY KEY, m mood NOT NULL DEFAULT 'ok', s score, d integer GENERATED ALWAYS AS (double_it(id::integer)) STORED);\n\
CREATE INDEX people_s ON people (s) WHERE s > 0;\n";

fn pg_normalize(d: &Desired, cache: Option<&std::path::Path>) -> Realm {
    let scope = Scope {
        schemas: vec!["public".into()],
        exclude: Vec::new(),
    };
    workspace::normalize_cached(d, Some(ADMIN), &scope, cache.map(Into::into)).unwrap()
}

#[test]
fn postgres_cached_realm_equals_a_cold_replay_and_follows_every_dependency() {
    // Only to skip loudly (or fail under CI) without a server.
    let Some(_db) = PgDb::create("cache") else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let d = desired(Dialect::Postgres, &[("schema.sql", PG_SQL)]);
    let cold = pg_normalize(&d, None);
    let first = pg_normalize(&d, Some(cache.path()));
    let hit = pg_normalize(&d, Some(cache.path()));
    assert_eq!(full(&first), full(&cold));
    assert_eq!(full(&hit), full(&cold));
    assert_eq!(entries(cache.path()).len(), 1);

    // An edit to anything the table depends on is a new key, and the result
    // is the cold replay of the edited files.
    // (what to edit, the edit, what the normalized realm then says)
    let edits = [
        ("('sad', 'ok')", "('sad', 'ok', 'glad')", "\"glad\""),
        ("VALUE >= 0", "VALUE >= 1", ">= 1"),
        ("x * 2", "x * 3", "x * 3"),
    ];
    for (i, (from, to, says)) in edits.iter().enumerate() {
        let sql = PG_SQL.replace(from, to);
        let d = desired(Dialect::Postgres, &[("schema.sql", &sql)]);
        let cached = pg_normalize(&d, Some(cache.path()));
        let cold = pg_normalize(&d, None);
        assert_eq!(full(&cached), full(&cold), "after editing {from}");
        assert!(
            format!("{cached:?}").contains(says),
            "{says} in {cached:#?}"
        );
        assert_eq!(entries(cache.path()).len(), i + 2);
    }
}

#[test]
fn postgres_the_dev_server_names_its_version() {
    if PgDb::create("cache_version").is_none() {
        return;
    }
    let imp = Dialect::Postgres.imp().unwrap();
    let url = workspace::parse_db(ADMIN).unwrap();
    let id = imp.dev_server(Some(&url)).unwrap();
    let mut c = postgres::Client::connect(ADMIN, postgres::NoTls).unwrap();
    let version: String = c.query_one("SELECT version()", &[]).unwrap().get(0);
    assert!(id.contains(&version), "{id}");
    // Another server (here: another address for it) is another key.
    let other = workspace::parse_db(&ADMIN.replace("127.0.0.1", "localhost")).unwrap();
    assert_ne!(imp.dev_server(Some(&other)).unwrap(), id);
}

/// From outside: the second `schema diff` of unchanged files stores nothing
/// new; `--no-cache` and `STRATA_NO_CACHE=1` neither read nor write entries.
#[test]
fn the_cli_caches_and_can_be_told_not_to() {
    let s = Scratch::new();
    s.write("schema.sql", SQLITE_SQL);
    let args = [
        "schema",
        "diff",
        "--from",
        "file://schema.sql",
        "--to",
        "file://schema.sql",
    ];
    let no_cache: Vec<&str> = args.iter().copied().chain(["--no-cache"]).collect();
    s.strata(&no_cache).ok();
    assert!(
        entries(s.cache.path()).is_empty(),
        "--no-cache writes nothing"
    );
    s.strata(&args).ok();
    let stored = entries(s.cache.path());
    assert_eq!(stored.len(), 1, "both sides are the same files: one entry");
    s.strata(&args).ok();
    assert_eq!(entries(s.cache.path()), stored);

    // A damaged entry with --no-cache stays as it is (never read)...
    std::fs::write(&stored[0], "garbage").unwrap();
    s.strata(&no_cache).ok();
    assert_eq!(std::fs::read_to_string(&stored[0]).unwrap(), "garbage");
    // ...and a normal run replaces it.
    let r = s.strata(&args);
    r.ok();
    assert!(
        r.stdout.trim().is_empty() || r.stdout.contains("in sync"),
        "{}",
        r.stdout
    );
    assert_ne!(std::fs::read_to_string(&stored[0]).unwrap(), "garbage");

    std::fs::remove_file(&stored[0]).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(s.dir.path())
        .env("STRATA_CACHE_DIR", s.cache.path())
        .env("STRATA_NO_CACHE", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        entries(s.cache.path()).is_empty(),
        "STRATA_NO_CACHE=1 writes nothing"
    );
}
