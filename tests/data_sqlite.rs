//! Data survives migrations: tables with rows, and ON DELETE CASCADE children,
//! go through changes that force SQLite table rebuilds. Every row that should
//! remain does, with its values.

mod common;
use common::*;

const BEFORE: &str = r#"
schema "main" {}

table "authors" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "name" {
    type = text
    null = true
  }
  column "age" {
    type = text
  }
  column "nickname" {
    type = text
    null = true
  }
  primary_key {
    columns = [column.id]
  }
}

table "books" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "author_id" {
    type = integer
  }
  column "title" {
    type = text
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "books_author" {
    columns     = [column.author_id]
    ref_columns = [table.authors.column.id]
    on_delete   = CASCADE
  }
  index "books_title" {
    columns = [column.title]
  }
}

table "reviews" {
  schema = schema.main
  column "book_id" {
    type = integer
  }
  column "stars" {
    type = integer
  }
  foreign_key "reviews_book" {
    columns     = [column.book_id]
    ref_columns = [table.books.column.id]
    on_delete   = CASCADE
  }
}
"#;

/// The parent changes type, gains NOT NULL with a default, loses a column and
/// renames one; the child table is renamed and its column renamed too.
const AFTER: &str = r#"
schema "main" {}

table "writers" {
  schema       = schema.main
  renamed_from = "authors"
  column "id" {
    type = integer
  }
  column "full_name" {
    type         = varchar(200)
    renamed_from = "name"
    default      = "unknown"
  }
  column "age" {
    type = integer
  }
  primary_key {
    columns = [column.id]
  }
}

table "books" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "author_id" {
    type = integer
  }
  column "title" {
    type = varchar(300)
  }
  column "pages" {
    type    = integer
    default = 100
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "books_author" {
    columns     = [column.author_id]
    ref_columns = [table.writers.column.id]
    on_delete   = CASCADE
  }
  index "books_title" {
    columns = [column.title]
  }
}

table "reviews" {
  schema = schema.main
  column "book_id" {
    type = integer
  }
  column "rating" {
    type         = integer
    renamed_from = "stars"
  }
  foreign_key "reviews_book" {
    columns     = [column.book_id]
    ref_columns = [table.books.column.id]
    on_delete   = CASCADE
  }
}
"#;

#[test]
fn rows_and_cascade_children_survive_rebuilds_and_renames() {
    let s = Scratch::new();
    s.write("before.hcl", BEFORE);
    s.write("after.hcl", AFTER);
    let db = s.db_url("app.db");
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        "file://before.hcl",
        "--auto-approve",
    ])
    .ok();
    s.sqlite("app.db")
        .execute_batch(
            "PRAGMA foreign_keys = on;
             INSERT INTO authors VALUES (1, 'Ann', '41', 'a'), (2, NULL, '52', NULL);
             INSERT INTO books VALUES (10, 1, 'First'), (11, 1, 'Second'), (20, 2, 'Third');
             INSERT INTO reviews VALUES (10, 5), (10, 4), (11, 3), (20, 1);",
        )
        .unwrap();

    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        "file://after.hcl",
        "--auto-approve",
    ]);
    r.ok();
    // The plan renames rather than dropping and re-adding.
    assert!(
        r.stdout
            .contains("ALTER TABLE \"authors\" RENAME TO \"writers\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("RENAME COLUMN \"stars\" TO \"rating\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("DS103"),
        "dropping nickname is flagged: {}",
        r.stdout
    );

    let conn = s.sqlite("app.db");
    assert_eq!(tables(&conn), ["books", "reviews", "writers"]);
    assert_eq!(
        column(
            &conn,
            "SELECT id || ':' || full_name || ':' || typeof(age) || age FROM writers ORDER BY id"
        ),
        ["1:Ann:integer41", "2:unknown:integer52"],
        "NULL names got the default, ages were converted to integers"
    );
    assert_eq!(
        column(
            &conn,
            "SELECT id || ':' || author_id || ':' || title || ':' || pages FROM books ORDER BY id"
        ),
        ["10:1:First:100", "11:1:Second:100", "20:2:Third:100"]
    );
    assert_eq!(
        column(
            &conn,
            "SELECT book_id || ':' || rating FROM reviews ORDER BY 1"
        ),
        ["10:4", "10:5", "11:3", "20:1"]
    );
    // The foreign keys still hold and still cascade.
    assert_eq!(
        column(&conn, "SELECT count(*) FROM pragma_foreign_key_check"),
        ["0"]
    );
    conn.execute_batch("PRAGMA foreign_keys = on; DELETE FROM writers WHERE id = 1;")
        .unwrap();
    assert_eq!(column(&conn, "SELECT id FROM books ORDER BY id"), ["20"]);
    assert_eq!(column(&conn, "SELECT book_id FROM reviews"), ["20"]);
    // The index survived the rebuild of its table.
    assert_eq!(
        column(
            &conn,
            "SELECT name FROM pragma_index_list('books') WHERE origin = 'c'"
        ),
        ["books_title"]
    );

    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        "file://after.hcl",
        "--auto-approve",
    ]);
    r.ok();
    assert!(
        r.stdout.contains("nothing to do"),
        "re-plan after the migration: {}",
        r.stdout
    );
}

#[test]
fn rebuild_scripts_switch_foreign_keys_off_around_the_drops() {
    // A printed plan must be safe to run by hand too: enforcement is off before
    // the first DROP TABLE (so nothing cascades) and back on after the plan.
    let s = Scratch::new();
    s.write("before.hcl", BEFORE);
    s.write("after.hcl", AFTER);
    let db = s.db_url("app.db");
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        "file://before.hcl",
        "--auto-approve",
    ])
    .ok();
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &db,
        "--to",
        "file://after.hcl",
        "--dry-run",
    ]);
    r.ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    let off = lines
        .iter()
        .position(|l| *l == "PRAGMA foreign_keys = off;")
        .expect("off before the plan");
    let on = lines
        .iter()
        .position(|l| *l == "PRAGMA foreign_keys = on;")
        .expect("on after it");
    let first_drop = lines
        .iter()
        .position(|l| l.starts_with("DROP TABLE"))
        .unwrap();
    assert!(off < first_drop && first_drop < on);
}

/// AUTOINCREMENT promises never to hand out an id twice. A rebuild copies the
/// rows into a new table, whose counter would restart at the highest id left;
/// after deleting the newest row, that id came back.
#[test]
fn a_rebuild_keeps_the_autoincrement_counter() {
    let table = |name_null: bool| {
        format!(
            r#"
schema "main" {{}}

table "users" {{
  schema = schema.main
  column "id" {{
    type           = integer
    auto_increment = true
  }}
  column "name" {{
    type = text
    null = {name_null}
  }}
  primary_key {{
    columns = [column.id]
  }}
}}
"#
        )
    };
    let s = Scratch::new();
    s.write("before.hcl", &table(false));
    s.write("after.hcl", &table(true));
    let db = s.db_url("app.db");
    let apply = |file: &str| {
        s.strata(&[
            "schema",
            "apply",
            "--url",
            &db,
            "--to",
            file,
            "--auto-approve",
        ])
    };
    apply("file://before.hcl").ok();
    s.sqlite("app.db")
        .execute_batch(
            "INSERT INTO users (name) VALUES ('a'), ('b'), ('c');
             DELETE FROM users WHERE id = 3;",
        )
        .unwrap();

    let r = apply("file://after.hcl");
    r.ok();
    assert!(
        r.stdout.contains("CREATE TABLE \"_strata_new_users\""),
        "{}",
        r.stdout
    );

    let conn = s.sqlite("app.db");
    conn.execute("INSERT INTO users (name) VALUES ('d')", [])
        .unwrap();
    assert_eq!(
        column(&conn, "SELECT id || ':' || name FROM users ORDER BY id"),
        ["1:a", "2:b", "4:d"]
    );
    assert_eq!(
        column(&conn, "SELECT name || ':' || seq FROM sqlite_sequence"),
        ["users:4"]
    );
}
