//! Indexes and unique (or exclusion) constraints, which PostgreSQL backs with
//! an index; and the `CONCURRENTLY` policy for indexes of existing tables.

use super::comment::comment_on;
use super::render::{create_index, q, qn, unique_constraint};
use super::{step, Phases};
use crate::diff::Change;
use crate::model::{Index, Table};
use crate::plan::{Plan, Step};
use crate::span::Span;

/// A new index of an existing table, or a changed one (`old`: dropped first).
pub(super) fn add(
    i: usize,
    schema: &str,
    table: &Table,
    old: Option<&Index>,
    index: &Index,
    p: &mut Phases,
) {
    let t = qn(schema, &table.name);
    if let Some(old) = old {
        let mut drop = drop(i, schema, &t, old);
        if old.attrs.flag("invalid") {
            drop.comment = format!(
                "{} (it is INVALID, left by a failed CREATE INDEX CONCURRENTLY, and enforces nothing): re-create it",
                drop.comment
            );
        }
        p.drop_indexes.push(drop);
    }
    p.create_indexes.push(if index.attrs.flag("constraint") {
        step(
            i,
            format!("add constraint {} to {t}", q(&index.name)),
            format!("ALTER TABLE {t} ADD {}", unique_constraint(index)),
            Some(format!(
                "ALTER TABLE {t} DROP CONSTRAINT {}",
                q(&index.name)
            )),
            index.span.clone(),
        )
    } else {
        step(
            i,
            format!("create index {} on {t}", q(&index.name)),
            create_index(schema, &table.name, index),
            Some(format!("DROP INDEX {}", qn(schema, &index.name))),
            index.span.clone(),
        )
    });
    if let Some(cm) = &index.comment {
        p.comments
            .push(comment_on(i, "INDEX", &qn(schema, &index.name), Some(cm)));
    }
}

/// An index of a new partition (the parent's come along by themselves):
/// spans fall back to the partition's own.
pub(super) fn create_on_partition(i: usize, schema: &str, table: &Table, idx: &Index) -> Step {
    let t = qn(schema, &table.name);
    let span = idx.span.clone().or(table.span.clone());
    if idx.attrs.flag("constraint") {
        step(
            i,
            format!("add constraint {} to {t}", q(&idx.name)),
            format!("ALTER TABLE {t} ADD {}", unique_constraint(idx)),
            None,
            span,
        )
    } else {
        step(
            i,
            format!("create index {} on {t}", q(&idx.name)),
            create_index(schema, &table.name, idx),
            Some(format!("DROP INDEX {}", qn(schema, &idx.name))),
            span,
        )
    }
}

/// The `CREATE INDEX` step of an index on `owner` (a table or a
/// materialized view), with the owner's span when the index has none.
pub(super) fn create_step(
    i: usize,
    schema: &str,
    owner: &str,
    idx: &Index,
    owner_span: Option<&Span>,
) -> Step {
    step(
        i,
        format!("create index {} on {}", q(&idx.name), qn(schema, owner)),
        create_index(schema, owner, idx),
        Some(format!("DROP INDEX {}", qn(schema, &idx.name))),
        idx.span.clone().or(owner_span.cloned()),
    )
}

/// `DROP INDEX`, or `DROP CONSTRAINT` for a constraint; `t` is the quoted table.
pub(super) fn drop(i: usize, schema: &str, t: &str, idx: &Index) -> Step {
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
        if let Some(sql) = concurrent_sql(&step.sql, policy) {
            step.sql = sql;
            step.transactional = false;
            step.comment
                .push_str(" (concurrently, outside the transaction)");
        }
    }
}

/// The statement with `CONCURRENTLY`, when the policy asks for it.
pub(super) fn concurrent_sql(
    sql: &str,
    policy: &crate::project::ConcurrentIndex,
) -> Option<String> {
    let rewrites = [
        (policy.create, "CREATE INDEX "),
        (policy.create, "CREATE UNIQUE INDEX "),
        (policy.drop, "DROP INDEX "),
    ];
    rewrites
        .into_iter()
        .find(|(on, prefix)| *on && sql.starts_with(prefix))
        .map(|(_, prefix)| sql.replacen(prefix, &format!("{prefix}CONCURRENTLY "), 1))
}
