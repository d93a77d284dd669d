//! The canonical dump: one line per fact about the schema, from the PRAGMAs
//! (not the verbatim `sqlite_schema.sql`), so that spelling does not count.

use super::seed::{pk_columns, user_tables};
use rusqlite::Connection;
use std::collections::{BTreeMap, BTreeSet};
use strata_core::model::IndexKey;
use strata_core::sql::lex::normalize;
use strata_core::sqlite::ddl::{parse_create_index, parse_create_table};

/// A row of `PRAGMA foreign_key_list`: id, table, from, to, on_update, on_delete, match.
type FkRow = (i64, String, String, Option<String>, String, String, String);

/// One line per fact about the schema, each naming its object, sorted within
/// each object; identifiers lowercased (SQLite compares them case-insensitively)
/// and expressions in [`normalize`]d form, so spelling does not count.
pub(super) fn dump(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut out = Vec::new();
    let flags: BTreeMap<String, (bool, bool)> = conn
        .prepare("SELECT name, wr, strict FROM pragma_table_list WHERE schema = 'main'")?
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?.to_lowercase(),
                (r.get::<_, i64>(1)? != 0, r.get::<_, i64>(2)? != 0),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let index_sql: BTreeMap<String, String> = conn
        .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL")?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<_>>()?;

    let mut tables = user_tables(conn)?;
    tables.sort_by_key(|(t, _)| t.to_lowercase());
    for (table, sql) in &tables {
        let t = table.to_lowercase();
        let (wr, strict) = flags.get(&t).copied().unwrap_or_default();
        let ddl = parse_create_table(sql);
        out.push(format!(
            "table {t}{}{}",
            if wr { " without_rowid" } else { "" },
            if strict { " strict" } else { "" }
        ));

        // Columns, in order.
        let cols: Vec<(String, String, bool, Option<String>, i64, i64)> = conn
            .prepare(
                "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1) ORDER BY cid",
            )?
            .query_map([table], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, i64>(2)? != 0,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        out.push(format!(
            "{t}: columns ({})",
            cols.iter()
                .map(|c| c.0.to_lowercase())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        for (name, ty, notnull, dflt, pk, hidden) in &cols {
            let mut line = format!("{t}.{}: {}", name.to_lowercase(), normalize(ty));
            if *notnull {
                line.push_str(" not null");
            }
            if let Some(d) = dflt {
                line.push_str(&format!(" default {}", normalize(d)));
            }
            if *pk > 0 {
                line.push_str(&format!(" pk#{pk}"));
            }
            if *hidden != 0 {
                line.push_str(&format!(" hidden={hidden}"));
            }
            if let Some(c) = ddl
                .columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(name))
            {
                if let Some(coll) = &c.collation {
                    if !coll.eq_ignore_ascii_case("binary") {
                        line.push_str(&format!(" collate {}", coll.to_lowercase()));
                    }
                }
                if let Some((expr, stored)) = &c.generated {
                    line.push_str(&format!(
                        " generated ({}) {}",
                        normalize(expr),
                        if *stored { "stored" } else { "virtual" }
                    ));
                }
                if c.autoincrement {
                    line.push_str(" autoincrement");
                }
            }
            out.push(line);
        }

        // Indexes, keyed by name, or by columns for automatic ones.
        let indexes: Vec<(String, bool, String, bool)> = conn
            .prepare("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1)")?
            .query_map([table], |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, i64>(1)? != 0,
                    r.get(2)?,
                    r.get::<_, i64>(3)? != 0,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut lines = BTreeSet::new();
        for (name, unique, origin, partial) in indexes {
            let idx_ddl = index_sql.get(&name).map(|s| parse_create_index(s));
            let parts: Vec<(i64, Option<String>, bool, Option<String>)> = conn
                .prepare(
                    "SELECT seqno, name, \"desc\", coll FROM pragma_index_xinfo(?1) WHERE key = 1 ORDER BY seqno",
                )?
                .query_map([&name], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? != 0, r.get(3)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let cols: Vec<String> = parts
                .iter()
                .map(|(seq, col, desc, coll)| {
                    let key = match col {
                        Some(c) => c.to_lowercase(),
                        None => idx_ddl
                            .as_ref()
                            .and_then(|d| d.parts.get(*seq as usize))
                            .map(|p| match &p.key {
                                IndexKey::Expr(e) => {
                                    format!("({})", normalize(e))
                                }
                                IndexKey::Column(c) => c.to_lowercase(),
                            })
                            .unwrap_or_else(|| "<expr>".into()),
                    };
                    let mut s = key;
                    if let Some(c) = coll {
                        if !c.eq_ignore_ascii_case("binary") {
                            s.push_str(&format!(" collate {}", c.to_lowercase()));
                        }
                    }
                    if *desc {
                        s.push_str(" desc");
                    }
                    s
                })
                .collect();
            let label = if name.starts_with("sqlite_autoindex_") {
                "(auto)".to_string()
            } else {
                name.to_lowercase()
            };
            let mut line = format!(
                "{t}: {}index {label} on ({}) origin={origin}",
                if unique { "unique " } else { "" },
                cols.join(", ")
            );
            if partial {
                let pred = idx_ddl
                    .as_ref()
                    .and_then(|d| d.predicate.as_deref())
                    .map(normalize)
                    .unwrap_or_else(|| "?".into());
                line.push_str(&format!(" where {pred}"));
            }
            lines.insert(line);
        }

        // Foreign keys.
        let fk_rows: Vec<FkRow> = conn
            .prepare(
                "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete, \"match\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
            )?
            .query_map([table], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut groups: BTreeMap<i64, Vec<&FkRow>> = BTreeMap::new();
        for row in &fk_rows {
            groups.entry(row.0).or_default().push(row);
        }
        for rows in groups.values() {
            let first = rows[0];
            let parent = &first.1;
            let from: Vec<String> = rows.iter().map(|r| r.2.to_lowercase()).collect();
            let mut to: Vec<String> = rows
                .iter()
                .filter_map(|r| r.3.as_ref().map(|s| s.to_lowercase()))
                .collect();
            if to.len() != from.len() {
                to = pk_columns(conn, parent)
                    .iter()
                    .map(|s| s.to_lowercase())
                    .collect();
            }
            let deferrable = ddl
                .fks
                .iter()
                .find(|f| {
                    f.ref_table.eq_ignore_ascii_case(parent)
                        && f.columns.len() == from.len()
                        && f.columns
                            .iter()
                            .zip(&from)
                            .all(|(a, b)| a.eq_ignore_ascii_case(b))
                })
                .map(|f| format!(" {:?}", f.deferrable).to_lowercase())
                .unwrap_or_default();
            lines.insert(format!(
                "{t}: foreign key ({}) references {}({}) on update {} on delete {} match {}{deferrable}",
                from.join(", "),
                parent.to_lowercase(),
                to.join(", "),
                first.4.to_lowercase(),
                first.5.to_lowercase(),
                first.6.to_lowercase(),
            ));
        }

        // CHECK constraints live only in the CREATE text.
        for c in &ddl.checks {
            let name = c
                .name
                .as_ref()
                .map(|n| format!("constraint {} ", n.to_lowercase()))
                .unwrap_or_default();
            lines.insert(format!("{t}: {name}check ({})", normalize(&c.expr)));
        }
        out.extend(lines);
    }

    // Views and triggers: name plus normalized text.
    let mut others: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT type, name, coalesce(sql, '') FROM sqlite_schema WHERE type IN ('view', 'trigger')",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    others.sort_by_key(|(ty, name, _)| (ty.clone(), name.to_lowercase()));
    for (ty, name, sql) in others {
        out.push(format!(
            "{ty} {}: {}",
            name.to_lowercase(),
            canonical_create(&sql)
        ));
    }
    Ok(out)
}

/// A `CREATE VIEW/TRIGGER` statement in normalized form, without `IF NOT EXISTS`
/// (which changes nothing about the object).
pub(super) fn canonical_create(sql: &str) -> String {
    let n = normalize(sql.trim().trim_end_matches(';'));
    for kind in ["view", "trigger"] {
        for temp in ["", "temp ", "temporary "] {
            let prefix = format!("create {temp}{kind} if not exists ");
            if let Some(rest) = n.strip_prefix(&prefix) {
                return format!("create {kind} {rest}");
            }
        }
    }
    n
}
