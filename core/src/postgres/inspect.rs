//! Reads PostgreSQL's catalog into the model: one query per object kind for
//! every managed schema at once (never one per table), pg_catalog only.
//! Expressions come back as PostgreSQL prints them (`pg_get_expr`,
//! `pg_get_constraintdef`, `pg_get_viewdef`), which is what makes a normalized
//! desired state and an inspected database compare equal.

use super::conn::db_message;
use crate::diag::{Error, Result};
use crate::filter::Exclude;
use crate::model::*;
use postgres::Client;
use std::collections::HashMap;

/// Objects an extension owns are the extension's, not the user's.
const NOT_EXTENSION: &str =
    "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')";

pub fn inspect(client: &mut Client, schemas: &[String], exclude: &[String]) -> Result<Realm> {
    let realm_level = schemas.is_empty();
    let schemas: Vec<String> = if realm_level {
        user_schemas(client)?
    } else {
        schemas.to_vec()
    };
    let mut realm = Realm::default();
    for r in q(client, "SELECT n.nspname, obj_description(n.oid, 'pg_namespace') FROM pg_namespace n WHERE n.nspname = ANY($1) ORDER BY 1", &schemas)? {
        realm.schemas.push(Schema { name: r.get(0), comment: r.get(1), ..Schema::default() });
    }
    let mut tables: HashMap<u32, (usize, usize)> = HashMap::new();
    tables_(client, &schemas, &mut realm, &mut tables)?;
    columns(client, &schemas, &mut realm, &tables)?;
    sequences(client, &schemas, &mut realm, &tables)?;
    constraints(client, &schemas, &mut realm, &tables)?;
    let materialized = views(client, &schemas, &mut realm)?;
    indexes(client, &schemas, &mut realm, &tables, &materialized)?;
    policies(client, &schemas, &mut realm, &tables)?;
    enums(client, &schemas, &mut realm)?;
    domains(client, &schemas, &mut realm)?;
    routines(client, &schemas, &mut realm)?;
    super::aggregate::inspect(client, &schemas, &mut realm)?;
    triggers(client, &schemas, &mut realm)?;
    if realm_level {
        for r in q(client, "SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' AND $1::text[] IS NOT NULL ORDER BY 1", &schemas)? {
            realm.extensions.push(Extension { name: r.get(0), schema: r.get(1), span: None });
        }
    }
    let qualified = realm_level && realm.schemas.len() > 1;
    Exclude::new(exclude)?.apply(&mut realm, qualified);
    Ok(realm)
}

fn q(client: &mut Client, sql: &str, schemas: &[String]) -> Result<Vec<postgres::Row>> {
    client
        .query(sql, &[&schemas])
        .map_err(|e| Error::Database(format!("inspecting PostgreSQL: {}", db_message(&e))))
}

fn user_schemas(client: &mut Client) -> Result<Vec<String>> {
    let rows = client
        .query(
            "SELECT n.nspname FROM pg_namespace n WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
             AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%' \
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = n.oid AND d.deptype = 'e') ORDER BY 1",
            &[],
        )
        .map_err(|e| Error::Database(format!("inspecting PostgreSQL: {}", db_message(&e))))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

fn schema_index(realm: &Realm, name: &str) -> Option<usize> {
    realm.schemas.iter().position(|s| s.name == name)
}

fn tables_(
    client: &mut Client,
    schemas: &[String],
    realm: &mut Realm,
    pos: &mut HashMap<u32, (usize, usize)>,
) -> Result<()> {
    let sql = format!(
        "SELECT c.oid, n.nspname, c.relname, c.relpersistence::text, obj_description(c.oid, 'pg_class'), c.relrowsecurity, \
         c.relforcerowsecurity, \
         CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, \
         (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent \
            JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition), \
         CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND {NOT_EXTENSION} ORDER BY n.nspname, c.relname"
    );
    for r in q(client, &sql, schemas)? {
        let oid: u32 = r.get(0);
        let Some(si) = schema_index(realm, r.get(1)) else {
            continue;
        };
        let mut t = Table {
            name: r.get(2),
            comment: r.get(4),
            ..Table::default()
        };
        t.attrs.set_flag("unlogged", r.get::<_, String>(3) == "u");
        t.attrs.set_flag("row_security", r.get(5));
        t.attrs.set_flag("row_security_force", r.get(6));
        if let Some(p) = r.get::<_, Option<String>>(7) {
            t.attrs.0.insert("partition".into(), AttrValue::Str(p));
        }
        // A partition: its columns come from the parent; what is its own is the
        // parent and the bound.
        if let (Some(parent), Some(bound)) =
            (r.get::<_, Option<String>>(8), r.get::<_, Option<String>>(9))
        {
            t.attrs
                .0
                .insert("partition_of".into(), AttrValue::Str(parent));
            t.attrs
                .0
                .insert("partition_bound".into(), AttrValue::Str(bound));
        }
        let s = &mut realm.schemas[si];
        pos.insert(oid, (si, s.tables.len()));
        s.tables.push(t);
    }
    Ok(())
}

fn columns(
    client: &mut Client,
    schemas: &[String],
    realm: &mut Realm,
    pos: &HashMap<u32, (usize, usize)>,
) -> Result<()> {
    let sql = "SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
         pg_get_expr(ad.adbin, ad.adrelid), a.attidentity::text, a.attgenerated::text, \
         CASE WHEN a.attcollation <> t.typcollation THEN co.collname END, col_description(a.attrelid, a.attnum), \
         CASE WHEN a.attidentity = '' THEN (SELECT sc.relname FROM pg_depend d JOIN pg_class sc ON sc.oid = d.objid \
              WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = a.attrelid \
              AND d.refobjsubid = a.attnum AND d.deptype = 'a' AND sc.relkind = 'S' LIMIT 1) END, c.relname \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
         LEFT JOIN pg_collation co ON co.oid = a.attcollation \
         WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY a.attrelid, a.attnum";
    for r in q(client, sql, schemas)? {
        let Some(&(si, ti)) = pos.get(&r.get::<_, u32>(0)) else {
            continue;
        };
        if realm.schemas[si].tables[ti]
            .attrs
            .0
            .contains_key("partition_of")
        {
            continue;
        }
        let expr: Option<String> = r.get(4);
        let identity: String = r.get(5);
        let generated: String = r.get(6);
        let mut c = Column {
            name: r.get(1),
            ty: r.get(2),
            nullable: !r.get::<_, bool>(3),
            collation: r.get(7),
            comment: r.get(8),
            ..Column::default()
        };
        // A column that owns the sequence its default draws from was declared
        // serial: say so, and the sequence comes with it.
        let owned: Option<String> = r.get(9);
        let serial = owned.is_some_and(|seq| {
            is_serial_sequence(&r.get::<_, String>(10), &c.name, &seq)
                && expr.as_deref().is_some_and(|e| e.starts_with("nextval("))
        });
        if generated == "s" {
            c.generated = expr.map(|e| Generated {
                expr: e,
                stored: true,
            });
        } else if serial {
            c.ty = match c.ty.as_str() {
                "bigint" => "bigserial",
                "smallint" => "smallserial",
                _ => "serial",
            }
            .into();
        } else {
            c.default = expr;
        }
        match identity.as_str() {
            "a" => {
                c.attrs
                    .0
                    .insert("identity".into(), AttrValue::Str("ALWAYS".into()));
            }
            "d" => {
                c.attrs
                    .0
                    .insert("identity".into(), AttrValue::Str("BY DEFAULT".into()));
            }
            _ => {}
        }
        realm.schemas[si].tables[ti].columns.push(c);
    }
    Ok(())
}

/// Whether `seq` has the name PostgreSQL gives a serial column's sequence
/// (`table_column_seq`, shortened to fit 63 bytes): any other owned sequence
/// was created on its own and stays a sequence of the model.
fn is_serial_sequence(table: &str, column: &str, seq: &str) -> bool {
    let name = format!("{table}_{column}_seq");
    seq == name || (name.len() > 63 && seq.ends_with("_seq") && seq.len() >= 60)
}

fn action(code: &str) -> RefAction {
    match code {
        "r" => RefAction::Restrict,
        "c" => RefAction::Cascade,
        "n" => RefAction::SetNull,
        "d" => RefAction::SetDefault,
        _ => RefAction::NoAction,
    }
}

fn constraints(
    client: &mut Client,
    schemas: &[String],
    realm: &mut Realm,
    pos: &HashMap<u32, (usize, usize)>,
) -> Result<()> {
    let cols = |arr: &str, rel: &str| {
        format!(
            "(SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.{arr}) WITH ORDINALITY k(num, ord) \
             JOIN pg_attribute a ON a.attrelid = con.{rel} AND a.attnum = k.num)"
        )
    };
    let sql = format!(
        "SELECT con.conrelid, con.conname, con.contype::text, pg_get_constraintdef(con.oid, true), {}, \
         fn.nspname, fc.relname, {}, con.confupdtype::text, con.confdeltype::text, con.condeferrable, con.condeferred, \
         obj_description(con.oid, 'pg_constraint'), con.confmatchtype::text \
         FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_class fc ON fc.oid = con.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace \
         WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND con.contype IN ('p', 'u', 'f', 'c', 'x') \
         AND con.conislocal ORDER BY con.conrelid, con.conname",
        cols("conkey", "conrelid"),
        cols("confkey", "confrelid")
    );
    for r in q(client, &sql, schemas)? {
        let Some(&(si, ti)) = pos.get(&r.get::<_, u32>(0)) else {
            continue;
        };
        let name: String = r.get(1);
        let kind: String = r.get(2);
        // Comments on constraints live with the table: `comment:<constraint>`.
        if let Some(c) = r.get::<_, Option<String>>(12) {
            if let Some(&(si2, ti2)) = pos.get(&r.get::<_, u32>(0)) {
                let key = format!("comment:{name}");
                realm.schemas[si2].tables[ti2]
                    .attrs
                    .0
                    .insert(key, AttrValue::Str(c));
            }
        }
        let def: String = r.get(3);
        let columns: Vec<String> = r.get::<_, Option<Vec<String>>>(4).unwrap_or_default();
        let t = &mut realm.schemas[si].tables[ti];
        match kind.as_str() {
            "p" => {
                t.primary_key = Some(PrimaryKey {
                    name: Some(name),
                    parts: columns.into_iter().map(IndexPart::column).collect(),
                    span: None,
                })
            }
            "u" => {
                let mut idx = Index {
                    name,
                    unique: true,
                    parts: columns.into_iter().map(IndexPart::column).collect(),
                    ..Index::default()
                };
                idx.attrs.set_flag("constraint", true);
                if def.contains(" DEFERRABLE") {
                    let when = if def.contains("INITIALLY DEFERRED") {
                        "DEFERRED"
                    } else {
                        "IMMEDIATE"
                    };
                    idx.attrs
                        .0
                        .insert("deferrable".into(), AttrValue::Str(when.into()));
                }
                if def.contains("NULLS NOT DISTINCT") {
                    idx.attrs.set_flag("nulls_not_distinct", true);
                }
                t.indexes.push(idx);
            }
            "f" => {
                let deferrable = match (r.get::<_, bool>(10), r.get::<_, bool>(11)) {
                    (false, _) => Deferrable::NotDeferrable,
                    (true, false) => Deferrable::InitiallyImmediate,
                    (true, true) => Deferrable::InitiallyDeferred,
                };
                t.foreign_keys.push(ForeignKey {
                    name: Some(name),
                    columns,
                    ref_schema: r.get(5),
                    ref_table: r.get::<_, Option<String>>(6).unwrap_or_default(),
                    ref_columns: r.get::<_, Option<Vec<String>>>(7).unwrap_or_default(),
                    on_update: action(&r.get::<_, String>(8)),
                    on_delete: action(&r.get::<_, String>(9)),
                    deferrable,
                    match_full: r.get::<_, String>(13) == "f",
                    span: None,
                });
            }
            "c" => {
                let mut expr = def.strip_prefix("CHECK ").unwrap_or(&def);
                // Flags PostgreSQL prints after the expression.
                let no_inherit = expr.ends_with(" NO INHERIT");
                expr = expr
                    .trim_end_matches(" NO INHERIT")
                    .trim_end_matches(" NOT VALID");
                if no_inherit {
                    t.attrs
                        .0
                        .insert(format!("check_no_inherit:{name}"), AttrValue::Bool(true));
                }
                t.checks.push(Check {
                    name: Some(name),
                    expr: crate::sqlite::ddl::strip_parens(expr).to_string(),
                    span: None,
                });
            }
            // Exclusion constraints keep their definition whole.
            "x" => {
                let mut idx = Index {
                    name,
                    ..Index::default()
                };
                idx.attrs.0.insert("exclude".into(), AttrValue::Str(def));
                idx.attrs.set_flag("constraint", true);
                t.indexes.push(idx);
            }
            _ => {}
        }
    }
    Ok(())
}

/// Plain and expression indexes (the ones no constraint owns). A column key
/// is its attribute's name, read from `pg_attribute`; only expression keys go
/// through `pg_get_indexdef`, which deparses per call (once per key column,
/// it was most of this query's time on thousands of tables).
fn indexes(
    client: &mut Client,
    schemas: &[String],
    realm: &mut Realm,
    pos: &HashMap<u32, (usize, usize)>,
    materialized: &HashMap<u32, (usize, usize)>,
) -> Result<()> {
    let sql = "SELECT i.indrelid, ic.relname, i.indisunique, am.amname, pg_get_expr(i.indpred, i.indrelid), \
         obj_description(ic.oid, 'pg_class'), i.indnkeyatts::int4, \
         (SELECT array_agg(CASE WHEN i.indkey[k - 1] <> 0 THEN quote_ident(a.attname) \
              ELSE pg_get_indexdef(i.indexrelid, k, true) END ORDER BY k) \
            FROM generate_series(1, i.indnatts) k LEFT JOIN pg_attribute a \
              ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]), \
         (SELECT array_agg(i.indkey[k - 1]::int4 ORDER BY k) FROM generate_series(1, i.indnatts) k), \
         (SELECT array_agg(i.indoption[k - 1]::int4 ORDER BY k) FROM generate_series(1, i.indnkeyatts) k), \
         COALESCE((to_jsonb(i) ->> 'indnullsnotdistinct')::bool, false), \
         (SELECT array_agg(CASE WHEN oc.opcdefault THEN NULL ELSE oc.opcname::text END ORDER BY k) \
            FROM generate_series(1, i.indnkeyatts) k JOIN pg_opclass oc ON oc.oid = i.indclass[k - 1]), \
         array_to_string(ic.reloptions, ', '), \
         (SELECT array_agg(CASE WHEN i.indcollation[k - 1] <> 0 AND i.indcollation[k - 1] IS DISTINCT FROM \
              (CASE WHEN i.indkey[k - 1] <> 0 THEN (SELECT a.attcollation FROM pg_attribute a \
                 WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]) ELSE 100 END) \
            THEN (SELECT co.collname::text FROM pg_collation co WHERE co.oid = i.indcollation[k - 1]) END ORDER BY k) \
            FROM generate_series(1, i.indnkeyatts) k), \
         i.indisvalid \
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = ic.relam \
         WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'm') \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x')) \
         AND NOT EXISTS (SELECT 1 FROM pg_inherits ih WHERE ih.inhrelid = i.indexrelid) \
         ORDER BY i.indrelid, ic.relname";
    for r in q(client, sql, schemas)? {
        let rel = r.get::<_, u32>(0);
        let owner = match (pos.get(&rel), materialized.get(&rel)) {
            (Some(&(si, ti)), _) => (si, ti, false),
            (None, Some(&(si, vi))) => (si, vi, true),
            _ => continue,
        };
        let nkey = r.get::<_, i32>(6) as usize;
        let defs: Vec<String> = r.get::<_, Option<Vec<String>>>(7).unwrap_or_default();
        let keys: Vec<i32> = r.get::<_, Option<Vec<i32>>>(8).unwrap_or_default();
        let options: Vec<i32> = r.get::<_, Option<Vec<i32>>>(9).unwrap_or_default();
        let ops: Vec<Option<String>> = r
            .get::<_, Option<Vec<Option<String>>>>(11)
            .unwrap_or_default();
        // Collations other than the column's (or, for expressions, the default).
        let collations: Vec<Option<String>> = r
            .get::<_, Option<Vec<Option<String>>>>(13)
            .unwrap_or_default();
        let mut idx = Index {
            name: r.get(1),
            unique: r.get(2),
            predicate: r.get(4),
            comment: r.get(5),
            ..Index::default()
        };
        for (k, def) in defs.iter().enumerate().take(nkey) {
            let option = options.get(k).copied().unwrap_or(0);
            let key = if keys.get(k).copied().unwrap_or(0) != 0 {
                IndexKey::Column(unquote(def))
            } else {
                IndexKey::Expr(crate::sqlite::ddl::strip_parens(def).to_string())
            };
            idx.parts.push(IndexPart {
                key,
                desc: option & 1 != 0,
                collation: collations.get(k).cloned().flatten(),
                ops: ops.get(k).cloned().flatten(),
            });
            // NULLS FIRST is the default for DESC; only the other one is noted.
            let nulls_first = option & 2 != 0;
            if nulls_first != (option & 1 != 0) {
                idx.attrs
                    .0
                    .insert(format!("nulls_first_{k}"), AttrValue::Bool(nulls_first));
            }
        }
        if defs.len() > nkey {
            let include: Vec<String> = defs[nkey..].iter().map(|d| unquote(d)).collect();
            idx.attrs
                .0
                .insert("include".into(), AttrValue::Str(include.join(", ")));
        }
        // A failed or cancelled CREATE INDEX CONCURRENTLY leaves the index in
        // place but unused (a unique one enforces nothing): marked, it differs
        // from the desired index and is planned as drop + re-create.
        if !r.get::<_, bool>(14) {
            idx.attrs.0.insert("invalid".into(), AttrValue::Bool(true));
        }
        let method: String = r.get(3);
        if method != "btree" {
            idx.attrs.0.insert("type".into(), AttrValue::Str(method));
        }
        if r.get::<_, bool>(10) {
            idx.attrs.set_flag("nulls_not_distinct", true);
        }
        if let Some(with) = r.get::<_, Option<String>>(12).filter(|w| !w.is_empty()) {
            idx.attrs.0.insert("with".into(), AttrValue::Str(with));
        }
        match owner {
            (si, vi, true) => realm.schemas[si].views[vi].indexes.push(idx),
            (si, ti, false) => realm.schemas[si].tables[ti].indexes.push(idx),
        }
    }
    Ok(())
}

fn policies(
    client: &mut Client,
    schemas: &[String],
    realm: &mut Realm,
    pos: &HashMap<u32, (usize, usize)>,
) -> Result<()> {
    let sql = "SELECT p.polrelid, p.polname, p.polcmd::text, p.polpermissive, \
         (SELECT array_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE (SELECT rolname::text FROM pg_roles WHERE oid = r) END ORDER BY 1) FROM unnest(p.polroles) r), \
         pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid) \
         FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = ANY($1) ORDER BY p.polrelid, p.polname";
    for r in q(client, sql, schemas)? {
        let Some(&(si, ti)) = pos.get(&r.get::<_, u32>(0)) else {
            continue;
        };
        let command = match r.get::<_, String>(2).as_str() {
            "r" => "SELECT",
            "a" => "INSERT",
            "w" => "UPDATE",
            "d" => "DELETE",
            _ => "ALL",
        };
        let mut roles: Vec<String> = r.get::<_, Option<Vec<String>>>(4).unwrap_or_default();
        if roles == ["PUBLIC"] {
            roles.clear();
        }
        realm.schemas[si].tables[ti].policies.push(Policy {
            name: r.get(1),
            command: command.to_string(),
            permissive: r.get(3),
            roles,
            using: r.get(5),
            check: r.get(6),
            span: None,
        });
    }
    Ok(())
}

/// `"Mixed Case"` → `Mixed Case`; plain names as they are.
fn unquote(s: &str) -> String {
    match s.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => s.to_string(),
    }
}

/// Views and materialized views; returns where each materialized view landed,
/// by oid, for its indexes.
fn views(
    client: &mut Client,
    schemas: &[String],
    realm: &mut Realm,
) -> Result<HashMap<u32, (usize, usize)>> {
    let mut materialized = HashMap::new();
    let sql = format!(
        "SELECT n.nspname, c.relname, c.relkind::text, pg_get_viewdef(c.oid, true), obj_description(c.oid, 'pg_class'), c.oid \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = ANY($1) AND c.relkind IN ('v', 'm') AND {NOT_EXTENSION} ORDER BY n.nspname, c.relname"
    );
    for r in q(client, &sql, schemas)? {
        let Some(si) = schema_index(realm, r.get(0)) else {
            continue;
        };
        let def: String = r.get(3);
        let mut v = View {
            name: r.get(1),
            def: def.trim().trim_end_matches(';').trim_end().to_string(),
            comment: r.get(4),
            ..View::default()
        };
        let m = r.get::<_, String>(2) == "m";
        v.attrs.set_flag("materialized", m);
        if m {
            materialized.insert(r.get::<_, u32>(5), (si, realm.schemas[si].views.len()));
        }
        realm.schemas[si].views.push(v);
    }
    Ok(materialized)
}

fn enums(client: &mut Client, schemas: &[String], realm: &mut Realm) -> Result<()> {
    let sql = "SELECT n.nspname, t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder), obj_description(t.oid, 'pg_type') \
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = ANY($1) AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e') \
         GROUP BY n.nspname, t.typname, t.oid ORDER BY 1, 2";
    for r in q(client, sql, schemas)? {
        let Some(si) = schema_index(realm, r.get(0)) else {
            continue;
        };
        realm.schemas[si].enums.push(EnumType {
            name: r.get(1),
            values: r.get(2),
            comment: r.get(3),
            ..EnumType::default()
        });
    }
    Ok(())
}

fn domains(client: &mut Client, schemas: &[String], realm: &mut Realm) -> Result<()> {
    let sql = "SELECT n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault, \
         CASE WHEN t.typcollation <> bt.typcollation THEN co.collname END, obj_description(t.oid, 'pg_type'), \
         (SELECT array_agg(c.conname::text ORDER BY c.conname) FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'), \
         (SELECT array_agg(pg_get_constraintdef(c.oid, true) ORDER BY c.conname) FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c') \
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type bt ON bt.oid = t.typbasetype \
         LEFT JOIN pg_collation co ON co.oid = t.typcollation \
         WHERE t.typtype = 'd' AND n.nspname = ANY($1) \
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e') ORDER BY 1, 2";
    for r in q(client, sql, schemas)? {
        let Some(si) = schema_index(realm, r.get(0)) else {
            continue;
        };
        let names: Vec<String> = r.get::<_, Option<Vec<String>>>(7).unwrap_or_default();
        let defs: Vec<String> = r.get::<_, Option<Vec<String>>>(8).unwrap_or_default();
        let checks = names
            .into_iter()
            .zip(defs)
            .map(|(name, def)| {
                let expr = def
                    .strip_prefix("CHECK ")
                    .unwrap_or(&def)
                    .trim_end_matches(" NOT VALID");
                Check {
                    name: Some(name),
                    expr: crate::sqlite::ddl::strip_parens(expr).to_string(),
                    span: None,
                }
            })
            .collect();
        realm.schemas[si].domains.push(Domain {
            name: r.get(1),
            ty: r.get(2),
            nullable: !r.get::<_, bool>(3),
            default: r.get(4),
            collation: r.get(5),
            comment: r.get(6),
            checks,
            span: None,
        });
    }
    Ok(())
}

/// Standalone sequences, and the options of identity columns' sequences. A
/// serial column's sequence is part of the column and not listed.
fn sequences(
    client: &mut Client,
    schemas: &[String],
    realm: &mut Realm,
    pos: &HashMap<u32, (usize, usize)>,
) -> Result<()> {
    let sql = "SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, \
         s.seqmin, s.seqmax, s.seqcache, s.seqcycle, obj_description(c.oid, 'pg_class'), \
         d.deptype::text, d.refobjid, a.attname, oc.relname \
         FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid \
              AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') \
         LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
         LEFT JOIN pg_class oc ON oc.oid = d.refobjid \
         WHERE n.nspname = ANY($1) AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = c.oid AND e.deptype = 'e') \
         ORDER BY 1, 2";
    for r in q(client, sql, schemas)? {
        let options = SequenceOptions {
            ty: r.get(2),
            start: r.get(3),
            increment: r.get(4),
            min: r.get(5),
            max: r.get(6),
            cache: r.get(7),
            cycle: r.get(8),
        };
        let dep: Option<String> = r.get(10);
        let owner: Option<u32> = r.get(11);
        let column: Option<String> = r.get(12);
        let owning = owner.and_then(|oid| pos.get(&oid)).and_then(|&(si, ti)| {
            let col = column.as_deref()?;
            let i = realm.schemas[si].tables[ti]
                .columns
                .iter()
                .position(|c| c.name == col)?;
            Some((si, ti, i))
        });
        match (dep.as_deref(), owning) {
            (Some("i"), Some((si, ti, ci))) => {
                let c = &mut realm.schemas[si].tables[ti].columns[ci];
                // The sequence's type follows the column's.
                let mut options = options;
                options.ty = c.ty.clone();
                for (k, v) in options.non_default() {
                    c.attrs.0.insert(format!("identity_{k}"), AttrValue::Int(v));
                }
                continue;
            }
            (Some("i"), None) => continue,
            (Some("a"), Some((si, ti, ci)))
                if realm.schemas[si].tables[ti].columns[ci]
                    .ty
                    .ends_with("serial") =>
            {
                continue
            }
            _ => {}
        }
        let Some(si) = schema_index(realm, r.get(0)) else {
            continue;
        };
        let owned_by = match (dep.as_deref(), r.get::<_, Option<String>>(13), column) {
            (Some("a"), Some(t), Some(c)) => Some((t, c)),
            _ => None,
        };
        realm.schemas[si].sequences.push(Sequence {
            name: r.get(1),
            options,
            owned_by,
            comment: r.get(9),
            span: None,
        });
    }
    Ok(())
}

fn routines(client: &mut Client, schemas: &[String], realm: &mut Realm) -> Result<()> {
    let sql = "SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prokind::text, pg_get_functiondef(p.oid), \
         obj_description(p.oid, 'pg_proc') \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = ANY($1) AND p.prokind IN ('f', 'p') \
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') ORDER BY 1, 2, 3";
    for r in q(client, sql, schemas)? {
        let Some(si) = schema_index(realm, r.get(0)) else {
            continue;
        };
        let def: String = r.get(4);
        realm.schemas[si].routines.push(Routine {
            name: r.get(1),
            args: r.get(2),
            procedure: r.get::<_, String>(3) == "p",
            def: def.trim().trim_end_matches(';').to_string(),
            comment: r.get(5),
            span: None,
        });
    }
    Ok(())
}

fn triggers(client: &mut Client, schemas: &[String], realm: &mut Realm) -> Result<()> {
    let sql = "SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid, true), obj_description(t.oid, 'pg_trigger') \
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = ANY($1) AND NOT t.tgisinternal ORDER BY 1, 2, 3";
    for r in q(client, sql, schemas)? {
        let Some(si) = schema_index(realm, r.get(0)) else {
            continue;
        };
        realm.schemas[si].triggers.push(Trigger {
            name: r.get(2),
            table: r.get(1),
            def: r.get(3),
            comment: r.get(4),
            span: None,
        });
    }
    Ok(())
}
