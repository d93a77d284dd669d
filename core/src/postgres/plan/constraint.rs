//! Keys, checks and foreign keys of a table that stays. Foreign keys are
//! dropped early (before the tables they point at may go) and added late
//! (after every table they point at exists).

use super::render::table_check_sql;
use super::render::{check_sql, foreign_key as fk_sql, primary_key as pk_sql, q, qn};
use super::{step, Phases};
use crate::diff::TableChange;
use crate::model::{ForeignKey, PrimaryKey, Table};
use crate::plan::Step;

pub(super) fn add_fk(i: usize, schema: &str, table: &str, fk: &ForeignKey) -> Step {
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
        format!("ALTER TABLE {t} ADD {}", fk_sql(schema, fk)),
        reverse,
        fk.span.clone(),
    )
}

/// `t` is the quoted table.
pub(super) fn drop_fk(i: usize, t: &str, name: &str) -> Step {
    step(
        i,
        format!("drop foreign key {} of {t}", q(name)),
        format!("ALTER TABLE {t} DROP CONSTRAINT {}", q(name)),
        None,
        None,
    )
}

/// An added, dropped or changed (dropped, then added) foreign key. A key
/// without a name cannot be dropped by name and stays.
pub(super) fn foreign_key(i: usize, schema: &str, to: &Table, c: &TableChange, p: &mut Phases) {
    let t = qn(schema, &to.name);
    match c {
        TableChange::AddForeignKey { fk } => p.add_fks.push(add_fk(i, schema, &to.name, fk)),
        TableChange::DropForeignKey { fk } | TableChange::ModifyForeignKey { from: fk, .. } => {
            if let Some(n) = &fk.name {
                p.drop_fks.push(drop_fk(i, &t, n));
            }
            if let TableChange::ModifyForeignKey { to: new, .. } = c {
                p.add_fks.push(add_fk(i, schema, &to.name, new));
            }
        }
        _ => {}
    }
}

/// An added, dropped or changed (dropped by name, then added) check; `t` is
/// the quoted table.
pub(super) fn check(i: usize, to: &Table, t: &str, c: &TableChange, p: &mut Phases) {
    let drop = |n: &str, reverse: Option<String>| {
        step(
            i,
            format!("drop check {} of {t}", q(n)),
            format!("ALTER TABLE {t} DROP CONSTRAINT {}", q(n)),
            reverse,
            None,
        )
    };
    match c {
        TableChange::AddCheck { check } | TableChange::ModifyCheck { to: check, .. } => {
            if let TableChange::ModifyCheck { from: old, .. } = c {
                if let Some(n) = &old.name {
                    p.alter_tables.push(drop(n, None));
                }
            }
            p.alter_tables.push(step(
                i,
                format!("add check to {t}"),
                format!("ALTER TABLE {t} ADD {}", table_check_sql(to, check)),
                None,
                check.span.clone(),
            ));
        }
        TableChange::DropCheck { check } => {
            if let Some(n) = &check.name {
                let reverse = format!("ALTER TABLE {t} ADD {}", check_sql(check));
                p.alter_tables.push(drop(n, Some(reverse)));
            }
        }
        _ => {}
    }
}

/// The old key is dropped with the indexes; the new one is the first index
/// created (foreign keys and unique constraints may rely on it).
pub(super) fn primary_key(
    i: usize,
    to: &Table,
    t: &str,
    old: Option<&PrimaryKey>,
    new: Option<&PrimaryKey>,
    p: &mut Phases,
) {
    // Inspection always names the key; a schema read from files may
    // not, and then it carries PostgreSQL's default name.
    if let Some(k) = old {
        let n = k
            .name
            .clone()
            .unwrap_or_else(|| format!("{}_pkey", to.name));
        p.drop_indexes.push(step(
            i,
            format!("drop primary key of {t}"),
            format!("ALTER TABLE {t} DROP CONSTRAINT {}", q(&n)),
            None,
            None,
        ));
    }
    if let Some(k) = new {
        p.create_indexes.insert(
            0,
            step(
                i,
                format!("add primary key to {t}"),
                format!("ALTER TABLE {t} ADD {}", pk_sql(k)),
                None,
                k.span.clone(),
            ),
        );
    }
}
