//! Generators the golden cases (core/tests/golden/postgres) do not reach:
//! states only inspection produces (an INVALID index, NO INHERIT checks,
//! exclusion constraints) and rarer alterations. Each test plans hand-made
//! changes and reads the statements back.

use super::*;
use crate::dialect::Dialect;
use crate::diff::{Change, ColumnAspect, TableChange};
use crate::model::*;

/// The statements of a plan of `changes` from an empty realm to `to`.
fn sql_of(changes: Vec<Change>, to: &Realm) -> Vec<String> {
    let mut p = Plan::empty(Dialect::Postgres);
    p.changes = changes;
    plan(&mut p, &Realm::default(), to);
    p.steps.into_iter().map(|s| s.sql).collect()
}

fn modify_table(t: &Table, changes: Vec<TableChange>) -> Change {
    Change::ModifyTable {
        schema: "public".into(),
        from: t.clone(),
        to: t.clone(),
        changes,
    }
}

fn users() -> Table {
    Table {
        name: "users".into(),
        columns: vec![Column {
            name: "id".into(),
            ty: "integer".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn str_attr(attrs: &mut Attrs, k: &str, v: &str) {
    attrs.0.insert(k.into(), AttrValue::Str(v.into()));
}

#[test]
fn an_invalid_index_is_dropped_and_recreated_and_says_why() {
    let mut old = Index {
        name: "users_id".into(),
        parts: vec![IndexPart::column("id")],
        ..Default::default()
    };
    old.attrs.set_flag("invalid", true);
    let new = Index {
        attrs: Attrs::default(),
        ..old.clone()
    };
    let mut p = Plan::empty(Dialect::Postgres);
    p.changes = vec![modify_table(
        &users(),
        vec![TableChange::ModifyIndex { from: old, to: new }],
    )];
    plan(&mut p, &Realm::default(), &Realm::default());
    let drop = &p.steps[0];
    assert_eq!(drop.sql, r#"DROP INDEX "public"."users_id""#);
    assert!(drop.comment.contains("INVALID"), "{}", drop.comment);
    assert_eq!(
        p.steps[1].sql,
        r#"CREATE INDEX "users_id" ON "public"."users" ("id")"#
    );
}

#[test]
fn a_no_inherit_check_keeps_no_inherit_when_added() {
    let mut t = users();
    t.attrs.set_flag("check_no_inherit:positive", true);
    let check = Check {
        name: Some("positive".into()),
        expr: "id > 0".into(),
        ..Default::default()
    };
    let sql = sql_of(
        vec![modify_table(&t, vec![TableChange::AddCheck { check }])],
        &Realm::default(),
    );
    assert_eq!(
        sql,
        [r#"ALTER TABLE "public"."users" ADD CONSTRAINT "positive" CHECK (id > 0) NO INHERIT"#]
    );
}

#[test]
fn a_function_whose_return_type_changes_is_dropped_first() {
    let from = Routine {
        name: "f".into(),
        args: "integer".into(),
        def: "CREATE OR REPLACE FUNCTION public.f(integer) RETURNS integer LANGUAGE sql AS $$ select 1 $$".into(),
        ..Default::default()
    };
    let to = Routine {
        def: "CREATE OR REPLACE FUNCTION public.f(integer) RETURNS bigint LANGUAGE sql AS $$ select 1 $$".into(),
        ..from.clone()
    };
    let sql = sql_of(
        vec![Change::ModifyRoutine {
            schema: "public".into(),
            from,
            to: to.clone(),
        }],
        &Realm::default(),
    );
    assert_eq!(
        sql,
        [r#"DROP FUNCTION "public"."f"(integer)"#.to_string(), to.def]
    );
}

#[test]
fn a_routine_whose_comment_alone_changes_is_only_commented() {
    let from = Routine {
        name: "p".into(),
        procedure: true,
        def: "CREATE OR REPLACE PROCEDURE public.p() LANGUAGE sql AS $$ select 1 $$".into(),
        ..Default::default()
    };
    let to = Routine {
        comment: Some("it's p".into()),
        ..from.clone()
    };
    let sql = sql_of(
        vec![Change::ModifyRoutine {
            schema: "public".into(),
            from,
            to,
        }],
        &Realm::default(),
    );
    assert_eq!(sql, [r#"COMMENT ON PROCEDURE "public"."p"() IS 'it''s p'"#]);
}

#[test]
fn a_value_added_in_front_goes_before_the_first_kept_one() {
    let from = EnumType {
        name: "mood".into(),
        values: vec!["ok".into(), "happy".into()],
        ..Default::default()
    };
    let to = EnumType {
        values: vec!["sad".into(), "ok".into(), "happy".into()],
        ..from.clone()
    };
    let sql = sql_of(
        vec![Change::ModifyEnum {
            schema: "public".into(),
            from,
            to,
        }],
        &Realm::default(),
    );
    assert_eq!(
        sql,
        [r#"ALTER TYPE "public"."mood" ADD VALUE 'sad' BEFORE 'ok'"#]
    );
}

#[test]
fn table_attributes_turn_off_as_well_as_on() {
    let attr = |key: &str, on: bool| TableChange::ModifyAttr {
        key: key.into(),
        from: Some(AttrValue::Bool(!on)),
        to: Some(AttrValue::Bool(on)),
    };
    let sql = sql_of(
        vec![modify_table(
            &users(),
            vec![
                attr("unlogged", false),
                attr("row_security", false),
                attr("row_security_force", true),
                attr("partition_bound", true),
            ],
        )],
        &Realm::default(),
    );
    assert_eq!(
        sql,
        [
            r#"ALTER TABLE "public"."users" SET LOGGED"#,
            r#"ALTER TABLE "public"."users" DISABLE ROW LEVEL SECURITY"#,
            r#"ALTER TABLE "public"."users" FORCE ROW LEVEL SECURITY"#,
        ]
    );
}

#[test]
fn a_constraint_comment_is_set_and_removed_by_name() {
    let comment = |to: Option<&str>| TableChange::ModifyAttr {
        key: "comment:users_pkey".into(),
        from: None,
        to: to.map(|s| AttrValue::Str(s.into())),
    };
    let sql = sql_of(
        vec![modify_table(
            &users(),
            vec![comment(Some("the key")), comment(None)],
        )],
        &Realm::default(),
    );
    assert_eq!(
        sql,
        [
            r#"COMMENT ON CONSTRAINT "users_pkey" ON "public"."users" IS 'the key'"#,
            r#"COMMENT ON CONSTRAINT "users_pkey" ON "public"."users" IS NULL"#,
        ]
    );
}

#[test]
fn unique_and_exclusion_constraints_render_their_options() {
    let mut nnd = Index {
        name: "u".into(),
        unique: true,
        parts: vec![IndexPart::column("a"), IndexPart::column("b")],
        ..Default::default()
    };
    nnd.attrs.set_flag("constraint", true);
    nnd.attrs.set_flag("nulls_not_distinct", true);
    str_attr(&mut nnd.attrs, "deferrable", "DEFERRED");
    assert_eq!(
        render::unique_constraint(&nnd),
        r#"CONSTRAINT "u" UNIQUE NULLS NOT DISTINCT ("a", "b") DEFERRABLE INITIALLY DEFERRED"#
    );
    let mut ex = Index {
        name: "no_overlap".into(),
        ..Default::default()
    };
    str_attr(&mut ex.attrs, "exclude", "EXCLUDE USING gist (r WITH &&)");
    assert_eq!(
        render::unique_constraint(&ex),
        r#"CONSTRAINT "no_overlap" EXCLUDE USING gist (r WITH &&)"#
    );
}

#[test]
fn an_index_renders_storage_parameters_and_null_order() {
    let mut idx = Index {
        name: "by_name".into(),
        parts: vec![
            IndexPart::column("name"),
            IndexPart {
                desc: true,
                ..IndexPart::column("id")
            },
        ],
        ..Default::default()
    };
    idx.attrs
        .0
        .insert("nulls_first_0".into(), AttrValue::Bool(true));
    idx.attrs
        .0
        .insert("nulls_first_1".into(), AttrValue::Bool(false));
    idx.attrs.set_flag("nulls_not_distinct", true);
    str_attr(&mut idx.attrs, "with", "fillfactor=70");
    assert_eq!(
        create_index("s", "t", &idx),
        r#"CREATE INDEX "by_name" ON "s"."t" ("name" NULLS FIRST, "id" DESC NULLS LAST) NULLS NOT DISTINCT WITH (fillfactor=70)"#
    );
}

#[test]
fn a_sequence_that_loses_its_owner_is_owned_by_none() {
    let from = Sequence {
        name: "ids".into(),
        owned_by: Some(("users".into(), "id".into())),
        options: SequenceOptions::defaults("bigint", 1),
        ..Default::default()
    };
    let to = Sequence {
        owned_by: None,
        ..from.clone()
    };
    let sql = sql_of(
        vec![Change::ModifySequence {
            schema: "public".into(),
            from,
            to,
        }],
        &Realm::default(),
    );
    assert_eq!(sql, [r#"ALTER SEQUENCE "public"."ids" OWNED BY NONE"#]);
}

#[test]
fn comments_on_domains_triggers_and_indexes() {
    let domain = Domain {
        name: "email".into(),
        ty: "text".into(),
        nullable: true,
        ..Default::default()
    };
    let trigger = Trigger {
        name: "audit".into(),
        table: "users".into(),
        def: "CREATE TRIGGER audit AFTER INSERT ON public.users FOR EACH ROW EXECUTE FUNCTION f()"
            .into(),
        ..Default::default()
    };
    let index = Index {
        name: "users_id".into(),
        parts: vec![IndexPart::column("id")],
        comment: Some("lookups".into()),
        ..Default::default()
    };
    let sql = sql_of(
        vec![
            Change::ModifyDomain {
                schema: "public".into(),
                from: domain.clone(),
                to: Domain {
                    comment: Some("an address".into()),
                    ..domain
                },
            },
            Change::ModifyTrigger {
                schema: "public".into(),
                from: trigger.clone(),
                to: Trigger {
                    comment: Some("who did it".into()),
                    ..trigger
                },
            },
            modify_table(&users(), vec![TableChange::AddIndex { index }]),
        ],
        &Realm::default(),
    );
    assert_eq!(
        sql,
        [
            r#"CREATE INDEX "users_id" ON "public"."users" ("id")"#,
            r#"COMMENT ON DOMAIN "public"."email" IS 'an address'"#,
            r#"COMMENT ON TRIGGER "audit" ON "public"."users" IS 'who did it'"#,
            r#"COMMENT ON INDEX "public"."users_id" IS 'lookups'"#,
        ]
    );
}

#[test]
fn a_column_change_that_drops_not_null_and_its_default() {
    let from = Column {
        name: "n".into(),
        ty: "integer".into(),
        default: Some("0".into()),
        ..Default::default()
    };
    let to = Column {
        nullable: true,
        default: None,
        ..from.clone()
    };
    let sql = sql_of(
        vec![modify_table(
            &users(),
            vec![TableChange::ModifyColumn {
                from,
                to,
                aspects: vec![ColumnAspect::Default, ColumnAspect::Null],
            }],
        )],
        &Realm::default(),
    );
    assert_eq!(
        sql,
        [
            r#"ALTER TABLE "public"."users" ALTER COLUMN "n" DROP DEFAULT"#,
            r#"ALTER TABLE "public"."users" ALTER COLUMN "n" DROP NOT NULL"#,
        ]
    );
}

#[test]
fn concurrently_rewrites_only_index_statements_of_existing_leaf_tables() {
    let policy = crate::project::ConcurrentIndex {
        create: true,
        drop: false,
    };
    assert_eq!(
        index::concurrent_sql(r#"CREATE UNIQUE INDEX "u" ON "t" ("a")"#, &policy).as_deref(),
        Some(r#"CREATE UNIQUE INDEX CONCURRENTLY "u" ON "t" ("a")"#)
    );
    assert_eq!(index::concurrent_sql(r#"DROP INDEX "u""#, &policy), None);
    let mut parent = users();
    str_attr(&mut parent.attrs, "partition", "RANGE (id)");
    let idx = Index {
        name: "i".into(),
        parts: vec![IndexPart::column("id")],
        ..Default::default()
    };
    let mut p = Plan::empty(Dialect::Postgres);
    p.changes = vec![modify_table(
        &parent,
        vec![TableChange::AddIndex { index: idx }],
    )];
    plan(&mut p, &Realm::default(), &Realm::default());
    concurrently(&mut p, &policy);
    assert!(
        p.steps[0].transactional,
        "a partitioned table's index stays in the transaction"
    );
}
