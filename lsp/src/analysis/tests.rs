//! Fixture tests for every analysis feature: `//- /path` starts a file, `$0`
//! marks the cursor.

use super::completion::{completion, ItemKind, MAX_ITEMS};
use super::diagnostics::diagnostics;
use super::fixture::fixture;
use super::format::format;
use super::hover::hover;
use super::inlay::inlay_hints;
use super::nav::{goto_definition, highlight, prepare_rename, references, rename};
use super::semantic::{semantic_tokens, SemKind};
use super::symbols::{document_symbols, folding_ranges, workspace_symbols};
use super::*;
use std::collections::HashMap;
use strata_core::Severity;

const USERS_SQL: &str = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL UNIQUE\n);\nCREATE INDEX users_email_idx ON users (email);\n";

fn messages(fx: &fixture::Fixture, file: &str) -> Vec<String> {
    diagnostics(&fx.a, fx.file(file))
        .into_iter()
        .map(|d| d.message)
        .collect()
}

/// The text a range covers.
fn at(fx: &fixture::Fixture, f: FileId, r: &std::ops::Range<usize>) -> String {
    fx.text(f)[r.clone()].to_string()
}

fn labels(fx: &fixture::Fixture) -> Vec<String> {
    let (f, o) = fx.pos();
    completion(&fx.a, f, o)
        .map(|c| c.items.into_iter().map(|i| i.label).collect())
        .unwrap_or_default()
}

// ----- diagnostics -----

#[test]
fn unresolved_column_reference_points_at_the_name() {
    let fx = fixture(
        r#"
        schema "main" {}
        table "t" {
          schema = schema.main
          column "a" {
            type = integer
          }
          primary_key {
            columns = [column.b]
          }
        }
        "#,
    );
    let f = fx.file("/ws/schema.hcl");
    let d = diagnostics(&fx.a, f);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].message, "table `t` has no column `b`");
    assert_eq!(at(&fx, f, &d[0].range), "b");
    assert_eq!(d[0].severity, Severity::Error);
}

#[test]
fn hcl_resolves_tables_defined_in_sql_and_sql_resolves_hcl() {
    let fx = fixture(&format!(
        r#"
        //- /ws/users.sql
        {USERS_SQL}
        //- /ws/comments.sql
        CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER REFERENCES posts (id));
        //- /ws/posts.hcl
        schema "main" {{}}
        table "posts" {{
          schema = schema.main
          column "id" {{
            type = integer
          }}
          column "author_id" {{
            type = integer
          }}
          primary_key {{
            columns = [column.id]
          }}
          foreign_key "author" {{
            columns     = [column.author_id]
            ref_columns = [table.users.column.id]
          }}
          index "by_author" {{
            columns = [column.author_id]
          }}
        }}
        "#
    ));
    for f in ["/ws/users.sql", "/ws/comments.sql", "/ws/posts.hcl"] {
        assert_eq!(messages(&fx, f), Vec::<String>::new(), "{f}");
    }
}

#[test]
fn unresolved_table_suggests_a_close_name() {
    let fx = fixture(&format!(
        r#"
        //- /ws/users.sql
        {USERS_SQL}
        //- /ws/a.hcl
        table "posts" {{
          column "uid" {{
            type = integer
          }}
          foreign_key "f" {{
            columns     = [column.uid]
            ref_columns = [table.user.column.id]
          }}
        }}
        "#
    ));
    let d = diagnostics(&fx.a, fx.file("/ws/a.hcl"));
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].message, "table `user` is not defined");
    assert_eq!(d[0].help.as_deref(), Some("did you mean `users`?"));
}

#[test]
fn unknown_type_is_flagged_with_a_suggestion() {
    let fx = fixture(
        r#"
        table "t" {
          column "a" {
            type = integr
          }
          column "b" {
            type = sql("my custom type")
          }
          column "c" {
            type = varchar(10)
          }
        }
        "#,
    );
    let d = diagnostics(&fx.a, fx.file("/ws/schema.hcl"));
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].message, "`integr` is not a sqlite type");
    assert_eq!(d[0].severity, Severity::Warning);
    assert!(d[0].help.as_deref().unwrap().contains("integer"));
}

#[test]
fn postgres_suffix_picks_the_dialect() {
    let fx = fixture(
        r#"
        //- /ws/s.pg.hcl
        table "t" {
          column "a" {
            type = jsonb
          }
          column "b" {
            type = blobby
          }
        }
        "#,
    );
    let d = diagnostics(&fx.a, fx.file("/ws/s.pg.hcl"));
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].message, "`blobby` is not a postgres type");
    assert_eq!(d[0].severity, Severity::Error);
}

#[test]
fn duplicate_tables_across_files_and_formats() {
    let fx = fixture(&format!(
        r#"
        //- /ws/a.sql
        {USERS_SQL}
        //- /ws/b.hcl
        table "users" {{
          column "id" {{
            type = integer
          }}
        }}
        "#
    ));
    assert!(messages(&fx, "/ws/a.sql").is_empty());
    let d = diagnostics(&fx.a, fx.file("/ws/b.hcl"));
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].message, "table or view `users` is defined twice");
    assert_eq!(d[0].related[0].0.file, fx.file("/ws/a.sql"));
}

#[test]
fn fk_column_types_must_match() {
    let fx = fixture(&format!(
        r#"
        //- /ws/users.sql
        {USERS_SQL}
        //- /ws/a.hcl
        table "posts" {{
          column "uid" {{
            type = text
          }}
          foreign_key "posts_user" {{
            columns     = [column.uid]
            ref_columns = [table.users.column.id]
          }}
        }}
        "#
    ));
    let d = diagnostics(&fx.a, fx.file("/ws/a.hcl"));
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].code, "fk-type-mismatch");
    assert_eq!(
        d[0].message,
        "`posts.uid` is `text` but references `users.id`, which is `integer`"
    );
}

#[test]
fn syntax_error_in_one_block_keeps_the_others() {
    let fx = fixture(
        r#"
        table "a" {
          column "x" {
            type =
        }
        table "b" {
          column "y" {
            type = int
          }
          primary_key {
            columns = [column.y]
          }
        }
        "#,
    );
    let f = fx.file("/ws/schema.hcl");
    let d = diagnostics(&fx.a, f);
    assert!(d.iter().any(|d| d.code == "syntax"), "{d:?}");
    assert!(d.iter().all(|d| d.code == "syntax"), "{d:?}");
    // The broken table still defines its name for references and symbols.
    let names: Vec<String> = document_symbols(&fx.a, f)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, vec!["a", "b"]);
}

#[test]
fn unknown_attribute_comes_from_core() {
    let fx = fixture(
        r#"
        table "t" {
          column "a" {
            type   = int
            colour = "red"
          }
        }
        "#,
    );
    assert_eq!(
        messages(&fx, "/ws/schema.hcl"),
        vec!["unknown attribute `colour` in `column` block"]
    );
}

#[test]
fn ambiguous_table_reference() {
    let fx = fixture(
        r#"
        schema "a" {}
        schema "b" {}
        schema "c" {}
        table "t" {
          schema = schema.a
          column "id" {
            type = int
          }
        }
        table "t" {
          schema = schema.b
          column "id" {
            type = int
          }
        }
        table "u" {
          schema = schema.c
          column "t_id" {
            type = int
          }
          foreign_key "f" {
            columns     = [column.t_id]
            ref_columns = [table.t.column.id]
          }
        }
        "#,
    );
    let m = messages(&fx, "/ws/schema.hcl");
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(m[0].starts_with("`t` is ambiguous"), "{m:?}");
}

// ----- incremental analysis -----

#[test]
fn an_edit_reparses_only_the_chunk_it_touches() {
    let mut fx = fixture(
        r#"
        table "a" {
          column "x" {
            type = int
          }
        }

        table "b" {
          column "y" {
            type = int
          }
        }
        "#,
    );
    let f = fx.file("/ws/schema.hcl");
    let before = fx.a.file(f).unwrap().chunks.clone();
    let text = fx.text(f).replace("\"y\"", "\"why\"");
    fx.ws.set_text(f, Arc::from(text));
    let after = fx.ws.snapshot();
    let chunks = &after.file(f).unwrap().chunks;
    assert!(
        Arc::ptr_eq(&before[0].data, &chunks[0].data),
        "chunk a was re-parsed"
    );
    assert!(!Arc::ptr_eq(&before[1].data, &chunks[1].data));
    // An edit above shifts chunk b without re-parsing it.
    let text = format!("\n\n{}", after.file(f).unwrap().text);
    fx.ws.set_text(f, Arc::from(text));
    let shifted = fx.ws.snapshot();
    let c2 = &shifted.file(f).unwrap().chunks;
    assert!(Arc::ptr_eq(&chunks[1].data, &c2[1].data));
    assert_eq!(c2[1].base, chunks[1].base + 2);
}

const SQL_FILE: &str = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL\n);\n\nCREATE INDEX users_email ON users (email);\n\n-- posts\nCREATE TABLE posts (\n  id INTEGER PRIMARY KEY,\n  author INTEGER REFERENCES users (id)\n);\n\nCREATE TABLE tags (\n  id INTEGER PRIMARY KEY,\n  label TEXT\n);\n";

/// The line (0-based) of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count()
}

#[test]
fn an_edit_in_one_sql_statement_reanalyzes_only_that_statement() {
    let mut ws = Workspace::new();
    let f = ws.set_file("/ws/s.sql", Arc::from(SQL_FILE), FileOpts::default());
    let a = ws.snapshot();
    let before = a.file(f).unwrap().chunks.clone();
    assert_eq!(before.len(), 4, "one chunk per statement");
    let start = ws.stats();
    assert_eq!(start.analyzed, 4);

    // Rename a column of `posts`: one statement changed.
    let text = SQL_FILE.replace("author INTEGER", "writer INTEGER");
    ws.set_text(f, Arc::from(text.as_str()));
    let a = ws.snapshot();
    let after = a.file(f).unwrap().chunks.clone();
    let st = ws.stats();
    assert_eq!(st.analyzed - start.analyzed, 1, "{st:?}");
    assert_eq!(
        st.windowed - start.windowed,
        1,
        "the edit took the incremental path"
    );
    for i in [0, 1, 3] {
        assert!(
            Arc::ptr_eq(&before[i].data, &after[i].data),
            "statement {i} was analyzed again"
        );
    }
    assert!(!Arc::ptr_eq(&before[2].data, &after[2].data));
    assert!(a
        .file(f)
        .unwrap()
        .defs()
        .any(|(_, d, _)| d.name == "writer"));

    // Typing a character at a time into `tags` re-reads `tags` only, and the
    // statements after the edit are shifted, not re-read.
    let mut text = text;
    let at = text.find("label TEXT").unwrap() + "label".len();
    let st0 = ws.stats();
    for (k, ch) in "_name".chars().enumerate() {
        text.insert(at + k, ch);
        ws.set_text(f, Arc::from(text.as_str()));
        ws.snapshot();
    }
    let st = ws.stats();
    assert_eq!(st.analyzed - st0.analyzed, 5, "{st:?}");
    let a = ws.snapshot();
    let now = &a.file(f).unwrap().chunks;
    assert!(Arc::ptr_eq(&after[2].data, &now[2].data));
    assert!(a
        .file(f)
        .unwrap()
        .defs()
        .any(|(_, d, _)| d.name == "label_name"));

    // Inserting lines above shifts every statement after them.
    let text = format!("-- header\n\n{text}");
    ws.set_text(f, Arc::from(text.as_str()));
    let a = ws.snapshot();
    let shifted = &a.file(f).unwrap().chunks;
    assert_eq!(
        ws.stats().analyzed - st.analyzed,
        1,
        "only the first chunk holds the header"
    );
    assert!(Arc::ptr_eq(&now[3].data, &shifted[3].data));
    assert_eq!(shifted[3].base, now[3].base + "-- header\n\n".len());
}

#[test]
fn closing_a_quote_reuses_the_statements_it_swallowed() {
    let mut ws = Workspace::new();
    let f = ws.set_file("/ws/s.sql", Arc::from(SQL_FILE), FileOpts::default());
    ws.snapshot();
    let at = SQL_FILE.find("email TEXT").unwrap() + "email TEXT".len();
    // An opening quote runs to the end of the file: one chunk.
    let mut text = SQL_FILE.to_string();
    text.insert(at, '\'');
    ws.set_text(f, Arc::from(text.as_str()));
    let a = ws.snapshot();
    assert_eq!(a.file(f).unwrap().chunks.len(), 1);
    let st = ws.stats();
    // Closing it brings the statements back without reading them again.
    text.insert(at, '\'');
    ws.set_text(f, Arc::from(text.as_str()));
    let a = ws.snapshot();
    assert_eq!(a.file(f).unwrap().chunks.len(), 4);
    assert_eq!(ws.stats().analyzed - st.analyzed, 1, "{:?}", ws.stats());
}

#[test]
fn a_half_typed_sql_statement_keeps_the_tables_around_it() {
    let broken = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT\n);\nCREATE TABLE drafts (id INTEGER, body\nCREATE TABLE posts (\n  id INTEGER PRIMARY KEY,\n  author INTEGER REFERENCES users (id)\n);\n";
    let hcl = "table \"likes\" {\n  column \"post\" {\n    type = integer\n  }\n  foreign_key \"f\" {\n    columns     = [column.post]\n    ref_columns = [table.posts.column.id]\n  }\n}\n";
    // Typed into a file that was fine (the incremental path), and read whole.
    let fine = broken.replace("CREATE TABLE drafts (id INTEGER, body\n", "");
    for incremental in [true, false] {
        let mut ws = Workspace::new();
        let first = if incremental { fine.as_str() } else { broken };
        let f = ws.set_file("/ws/s.sql", Arc::from(first), FileOpts::default());
        let h = ws.set_file("/ws/likes.hcl", Arc::from(hcl), FileOpts::default());
        ws.snapshot();
        if incremental {
            ws.set_text(f, Arc::from(broken));
        }
        let a = ws.snapshot();
        assert_eq!(ws.stats().windowed, usize::from(incremental));
        // Before it: `users` resolves from the statement after it.
        let at_users = broken.find("REFERENCES users").unwrap() + "REFERENCES u".len();
        let t = goto_definition(&a, f, at_users);
        assert_eq!(t.len(), 1, "{incremental}");
        assert_eq!(line_of(broken, t[0].focus_range.start), 0);
        let md = hover(&a, f, at_users).expect("hover on users").markdown;
        assert!(md.contains("| email | text |"), "{md}");
        // After it: `posts` and its columns resolve from HCL.
        let at_posts = hcl.find("table.posts").unwrap() + "table.p".len();
        let t = goto_definition(&a, h, at_posts);
        assert_eq!(t.len(), 1, "{incremental}");
        assert_eq!(&broken[t[0].focus_range.clone()], "posts");
        let md = hover(&a, h, at_posts).expect("hover on posts").markdown;
        assert!(md.contains("| author | integer |"), "{md}");
        assert!(diagnostics(&a, h).is_empty(), "{:?}", diagnostics(&a, h));
        // The statement being typed defines its table and columns so far.
        let drafts = a.lookup_relation(None, "drafts", "main").expect("drafts");
        let cols: Vec<&str> = a
            .children(drafts[0].loc)
            .map(|(_, d)| d.name.as_str())
            .collect();
        assert_eq!(cols, ["id", "body"]);
        // The one problem is on the broken statement's line.
        let d = diagnostics(&a, f);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, "sql-parse");
        assert_eq!(line_of(broken, d[0].range.start), 4, "{d:?}");
    }
}

#[test]
fn a_half_typed_trigger_body_keeps_the_tables_after_it() {
    let text = "CREATE TABLE a (id INTEGER);\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET id = NEW.id;\nCREATE TABLE b (id INTEGER, a_id INTEGER REFERENCES a (id));\nCREATE INDEX b_a ON b (a_id);\n";
    let mut ws = Workspace::new();
    let f = ws.set_file("/ws/s.sql", Arc::from(text), FileOpts::default());
    let a = ws.snapshot();
    // Without the cut, BEGIN … (no END) would run to the end of the file.
    let ranges: Vec<&str> = a
        .file(f)
        .unwrap()
        .chunks
        .iter()
        .map(|c| &text[c.range()])
        .collect();
    assert_eq!(ranges.len(), 4, "{ranges:?}");
    assert!(ranges[2].starts_with("CREATE TABLE b"));
    let b = a.lookup_relation(None, "b", "main").expect("b is defined");
    let kids: Vec<&str> = a.children(b[0].loc).map(|(_, d)| d.name.as_str()).collect();
    assert_eq!(kids, ["id", "a_id", "b_a"]);
    let t = goto_definition(
        &a,
        f,
        text.find("REFERENCES a").unwrap() + "REFERENCES ".len(),
    );
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].focus_range, 13..14);
}

#[test]
fn sql_statements_that_add_to_a_table_are_merged_into_it() {
    let fx = fixture(
        r#"
        //- /ws/s.sql
        CREATE TABLE users (id INTEGER PRIMARY KEY);
        CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER, FOREIGN KEY (author) REFERENCES users (id));
        ALTER TABLE users ADD COLUMN email TEXT;
        CREATE INDEX posts_author ON posts (author);
        //- /ws/a.hcl
        table "t" {
          column "e" {
            type = text
          }
          foreign_key "f" {
            columns     = [column.e]
            ref_columns = [table.users.column.em$0ail]
          }
        }
        "#,
    );
    let (h, o) = fx.pos();
    // A column added by ALTER TABLE resolves, and its definition is the ALTER.
    let t = goto_definition(&fx.a, h, o);
    assert_eq!(t.len(), 1);
    let s = fx.file("/ws/s.sql");
    assert_eq!(at(&fx, s, &t[0].focus_range), "email");
    assert!(at(&fx, s, &t[0].full_range).starts_with("ALTER TABLE users"));
    assert!(messages(&fx, "/ws/a.hcl").is_empty());
    // The table's hover shows it, and the index of another statement.
    let text = fx.text(s);
    let users = hover(&fx.a, s, text.find("users").unwrap())
        .unwrap()
        .markdown;
    assert!(users.contains("| email | text |"), "{users}");
    let posts = hover(&fx.a, s, text.find("posts").unwrap())
        .unwrap()
        .markdown;
    assert!(
        posts.contains("**index** `posts_author` (author)"),
        "{posts}"
    );
    // The FK is covered by that index: no warning.
    let hints = inlay_hints(&fx.a, s, 0..text.len());
    assert!(hints.iter().all(|h| !h.warning), "{hints:?}");
    // Without the index, the warning comes back.
    let mut ws = Workspace::new();
    let f = ws.set_file(
        "/ws/s.sql",
        Arc::from(text.replace("CREATE INDEX posts_author ON posts (author);", "")),
        FileOpts::default(),
    );
    let a = ws.snapshot();
    assert!(inlay_hints(&a, f, 0..text.len()).iter().any(|h| h.warning));
}

/// Incremental re-splitting of SQL must agree with splitting the whole file,
/// whatever the edit: quotes, comments, dollar quotes, delimiters, trigger bodies.
#[test]
fn incremental_sql_statements_match_a_full_split_under_random_edits() {
    let base = "CREATE TABLE a (x INT, y TEXT DEFAULT 'a;b');\n-- note; with a semicolon\nCREATE TABLE b (\n  id INTEGER PRIMARY KEY, /* c; */\n  a_x INT REFERENCES a (x)\n);\n\nCREATE INDEX b_a ON b (a_x);\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET a_x = NEW.x;\nEND;\nCREATE VIEW v AS SELECT * FROM a;\n";
    let wild = [
        "'",
        ";",
        "\n",
        "x",
        "/*",
        "*/",
        "--",
        "\"",
        "(",
        ")",
        "BEGIN ",
        "END",
        "$$",
        "[",
        " ",
        "CREATE TABLE z (",
        "\nCREATE TABLE q (i INT);\n",
    ];
    let tame = [
        "x",
        " ",
        "\n",
        "\nCREATE TABLE z (i INT);\n",
        "-- c\n",
        ", k INT",
    ];
    for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
        let mut ws = Workspace::new();
        ws.set_default_dialect(dialect);
        let f = ws.set_file("/ws/s.sql", Arc::from(base), FileOpts::default());
        ws.snapshot();
        let mut text = base.to_string();
        let mut seed: u64 = 0x9E3779B97F4A7C15;
        let mut next = |m: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % m as u64) as usize
        };
        for step in 0..1500 {
            let at = next(text.len() + 1);
            if next(3) == 0 && at < text.len() {
                let len = (1 + next(4)).min(text.len() - at);
                text.replace_range(at..at + len, "");
            } else {
                let pieces: &[&str] = if step % 100 < 50 { &wild } else { &tame };
                text.insert_str(at, pieces[next(pieces.len())]);
            }
            if step % 60 == 59 {
                text = base.to_string();
            }
            ws.set_text(f, Arc::from(text.as_str()));
            let a = ws.snapshot();
            let file = a.file(f).unwrap();
            let got: Vec<_> = file
                .chunks
                .iter()
                .map(|c| (c.range(), c.complete))
                .collect();
            assert_eq!(
                got,
                sql::chunks(&text, dialect),
                "{dialect:?} step {step}: {text:?}"
            );
            for c in &file.chunks {
                let fresh = sql::analyze(&Arc::from("/ws/s.sql"), &text[c.range()], dialect);
                assert_eq!(fresh.defs.len(), c.data.defs.len(), "step {step}");
                assert_eq!(fresh.refs.len(), c.data.refs.len(), "step {step}");
            }
        }
        assert!(ws.stats().windowed > 300, "{dialect:?}: {:?}", ws.stats());
    }
}

#[test]
fn hover_on_block_and_attribute_names_shows_the_vocabulary() {
    let md = |src: &str| {
        let fx = fixture(src);
        let (f, o) = fx.pos();
        hover(&fx.a, f, o).map(|h| h.markdown)
    };
    let h = md("table \"t\" {\n  with$0out_rowid = true\n}\n").unwrap();
    assert!(h.starts_with("**without_rowid** — sqlite attribute"), "{h}");
    assert!(h.contains("WITHOUT ROWID"), "{h}");
    let h = md("//- /ws/s.pg.hcl\ntable \"t\" {\n  column \"id\" {\n    type = int\n    iden$0tity {\n    }\n  }\n}\n").unwrap();
    assert!(h.starts_with("**identity** — postgres block"), "{h}");
    // Another dialect's attribute is no vocabulary of this one.
    assert_eq!(md("table \"t\" {\n  unlog$0ged = true\n}\n"), None);
}

// ----- completion -----

#[test]
fn completes_top_level_blocks_with_snippets() {
    let fx = fixture("ta$0\n");
    let (f, o) = fx.pos();
    let c = completion(&fx.a, f, o).unwrap();
    assert_eq!(c.items[0].label, "table");
    assert!(c.items[0].snippet);
    assert!(c.items[0].insert.starts_with("table \"${1:name}\" {"));
    assert_eq!(c.range, 0..2);
}

#[test]
fn completes_attributes_and_blocks_inside_a_table_while_it_is_unclosed() {
    let fx = fixture(
        r#"
        table "t" {
          column "a" {
            type = int
          }
          $0
        "#,
    );
    let l = labels(&fx);
    for want in [
        "column",
        "primary_key",
        "index",
        "foreign_key",
        "schema",
        "strict",
    ] {
        assert!(l.contains(&want.to_string()), "{want} missing from {l:?}");
    }
    assert!(!l.contains(&"type".to_string()));
}

#[test]
fn postgres_files_offer_postgres_blocks_and_attributes() {
    let has = |src: &str, want: &[&str], not: &[&str]| {
        let fx = fixture(src);
        let l = labels(&fx);
        for w in want {
            assert!(l.contains(&w.to_string()), "{w} missing from {l:?}");
        }
        for n in not {
            assert!(!l.contains(&n.to_string()), "{n} offered in {l:?}");
        }
    };
    has(
        "//- /ws/schema.pg.hcl\n$0\n",
        &[
            "table",
            "enum",
            "sequence",
            "materialized",
            "function",
            "policy",
        ],
        &[],
    );
    has(
        "//- /ws/schema.hcl\n$0\n",
        &["table"],
        &["sequence", "enum"],
    );
    has(
        "//- /ws/schema.pg.hcl\ntable \"t\" {\n  column \"id\" {\n    type = int\n    $0\n  }\n}\n",
        &["identity", "null"],
        &[],
    );
    has(
        "//- /ws/schema.pg.hcl\ntable \"t\" {\n  column \"id\" {\n    type = int\n    identity {\n      $0\n    }\n  }\n}\n",
        &["generated", "start", "increment", "cycle"],
        &[],
    );
    has(
        "//- /ws/schema.pg.hcl\nsequence \"s\" {\n  $0\n}\n",
        &["owner", "start", "min_value", "type"],
        &[],
    );
    has(
        "//- /ws/schema.pg.hcl\ntable \"t\" {\n  $0\n}\n",
        &["exclude", "unlogged", "row_security", "partition"],
        &["strict"],
    );
}

#[test]
fn does_not_offer_attributes_already_set() {
    let fx = fixture(
        r#"
        table "t" {
          column "a" {
            type = int
            n$0
          }
        }
        "#,
    );
    let l = labels(&fx);
    assert_eq!(l[0], "null");
    assert!(!l.contains(&"type".to_string()));
}

#[test]
fn completes_types_after_type_eq() {
    let fx = fixture(
        r#"
        table "t" {
          column "a" {
            type = $0
          }
        }
        "#,
    );
    let (f, o) = fx.pos();
    let c = completion(&fx.a, f, o).unwrap();
    let names: Vec<&str> = c.items.iter().map(|i| i.label.as_str()).collect();
    assert!(names.contains(&"integer") && names.contains(&"varchar") && names.contains(&"sql"));
    let varchar = c.items.iter().find(|i| i.label == "varchar").unwrap();
    assert_eq!(varchar.insert, "varchar(${1:255})");
    assert_eq!(varchar.kind, ItemKind::Type);
}

#[test]
fn type_completion_ranks_prefix_matches_first() {
    let fx = fixture(
        r#"
        table "t" {
          column "a" {
            type = te$0
          }
        }
        "#,
    );
    assert_eq!(labels(&fx)[0], "text");
}

#[test]
fn completes_own_columns_after_column_dot() {
    let fx = fixture(
        r#"
        table "t" {
          column "id" {
            type = int
          }
          column "email" {
            type = text
          }
          index "i" {
            columns = [column.$0]
          }
        }
        "#,
    );
    assert_eq!(labels(&fx), vec!["id", "email"]);
}

#[test]
fn completes_tables_from_sql_and_their_columns() {
    let fx = fixture(&format!(
        r#"
        //- /ws/users.sql
        {USERS_SQL}
        //- /ws/a.hcl
        table "posts" {{
          column "uid" {{
            type = int
          }}
          foreign_key "f" {{
            columns     = [column.uid]
            ref_columns = [table.$0]
          }}
        }}
        "#
    ));
    assert_eq!(labels(&fx), vec!["users", "posts"]);
    let fx = fixture(&format!(
        r#"
        //- /ws/users.sql
        {USERS_SQL}
        //- /ws/a.hcl
        table "posts" {{
          foreign_key "f" {{
            ref_columns = [table.users.column.$0]
          }}
        }}
        "#
    ));
    assert_eq!(labels(&fx), vec!["id", "email"]);
}

#[test]
fn completes_tables_and_columns_after_sql_references() {
    let fx = fixture(
        r#"
        //- /ws/a.hcl
        table "users" {
          column "id" {
            type = int
          }
          column "name" {
            type = text
          }
        }
        //- /ws/b.sql
        CREATE TABLE posts (id INTEGER, uid INTEGER REFERENCES us$0
        "#,
    );
    assert_eq!(labels(&fx), vec!["users"]);
    let fx = fixture(
        r#"
        //- /ws/a.hcl
        table "users" {
          column "id" {
            type = int
          }
        }
        //- /ws/b.sql
        CREATE TABLE posts (id INTEGER, uid INTEGER REFERENCES users ($0
        "#,
    );
    assert_eq!(labels(&fx), vec!["id"]);
}

#[test]
fn completion_is_capped_and_marked_incomplete() {
    let mut src = String::new();
    for i in 0..150 {
        src.push_str(&format!(
            "table \"t{i}\" {{\n  column \"id\" {{\n    type = int\n  }}\n}}\n"
        ));
    }
    src.push_str("table \"x\" {\n  foreign_key \"f\" {\n    ref_columns = [table.$0]\n  }\n}\n");
    let fx = fixture(&src);
    let (f, o) = fx.pos();
    let c = completion(&fx.a, f, o).unwrap();
    assert_eq!(c.items.len(), MAX_ITEMS);
    assert!(c.incomplete);
}

#[test]
fn completes_env_attributes_and_schema_files_in_the_project_file() {
    let fx = fixture(
        r#"
        //- /ws/schema.hcl
        table "t" {
          column "id" {
            type = int
          }
        }
        //- /ws/strata.hcl
        env "local" {
          u$0
        }
        "#,
    );
    assert_eq!(labels(&fx)[0], "url");
    let fx = fixture(
        r#"
        //- /ws/schema.hcl
        table "t" {
          column "id" {
            type = int
          }
        }
        //- /ws/strata.hcl
        env "local" {
          src = [$0]
        }
        "#,
    );
    assert_eq!(labels(&fx), vec!["\"file://schema.hcl\""]);
}

#[test]
fn completes_env_names_not_taken() {
    let fx = fixture(
        r#"
        //- /ws/strata.hcl
        env "local" {
          url = "sqlite://a.db"
        }
        env "$0" {
        }
        "#,
    );
    assert_eq!(labels(&fx), vec!["dev", "test", "staging", "prod"]);
}

#[test]
fn no_completion_inside_a_label() {
    let fx = fixture("table \"us$0\" {\n}\n");
    assert!(labels(&fx).is_empty());
}

// ----- hover -----

#[test]
fn hover_on_a_table_shows_columns_indexes_and_its_sql() {
    let fx = fixture(
        r#"
        table "us$0ers" {
          column "id" {
            type = integer
          }
          column "email" {
            type = varchar(255)
            null = true
          }
          primary_key {
            columns = [column.id]
          }
          index "users_email" {
            unique  = true
            columns = [column.email]
          }
        }
        "#,
    );
    let (f, o) = fx.pos();
    let h = hover(&fx.a, f, o).unwrap();
    assert_eq!(at(&fx, f, &h.range), "users");
    let md = h.markdown;
    assert!(md.contains("| email | varchar(255) | NULL |"), "{md}");
    assert!(
        md.contains("**unique index** `users_email` (email)"),
        "{md}"
    );
    assert!(md.contains("CREATE TABLE \"users\""), "{md}");
    assert!(
        md.contains("CREATE UNIQUE INDEX \"users_email\" ON \"users\" (\"email\");"),
        "{md}"
    );
}

#[test]
fn hover_on_a_column_reference_across_formats() {
    let fx = fixture(&format!(
        r#"
        //- /ws/users.sql
        {USERS_SQL}
        //- /ws/a.hcl
        table "posts" {{
          column "uid" {{
            type = integer
          }}
          foreign_key "f" {{
            columns     = [column.uid]
            ref_columns = [table.users.column.e$0mail]
          }}
        }}
        "#
    ));
    let (f, o) = fx.pos();
    let h = hover(&fx.a, f, o).unwrap();
    assert!(
        h.markdown
            .starts_with("**column** `users.email` `text` NOT NULL"),
        "{}",
        h.markdown
    );
    assert!(
        h.markdown.contains("`users_email_idx` (email)"),
        "{}",
        h.markdown
    );
    assert!(
        h.markdown.contains("\"email\" text NOT NULL"),
        "{}",
        h.markdown
    );
}

#[test]
fn hover_shows_foreign_keys_pointing_in() {
    let fx = fixture(
        r#"
        //- /ws/users.sql
        CREATE TABLE users (i$0d INTEGER PRIMARY KEY);
        //- /ws/a.hcl
        table "posts" {
          column "uid" {
            type = integer
          }
          foreign_key "posts_user" {
            columns     = [column.uid]
            ref_columns = [table.users.column.id]
            on_delete   = CASCADE
          }
        }
        "#,
    );
    let (f, o) = fx.pos();
    let md = hover(&fx.a, f, o).unwrap().markdown;
    assert!(
        md.contains("**referenced by** `posts`(uid) → `users`(id) ON DELETE CASCADE"),
        "{md}"
    );
}

#[test]
fn hover_on_a_type() {
    let fx = fixture("table \"t\" {\n  column \"a\" {\n    type = integ$0er\n  }\n}\n");
    let (f, o) = fx.pos();
    let md = hover(&fx.a, f, o).unwrap().markdown;
    assert!(md.starts_with("**integer** — sqlite type"), "{md}");
}

// ----- navigation -----

#[test]
fn goto_definition_from_hcl_into_sql_and_back() {
    let fx = fixture(&format!(
        r#"
        //- /ws/users.sql
        {USERS_SQL}
        //- /ws/a.hcl
        table "posts" {{
          column "uid" {{
            type = integer
          }}
          foreign_key "f" {{
            columns     = [column.uid]
            ref_columns = [table.users.column.i$0d]
          }}
        }}
        "#
    ));
    let (f, o) = fx.pos();
    let t = goto_definition(&fx.a, f, o);
    assert_eq!(t.len(), 1);
    let sql = fx.file("/ws/users.sql");
    assert_eq!(t[0].file, sql);
    assert_eq!(at(&fx, sql, &t[0].focus_range), "id");

    let fx = fixture(
        r#"
        //- /ws/a.hcl
        table "users" {
          column "id" {
            type = integer
          }
        }
        //- /ws/b.sql
        CREATE TABLE posts (uid INTEGER REFERENCES us$0ers (id));
        "#,
    );
    let (f, o) = fx.pos();
    let t = goto_definition(&fx.a, f, o);
    let hcl = fx.file("/ws/a.hcl");
    assert_eq!(t[0].file, hcl);
    assert_eq!(at(&fx, hcl, &t[0].focus_range), "users");
    assert!(at(&fx, hcl, &t[0].full_range).starts_with("table \"users\" {"));
}

#[test]
fn references_and_highlights_span_files() {
    let fx = fixture(
        r#"
        //- /ws/a.hcl
        table "users" {
          column "i$0d" {
            type = integer
          }
          primary_key {
            columns = [column.id]
          }
        }
        //- /ws/b.sql
        CREATE TABLE posts (uid INTEGER REFERENCES users (id));
        "#,
    );
    let (f, o) = fx.pos();
    let refs = references(&fx.a, f, o, true);
    assert_eq!(refs.len(), 3, "{refs:?}");
    assert_eq!(
        refs.iter()
            .filter(|r| r.file == fx.file("/ws/b.sql"))
            .count(),
        1
    );
    let h = highlight(&fx.a, f, o);
    assert_eq!(h.len(), 2);
    assert!(h[0].def && !h[1].def);
}

#[test]
fn rename_a_table_everywhere_and_offer_renamed_from() {
    let fx = fixture(
        r#"
        //- /ws/a.hcl
        table "us$0ers" {
          schema = schema.main
          column "id" {
            type = integer
          }
        }
        table "posts" {
          column "uid" {
            type = integer
          }
          foreign_key "f" {
            columns     = [column.uid]
            ref_columns = [table.users.column.id]
          }
        }
        //- /ws/b.sql
        CREATE TABLE comments (uid INTEGER REFERENCES "users" (id));
        CREATE INDEX c ON users (id);
        "#,
    );
    let (f, o) = fx.pos();
    let (range, name) = prepare_rename(&fx.a, f, o).unwrap();
    assert_eq!(
        (at(&fx, f, &range), name.as_str()),
        ("users".into(), "users")
    );
    let ch = rename(&fx.a, f, o, "accounts").unwrap();
    let apply = |file: FileId, edits: &[nav::Edit]| {
        let mut text = fx.text(file).to_string();
        let mut edits = edits.to_vec();
        edits.sort_by_key(|e| std::cmp::Reverse(e.range.start));
        for e in edits {
            text.replace_range(e.range, &e.text);
        }
        text
    };
    let hcl = fx.file("/ws/a.hcl");
    let sql = fx.file("/ws/b.sql");
    let new_hcl = apply(hcl, &ch.edits[&hcl]);
    assert!(new_hcl.contains("table \"accounts\" {"));
    assert!(new_hcl.contains("[table.accounts.column.id]"));
    let new_sql = apply(sql, &ch.edits[&sql]);
    assert!(
        new_sql.contains("REFERENCES \"accounts\" (id)"),
        "{new_sql}"
    );
    assert!(new_sql.contains("ON accounts (id)"), "{new_sql}");
    let both: Vec<nav::Edit> = ch.edits[&hcl]
        .iter()
        .chain(&ch.renamed_from[&hcl])
        .cloned()
        .collect();
    let with_from = apply(hcl, &both);
    assert!(
        with_from.starts_with(
            "table \"accounts\" {\n  renamed_from = \"users\"\n  schema = schema.main\n"
        ),
        "{with_from}"
    );
}

#[test]
fn view_queries_refer_to_tables_softly() {
    let fx = fixture(
        r#"
        table "users" {
          column "id" {
            type = integer
          }
        }
        view "v" {
          as = <<-SQL
            SELECT u.id FROM us$0ers u JOIN missing m ON m.id = u.id
          SQL
        }
        "#,
    );
    let (f, o) = fx.pos();
    // Navigation works, and an unknown name (maybe a CTE) is no error.
    let t = goto_definition(&fx.a, f, o);
    assert_eq!(at(&fx, t[0].file, &t[0].focus_range), "users");
    assert!(diagnostics(&fx.a, f).is_empty());
    // Renaming the table renames it in the query too.
    let ch = rename(&fx.a, f, o, "people").unwrap();
    assert_eq!(ch.edits[&f].len(), 2);
}

/// Renames the symbol at the cursor; every file's text afterwards.
fn renamed(fx: &fixture::Fixture, new_name: &str) -> HashMap<String, String> {
    let (f, o) = fx.pos();
    let ch = rename(&fx.a, f, o, new_name).unwrap();
    fx.files
        .iter()
        .map(|(name, id)| {
            let mut text = fx.text(*id).to_string();
            let mut edits = ch.edits.get(id).cloned().unwrap_or_default();
            edits.sort_by_key(|e| std::cmp::Reverse(e.range.start));
            for e in edits {
                text.replace_range(e.range, &e.text);
            }
            (name.clone(), text)
        })
        .collect()
}

const HCL_EXPRS: &str = r#"
table "users" {
  column "em$0ail" {
    type = text
  }
  column "upper_email" {
    type = text
    as   = "upper(email)"
  }
  column "lower_email" {
    type = text
    as {
      expr = "lower(\"email\") || 'email'"
      type = STORED
    }
  }
  check "email_ok" {
    expr = "email <> '' AND users.email NOT LIKE '%email%' -- email"
  }
  index "by_email" {
    on {
      expr = "lower(email)"
    }
    where = "email IS NOT NULL AND emailx > 0"
  }
}
table "posts" {
  column "email" {
    type = text
  }
  check "c" {
    expr = "email <> posts.email AND users.email IS NULL"
  }
}
"#;

#[test]
fn rename_a_column_in_hcl_check_index_and_generated_expressions() {
    let fx = fixture(HCL_EXPRS);
    let out = &renamed(&fx, "mail")["/ws/schema.hcl"];
    let want = fixture::trim_indent(HCL_EXPRS)
        .replace("$0", "")
        .replace(
            "column \"email\" {\n    type = text\n  }\n  column \"upper",
            "column \"mail\" {\n    type = text\n  }\n  column \"upper",
        )
        .replace("\"upper(email)\"", "\"upper(mail)\"")
        .replace("lower(\\\"email\\\")", "lower(\\\"mail\\\")")
        .replace(
            "\"email <> '' AND users.email",
            "\"mail <> '' AND users.mail",
        )
        .replace("\"lower(email)\"", "\"lower(mail)\"")
        .replace("\"email IS NOT NULL", "\"mail IS NOT NULL")
        // users.email in another table's check is users' column.
        .replace("AND users.email IS NULL", "AND users.mail IS NULL");
    assert_eq!(out, &want);
    // Untouched: string literals, comments, a longer name, another table's column.
    assert!(out.contains("|| 'email'\""));
    assert!(out.contains("'%email%' -- email\""));
    assert!(out.contains("emailx > 0"));
    assert!(out.contains("expr = \"email <> posts.email AND"));

    // A name that needs quotes is quoted, with HCL's escaping inside the string.
    let out = &renamed(&fx, "e mail")["/ws/schema.hcl"];
    assert!(out.contains(r#"as   = "upper(\"e mail\")""#), "{out}");
    // Inside quotes already: only the name changes.
    assert!(
        out.contains(r#"expr = "lower(\"e mail\") || 'email'""#),
        "{out}"
    );
    assert!(
        out.contains(r#"expr = "\"e mail\" <> '' AND users.\"e mail\" NOT LIKE"#),
        "{out}"
    );

    // References and highlights share the resolution.
    let (f, o) = fx.pos();
    let refs = references(&fx.a, f, o, false);
    let texts: Vec<String> = refs.iter().map(|r| at(&fx, f, &r.range)).collect();
    assert_eq!(texts.len(), 7, "{texts:?}");
    assert!(texts.iter().all(|t| t == "email"), "{texts:?}");
    let h = highlight(&fx.a, f, o);
    assert_eq!(h.len(), 8, "{h:?}");
    // Hover on a name inside an expression is the column's.
    let text = fx.text(f);
    let in_check = text.find("expr = \"email <> ''").unwrap() + "expr = \"e".len();
    let md = hover(&fx.a, f, in_check).unwrap().markdown;
    assert!(md.starts_with("**column** `users.email`"), "{md}");
}

const HCL_VIEW: &str = r#"
table "users" {
  column "i$0d" {
    type = integer
  }
  column "email" {
    type = text
  }
}
table "posts" {
  column "id" {
    type = integer
  }
  column "user_id" {
    type = integer
  }
}
view "v" {
  as = <<-SQL
    SELECT u.id, u.email, id AS ambiguous, email
    FROM users u JOIN posts p ON p.user_id = u.id
    WHERE email LIKE '%email%' -- email, id
      AND EXISTS (SELECT 1 FROM posts WHERE posts.id = u.id)
  SQL
}
"#;

#[test]
fn rename_reaches_view_queries_through_aliases() {
    let fx = fixture(HCL_VIEW);
    let out = &renamed(&fx, "uid")["/ws/schema.hcl"];
    let want = fixture::trim_indent(HCL_VIEW)
        .replace("$0", "")
        .replace(
            "column \"id\" {\n    type = integer\n  }\n  column \"email\"",
            "column \"uid\" {\n    type = integer\n  }\n  column \"email\"",
        )
        .replace("SELECT u.id,", "SELECT u.uid,")
        .replace("ON p.user_id = u.id", "ON p.user_id = u.uid")
        .replace("posts.id = u.id)", "posts.id = u.uid)");
    // `id` alone is ambiguous (both tables have one), `p.`/`posts.` are posts'.
    assert_eq!(out, &want);

    // A bare column only users has is users'; strings and comments stay.
    let text = fx.text(fx.file("/ws/schema.hcl"));
    let fx2 = fixture(
        &HCL_VIEW
            .replace("i$0d", "id")
            .replace("\"email\" {", "\"em$0ail\" {"),
    );
    let out = &renamed(&fx2, "mail")["/ws/schema.hcl"];
    assert!(
        out.contains("SELECT u.id, u.mail, id AS ambiguous, mail\n"),
        "{out}"
    );
    assert!(
        out.contains("WHERE mail LIKE '%email%' -- email, id\n"),
        "{out}"
    );
    assert_eq!(out.matches("mail").count(), text.matches("email").count());
}

const PG_BODIES: &str = r#"
//- /ws/s.pg.hcl
table "users" {
  schema = schema.public
  column "i$0d" {
    type = integer
  }
  column "email" {
    type = text
  }
}
table "stats" {
  schema = schema.public
  column "uid" {
    type = integer
  }
  column "id" {
    type = integer
  }
}
trigger "count_users" {
  on = table.users
  as = "BEGIN UPDATE stats SET id = id + 1 WHERE uid = NEW.id; END"
}
function "normalize" {
  schema = schema.public
  lang   = PLpgSQL
  return = trigger
  as     = <<-SQL
    BEGIN
      UPDATE users SET email = lower(email) WHERE id = OLD.id;
      SELECT count(*) INTO n FROM stats WHERE stats.id > 0;
      RETURN NEW;
    END
  SQL
}
"#;

#[test]
fn rename_reaches_trigger_and_function_bodies() {
    let fx = fixture(PG_BODIES);
    let out = &renamed(&fx, "user_id")["/ws/s.pg.hcl"];
    // NEW.id is a row of the trigger's table; `id` in UPDATE users is users';
    // stats' own id (bare in its UPDATE, qualified in its SELECT) stays.
    assert!(out.contains("column \"user_id\" {"));
    assert!(
        out.contains("as = \"BEGIN UPDATE stats SET id = id + 1 WHERE uid = NEW.user_id; END\""),
        "{out}"
    );
    assert!(out.contains("WHERE user_id = OLD.id;"), "{out}");
    assert!(out.contains("WHERE stats.id > 0;"), "{out}");
    assert_eq!(out.matches("user_id").count(), 3, "{out}");
    // A capitalised name is quoted on PostgreSQL, where it would fold.
    let out = &renamed(&fx, "UserId")["/ws/s.pg.hcl"];
    assert!(
        out.contains("WHERE uid = NEW.\\\"UserId\\\"; END\""),
        "{out}"
    );
    assert!(out.contains("WHERE \"UserId\" = OLD.id;"), "{out}");
}

const SQL_EXPRS: &str = r#"
//- /ws/s.sql
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  em$0ail TEXT NOT NULL CHECK (email <> '' AND email NOT LIKE 'email%'),
  upper_email TEXT GENERATED ALWAYS AS (upper(email)) VIRTUAL, -- email
  CHECK (length(users.email) > 3)
);
CREATE INDEX users_live ON users (lower(email)) WHERE email IS NOT NULL;
CREATE VIEW v AS SELECT users.email, 'email' AS label, "email" FROM users WHERE users.email LIKE '%x';
CREATE TRIGGER trg AFTER UPDATE OF email ON users BEGIN
  INSERT INTO log (who, email) VALUES (NEW.email, OLD.email);
END;
CREATE TABLE log (who TEXT, email TEXT, CHECK (email <> 'users.email'));
"#;

#[test]
fn rename_a_column_in_sql_checks_indexes_views_and_triggers() {
    let fx = fixture(SQL_EXPRS);
    let out = &renamed(&fx, "e-mail")["/ws/s.sql"];
    let want = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  \"e-mail\" TEXT NOT NULL CHECK (\"e-mail\" <> '' AND \"e-mail\" NOT LIKE 'email%'),\n  upper_email TEXT GENERATED ALWAYS AS (upper(\"e-mail\")) VIRTUAL, -- email\n  CHECK (length(users.\"e-mail\") > 3)\n);\nCREATE INDEX users_live ON users (lower(\"e-mail\")) WHERE \"e-mail\" IS NOT NULL;\nCREATE VIEW v AS SELECT users.\"e-mail\", 'email' AS label, \"e-mail\" FROM users WHERE users.\"e-mail\" LIKE '%x';\nCREATE TRIGGER trg AFTER UPDATE OF \"e-mail\" ON users BEGIN\n  INSERT INTO log (who, email) VALUES (NEW.\"e-mail\", OLD.\"e-mail\");\nEND;\nCREATE TABLE log (who TEXT, email TEXT, CHECK (email <> 'users.email'));\n";
    assert_eq!(out, want);
    // Renaming the table reaches qualified names, not strings.
    let fx = fixture(
        &SQL_EXPRS
            .replace("em$0ail TEXT", "email TEXT")
            .replace("CREATE TABLE users", "CREATE TABLE us$0ers"),
    );
    let out = &renamed(&fx, "people")["/ws/s.sql"];
    assert!(out.contains("CHECK (length(people.email) > 3)"), "{out}");
    assert!(
        out.contains(
            "SELECT people.email, 'email' AS label, \"email\" FROM people WHERE people.email"
        ),
        "{out}"
    );
    assert!(out.contains("OF email ON people BEGIN"), "{out}");
    assert!(out.ends_with("CHECK (email <> 'users.email'));\n"), "{out}");
}

#[test]
fn mysql_double_quotes_are_strings_and_backticks_quote() {
    let mut fx = fixture(
        r#"
        //- /ws/s.sql
        CREATE TABLE users (em$0ail TEXT, CHECK (email <> "email" AND `email` <> ''));
        "#,
    );
    fx.ws.set_default_dialect(Dialect::Mysql);
    fx.a = fx.ws.snapshot();
    let out = &renamed(&fx, "e mail")["/ws/s.sql"];
    assert_eq!(
        out,
        "CREATE TABLE users (`e mail` TEXT, CHECK (`e mail` <> \"email\" AND `e mail` <> ''));\n"
    );
}

#[test]
fn rename_rejects_names_hcl_references_cannot_spell() {
    let fx = fixture(
        r#"
        table "t" {
          column "a$0" {
            type = int
          }
          primary_key {
            columns = [column.a]
          }
        }
        "#,
    );
    let (f, o) = fx.pos();
    assert!(rename(&fx.a, f, o, "a b").is_err());
    assert!(rename(&fx.a, f, o, "b").is_ok());
}

// ----- symbols, folding, tokens, hints, formatting -----

#[test]
fn document_symbols_nest_columns_under_tables() {
    let fx = fixture(
        r#"
        schema "main" {}
        table "t" {
          schema = schema.main
          column "a" {
            type = int
          }
          index "i" {
            columns = [column.a]
          }
        }
        view "v" {
          as = "SELECT 1"
        }
        "#,
    );
    let s = document_symbols(&fx.a, fx.file("/ws/schema.hcl"));
    let top: Vec<(&str, DefKind)> = s.iter().map(|s| (s.name.as_str(), s.kind)).collect();
    assert_eq!(
        top,
        vec![
            ("main", DefKind::Schema),
            ("t", DefKind::Table),
            ("v", DefKind::View)
        ]
    );
    let kids: Vec<(&str, Option<&str>)> = s[1]
        .children
        .iter()
        .map(|c| (c.name.as_str(), c.detail.as_deref()))
        .collect();
    assert_eq!(kids, vec![("a", Some("int")), ("i", None)]);
}

#[test]
fn workspace_symbols_rank_tables_first() {
    let fx = fixture(&format!(
        r#"
        //- /ws/users.sql
        {USERS_SQL}
        //- /ws/a.hcl
        table "user_emails" {{
          column "user_id" {{
            type = int
          }}
        }}
        "#
    ));
    let s = workspace_symbols(&fx.a, "user");
    let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["users", "user_emails", "user_id", "users_email_idx"]
    );
}

#[test]
fn folding_ranges_cover_blocks_and_statements() {
    let fx = fixture(
        r#"
        //- /ws/a.hcl
        # one
        # two
        table "t" {
          column "a" {
            type = int
          }
        }
        //- /ws/b.sql
        CREATE TABLE x (
          a INT
        );
        "#,
    );
    assert_eq!(folding_ranges(&fx.a, fx.file("/ws/a.hcl")).len(), 3);
    assert_eq!(folding_ranges(&fx.a, fx.file("/ws/b.sql")).len(), 1);
}

#[test]
fn semantic_tokens_classify_names_by_meaning() {
    let fx = fixture(&format!(
        r#"
        //- /ws/users.sql
        {USERS_SQL}
        //- /ws/a.hcl
        table "posts" {{
          column "uid" {{
            type = integer
          }}
          foreign_key "f" {{
            columns     = [column.uid]
            ref_columns = [table.users.column.id]
          }}
        }}
        "#
    ));
    let f = fx.file("/ws/a.hcl");
    let toks = semantic_tokens(&fx.a, f);
    let find = |text: &str| {
        toks.iter()
            .find(|t| at(&fx, f, &t.range) == text)
            .unwrap_or_else(|| panic!("no token {text}"))
            .clone()
    };
    assert_eq!(find("posts").kind, SemKind::Class);
    assert!(find("posts").declaration);
    assert_eq!(find("users").kind, SemKind::Class);
    assert!(!find("users").declaration);
    assert_eq!(find("uid").kind, SemKind::Property);
    assert_eq!(find("table").kind, SemKind::Keyword);
    assert_eq!(find("integer").kind, SemKind::Type);
    assert_eq!(find("ref_columns").kind, SemKind::Property);
    // Sorted and non-overlapping.
    assert!(toks.windows(2).all(|w| w[0].range.end <= w[1].range.start));
}

#[test]
fn semantic_tokens_mark_the_dialects_reference_roots_as_keywords() {
    let src = "//- /ws/s.pg.hcl\nenum \"mood\" {\n  values = [\"ok\"]\n}\ntable \"t\" {\n  column \"m\" {\n    type = enum.mood\n  }\n}\nfunction \"f\" {\n  return = trigger\n  as = \"x\"\n}\n";
    let fx = fixture(src);
    let f = fx.file("/ws/s.pg.hcl");
    let toks = semantic_tokens(&fx.a, f);
    let kind_at = |needle: &str| {
        let text = &fx.a.file(f).unwrap().text;
        let start = text.find(needle).unwrap();
        toks.iter().find(|t| t.range.start == start).map(|t| t.kind)
    };
    assert_eq!(kind_at("enum.mood"), Some(SemKind::Keyword));
    // A block kind that is not followed by a name is no reference: here a type.
    assert_ne!(kind_at("trigger\n"), Some(SemKind::Keyword));
}

#[test]
fn semantic_tokens_color_names_in_sql_that_resolve() {
    let fx = fixture(
        r#"
        //- /ws/s.sql
        CREATE TABLE users (email TEXT, CHECK (email <> '' AND nick IS NULL));
        //- /ws/a.hcl
        table "t" {
          column "email" {
            type = text
          }
          check "c" {
            expr = "email <> ''"
          }
        }
        "#,
    );
    let s = fx.file("/ws/s.sql");
    let toks = semantic_tokens(&fx.a, s);
    let named = |text: &str| -> Vec<(SemKind, bool)> {
        toks.iter()
            .filter(|t| at(&fx, s, &t.range) == text)
            .map(|t| (t.kind, t.declaration))
            .collect()
    };
    assert_eq!(
        named("email"),
        [(SemKind::Property, true), (SemKind::Property, false)]
    );
    // `nick` is no column of users: left alone.
    assert!(named("nick").is_empty());
    // SQL in an HCL string stays a string.
    let h = fx.file("/ws/a.hcl");
    let toks = semantic_tokens(&fx.a, h);
    let t = toks
        .iter()
        .find(|t| at(&fx, h, &t.range).starts_with("\"email"))
        .expect("the string");
    assert_eq!(
        (at(&fx, h, &t.range).as_str(), t.kind),
        ("\"email <> ''\"", SemKind::String)
    );
}

#[test]
fn inlay_hints_show_fk_targets_and_missing_indexes() {
    let fx = fixture(
        r#"
        table "users" {
          column "id" {
            type = integer
          }
          primary_key {
            columns = [column.id]
          }
        }
        table "posts" {
          column "uid" {
            type = integer
          }
          foreign_key "f" {
            columns     = [column.uid]
            ref_columns = [table.users.column.id]
          }
        }
        "#,
    );
    let f = fx.file("/ws/schema.hcl");
    let h = inlay_hints(&fx.a, f, 0..fx.text(f).len());
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(h[0].label, "→ users(id)");
    assert!(fx.text(f)[..h[0].offset].ends_with("[column.uid]"));
    assert!(h[1].warning);
    // With an index on uid the warning goes.
    let text = fx.text(f).replace(
        "  foreign_key",
        "  index \"posts_uid\" {\n    columns = [column.uid]\n  }\n  foreign_key",
    );
    let fx2 = fixture(&text);
    let f2 = fx2.file("/ws/schema.hcl");
    let h = inlay_hints(&fx2.a, f2, 0..text.len());
    assert_eq!(h.len(), 1, "{h:?}");
}

#[test]
fn quick_fix_adds_an_index_for_an_uncovered_foreign_key() {
    let fx = fixture(
        r#"
        table "users" {
          column "id" {
            type = integer
          }
        }
        table "posts" {
          column "uid" {
            type = integer
          }
          foreign_key "f" {
            columns     = [column.u$0id]
            ref_columns = [table.users.column.id]
          }
        }
        "#,
    );
    let (f, o) = fx.pos();
    let (title, e) = actions::add_fk_index(&fx.a, f, o).unwrap();
    assert_eq!(title, "Add index `posts_uid` on (uid) for this foreign key");
    let mut text = fx.text(f).to_string();
    text.replace_range(e.range, &e.text);
    assert!(
        text.contains(
            "  index \"posts_uid\" {\n    columns = [column.uid]\n  }\n  foreign_key \"f\" {"
        ),
        "{text}"
    );
    let fx2 = fixture(&text);
    assert!(
        inlay_hints(&fx2.a, fx2.file("/ws/schema.hcl"), 0..text.len())
            .iter()
            .all(|h| !h.warning)
    );
}

#[test]
fn formatting_is_one_minimal_edit_from_core() {
    let fx = fixture("table \"t\" {\ncolumn \"a\" {\ntype=int\n}\n}\n");
    let f = fx.file("/ws/schema.hcl");
    let edits = format(&fx.a, f).unwrap();
    assert_eq!(edits.len(), 1);
    let mut text = fx.text(f).to_string();
    text.replace_range(edits[0].range.clone(), &edits[0].text);
    assert_eq!(
        text,
        "table \"t\" {\n  column \"a\" {\n    type = int\n  }\n}\n"
    );
    let broken = fixture("table \"t\" {\n");
    assert!(format(&broken.a, broken.file("/ws/schema.hcl")).is_err());
}

// ----- project file and plan summaries -----

#[test]
fn project_file_diagnostics_and_env_symbols() {
    let fx = fixture(
        r#"
        //- /ws/strata.hcl
        env "local" {
          url    = "sqlite://app.db"
          src    = ["file://schema.hcl"]
          colour = "red"
        }
        "#,
    );
    let f = fx.file("/ws/strata.hcl");
    let d = diagnostics(&fx.a, f);
    assert_eq!(d.len(), 1, "{d:?}");
    // Atlas passes an env's other attributes to the schema files; said so.
    assert_eq!(d[0].severity, Severity::Info);
    assert!(d[0].message.contains("variable \"colour\""), "{d:?}");
    let s = document_symbols(&fx.a, f);
    assert_eq!(s[0].name, "local");
    let (_, p) = fx.a.project().unwrap();
    assert_eq!(p.envs[0].url.as_deref(), Some("sqlite://app.db"));
    let env = strata_core::env::ResolvedEnv::of(p, None).unwrap();
    assert_eq!(env.target_url().as_deref(), Some("sqlite:///ws/app.db"));
    assert_eq!(env.src_urls(), vec!["file:///ws/schema.hcl"]);
}

#[test]
fn plan_view_summarizes_changes_per_table() {
    use strata_core::model::{Column, Table};
    use strata_core::Realm;
    let col = |n: &str| Column {
        name: n.into(),
        ty: "integer".into(),
        ..Column::default()
    };
    let table = |n: &str, cols: &[&str]| Table {
        name: n.into(),
        columns: cols.iter().map(|c| col(c)).collect(),
        ..Table::default()
    };
    let mut from = Realm::default();
    from.schema_entry("main").tables = vec![table("users", &["id", "bio"]), table("old", &["id"])];
    let mut to = Realm::default();
    to.schema_entry("main").tables =
        vec![table("users", &["id", "a", "b"]), table("posts", &["id"])];
    let p = strata_core::plan::plan(
        &from,
        &to,
        strata_core::dialect::Dialect::Sqlite,
        &Default::default(),
    )
    .unwrap();
    let v = plan::view(&p, &[]);
    assert_eq!(
        v.objects[&("main".to_string(), "users".to_string())],
        "+2 columns · drops column bio"
    );
    assert_eq!(
        v.objects[&("main".to_string(), "posts".to_string())],
        "new table · 1 column"
    );
    assert_eq!(v.drops, vec!["drops table old"]);
    assert!(v.total.starts_with("plan: "));

    let fx = fixture("table \"users\" {\n  column \"id\" {\n    type = integer\n  }\n}\ntable \"same\" {\n  column \"id\" {\n    type = integer\n  }\n}\n");
    let lenses = plan::lenses(&fx.a, fx.file("/ws/schema.hcl"), &v);
    let titles: Vec<&str> = lenses.iter().map(|l| l.title.as_str()).collect();
    assert_eq!(titles[1..], ["+2 columns · drops column bio", "in sync"]);
    assert!(titles[0].ends_with("drops table old"));
}

/// Incremental re-chunking must agree with splitting the whole file, whatever
/// the edit: braces, quotes, comments and heredoc markers included.
#[test]
fn incremental_chunking_matches_a_full_split_under_random_edits() {
    let base = "schema \"main\" {}\n\ntable \"a\" {\n  column \"x\" {\n    type = int\n  }\n}\n\n# note\ntable \"b\" {\n  column \"y\" {\n    type = text\n  }\n  index \"i\" {\n    columns = [column.y]\n  }\n}\nview \"v\" {\n  as = <<-SQL\n    SELECT 1\n  SQL\n}\n\ntable \"c\" {\n}\n";
    let wild = [
        "{",
        "}",
        "\"",
        "\n",
        "x",
        "table \"z\" {\n",
        "/*",
        "*/",
        "<<EOF\n",
        "EOF\n",
        "#",
        " ",
        "[",
        "]",
        "=",
    ];
    // Balanced pieces keep the file complete, so edits take the incremental path.
    let tame = [
        "x",
        " ",
        "\n",
        "table \"z\" {\n}\n",
        "{}",
        "[]",
        "\n\n",
        "t = 1\n",
    ];
    let mut ws = Workspace::new();
    let f = ws.set_file("/ws/s.hcl", Arc::from(base), FileOpts::default());
    ws.snapshot();
    let mut text = base.to_string();
    let mut seed: u64 = 0x2545F4914F6CDD1D;
    let mut next = |m: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % m as u64) as usize
    };
    for step in 0..3000 {
        let at = next(text.len() + 1);
        let at = (0..=at).rev().find(|i| text.is_char_boundary(*i)).unwrap();
        if next(3) == 0 && at < text.len() {
            let len = (1 + next(4)).min(text.len() - at);
            let end = (at + len..=text.len())
                .find(|i| text.is_char_boundary(*i))
                .unwrap();
            text.replace_range(at..end, "");
        } else {
            let pieces: &[&str] = if step % 100 < 50 { &wild } else { &tame };
            text.insert_str(at, pieces[next(pieces.len())]);
        }
        if step % 50 == 49 {
            text = base.to_string();
        }
        ws.set_text(f, Arc::from(text.as_str()));
        let a = ws.snapshot();
        let got: Vec<_> = a
            .file(f)
            .unwrap()
            .chunks
            .iter()
            .map(|c| c.range())
            .collect();
        assert_eq!(got, hcl::chunk_ranges(&text), "step {step}: {text:?}");
        // Reused chunks must be the chunk's own text.
        for c in &a.file(f).unwrap().chunks {
            let fresh =
                hcl::analyze_chunk(&Arc::from("/ws/s.hcl"), &text[c.range()], Dialect::Sqlite);
            assert_eq!(fresh.defs.len(), c.data.defs.len(), "step {step}");
        }
    }
    let incremental = ws.stats().windowed;
    assert!(
        incremental > 300,
        "only {incremental} edits took the incremental path"
    );
}

#[test]
fn cached_diagnostics_follow_the_tables_they_depend_on() {
    let users = "table \"users\" {\n  column \"id\" {\n    type = integer\n  }\n}\n";
    let mut fx = fixture(&format!(
        r#"
        //- /ws/a.hcl
        {users}
        //- /ws/b.hcl
        table "posts" {{
          column "uid" {{
            type = integer
          }}
          foreign_key "f" {{
            columns     = [column.uid]
            ref_columns = [table.users.column.id]
          }}
        }}
        "#
    ));
    let (a, b) = (fx.file("/ws/a.hcl"), fx.file("/ws/b.hcl"));
    let msgs = |an: &Analysis| -> Vec<String> {
        diagnostics(an, b).into_iter().map(|d| d.message).collect()
    };
    assert!(msgs(&fx.a).is_empty());
    fx.ws
        .set_text(a, Arc::from(users.replace("users", "people")));
    assert_eq!(
        msgs(&fx.ws.snapshot()),
        vec!["table `users` is not defined"]
    );
    fx.ws.set_text(a, Arc::from(users));
    assert!(msgs(&fx.ws.snapshot()).is_empty());
    fx.ws
        .set_text(a, Arc::from(users.replace("integer", "text")));
    assert_eq!(
        msgs(&fx.ws.snapshot()),
        vec!["`posts.uid` is `integer` but references `users.id`, which is `text`"]
    );
    fx.ws
        .set_text(a, Arc::from(users.replace("\"id\"", "\"key\"")));
    assert_eq!(
        msgs(&fx.ws.snapshot()),
        vec!["table `users` has no column `id`"]
    );
}

#[test]
fn hover_renders_sql_in_the_files_dialect() {
    let fx = fixture(
        r#"
        //- /ws/schema.pg.hcl
        table "ord$0ers" {
          column "id" {
            type = bigint
            identity {
              generated = ALWAYS
            }
          }
          primary_key {
            columns = [column.id]
          }
          index "orders_id_desc" {
            on {
              column = column.id
              desc   = true
            }
          }
        }
        "#,
    );
    let (f, o) = fx.pos();
    let md = hover(&fx.a, f, o).unwrap().markdown;
    assert!(md.contains("CREATE TABLE \"public\".\"orders\""), "{md}");
    assert!(md.contains("GENERATED ALWAYS AS IDENTITY"), "{md}");
    assert!(
        md.contains("CREATE INDEX \"orders_id_desc\" ON \"public\".\"orders\" (\"id\" DESC)"),
        "{md}"
    );
}

// ----- PostgreSQL objects: enums, domains, sequences, routines -----

const PG_TYPES: &str = r#"
//- /ws/types.pg.hcl
schema "public" {}
enum "status" {
  schema = schema.public
  values = ["active", "archived"]
}
domain "email" {
  schema = schema.public
  type   = text
  null   = false
  check "has_at" {
    expr = "VALUE ~ '@'"
  }
}
sequence "order_no" {
  schema    = schema.public
  start     = 1000
  increment = 5
  owner     = table.users.column.id
}
function "touch" {
  schema = schema.public
  lang   = SQL
  return = integer
  as     = "SELECT 1"
}
//- /ws/users.pg.hcl
table "users" {
  schema = schema.public
  column "id" {
    type = bigint
  }
  column "state" {
    type = enum.status
  }
  column "mail" {
    type = domain.email
  }
  column "other" {
    type = enum.public.status
  }
}
"#;

#[test]
fn pg_objects_are_document_and_workspace_symbols() {
    let fx = fixture(PG_TYPES);
    let s = document_symbols(&fx.a, fx.file("/ws/types.pg.hcl"));
    let top: Vec<(&str, DefKind)> = s.iter().map(|s| (s.name.as_str(), s.kind)).collect();
    assert_eq!(
        top,
        vec![
            ("public", DefKind::Schema),
            ("status", DefKind::Enum),
            ("email", DefKind::Domain),
            ("order_no", DefKind::Sequence),
            ("touch", DefKind::Function),
        ]
    );
    assert_eq!(s[1].detail.as_deref(), Some(r#"["active", "archived"]"#));
    assert_eq!(s[2].detail.as_deref(), Some("text"));
    let w = workspace_symbols(&fx.a, "stat");
    assert_eq!(w[0].name, "status");
    assert_eq!(w[0].kind, DefKind::Enum);
    assert_eq!(w[0].container.as_deref(), Some("public"));
    let w = workspace_symbols(&fx.a, "order");
    assert_eq!(
        w.iter()
            .map(|s| (s.name.as_str(), s.kind))
            .collect::<Vec<_>>(),
        vec![("order_no", DefKind::Sequence)]
    );
}

#[test]
fn sqlite_files_do_not_index_pg_objects() {
    let fx = fixture(
        r#"
        //- /ws/schema.hcl
        enum "status" {
          values = ["a"]
        }
        domain "email" {
          type = text
        }
        sequence "s" {}
        table "t" {
          column "c" {
            type = enum.st$0atus
          }
        }
        "#,
    );
    let f = fx.file("/ws/schema.hcl");
    let s = document_symbols(&fx.a, f);
    let top: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(top, vec!["t"]);
    assert!(workspace_symbols(&fx.a, "status").is_empty());
    let (f, o) = fx.pos();
    assert!(goto_definition(&fx.a, f, o).is_empty());
}

/// `PG_TYPES` with the cursor on the first `needle` in `file`.
fn pg_types_at(file: &str, needle: &str) -> fixture::Fixture {
    let head = format!("//- {file}\n");
    let start = PG_TYPES.find(&head).unwrap() + head.len();
    let at = start + PG_TYPES[start..].find(needle).unwrap() + 1;
    let mut src = PG_TYPES.to_string();
    src.insert_str(at, "$0");
    fixture(&src)
}

#[test]
fn goto_definition_references_and_highlights_of_types() {
    let fx = pg_types_at("/ws/users.pg.hcl", "status");
    let (f, o) = fx.pos();
    let types = fx.file("/ws/types.pg.hcl");
    let t = goto_definition(&fx.a, f, o);
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0].file, types);
    assert_eq!(at(&fx, types, &t[0].focus_range), "status");
    assert_eq!(t[0].kind, DefKind::Enum);
    // Both `enum.status` and `enum.public.status`, and the definition.
    let refs = references(&fx.a, f, o, true);
    assert_eq!(refs.len(), 3, "{refs:?}");
    assert!(refs.iter().all(|r| at(&fx, r.file, &r.range) == "status"));
    let h = highlight(&fx.a, f, o);
    assert_eq!(h.len(), 2, "{h:?}");
    assert!(h.iter().all(|h| !h.def));

    let fx = pg_types_at("/ws/types.pg.hcl", "email\"");
    let (f, o) = fx.pos();
    let refs = references(&fx.a, f, o, false);
    assert_eq!(refs.len(), 1, "{refs:?}");
    assert_eq!(refs[0].file, fx.file("/ws/users.pg.hcl"));
    // A sequence's owner is a column reference.
    let fx = pg_types_at("/ws/types.pg.hcl", "users.column.id");
    let (f, o) = fx.pos();
    let t = goto_definition(&fx.a, f, o);
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0].kind, DefKind::Table);
    // No diagnostics for any of it.
    for file in ["/ws/types.pg.hcl", "/ws/users.pg.hcl"] {
        assert!(messages(&fx, file).is_empty(), "{:?}", messages(&fx, file));
    }
}

#[test]
fn hover_on_enums_domains_and_sequences() {
    let md = |file: &str, needle: &str| {
        let fx = pg_types_at(file, needle);
        let (f, o) = fx.pos();
        hover(&fx.a, f, o).unwrap().markdown
    };
    let h = md("/ws/users.pg.hcl", "status");
    assert!(
        h.starts_with("**enum** `status` · schema `public` — types.pg.hcl:2"),
        "{h}"
    );
    assert!(h.contains("values: `active`, `archived`"), "{h}");
    let h = md("/ws/users.pg.hcl", "email");
    assert!(h.starts_with("**domain** `email`"), "{h}");
    assert!(h.contains("`text` NOT NULL"), "{h}");
    assert!(h.contains("CHECK (VALUE ~ '@')"), "{h}");
    let h = md("/ws/types.pg.hcl", "order_no");
    assert!(h.starts_with("**sequence** `order_no`"), "{h}");
    assert!(h.contains("`bigint` · start 1000 · increment 5"), "{h}");
    assert!(h.contains("owned by `users.id`"), "{h}");
    let h = md("/ws/types.pg.hcl", "touch");
    assert!(h.starts_with("**function** `touch`"), "{h}");
}

#[test]
fn rename_an_enum_updates_its_references_across_files() {
    let fx = pg_types_at("/ws/types.pg.hcl", "status");
    let (f, o) = fx.pos();
    let (range, name) = prepare_rename(&fx.a, f, o).unwrap();
    assert_eq!(
        (at(&fx, f, &range), name.as_str()),
        ("status".into(), "status")
    );
    let out = renamed(&fx, "state");
    let types = &out["/ws/types.pg.hcl"];
    assert!(types.contains("enum \"state\" {"), "{types}");
    let users = &out["/ws/users.pg.hcl"];
    assert!(users.contains("type = enum.state\n"), "{users}");
    assert!(users.contains("type = enum.public.state\n"), "{users}");
    assert!(!users.contains("status"), "{users}");
    // Enums take `renamed_from`, so the planner renames the type.
    let ch = rename(&fx.a, f, o, "state").unwrap();
    let ins = &ch.renamed_from[&f];
    assert_eq!(ins.len(), 1);
    assert!(ins[0].text.contains("renamed_from = \"status\""), "{ins:?}");
    // From a reference, a domain renames its definition too.
    let fx = pg_types_at("/ws/users.pg.hcl", "email");
    let out = renamed(&fx, "mail_address");
    assert!(out["/ws/types.pg.hcl"].contains("domain \"mail_address\" {"));
    assert!(out["/ws/users.pg.hcl"].contains("type = domain.mail_address\n"));
    let ch = {
        let (f, o) = fx.pos();
        rename(&fx.a, f, o, "x").unwrap()
    };
    assert!(ch.renamed_from.is_empty(), "domains have no renamed_from");
}

/// Names that are not HCL identifiers are written the way `schema inspect`
/// writes them (`column["first name"]`): completed after `column.` as an
/// edit that replaces the dot, offered in index form where a whole reference
/// is inserted, and suggested so in the missing-index hint. The completed
/// text reads back without errors.
#[test]
fn hostile_names_complete_and_hint_in_index_form() {
    let schema = |cols: &str| {
        format!(
            r#"
            table "users" {{
              column "id" {{
                type = integer
              }}
              primary_key {{
                columns = [column.id]
              }}
            }}
            table "posts" {{
              column "first name" {{
                type = text
              }}
              column "user id" {{
                type = integer
              }}
              column "body" {{
                type = text
              }}
              foreign_key "f" {{
                columns     = [column["user id"]]
                ref_columns = [table.users.column.id]
              }}
              index "i" {{
                columns = [{cols}]
              }}
            }}
            "#
        )
    };
    let fx = fixture(&schema("column.fi$0"));
    let (f, o) = fx.pos();
    let c = completion(&fx.a, f, o).expect("completions");
    let first = c.items.iter().find(|i| i.label == "first name").unwrap();
    assert_eq!(first.insert, r#"["first name"]"#);
    let r = first.range.clone().expect("replaces the dot too");
    assert_eq!(&fx.text(f)[r.clone()], ".fi");
    assert_eq!(first.filter.as_deref(), Some(".first name"));
    let mut edited = fx.text(f).to_string();
    edited.replace_range(r, &first.insert);
    assert!(
        edited.contains(r#"columns = [column["first name"]]"#),
        "{edited}"
    );
    let fx2 = fixture(&edited);
    let errors: Vec<_> = diagnostics(&fx2.a, fx2.file("/ws/schema.hcl"))
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // Only the hostile names replace the dot; plain ones keep the word range.
    let fx3 = fixture(&schema("column.$0"));
    let (f3, o3) = fx3.pos();
    let all = completion(&fx3.a, f3, o3).unwrap();
    let user_id = all.items.iter().find(|i| i.label == "user id").unwrap();
    assert_eq!(user_id.insert, r#"["user id"]"#);
    let body = all.items.iter().find(|i| i.label == "body").unwrap();
    assert_eq!((body.insert.as_str(), body.range.clone()), ("body", None));

    // Whole references (`columns = [|`) come in index form.
    let fx4 = fixture(&schema("$0"));
    let (f4, o4) = fx4.pos();
    let whole: Vec<String> = completion(&fx4.a, f4, o4)
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.insert)
        .collect();
    assert!(
        whole.contains(&r#"column["first name"]"#.to_string()),
        "{whole:?}"
    );

    // The missing-index hint suggests HCL that reads back.
    let h = inlay_hints(&fx2.a, fx2.file("/ws/schema.hcl"), 0..edited.len());
    let warn = h.iter().find(|h| h.warning).expect("no index on user id");
    let tip = warn.tooltip.as_deref().unwrap();
    assert!(
        tip.contains(r#"index "posts_user id" { columns = [column["user id"]] }"#),
        "{tip}"
    );
}

#[test]
fn project_data_sources_run_only_in_a_trusted_workspace() {
    let dir = std::env::temp_dir().join(format!("strata-lsp-trust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let marker = dir.join("ran");
    let text = format!(
        "data \"external_schema\" \"orm\" {{\n  program = [\"sh\", \"-c\", \"touch {}; echo 'CREATE TABLE t (id int);'\"]\n}}\nenv \"local\" {{\n  url = \"sqlite://a.db\"\n  src = data.external_schema.orm.url\n}}\n",
        marker.display()
    );
    let name = dir.join("atlas.hcl").to_string_lossy().into_owned();
    let load = |trusted: bool| {
        let mut ws = Workspace::new();
        ws.set_project_inputs(config::Inputs {
            trusted,
            ..config::Inputs::default()
        });
        let id = ws.set_file(&name, Arc::from(text.as_str()), FileOpts::default());
        let a = ws.snapshot();
        let d = diagnostics(&a, id);
        let inline = a.project().map(|(_, p)| p.envs[0].inline_src.len());
        (d, inline)
    };
    // Opening the repository must not run its programs: skipped, and said so.
    let (d, inline) = load(false);
    assert!(!marker.exists(), "an untrusted workspace ran a program");
    assert_eq!(inline, Some(0));
    assert!(
        d.iter()
            .any(|d| d.code == "untrusted" && d.message.contains("was not run")),
        "{d:?}"
    );
    // A trusted workspace runs it.
    let (d, inline) = load(true);
    assert!(marker.exists());
    assert_eq!(inline, Some(1));
    assert!(d.iter().all(|d| d.code != "untrusted"), "{d:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
