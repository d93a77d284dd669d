//! `conformance --dialect postgres`: the round-trip runner on a live PostgreSQL
//! server (see `shared/corpora/README.md`).
//!
//! Per case: `current` is loaded into database A and `desired` into database B;
//! one row is seeded into each table of A; strata plans A → desired (realm
//! mode: every non-system schema) on a scratch dev database and applies the
//! plan to A; then `pg_dump --schema-only` of A and B must hold the same
//! statements, seeded rows must survive, and a re-plan must be empty.
//!
//! Speed: `CREATE DATABASE` costs about half a second here and `DROP DATABASE`
//! a forced checkpoint (about a second), which for 838 cases would take over
//! half an hour. So each worker creates its A and B once (from a template
//! database made for the run) and resets them between cases by dropping every
//! user schema and extension; a catalog fingerprint then proves the database is
//! as fresh as a new one, and if it is not, the database is dropped and created
//! again from the template. Everything is dropped `WITH (FORCE)` at the end.

use super::{
    core_error, dump_diff, one_line, report, same_value, statements_of, Case, CaseResult, Options,
    Renames, Status, PANIC_MESSAGE,
};
use anyhow::{bail, Context, Result};
use postgres::Client;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{self, AssertUnwindSafe};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use strata_core::dialect::Dialect;
use strata_core::diff::DiffOptions;
use strata_core::driver::{Driver, Scope};
use strata_core::pipeline::plan_on;
use strata_core::postgres::conn::db_message;
use strata_core::postgres::PgDriver;
use strata_core::workspace::{Desired, Planned};
use strata_core::SourceFile;

/// Roles the sqldef PostgreSQL cases grant to (README prerequisites), plus the
/// odd names `ManagedRolesSpecialCharacters` uses.
const ROLES: &[&str] = &[
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
const EXTENSIONS: &[(&str, &[&str])] = &[
    ("citext", &["citext"]),
    ("hstore", &["hstore"]),
    ("pg_trgm", &["trgm", "similarity"]),
    ("btree_gist", &["access method \"gist\"", "gist_"]),
];

/// The catalog objects a fresh (reset) database holds beyond the built-in ones:
/// counts of user objects per catalog. Equal fingerprints mean equally fresh.
const FINGERPRINT: &str = "SELECT concat_ws(',', \
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

// ----- setup -----

/// What every worker shares.
struct Env {
    /// The `--pg-url` as given (the admin database).
    url: String,
    admin: Mutex<PgDriver>,
    template: String,
    prefix: String,
    pg_dump: String,
    /// `server_version_num`, e.g. 150020.
    server_version: i64,
    /// Extensions the server can install (for `flavor` gates).
    available: BTreeSet<String>,
    /// The fingerprint of a freshly reset database.
    baseline: Mutex<Option<String>>,
    verbose: bool,
}

pub(super) fn run(cases: &[Case], opts: &Options) -> Result<Vec<CaseResult>> {
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
    let env = Env {
        url,
        admin: Mutex::new(admin),
        template,
        prefix,
        pg_dump: find_pg_dump(server_version),
        server_version,
        available,
        baseline: Mutex::new(None),
        verbose: opts.verbose,
    };

    let jobs = opts.jobs.clamp(1, 8).min(cases.len().max(1));
    let results = run_workers(&env, cases, jobs);

    // Teardown: workers dropped their connections; drop what is left.
    let mut admin = env.admin.lock().unwrap_or_else(|p| p.into_inner());
    let leftovers: Vec<String> = admin
        .client()
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE $1 || '\\_%'",
            &[&env.prefix],
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
    results
}

fn run_workers(env: &Env, cases: &[Case], jobs: usize) -> Result<Vec<CaseResult>> {
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<CaseResult>>> =
        Mutex::new((0..cases.len()).map(|_| None).collect());
    let print = Mutex::new(());
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic with a non-string payload".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        PANIC_MESSAGE.with(|m| *m.borrow_mut() = Some(format!("{msg}{at}")));
    }));
    let outcome: Vec<Result<()>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs)
            .map(|n| {
                let (next, slots, print) = (&next, &slots, &print);
                s.spawn(move || -> Result<()> {
                    let mut w = Worker::new(env, n)?;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(case) = cases.get(i) else { break };
                        let r = w.run_isolated(case);
                        {
                            let _guard = print.lock().unwrap_or_else(|p| p.into_inner());
                            report(&r, env.verbose);
                        }
                        slots.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
                    }
                    w.close();
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a worker panicked")))
            })
            .collect()
    });
    panic::set_hook(previous);
    for o in outcome {
        o?;
    }
    let slots = slots.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok(slots
        .into_iter()
        .zip(cases)
        .map(|(r, c)| {
            r.unwrap_or_else(|| CaseResult::new(c).skip("not run (a worker stopped early)"))
        })
        .collect())
}

fn find_pg_dump(server_version: i64) -> String {
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
fn url_for(raw: &str, db: &str, extra: &[&str]) -> String {
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
const FOO_OPTIONS: &str = "options=-c%20search_path%3Dfoo%2Cpublic";

fn ident(s: &str) -> String {
    Dialect::Postgres.quote(s)
}

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

// ----- one worker: its databases A and B and its dev database -----

struct Db {
    name: String,
    url: String,
    conn: Option<PgDriver>,
}

struct Worker<'e> {
    env: &'e Env,
    a: Db,
    b: Db,
    dev: Option<PgDriver>,
    /// A dev database whose session search_path is `foo, public`.
    dev_foo: Option<PgDriver>,
}

impl<'e> Worker<'e> {
    fn new(env: &'e Env, n: usize) -> Result<Worker<'e>> {
        let mk = |side: &str| {
            let name = format!("{}_{n}_{side}", env.prefix);
            Db {
                url: url_for(&env.url, &name, &[]),
                name,
                conn: None,
            }
        };
        let mut w = Worker {
            env,
            a: mk("a"),
            b: mk("b"),
            dev: None,
            dev_foo: None,
        };
        for side in [Side::A, Side::B] {
            w.recreate(side)
                .map_err(|e| anyhow::anyhow!("conformance: worker {n}: {e}"))?;
        }
        let fp = w.fingerprint(Side::A)?;
        let mut baseline = env.baseline.lock().unwrap_or_else(|p| p.into_inner());
        if baseline.is_none() {
            *baseline = Some(fp);
        }
        drop(baseline);
        w.dev = Some(w.open_dev(false)?);
        Ok(w)
    }

    fn db(&mut self, side: Side) -> &mut Db {
        match side {
            Side::A => &mut self.a,
            Side::B => &mut self.b,
        }
    }

    fn client(&mut self, side: Side) -> Result<&mut Client> {
        let db = self.db(side);
        if db.conn.is_none() {
            db.conn = Some(PgDriver::open(&db.url).map_err(|e| anyhow::anyhow!("{e}"))?);
        }
        Ok(db.conn.as_mut().expect("just opened").client())
    }

    fn open_dev(&self, user_schema: bool) -> Result<PgDriver> {
        let url = if user_schema {
            url_for(&self.env.url, &admin_db(&self.env.url), &[FOO_OPTIONS])
        } else {
            self.env.url.clone()
        };
        let mut dev = PgDriver::open_scratch(&url)
            .map_err(|e| anyhow::anyhow!("conformance: opening a dev database: {e}"))?;
        let _ = dev.execute("SET statement_timeout = '60s'");
        Ok(dev)
    }

    fn fingerprint(&mut self, side: Side) -> Result<String> {
        let c = self.client(side)?;
        let row = c
            .query_one(FINGERPRINT, &[])
            .map_err(|e| anyhow::anyhow!("{}", db_message(&e)))?;
        Ok(row.get(0))
    }

    /// Drops database `side` and creates it again from the template.
    fn recreate(&mut self, side: Side) -> Result<()> {
        let env = self.env;
        let db = self.db(side);
        db.conn = None;
        {
            let mut admin = env.admin.lock().unwrap_or_else(|p| p.into_inner());
            admin
                .client()
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    ident(&db.name)
                ))
                .map_err(|e| anyhow::anyhow!("dropping {}: {}", db.name, db_message(&e)))?;
            admin
                .client()
                .batch_execute(&format!(
                    "CREATE DATABASE {} TEMPLATE {}",
                    ident(&db.name),
                    ident(&env.template)
                ))
                .map_err(|e| anyhow::anyhow!("creating {}: {}", db.name, db_message(&e)))?;
        }
        // Same state as after every later reset (public recreated), so that the
        // fingerprint is one value.
        self.reset_schemas(side)
    }

    /// Drops every user schema and extension and recreates `public` as a new
    /// database has it.
    fn reset_schemas(&mut self, side: Side) -> Result<()> {
        let c = self.client(side)?;
        let _ = c.batch_execute("ROLLBACK");
        c.batch_execute("DISCARD ALL")
            .map_err(|e| anyhow::anyhow!("resetting: {}", db_message(&e)))?;
        let mut sql = String::new();
        let q = |c: &mut Client, s: &str| -> Result<Vec<String>> {
            Ok(c.query(s, &[])
                .map_err(|e| anyhow::anyhow!("{}", db_message(&e)))?
                .iter()
                .map(|r| r.get(0))
                .collect())
        };
        for e in q(c, "SELECT evtname FROM pg_event_trigger")? {
            sql.push_str(&format!(
                "DROP EVENT TRIGGER IF EXISTS {} CASCADE;\n",
                ident(&e)
            ));
        }
        for p in q(c, "SELECT pubname FROM pg_publication")? {
            sql.push_str(&format!("DROP PUBLICATION IF EXISTS {};\n", ident(&p)));
        }
        for e in q(
            c,
            "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'",
        )? {
            sql.push_str(&format!(
                "DROP EXTENSION IF EXISTS {} CASCADE;\n",
                ident(&e)
            ));
        }
        for s in q(
            c,
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'",
        )? {
            sql.push_str(&format!("DROP SCHEMA IF EXISTS {} CASCADE;\n", ident(&s)));
        }
        sql.push_str(
            "CREATE SCHEMA public AUTHORIZATION pg_database_owner;\n\
             COMMENT ON SCHEMA public IS 'standard public schema';\n\
             GRANT USAGE ON SCHEMA public TO PUBLIC;\n",
        );
        c.batch_execute(&sql)
            .map_err(|e| anyhow::anyhow!("resetting: {}", db_message(&e)))?;
        Ok(())
    }

    /// A and B as fresh as new databases: reset, checked by fingerprint, else recreated.
    fn fresh(&mut self) -> Result<()> {
        for side in [Side::A, Side::B] {
            let ok = self.reset_schemas(side).is_ok()
                && match (
                    self.fingerprint(side),
                    self.env
                        .baseline
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .clone(),
                ) {
                    (Ok(fp), Some(base)) => fp == base,
                    _ => false,
                };
            if !ok {
                self.recreate(side)?;
                let base = self
                    .env
                    .baseline
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone();
                if base.is_some() && self.fingerprint(side).ok() != base {
                    bail!(
                        "database {} is not fresh even after re-creation",
                        self.db(side).name
                    );
                }
            }
        }
        Ok(())
    }

    /// After a panic nothing about the connections can be trusted.
    fn reconnect(&mut self) {
        self.a.conn = None;
        self.b.conn = None;
        self.dev = None;
        self.dev_foo = None;
        match self.open_dev(false) {
            Ok(d) => self.dev = Some(d),
            Err(e) => eprintln!("conformance: warning: {e}"),
        }
    }

    fn close(&mut self) {
        self.a.conn = None;
        self.b.conn = None;
        self.dev = None;
        self.dev_foo = None;
    }

    fn run_isolated(&mut self, case: &Case) -> CaseResult {
        match panic::catch_unwind(AssertUnwindSafe(|| self.run_case(case))) {
            Ok(r) => r,
            Err(_) => {
                let msg = PANIC_MESSAGE
                    .with(|m| m.borrow_mut().take())
                    .unwrap_or_else(|| "panicked".into());
                self.reconnect();
                let mut r = CaseResult::new(case);
                r.fail("panic", msg, Vec::new());
                r
            }
        }
    }

    fn run_case(&mut self, case: &Case) -> CaseResult {
        let r = CaseResult::new(case);
        if let Some(why) = gated(case, self.env) {
            return r.skip(why);
        }
        let user_schema = case
            .options
            .get("user")
            .and_then(serde_json::Value::as_str)
            .is_some();
        let mut prelude = Prelude {
            user_schema,
            extensions: Vec::new(),
            schemas: Vec::new(),
        };
        let desired_text = case.desired.as_deref().unwrap_or("");
        let load_notes = match self.load_case(case, &mut prelude) {
            Ok(notes) => notes,
            Err(why) => return r.skip(why),
        };
        let hints = text_hints(desired_text);
        let seeded = self.judge(
            case,
            CaseResult::new(case),
            &prelude,
            desired_text,
            Some(SeedStyle::Plausible(&hints)),
        );
        let with_notes = |mut r: CaseResult| {
            let mut notes = load_notes.clone();
            notes.append(&mut r.notes);
            r.notes = notes;
            r
        };
        if seeded.class.as_deref() != Some("apply-error") {
            return with_notes(seeded);
        }
        // Does the plan fail because of the seeded rows? Other rows first
        // (plain values instead of the desired schema's literals), then none:
        // if it applies on empty tables only, the desired state is unreachable
        // with data in the way (or the plan should have made room for it).
        if let Err(why) = self.load_case(case, &mut prelude) {
            return with_notes(seeded).skip(format!("reloading: {why}"));
        }
        let mut plain = self.judge(
            case,
            CaseResult::new(case),
            &prelude,
            desired_text,
            Some(SeedStyle::Plain),
        );
        if plain.class.as_deref() != Some("apply-error") {
            plain.notes.insert(
                0,
                format!(
                    "seeded again with plain values after the first apply failed ({})",
                    seeded.reason
                ),
            );
            return with_notes(plain);
        }
        if let Err(why) = self.load_case(case, &mut prelude) {
            return with_notes(seeded).skip(format!("reloading: {why}"));
        }
        let mut sparse = self.judge(
            case,
            CaseResult::new(case),
            &prelude,
            desired_text,
            Some(SeedStyle::Sparse),
        );
        if sparse.class.as_deref() != Some("apply-error") {
            sparse.notes.insert(
                0,
                format!(
                    "seeded again with NULL in every nullable column after the first applies failed ({})",
                    seeded.reason
                ),
            );
            return with_notes(sparse);
        }
        if let Err(why) = self.load_case(case, &mut prelude) {
            return with_notes(seeded).skip(format!("reloading without rows: {why}"));
        }
        let mut empty = self.judge(case, CaseResult::new(case), &prelude, desired_text, None);
        if empty
            .failures
            .iter()
            .any(|f| f.class == "apply-error" || f.class == "plan-error")
        {
            return with_notes(seeded);
        }
        let first = &seeded.failures[0];
        let reason = format!("{} (the plan applies on empty tables)", first.reason);
        let details = first.details.clone();
        let rest = std::mem::take(&mut empty.failures);
        empty.status = Status::Pass;
        empty.class = None;
        empty.reason.clear();
        empty.fail("data-conflict", reason, details);
        for f in rest {
            empty.fail(f.class, f.reason, f.details);
        }
        empty.seeded_rows = seeded.seeded_rows;
        empty.notes.insert(
            0,
            "judged again without seeded rows after the seeded apply failed".into(),
        );
        with_notes(empty)
    }

    /// Fresh databases with `current` in A and `desired` (or, see
    /// `ends_at_current`, `current`) in B; adds to `prelude` what the case
    /// presupposes. The error is the reason to skip.
    fn load_case(
        &mut self,
        case: &Case,
        prelude: &mut Prelude,
    ) -> std::result::Result<Vec<String>, String> {
        let current = case.current.as_deref().unwrap_or("");
        let reference = if case.ends_at_current() {
            current
        } else {
            case.desired.as_deref().unwrap_or("")
        };
        let mut why = String::new();
        for _ in 0..=EXTENSIONS.len() {
            self.fresh()
                .map_err(|e| format!("cannot get fresh databases: {e}"))?;
            match self.load_both(prelude, current, reference, case.expects_error()) {
                Ok(notes) => return Ok(notes),
                Err((side, msg)) => {
                    let more = missing_extensions(&msg, &prelude.extensions, self.env);
                    why = format!(
                        "{} does not load on PostgreSQL: {}",
                        if side == Side::A {
                            "current"
                        } else {
                            "desired"
                        },
                        one_line(msg.split("\n").next().unwrap_or(""))
                    );
                    if more.is_empty() {
                        break;
                    }
                    prelude.extensions.extend(more);
                }
            }
        }
        Err(why)
    }

    /// Loads `current` into A and `reference` into B; the error names the side.
    fn load_both(
        &mut self,
        prelude: &mut Prelude,
        current: &str,
        reference: &str,
        only_a: bool,
    ) -> std::result::Result<Vec<String>, (Side, String)> {
        let mut notes = Vec::new();
        prelude.schemas.clear();
        let search_path = if prelude.user_schema {
            "SET search_path = foo, public;\n"
        } else {
            ""
        };
        let sql = format!("{}{search_path}{current}", prelude.sql());
        let c = self.client(Side::A).map_err(|e| (Side::A, e.to_string()))?;
        if load(c, &sql).map_err(|e| (Side::A, e))? {
            notes.push("current loaded statement by statement, out of its order".into());
        }
        let _ = c.batch_execute("RESET search_path");
        if only_a {
            return Ok(notes);
        }
        // sqldef leaves schemas alone: a schema of current that desired uses
        // without creating it is still there (strata needs it declared).
        let created = created_schemas(reference);
        let existing: Vec<String> = c
            .query(
                "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' \
                 AND nspname NOT IN ('information_schema', 'public') ORDER BY 1",
                &[],
            )
            .map_err(|e| (Side::A, db_message(&e)))?
            .iter()
            .map(|r| r.get(0))
            .collect();
        prelude.schemas = existing
            .into_iter()
            .filter(|s| !(created.contains(s) || prelude.user_schema && s == "foo"))
            .collect();
        if !prelude.schemas.is_empty() {
            notes.push(format!(
                "schemas of current that desired uses without creating them, declared for B and strata: {}",
                prelude.schemas.join(", ")
            ));
        }
        let sql = format!("{}{search_path}{reference}", prelude.sql());
        let c = self.client(Side::B).map_err(|e| (Side::B, e.to_string()))?;
        if load(c, &sql).map_err(|e| (Side::B, e))? {
            notes.push("desired loaded statement by statement, out of its order".into());
        }
        let _ = c.batch_execute("RESET search_path");
        Ok(notes)
    }

    fn judge(
        &mut self,
        case: &Case,
        mut r: CaseResult,
        prelude: &Prelude,
        desired_text: &str,
        seed_style: Option<SeedStyle>,
    ) -> CaseResult {
        let desired_src = format!("{}{desired_text}", prelude.sql());
        let desired = Desired::read(
            vec![SourceFile::new("desired.sql", desired_src)],
            Dialect::Postgres,
        );
        let opts = super::diff_options(case.enable_drop());
        if !prelude.extensions.is_empty() {
            r.notes.push(format!(
                "the case uses extensions it does not create; added: {}",
                prelude.extensions.join(", ")
            ));
        }
        if prelude.user_schema {
            r.notes
                .push("user option: schema foo created, search_path foo, public".into());
        }

        if case.expects_error() {
            return match self.plan(prelude.user_schema, &desired, &opts) {
                Err(_) => r,
                Ok(p) => {
                    let empty = p.plan.is_empty();
                    r.plan = Some(p.plan.to_sql());
                    r.fail(
                        "accepted-invalid",
                        if empty {
                            "the case expects strata to refuse, but it planned nothing"
                        } else {
                            "the case expects strata to refuse, but it planned changes"
                        },
                        Vec::new(),
                    );
                    r
                }
            };
        }
        if case.ends_at_current() {
            r.notes.push(
                "enable_drop: false and the expected plan only skips drops: A must end as current"
                    .into(),
            );
        }

        // 2. Seed one row per table of A.
        let before = match self.client(Side::A) {
            Ok(c) => {
                if let Some(style) = seed_style {
                    r.notes.extend(seed(c, style));
                }
                match snapshot(c) {
                    Ok(s) => s,
                    Err(e) => return r.skip(format!("cannot read rows in A: {e}")),
                }
            }
            Err(e) => return r.skip(format!("cannot connect to A: {e}")),
        };
        r.seeded_rows = before.iter().map(|(t, d)| (t.clone(), d.rows)).collect();

        // 3. Plan and apply.
        let planned = match self.plan(prelude.user_schema, &desired, &opts) {
            Ok(p) => p,
            Err(e) => {
                r.fail("plan-error", e, Vec::new());
                return r;
            }
        };
        let plan_sql = planned.plan.to_sql();
        r.plan = Some(plan_sql.clone());
        match self.target(prelude.user_schema) {
            Ok(mut target) => {
                if let Err(e) = target.apply(&planned.plan, &mut |_| {}) {
                    r.fail(
                        "apply-error",
                        format!("{} — in: {}", e.message, one_line(&e.sql)),
                        vec![format!("failing statement:\n{}", e.sql)],
                    );
                    return r;
                }
            }
            Err(e) => return r.skip(format!("cannot connect to A: {e}")),
        }

        // 4. Compare canonical dumps.
        match self.dumps() {
            Ok((got, want)) => {
                let (got_strict, got_loose) = canonical(&got);
                let (want_strict, want_loose) = canonical(&want);
                if got_strict != want_strict {
                    if got_loose == want_loose {
                        r.notes.push(COLUMN_ORDER_NOTE.into());
                    } else {
                        let (reason, details) = dump_diff(&got_loose, &want_loose);
                        r.fail("state-mismatch", reason, details);
                    }
                }
            }
            Err(e) => r.fail("dump-error", e.to_string(), Vec::new()),
        }

        // 6. Seeded rows (and their values) must survive.
        match self.client(Side::A).map(snapshot) {
            Ok(Ok(after)) => {
                let lost = lost_data(&before, &after, &Renames::of(desired_text));
                if !lost.is_empty() {
                    let details = if lost.len() > 1 {
                        lost.clone()
                    } else {
                        Vec::new()
                    };
                    r.fail("data-loss", lost.join("; "), details);
                }
            }
            Ok(Err(e)) | Err(e) => r.fail(
                "dump-error",
                format!("cannot read rows in A: {e}"),
                Vec::new(),
            ),
        }

        if case.expects_empty_plan() && !planned.plan.is_empty() {
            r.fail(
                "not-idempotent",
                format!(
                    "expected no changes, but strata planned: {}",
                    one_line(&statements_of(&plan_sql))
                ),
                vec![format!("first plan:\n{plan_sql}")],
            );
        }

        // 5. Re-plan: nothing may be left.
        match self.plan(prelude.user_schema, &desired, &opts) {
            Ok(again) if again.plan.is_empty() => {}
            Ok(again) => {
                let sql = again.plan.to_sql();
                r.fail(
                    "not-idempotent",
                    format!("re-plan is not empty: {}", one_line(&statements_of(&sql))),
                    vec![format!("leftover plan:\n{sql}")],
                );
            }
            Err(e) => r.fail("plan-error", format!("re-plan failed: {e}"), Vec::new()),
        }
        r
    }

    fn target(&self, user_schema: bool) -> Result<PgDriver> {
        let url = if user_schema {
            url_for(&self.env.url, &self.a.name, &[FOO_OPTIONS])
        } else {
            self.a.url.clone()
        };
        PgDriver::open(&url).map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Plans A → desired on this worker's dev database; the error is a message.
    fn plan(
        &mut self,
        user_schema: bool,
        desired: &Desired,
        opts: &DiffOptions,
    ) -> std::result::Result<Planned, String> {
        let mut target = self.target(user_schema).map_err(|e| e.to_string())?;
        let missing = if user_schema {
            self.dev_foo.is_none()
        } else {
            self.dev.is_none()
        };
        let fresh_dev = if missing {
            Some(self.open_dev(user_schema).map_err(|e| e.to_string())?)
        } else {
            None
        };
        let slot = if user_schema {
            &mut self.dev_foo
        } else {
            &mut self.dev
        };
        if let Some(d) = fresh_dev {
            *slot = Some(d);
        }
        let dev = slot.as_mut().expect("opened above");
        plan_on(&mut target, desired, dev, &Scope::default(), opts)
            .map_err(|e| core_error(&e, desired))
    }

    /// `pg_dump --schema-only` of A and of B, run side by side.
    fn dumps(&self) -> Result<(String, String)> {
        let spawn = |db: &Db| {
            Command::new(&self.env.pg_dump)
                .args([
                    "--schema-only",
                    "--no-owner",
                    "--no-privileges",
                    "--dbname",
                    &db.url,
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .with_context(|| format!("running {}", self.env.pg_dump))
        };
        let (a, b) = (spawn(&self.a)?, spawn(&self.b)?);
        let out = |child: std::process::Child, what: &str| -> Result<String> {
            let o = child.wait_with_output()?;
            if !o.status.success() {
                bail!(
                    "pg_dump of {what} failed: {}",
                    one_line(&String::from_utf8_lossy(&o.stderr))
                );
            }
            Ok(String::from_utf8_lossy(&o.stdout).into_owned())
        };
        let got = out(a, "A");
        let want = out(b, "B");
        Ok((got?, want?))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    A,
    B,
}

fn admin_db(url: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    rest.split_once('/')
        .map(|(_, db)| db.to_string())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "postgres".into())
}

/// Statements a case presupposes but does not contain: schema `foo` for the
/// `user: psqldef_user` cases, contrib extensions used without `CREATE EXTENSION`.
struct Prelude {
    user_schema: bool,
    extensions: Vec<String>,
    /// Schemas of current that desired uses without creating them.
    schemas: Vec<String>,
}

impl Prelude {
    fn sql(&self) -> String {
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
fn load(c: &mut Client, sql: &str) -> std::result::Result<bool, String> {
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
fn created_schemas(sql: &str) -> BTreeSet<String> {
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
fn pg_name(t: &strata_core::sql::lex::Token, src: &str) -> String {
    if t.kind == strata_core::sql::lex::Kind::Word {
        t.ident(src).to_lowercase()
    } else {
        t.ident(src)
    }
}

/// Extensions a load error points at that are not in the prelude yet.
fn missing_extensions(msg: &str, have: &[String], env: &Env) -> Vec<String> {
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
fn gated(case: &Case, env: &Env) -> Option<String> {
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

// ----- canonical dump -----

pub(super) const COLUMN_ORDER_NOTE: &str =
    "A matches B except for the order of columns (PostgreSQL cannot reorder columns in place)";

/// The dump's statements, sorted: comments, `SET`, `set_config` and psql
/// meta-commands (`\restrict`) dropped, whitespace collapsed. The second list
/// also sorts the column lines of each `CREATE TABLE`.
fn canonical(dump: &str) -> (Vec<String>, Vec<String>) {
    let kept: Vec<&str> = dump
        .lines()
        .filter(|l| {
            let t = l.trim();
            !(t.is_empty()
                || t.starts_with("--")
                || t.starts_with("SET ")
                || t.starts_with("SELECT pg_catalog.set_config")
                || t.starts_with('\\'))
        })
        .collect();
    let text = kept.join("\n");
    let mut strict = Vec::new();
    let mut loose = Vec::new();
    for stmt in text.split(";\n") {
        let stmt = stmt.trim().trim_end_matches(';').trim();
        if stmt.is_empty() {
            continue;
        }
        // Spellings PostgreSQL keeps apart but that mean the same.
        let stmt = redundant_parens(&strata_core::sql::lex::at_time_zone(stmt));
        strict.push(collapse(&stmt));
        loose.push(collapse(&sort_table_body(&stmt)));
    }
    strict.sort();
    loose.sort();
    (strict, loose)
}

/// `((x))` → `(x)`: a pair of parentheses right inside another pair adds nothing.
fn redundant_parens(s: &str) -> String {
    use strata_core::sql::lex::{closes_at, tokenize};
    let toks = tokenize(s);
    let mut drop = vec![false; toks.len()];
    for i in 0..toks.len().saturating_sub(1) {
        if !(toks[i].is_punct(s, "(") && toks[i + 1].is_punct(s, "(")) {
            continue;
        }
        let (Some(outer), Some(inner)) = (closes_at(s, &toks[i..]), closes_at(s, &toks[i + 1..]))
        else {
            continue;
        };
        if i + 1 + inner + 1 == i + outer {
            drop[i + 1] = true;
            drop[i + 1 + inner] = true;
        }
    }
    if !drop.contains(&true) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for (t, d) in toks.iter().zip(&drop) {
        if *d {
            out.push_str(&s[at..t.range.start]);
            at = t.range.end;
        }
    }
    out.push_str(&s[at..]);
    out
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `CREATE TABLE t (\n a int,\n b int\n)` with its body lines sorted (and
/// their trailing commas dropped).
fn sort_table_body(stmt: &str) -> String {
    let first = stmt.lines().next().unwrap_or("");
    let is_table = first.starts_with("CREATE TABLE ")
        || first.starts_with("CREATE UNLOGGED TABLE ")
        || first.starts_with("CREATE FOREIGN TABLE ");
    if !is_table || !first.trim_end().ends_with('(') {
        return stmt.to_string();
    }
    let lines: Vec<&str> = stmt.lines().collect();
    let Some(close) = lines.iter().skip(1).position(|l| l.starts_with(')')) else {
        return stmt.to_string();
    };
    let close = close + 1;
    let mut body: Vec<&str> = lines[1..close]
        .iter()
        .map(|l| l.trim().trim_end_matches(','))
        .collect();
    body.sort();
    let mut out = vec![first.to_string()];
    out.extend(body.iter().map(|l| format!("    {l}")));
    out.extend(lines[close..].iter().map(|l| l.to_string()));
    out.join("\n")
}

// ----- seeding -----

struct Table {
    oid: i64,
    /// `schema.table`, or `table` in `public`.
    key: String,
    qualified: String,
}

fn user_tables(c: &mut Client) -> Result<Vec<Table>> {
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

struct SeedColumn {
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
fn text_hints(desired: &str) -> Vec<String> {
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
enum SeedStyle<'h> {
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
fn seed(c: &mut Client, style: SeedStyle) -> Vec<String> {
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
fn type_literal(typname: &str, category: &str, enum_first: Option<&str>) -> String {
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
fn string_literals(def: &str) -> Vec<String> {
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

struct TableData {
    rows: i64,
    /// Column → its values as text (`None` for NULL), sorted.
    columns: BTreeMap<String, Vec<Option<String>>>,
}

fn snapshot(c: &mut Client) -> Result<BTreeMap<String, TableData>> {
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
fn survives(before: &str, after: &str) -> bool {
    same_value(before, after)
        || before.eq_ignore_ascii_case(after)
        || before.trim_end().starts_with(after.trim_end())
        || after.starts_with(before.trim_end())
}

fn lost_data(
    before: &BTreeMap<String, TableData>,
    after: &BTreeMap<String, TableData>,
    renames: &Renames,
) -> Vec<String> {
    let mut lost = Vec::new();
    for (t, b) in before {
        let renamed = renames
            .tables
            .get(&t.to_lowercase())
            .and_then(|new| after.keys().find(|k| k.to_lowercase() == *new));
        let t2 = renamed.unwrap_or(t);
        let Some(a) = after.get(t2) else { continue };
        let label = if t2 == t {
            t.clone()
        } else {
            format!("{t} → {t2}")
        };
        if a.rows < b.rows {
            lost.push(format!("{label}: {} → {} rows", b.rows, a.rows));
            continue;
        }
        for (c, values) in &b.columns {
            let c2 = renames
                .columns
                .get(&(t2.to_lowercase(), c.to_lowercase()))
                .and_then(|new| a.columns.keys().find(|k| k.to_lowercase() == *new))
                .unwrap_or(c);
            let Some(now) = a.columns.get(c2) else {
                continue;
            };
            let col = if c2 == c {
                c.clone()
            } else {
                format!("{c} → {c2}")
            };
            lost.extend(super::first_lost_value(&label, &col, values, now, survives));
        }
    }
    lost
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let raw = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable&search_path=x";
        assert_eq!(
            url_for(raw, "db1", &[]),
            "postgres://postgres@127.0.0.1:5432/db1?sslmode=disable"
        );
        assert_eq!(
            url_for("postgres://u@h/p", "d", &["a=b"]),
            "postgres://u@h/d?a=b"
        );
        assert_eq!(admin_db(raw), "postgres");
    }

    #[test]
    fn canonical_dump() {
        let dump = "--\n-- c\n\\restrict abc\nSET x = 1;\nCREATE TABLE public.t (\n    b integer,\n    a text\n);\n\nCREATE TABLE public.u (\n    a text,\n    b integer\n);\n\\unrestrict abc\n";
        let (strict, loose) = canonical(dump);
        assert_eq!(strict.len(), 2);
        assert_eq!(loose[0], "CREATE TABLE public.t ( a text b integer )");
        assert_eq!(loose[1], "CREATE TABLE public.u ( a text b integer )");
    }

    #[test]
    fn data_loss() {
        let data = |rows: i64, col: &str, v: Option<&str>| {
            let mut columns = BTreeMap::new();
            columns.insert(col.to_string(), vec![v.map(str::to_string)]);
            let mut m = BTreeMap::new();
            m.insert("t".to_string(), TableData { rows, columns });
            m
        };
        let none = Renames::default();
        assert!(lost_data(&data(1, "a", Some("1")), &data(1, "a", Some("1.00")), &none).is_empty());
        assert!(lost_data(
            &data(1, "a", Some("2020-01-01T00:00:00")),
            &data(1, "a", Some("2020-01-01T00:00:00+00:00")),
            &none
        )
        .is_empty());
        assert_eq!(
            lost_data(&data(1, "a", Some("1")), &data(0, "a", None), &none).len(),
            1
        );
        assert_eq!(
            lost_data(&data(1, "a", Some("x")), &data(1, "a", None), &none).len(),
            1
        );
        let renames = Renames::of("CREATE TABLE t (\n  b int -- @renamed from=a\n);");
        assert_eq!(
            lost_data(&data(1, "a", Some("1")), &data(1, "b", None), &renames).len(),
            1
        );
        assert!(lost_data(&data(1, "a", Some("1")), &data(1, "b", Some("1")), &renames).is_empty());
    }

    #[test]
    fn schemas_created() {
        let s = created_schemas(
            "create schema Foo; CREATE SCHEMA IF NOT EXISTS \"Bar\"; create table x (a int);",
        );
        assert_eq!(
            s.into_iter().collect::<Vec<_>>(),
            vec!["Bar".to_string(), "foo".to_string()]
        );
    }

    #[test]
    fn literals() {
        assert_eq!(
            string_literals("CHECK ((status = ANY (ARRAY['a''b'::text, 'c'::text])))"),
            vec!["a'b".to_string(), "c".to_string()]
        );
        assert_eq!(type_literal("int4", "N", None), "'1'");
        assert_eq!(type_literal("mood", "E", Some("happy")), "'happy'");
    }
}

#[cfg(test)]
mod spelling_tests {
    use super::*;

    #[test]
    fn equivalent_spellings_compare_equal() {
        let a =
            "CREATE INDEX i ON public.events USING btree (((created_at AT TIME ZONE 'utc'::text)))";
        let b = "CREATE INDEX i ON public.events USING btree (timezone('utc'::text, created_at))";
        assert_eq!(canonical(a).0, canonical(b).0);
        // Parentheses that group something stay.
        assert_ne!(
            canonical("SELECT (a + b) * c").0,
            canonical("SELECT a + b * c").0
        );
    }
}
