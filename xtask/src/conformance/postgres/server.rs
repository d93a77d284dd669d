//! The server: roles the cases grant to, a template database for the
//! workers' databases, `pg_dump` of the server's version, and the teardown.

use super::super::{Dialect, Options, Worker};
use super::worker::Databases;
use anyhow::Result;
use std::collections::BTreeSet;
use std::sync::Mutex;
use strata_core::postgres::conn::db_message;
use strata_core::postgres::PgDriver;

/// Roles the sqldef PostgreSQL cases grant to (README prerequisites), plus the
/// odd names `ManagedRolesSpecialCharacters` uses.
pub(super) const ROLES: &[&str] = &[
    "app_user",
    "readonly_user",
    "psqldef_user",
    "app_role",
    "admin_role",
    "api_role",
    "api_user",
    "manager_role",
    "reader",
    "role_1",
    "role_2",
    "user1",
    "user2",
    "user3",
    "user4",
    "test",
    "testuser",
    "user-with-dash",
    "user.with.dot",
    "user@domain.com",
];

/// Contrib extensions some cases use without creating them, and the words in
/// PostgreSQL's error that point at each.
pub(super) const EXTENSIONS: &[(&str, &[&str])] = &[
    ("citext", &["citext"]),
    ("hstore", &["hstore"]),
    ("pg_trgm", &["trgm", "similarity"]),
    ("btree_gist", &["access method \"gist\"", "gist_"]),
];

/// The catalog objects a fresh (reset) database holds beyond the built-in ones:
/// counts of user objects per catalog. Equal fingerprints mean equally fresh.
pub(super) const FINGERPRINT: &str = "SELECT concat_ws(',', \
    (SELECT count(*) FROM pg_class WHERE oid >= 16384), \
    (SELECT count(*) FROM pg_type WHERE oid >= 16384), \
    (SELECT count(*) FROM pg_proc WHERE oid >= 16384), \
    (SELECT string_agg(nspname, ' ' ORDER BY nspname) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'), \
    (SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql'), \
    (SELECT count(*) FROM pg_cast WHERE oid >= 16384), \
    (SELECT count(*) FROM pg_event_trigger), \
    (SELECT count(*) FROM pg_publication), \
    (SELECT count(*) FROM pg_operator WHERE oid >= 16384), \
    (SELECT count(*) FROM pg_opfamily WHERE oid >= 16384), \
    (SELECT count(*) FROM pg_collation WHERE oid >= 16384), \
    (SELECT count(*) FROM pg_conversion WHERE oid >= 16384), \
    (SELECT count(*) FROM pg_ts_config WHERE oid >= 16384), \
    (SELECT count(*) FROM pg_ts_dict WHERE oid >= 16384), \
    (SELECT count(*) FROM pg_foreign_data_wrapper), \
    (SELECT count(*) FROM pg_foreign_server), \
    (SELECT count(*) FROM pg_language WHERE oid >= 16384), \
    (SELECT count(*) FROM pg_am WHERE oid >= 16384), \
    (SELECT count(*) FROM pg_default_acl), \
    (SELECT count(*) FROM pg_constraint WHERE oid >= 16384), \
    (SELECT count(*) FROM pg_trigger WHERE oid >= 16384), \
    (SELECT count(*) FROM pg_policy), \
    (SELECT count(*) FROM pg_description WHERE objoid >= 16384), \
    (SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database()))";

/// The server and what every worker shares: the admin connection, the
/// template database, `pg_dump`, the fingerprint of a fresh database.
pub(crate) struct Postgres {
    /// The `--pg-url` as given (the admin database).
    pub(super) url: String,
    pub(super) admin: Mutex<PgDriver>,
    pub(super) template: String,
    pub(super) prefix: String,
    pub(super) pg_dump: String,
    /// `server_version_num`, e.g. 150020.
    pub(super) server_version: i64,
    /// Extensions the server can install (for `flavor` gates).
    pub(super) available: BTreeSet<String>,
    /// The fingerprint of a freshly reset database.
    pub(super) baseline: Mutex<Option<String>>,
}

impl Postgres {
    /// Connects to `--pg-url`, creates the roles the cases grant to and a
    /// template database for the workers' databases.
    pub(crate) fn start(opts: &Options) -> Result<Postgres> {
        let url = opts.pg_url.clone();
        let mut admin = PgDriver::open(&url).map_err(|e| anyhow::anyhow!("conformance: {e}"))?;
        let server_version: i64 = admin
            .client()
            .query_one("SELECT current_setting('server_version_num')::int8", &[])
            .map_err(|e| anyhow::anyhow!("conformance: {}", db_message(&e)))?
            .get(0);
        let available: BTreeSet<String> = admin
            .client()
            .query("SELECT name FROM pg_available_extensions", &[])
            .map_err(|e| anyhow::anyhow!("conformance: {}", db_message(&e)))?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for ext in EXTENSIONS.iter().map(|(e, _)| *e) {
            if !available.contains(ext) {
                eprintln!("conformance: warning: extension {ext} is not available on this server; cases that need it are skipped");
            }
        }
        // Roles are cluster-wide: create the missing ones once.
        let mut roles = String::from("DO $strata$ BEGIN\n");
        for r in ROLES {
            roles.push_str(&format!(
            "IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {lit}) THEN CREATE ROLE {id}; END IF;\n",
            lit = literal(r),
            id = ident(r)
        ));
        }
        roles.push_str("END $strata$;");
        if let Err(e) = admin.client().batch_execute(&roles) {
            // Two runs racing on CREATE ROLE: the other one made it.
            eprintln!("conformance: warning: creating roles: {}", db_message(&e));
        }
        let prefix = format!("strata_conf_{}", std::process::id());
        // Databases an interrupted run left behind (another run may be live: only say so).
        if let Ok(rows) = admin.client().query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'strata\\_conf\\_%' ORDER BY 1",
            &[],
        ) {
            let stale: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
            if !stale.is_empty() {
                eprintln!(
                "conformance: note: {} database(s) of other or interrupted runs exist ({}…); drop them with DROP DATABASE … WITH (FORCE) once no run uses them",
                stale.len(),
                stale[0]
            );
            }
        }
        let template = format!("{prefix}_tpl");
        admin
            .client()
            .batch_execute(&format!(
                "CREATE DATABASE {} TEMPLATE template0",
                ident(&template)
            ))
            .map_err(|e| {
                anyhow::anyhow!(
                    "conformance: creating the template database: {}",
                    db_message(&e)
                )
            })?;
        Ok(Postgres {
            url,
            admin: Mutex::new(admin),
            template,
            prefix,
            pg_dump: find_pg_dump(server_version),
            server_version,
            available,
            baseline: Mutex::new(None),
        })
    }
}

impl Dialect for Postgres {
    fn worker(&self, n: usize) -> Result<Box<dyn Worker + '_>> {
        Ok(Box::new(Databases::new(self, n)?))
    }

    fn reseeds(&self) -> bool {
        true
    }

    /// Workers dropped their connections; drop every database of this run.
    fn finish(&self) {
        let mut admin = self.admin.lock().unwrap_or_else(|p| p.into_inner());
        let leftovers: Vec<String> = admin
            .client()
            .query(
                "SELECT datname FROM pg_database WHERE datname LIKE $1 || '\\_%'",
                &[&self.prefix],
            )
            .map(|rows| rows.iter().map(|r| r.get(0)).collect())
            .unwrap_or_default();
        for db in leftovers {
            if let Err(e) = admin.client().batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                ident(&db)
            )) {
                eprintln!("conformance: warning: dropping {db}: {}", db_message(&e));
            }
        }
    }
}

pub(super) fn find_pg_dump(server_version: i64) -> String {
    let major = server_version / 10000;
    let path = format!("/usr/lib/postgresql/{major}/bin/pg_dump");
    if std::path::Path::new(&path).is_file() {
        path
    } else {
        "pg_dump".into()
    }
}

/// `raw` with its database replaced by `db` and strata's own `search_path`
/// parameter removed; `extra` query parameters are appended.
pub(super) fn url_for(raw: &str, db: &str, extra: &[&str]) -> String {
    let (base, query) = raw.split_once('?').unwrap_or((raw, ""));
    let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
    let authority = rest.split('/').next().unwrap_or("");
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("search_path="))
        .collect();
    params.extend_from_slice(extra);
    let mut out = format!("{scheme}://{authority}/{db}");
    if !params.is_empty() {
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

/// Connection options for the `user: psqldef_user` cases, whose objects land in
/// schema `foo` (that user's default schema upstream).
pub(super) const FOO_OPTIONS: &str = "options=-c%20search_path%3Dfoo%2Cpublic";

pub(super) fn ident(s: &str) -> String {
    strata_core::dialect::Dialect::Postgres.quote(s)
}

pub(super) fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub(super) fn admin_db(url: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    rest.split_once('/')
        .map(|(_, db)| db.to_string())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "postgres".into())
}
