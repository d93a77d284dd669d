//! Rows: one inserted into each table of A, parents before children, with
//! values SQLite stores without complaint (and CHECK literals tried first);
//! every table's values read back as text for the data-loss check.

use super::super::data::{Rows, TableData};
use rusqlite::types::Value;
use rusqlite::Connection;
use std::collections::BTreeMap;
use strata_core::sql::lex::{tokenize, Kind};
use strata_core::sqlite::ddl::parse_create_table;

pub(super) fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

pub(super) struct SeedColumn {
    name: String,
    decl: String,
}

/// Foreign key of a table: parent table, child columns, parent columns (empty:
/// the parent's primary key).
pub(super) struct Fk {
    parent: String,
    from: Vec<String>,
    to: Vec<String>,
}

pub(super) fn user_tables(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT name, coalesce(sql, '') FROM sqlite_schema \
         WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (name, sql): (String, String) = row?;
        if sql
            .trim_start()
            .to_ascii_uppercase()
            .starts_with("CREATE VIRTUAL")
        {
            continue;
        }
        out.push((name, sql));
    }
    Ok(out)
}

pub(super) fn foreign_keys(conn: &Connection, table: &str) -> rusqlite::Result<Vec<Fk>> {
    let mut stmt = conn.prepare(
        "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
    )?;
    let rows = stmt.query_map([table], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut out: Vec<(i64, Fk)> = Vec::new();
    for row in rows {
        let (id, parent, from, to) = row?;
        match out.last_mut() {
            Some((last, fk)) if *last == id => {
                fk.from.push(from);
                fk.to.extend(to);
            }
            _ => out.push((
                id,
                Fk {
                    parent,
                    from: vec![from],
                    to: to.into_iter().collect(),
                },
            )),
        }
    }
    Ok(out.into_iter().map(|(_, fk)| fk).collect())
}

pub(super) fn pk_columns(conn: &Connection, table: &str) -> Vec<String> {
    let Ok(mut stmt) =
        conn.prepare("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")
    else {
        return Vec::new();
    };
    stmt.query_map([table], |r| r.get::<_, String>(0))
        .map(|rows| rows.filter_map(|r| r.ok()).collect())
        .unwrap_or_default()
}

/// A value that SQLite stores without complaint in a column of this declared type.
pub(super) fn typed_value(decl: &str) -> Value {
    let t = decl.to_ascii_uppercase();
    if t.contains("INT") {
        Value::Integer(1)
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        Value::Text("a".into())
    } else if t.contains("BLOB") {
        Value::Blob(vec![1])
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        Value::Real(1.5)
    } else if t.contains("DATE") || t.contains("TIME") {
        Value::Text("2020-01-01 00:00:00".into())
    } else {
        Value::Integer(1)
    }
}

/// Inserts one row into each table of A, parents before children, so that a
/// plan that only works on empty tables shows up. Returns notes on tables left empty.
pub(super) fn seed(conn: &Connection) -> Vec<String> {
    let mut notes = Vec::new();
    let _ = conn.execute_batch("PRAGMA foreign_keys = off");
    let tables = match user_tables(conn) {
        Ok(t) => t,
        Err(e) => return vec![format!("seeding skipped: {e}")],
    };
    let fks: BTreeMap<String, Vec<Fk>> = tables
        .iter()
        .map(|(t, _)| (t.clone(), foreign_keys(conn, t).unwrap_or_default()))
        .collect();

    // Parents first; a cycle falls back to name order.
    let mut order: Vec<&str> = Vec::new();
    let mut left: Vec<&str> = tables.iter().map(|(t, _)| t.as_str()).collect();
    while !left.is_empty() {
        let ready = left.iter().position(|t| {
            fks[*t].iter().all(|fk| {
                fk.parent.eq_ignore_ascii_case(t)
                    || !left.iter().any(|l| l.eq_ignore_ascii_case(&fk.parent))
            })
        });
        order.push(left.remove(ready.unwrap_or(0)));
    }

    for table in order {
        let sql = &tables.iter().find(|(t, _)| t == table).expect("listed").1;
        let columns: Vec<SeedColumn> = match conn
            .prepare("SELECT name, type FROM pragma_table_xinfo(?1) WHERE hidden = 0 ORDER BY cid")
            .and_then(|mut s| {
                s.query_map([table], |r| {
                    Ok(SeedColumn {
                        name: r.get(0)?,
                        decl: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            }) {
            Ok(c) => c,
            Err(e) => {
                notes.push(format!("{table}: not seeded: {e}"));
                continue;
            }
        };
        let ddl = parse_create_table(sql);
        let literals: Vec<String> = ddl
            .checks
            .iter()
            .flat_map(|c| {
                tokenize(&c.expr)
                    .into_iter()
                    .filter(|t| t.kind == Kind::Str)
                    .map(|t| t.ident(&c.expr))
                    .collect::<Vec<_>>()
            })
            .collect();

        let mut base: Vec<Value> = columns.iter().map(|c| typed_value(&c.decl)).collect();
        // Foreign key columns point at the parent's seeded row (or are NULL).
        let position = |name: &str| {
            columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(name))
        };
        for fk in &fks[table] {
            let to = if fk.to.is_empty() {
                pk_columns(conn, &fk.parent)
            } else {
                fk.to.clone()
            };
            for (i, from) in fk.from.iter().enumerate() {
                let Some(ci) = position(from) else { continue };
                let Some(to_col) = to.get(i) else {
                    base[ci] = Value::Null;
                    continue;
                };
                if fk.parent.eq_ignore_ascii_case(table) {
                    if let Some(pi) = position(to_col) {
                        base[ci] = base[pi].clone();
                    }
                    continue;
                }
                let q = format!(
                    "SELECT {} FROM {} LIMIT 1",
                    quote(to_col),
                    quote(&fk.parent)
                );
                base[ci] = conn
                    .query_row(&q, [], |r| r.get::<_, Value>(0))
                    .unwrap_or(Value::Null);
            }
        }

        let mut attempts: Vec<Vec<Value>> = vec![base.clone()];
        let with_text = |text: &str| -> Vec<Value> {
            base.iter()
                .map(|v| match v {
                    Value::Text(_) => Value::Text(text.to_string()),
                    other => other.clone(),
                })
                .collect()
        };
        for lit in literals.iter().take(4) {
            attempts.push(with_text(lit));
        }
        attempts.push(with_text("abcdefghij"));
        attempts.push(
            base.iter()
                .map(|v| match v {
                    Value::Integer(_) => Value::Integer(0),
                    Value::Real(_) => Value::Real(0.0),
                    other => other.clone(),
                })
                .collect(),
        );
        let insert = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote(table),
            columns
                .iter()
                .map(|c| quote(&c.name))
                .collect::<Vec<_>>()
                .join(", "),
            vec!["?"; columns.len()].join(", ")
        );
        let mut last_err = String::new();
        let mut ok = false;
        if !columns.is_empty() {
            for values in &attempts {
                match conn.execute(&insert, rusqlite::params_from_iter(values.iter())) {
                    Ok(_) => {
                        ok = true;
                        break;
                    }
                    Err(e) => last_err = e.to_string(),
                }
            }
        }
        if !ok {
            match conn.execute(&format!("INSERT INTO {} DEFAULT VALUES", quote(table)), []) {
                Ok(_) => {}
                Err(e) => {
                    if last_err.is_empty() {
                        last_err = e.to_string();
                    }
                    notes.push(format!("{table}: left empty ({last_err})"));
                }
            }
        }
    }

    // Rows that still break a foreign key would make every plan fail its
    // final foreign_key_check: remove them.
    for _ in 0..4 {
        let violations: Vec<(String, Option<i64>)> = conn
            .prepare("PRAGMA foreign_key_check")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap_or_default();
        if violations.is_empty() {
            break;
        }
        for (table, rowid) in violations {
            let sql = match rowid {
                Some(id) => format!("DELETE FROM {} WHERE rowid = {id}", quote(&table)),
                None => format!("DELETE FROM {}", quote(&table)),
            };
            let _ = conn.execute(&sql, []);
            notes.push(format!(
                "{table}: seeded row removed (foreign key could not be satisfied)"
            ));
        }
    }
    notes
}

pub(super) fn snapshot(conn: &Connection) -> rusqlite::Result<Rows> {
    let mut out = BTreeMap::new();
    for (table, _) in user_tables(conn)? {
        let rows: i64 = conn.query_row(
            &format!("SELECT count(*) FROM {}", quote(&table)),
            [],
            |r| r.get(0),
        )?;
        let names: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_xinfo(?1) WHERE hidden = 0 ORDER BY cid")?
            .query_map([&table], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut columns = BTreeMap::new();
        for name in names {
            let mut values: Vec<Option<String>> = conn
                .prepare(&format!(
                    "SELECT CAST({} AS TEXT) FROM {}",
                    quote(&name),
                    quote(&table)
                ))?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            values.sort();
            columns.insert(name.to_lowercase(), values);
        }
        out.insert(table.to_lowercase(), TableData { rows, columns });
    }
    Ok(out)
}
