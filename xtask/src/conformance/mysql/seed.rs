//! Rows: one inserted into each table of A with a plausible non-NULL value
//! in every column (what a real table holds, so that tightening a column to
//! NOT NULL or changing its type is judged on data), and every table's values
//! read back as text for the data-loss check.

use super::super::data::{same_value, Rows, TableData};
use mysql::prelude::Queryable;
use std::collections::BTreeMap;
use strata_core::dialect::Dialect;
use strata_core::mysql::conn::rows;
use strata_core::mysql::MyDriver;

fn quote(ident: &str) -> String {
    Dialect::Mysql.quote(ident)
}

/// A's base tables, without strata's own apply record.
pub(super) fn tables(d: &mut MyDriver) -> std::result::Result<Vec<String>, String> {
    Ok(rows(
        d.conn(),
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
         AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> 'strata_apply_progress' ORDER BY 1",
    )?
    .into_iter()
    .filter_map(|r| r.into_iter().next().flatten())
    .collect())
}

/// A column as seeding and snapshots need it.
struct Column {
    name: String,
    /// `DATA_TYPE`, lowercased (`int`, `varchar`, …).
    data_type: String,
    /// Computed by an expression (`GENERATED ALWAYS AS`).
    generated: bool,
}

/// Every table's columns in order.
fn columns(d: &mut MyDriver) -> std::result::Result<BTreeMap<String, Vec<Column>>, String> {
    let mut out: BTreeMap<String, Vec<Column>> = BTreeMap::new();
    for r in rows(
        d.conn(),
        "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, IS_GENERATED FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION",
    )? {
        let v = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
        out.entry(v(0)).or_default().push(Column {
            name: v(1),
            data_type: v(2).to_ascii_lowercase(),
            generated: v(3) == "ALWAYS",
        });
    }
    Ok(out)
}

/// A plausible non-NULL value for a column of `data_type`, or `DEFAULT`
/// (generated columns, spatial and unknown types).
fn plausible(data_type: &str, generated: bool) -> &'static str {
    if generated {
        return "DEFAULT";
    }
    match data_type {
        "tinyint" | "smallint" | "mediumint" | "int" | "bigint" | "decimal" | "float"
        | "double" | "bit" | "enum" => "1",
        "set" => "''",
        "year" => "2000",
        "date" => "'2000-01-01'",
        "datetime" | "timestamp" => "'2000-01-01 00:00:00'",
        "time" => "'00:00:00'",
        "json" => "'{}'",
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "binary"
        | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => "'1'",
        _ => "DEFAULT",
    }
}

/// One row per table (`INSERT IGNORE`: a row a constraint refuses is left
/// out rather than failing the case); notes on tables left empty.
pub(super) fn seed(d: &mut MyDriver) -> Vec<String> {
    let (Ok(tables), Ok(cols)) = (tables(d), columns(d)) else {
        return vec!["cannot read A's tables: nothing seeded".into()];
    };
    let mut notes = Vec::new();
    for t in tables {
        let Some(cs) = cols.get(&t) else { continue };
        let names: Vec<String> = cs.iter().map(|c| quote(&c.name)).collect();
        let values: Vec<&str> = cs
            .iter()
            .map(|c| plausible(&c.data_type, c.generated))
            .collect();
        let sql = format!(
            "INSERT IGNORE INTO {} ({}) VALUES ({})",
            quote(&t),
            names.join(", "),
            values.join(", ")
        );
        match d.conn().query_drop(sql) {
            Ok(()) if d.conn().affected_rows() > 0 => {}
            Ok(()) => notes.push(format!("table {t} left empty (the seeded row was ignored)")),
            Err(e) => notes.push(format!(
                "table {t} left empty: {}",
                strata_core::mysql::conn::message(&e)
            )),
        }
    }
    notes
}

/// Every table's rows, each stored column's values as text (sorted).
/// Generated columns are left out: their values are the expression's, not
/// data a plan could lose (a column the desired state turns into a generated
/// one gets new values by definition).
pub(super) fn snapshot(d: &mut MyDriver) -> std::result::Result<Rows, String> {
    let mut cols = columns(d)?;
    for cs in cols.values_mut() {
        cs.retain(|c| !c.generated);
    }
    let mut out = Rows::new();
    for t in tables(d)? {
        let Some(cs) = cols.get(&t).filter(|cs| !cs.is_empty()) else {
            continue;
        };
        let names: Vec<String> = cs.iter().map(|c| quote(&c.name)).collect();
        let got = rows(
            d.conn(),
            &format!("SELECT {} FROM {}", names.join(", "), quote(&t)),
        )?;
        let mut columns = BTreeMap::new();
        for (i, c) in cs.iter().enumerate() {
            let mut values: Vec<Option<String>> =
                got.iter().map(|r| r.get(i).cloned().flatten()).collect();
            values.sort();
            columns.insert(c.name.clone(), values);
        }
        out.insert(
            t,
            TableData {
                rows: got.len() as i64,
                columns,
            },
        );
    }
    Ok(out)
}

/// A value survives a type change if it reads the same: equal text or
/// number, or a time that gained fractional seconds
/// (`2000-01-01 00:00:00` → `2000-01-01 00:00:00.000`).
pub(super) fn survives(before: &str, after: &str) -> bool {
    same_value(before, after)
        || after.strip_prefix(before).is_some_and(|rest| {
            rest.strip_prefix('.')
                .is_some_and(|zeros| !zeros.is_empty() && zeros.bytes().all(|b| b == b'0'))
        })
}

#[cfg(test)]
mod tests {
    use super::survives;

    #[test]
    fn a_time_that_gains_fractional_seconds_keeps_its_value() {
        assert!(survives("2000-01-01 00:00:00", "2000-01-01 00:00:00.000"));
        assert!(survives("00:00:00", "00:00:00.0"));
    }

    #[test]
    fn numbers_survive_as_numbers() {
        assert!(survives("1", "1.00"));
        assert!(!survives("1", "2"));
    }

    #[test]
    fn a_changed_value_is_lost() {
        assert!(!survives("2000-01-01 00:00:00", "2000-01-01 00:00:00.500"));
        assert!(!survives("1", "10"));
        assert!(!survives("2000-01-01 00:00:00", "2000-01-01"));
    }
}
