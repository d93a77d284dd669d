//! A schema fingerprint in one catalog query.
//!
//! `migrate apply` records the schema's fingerprint after every file, in the
//! file's own transaction, so a drift check always has the latest version's.
//! A full inspection per file would cost more than the files themselves on a
//! long directory; this query hashes the definitions instead (names, types,
//! defaults, constraints, index, view, trigger and routine definitions,
//! comments, enum labels, sequence options), never storage or statistics, so
//! it changes exactly when a definition does.

use postgres::Client;

const QUERY: &str = r#"
WITH ns AS (
  SELECT oid, nspname FROM pg_namespace
  WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
    AND (cardinality($1::text[]) = 0 OR nspname = ANY($1::text[]))
), rel AS (
  SELECT c.oid, ns.nspname, c.relname, c.relkind FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
  WHERE NOT (c.relname = ANY($2::text[]))
    AND NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
                    WHERE i.indexrelid = c.oid AND t.relname = ANY($2::text[]))
)
SELECT md5(coalesce(string_agg(x, E'\n' ORDER BY x), '')) FROM (
  SELECT 'n ' || nspname || ' ' || coalesce(obj_description(oid, 'pg_namespace'), '') FROM ns
  UNION ALL
  SELECT 'r ' || nspname || '.' || relname || ' ' || relkind::text || ' ' || coalesce(obj_description(oid, 'pg_class'), '') FROM rel
  UNION ALL
  SELECT 'a ' || r.nspname || '.' || r.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
         || ' ' || a.attnotnull::text || ' ' || a.attidentity::text || ' ' || a.attgenerated::text
         || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') || ' ' || coalesce(co.collname, '')
         || ' ' || coalesce(col_description(r.oid, a.attnum), '')
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0 AND co.collname <> 'default'
  UNION ALL
  SELECT 'k ' || r.nspname || '.' || r.relname || '.' || k.conname || ' ' || pg_get_constraintdef(k.oid)
         || ' ' || coalesce(obj_description(k.oid, 'pg_constraint'), '')
  FROM pg_constraint k JOIN rel r ON r.oid = k.conrelid
  UNION ALL
  SELECT 'i ' || pg_get_indexdef(i.indexrelid) || ' ' || i.indisvalid::text
  FROM pg_index i JOIN rel r ON r.oid = i.indexrelid
  UNION ALL
  SELECT 'v ' || nspname || '.' || relname || ' ' || pg_get_viewdef(oid) FROM rel WHERE relkind IN ('v', 'm')
  UNION ALL
  SELECT 't ' || pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text FROM pg_trigger t JOIN rel r ON r.oid = t.tgrelid
  WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 'f ' || ns.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') '
         || p.prokind::text || ' ' || md5(CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE p.prosrc END)
  FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
  WHERE NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = p.oid AND dep.deptype = 'e')
  UNION ALL
  SELECT 'y ' || ns.nspname || '.' || t.typname || ' ' || t.typtype::text || ' ' || format_type(t.typbasetype, t.typtypmod)
         || ' ' || t.typnotnull::text || ' ' || coalesce(t.typdefault, '')
         || ' ' || coalesce((SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid), '')
         || ' ' || coalesce((SELECT string_agg(pg_get_constraintdef(k.oid), ',' ORDER BY k.conname) FROM pg_constraint k WHERE k.contypid = t.oid), '')
  FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.typtype IN ('e', 'd')
  UNION ALL
  SELECT 's ' || s.schemaname || '.' || s.sequencename || ' ' || s.data_type::text || ' ' || s.start_value::text || ' '
         || s.increment_by::text || ' ' || s.min_value::text || ' ' || s.max_value::text || ' ' || s.cache_size::text || ' ' || s.cycle::text
  FROM pg_sequences s JOIN ns ON ns.nspname = s.schemaname
  UNION ALL
  SELECT 'x ' || e.extname || ' ' || ns.nspname FROM pg_extension e JOIN ns ON ns.oid = e.extnamespace
  UNION ALL
  SELECT 'p ' || pol.schemaname || '.' || pol.tablename || '.' || pol.policyname || ' ' || pol.cmd || ' '
         || coalesce(pol.qual, '') || ' ' || coalesce(pol.with_check, '')
  FROM pg_policies pol JOIN ns ON ns.nspname = pol.schemaname
) defs(x)
"#;

/// `h1:`-style fingerprint of the definitions in `schemas` (all user schemas
/// when empty), leaving out tables named in `skip` and their indexes. Read
/// under `search_path` `path`, so expressions print alike whatever the
/// session set.
pub fn fingerprint(
    client: &mut Client,
    schemas: &[String],
    skip: &[&str],
    path: &str,
) -> Result<String, String> {
    let saved: String = client
        .query_one("SELECT current_setting('search_path')", &[])
        .map_err(|e| super::conn::db_message(&e))?
        .get(0);
    client
        .execute("SELECT set_config('search_path', $1, false)", &[&path])
        .map_err(|e| super::conn::db_message(&e))?;
    let skip: Vec<String> = skip.iter().map(|s| s.to_string()).collect();
    let r = client.query_one(QUERY, &[&schemas, &skip]);
    let _ = client.execute("SELECT set_config('search_path', $1, false)", &[&saved]);
    let md5: String = r.map_err(|e| super::conn::db_message(&e))?.get(0);
    Ok(format!("pg:{md5}"))
}
