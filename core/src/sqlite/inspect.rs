//! Reads a SQLite database into the model with a fixed number of queries: the
//! table-valued PRAGMA functions joined against `sqlite_schema` read every
//! table's columns (or indexes, or foreign keys) in one statement.

use super::ddl::{parse_create_index, parse_create_table, view_query};
use crate::diag::{Error, Result};
use crate::driver::Scope;
use crate::filter::Exclude;
use crate::model::*;
use rusqlite::Connection;
use std::collections::HashMap;

const USER_TABLES: &str = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.sql NOT LIKE 'CREATE VIRTUAL%'";

pub fn inspect(conn: &Connection, scope: &Scope) -> Result<Realm> {
    let objects = query(conn, "SELECT type, name, tbl_name, sql FROM sqlite_schema m WHERE m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql IS NOT NULL ORDER BY rowid", |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
    })?;
    let mut schema = Schema {
        name: "main".to_string(),
        ..Schema::default()
    };
    let mut ddl = HashMap::new();
    for (kind, name, tbl, sql) in &objects {
        match kind.as_str() {
            "table" if !sql.starts_with("CREATE VIRTUAL") => {
                let parsed = parse_create_table(sql);
                let mut t = Table {
                    name: name.clone(),
                    ..Table::default()
                };
                t.attrs.set_flag("without_rowid", parsed.without_rowid);
                t.attrs.set_flag("strict", parsed.strict);
                t.checks = parsed.checks.clone();
                ddl.insert(name.clone(), parsed);
                schema.tables.push(t);
            }
            "view" => schema.views.push(View {
                name: name.clone(),
                def: view_query(sql),
                ..View::default()
            }),
            "trigger" => schema.triggers.push(Trigger {
                comment: None,
                name: name.clone(),
                table: tbl.clone(),
                def: sql.trim().trim_end_matches(';').to_string(),
                span: None,
            }),
            _ => {}
        }
    }
    let pos: HashMap<String, usize> = schema
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    columns(conn, &mut schema, &pos, &ddl)?;
    indexes(conn, &mut schema, &pos, &ddl, &objects)?;
    foreign_keys(conn, &mut schema, &pos, &ddl)?;
    let mut realm = Realm {
        schemas: vec![schema],
        ..Realm::default()
    };
    Exclude::new(&scope.exclude)?.apply(&mut realm, false);
    Ok(realm)
}

fn query<T>(
    conn: &Connection,
    sql: &str,
    f: impl FnMut(&rusqlite::Row) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn
        .prepare(sql)
        .map_err(|e| Error::Database(format!("inspecting SQLite: {e}")))?;
    let rows = stmt
        .query_map([], f)
        .map_err(|e| Error::Database(format!("inspecting SQLite: {e}")))?;
    rows.collect::<rusqlite::Result<Vec<T>>>()
        .map_err(|e| Error::Database(format!("inspecting SQLite: {e}")))
}

type Ddl = HashMap<String, super::ddl::TableDdl>;

fn columns(
    conn: &Connection,
    schema: &mut Schema,
    pos: &HashMap<String, usize>,
    ddl: &Ddl,
) -> Result<()> {
    let sql = format!(
        "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden \
         FROM sqlite_schema m JOIN pragma_table_xinfo(m.name) p WHERE {USER_TABLES} ORDER BY m.name, p.cid"
    );
    type Row = (String, String, String, bool, Option<String>, i64, i64);
    let rows: Vec<Row> = query(conn, &sql, |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    })?;
    let mut pks: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for (table, name, ty, notnull, default, pk, hidden) in rows {
        let Some(&ti) = pos.get(&table) else { continue };
        // Hidden columns of virtual tables (hidden = 1) are not the user's.
        if hidden == 1 {
            continue;
        }
        let cd = ddl.get(&table).and_then(|d| {
            d.columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(&name))
        });
        let mut col = Column {
            name: name.clone(),
            ty: ty.to_ascii_lowercase(),
            nullable: !notnull,
            default,
            ..Column::default()
        };
        if let Some(cd) = cd {
            col.collation = cd
                .collation
                .clone()
                .filter(|c| !c.eq_ignore_ascii_case("BINARY"));
            col.auto_increment = cd.autoincrement;
            if hidden >= 2 {
                col.generated = cd.generated.clone().map(|(expr, _)| Generated {
                    expr,
                    stored: hidden == 3,
                });
            }
        }
        if pk > 0 {
            pks.entry(table.clone()).or_default().push((pk, name));
        }
        schema.tables[ti].columns.push(col);
    }
    for (table, mut cols) in pks {
        cols.sort();
        let t = &mut schema.tables[pos[&table]];
        t.primary_key = Some(PrimaryKey {
            name: ddl.get(&table).and_then(|d| d.pk_name.clone()),
            parts: cols
                .into_iter()
                .map(|(_, c)| IndexPart::column(c))
                .collect(),
            span: None,
        });
    }
    Ok(())
}

fn indexes(
    conn: &Connection,
    schema: &mut Schema,
    pos: &HashMap<String, usize>,
    ddl: &Ddl,
    objects: &[(String, String, String, String)],
) -> Result<()> {
    let sql = format!(
        "SELECT m.name, il.name, il.\"unique\", il.origin FROM sqlite_schema m \
         JOIN pragma_index_list(m.name) il WHERE {USER_TABLES} AND il.origin IN ('c', 'u') ORDER BY m.name, il.seq DESC"
    );
    let list: Vec<(String, String, bool, String)> = query(conn, &sql, |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    // Columns of the indexes that back UNIQUE constraints (they have no SQL text).
    let sql = format!(
        "SELECT il.name, ix.name, ix.\"desc\", ix.coll FROM sqlite_schema m \
         JOIN pragma_index_list(m.name) il JOIN pragma_index_xinfo(il.name) ix \
         WHERE {USER_TABLES} AND il.origin = 'u' AND ix.key = 1 ORDER BY il.name, ix.seqno"
    );
    let mut unique_cols: HashMap<String, Vec<IndexPart>> = HashMap::new();
    for (idx, col, desc, coll) in query(conn, &sql, |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })? {
        unique_cols.entry(idx).or_default().push(IndexPart {
            key: IndexKey::Column(col.unwrap_or_default()),
            desc,
            collation: coll.filter(|c| !c.eq_ignore_ascii_case("BINARY")),
            ops: None,
        });
    }
    let index_sql: HashMap<&str, &str> = objects
        .iter()
        .filter(|o| o.0 == "index")
        .map(|o| (o.1.as_str(), o.3.as_str()))
        .collect();
    for (table, name, unique, origin) in list {
        let Some(&ti) = pos.get(&table) else { continue };
        let mut idx = Index {
            name: name.clone(),
            unique,
            ..Index::default()
        };
        if origin == "u" {
            idx.parts = unique_cols.remove(&name).unwrap_or_default();
            // A part inherits its column's collation; only a different one is the index's own.
            for part in &mut idx.parts {
                let col = part.column_name().and_then(|c| schema.tables[ti].column(c));
                if col.is_some_and(|c| {
                    c.collation.as_deref().map(str::to_ascii_uppercase)
                        == part.collation.as_deref().map(str::to_ascii_uppercase)
                }) {
                    part.collation = None;
                }
            }
            idx.attrs.set_flag("constraint", true);
            // Name it after its CONSTRAINT clause when it has one.
            let cols: Vec<&str> = idx
                .parts
                .iter()
                .filter_map(IndexPart::column_name)
                .collect();
            if let Some(u) = ddl.get(&table).and_then(|d| {
                d.uniques.iter().find(|u| {
                    u.columns
                        .iter()
                        .map(String::as_str)
                        .eq(cols.iter().copied())
                })
            }) {
                if let Some(n) = &u.name {
                    idx.name = n.clone();
                }
            }
        } else if let Some(sql) = index_sql.get(name.as_str()) {
            let parsed = parse_create_index(sql);
            idx.parts = parsed.parts;
            idx.predicate = parsed.predicate;
        }
        schema.tables[ti].indexes.push(idx);
    }
    Ok(())
}

fn foreign_keys(
    conn: &Connection,
    schema: &mut Schema,
    pos: &HashMap<String, usize>,
    ddl: &Ddl,
) -> Result<()> {
    let sql = format!(
        "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete \
         FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f WHERE {USER_TABLES} ORDER BY m.name, f.id DESC, f.seq"
    );
    type Row = (String, i64, String, String, Option<String>, String, String);
    let rows: Vec<Row> = query(conn, &sql, |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    })?;
    let mut current: Option<(String, i64)> = None;
    for (table, id, ref_table, from, to, on_update, on_delete) in rows {
        let Some(&ti) = pos.get(&table) else { continue };
        let t = &mut schema.tables[ti];
        if current.as_ref() != Some(&(table.clone(), id)) {
            current = Some((table.clone(), id));
            t.foreign_keys.push(ForeignKey {
                ref_schema: Some("main".into()),
                ref_table: ref_table.clone(),
                on_update: RefAction::parse(&on_update).unwrap_or_default(),
                on_delete: RefAction::parse(&on_delete).unwrap_or_default(),
                ..ForeignKey::default()
            });
        }
        let fk = t.foreign_keys.last_mut().unwrap();
        fk.columns.push(from);
        // `to` is NULL when the FK names no columns: it means the parent's key.
        fk.ref_columns.push(to.unwrap_or_default());
    }
    fill_implicit_parent_keys(schema);
    // Names and deferrability.
    for t in &mut schema.tables {
        let tddl = ddl.get(&t.name);
        for fk in &mut t.foreign_keys {
            if let Some(d) = tddl.and_then(|d| {
                d.fks.iter().find(|d| {
                    d.ref_table.eq_ignore_ascii_case(&fk.ref_table)
                        && d.columns
                            .iter()
                            .map(|c| c.to_ascii_lowercase())
                            .eq(fk.columns.iter().map(|c| c.to_ascii_lowercase()))
                })
            }) {
                fk.name = d.name.clone();
                fk.deferrable = d.deferrable;
            }
        }
    }
    Ok(())
}

/// `REFERENCES parent` without columns means the parent's primary key: fills
/// those in from the parents in `schema` (again after a partitioned replay,
/// where the parent may have been read from another database).
pub fn fill_implicit_parent_keys(schema: &mut Schema) {
    let pk_of: HashMap<String, Vec<String>> = schema
        .tables
        .iter()
        .map(|t| {
            let cols = t
                .primary_key
                .iter()
                .flat_map(|p| {
                    p.parts
                        .iter()
                        .filter_map(|x| x.column_name().map(String::from))
                })
                .collect();
            (t.name.to_ascii_lowercase(), cols)
        })
        .collect();
    for t in &mut schema.tables {
        for fk in &mut t.foreign_keys {
            if fk.ref_columns.iter().all(String::is_empty) {
                if let Some(pk) = pk_of.get(&fk.ref_table.to_ascii_lowercase()) {
                    fk.ref_columns = pk.clone();
                }
            }
        }
    }
}
