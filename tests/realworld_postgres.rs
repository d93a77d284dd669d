//! Real schemas on the real PostgreSQL server: the reproducers of issue 11's
//! PostgreSQL bugs, and pagila from ../shared/corpora/realworld (its schema
//! applied onto an empty database, a database loaded from the same file by
//! the client diffed against it).

mod common;
#[path = "common/pg.rs"]
mod pg;

use common::*;
use pg::{PgDb, ADMIN};
use std::path::{Path, PathBuf};

fn apply(s: &Scratch, db: &PgDb, file: &str) -> Run {
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &db.url(),
        "--to",
        &format!("file://{file}"),
        "--dev-url",
        ADMIN,
        "--auto-approve",
    ])
}

/// Applies `file`, then checks that a second plan is empty.
#[track_caller]
fn apply_converges(s: &Scratch, db: &PgDb, file: &str) -> Run {
    let first = apply(s, db, file);
    first.ok();
    let again = apply(s, db, file);
    again.ok();
    assert!(
        again.stdout.contains("nothing to do"),
        "a second plan is not empty:\n{}",
        again.stdout
    );
    first
}

/// `strata schema diff --from <db> --to file://<file>`: what would change.
fn diff_db_to_file(s: &Scratch, url: &str, file: &str) -> Run {
    s.strata(&[
        "schema",
        "diff",
        "--from",
        url,
        "--to",
        &format!("file://{file}"),
        "--dev-url",
        ADMIN,
    ])
}

/// Runs a script in one session, the way `psql -f` does (session settings
/// such as `set_config('search_path', …)` stay in force for what follows).
fn load(db: &PgDb, sql: &str) {
    db.client().batch_execute(sql).unwrap();
}

/// The head of every pg_dump output and Rails `structure.sql`.
const PG_DUMP_STYLE: &str = "\
SET check_function_bodies = false;
SELECT pg_catalog.set_config('search_path', '', false);
CREATE TYPE public.mood AS ENUM ('ok', 'sad');
CREATE TABLE public.t (id integer NOT NULL, m public.mood DEFAULT 'ok'::public.mood);
CREATE SEQUENCE public.t_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id;
ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT nextval('public.t_id_seq'::regclass);
CREATE VIEW public.v AS SELECT t.id, t.m FROM public.t;
";

#[test]
fn pg_dump_search_path_does_not_keep_a_schema_from_converging() {
    let Some(db) = PgDb::create("dump_path") else {
        return;
    };
    let s = Scratch::new();
    s.write("it.sql", PG_DUMP_STYLE);
    load(&db, PG_DUMP_STYLE);
    let r = diff_db_to_file(&s, &db.url(), "it.sql");
    r.ok();
    assert_eq!(r.stdout.trim(), "", "the loaded file differs from itself");

    // Whatever search_path the target's sessions start with, too.
    db.client()
        .batch_execute(&format!(
            "ALTER DATABASE \"{}\" SET search_path = ''",
            db.name
        ))
        .unwrap();
    let r = diff_db_to_file(&s, &db.url(), "it.sql");
    r.ok();
    assert_eq!(r.stdout.trim(), "", "an empty search_path on the target");
}

const SAME_TRIGGER_NAME: &str = "\
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$;
CREATE TABLE a (id int PRIMARY KEY, updated_at timestamptz);
CREATE TABLE b (id int PRIMARY KEY, updated_at timestamptz);
CREATE TRIGGER last_updated BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER last_updated BEFORE UPDATE ON b FOR EACH ROW EXECUTE FUNCTION touch();
";

#[test]
fn triggers_of_the_same_name_on_two_tables_stay_two() {
    let Some(db) = PgDb::create("trig_same") else {
        return;
    };
    let s = Scratch::new();
    s.write("t.sql", SAME_TRIGGER_NAME);
    apply_converges(&s, &db, "t.sql");
    let on = "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_trigger t \
              JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = 'last_updated'";
    assert_eq!(db.column(on), ["a,b"]);

    // Inspect → HCL → a fresh database: both triggers, and no difference.
    let hcl = s.strata(&["schema", "inspect", "--url", &db.url()]);
    hcl.ok();
    s.write("t.pg.hcl", &hcl.stdout);
    let Some(copy) = PgDb::create("trig_copy") else {
        return;
    };
    apply_converges(&s, &copy, "t.pg.hcl");
    assert_eq!(copy.column(on), ["a,b"]);
    let r = s.strata(&["schema", "diff", "--from", &db.url(), "--to", &copy.url()]);
    r.ok();
    assert_eq!(r.stdout.trim(), "", "the round trip changed something");
}

/// Sakila-style: SQL functions read tables and views and call each other; a
/// view and a default call them; a PL/pgSQL function returns a table's rows.
/// Statements come in an order PostgreSQL itself would refuse.
const SQL_BODIES: &str = "\
CREATE FUNCTION film_in_stock(p_film_id int) RETURNS SETOF int LANGUAGE sql AS $$
  SELECT inventory_id FROM inventory WHERE film_id = $1 AND inventory_in_stock(inventory_id)
$$;
CREATE FUNCTION inventory_in_stock(p_inventory_id int) RETURNS boolean LANGUAGE sql AS $$
  SELECT NOT EXISTS (SELECT 1 FROM rental WHERE rental.inventory_id = p_inventory_id AND returned IS NULL)
$$;
CREATE FUNCTION available() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM stock WHERE in_stock $$;
CREATE VIEW stock AS SELECT inventory_id, inventory_in_stock(inventory_id) AS in_stock FROM inventory;
CREATE FUNCTION next_ticket() RETURNS bigint LANGUAGE sql AS $$ SELECT coalesce(max(n), 0) + 1 FROM ticket $$;
CREATE TABLE booking (id int PRIMARY KEY, ticket bigint NOT NULL DEFAULT next_ticket());
CREATE FUNCTION open_rentals() RETURNS SETOF rental LANGUAGE plpgsql AS $$
BEGIN RETURN QUERY SELECT * FROM rental WHERE returned IS NULL; END $$;
CREATE TABLE inventory (inventory_id int PRIMARY KEY, film_id int NOT NULL);
CREATE TABLE rental (id int PRIMARY KEY, inventory_id int NOT NULL REFERENCES inventory, returned date);
CREATE TABLE ticket (n bigint);
";

#[test]
fn sql_functions_are_created_after_what_their_bodies_read() {
    let Some(db) = PgDb::create("sql_bodies") else {
        return;
    };
    let s = Scratch::new();
    s.write("f.sql", SQL_BODIES);
    let r = apply_converges(&s, &db, "f.sql");
    let at = |needle: &str| {
        r.stdout
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} not planned:\n{}", r.stdout))
    };
    assert!(at("CREATE TABLE \"public\".\"inventory\"") < at("FUNCTION public.film_in_stock"));
    assert!(at("FUNCTION public.inventory_in_stock") < at("FUNCTION public.film_in_stock"));
    assert!(at("CREATE VIEW \"public\".\"stock\"") < at("FUNCTION public.available"));
    assert!(at("CREATE TABLE \"public\".\"ticket\"") < at("FUNCTION public.next_ticket"));
    assert!(at("FUNCTION public.next_ticket") < at("CREATE TABLE \"public\".\"booking\""));
    db.client()
        .batch_execute(
            "INSERT INTO inventory VALUES (1, 7), (2, 7); INSERT INTO rental VALUES (1, 1, NULL);\
             INSERT INTO booking (id) VALUES (1);",
        )
        .unwrap();
    assert_eq!(db.column("SELECT film_in_stock(7)"), ["2"]);
    assert_eq!(db.column("SELECT available()"), ["1"]);
    assert_eq!(db.column("SELECT count(*) FROM open_rentals()"), ["1"]);
    assert_eq!(db.column("SELECT ticket FROM booking"), ["1"]);
}

const APP_TYPES: &str = r#"
schema "app" {}
enum "status" {
  schema = schema.app
  values = ["new", "done"]
}
domain "code" {
  schema = schema.app
  type = text
  check "short" {
    expr = "length(VALUE) < 10"
  }
}
table "users" {
  schema = schema.app
  column "id" {
    type = int
  }
  column "s" {
    type = enum.status
    default = "new"
  }
  column "history" {
    type = sql("status[]")
    null = true
  }
  column "c" {
    type = domain.code
    null = true
  }
  primary_key {
    columns = [column.id]
  }
}
"#;

#[test]
fn enums_and_domains_outside_public_are_referenced_qualified() {
    let Some(db) = PgDb::create("app_types") else {
        return;
    };
    let s = Scratch::new();
    s.write("app.pg.hcl", APP_TYPES);
    let url = db.url().replace("search_path=public", "search_path=app");
    let run = |s: &Scratch| {
        s.strata(&[
            "schema",
            "apply",
            "--url",
            &url,
            "--to",
            "file://app.pg.hcl",
            "--dev-url",
            ADMIN,
            "--auto-approve",
        ])
    };
    run(&s).ok();
    let again = run(&s);
    again.ok();
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
    assert_eq!(
        db.column(
            "SELECT string_agg(format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM pg_attribute \
             WHERE attrelid = 'app.users'::regclass AND attnum > 0"
        ),
        ["integer, app.status, app.status[], app.code"]
    );
}

const FUNCTION_ATTRS: &str = r#"
schema "public" {}
function "shout" {
  schema = schema.public
  lang = SQL
  arg "t" {
    type = text
  }
  return = text
  as = "SELECT upper(t)"
  volatility = IMMUTABLE
  security = DEFINER
  parallel = SAFE
  strict = true
  leakproof = false
  cost = 5
}
"#;

#[test]
fn function_attributes_apply_as_written() {
    let Some(db) = PgDb::create("fn_attrs") else {
        return;
    };
    let s = Scratch::new();
    s.write("f.pg.hcl", FUNCTION_ATTRS);
    let r = apply_converges(&s, &db, "f.pg.hcl");
    assert!(
        r.stdout.contains("SECURITY DEFINER") && r.stdout.contains("PARALLEL SAFE"),
        "{}",
        r.stdout
    );
    assert_eq!(
        db.column(
            "SELECT concat_ws(' ', provolatile, prosecdef, proparallel, proisstrict, proleakproof, procost) \
             FROM pg_proc WHERE proname = 'shout'"
        ),
        ["i t s t f 5"]
    );
    assert_eq!(db.column("SELECT shout('hi')"), ["HI"]);
}

const PARTITION_OWN: &str = "\
CREATE TABLE customer (id int PRIMARY KEY);
CREATE TABLE payment (id int NOT NULL, customer_id int NOT NULL, paid date NOT NULL, PRIMARY KEY (paid, id)) PARTITION BY RANGE (paid);
CREATE TABLE payment_2022 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
CREATE INDEX payment_2022_customer ON payment_2022 (customer_id);
ALTER TABLE payment_2022 ADD CONSTRAINT payment_2022_customer_fkey FOREIGN KEY (customer_id) REFERENCES customer (id);
";

/// pagila's shape: indexes and foreign keys declared on a partition only.
#[test]
fn a_partitions_own_indexes_and_foreign_keys_are_created() {
    let Some(db) = PgDb::create("part_own") else {
        return;
    };
    let s = Scratch::new();
    // First without them (a partition that exists gains them), then with.
    let bare: String = PARTITION_OWN
        .lines()
        .take(3)
        .map(|l| format!("{l}\n"))
        .collect();
    s.write("p0.sql", &bare);
    apply_converges(&s, &db, "p0.sql");
    s.write("p.sql", PARTITION_OWN);
    let r = apply_converges(&s, &db, "p.sql");
    assert!(
        r.stdout.contains("CREATE INDEX \"payment_2022_customer\""),
        "{}",
        r.stdout
    );
    assert_eq!(
        db.column(
            "SELECT string_agg(x, ', ' ORDER BY x) FROM (SELECT indexname::text FROM pg_indexes WHERE tablename = 'payment_2022' \
             UNION ALL SELECT conname::text FROM pg_constraint WHERE conrelid = 'payment_2022'::regclass AND contype = 'f') s(x)"
        ),
        ["payment_2022_customer, payment_2022_customer_fkey, payment_2022_pkey"]
    );
}

/// A file of ../shared/corpora/realworld, or `None` (after a loud message)
/// where the corpus is absent; under CI=true it must be there.
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

/// Applies a corpus schema file onto an empty database, checks that a second
/// plan is empty, that the database has every object the client's own load
/// of the file makes, and that its inspected HCL recreates it. Returns the
/// applied database.
fn applies_like_the_client(rel: &str, tag: &str) -> Option<PgDb> {
    applies_like_the_client_from(&corpus(rel)?, rel, tag)
}

fn applies_like_the_client_from(file: &Path, rel: &str, tag: &str) -> Option<PgDb> {
    let db = PgDb::create(&format!("{tag}_apply"))?;
    let s = Scratch::new();
    apply_converges(&s, &db, &file.display().to_string());
    let loaded = PgDb::create(&format!("{tag}_ref"))?;
    load(&loaded, &std::fs::read_to_string(file).unwrap());
    let (want, got) = (catalog(&loaded), catalog(&db));
    let missing: Vec<&String> = want.iter().filter(|x| !got.contains(x)).collect();
    let extra: Vec<&String> = got.iter().filter(|x| !want.contains(x)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{rel}: missing: {missing:#?}\nextra: {extra:#?}"
    );
    // Inspect → HCL → a fresh database: nothing lost.
    let hcl = s.strata(&["schema", "inspect", "--url", &db.url()]);
    hcl.ok();
    s.write("inspected.pg.hcl", &hcl.stdout);
    let copy = PgDb::create(&format!("{tag}_hcl"))?;
    apply_converges(&s, &copy, "inspected.pg.hcl");
    let r = s.strata(&["schema", "diff", "--from", &db.url(), "--to", &copy.url()]);
    r.ok();
    assert_eq!(
        r.stdout.trim(),
        "",
        "{rel}: the HCL round trip lost something"
    );
    assert_eq!(catalog(&copy), got, "{rel}: the HCL round trip");
    Some(db)
}

/// Loads a corpus schema file with the client and diffs the database
/// against the file: nothing to do.
fn loaded_diffs_empty(rel: &str, tag: &str) {
    if let Some(file) = corpus(rel) {
        loaded_diffs_empty_from(&file, rel, tag);
    }
}

fn loaded_diffs_empty_from(file: &Path, rel: &str, tag: &str) {
    let Some(db) = PgDb::create(&format!("{tag}_load")) else {
        return;
    };
    load(&db, &std::fs::read_to_string(file).unwrap());
    let s = Scratch::new();
    let r = diff_db_to_file(&s, &db.url(), &file.display().to_string());
    r.ok();
    assert_eq!(r.stdout.trim(), "", "{rel} differs from itself");
}

#[test]
fn pagila_applies_onto_an_empty_database_and_replans_empty() {
    let Some(db) = applies_like_the_client("pagila/pagila-schema.sql", "pagila") else {
        return;
    };
    // What a user of pagila expects to work: the views over the aggregate
    // and the SQL functions, down to the partitions' own keys.
    db.client()
        .batch_execute(
            "INSERT INTO language (name) VALUES ('English');\
             INSERT INTO film (title, language_id) VALUES ('A', 1);\
             INSERT INTO actor (first_name, last_name) VALUES ('X', 'Y');\
             INSERT INTO film_actor (actor_id, film_id) VALUES (1, 1);",
        )
        .unwrap();
    assert_eq!(db.column("SELECT count(*) FROM film_in_stock(1, 1)"), ["0"]);
    assert_eq!(db.column("SELECT count(*) FROM actor_info"), ["1"]);
    assert_eq!(
        db.column("SELECT count(*) FROM pg_trigger WHERE tgname = 'last_updated'"),
        ["14"]
    );
}

#[test]
fn pagila_loaded_by_the_client_diffs_empty_against_its_file() {
    loaded_diffs_empty("pagila/pagila-schema.sql", "pagila");
}

#[test]
fn sakila_applies_onto_an_empty_database_and_replans_empty() {
    applies_like_the_client("sakila/postgres-sakila-schema.sql", "sakila");
}

#[test]
fn sakila_loaded_by_the_client_diffs_empty_against_its_file() {
    loaded_diffs_empty("sakila/postgres-sakila-schema.sql", "sakila");
}

/// Chinook's PostgreSQL script creates its own database and connects to it
/// (`CREATE DATABASE chinook; \\c chinook;`) before its schema and data: what a
/// user would keep as the schema file is what follows the `\\c` line.
fn chinook_script(s: &Scratch) -> Option<PathBuf> {
    let text = std::fs::read_to_string(corpus("chinook/Chinook_PostgreSql.sql")?).unwrap();
    let start = text
        .find("\\c chinook;")
        .expect("the script connects to chinook");
    let body = &text[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    Some(s.write("chinook.sql", body))
}

#[test]
fn chinook_applies_onto_an_empty_database_and_replans_empty() {
    // The script's INSERTs run on the dev database only: a schema apply
    // creates the schema, never rows.
    let s = Scratch::new();
    let Some(file) = chinook_script(&s) else {
        return;
    };
    let Some(db) = applies_like_the_client_from(&file, "chinook", "chinook") else {
        return;
    };
    assert_eq!(db.column("SELECT count(*) FROM track"), ["0"]);
}

#[test]
fn chinook_loaded_by_the_client_diffs_empty_against_its_file() {
    let s = Scratch::new();
    if let Some(file) = chinook_script(&s) {
        loaded_diffs_empty_from(&file, "chinook", "chinook");
    }
}

/// A database's schema objects as text, one per line: tables' columns,
/// indexes, constraints, views, routines, triggers, types.
fn catalog(db: &PgDb) -> Vec<String> {
    db.column(
        "SELECT x FROM (\
           SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) \
                  || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END \
                  || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped \
           UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' \
           UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) \
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace \
           UNION ALL SELECT 'view ' || viewname || ' ' || definition FROM pg_views WHERE schemaname = 'public' \
           UNION ALL SELECT 'routine ' || p.oid::regprocedure || ' ' || p.prokind::text \
                  || CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE '' END \
             FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace \
           UNION ALL SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal \
           UNION ALL SELECT 'type ' || t.typname || ' ' || t.typtype::text FROM pg_type t \
             WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd') \
           UNION ALL SELECT 'sequence ' || sequencename || ' ' || data_type FROM pg_sequences WHERE schemaname = 'public' \
         ) s(x) ORDER BY 1",
    )
}

/// Runs a pg_dump data file the way psql does: statements as they come, and
/// each `COPY … FROM stdin` fed the lines up to its `\.`.
fn load_dump_data(db: &PgDb, text: &str) {
    use std::io::Write;
    let mut client = db.client();
    let mut lines = text.lines();
    let mut pending = String::new();
    while let Some(line) = lines.next() {
        if line.starts_with("COPY ") && line.ends_with("FROM stdin;") {
            client.batch_execute(&pending).unwrap();
            pending.clear();
            let mut w = client.copy_in(line.trim_end_matches(';')).unwrap();
            for row in lines.by_ref().take_while(|l| *l != "\\.") {
                w.write_all(row.as_bytes()).unwrap();
                w.write_all(b"\n").unwrap();
            }
            w.finish().unwrap();
        } else {
            pending.push_str(line);
            pending.push('\n');
        }
    }
    client.batch_execute(&pending).unwrap();
}

/// Rows of every table of `public`, as `table count` lines.
fn row_counts(db: &PgDb) -> Vec<String> {
    let tables = db.column(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1",
    );
    tables
        .iter()
        .map(|t| {
            format!(
                "{t} {}",
                db.column(&format!("SELECT count(*) FROM public.\"{t}\""))[0]
            )
        })
        .collect()
}

#[test]
fn pagila_with_its_data_keeps_every_row_through_realistic_edits() {
    let (Some(schema), Some(data)) = (
        corpus("pagila/pagila-schema.sql"),
        corpus("pagila/pagila-data.sql"),
    ) else {
        return;
    };
    let Some(db) = PgDb::create("pagila_data") else {
        return;
    };
    let schema = std::fs::read_to_string(schema).unwrap();
    load(&db, &schema);
    load_dump_data(&db, &std::fs::read_to_string(data).unwrap());
    let before = row_counts(&db);
    assert!(before.iter().any(|l| l == "rental 16044"), "{before:?}");
    let views = "SELECT (SELECT count(*) FROM film_list) || ' ' || (SELECT count(*) FROM sales_by_film_category)";
    let views_before = db.column(views);
    // A new column, a wider type under the views that read it, a new index.
    let edited = schema
        .replace(
            "    last_name text NOT NULL,\n    last_update",
            "    last_name text NOT NULL,\n    nickname text,\n    last_update",
        )
        .replace("    length smallint,", "    length integer,")
        .replace(
            "CREATE INDEX idx_fk_inventory_id ON public.rental USING btree (inventory_id);",
            "CREATE INDEX idx_fk_inventory_id ON public.rental USING btree (inventory_id);\n\
             CREATE INDEX idx_rental_return_date ON public.rental USING btree (return_date);",
        );
    for edit in [
        "    nickname text,",
        "    length integer,",
        "idx_rental_return_date",
    ] {
        assert!(
            edited.contains(edit),
            "the edit {edit:?} must apply to the file"
        );
    }
    let s = Scratch::new();
    s.write("pagila.sql", &edited);
    let r = apply_converges(&s, &db, "pagila.sql");
    assert!(r.stdout.contains("ADD COLUMN \"nickname\""), "{}", r.stdout);
    assert!(r.stdout.contains("idx_rental_return_date"), "{}", r.stdout);
    assert_eq!(row_counts(&db), before, "rows were lost");
    assert_eq!(
        db.column("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'public.film'::regclass AND attname = 'length'"),
        ["integer"]
    );
    // The views dropped and recreated around the type change read the same.
    assert_eq!(db.column(views), views_before);
}
