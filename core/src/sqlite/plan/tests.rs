//! When SQLite can alter in place and when it must rebuild, beyond what the
//! golden cases (core/tests/golden/sqlite) show.

use super::rebuild::needs_rebuild;
use super::render::create_table;
use crate::diff::TableChange;
use crate::model::*;

fn col(name: &str, ty: &str) -> Column {
    Column {
        name: name.into(),
        ty: ty.into(),
        nullable: true,
        ..Default::default()
    }
}

fn table(columns: Vec<Column>) -> Table {
    Table {
        name: "t".into(),
        columns,
        primary_key: Some(PrimaryKey {
            parts: vec![IndexPart::column("id")],
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn adding(column: Column) -> bool {
    let from = table(vec![col("id", "INTEGER")]);
    let mut to = from.clone();
    to.columns.push(column.clone());
    needs_rebuild(&from, &to, &[TableChange::AddColumn { column }])
}

#[test]
fn add_column_alters_in_place_only_within_sqlites_rules() {
    assert!(!adding(col("a", "TEXT")), "nullable, no default");
    let with_default = |d: &str, nullable: bool| Column {
        default: Some(d.into()),
        nullable,
        ..col("a", "TEXT")
    };
    assert!(
        !adding(with_default("'x'", false)),
        "NOT NULL with a literal"
    );
    assert!(
        adding(with_default("NULL", false)),
        "NOT NULL defaulting to NULL"
    );
    assert!(
        adding(with_default("CURRENT_TIMESTAMP", true)),
        "a non-constant default"
    );
    let generated = |stored: bool| Column {
        generated: Some(Generated {
            expr: "id * 2".into(),
            stored,
        }),
        ..col("a", "INTEGER")
    };
    assert!(!adding(generated(false)), "VIRTUAL generated");
    assert!(adding(generated(true)), "STORED generated");
}

#[test]
fn drop_column_alters_in_place_unless_something_still_reads_it() {
    let from = table(vec![col("id", "INTEGER"), col("a", "INTEGER")]);
    let to = table(vec![col("id", "INTEGER")]);
    let drop = [TableChange::DropColumn {
        column: col("a", "INTEGER"),
    }];
    assert!(!needs_rebuild(&from, &to, &drop));
    let mut checked = from.clone();
    checked.checks.push(Check {
        expr: "a > 0".into(),
        ..Default::default()
    });
    assert!(needs_rebuild(&checked, &to, &drop), "a CHECK reads it");
    let mut referencing = from.clone();
    referencing.foreign_keys.push(ForeignKey {
        columns: vec!["A".into()],
        ref_table: "p".into(),
        ref_columns: vec!["id".into()],
        ..Default::default()
    });
    assert!(
        needs_rebuild(&referencing, &to, &drop),
        "a foreign key uses it (names compare without case)"
    );
}

#[test]
fn an_autoincrement_key_is_written_on_its_column_and_options_follow_the_body() {
    let mut t = table(vec![Column {
        auto_increment: true,
        nullable: false,
        ..col("id", "INTEGER")
    }]);
    t.attrs.set_flag("strict", true);
    t.foreign_keys.push(ForeignKey {
        columns: vec!["id".into()],
        ref_table: "p".into(),
        ref_columns: vec!["id".into()],
        deferrable: Deferrable::InitiallyDeferred,
        ..Default::default()
    });
    assert_eq!(
        create_table(&t, "t"),
        "CREATE TABLE \"t\" (\n  \"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,\n  \
         FOREIGN KEY (\"id\") REFERENCES \"p\" (\"id\") DEFERRABLE INITIALLY DEFERRED\n) STRICT"
    );
}
