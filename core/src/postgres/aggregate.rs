//! User-defined aggregates (`CREATE AGGREGATE`), read from `pg_aggregate`
//! and kept as routines whose definition is the `CREATE OR REPLACE
//! AGGREGATE` statement rebuilt from the catalog (PostgreSQL has no
//! `pg_get_aggregatedef`). Views calling an aggregate (pagila's
//! `group_concat`) then find it created before them, after its functions.

use super::conn::db_message;
use crate::diag::{Error, Result};
use crate::model::{Realm, Routine};
use postgres::Client;

/// Whether a routine definition creates an aggregate.
pub fn is_aggregate(def: &str) -> bool {
    let toks = crate::sql::lex::tokenize(def);
    toks.iter().take(4).any(|t| t.is(def, "AGGREGATE"))
}

/// Appends the aggregates of `schemas` to their schemas' routines.
pub fn inspect(client: &mut Client, schemas: &[String], realm: &mut Realm) -> Result<()> {
    let fn_name = |col: &str| format!("CASE WHEN a.{col} <> 0 THEN a.{col}::regproc::text END");
    let sql = format!(
        "SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), \
         pg_get_function_arguments(p.oid), a.aggkind::text, obj_description(p.oid, 'pg_proc'), \
         a.aggtransfn::regproc::text, format_type(a.aggtranstype, NULL), a.aggtransspace, \
         {final}, a.aggfinalextra, a.aggfinalmodify::text, {combine}, {serial}, {deserial}, a.agginitval, \
         {mtrans}, {minv}, CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END, \
         a.aggmtransspace, {mfinal}, a.aggmfinalextra, a.aggmfinalmodify::text, a.aggminitval, \
         (SELECT o.oprname::text FROM pg_operator o WHERE o.oid = a.aggsortop), p.proparallel::text \
         FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = ANY($1) \
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') ORDER BY 1, 2, 3",
        final = fn_name("aggfinalfn"),
        combine = fn_name("aggcombinefn"),
        serial = fn_name("aggserialfn"),
        deserial = fn_name("aggdeserialfn"),
        mtrans = fn_name("aggmtransfn"),
        minv = fn_name("aggminvtransfn"),
        mfinal = fn_name("aggmfinalfn"),
    );
    let rows = client
        .query(&sql, &[&schemas])
        .map_err(|e| Error::Database(format!("inspecting PostgreSQL: {}", db_message(&e))))?;
    for r in rows {
        let schema: String = r.get(0);
        let Some(s) = realm.schemas.iter_mut().find(|s| s.name == schema) else {
            continue;
        };
        let kind: String = r.get(4);
        // Ordered-set aggregates modify their state in the final function
        // by default; the others only read it.
        let default_modify = if kind == "n" { "r" } else { "w" };
        let mut opts = vec![
            format!("SFUNC = {}", r.get::<_, String>(6)),
            format!("STYPE = {}", r.get::<_, String>(7)),
        ];
        let push = |opts: &mut Vec<String>, key: &str, v: Option<String>| {
            if let Some(v) = v {
                opts.push(format!("{key} = {v}"));
            }
        };
        let space: i32 = r.get(8);
        push(&mut opts, "SSPACE", (space != 0).then(|| space.to_string()));
        let finalfn: Option<String> = r.get(9);
        let has_final = finalfn.is_some();
        push(&mut opts, "FINALFUNC", finalfn);
        if has_final && r.get::<_, bool>(10) {
            opts.push("FINALFUNC_EXTRA".into());
        }
        let modify: String = r.get(11);
        push(
            &mut opts,
            "FINALFUNC_MODIFY",
            (has_final && modify != default_modify).then(|| modify_word(&modify)),
        );
        push(&mut opts, "COMBINEFUNC", r.get(12));
        push(&mut opts, "SERIALFUNC", r.get(13));
        push(&mut opts, "DESERIALFUNC", r.get(14));
        push(
            &mut opts,
            "INITCOND",
            r.get::<_, Option<String>>(15).map(|v| lit(&v)),
        );
        let mtrans: Option<String> = r.get(16);
        let moving = mtrans.is_some();
        push(&mut opts, "MSFUNC", mtrans);
        push(&mut opts, "MINVFUNC", r.get(17));
        push(&mut opts, "MSTYPE", r.get(18));
        let mspace: i32 = r.get(19);
        push(
            &mut opts,
            "MSSPACE",
            (mspace != 0).then(|| mspace.to_string()),
        );
        let mfinal: Option<String> = r.get(20);
        let has_mfinal = mfinal.is_some();
        push(&mut opts, "MFINALFUNC", mfinal);
        if has_mfinal && r.get::<_, bool>(21) {
            opts.push("MFINALFUNC_EXTRA".into());
        }
        let mmodify: String = r.get(22);
        push(
            &mut opts,
            "MFINALFUNC_MODIFY",
            (moving && has_mfinal && mmodify != default_modify).then(|| modify_word(&mmodify)),
        );
        push(
            &mut opts,
            "MINITCOND",
            r.get::<_, Option<String>>(23).map(|v| lit(&v)),
        );
        push(&mut opts, "SORTOP", r.get(24));
        push(
            &mut opts,
            "PARALLEL",
            match r.get::<_, String>(25).as_str() {
                "s" => Some("SAFE".into()),
                "r" => Some("RESTRICTED".into()),
                _ => None,
            },
        );
        if kind == "h" {
            opts.push("HYPOTHETICAL".into());
        }
        let name: String = r.get(1);
        let def = format!(
            "CREATE OR REPLACE AGGREGATE {}.{}({}) (\n    {}\n)",
            super::plan::q(&schema),
            super::plan::q(&name),
            r.get::<_, String>(3),
            opts.join(",\n    ")
        );
        s.routines.push(Routine {
            name,
            args: r.get(2),
            procedure: false,
            def,
            comment: r.get(5),
            span: None,
        });
    }
    Ok(())
}

fn modify_word(code: &str) -> String {
    match code {
        "s" => "SHAREABLE",
        "w" => "READ_WRITE",
        _ => "READ_ONLY",
    }
    .into()
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
