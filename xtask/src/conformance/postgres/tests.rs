//! Pure parts of the PostgreSQL runner: URLs, canonical dumps, data-loss
//! rules, schema and literal scanning.

mod unit {
    use super::super::dump::canonical;
    use super::super::load::created_schemas;
    use super::super::seed::{string_literals, survives, type_literal};
    use super::super::server::{admin_db, url_for};
    use crate::conformance::data::{lost_data, Renames, TableData};
    use std::collections::BTreeMap;

    #[test]
    fn urls() {
        let raw = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable&search_path=x";
        assert_eq!(
            url_for(raw, "db1", &[]),
            "postgres://postgres@127.0.0.1:5432/db1?sslmode=disable"
        );
        assert_eq!(
            url_for("postgres://u@h/p", "d", &["a=b"]),
            "postgres://u@h/d?a=b"
        );
        assert_eq!(admin_db(raw), "postgres");
    }

    #[test]
    fn canonical_dump() {
        let dump = "--\n-- c\n\\restrict abc\nSET x = 1;\nCREATE TABLE public.t (\n    b integer,\n    a text\n);\n\nCREATE TABLE public.u (\n    a text,\n    b integer\n);\n\\unrestrict abc\n";
        let (strict, loose) = canonical(dump);
        assert_eq!(strict.len(), 2);
        assert_eq!(loose[0], "CREATE TABLE public.t ( a text b integer )");
        assert_eq!(loose[1], "CREATE TABLE public.u ( a text b integer )");
    }

    #[test]
    fn data_loss() {
        let data = |rows: i64, col: &str, v: Option<&str>| {
            let mut columns = BTreeMap::new();
            columns.insert(col.to_string(), vec![v.map(str::to_string)]);
            let mut m = BTreeMap::new();
            m.insert("t".to_string(), TableData { rows, columns });
            m
        };
        let none = Renames::default();
        assert!(lost_data(
            &data(1, "a", Some("1")),
            &data(1, "a", Some("1.00")),
            &none,
            survives
        )
        .is_empty());
        assert!(lost_data(
            &data(1, "a", Some("2020-01-01T00:00:00")),
            &data(1, "a", Some("2020-01-01T00:00:00+00:00")),
            &none,
            survives
        )
        .is_empty());
        assert_eq!(
            lost_data(
                &data(1, "a", Some("1")),
                &data(0, "a", None),
                &none,
                survives
            )
            .len(),
            1
        );
        assert_eq!(
            lost_data(
                &data(1, "a", Some("x")),
                &data(1, "a", None),
                &none,
                survives
            )
            .len(),
            1
        );
        let renames = Renames::of("CREATE TABLE t (\n  b int -- @renamed from=a\n);");
        assert_eq!(
            lost_data(
                &data(1, "a", Some("1")),
                &data(1, "b", None),
                &renames,
                survives
            )
            .len(),
            1
        );
        assert!(lost_data(
            &data(1, "a", Some("1")),
            &data(1, "b", Some("1")),
            &renames,
            survives
        )
        .is_empty());
    }

    #[test]
    fn schemas_created() {
        let s = created_schemas(
            "create schema Foo; CREATE SCHEMA IF NOT EXISTS \"Bar\"; create table x (a int);",
        );
        assert_eq!(
            s.into_iter().collect::<Vec<_>>(),
            vec!["Bar".to_string(), "foo".to_string()]
        );
    }

    #[test]
    fn literals() {
        assert_eq!(
            string_literals("CHECK ((status = ANY (ARRAY['a''b'::text, 'c'::text])))"),
            vec!["a'b".to_string(), "c".to_string()]
        );
        assert_eq!(type_literal("int4", "N", None), "'1'");
        assert_eq!(type_literal("mood", "E", Some("happy")), "'happy'");
    }
}

mod spelling {
    use super::super::dump::canonical;

    #[test]
    fn equivalent_spellings_compare_equal() {
        let a =
            "CREATE INDEX i ON public.events USING btree (((created_at AT TIME ZONE 'utc'::text)))";
        let b = "CREATE INDEX i ON public.events USING btree (timezone('utc'::text, created_at))";
        assert_eq!(canonical(a).0, canonical(b).0);
        // Parentheses that group something stay.
        assert_ne!(
            canonical("SELECT (a + b) * c").0,
            canonical("SELECT a + b * c").0
        );
    }
}
