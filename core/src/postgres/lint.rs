//! PostgreSQL's analyzers: which statements take which lock for how long, and
//! which narrowing type changes lose data. Each finding names the lock level
//! (the PostgreSQL documentation's "Explicit Locking" table) and suggests the
//! pattern that keeps the table available:
//!
//! | code  | statement                                   | lock (and cost)                          | instead |
//! |-------|---------------------------------------------|------------------------------------------|---------|
//! | PG101 | `CREATE INDEX` on an existing table         | SHARE: writes wait for the whole build   | `CREATE INDEX CONCURRENTLY` |
//! | PG102 | `DROP INDEX` on an existing table           | ACCESS EXCLUSIVE                         | `DROP INDEX CONCURRENTLY` |
//! | PG501 | `ADD PRIMARY KEY` / `ADD … UNIQUE`           | ACCESS EXCLUSIVE while the index builds  | unique index CONCURRENTLY, then `ADD CONSTRAINT … USING INDEX` |
//! | PG502 | `ALTER COLUMN … TYPE` that is not binary-coercible | ACCESS EXCLUSIVE + table rewrite  | new column, backfill, switch |
//! | PG503 | `ADD COLUMN` with a volatile default (or identity, serial, stored generated) | ACCESS EXCLUSIVE + rewrite | add without default, backfill |
//! | PG504 | `SET NOT NULL`                              | ACCESS EXCLUSIVE + full scan             | `CHECK (c IS NOT NULL) NOT VALID`, `VALIDATE`, then `SET NOT NULL` |
//! | PG505 | `ADD FOREIGN KEY` without `NOT VALID`       | SHARE ROW EXCLUSIVE on both tables + scan | `NOT VALID`, then `VALIDATE CONSTRAINT` |
//! | PG506 | `ADD CHECK` without `NOT VALID`             | ACCESS EXCLUSIVE + full scan             | `NOT VALID`, then `VALIDATE CONSTRAINT` |
//! | PG507 | `ALTER TYPE … ADD VALUE` in a transaction, server < 12 | fails                         | run it outside a transaction |
//!
//! Tables the unit creates (a new table, or one created earlier in the same
//! migration file) are empty and used by nobody: they are never reported.

use crate::diag::Severity;
use crate::diff::{Change, ColumnAspect, TableChange};
use crate::lint::{Analyzer, Code, Context, Facts, Family, Finding, Fix};
use crate::model::{Column, Table};
use crate::plan::Step;

fn q(s: &str) -> String {
    crate::dialect::Dialect::Postgres.quote(s)
}

fn qn(schema: &str, name: &str) -> String {
    format!("{}.{}", q(schema), q(name))
}

/// Upper-cased SQL with runs of whitespace collapsed, for keyword checks.
fn words(sql: &str) -> String {
    sql.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase()
}

/// The existing, non-partitioned tables a rule may report on.
fn existing<'a>(cx: &Context, c: &'a Change) -> Option<(&'a str, &'a Table, &'a [TableChange])> {
    match c {
        Change::ModifyTable {
            schema,
            to,
            changes,
            ..
        } if !cx.is_new(schema, &to.name) => Some((schema, to, changes)),
        _ => None,
    }
}

/// The step of change `i` that mentions `name` and satisfies `pred`.
fn step_where<'a>(
    cx: &Context<'a>,
    i: usize,
    name: &str,
    pred: impl Fn(&str) -> bool,
) -> Option<&'a Step> {
    let quoted = q(name);
    cx.steps(i)
        .find(|s| (s.sql.contains(&quoted) || s.sql.contains(name)) && pred(&words(&s.sql)))
}

/// PG101, PG102.
pub struct ConcurrentIndex;

impl Analyzer for ConcurrentIndex {
    fn family(&self) -> Family {
        Family::ConcurrentIndex
    }

    fn analyze(&self, cx: &Context, out: &mut Vec<Finding>) {
        for (i, c) in cx.plan.changes.iter().enumerate() {
            let Some((_, t, changes)) = existing(cx, c) else {
                continue;
            };
            // PostgreSQL refuses CONCURRENTLY on a partitioned table's indexes.
            if t.attrs.0.contains_key("partition") {
                continue;
            }
            for tc in changes {
                match tc {
                    TableChange::AddIndex { index }
                    | TableChange::ModifyIndex { to: index, .. } => {
                        let Some(step) = step_where(cx, i, &index.name, |w| {
                            w.starts_with("CREATE ") && w.contains(" INDEX ")
                        }) else {
                            continue;
                        };
                        if words(&step.sql).contains(" CONCURRENTLY ") {
                            continue;
                        }
                        let fixed = step.sql.replacen("INDEX ", "INDEX CONCURRENTLY ", 1);
                        out.push(
                            Finding::new(
                                Code::PG101,
                                Severity::Warning,
                                format!(
                                    "creates index \"{}\" on existing table \"{}\" without CONCURRENTLY: its SHARE lock blocks every write to the table until the index is built",
                                    index.name, t.name
                                ),
                                i,
                                index.span.clone(),
                            )
                            .with_statement(Some(step.sql.clone()))
                            .with_fix(Fix::new(
                                "build it CONCURRENTLY, outside a transaction (`diff { concurrent_index { create = true } }` makes strata plan it so)",
                                vec![fixed],
                            )),
                        );
                    }
                    TableChange::DropIndex { index } => {
                        let Some(step) =
                            step_where(cx, i, &index.name, |w| w.starts_with("DROP INDEX "))
                        else {
                            continue;
                        };
                        if words(&step.sql).contains(" CONCURRENTLY ") {
                            continue;
                        }
                        out.push(
                            Finding::new(
                                Code::PG102,
                                Severity::Warning,
                                format!(
                                    "drops index \"{}\" of existing table \"{}\" without CONCURRENTLY: it takes an ACCESS EXCLUSIVE lock, blocking reads and writes while it waits and runs",
                                    index.name, t.name
                                ),
                                i,
                                None,
                            )
                            .with_statement(Some(step.sql.clone()))
                            .with_fix(Fix::new(
                                "drop it CONCURRENTLY, outside a transaction (`diff { concurrent_index { drop = true } }`)",
                                vec![step.sql.replacen("INDEX ", "INDEX CONCURRENTLY ", 1)],
                            )),
                        );
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Column type changes PostgreSQL makes without touching the rows
/// (binary-coercible, or a constraint only widened): varchar(n) → varchar(m ≥ n)
/// or text, text ↔ unbounded varchar, numeric(p, s) → numeric(q ≥ p, s) or
/// unconstrained numeric, varbit(n) → varbit(m ≥ n), cidr → inet.
pub fn type_change_rewrites(from: &str, to: &str) -> bool {
    let norm = |t: &str| {
        t.trim()
            .to_ascii_lowercase()
            .replace("character varying", "varchar")
            .replace("bit varying", "varbit")
    };
    let (from, to) = (norm(from), norm(to));
    if from == to {
        return false;
    }
    let split = |t: &str| -> (String, Vec<i64>) {
        match t.find('(') {
            Some(k) => (
                t[..k].trim().to_string(),
                t[k + 1..]
                    .trim_end_matches(')')
                    .split(',')
                    .filter_map(|a| a.trim().parse().ok())
                    .collect(),
            ),
            None => (t.to_string(), Vec::new()),
        }
    };
    let ((fb, fa), (tb, ta)) = (split(&from), split(&to));
    match (fb.as_str(), tb.as_str()) {
        ("varchar", "text") | ("text", "varchar") if ta.is_empty() => false,
        ("varchar", "text") => false,
        ("varchar", "varchar") | ("varbit", "varbit") => match (fa.first(), ta.first()) {
            (_, None) => false,
            (Some(f), Some(t)) => t < f,
            (None, Some(_)) => true,
        },
        ("numeric", "numeric") => match (fa.as_slice(), ta.as_slice()) {
            (_, []) => false,
            ([fp, fs], [tp, ts]) => !(tp >= fp && ts == fs),
            ([fp], [tp]) => tp < fp,
            _ => true,
        },
        ("cidr", "inet") => false,
        _ => true,
    }
}

/// Functions whose value differs per row: a default calling one is computed
/// for every existing row when the column is added, so the table is rewritten.
/// (`now()` and `CURRENT_TIMESTAMP` are stable, not volatile: no rewrite.)
const VOLATILE: [&str; 7] = [
    "random(",
    "clock_timestamp(",
    "gen_random_uuid(",
    "uuid_generate_v",
    "timeofday(",
    "nextval(",
    "txid_current(",
];

/// Why adding `c` rewrites the table, if it does.
fn add_column_rewrites(c: &Column) -> Option<String> {
    if let Some(g) = &c.generated {
        if g.stored {
            return Some(format!("it is a stored generated column ({})", g.expr));
        }
    }
    if c.attrs.0.contains_key("identity") {
        return Some("it is an identity column".into());
    }
    if c.ty.to_ascii_lowercase().ends_with("serial") {
        return Some(format!("{} fills it from a sequence, row by row", c.ty));
    }
    let d = c.default.as_deref()?;
    let lower = d.to_ascii_lowercase();
    VOLATILE
        .iter()
        .any(|f| lower.contains(f))
        .then(|| format!("its default {d} is volatile"))
}

/// PG501–PG507.
pub struct TableLock;

impl Analyzer for TableLock {
    fn family(&self) -> Family {
        Family::TableLock
    }

    fn analyze(&self, cx: &Context, out: &mut Vec<Finding>) {
        for (i, c) in cx.plan.changes.iter().enumerate() {
            if let Change::ModifyEnum { schema, to, .. } = c {
                enum_add_value(cx, cx.facts, i, schema, &to.name, out);
                continue;
            }
            let Some((schema, t, changes)) = existing(cx, c) else {
                continue;
            };
            let table = qn(schema, &t.name);
            for tc in changes {
                match tc {
                    TableChange::ModifyPrimaryKey { to: Some(pk), .. } => {
                        let Some(step) = cx.steps(i).find(|s| {
                            let w = words(&s.sql);
                            w.contains("PRIMARY KEY") && !w.contains("USING INDEX")
                        }) else {
                            continue;
                        };
                        let name = pk
                            .name
                            .clone()
                            .unwrap_or_else(|| format!("{}_pkey", t.name));
                        let cols: Vec<String> = pk
                            .parts
                            .iter()
                            .filter_map(|p| p.column_name())
                            .map(q)
                            .collect();
                        out.push(key_lock(
                            i,
                            &t.name,
                            "a primary key",
                            &name,
                            &table,
                            &cols,
                            "PRIMARY KEY",
                            pk.span.clone(),
                            step,
                        ));
                    }
                    TableChange::AddIndex { index } if index.unique => {
                        let Some(step) = step_where(cx, i, &index.name, |w| {
                            w.starts_with("ALTER TABLE")
                                && w.contains(" UNIQUE")
                                && !w.contains("USING INDEX")
                        }) else {
                            continue;
                        };
                        let cols: Vec<String> = index
                            .parts
                            .iter()
                            .filter_map(|p| p.column_name())
                            .map(q)
                            .collect();
                        out.push(key_lock(
                            i,
                            &t.name,
                            "a unique constraint",
                            &index.name,
                            &table,
                            &cols,
                            "UNIQUE",
                            index.span.clone(),
                            step,
                        ));
                    }
                    TableChange::ModifyColumn { from, to, aspects } => {
                        if aspects.contains(&ColumnAspect::Type)
                            && type_change_rewrites(&from.ty, &to.ty)
                        {
                            out.push(
                                Finding::new(
                                    Code::PG502,
                                    Severity::Warning,
                                    format!(
                                        "changes \"{}\".\"{}\" from {} to {}: the table and its indexes are rewritten under an ACCESS EXCLUSIVE lock, blocking reads and writes",
                                        t.name, to.name, from.ty, to.ty
                                    ),
                                    i,
                                    to.span.clone(),
                                )
                                .with_statement(cx.statement(i, &to.name).map(|s| s.sql.clone()))
                                .with_fix(Fix::new(
                                    "add a new column of the new type, backfill it in batches, switch readers over, then drop the old one",
                                    vec![],
                                )),
                            );
                        }
                        if aspects.contains(&ColumnAspect::Null) && from.nullable && !to.nullable {
                            let c = q(&to.name);
                            let check = q(&format!("{}_{}_not_null", t.name, to.name));
                            out.push(
                                Finding::new(
                                    Code::PG504,
                                    Severity::Warning,
                                    format!(
                                        "SET NOT NULL on \"{}\".\"{}\" scans every row under an ACCESS EXCLUSIVE lock, blocking reads and writes",
                                        t.name, to.name
                                    ),
                                    i,
                                    to.span.clone(),
                                )
                                .with_statement(cx.statement(i, &to.name).map(|s| s.sql.clone()))
                                .with_fix(Fix::new(
                                    "prove it with a NOT VALID check first; VALIDATE takes only SHARE UPDATE EXCLUSIVE, and SET NOT NULL then skips the scan (PostgreSQL 12+)",
                                    vec![
                                        format!("ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({c} IS NOT NULL) NOT VALID"),
                                        format!("ALTER TABLE {table} VALIDATE CONSTRAINT {check}"),
                                        format!("ALTER TABLE {table} ALTER COLUMN {c} SET NOT NULL"),
                                        format!("ALTER TABLE {table} DROP CONSTRAINT {check}"),
                                    ],
                                )),
                            );
                        }
                    }
                    TableChange::AddColumn { column } => {
                        let Some(why) = add_column_rewrites(column) else {
                            continue;
                        };
                        out.push(
                            Finding::new(
                                Code::PG503,
                                Severity::Warning,
                                format!(
                                    "adds column \"{}\" to existing table \"{}\" and {why}: every row is rewritten under an ACCESS EXCLUSIVE lock",
                                    column.name, t.name
                                ),
                                i,
                                column.span.clone(),
                            )
                            .with_statement(cx.statement(i, &column.name).map(|s| s.sql.clone()))
                            .with_fix(Fix::new(
                                "add the column without the default, set the default for new rows, then backfill existing rows in batches",
                                vec![],
                            )),
                        );
                    }
                    TableChange::AddForeignKey { fk }
                    | TableChange::ModifyForeignKey { to: fk, .. } => {
                        let name = fk.name.clone().unwrap_or_default();
                        let Some(step) = step_where(cx, i, &name, |w| {
                            w.contains("FOREIGN KEY") && w.starts_with("ALTER TABLE")
                        }) else {
                            continue;
                        };
                        if words(&step.sql).contains("NOT VALID") {
                            continue;
                        }
                        out.push(
                            Finding::new(
                                Code::PG505,
                                Severity::Warning,
                                format!(
                                    "adds foreign key \"{name}\" to existing table \"{}\" without NOT VALID: every row is checked while SHARE ROW EXCLUSIVE locks on \"{}\" and \"{}\" block their writes",
                                    t.name, t.name, fk.ref_table
                                ),
                                i,
                                fk.span.clone(),
                            )
                            .with_statement(Some(step.sql.clone()))
                            .with_fix(Fix::new(
                                "add it NOT VALID (new rows are checked at once), then VALIDATE it, which takes only SHARE UPDATE EXCLUSIVE",
                                vec![
                                    format!("{} NOT VALID", step.sql),
                                    format!("ALTER TABLE {table} VALIDATE CONSTRAINT {}", q(&name)),
                                ],
                            )),
                        );
                    }
                    TableChange::AddCheck { check }
                    | TableChange::ModifyCheck { to: check, .. } => {
                        let name = check.name.clone().unwrap_or_default();
                        let Some(step) = cx.steps(i).find(|s| {
                            let w = words(&s.sql);
                            w.starts_with("ALTER TABLE")
                                && w.contains(" CHECK ")
                                && (name.is_empty() || s.sql.contains(name.as_str()))
                        }) else {
                            continue;
                        };
                        if words(&step.sql).contains("NOT VALID") {
                            continue;
                        }
                        let label = if name.is_empty() {
                            String::new()
                        } else {
                            format!("\"{name}\" ")
                        };
                        out.push(
                            Finding::new(
                                Code::PG506,
                                Severity::Warning,
                                format!(
                                    "adds check {label}to existing table \"{}\" without NOT VALID: every row is scanned under an ACCESS EXCLUSIVE lock, blocking reads and writes",
                                    t.name
                                ),
                                i,
                                check.span.clone(),
                            )
                            .with_statement(Some(step.sql.clone()))
                            .with_fix(Fix::new(
                                "add it NOT VALID, then VALIDATE it, which takes only SHARE UPDATE EXCLUSIVE",
                                vec![
                                    format!("{} NOT VALID", step.sql),
                                    format!("ALTER TABLE {table} VALIDATE CONSTRAINT {}", q(&name)),
                                ],
                            )),
                        );
                    }
                    _ => {}
                }
            }
        }
    }
}

/// PG501: `ADD PRIMARY KEY` / `ADD CONSTRAINT … UNIQUE` with the index-first fix.
#[allow(clippy::too_many_arguments)]
fn key_lock(
    i: usize,
    table_name: &str,
    what: &str,
    name: &str,
    table: &str,
    cols: &[String],
    kind: &str,
    span: Option<crate::span::Span>,
    step: &Step,
) -> Finding {
    Finding::new(
        Code::PG501,
        Severity::Warning,
        format!(
            "adds {what} to existing table \"{table_name}\": its index is built under an ACCESS EXCLUSIVE lock, blocking reads and writes until it is done"
        ),
        i,
        span,
    )
    .with_statement(Some(step.sql.clone()))
    .with_fix(Fix::new(
        "build the unique index CONCURRENTLY first, then attach it as the constraint (a quick catalog change)",
        vec![
            format!(
                "CREATE UNIQUE INDEX CONCURRENTLY {} ON {table} ({})",
                q(name),
                cols.join(", ")
            ),
            format!(
                "ALTER TABLE {table} ADD CONSTRAINT {} {kind} USING INDEX {}",
                q(name),
                q(name)
            ),
        ],
    ))
}

/// PG507: before PostgreSQL 12, `ALTER TYPE … ADD VALUE` cannot run inside a
/// transaction block. Silent when the server version is unknown or new enough.
fn enum_add_value(
    cx: &Context,
    facts: &Facts,
    i: usize,
    schema: &str,
    name: &str,
    out: &mut Vec<Finding>,
) {
    let Some(version) = facts.server_version.filter(|v| *v < 120000) else {
        return;
    };
    for step in cx.steps(i) {
        if !step.transactional || !words(&step.sql).contains(" ADD VALUE ") {
            continue;
        }
        out.push(
            Finding::new(
                Code::PG507,
                Severity::Error,
                format!(
                    "adds a value to enum {} inside a transaction, which PostgreSQL {} refuses (ALTER TYPE … ADD VALUE cannot run in a transaction block before 12)",
                    qn(schema, name),
                    major(version)
                ),
                i,
                step.span.clone(),
            )
            .with_statement(Some(step.sql.clone()))
            .with_fix(Fix::new(
                "run it on its own, outside a transaction (a migration file with `-- atlas:txmode none`)",
                vec![step.sql.clone()],
            )),
        );
    }
}

/// `110022` → `11`, `90624` → `9.6`.
fn major(version: u32) -> String {
    if version >= 100000 {
        (version / 10000).to_string()
    } else {
        format!("{}.{}", version / 10000, version / 100 % 100)
    }
}

/// MF108 (data_depend): a narrowing type change that fails on or cuts values
/// that do not fit. The row pre-check turns it into an error when rows hold
/// such values ([`crate::precheck`]).
pub struct Narrowing;

impl Analyzer for Narrowing {
    fn family(&self) -> Family {
        Family::DataDependent
    }

    fn analyze(&self, cx: &Context, out: &mut Vec<Finding>) {
        for (i, c) in cx.plan.changes.iter().enumerate() {
            let Some((_, t, changes)) = existing(cx, c) else {
                continue;
            };
            for tc in changes {
                let TableChange::ModifyColumn { from, to, aspects } = tc else {
                    continue;
                };
                if !aspects.contains(&ColumnAspect::Type) {
                    continue;
                }
                let Some((_, lost)) =
                    super::narrow::loss_condition(&q(&from.name), &from.ty, &to.ty)
                else {
                    continue;
                };
                out.push(
                    Finding::new(
                        Code::MF108,
                        Severity::Warning,
                        format!(
                            "narrows \"{}\".\"{}\" from {} to {}: rows whose values do not fit fail or lose data ({lost})",
                            t.name, to.name, from.ty, to.ty
                        ),
                        i,
                        to.span.clone(),
                    )
                    .with_statement(cx.statement(i, &to.name).map(|s| s.sql.clone())),
                );
            }
        }
    }
}

/// The server version, for PG507.
pub fn facts(target: &mut dyn crate::driver::Driver) -> Facts {
    let server_version = target
        .query("SHOW server_version_num")
        .ok()
        .and_then(|rows| rows.first()?.first()?.as_deref()?.parse().ok());
    Facts {
        server_version,
        ..Facts::default()
    }
}

#[cfg(test)]
mod tests {
    use super::type_change_rewrites as rw;

    #[test]
    fn widening_a_limit_does_not_rewrite_but_changing_the_kind_does() {
        assert!(!rw("character varying(10)", "character varying(20)"));
        assert!(!rw("character varying(10)", "text"));
        assert!(!rw("text", "character varying"));
        assert!(!rw("numeric(10,2)", "numeric(12,2)"));
        assert!(!rw("numeric(10,2)", "numeric"));
        assert!(rw("character varying(20)", "character varying(10)"));
        assert!(rw("numeric(10,2)", "numeric(12,3)"));
        assert!(rw("integer", "bigint"));
        assert!(rw("text", "integer"));
    }
}
