//! Loading a case: what it presupposes (schema `foo` for the
//! `user: psqldef_user` cases, contrib extensions, schemas of current),
//! statement-by-statement loading when the order does not suit PostgreSQL,
//! and the cases this server cannot run.

use super::super::Case;
use super::server::{ident, Postgres, EXTENSIONS};
use postgres::Client;
use std::collections::BTreeSet;
use strata_core::dialect::Dialect;
use strata_core::postgres::conn::db_message;

/// Statements a case presupposes but does not contain: schema `foo` for the
/// `user: psqldef_user` cases, contrib extensions used without `CREATE EXTENSION`.
#[derive(Default)]
pub(super) struct Prelude {
    pub(super) user_schema: bool,
    pub(super) extensions: Vec<String>,
    /// Schemas of current that desired uses without creating them.
    pub(super) schemas: Vec<String>,
}

impl Prelude {
    pub(super) fn sql(&self) -> String {
        let mut s = String::new();
        for e in &self.extensions {
            s.push_str(&format!("CREATE EXTENSION IF NOT EXISTS {};\n", ident(e)));
        }
        if self.user_schema {
            s.push_str("CREATE SCHEMA IF NOT EXISTS foo;\n");
        }
        for n in &self.schemas {
            s.push_str(&format!("CREATE SCHEMA IF NOT EXISTS {};\n", ident(n)));
        }
        s
    }
}

/// Runs a case's SQL: as one batch, else statement by statement, retrying the
/// ones that fail until no more succeed (sqldef accepts statements in any
/// order; so do CONCURRENTLY statements, which refuse a batch). `Ok(true)`: it
/// needed the slow way. The error lists what still failed, first error first.
pub(super) fn load(c: &mut Client, sql: &str) -> std::result::Result<bool, String> {
    let first = match c.batch_execute(sql) {
        Ok(()) => return Ok(false),
        Err(e) => db_message(&e),
    };
    let mut pending: Vec<&str> = strata_core::sql::split::split(sql, Dialect::Postgres)
        .into_iter()
        .map(|s| &sql[s.range])
        .collect();
    loop {
        let mut failed = Vec::new();
        let mut errors = vec![first.clone()];
        for stmt in &pending {
            if let Err(e) = c.batch_execute(stmt) {
                failed.push(*stmt);
                errors.push(db_message(&e));
            }
        }
        if failed.is_empty() {
            return Ok(true);
        }
        if failed.len() == pending.len() {
            // No progress: the batch's own error first, then what is left.
            errors.dedup();
            return Err(errors.join("\n"));
        }
        pending = failed;
    }
}

/// Schemas a script creates, as PostgreSQL names them.
pub(super) fn created_schemas(sql: &str) -> BTreeSet<String> {
    let toks = strata_core::sql::lex::tokenize(sql);
    let mut out = BTreeSet::new();
    for (i, t) in toks.iter().enumerate() {
        if !(t.is(sql, "CREATE") && toks.get(i + 1).is_some_and(|n| n.is(sql, "SCHEMA"))) {
            continue;
        }
        let mut j = i + 2;
        if toks.get(j).is_some_and(|n| n.is(sql, "IF")) {
            j += 3;
        }
        if let Some(n) = toks.get(j) {
            if n.is(sql, "AUTHORIZATION") {
                if let Some(role) = toks.get(j + 1) {
                    out.insert(pg_name(role, sql));
                }
            } else {
                out.insert(pg_name(n, sql));
            }
        }
    }
    out
}

/// An identifier token as PostgreSQL stores it: unquoted names fold to lower case.
pub(super) fn pg_name(t: &strata_core::sql::lex::Token, src: &str) -> String {
    if t.kind == strata_core::sql::lex::Kind::Word {
        t.ident(src).to_lowercase()
    } else {
        t.ident(src)
    }
}

/// Extensions a load error points at that are not in the prelude yet.
pub(super) fn missing_extensions(msg: &str, have: &[String], env: &Postgres) -> Vec<String> {
    let m = msg.to_lowercase();
    EXTENSIONS
        .iter()
        .filter(|(e, words)| {
            !have.iter().any(|h| h == e)
                && env.available.contains(*e)
                && words.iter().any(|w| m.contains(w))
        })
        .map(|(e, _)| e.to_string())
        .collect()
}

/// Why a case does not apply to this server, if it does not.
pub(super) fn gated(case: &Case, env: &Postgres) -> Option<String> {
    let version = |key: &str| {
        case.options.get(key).and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let server = (env.server_version / 10000, env.server_version % 10000);
    let parse = |s: &str| {
        let mut it = s.trim().split('.').map(|p| p.parse::<i64>().unwrap_or(0));
        (it.next().unwrap_or(0), it.next())
    };
    if let Some(min) = version("min_version") {
        let (major, minor) = parse(&min);
        if server < (major, minor.unwrap_or(0)) {
            return Some(format!(
                "needs PostgreSQL {min}, server is {}.{}",
                server.0, server.1
            ));
        }
    }
    if let Some(max) = version("max_version") {
        let (major, minor) = parse(&max);
        if server.0 > major || (server.0 == major && minor.is_some_and(|m| server.1 > m)) {
            return Some(format!(
                "needs PostgreSQL up to {max}, server is {}.{}",
                server.0, server.1
            ));
        }
    }
    if let Some(flavor) = case.options.get("flavor").and_then(|v| v.as_str()) {
        let ok = match flavor.to_ascii_lowercase().as_str() {
            "" | "postgres" | "postgresql" => true,
            "pgvector" => env.available.contains("vector"),
            _ => false,
        };
        if !ok {
            return Some(format!("flavor {flavor} (not this server)"));
        }
    }
    None
}
