//! PostgreSQL statements for a list of changes, in one transaction.
//!
//! Order: drop triggers and views that go or read something that changes →
//! drop foreign keys that go (and those of dropped tables) → schemas,
//! extensions, types, routines → rename, create and alter tables → indexes →
//! foreign keys → drop tables, types, routines, schemas → views → triggers.
//! Types come before the columns that use them, routines before the triggers
//! that call them, and views are recreated when what they read changes.

use crate::dialect::Dialect;
use crate::diff::{Change, ColumnAspect, TableChange};
use crate::model::*;
use crate::plan::{Plan, Step};
use crate::span::Span;
use crate::sql::lex::mentions;
use std::collections::HashSet;

const PG: Dialect = Dialect::Postgres;

pub(crate) fn q(s: &str) -> String {
    PG.quote(s)
}

/// `"schema"."name"`.
fn qn(schema: &str, name: &str) -> String {
    format!("{}.{}", q(schema), q(name))
}

/// A SQL string literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[derive(Default)]
struct Phases {
    drop_triggers: Vec<Step>,
    drop_views: Vec<Step>,
    drop_fks: Vec<Step>,
    create_schemas: Vec<Step>,
    types: Vec<Step>,
    routines: Vec<Step>,
    /// After routines: a domain's check may call one.
    domains: Vec<Step>,
    renames: Vec<Step>,
    drop_indexes: Vec<Step>,
    create_tables: Vec<Step>,
    alter_tables: Vec<Step>,
    create_indexes: Vec<Step>,
    add_fks: Vec<Step>,
    drop_tables: Vec<Step>,
    drop_types: Vec<Step>,
    drop_schemas: Vec<Step>,
    create_views: Vec<Step>,
    create_triggers: Vec<Step>,
    comments: Vec<Step>,
}

/// `COMMENT ON {kind} {target} IS …`; `None` removes the comment.
fn comment_on(i: usize, kind: &str, target: &str, text: Option<&str>) -> Step {
    step(
        i,
        format!("comment on {} {target}", kind.to_lowercase()),
        format!(
            "COMMENT ON {kind} {target} IS {}",
            text.map_or("NULL".into(), lit)
        ),
        None,
        None,
    )
}

/// A transactional, non-destructive step (see [`Step::new`]).
fn step(
    change: usize,
    comment: String,
    sql: String,
    reverse: Option<String>,
    span: Option<Span>,
) -> Step {
    Step::new(change, comment, sql, reverse, span)
}

fn destructive(mut s: Step) -> Step {
    s.destructive = true;
    s
}

pub fn plan(plan: &mut Plan, from: &Realm, to: &Realm) {
    let mut p = Phases::default();
    let mut disturbed: HashSet<String> = HashSet::new();
    for c in &plan.changes {
        match c {
            Change::DropTable { table, .. } => {
                disturbed.insert(table.name.clone());
            }
            Change::ModifyTable { to, changes, .. }
                if changes.iter().any(|tc| match tc {
                    TableChange::DropColumn { .. } => true,
                    TableChange::ModifyColumn { aspects, .. } => aspects.iter().any(|a| {
                        matches!(
                            a,
                            ColumnAspect::Type | ColumnAspect::Collation | ColumnAspect::Generated
                        )
                    }),
                    _ => false,
                }) =>
            {
                disturbed.insert(to.name.clone());
            }
            Change::DropView { view, .. } => {
                disturbed.insert(view.name.clone());
            }
            Change::ModifyView { from, to, .. } if view_redefined(from, to) => {
                disturbed.insert(from.name.clone());
            }
            Change::ModifyEnum { from, .. } => {
                disturbed.insert(from.name.clone());
            }
            _ => {}
        }
    }
    let mut handled_views: HashSet<(String, String)> = HashSet::new();
    for (i, c) in plan.changes.iter().enumerate() {
        change(i, c, to, &mut p, &mut handled_views);
    }
    dependents(plan, from, to, &mut disturbed, &mut handled_views, &mut p);
    place_routines(plan, &handled_views, &mut p);
    plan.steps = [
        p.drop_triggers,
        p.drop_views,
        p.drop_fks,
        p.create_schemas,
        p.types,
        p.routines,
        p.domains,
        p.renames,
        p.drop_indexes,
        p.create_tables,
        p.alter_tables,
        p.create_indexes,
        p.add_fks,
        p.drop_tables,
        p.drop_types,
        p.drop_schemas,
        p.create_views,
        p.create_triggers,
        p.comments,
    ]
    .concat();
}

fn change(
    i: usize,
    c: &Change,
    to_realm: &Realm,
    p: &mut Phases,
    handled_views: &mut HashSet<(String, String)>,
) {
    match c {
        Change::AddSchema { schema, comment } => {
            p.create_schemas.push(step(
                i,
                format!("create schema {}", q(schema)),
                format!("CREATE SCHEMA {}", q(schema)),
                Some(format!("DROP SCHEMA {}", q(schema))),
                None,
            ));
            if let Some(cm) = comment {
                p.comments
                    .push(comment_on(i, "SCHEMA", &q(schema), Some(cm)));
            }
        }
        Change::DropSchema { schema } => p.drop_schemas.push(destructive(step(
            i,
            format!("drop schema {}", q(schema)),
            format!("DROP SCHEMA {}", q(schema)),
            Some(format!("CREATE SCHEMA {}", q(schema))),
            None,
        ))),
        Change::ModifySchemaComment { schema, to, .. } => {
            p.comments
                .push(comment_on(i, "SCHEMA", &q(schema), to.as_deref()))
        }
        Change::AddExtension { extension: e } => {
            let mut sql = format!("CREATE EXTENSION IF NOT EXISTS {}", q(&e.name));
            if let Some(s) = &e.schema {
                sql.push_str(&format!(" SCHEMA {}", q(s)));
            }
            p.create_schemas.push(step(
                i,
                format!("create extension {}", q(&e.name)),
                sql,
                Some(format!("DROP EXTENSION {}", q(&e.name))),
                e.span.clone(),
            ));
        }
        Change::DropExtension { extension: e } => p.drop_schemas.insert(
            0,
            destructive(step(
                i,
                format!("drop extension {}", q(&e.name)),
                format!("DROP EXTENSION {}", q(&e.name)),
                None,
                None,
            )),
        ),
        Change::AddEnum {
            schema,
            enum_type: e,
        } => {
            p.types.push(step(
                i,
                format!("create enum type {}", qn(schema, &e.name)),
                create_enum(schema, e),
                Some(format!("DROP TYPE {}", qn(schema, &e.name))),
                e.span.clone(),
            ));
            if let Some(cm) = &e.comment {
                p.comments
                    .push(comment_on(i, "TYPE", &qn(schema, &e.name), Some(cm)));
            }
        }
        Change::DropEnum {
            schema,
            enum_type: e,
        } => p.drop_types.push(step(
            i,
            format!("drop enum type {}", qn(schema, &e.name)),
            format!("DROP TYPE {}", qn(schema, &e.name)),
            Some(create_enum(schema, e)),
            None,
        )),
        Change::AddDomain { schema, domain } => {
            p.domains.push(step(
                i,
                format!("create domain {}", qn(schema, &domain.name)),
                create_domain(schema, domain),
                Some(format!("DROP DOMAIN {}", qn(schema, &domain.name))),
                domain.span.clone(),
            ));
            if let Some(cm) = &domain.comment {
                p.comments
                    .push(comment_on(i, "DOMAIN", &qn(schema, &domain.name), Some(cm)));
            }
        }
        Change::DropDomain { schema, domain } => p.drop_types.push(step(
            i,
            format!("drop domain {}", qn(schema, &domain.name)),
            format!("DROP DOMAIN {}", qn(schema, &domain.name)),
            Some(create_domain(schema, domain)),
            None,
        )),
        Change::ModifyDomain { schema, from, to } => {
            modify_domain(i, schema, from, to, to_realm, p)
        }
        Change::ModifyEnum { schema, from, to } => modify_enum(i, schema, from, to, to_realm, p),
        Change::AddSequence { schema, sequence } => {
            let name = qn(schema, &sequence.name);
            p.types.push(step(
                i,
                format!("create sequence {name}"),
                create_sequence(schema, sequence),
                Some(format!("DROP SEQUENCE {name}")),
                sequence.span.clone(),
            ));
            if let Some(owner) = &sequence.owned_by {
                p.create_indexes
                    .push(owned_by(i, schema, &sequence.name, Some(owner)));
            }
            if let Some(cm) = &sequence.comment {
                p.comments.push(comment_on(i, "SEQUENCE", &name, Some(cm)));
            }
        }
        Change::DropSequence { schema, sequence } => {
            // A sequence OWNED BY a column goes with its table or column.
            let exists = if sequence.owned_by.is_some() {
                "IF EXISTS "
            } else {
                ""
            };
            p.drop_types.push(destructive(step(
                i,
                format!("drop sequence {}", qn(schema, &sequence.name)),
                format!("DROP SEQUENCE {exists}{}", qn(schema, &sequence.name)),
                Some(create_sequence(schema, sequence)),
                None,
            )))
        }
        Change::ModifySequence { schema, from, to } => {
            let name = qn(schema, &to.name);
            let changed = sequence_changes(&from.options, &to.options);
            if !changed.is_empty() {
                p.types.push(step(
                    i,
                    format!("alter sequence {name}"),
                    format!("ALTER SEQUENCE {name} {}", changed.join(" ")),
                    Some(format!(
                        "ALTER SEQUENCE {name} {}",
                        sequence_changes(&to.options, &from.options).join(" ")
                    )),
                    to.span.clone(),
                ));
            }
            if from.owned_by != to.owned_by {
                p.create_indexes
                    .push(owned_by(i, schema, &to.name, to.owned_by.as_ref()));
            }
            if from.comment != to.comment {
                p.comments
                    .push(comment_on(i, "SEQUENCE", &name, to.comment.as_deref()));
            }
        }
        Change::AddRoutine { schema, routine: r } | Change::ModifyRoutine { schema, to: r, .. } => {
            let only_comment = matches!(c, Change::ModifyRoutine { from, .. } if crate::sql::lex::normalize(&from.def) == crate::sql::lex::normalize(&r.def));
            if let Change::ModifyRoutine { from, .. } = c {
                // CREATE OR REPLACE keeps the triggers that call it, but cannot
                // change what a function returns: only then drop it first.
                if returns(&from.def) != returns(&r.def) {
                    p.routines.push(step(
                        i,
                        format!(
                            "drop {} {} to change what it returns",
                            kind(r),
                            qn(schema, &from.name)
                        ),
                        format!(
                            "DROP {} {}({})",
                            kind(r).to_uppercase(),
                            qn(schema, &from.name),
                            from.args
                        ),
                        Some(from.def.clone()),
                        None,
                    ));
                }
            }
            if !only_comment {
                p.routines.push(step(
                    i,
                    format!("create {} {}", kind(r), qn(schema, &r.name)),
                    r.def.clone(),
                    Some(format!(
                        "DROP {} {}({})",
                        kind(r).to_uppercase(),
                        qn(schema, &r.name),
                        r.args
                    )),
                    r.span.clone(),
                ));
            }
            let changed = match c {
                Change::ModifyRoutine { from, .. } => from.comment != r.comment,
                _ => r.comment.is_some(),
            };
            if changed {
                let target = format!("{}({})", qn(schema, &r.name), r.args);
                p.comments.push(comment_on(
                    i,
                    &kind(r).to_uppercase(),
                    &target,
                    r.comment.as_deref(),
                ));
            }
        }
        Change::DropRoutine { schema, routine: r } => p.drop_types.push(step(
            i,
            format!("drop {} {}", kind(r), qn(schema, &r.name)),
            format!(
                "DROP {} {}({})",
                kind(r).to_uppercase(),
                qn(schema, &r.name),
                r.args
            ),
            Some(r.def.clone()),
            None,
        )),
        Change::AddTable { schema, table } if partition_of(table).is_some() => {
            // After the parent exists; its columns and the parent's indexes
            // and keys come with it. What is the partition's own follows.
            p.alter_tables.push(step(
                i,
                format!("create partition {}", qn(schema, &table.name)),
                create_table(schema, table),
                Some(format!("DROP TABLE {}", qn(schema, &table.name))),
                table.span.clone(),
            ));
            let t = qn(schema, &table.name);
            for idx in &table.indexes {
                p.create_indexes.push(if idx.attrs.flag("constraint") {
                    step(
                        i,
                        format!("add constraint {} to {t}", q(&idx.name)),
                        format!("ALTER TABLE {t} ADD {}", unique_constraint(idx)),
                        None,
                        idx.span.clone().or(table.span.clone()),
                    )
                } else {
                    step(
                        i,
                        format!("create index {} on {t}", q(&idx.name)),
                        create_index(schema, &table.name, idx),
                        Some(format!("DROP INDEX {}", qn(schema, &idx.name))),
                        idx.span.clone().or(table.span.clone()),
                    )
                });
            }
            for c in &table.checks {
                p.alter_tables.push(step(
                    i,
                    format!("add check to {t}"),
                    format!("ALTER TABLE {t} ADD {}", table_check_sql(table, c)),
                    None,
                    c.span.clone(),
                ));
            }
            for fk in &table.foreign_keys {
                p.add_fks.push(add_fk(i, schema, &table.name, fk));
            }
            table_comments(i, schema, table, p);
        }
        Change::DropTable { schema, table } if partition_of(table).is_some() => {
            // Before its parent, which would take it along.
            p.drop_fks.push(destructive(step(
                i,
                format!("drop partition {}", qn(schema, &table.name)),
                format!("DROP TABLE {}", qn(schema, &table.name)),
                Some(create_table(schema, table)),
                None,
            )));
        }
        Change::AddTable { schema, table } => {
            p.create_tables.push(step(
                i,
                format!("create table {}", qn(schema, &table.name)),
                create_table(schema, table),
                Some(format!("DROP TABLE {}", qn(schema, &table.name))),
                table.span.clone(),
            ));
            for idx in table.indexes.iter().filter(|x| !x.attrs.flag("constraint")) {
                p.create_indexes.push(step(
                    i,
                    format!(
                        "create index {} on {}",
                        q(&idx.name),
                        qn(schema, &table.name)
                    ),
                    create_index(schema, &table.name, idx),
                    Some(format!("DROP INDEX {}", qn(schema, &idx.name))),
                    idx.span.clone().or(table.span.clone()),
                ));
            }
            for fk in &table.foreign_keys {
                p.add_fks.push(add_fk(i, schema, &table.name, fk));
            }
            let t = qn(schema, &table.name);
            for pol in &table.policies {
                p.create_indexes.push(create_policy(i, &t, pol));
            }
            for (flag, sql) in [("row_security", "ENABLE"), ("row_security_force", "FORCE")] {
                if table.attrs.flag(flag) {
                    p.create_indexes.push(step(
                        i,
                        format!("{} row level security on {t}", sql.to_lowercase()),
                        format!("ALTER TABLE {t} {sql} ROW LEVEL SECURITY"),
                        None,
                        None,
                    ));
                }
            }
            table_comments(i, schema, table, p);
        }
        Change::DropTable { schema, table } => {
            for fk in &table.foreign_keys {
                if let Some(n) = &fk.name {
                    p.drop_fks.push(step(
                        i,
                        format!("drop foreign key {} of {}", q(n), qn(schema, &table.name)),
                        format!(
                            "ALTER TABLE {} DROP CONSTRAINT {}",
                            qn(schema, &table.name),
                            q(n)
                        ),
                        None,
                        None,
                    ));
                }
            }
            p.drop_tables.push(destructive(step(
                i,
                format!("drop table {}", qn(schema, &table.name)),
                format!("DROP TABLE {}", qn(schema, &table.name)),
                Some(create_table(schema, table)),
                None,
            )));
        }
        Change::RenameTable { schema, from, to } => p.renames.push(step(
            i,
            format!("rename table {} to {}", qn(schema, from), q(to)),
            format!("ALTER TABLE {} RENAME TO {}", qn(schema, from), q(to)),
            Some(format!(
                "ALTER TABLE {} RENAME TO {}",
                qn(schema, to),
                q(from)
            )),
            None,
        )),
        Change::ModifyTable {
            schema,
            from,
            to,
            changes,
        } => modify_table(i, schema, from, to, changes, to_realm, p),
        Change::AddView { schema, view } => {
            handled_views.insert((schema.clone(), view.name.clone()));
        }
        Change::DropView { schema, view } => {
            handled_views.insert((schema.clone(), view.name.clone()));
            p.drop_views.push(drop_view(i, schema, view));
        }
        Change::ModifyView { schema, from, to } if view_redefined(from, to) => {
            handled_views.insert((schema.clone(), to.name.clone()));
            p.drop_views.push(drop_view(i, schema, from));
        }
        Change::ModifyView { schema, from, to } => {
            // Same query: only its indexes or comment change.
            let keep = view_indexes(schema, from);
            let want = view_indexes(schema, to);
            for idx in &from.indexes {
                if !want.contains(&create_index(schema, &from.name, idx)) {
                    p.drop_indexes.push(drop_index(i, schema, &from.name, idx));
                }
            }
            for idx in &to.indexes {
                let sql = create_index(schema, &to.name, idx);
                if !keep.contains(&sql) {
                    p.create_indexes.push(step(
                        i,
                        format!("create index {} on {}", q(&idx.name), qn(schema, &to.name)),
                        sql,
                        Some(format!("DROP INDEX {}", qn(schema, &idx.name))),
                        idx.span.clone().or(to.span.clone()),
                    ));
                }
            }
            if from.comment != to.comment {
                p.comments.push(view_comment(i, schema, to));
            }
        }
        Change::AddTrigger { schema, trigger } => {
            p.create_triggers.push(create_trigger(i, schema, trigger));
            if trigger.comment.is_some() {
                p.comments.push(trigger_comment(i, schema, trigger));
            }
        }
        Change::DropTrigger { schema, trigger } => {
            p.drop_triggers.push(drop_trigger(i, schema, trigger))
        }
        Change::ModifyTrigger { schema, from, to } => {
            if crate::sql::lex::normalize(&from.def) != crate::sql::lex::normalize(&to.def) {
                p.drop_triggers.push(drop_trigger(i, schema, from));
                p.create_triggers.push(create_trigger(i, schema, to));
                if to.comment.is_some() {
                    p.comments.push(trigger_comment(i, schema, to));
                }
            } else {
                p.comments.push(trigger_comment(i, schema, to));
            }
        }
    }
}

fn create_sequence(schema: &str, seq: &Sequence) -> String {
    let mut sql = format!("CREATE SEQUENCE {}", qn(schema, &seq.name));
    if seq.options.ty != "bigint" {
        sql.push_str(&format!(" AS {}", seq.options.ty));
    }
    for c in seq.options.clauses(false) {
        sql.push(' ');
        sql.push_str(&c);
    }
    sql
}

fn owned_by(i: usize, schema: &str, seq: &str, owner: Option<&(String, String)>) -> Step {
    let target = match owner {
        Some((t, c)) => format!("{}.{}", qn(schema, t), q(c)),
        None => "NONE".into(),
    };
    step(
        i,
        format!("sequence {} owned by {target}", qn(schema, seq)),
        format!("ALTER SEQUENCE {} OWNED BY {target}", qn(schema, seq)),
        None,
        None,
    )
}

/// The `ALTER SEQUENCE` (or identity `SET`) clauses that take `a` to `b`.
fn sequence_changes(a: &SequenceOptions, b: &SequenceOptions) -> Vec<String> {
    let mut out = Vec::new();
    if a.ty != b.ty {
        out.push(format!("AS {}", b.ty));
    }
    if a.increment != b.increment {
        out.push(format!("INCREMENT BY {}", b.increment));
    }
    // A new type moves the default bounds: say them whenever the type changes.
    if a.min != b.min || a.ty != b.ty {
        out.push(format!("MINVALUE {}", b.min));
    }
    if a.max != b.max || a.ty != b.ty {
        out.push(format!("MAXVALUE {}", b.max));
    }
    if a.start != b.start {
        out.push(format!("START WITH {}", b.start));
    }
    if a.cache != b.cache {
        out.push(format!("CACHE {}", b.cache));
    }
    if a.cycle != b.cycle {
        out.push(if b.cycle { "CYCLE" } else { "NO CYCLE" }.into());
    }
    out
}

/// The options of an identity column's sequence, from the column's attributes
/// (`identity_start`, … as the inspector records the ones off their defaults).
pub fn identity_options(c: &Column) -> SequenceOptions {
    let int = |k: &str| match c.attrs.0.get(k) {
        Some(AttrValue::Int(v)) => Some(*v),
        _ => None,
    };
    let mut o = SequenceOptions::defaults(&c.ty, int("identity_increment").unwrap_or(1));
    for k in ["start", "min_value", "max_value", "cache", "cycle"] {
        if let Some(v) = int(&format!("identity_{k}")) {
            o.set(k, v);
        }
    }
    o
}

/// The `RETURNS …` clause of a function definition, normalized.
fn returns(def: &str) -> Option<String> {
    let upper = def.to_ascii_uppercase();
    let start = upper.find(" RETURNS ")?;
    let rest = &def[start + 9..];
    let end = ["\n", " LANGUAGE ", " AS "]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()
        .unwrap_or(rest.len());
    Some(crate::sql::lex::normalize(&rest[..end]))
}

fn kind(r: &Routine) -> &'static str {
    if super::aggregate::is_aggregate(&r.def) {
        "aggregate"
    } else if r.procedure {
        "procedure"
    } else {
        "function"
    }
}

fn create_enum(schema: &str, e: &EnumType) -> String {
    let values: Vec<String> = e.values.iter().map(|v| lit(v)).collect();
    format!(
        "CREATE TYPE {} AS ENUM ({})",
        qn(schema, &e.name),
        values.join(", ")
    )
}

/// Appended or inserted values use `ALTER TYPE … ADD VALUE`; removing or
/// reordering recreates the type and converts the columns that use it.
fn modify_enum(
    i: usize,
    schema: &str,
    from: &EnumType,
    to: &EnumType,
    to_realm: &Realm,
    p: &mut Phases,
) {
    let name = qn(schema, &to.name);
    if from.name != to.name {
        p.types.push(step(
            i,
            format!("rename type {} to {}", qn(schema, &from.name), q(&to.name)),
            format!(
                "ALTER TYPE {} RENAME TO {}",
                qn(schema, &from.name),
                q(&to.name)
            ),
            None,
            to.span.clone(),
        ));
    }
    let kept_in_order = {
        let mut it = to.values.iter();
        from.values.iter().all(|v| it.any(|x| x == v))
    };
    if kept_in_order {
        for (k, v) in to.values.iter().enumerate() {
            if from.values.contains(v) {
                continue;
            }
            // Values are added in order, so the one just before already exists.
            let place = match to.values[..k].last() {
                Some(prev) => format!(" AFTER {}", lit(prev)),
                None => match to.values[k + 1..].iter().find(|x| from.values.contains(x)) {
                    Some(next) => format!(" BEFORE {}", lit(next)),
                    None => String::new(),
                },
            };
            p.types.push(step(
                i,
                format!("add value {} to {name}", lit(v)),
                format!("ALTER TYPE {name} ADD VALUE {}{place}", lit(v)),
                None,
                to.span.clone(),
            ));
        }
    } else {
        let old = format!("{}_strata_old", to.name);
        p.types.push(step(
            i,
            format!("recreate type {name}: rename the old one"),
            format!("ALTER TYPE {name} RENAME TO {}", q(&old)),
            None,
            None,
        ));
        p.types.push(step(
            i,
            format!("recreate type {name}: create it"),
            create_enum(schema, to),
            None,
            to.span.clone(),
        ));
        for s in &to_realm.schemas {
            for t in &s.tables {
                for c in t
                    .columns
                    .iter()
                    .filter(|c| type_names_enum(&c.ty, schema, &to.name))
                {
                    let table = qn(&s.name, &t.name);
                    if c.default.is_some() {
                        p.types.push(step(
                            i,
                            format!("recreate type {name}: drop default of {}", q(&c.name)),
                            format!(
                                "ALTER TABLE {table} ALTER COLUMN {} DROP DEFAULT",
                                q(&c.name)
                            ),
                            None,
                            None,
                        ));
                    }
                    p.types.push(step(i, format!("recreate type {name}: convert {table}.{}", q(&c.name)), format!("ALTER TABLE {table} ALTER COLUMN {} TYPE {name} USING {}::text::{name}", q(&c.name), q(&c.name)), None, c.span.clone()));
                    if let Some(d) = &c.default {
                        p.types.push(step(
                            i,
                            format!("recreate type {name}: restore default of {}", q(&c.name)),
                            format!(
                                "ALTER TABLE {table} ALTER COLUMN {} SET DEFAULT {}",
                                q(&c.name),
                                default_sql(d)
                            ),
                            None,
                            None,
                        ));
                    }
                }
            }
        }
        p.drop_types.push(step(
            i,
            format!("recreate type {name}: drop the old one"),
            format!("DROP TYPE {}", qn(schema, &old)),
            None,
            None,
        ));
    }
    if from.comment != to.comment {
        p.comments
            .push(comment_on(i, "TYPE", &name, to.comment.as_deref()));
    }
}

fn create_domain(schema: &str, d: &Domain) -> String {
    let mut s = format!("CREATE DOMAIN {} AS {}", qn(schema, &d.name), d.ty);
    if let Some(c) = &d.collation {
        s.push_str(&format!(" COLLATE {}", q(c)));
    }
    if let Some(def) = &d.default {
        s.push_str(&format!(" DEFAULT {}", default_sql(def)));
    }
    if !d.nullable {
        s.push_str(" NOT NULL");
    }
    for c in &d.checks {
        s.push_str(&format!(" {}", check_sql(c)));
    }
    s
}

/// Defaults, NOT NULL and checks change in place; a new base type or
/// collation recreates the domain and converts the columns that use it.
fn modify_domain(
    i: usize,
    schema: &str,
    from: &Domain,
    to: &Domain,
    to_realm: &Realm,
    p: &mut Phases,
) {
    let name = qn(schema, &to.name);
    let mut alter =
        |comment: String, sql: String| p.types.push(step(i, comment, sql, None, to.span.clone()));
    if !crate::diff::type_eq(&from.ty, &to.ty) || from.collation != to.collation {
        let old = format!("{}_strata_old", to.name);
        alter(
            format!("recreate domain {name}: rename the old one"),
            format!("ALTER DOMAIN {name} RENAME TO {}", q(&old)),
        );
        alter(
            format!("recreate domain {name}: create it"),
            create_domain(schema, to),
        );
        for s in &to_realm.schemas {
            for t in &s.tables {
                for c in t
                    .columns
                    .iter()
                    .filter(|c| type_names_enum(&c.ty, schema, &to.name))
                {
                    let table = qn(&s.name, &t.name);
                    alter(
                        format!("recreate domain {name}: convert {table}.{}", q(&c.name)),
                        format!(
                            "ALTER TABLE {table} ALTER COLUMN {} TYPE {name} USING {}::{}::{name}",
                            q(&c.name),
                            q(&c.name),
                            to.ty
                        ),
                    );
                }
            }
        }
        p.drop_types.push(step(
            i,
            format!("recreate domain {name}: drop the old one"),
            format!("DROP DOMAIN {}", qn(schema, &old)),
            None,
            None,
        ));
        return;
    }
    if from.default != to.default {
        match &to.default {
            Some(d) => alter(
                format!("set default of domain {name}"),
                format!("ALTER DOMAIN {name} SET DEFAULT {}", default_sql(d)),
            ),
            None => alter(
                format!("drop default of domain {name}"),
                format!("ALTER DOMAIN {name} DROP DEFAULT"),
            ),
        }
    }
    if from.nullable != to.nullable {
        let what = if to.nullable {
            "DROP NOT NULL"
        } else {
            "SET NOT NULL"
        };
        alter(
            format!("change nullability of domain {name}"),
            format!("ALTER DOMAIN {name} {what}"),
        );
    }
    let same = |a: &Check, b: &Check| {
        a.name == b.name
            && crate::sql::lex::normalize(&a.expr) == crate::sql::lex::normalize(&b.expr)
    };
    for c in from
        .checks
        .iter()
        .filter(|c| !to.checks.iter().any(|x| same(c, x)))
    {
        if let Some(n) = &c.name {
            alter(
                format!("drop check {} of domain {name}", q(n)),
                format!("ALTER DOMAIN {name} DROP CONSTRAINT {}", q(n)),
            );
        }
    }
    for c in to
        .checks
        .iter()
        .filter(|c| !from.checks.iter().any(|x| same(c, x)))
    {
        alter(
            format!("add check to domain {name}"),
            format!("ALTER DOMAIN {name} ADD {}", check_sql(c)),
        );
    }
    if from.comment != to.comment {
        p.comments
            .push(comment_on(i, "DOMAIN", &name, to.comment.as_deref()));
    }
}

fn type_names_enum(ty: &str, schema: &str, name: &str) -> bool {
    let ty = ty.trim_end_matches("[]");
    ty == name || ty == format!("{schema}.{name}") || ty == qn(schema, name) || ty == q(name)
}

fn drop_view(i: usize, schema: &str, v: &View) -> Step {
    let m = if v.attrs.flag("materialized") {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    };
    step(
        i,
        format!("drop view {}", qn(schema, &v.name)),
        format!("DROP {m} {}", qn(schema, &v.name)),
        Some(create_view(schema, v)),
        None,
    )
}

/// Whether the view's query changed (not just its indexes or comment).
fn view_redefined(from: &View, to: &View) -> bool {
    crate::sql::lex::normalize(&from.def) != crate::sql::lex::normalize(&to.def)
        || (from.comment == to.comment && view_indexes("", from) == view_indexes("", to))
}

fn view_comment(i: usize, schema: &str, v: &View) -> Step {
    let kind = if v.attrs.flag("materialized") {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    };
    comment_on(i, kind, &qn(schema, &v.name), v.comment.as_deref())
}

fn create_view(schema: &str, v: &View) -> String {
    let m = if v.attrs.flag("materialized") {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    };
    format!("CREATE {m} {} AS {}", qn(schema, &v.name), v.def)
}

fn drop_trigger(i: usize, schema: &str, t: &Trigger) -> Step {
    step(
        i,
        format!("drop trigger {} on {}", q(&t.name), qn(schema, &t.table)),
        format!("DROP TRIGGER {} ON {}", q(&t.name), qn(schema, &t.table)),
        Some(t.def.clone()),
        None,
    )
}

fn trigger_comment(i: usize, schema: &str, t: &Trigger) -> Step {
    let target = format!("{} ON {}", q(&t.name), qn(schema, &t.table));
    comment_on(i, "TRIGGER", &target, t.comment.as_deref())
}

fn create_trigger(i: usize, schema: &str, t: &Trigger) -> Step {
    step(
        i,
        format!("create trigger {} on {}", q(&t.name), qn(schema, &t.table)),
        t.def.clone(),
        Some(format!(
            "DROP TRIGGER {} ON {}",
            q(&t.name),
            qn(schema, &t.table)
        )),
        t.span.clone(),
    )
}

/// Views that read something disturbed are dropped before and created after;
/// so are the views reading those, transitively.
fn dependents(
    plan: &Plan,
    from: &Realm,
    to: &Realm,
    disturbed: &mut HashSet<String>,
    handled: &mut HashSet<(String, String)>,
    p: &mut Phases,
) {
    loop {
        let mut more = false;
        for s in &from.schemas {
            for v in &s.views {
                let key = (s.name.clone(), v.name.clone());
                if handled.contains(&key) || !disturbed.iter().any(|d| mentions(&v.def, d)) {
                    continue;
                }
                let ci = plan
                    .changes
                    .iter()
                    .position(|c| c.object().1 == v.name)
                    .unwrap_or(0);
                // A view goes before the views it reads.
                p.drop_views.insert(0, drop_view(ci, &s.name, v));
                handled.insert(key);
                disturbed.insert(v.name.clone());
                more = true;
            }
        }
        if !more {
            break;
        }
    }
    let dropped: HashSet<(String, String)> = plan
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::DropView { schema, view } => Some((schema.clone(), view.name.clone())),
            _ => None,
        })
        .collect();
    let mut pending: Vec<(&str, &View)> = to
        .schemas
        .iter()
        .flat_map(|s| s.views.iter().map(move |v| (s.name.as_str(), v)))
        .filter(|(s, v)| {
            let key = (s.to_string(), v.name.clone());
            handled.contains(&key) && !dropped.contains(&key)
        })
        .collect();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|(_, v)| {
                !pending
                    .iter()
                    .any(|(_, o)| o.name != v.name && mentions(&v.def, &o.name))
            })
            .unwrap_or(0);
        let (schema, v) = pending.remove(ready);
        let ci = plan
            .changes
            .iter()
            .position(|c| c.object().1 == v.name)
            .unwrap_or(0);
        p.create_views.push(step(
            ci,
            format!("create view {}", qn(schema, &v.name)),
            create_view(schema, v),
            Some(format!("DROP VIEW {}", qn(schema, &v.name))),
            v.span.clone(),
        ));
        for idx in &v.indexes {
            p.create_views.push(step(
                ci,
                format!("create index {} on {}", q(&idx.name), qn(schema, &v.name)),
                create_index(schema, &v.name, idx),
                Some(format!("DROP INDEX {}", qn(schema, &idx.name))),
                idx.span.clone().or(v.span.clone()),
            ));
        }
        if v.comment.is_some() {
            p.comments.push(view_comment(ci, schema, v));
        }
    }
}

/// Routines that need a table or view this plan makes (a `LANGUAGE sql`
/// body reading it, a row type in the signature) are created after it; see
/// [`super::order`].
fn place_routines(plan: &Plan, handled_views: &HashSet<(String, String)>, p: &mut Phases) {
    let mut made: HashSet<String> = handled_views
        .iter()
        .map(|(_, v)| v.to_ascii_lowercase())
        .collect();
    for c in &plan.changes {
        match c {
            Change::AddTable { table: t, .. } | Change::ModifyTable { to: t, .. } => {
                made.insert(t.name.to_ascii_lowercase());
            }
            Change::RenameTable { to, .. } => {
                made.insert(to.to_ascii_lowercase());
            }
            _ => {}
        }
    }
    let pinned: HashSet<String> = p
        .types
        .iter()
        .chain(&p.domains)
        .flat_map(|s| super::order::idents(&s.sql))
        .collect();
    let placed = super::order::place_routines(
        &plan.changes,
        &made,
        &pinned,
        std::mem::take(&mut p.routines),
        std::mem::take(&mut p.create_tables),
        p.alter_tables
            .iter()
            .chain(&p.create_indexes)
            .chain(&p.add_fks),
        std::mem::take(&mut p.create_views),
    );
    p.routines = placed.routines;
    p.create_tables = placed.create_tables;
    p.create_views = placed.create_views;
}

fn table_comments(i: usize, schema: &str, t: &Table, p: &mut Phases) {
    let name = qn(schema, &t.name);
    for (k, v) in &t.attrs.0 {
        if let (Some(con), AttrValue::Str(c)) = (k.strip_prefix("comment:"), v) {
            let target = format!("{} ON {name}", q(con));
            p.comments
                .push(comment_on(i, "CONSTRAINT", &target, Some(c)));
        }
    }
    if let Some(c) = &t.comment {
        p.comments.push(comment_on(i, "TABLE", &name, Some(c)));
    }
    for c in &t.columns {
        if let Some(cm) = &c.comment {
            let target = format!("{name}.{}", q(&c.name));
            p.comments.push(comment_on(i, "COLUMN", &target, Some(cm)));
        }
    }
    for idx in &t.indexes {
        if let Some(cm) = &idx.comment {
            p.comments
                .push(comment_on(i, "INDEX", &qn(schema, &idx.name), Some(cm)));
        }
    }
}

fn modify_table(
    i: usize,
    schema: &str,
    from: &Table,
    to: &Table,
    changes: &[TableChange],
    to_realm: &Realm,
    p: &mut Phases,
) {
    let t = qn(schema, &to.name);
    if let Some(parent) = partition_of(to) {
        // Columns, indexes and constraints follow the parent; a new bound is a
        // detach and an attach.
        let bound_changed = changes.iter().any(|c| matches!(c, TableChange::ModifyAttr { key, .. } if key == "partition_bound" || key == "partition_of"));
        if let (true, Some(AttrValue::Str(bound))) =
            (bound_changed, to.attrs.0.get("partition_bound"))
        {
            let old_parent = partition_of(from).unwrap_or_else(|| parent.clone());
            p.alter_tables.push(step(
                i,
                format!("detach partition {t}"),
                format!("ALTER TABLE {old_parent} DETACH PARTITION {t}"),
                None,
                None,
            ));
            p.alter_tables.push(step(
                i,
                format!("attach partition {t}"),
                format!("ALTER TABLE {parent} ATTACH PARTITION {t} {bound}"),
                None,
                to.span.clone(),
            ));
        }
        // The partition's own indexes, keys and checks change as a table's.
    }
    // Enums convert from anything through text (there are no enum-to-enum casts).
    let is_enum = |ty: &str| {
        to_realm.schemas.iter().any(|s| {
            s.enums
                .iter()
                .any(|e| type_names_enum(ty, &s.name, &e.name))
        })
    };
    let alter = |comment: String, sql: String, reverse: Option<String>, span: Option<Span>| {
        step(i, comment, sql, reverse, span)
    };
    for c in changes {
        match c {
            TableChange::AddColumn { column } => {
                p.alter_tables.push(alter(
                    format!("add column {} to {t}", q(&column.name)),
                    format!("ALTER TABLE {t} ADD COLUMN {}", column_def(column)),
                    Some(format!("ALTER TABLE {t} DROP COLUMN {}", q(&column.name))),
                    column.span.clone(),
                ));
                if column.comment.is_some() {
                    let target = format!("{t}.{}", q(&column.name));
                    p.comments
                        .push(comment_on(i, "COLUMN", &target, column.comment.as_deref()));
                }
            }
            TableChange::DropColumn { column } => p.alter_tables.push(destructive(alter(
                format!("drop column {} from {t}", q(&column.name)),
                format!("ALTER TABLE {t} DROP COLUMN {}", q(&column.name)),
                Some(format!("ALTER TABLE {t} ADD COLUMN {}", column_def(column))),
                None,
            ))),
            TableChange::RenameColumn { from: a, to: b } => p.renames.push(alter(
                format!("rename column {} to {} in {t}", q(a), q(b)),
                format!("ALTER TABLE {t} RENAME COLUMN {} TO {}", q(a), q(b)),
                Some(format!(
                    "ALTER TABLE {t} RENAME COLUMN {} TO {}",
                    q(b),
                    q(a)
                )),
                None,
            )),
            TableChange::ModifyColumn {
                from: a,
                to: b,
                aspects,
            } => modify_column(i, &t, a, b, aspects, is_enum(&b.ty), p),
            TableChange::AddIndex { index } | TableChange::ModifyIndex { to: index, .. } => {
                if let TableChange::ModifyIndex { from: old, .. } = c {
                    let mut drop = drop_index(i, schema, &t, old);
                    if old.attrs.flag("invalid") {
                        drop.comment = format!(
                            "{} (it is INVALID, left by a failed CREATE INDEX CONCURRENTLY, and enforces nothing): re-create it",
                            drop.comment
                        );
                    }
                    p.drop_indexes.push(drop);
                }
                if index.attrs.flag("constraint") {
                    p.create_indexes.push(alter(
                        format!("add constraint {} to {t}", q(&index.name)),
                        format!("ALTER TABLE {t} ADD {}", unique_constraint(index)),
                        Some(format!(
                            "ALTER TABLE {t} DROP CONSTRAINT {}",
                            q(&index.name)
                        )),
                        index.span.clone(),
                    ));
                } else {
                    p.create_indexes.push(alter(
                        format!("create index {} on {t}", q(&index.name)),
                        create_index(schema, &to.name, index),
                        Some(format!("DROP INDEX {}", qn(schema, &index.name))),
                        index.span.clone(),
                    ));
                }
                if let Some(cm) = &index.comment {
                    p.comments
                        .push(comment_on(i, "INDEX", &qn(schema, &index.name), Some(cm)));
                }
            }
            TableChange::AddPolicy { policy } => {
                p.create_indexes.push(create_policy(i, &t, policy))
            }
            TableChange::DropPolicy { policy } => p.drop_fks.push(drop_policy(i, &t, policy)),
            TableChange::ModifyPolicy { from: old, to: new } => {
                p.drop_fks.push(drop_policy(i, &t, old));
                p.create_indexes.push(create_policy(i, &t, new));
            }
            TableChange::DropIndex { index } => {
                p.drop_indexes.push(drop_index(i, schema, &t, index))
            }
            TableChange::AddForeignKey { fk } => p.add_fks.push(add_fk(i, schema, &to.name, fk)),
            TableChange::DropForeignKey { fk } | TableChange::ModifyForeignKey { from: fk, .. } => {
                if let Some(n) = &fk.name {
                    p.drop_fks.push(alter(
                        format!("drop foreign key {} of {t}", q(n)),
                        format!("ALTER TABLE {t} DROP CONSTRAINT {}", q(n)),
                        None,
                        None,
                    ));
                }
                if let TableChange::ModifyForeignKey { to: new, .. } = c {
                    p.add_fks.push(add_fk(i, schema, &to.name, new));
                }
            }
            TableChange::AddCheck { check } | TableChange::ModifyCheck { to: check, .. } => {
                if let TableChange::ModifyCheck { from: old, .. } = c {
                    if let Some(n) = &old.name {
                        p.alter_tables.push(alter(
                            format!("drop check {} of {t}", q(n)),
                            format!("ALTER TABLE {t} DROP CONSTRAINT {}", q(n)),
                            None,
                            None,
                        ));
                    }
                }
                p.alter_tables.push(alter(
                    format!("add check to {t}"),
                    format!("ALTER TABLE {t} ADD {}", table_check_sql(to, check)),
                    None,
                    check.span.clone(),
                ));
            }
            TableChange::DropCheck { check } => {
                if let Some(n) = &check.name {
                    p.alter_tables.push(alter(
                        format!("drop check {} of {t}", q(n)),
                        format!("ALTER TABLE {t} DROP CONSTRAINT {}", q(n)),
                        Some(format!("ALTER TABLE {t} ADD {}", check_sql(check))),
                        None,
                    ));
                }
            }
            TableChange::ModifyPrimaryKey { from: old, to: new } => {
                // Inspection always names the key; a schema read from files may
                // not, and then it carries PostgreSQL's default name.
                if let Some(k) = old {
                    let n = k
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("{}_pkey", to.name));
                    p.drop_indexes.push(alter(
                        format!("drop primary key of {t}"),
                        format!("ALTER TABLE {t} DROP CONSTRAINT {}", q(&n)),
                        None,
                        None,
                    ));
                }
                if let Some(k) = new {
                    p.create_indexes.insert(
                        0,
                        alter(
                            format!("add primary key to {t}"),
                            format!("ALTER TABLE {t} ADD {}", primary_key(k)),
                            None,
                            k.span.clone(),
                        ),
                    );
                }
            }
            TableChange::ModifyAttr { key, to: value, .. } => {
                let on = matches!(value, Some(AttrValue::Bool(true)));
                let sql = match key.as_str() {
                    "unlogged" => Some(format!(
                        "ALTER TABLE {t} SET {}",
                        if on { "UNLOGGED" } else { "LOGGED" }
                    )),
                    "row_security" => Some(format!(
                        "ALTER TABLE {t} {} ROW LEVEL SECURITY",
                        if on { "ENABLE" } else { "DISABLE" }
                    )),
                    "row_security_force" => Some(format!(
                        "ALTER TABLE {t} {} ROW LEVEL SECURITY",
                        if on { "FORCE" } else { "NO FORCE" }
                    )),
                    k if k.starts_with("comment:") => {
                        let text = match value {
                            Some(AttrValue::Str(c)) => Some(c.as_str()),
                            _ => None,
                        };
                        let target = format!("{} ON {t}", q(&k["comment:".len()..]));
                        p.comments.push(comment_on(i, "CONSTRAINT", &target, text));
                        None
                    }
                    _ => None,
                };
                if let Some(sql) = sql {
                    p.alter_tables.push(alter(
                        format!("change {key} of {t}"),
                        sql,
                        None,
                        to.span.clone(),
                    ));
                }
            }
            TableChange::ModifyComment { to: c, .. } => {
                p.comments.push(comment_on(i, "TABLE", &t, c.as_deref()))
            }
        }
    }
    let _ = from;
}

fn modify_column(
    i: usize,
    t: &str,
    a: &Column,
    b: &Column,
    aspects: &[ColumnAspect],
    to_enum: bool,
    p: &mut Phases,
) {
    let c = q(&b.name);
    let via = if to_enum { "::text" } else { "" };
    let mut push = |comment: &str, sql: String| {
        p.alter_tables.push(step(
            i,
            format!("{comment} of {t}.{c}"),
            sql,
            None,
            b.span.clone(),
        ))
    };
    if aspects.contains(&ColumnAspect::Generated) {
        match (&a.generated, &b.generated) {
            (Some(_), None) => push(
                "stop generating",
                format!("ALTER TABLE {t} ALTER COLUMN {c} DROP EXPRESSION"),
            ),
            _ => {
                // A generation expression cannot be altered: the column is recomputed.
                push(
                    "recompute generated column (drop)",
                    format!("ALTER TABLE {t} DROP COLUMN {c}"),
                );
                push(
                    "recompute generated column (add)",
                    format!("ALTER TABLE {t} ADD COLUMN {}", column_def(b)),
                );
                return;
            }
        }
    }
    let type_change =
        aspects.contains(&ColumnAspect::Type) || aspects.contains(&ColumnAspect::Collation);
    if type_change && a.default.is_some() {
        push(
            "drop default before changing the type",
            format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
        );
    }
    if type_change {
        let coll = b
            .collation
            .as_ref()
            .map(|x| format!(" COLLATE {}", q(x)))
            .unwrap_or_default();
        // serial types are integers with a sequence; the column's type is the integer.
        let ty = serial_base(&b.ty);
        // An explicit cast to varchar(n) truncates; the implicit one refuses.
        let using = if !to_enum && super::narrow::assignment_cast_suffices(&a.ty, ty) {
            String::new()
        } else {
            format!(" USING {c}{via}::{ty}")
        };
        push(
            "change type",
            format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {ty}{coll}{using}"),
        );
        if serial_base(&a.ty) != a.ty && serial_base(&b.ty) != b.ty {
            // The owned sequence follows the column's new width.
            let seq = format!(
                "{}_{}_seq",
                t.rsplit('.').next().unwrap_or("").trim_matches('"'),
                b.name
            );
            let schema = t.split('.').next().unwrap_or("").trim_matches('"');
            push(
                "resize the sequence",
                format!(
                    "ALTER SEQUENCE {} AS {}",
                    qn(schema, &seq),
                    serial_base(&b.ty)
                ),
            );
        }
    }
    if aspects.contains(&ColumnAspect::Null) && !b.nullable {
        // Identity needs NOT NULL first.
        push(
            "forbid NULL",
            format!("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL"),
        );
    }
    if aspects.contains(&ColumnAspect::Attrs) {
        let ident = |col: &Column| match col.attrs.0.get("identity") {
            Some(AttrValue::Str(s)) => Some(s.clone()),
            _ => None,
        };
        match (ident(a), ident(b)) {
            (None, Some(g)) => push(
                "add identity",
                format!(
                    "ALTER TABLE {t} ALTER COLUMN {c} ADD GENERATED {g} AS IDENTITY{}",
                    identity_clause(b)
                ),
            ),
            (Some(_), None) => push(
                "drop identity",
                format!("ALTER TABLE {t} ALTER COLUMN {c} DROP IDENTITY"),
            ),
            (Some(x), Some(y)) => {
                let mut sets = Vec::new();
                if x != y {
                    sets.push(format!("SET GENERATED {y}"));
                }
                // The sequence's type follows the column's own type change.
                let mut from = identity_options(a);
                from.ty = identity_options(b).ty;
                for clause in sequence_changes(&from, &identity_options(b)) {
                    sets.push(format!("SET {clause}"));
                }
                if !sets.is_empty() {
                    push(
                        "change identity",
                        format!("ALTER TABLE {t} ALTER COLUMN {c} {}", sets.join(" ")),
                    );
                }
            }
            _ => {}
        }
    }
    if aspects.contains(&ColumnAspect::Default) || (type_change && b.default.is_some()) {
        match &b.default {
            Some(d) => push(
                "set default",
                format!(
                    "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {}",
                    default_sql(d)
                ),
            ),
            None if !type_change || a.default.is_none() => push(
                "drop default",
                format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
            ),
            None => {}
        }
    }
    if aspects.contains(&ColumnAspect::Null) && b.nullable {
        let sql = if b.nullable {
            "DROP NOT NULL"
        } else {
            "SET NOT NULL"
        };
        push(
            if b.nullable {
                "allow NULL"
            } else {
                "forbid NULL"
            },
            format!("ALTER TABLE {t} ALTER COLUMN {c} {sql}"),
        );
    }
    if aspects.contains(&ColumnAspect::Comment) {
        p.comments.push(comment_on(
            i,
            "COLUMN",
            &format!("{t}.{c}"),
            b.comment.as_deref(),
        ));
    }
}

fn create_policy(i: usize, t: &str, pol: &Policy) -> Step {
    let mut sql = format!("CREATE POLICY {} ON {t}", q(&pol.name));
    if !pol.permissive {
        sql.push_str(" AS RESTRICTIVE");
    }
    if pol.command != "ALL" {
        sql.push_str(&format!(" FOR {}", pol.command));
    }
    if !pol.roles.is_empty() {
        let roles: Vec<String> = pol
            .roles
            .iter()
            .map(|r| {
                if r == "PUBLIC" || r == "CURRENT_USER" {
                    r.clone()
                } else {
                    q(r)
                }
            })
            .collect();
        sql.push_str(&format!(" TO {}", roles.join(", ")));
    }
    if let Some(u) = &pol.using {
        sql.push_str(&format!(" USING ({u})"));
    }
    if let Some(c) = &pol.check {
        sql.push_str(&format!(" WITH CHECK ({c})"));
    }
    step(
        i,
        format!("create policy {} on {t}", q(&pol.name)),
        sql,
        Some(format!("DROP POLICY {} ON {t}", q(&pol.name))),
        pol.span.clone(),
    )
}

fn drop_policy(i: usize, t: &str, pol: &Policy) -> Step {
    step(
        i,
        format!("drop policy {} on {t}", q(&pol.name)),
        format!("DROP POLICY {} ON {t}", q(&pol.name)),
        None,
        None,
    )
}

fn drop_index(i: usize, schema: &str, t: &str, idx: &Index) -> Step {
    if idx.attrs.flag("constraint") {
        step(
            i,
            format!("drop constraint {} of {t}", q(&idx.name)),
            format!("ALTER TABLE {t} DROP CONSTRAINT {}", q(&idx.name)),
            None,
            None,
        )
    } else {
        step(
            i,
            format!("drop index {}", qn(schema, &idx.name)),
            format!("DROP INDEX {}", qn(schema, &idx.name)),
            None,
            None,
        )
    }
}

fn add_fk(i: usize, schema: &str, table: &str, fk: &ForeignKey) -> Step {
    let t = qn(schema, table);
    let reverse = fk
        .name
        .as_ref()
        .map(|n| format!("ALTER TABLE {t} DROP CONSTRAINT {}", q(n)));
    step(
        i,
        format!(
            "add foreign key {} to {t}",
            fk.name.as_deref().map(q).unwrap_or_default()
        ),
        format!("ALTER TABLE {t} ADD {}", foreign_key(schema, fk)),
        reverse,
        fk.span.clone(),
    )
}

// ----- rendering -----

/// A default after `DEFAULT`: one token as it is, anything else in
/// parentheses (always valid, and PostgreSQL does not keep them).
fn default_sql(d: &str) -> String {
    if crate::sql::lex::tokenize(d).len() <= 1 {
        d.to_string()
    } else {
        format!("({d})")
    }
}

fn column_def(c: &Column) -> String {
    let mut s = format!("{} {}", q(&c.name), c.ty);
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {}", q(coll)));
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", g.expr));
    }
    if let Some(AttrValue::Str(g)) = c.attrs.0.get("identity") {
        s.push_str(&format!(" GENERATED {g} AS IDENTITY{}", identity_clause(c)));
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if let (Some(d), None) = (&c.default, &c.generated) {
        s.push_str(&format!(" DEFAULT {}", default_sql(d)));
    }
    s
}

/// ` (START WITH … INCREMENT BY …)` for an identity off its defaults, or nothing.
fn identity_clause(c: &Column) -> String {
    let clauses = identity_options(c).clauses(false);
    if clauses.is_empty() {
        String::new()
    } else {
        format!(" ({})", clauses.join(" "))
    }
}

fn named(name: &Option<String>) -> String {
    name.as_ref()
        .map(|n| format!("CONSTRAINT {} ", q(n)))
        .unwrap_or_default()
}

fn column_list(parts: &[IndexPart]) -> String {
    parts
        .iter()
        .filter_map(IndexPart::column_name)
        .map(q)
        .collect::<Vec<_>>()
        .join(", ")
}

fn primary_key(k: &PrimaryKey) -> String {
    format!("{}PRIMARY KEY ({})", named(&k.name), column_list(&k.parts))
}

fn unique_constraint(idx: &Index) -> String {
    if let Some(AttrValue::Str(def)) = idx.attrs.0.get("exclude") {
        return format!("CONSTRAINT {} {def}", q(&idx.name));
    }
    let nnd = if idx.attrs.flag("nulls_not_distinct") {
        " NULLS NOT DISTINCT"
    } else {
        ""
    };
    let deferrable = match idx.attrs.0.get("deferrable") {
        Some(AttrValue::Str(when)) => format!(" DEFERRABLE INITIALLY {when}"),
        _ => String::new(),
    };
    format!(
        "CONSTRAINT {} UNIQUE{nnd} ({}){deferrable}",
        q(&idx.name),
        column_list(&idx.parts)
    )
}

fn check_sql(c: &Check) -> String {
    format!("{}CHECK ({})", named(&c.name), c.expr)
}

/// A check as written in `t`, with `NO INHERIT` when the table says so.
fn table_check_sql(t: &Table, c: &Check) -> String {
    let no_inherit = c
        .name
        .as_ref()
        .is_some_and(|n| t.attrs.flag(&format!("check_no_inherit:{n}")));
    if no_inherit {
        format!("{} NO INHERIT", check_sql(c))
    } else {
        check_sql(c)
    }
}

fn foreign_key(schema: &str, fk: &ForeignKey) -> String {
    let cols: Vec<String> = fk.columns.iter().map(|c| q(c)).collect();
    let refs: Vec<String> = fk.ref_columns.iter().map(|c| q(c)).collect();
    let ref_schema = fk
        .ref_schema
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(schema);
    let mut s = format!(
        "{}FOREIGN KEY ({}) REFERENCES {} ({})",
        named(&fk.name),
        cols.join(", "),
        qn(ref_schema, &fk.ref_table),
        refs.join(", ")
    );
    if fk.match_full {
        s.push_str(" MATCH FULL");
    }
    if fk.on_update != RefAction::NoAction {
        s.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    if fk.on_delete != RefAction::NoAction {
        s.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    match fk.deferrable {
        Deferrable::NotDeferrable => {}
        Deferrable::InitiallyImmediate => s.push_str(" DEFERRABLE INITIALLY IMMEDIATE"),
        Deferrable::InitiallyDeferred => s.push_str(" DEFERRABLE INITIALLY DEFERRED"),
    }
    s
}

/// `"schema"."parent"` of a partition.
fn partition_of(t: &Table) -> Option<String> {
    match t.attrs.0.get("partition_of") {
        Some(AttrValue::Str(p)) => Some(match p.split_once('.') {
            Some((s, n)) => qn(s, n),
            None => q(p),
        }),
        _ => None,
    }
}

pub fn create_table(schema: &str, t: &Table) -> String {
    if let (Some(parent), Some(AttrValue::Str(bound))) =
        (partition_of(t), t.attrs.0.get("partition_bound"))
    {
        return format!(
            "CREATE TABLE {} PARTITION OF {parent} {bound}",
            qn(schema, &t.name)
        );
    }
    let mut lines: Vec<String> = t.columns.iter().map(column_def).collect();
    if let Some(k) = &t.primary_key {
        lines.push(primary_key(k));
    }
    for idx in t.indexes.iter().filter(|x| x.attrs.flag("constraint")) {
        lines.push(unique_constraint(idx));
    }
    for c in &t.checks {
        lines.push(table_check_sql(t, c));
    }
    let unlogged = if t.attrs.flag("unlogged") {
        "UNLOGGED "
    } else {
        ""
    };
    let mut s = format!(
        "CREATE {unlogged}TABLE {} (\n  {}\n)",
        qn(schema, &t.name),
        lines.join(",\n  ")
    );
    if let Some(AttrValue::Str(p)) = t.attrs.0.get("partition") {
        s.push_str(&format!(" PARTITION BY {p}"));
    }
    s
}

pub fn create_index(schema: &str, table: &str, idx: &Index) -> String {
    let unique = if idx.unique { "UNIQUE " } else { "" };
    let method = match idx.attrs.0.get("type") {
        Some(AttrValue::Str(m)) => format!(" USING {m}"),
        _ => String::new(),
    };
    let parts: Vec<String> = idx
        .parts
        .iter()
        .enumerate()
        .map(|(k, part)| {
            let mut s = match &part.key {
                IndexKey::Column(c) => q(c),
                IndexKey::Expr(e) => format!("({e})"),
            };
            if let Some(coll) = &part.collation {
                s.push_str(&format!(" COLLATE {}", q(coll)));
            }
            if let Some(ops) = &part.ops {
                s.push_str(&format!(" {ops}"));
            }
            if part.desc {
                s.push_str(" DESC");
            }
            if let Some(AttrValue::Bool(first)) = idx.attrs.0.get(&format!("nulls_first_{k}")) {
                s.push_str(if *first {
                    " NULLS FIRST"
                } else {
                    " NULLS LAST"
                });
            }
            s
        })
        .collect();
    let mut s = format!(
        "CREATE {unique}INDEX {} ON {}{method} ({})",
        q(&idx.name),
        qn(schema, table),
        parts.join(", ")
    );
    if let Some(AttrValue::Str(inc)) = idx.attrs.0.get("include") {
        let cols: Vec<String> = inc.split(", ").map(q).collect();
        s.push_str(&format!(" INCLUDE ({})", cols.join(", ")));
    }
    if idx.attrs.flag("nulls_not_distinct") {
        s.push_str(" NULLS NOT DISTINCT");
    }
    // Storage parameters as PostgreSQL reports them: `fillfactor=70, …`.
    if let Some(AttrValue::Str(with)) = idx.attrs.0.get("with") {
        s.push_str(&format!(" WITH ({with})"));
    }
    if let Some(w) = &idx.predicate {
        s.push_str(&format!(" WHERE {w}"));
    }
    s
}

fn serial_base(ty: &str) -> &str {
    match ty {
        "serial" => "integer",
        "bigserial" => "bigint",
        "smallserial" => "smallint",
        other => other,
    }
}

/// `CREATE INDEX CONCURRENTLY` / `DROP INDEX CONCURRENTLY` for indexes of tables
/// that already exist (new tables are empty, nothing to wait for). Such
/// statements cannot run in a transaction; the driver runs them after it.
pub fn concurrently(plan: &mut Plan, policy: &crate::project::ConcurrentIndex) {
    for step in &mut plan.steps {
        // PostgreSQL refuses CONCURRENTLY on a partitioned table's indexes.
        let existing_leaf = matches!(&plan.changes[step.change],
            Change::ModifyTable { to, .. } if !to.attrs.0.contains_key("partition"));
        if !existing_leaf {
            continue;
        }
        let rewritten = if policy.create && step.sql.starts_with("CREATE INDEX ") {
            Some(
                step.sql
                    .replacen("CREATE INDEX ", "CREATE INDEX CONCURRENTLY ", 1),
            )
        } else if policy.create && step.sql.starts_with("CREATE UNIQUE INDEX ") {
            Some(step.sql.replacen(
                "CREATE UNIQUE INDEX ",
                "CREATE UNIQUE INDEX CONCURRENTLY ",
                1,
            ))
        } else if policy.drop && step.sql.starts_with("DROP INDEX ") {
            Some(
                step.sql
                    .replacen("DROP INDEX ", "DROP INDEX CONCURRENTLY ", 1),
            )
        } else {
            None
        };
        if let Some(sql) = rewritten {
            step.sql = sql;
            step.transactional = false;
            step.comment
                .push_str(" (concurrently, outside the transaction)");
        }
    }
}

/// A materialized view's indexes as the statements that create them: both
/// sides come from the database, so equal indexes print equal.
pub fn view_indexes(schema: &str, v: &View) -> Vec<String> {
    let mut out: Vec<String> = v
        .indexes
        .iter()
        .map(|i| create_index(schema, &v.name, i))
        .collect();
    out.sort();
    out
}
