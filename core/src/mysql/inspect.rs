//! Reads `information_schema` into the model: one query per object kind for
//! every managed database at once (never one per table, never `SHOW CREATE
//! TABLE`), nine queries whatever the size of the schema.
//!
//! Values come back as MariaDB prints them: literal defaults quoted, expression
//! defaults bare (`current_timestamp()`), types with their display width and
//! `unsigned`/`zerofill`, `enum(…)`/`set(…)` with their values. Charsets and
//! collations are kept only where they differ from the parent's (database →
//! table → column), and the engine only where it is not the server's default,
//! so a table that says nothing reads back as nothing on any server.
//!
//! Each database reads back under the name `dbs` pairs it with (a scratch dev
//! database under the target's name), and view definitions lose the
//! qualification MariaDB adds with their own database's name.

use super::conn::{literal, rows};
use super::progress;
use crate::diag::{Error, Result};
use crate::filter::Exclude;
use crate::model::*;
use mysql::Conn;
use std::collections::HashMap;

type Row = Vec<Option<String>>;

/// (real name, name it reads back under) for each database to read.
pub fn inspect(conn: &mut Conn, dbs: &[(String, String)], exclude: &[String]) -> Result<Realm> {
    let mut realm = Realm::default();
    if dbs.is_empty() {
        return Ok(realm);
    }
    let list = dbs
        .iter()
        .map(|(n, _)| literal(n))
        .collect::<Vec<_>>()
        .join(", ");
    let shown: HashMap<&str, &str> = dbs.iter().map(|(n, s)| (n.as_str(), s.as_str())).collect();
    let q = |conn: &mut Conn, sql: String| -> Result<Vec<Row>> {
        rows(conn, &sql).map_err(|e| Error::Database(format!("inspecting MySQL: {e}")))
    };
    let default_engine = q(conn, "SELECT @@default_storage_engine".into())?
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next().flatten())
        .unwrap_or_default();

    // Databases, with their default charset and collation.
    let mut schema_ix: HashMap<String, usize> = HashMap::new();
    let mut schema_cs: Vec<(String, String)> = Vec::new();
    for r in q(
        conn,
        format!(
            "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME, SCHEMA_COMMENT \
             FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ({list}) ORDER BY SCHEMA_NAME"
        ),
    )? {
        let name = s(&r, 0);
        let mut schema = Schema {
            name: shown.get(name.as_str()).map_or(name.clone(), |s| s.to_string()),
            comment: opt(&r, 3),
            ..Schema::default()
        };
        schema.attrs.0.insert("charset".into(), AttrValue::Str(s(&r, 1)));
        schema.attrs.0.insert("collate".into(), AttrValue::Str(s(&r, 2)));
        schema_cs.push((s(&r, 1), s(&r, 2)));
        schema_ix.insert(name, realm.schemas.len());
        realm.schemas.push(schema);
    }

    // Tables: (database, table) → (schema index, table index, charset, collation).
    let mut tables: HashMap<(String, String), (usize, usize, String, String)> = HashMap::new();
    for r in q(
        conn,
        format!(
            "SELECT t.TABLE_SCHEMA, t.TABLE_NAME, t.ENGINE, t.TABLE_COLLATION, c.CHARACTER_SET_NAME, t.TABLE_COMMENT, t.CREATE_OPTIONS \
             FROM information_schema.TABLES t LEFT JOIN information_schema.COLLATIONS c ON c.COLLATION_NAME = t.TABLE_COLLATION \
             WHERE t.TABLE_SCHEMA IN ({list}) AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') \
             ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME"
        ),
    )? {
        let (db, name) = (s(&r, 0), s(&r, 1));
        if name == progress::TABLE {
            continue;
        }
        let Some(&si) = schema_ix.get(&db) else { continue };
        let (cs, coll) = (s(&r, 4), s(&r, 3));
        let mut t = Table {
            name: name.clone(),
            comment: opt(&r, 5),
            ..Table::default()
        };
        let engine = s(&r, 2);
        if !engine.is_empty() && !engine.eq_ignore_ascii_case(&default_engine) {
            t.attrs.0.insert("engine".into(), AttrValue::Str(engine));
        }
        // Options given explicitly (`row_format=DYNAMIC`, `key_block_size=8`),
        // as the server lists them; partitioning is not read (yet).
        let options: Vec<String> = s(&r, 6)
            .split_whitespace()
            .filter(|o| !o.eq_ignore_ascii_case("partitioned"))
            .map(str::to_string)
            .collect();
        if !options.is_empty() {
            t.attrs
                .0
                .insert("options".into(), AttrValue::Str(options.join(" ")));
        }
        let (scs, scoll) = &schema_cs[si];
        if !cs.is_empty() && &cs != scs {
            t.attrs.0.insert("charset".into(), AttrValue::Str(cs.clone()));
        }
        if !coll.is_empty() && &coll != scoll {
            t.attrs.0.insert("collate".into(), AttrValue::Str(coll.clone()));
        }
        let schema = &mut realm.schemas[si];
        tables.insert((db, name), (si, schema.tables.len(), cs, coll));
        schema.tables.push(t);
    }

    columns(conn, &list, &mut realm, &tables)?;
    indexes(conn, &list, &mut realm, &tables)?;
    foreign_keys(conn, &list, &mut realm, &tables, &shown)?;
    for r in q(
        conn,
        format!(
            "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA IN ({list}) ORDER BY CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME"
        ),
    )? {
        if let Some(&(si, ti, _, _)) = tables.get(&(s(&r, 0), s(&r, 1))) {
            realm.schemas[si].tables[ti].checks.push(Check {
                name: opt(&r, 2),
                expr: s(&r, 3),
                span: None,
            });
        }
    }
    for r in q(
        conn,
        format!(
            "SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, ALGORITHM \
             FROM information_schema.VIEWS WHERE TABLE_SCHEMA IN ({list}) ORDER BY TABLE_SCHEMA, TABLE_NAME"
        ),
    )? {
        let db = s(&r, 0);
        let Some(&si) = schema_ix.get(&db) else { continue };
        let mut v = View {
            name: s(&r, 1),
            def: unqualify(&s(&r, 2), &db),
            ..View::default()
        };
        let check = s(&r, 3);
        if check != "NONE" && !check.is_empty() {
            v.attrs.0.insert("check_option".into(), AttrValue::Str(check));
        }
        if s(&r, 4) == "INVOKER" {
            v.attrs.0.insert("security".into(), AttrValue::Str("INVOKER".into()));
        }
        let algorithm = s(&r, 5);
        if !algorithm.is_empty() && algorithm != "UNDEFINED" {
            v.attrs.0.insert("algorithm".into(), AttrValue::Str(algorithm));
        }
        realm.schemas[si].views.push(v);
    }
    for r in q(
        conn,
        format!(
            "SELECT TRIGGER_SCHEMA, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_STATEMENT \
             FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA IN ({list}) \
             ORDER BY TRIGGER_SCHEMA, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER"
        ),
    )? {
        let Some(&si) = schema_ix.get(&s(&r, 0)) else { continue };
        let (name, table) = (s(&r, 1), s(&r, 4));
        let def = format!(
            "CREATE TRIGGER {} {} {} ON {} FOR EACH ROW {}",
            crate::dialect::Dialect::Mysql.quote(&name),
            s(&r, 2),
            s(&r, 3),
            crate::dialect::Dialect::Mysql.quote(&table),
            s(&r, 5)
        );
        realm.schemas[si].triggers.push(Trigger {
            name,
            table,
            def,
            ..Trigger::default()
        });
    }
    let qualified = realm.schemas.len() > 1;
    Exclude::new(exclude)?.apply(&mut realm, qualified);
    Ok(realm)
}

fn columns(
    conn: &mut Conn,
    list: &str,
    realm: &mut Realm,
    tables: &HashMap<(String, String), (usize, usize, String, String)>,
) -> Result<()> {
    let sql = format!(
        "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_DEFAULT, IS_NULLABLE, COLUMN_TYPE, CHARACTER_SET_NAME, \
         COLLATION_NAME, EXTRA, COLUMN_COMMENT, IS_GENERATED, GENERATION_EXPRESSION \
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN ({list}) \
         ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"
    );
    for r in rows(conn, &sql).map_err(|e| Error::Database(format!("inspecting MySQL: {e}")))? {
        let Some((si, ti, tcs, tcoll)) = tables.get(&(s(&r, 0), s(&r, 1))) else {
            continue;
        };
        let extra = s(&r, 8).to_ascii_lowercase();
        let generated = (s(&r, 10) == "ALWAYS").then(|| Generated {
            expr: s(&r, 11),
            stored: extra.contains("stored") || extra.contains("persistent"),
        });
        let mut c = Column {
            name: s(&r, 2),
            ty: s(&r, 5),
            nullable: s(&r, 4) == "YES",
            default: opt(&r, 3).filter(|d| d != "NULL" && generated.is_none()),
            auto_increment: extra.contains("auto_increment"),
            comment: opt(&r, 9),
            ..Column::default()
        };
        c.generated = generated;
        if let Some(coll) = opt(&r, 7).filter(|x| x != tcoll) {
            c.collation = Some(coll);
        }
        if let Some(cs) = opt(&r, 6).filter(|x| x != tcs) {
            c.attrs.0.insert("charset".into(), AttrValue::Str(cs));
        }
        if let Some(i) = extra.find("on update ") {
            let expr = extra[i + "on update ".len()..]
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            c.attrs.0.insert("on_update".into(), AttrValue::Str(expr));
        }
        realm.schemas[*si].tables[*ti].columns.push(c);
    }
    Ok(())
}

fn indexes(
    conn: &mut Conn,
    list: &str,
    realm: &mut Realm,
    tables: &HashMap<(String, String), (usize, usize, String, String)>,
) -> Result<()> {
    let sql = format!(
        "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, INDEX_TYPE, COLLATION, INDEX_COMMENT \
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN ({list}) \
         ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
    );
    for r in rows(conn, &sql).map_err(|e| Error::Database(format!("inspecting MySQL: {e}")))? {
        let Some(&(si, ti, _, _)) = tables.get(&(s(&r, 0), s(&r, 1))) else {
            continue;
        };
        let t = &mut realm.schemas[si].tables[ti];
        let name = s(&r, 2);
        let mut part = IndexPart::column(s(&r, 4));
        part.desc = s(&r, 7) == "D";
        // A spatial index reports a SUB_PART it does not accept back.
        let prefix = opt(&r, 5)
            .and_then(|p| p.parse::<i64>().ok())
            .filter(|_| s(&r, 6) != "SPATIAL");
        if name == "PRIMARY" {
            t.primary_key
                .get_or_insert_with(PrimaryKey::default)
                .parts
                .push(part);
            continue;
        }
        if t.indexes.last().is_none_or(|i| i.name != name) {
            let mut idx = Index {
                name: name.clone(),
                unique: s(&r, 3) == "0",
                comment: opt(&r, 8),
                ..Index::default()
            };
            let ty = s(&r, 6);
            if matches!(ty.as_str(), "FULLTEXT" | "SPATIAL" | "HASH") {
                idx.attrs.0.insert("type".into(), AttrValue::Str(ty));
            }
            t.indexes.push(idx);
        }
        let idx = t.indexes.last_mut().unwrap();
        if let Some(p) = prefix {
            idx.attrs
                .0
                .insert(format!("prefix_{}", idx.parts.len()), AttrValue::Int(p));
        }
        idx.parts.push(part);
    }
    Ok(())
}

fn foreign_keys(
    conn: &mut Conn,
    list: &str,
    realm: &mut Realm,
    tables: &HashMap<(String, String), (usize, usize, String, String)>,
    shown: &HashMap<&str, &str>,
) -> Result<()> {
    let sql = format!(
        "SELECT rc.CONSTRAINT_SCHEMA, rc.TABLE_NAME, rc.CONSTRAINT_NAME, rc.UPDATE_RULE, rc.DELETE_RULE, \
         k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME \
         FROM information_schema.REFERENTIAL_CONSTRAINTS rc JOIN information_schema.KEY_COLUMN_USAGE k \
         ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = rc.TABLE_NAME AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME \
         WHERE rc.CONSTRAINT_SCHEMA IN ({list}) \
         ORDER BY rc.CONSTRAINT_SCHEMA, rc.TABLE_NAME, rc.CONSTRAINT_NAME, k.ORDINAL_POSITION"
    );
    for r in rows(conn, &sql).map_err(|e| Error::Database(format!("inspecting MySQL: {e}")))? {
        let db = s(&r, 0);
        let Some(&(si, ti, _, _)) = tables.get(&(db.clone(), s(&r, 1))) else {
            continue;
        };
        let t = &mut realm.schemas[si].tables[ti];
        let name = s(&r, 2);
        if t.foreign_keys
            .last()
            .is_none_or(|f| f.name.as_deref() != Some(name.as_str()))
        {
            let ref_db = s(&r, 6);
            t.foreign_keys.push(ForeignKey {
                name: Some(name),
                ref_schema: (ref_db != db).then(|| {
                    shown
                        .get(ref_db.as_str())
                        .map_or(ref_db.clone(), |s| s.to_string())
                }),
                ref_table: s(&r, 7),
                on_update: RefAction::parse(&s(&r, 3)).unwrap_or_default(),
                on_delete: RefAction::parse(&s(&r, 4)).unwrap_or_default(),
                ..ForeignKey::default()
            });
        }
        let fk = t.foreign_keys.last_mut().unwrap();
        fk.columns.push(s(&r, 5));
        fk.ref_columns.push(s(&r, 8));
    }
    Ok(())
}

/// A view's definition without MariaDB's `` `db`. `` in front of its own
/// database's objects, so the same view reads alike in any database.
pub fn unqualify(def: &str, db: &str) -> String {
    let prefix = format!("{}.", crate::dialect::Dialect::Mysql.quote(db));
    def.replace(&prefix, "")
}

fn s(r: &Row, i: usize) -> String {
    r.get(i).cloned().flatten().unwrap_or_default()
}

/// A value, `None` when NULL or empty (MySQL reports "no comment" as '').
fn opt(r: &Row, i: usize) -> Option<String> {
    r.get(i).cloned().flatten().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_lose_their_own_database_name() {
        assert_eq!(
            unqualify("select `d`.`t`.`a` AS `a` from `d`.`t` join `o`.`u`", "d"),
            "select `t`.`a` AS `a` from `t` join `o`.`u`"
        );
    }
}
