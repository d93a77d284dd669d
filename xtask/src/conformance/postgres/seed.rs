//! Rows: one seeded into each user table of A (values chosen by the
//! column's type, checks and foreign keys), and every table's rows read
//! back as JSON text for the data-loss check.

use super::super::data::{same_value, Rows, TableData};
use super::super::outcome::one_line;
use super::server::{ident, literal};
use anyhow::Result;
use postgres::Client;
use std::collections::BTreeMap;
use strata_core::postgres::conn::db_message;

pub(super) struct Table {
    oid: i64,
    /// `schema.table`, or `table` in `public`.
    key: String,
    qualified: String,
}

pub(super) fn user_tables(c: &mut Client) -> Result<Vec<Table>> {
    let rows = c
        .query(
            "SELECT c.oid::int8, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
             AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' \
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') \
             ORDER BY 2, 3",
            &[],
        )
        .map_err(|e| anyhow::anyhow!("{}", db_message(&e)))?;
    Ok(rows
        .iter()
        .map(|r| {
            let schema: String = r.get(1);
            let name: String = r.get(2);
            Table {
                oid: r.get(0),
                key: if schema == "public" {
                    name.clone()
                } else {
                    format!("{schema}.{name}")
                },
                qualified: format!("{}.{}", ident(&schema), ident(&name)),
            }
        })
        .collect())
}

pub(super) struct SeedColumn {
    name: String,
    /// The SQL literal to insert; `None`: leave the column to its default.
    value: Option<String>,
    is_text: bool,
    is_number: bool,
    is_datetime: bool,
    has_default: bool,
}

/// String literals of the desired schema (enum labels, CHECK values,
/// defaults): text a real row would plausibly hold once migrated, so they are
/// tried first for text columns.
pub(super) fn text_hints(desired: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in strata_core::sql::lex::tokenize(desired) {
        if t.kind == strata_core::sql::lex::Kind::Str {
            let v = t.ident(desired);
            if !v.is_empty() && !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out.truncate(3);
    out
}

/// How seeded rows look.
#[derive(Clone, Copy)]
pub(super) enum SeedStyle<'h> {
    /// Text from the desired schema's literals first, numbers and dates that
    /// grow with the column position (so `a < b` checks hold).
    Plausible(&'h [String]),
    /// The same `1`, `'a'`, `2020-01-01` everywhere.
    Plain,
    /// Plain values in NOT NULL columns only (NULL passes any CHECK).
    Sparse,
}

/// Inserts one row into each table of A, parents before children, each table
/// in its own savepoint. Returns notes on tables left empty.
pub(super) fn seed(c: &mut Client, style: SeedStyle) -> Vec<String> {
    let (hints, growing, sparse): (&[String], bool, bool) = match style {
        SeedStyle::Plausible(h) => (h, true, false),
        SeedStyle::Plain => (&[], false, false),
        SeedStyle::Sparse => (&[], false, true),
    };
    let mut notes = Vec::new();
    let tables = match user_tables(c) {
        Ok(t) if t.is_empty() => return notes,
        Ok(t) => t,
        Err(e) => return vec![format!("seeding skipped: {e}")],
    };
    let oids = tables
        .iter()
        .map(|t| t.oid.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let columns = match c.query(
        &format!(
            "SELECT a.attrelid::int8, a.attname, a.attgenerated::text, a.attidentity::text, \
             coalesce(pg_get_expr(d.adbin, d.adrelid), ''), bt.typname, bt.typcategory::text, t.typcategory::text, \
             (SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = bt.oid ORDER BY e.enumsortorder LIMIT 1), a.attnotnull \
             FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
             JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END \
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE a.attrelid IN ({oids}) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum"
        ),
        &[],
    ) {
        Ok(rows) => rows,
        Err(e) => return vec![format!("seeding skipped: {}", db_message(&e))],
    };
    let mut cols: BTreeMap<i64, Vec<SeedColumn>> = BTreeMap::new();
    for r in &columns {
        let generated: String = r.get(2);
        let identity: String = r.get(3);
        let default: String = r.get(4);
        let typname: String = r.get(5);
        let category: String = r.get(6);
        let outer: String = r.get(7);
        let enum_first: Option<String> = r.get(8);
        let not_null: bool = r.get(9);
        let skip = !generated.is_empty()
            || !identity.is_empty()
            || default.contains("nextval(")
            || (sparse && !not_null);
        let rel: i64 = r.get(0);
        let position = cols.get(&rel).map_or(0, Vec::len);
        let value = (!skip).then(|| {
            if outer == "A" {
                "'{}'".to_string()
            } else if growing && category == "N" && typname != "money" {
                literal(&(10 + position).to_string())
            } else if growing && matches!(typname.as_str(), "date" | "timestamp" | "timestamptz") {
                literal(&format!("2020-01-{:02}", 1 + position % 28))
            } else {
                type_literal(&typname, &category, enum_first.as_deref())
            }
        });
        cols.entry(rel).or_default().push(SeedColumn {
            name: r.get(1),
            is_text: outer != "A" && category == "S",
            is_number: outer != "A" && category == "N",
            is_datetime: outer != "A" && category == "D",
            has_default: !default.is_empty(),
            value,
        });
    }
    // CHECK literals (table and domain constraints) as alternative text values.
    let mut literals: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    if let Ok(rows) = c.query(
        &format!(
            "SELECT conrelid::int8, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' \
             AND (conrelid IN ({oids}) OR contypid <> 0)"
        ),
        &[],
    ) {
        for r in rows {
            let def: String = r.get(1);
            let rel: i64 = r.get(0);
            let lits = string_literals(&def);
            let targets: Vec<i64> = if rel == 0 {
                tables.iter().map(|t| t.oid).collect()
            } else {
                vec![rel]
            };
            for t in targets {
                let v = literals.entry(t).or_default();
                for l in &lits {
                    if !v.contains(l) {
                        v.push(l.clone());
                    }
                }
            }
        }
    }
    // Foreign keys: (child, parent, child columns, parent columns).
    let fks: Vec<(i64, i64, Vec<String>, Vec<String>)> = c
        .query(
            &format!(
                "SELECT conrelid::int8, confrelid::int8, \
                 array(SELECT a.attname::text FROM unnest(conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.n ORDER BY k.i), \
                 array(SELECT a.attname::text FROM unnest(confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = confrelid AND a.attnum = k.n ORDER BY k.i) \
                 FROM pg_constraint WHERE contype = 'f' AND conrelid IN ({oids})"
            ),
            &[],
        )
        .map(|rows| {
            rows.iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
                .collect()
        })
        .unwrap_or_default();

    // Parents first; a cycle falls back to name order.
    let mut order: Vec<&Table> = Vec::new();
    let mut left: Vec<&Table> = tables.iter().collect();
    while !left.is_empty() {
        let ready = left.iter().position(|t| {
            fks.iter()
                .filter(|f| f.0 == t.oid && f.1 != t.oid)
                .all(|f| !left.iter().any(|l| l.oid == f.1))
        });
        order.push(left.remove(ready.unwrap_or(0)));
    }

    let _ = c.batch_execute("BEGIN");
    for table in order {
        let Some(columns) = cols.get(&table.oid) else {
            continue;
        };
        let mut base: Vec<Option<String>> = columns.iter().map(|c| c.value.clone()).collect();
        let position = |name: &str| columns.iter().position(|c| c.name == name);
        for (child, parent, from, to) in fks.iter().filter(|f| f.0 == table.oid) {
            if parent == child {
                for (f, t) in from.iter().zip(to) {
                    if let (Some(fi), Some(ti)) = (position(f), position(t)) {
                        base[fi] = base[ti].clone().or(Some("NULL".into()));
                    }
                }
                continue;
            }
            let parent_name = tables
                .iter()
                .find(|t| t.oid == *parent)
                .map(|t| t.qualified.clone());
            let row = parent_name.and_then(|p| {
                let select = to
                    .iter()
                    .map(|c| format!("{}::text", ident(c)))
                    .collect::<Vec<_>>()
                    .join(", ");
                c.query_opt(&format!("SELECT {select} FROM {p} LIMIT 1"), &[])
                    .ok()
                    .flatten()
            });
            for (i, f) in from.iter().enumerate() {
                let Some(fi) = position(f) else { continue };
                let v: Option<String> = row.as_ref().and_then(|r| r.get(i));
                base[fi] = Some(v.map_or("NULL".into(), |v| literal(&v)));
            }
        }
        let with_text = |text: &str| -> Vec<Option<String>> {
            base.iter()
                .zip(columns)
                .map(|(v, col)| match v {
                    Some(_) if col.is_text => Some(literal(text)),
                    other => other.clone(),
                })
                .collect()
        };
        // Hints for text columns; then for date/time ones too (partition bounds).
        let mut attempts: Vec<Vec<Option<String>>> = hints.iter().map(|h| with_text(h)).collect();
        attempts.push(base.clone());
        for h in hints {
            attempts.push(
                with_text(h)
                    .into_iter()
                    .zip(columns)
                    .map(|(v, col)| match v {
                        Some(_) if col.is_datetime => Some(literal(h)),
                        other => other,
                    })
                    .collect(),
            );
        }
        for lit in literals.get(&table.oid).into_iter().flatten().take(4) {
            attempts.push(with_text(lit));
        }
        attempts.push(with_text("abcdefghij"));
        attempts.push(
            base.iter()
                .zip(columns)
                .map(|(v, col)| match v {
                    Some(_) if col.is_number => Some("'0'".into()),
                    other => other.clone(),
                })
                .collect(),
        );
        attempts.push(
            base.iter()
                .zip(columns)
                .map(|(v, col)| if col.has_default { None } else { v.clone() })
                .collect(),
        );
        let mut last_err = String::new();
        let mut ok = false;
        let _ = c.batch_execute("SAVEPOINT strata_seed");
        for values in attempts.iter().chain(std::iter::once(&Vec::new())) {
            let picked: Vec<(&str, &str)> = columns
                .iter()
                .zip(values)
                .filter_map(|(col, v)| v.as_deref().map(|v| (col.name.as_str(), v)))
                .collect();
            let sql = if picked.is_empty() {
                format!("INSERT INTO {} DEFAULT VALUES", table.qualified)
            } else {
                format!(
                    "INSERT INTO {} ({}) VALUES ({})",
                    table.qualified,
                    picked
                        .iter()
                        .map(|(n, _)| ident(n))
                        .collect::<Vec<_>>()
                        .join(", "),
                    picked
                        .iter()
                        .map(|(_, v)| *v)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            match c.batch_execute(&sql) {
                Ok(()) => {
                    ok = true;
                    break;
                }
                Err(e) => {
                    if last_err.is_empty() {
                        last_err = db_message(&e);
                    }
                    let _ = c.batch_execute("ROLLBACK TO SAVEPOINT strata_seed");
                }
            }
        }
        let _ = c.batch_execute("RELEASE SAVEPOINT strata_seed");
        if !ok {
            notes.push(format!(
                "{}: left empty ({})",
                table.key,
                one_line(&last_err)
            ));
        }
    }
    if let Err(e) = c.batch_execute("COMMIT") {
        notes.push(format!("seeding rolled back at commit: {}", db_message(&e)));
    }
    notes
}

/// A literal PostgreSQL reads into a column of this (base) type.
pub(super) fn type_literal(typname: &str, category: &str, enum_first: Option<&str>) -> String {
    let v = match typname {
        "bool" => "true",
        "int2" | "int4" | "int8" | "numeric" | "float4" | "float8" | "money" | "oid" => "1",
        "uuid" => "00000000-0000-0000-0000-000000000001",
        "json" | "jsonb" => "{}",
        "date" => "2020-01-01",
        "timestamp" | "timestamptz" => "2020-01-01 00:00:00",
        "time" | "timetz" => "00:00:00",
        "interval" => "1 day",
        "bytea" => "\\x01",
        "inet" | "cidr" => "127.0.0.1",
        "macaddr" => "08:00:2b:01:02:03",
        "macaddr8" => "08:00:2b:01:02:03:04:05",
        "bit" | "varbit" => "1",
        "point" => "(0,0)",
        "line" => "{1,-1,0}",
        "lseg" | "box" | "path" => "((0,0),(1,1))",
        "polygon" => "((0,0),(1,1),(1,0))",
        "circle" => "<(0,0),1>",
        "tsvector" | "tsquery" => "a",
        "xml" => "<a/>",
        "hstore" => "a=>b",
        "pg_lsn" => "0/0",
        "int4range" | "int8range" | "numrange" => "[1,2)",
        "daterange" => "[2020-01-01,2020-01-02)",
        "tsrange" | "tstzrange" => "[2020-01-01,2020-01-02)",
        _ => match category {
            "E" => match enum_first {
                Some(l) => return literal(l),
                None => return "NULL".into(),
            },
            "S" => "a",
            "N" => "1",
            "B" => "true",
            "R" => "empty",
            "D" => "2020-01-01 00:00:00",
            "T" => "1 day",
            _ => return "NULL".into(),
        },
    };
    literal(v)
}

/// The `'…'` string literals in a constraint definition.
pub(super) fn string_literals(def: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = def.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut s = String::new();
        loop {
            match chars.next() {
                None => break,
                Some('\'') if chars.peek() == Some(&'\'') => {
                    chars.next();
                    s.push('\'');
                }
                Some('\'') => break,
                Some(ch) => s.push(ch),
            }
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

// ----- data preservation -----

pub(super) fn snapshot(c: &mut Client) -> Result<Rows> {
    let mut out = BTreeMap::new();
    for t in user_tables(c)? {
        let rows = c
            .query(
                &format!("SELECT row_to_json(t)::text FROM {} t", t.qualified),
                &[],
            )
            .map_err(|e| anyhow::anyhow!("{}: {}", t.key, db_message(&e)))?;
        let mut columns: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
        for r in &rows {
            let text: String = r.get(0);
            let Ok(serde_json::Value::Object(obj)) = serde_json::from_str(&text) else {
                continue;
            };
            for (k, v) in obj {
                let v = match v {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) => Some(s),
                    other => Some(other.to_string()),
                };
                columns.entry(k).or_default().push(v);
            }
        }
        for v in columns.values_mut() {
            v.sort();
        }
        out.insert(
            t.key,
            TableData {
                rows: rows.len() as i64,
                columns,
            },
        );
    }
    Ok(out)
}

/// A value survives a type change if it reads the same: equal text or number,
/// or one rendering extends the other (`2020-01-01T00:00:00` → `…+00:00`).
pub(super) fn survives(before: &str, after: &str) -> bool {
    same_value(before, after)
        || before.eq_ignore_ascii_case(after)
        || before.trim_end().starts_with(after.trim_end())
        || after.starts_with(before.trim_end())
}
