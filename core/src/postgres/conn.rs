//! A PostgreSQL database behind the [`Driver`] interface.
//!
//! As a dev database, strata never touches the database the URL names: it
//! creates a uniquely named scratch database on that server and drops it when
//! done. Applies hold `pg_try_advisory_lock` so two applies never interleave.

use crate::diag::{Error, Result};
use crate::dialect::Dialect;
use crate::driver::{ApplyError, Driver, Scope, StepEvent};
use crate::model::Realm;
use crate::plan::Plan;
use crate::url::redact;
use postgres::{Client, Config, NoTls};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The search_path every inspection reads under (PostgreSQL's default for a
/// role without a schema of its own name): names in `public` print bare,
/// names in other schemas print qualified, on every database alike.
pub const INSPECT_SEARCH_PATH: &str = "public";

/// The advisory lock key every strata apply takes (`hashtext('strata')` would
/// do too; a constant keeps it obvious in `pg_locks`).
const LOCK_KEY: i64 = 0x5354_5241_5441;

pub struct PgDriver {
    client: Client,
    /// Schemas named by the URL's `search_path`; empty means every user schema.
    url_schemas: Vec<String>,
    /// A scratch database this driver created and drops on drop.
    scratch: Option<(Config, String)>,
    /// The comment a fresh database gives `public`, restored on reset.
    public_comment: Option<String>,
    /// The throwaway server this driver runs on (`ephemeral://postgres`);
    /// declared last so it stops after the scratch database is dropped.
    server: Option<super::ephemeral::Ephemeral>,
    pub lock_timeout: Duration,
}

/// Splits strata's own URL parameters (`search_path`) from the ones the
/// PostgreSQL client understands.
pub fn parse_url(raw: &str) -> Result<(Config, Vec<String>)> {
    let (base, query) = raw.split_once('?').unwrap_or((raw, ""));
    let mut schemas = Vec::new();
    let mut keep = Vec::new();
    for kv in query.split('&').filter(|kv| !kv.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        match k {
            "search_path" => schemas.extend(v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty())),
            "sslmode" if matches!(v, "require" | "verify-ca" | "verify-full") => {
                return Err(Error::Usage(format!(
                    "{}: sslmode={v} needs TLS, which strata does not speak yet; use sslmode=disable on a trusted network",
                    redact(raw)
                )))
            }
            _ => keep.push(kv),
        }
    }
    let base = base.replacen("postgresql://", "postgres://", 1);
    let url = if keep.is_empty() {
        base
    } else {
        format!("{base}?{}", keep.join("&"))
    };
    let config = Config::from_str(&url)
        .map_err(|e| Error::Usage(format!("bad PostgreSQL URL {}: {e}", redact(raw))))?;
    Ok((config, schemas))
}

fn connect(config: &Config, raw: &str) -> Result<Client> {
    config.connect(NoTls).map_err(|e| {
        Error::Database(format!(
            "cannot connect to {}: {}",
            redact(raw),
            db_message(&e)
        ))
    })
}

/// The server `raw` points at, for the normalization cache: its full version
/// string and its address (password redacted). One short connection, which
/// also drops what killed runs left: a run served from the cache opens no
/// scratch database, and the promise that the next run cleans up must hold
/// for it too.
pub fn server_identity(raw: &str) -> Result<String> {
    let (config, _) = parse_url(raw)?;
    let mut client = connect(&config, raw)?;
    drop_stale_scratch(&mut client);
    let version: String = client
        .query_one("SELECT version()", &[])
        .map_err(|e| Error::Database(db_message(&e)))?
        .get(0);
    Ok(format!("{version} at {}", redact(raw)))
}

/// PostgreSQL's own message (and detail/hint) when there is one.
pub fn db_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut m = db.message().to_string();
            if let Some(d) = db.detail() {
                m.push_str(&format!(" ({d})"));
            }
            if let Some(h) = db.hint() {
                m.push_str(&format!("; hint: {h}"));
            }
            m
        }
        None => e.to_string(),
    }
}

static SCRATCH_SEQ: AtomicU32 = AtomicU32::new(0);

/// Scratch databases alive in this process, for [`cleanup_on_interrupt`].
static SCRATCH_LIVE: std::sync::Mutex<Vec<(Config, String)>> = std::sync::Mutex::new(Vec::new());

/// CREATE DATABASE statements running now; and whether an interrupt's
/// cleanup has begun (no new scratch database may start then). Both change
/// only under the [`SCRATCH_LIVE`] lock.
static SCRATCH_CREATING: AtomicU32 = AtomicU32::new(0);
static SCRATCH_STOPPING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Drops this process's scratch databases and stops its ephemeral clusters:
/// what a Ctrl-C handler calls, since destructors do not run on a signal.
pub fn cleanup_on_interrupt() {
    {
        let _live = SCRATCH_LIVE.lock().unwrap();
        SCRATCH_STOPPING.store(true, Ordering::SeqCst);
    }
    // A CREATE DATABASE in flight is not visible to a DROP until it commits:
    // wait for it, or it would outlive this cleanup.
    let started = std::time::Instant::now();
    while SCRATCH_CREATING.load(Ordering::SeqCst) > 0 && started.elapsed() < Duration::from_secs(10)
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    let live = std::mem::take(&mut *SCRATCH_LIVE.lock().unwrap());
    for (config, name) in live {
        if let Ok(mut admin) = config.connect(NoTls) {
            let _ =
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
    super::ephemeral::cleanup_all();
}

/// Scratch database names: this prefix, the owner ([`super::owner`]), a
/// sequence number and nanoseconds.
const SCRATCH_PREFIX: &str = "strata_dev_";

/// Drops the scratch databases on this server whose owning strata process is
/// gone (killed with SIGKILL, or a machine that lost power mid-run). Only
/// names strata writes, with an owner on this boot and pid namespace, qualify;
/// failures are ignored (another user's database, a concurrent sweep).
fn drop_stale_scratch(admin: &mut Client) {
    let Ok(rows) = admin.query(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'strata\\_dev\\_%'",
        &[],
    ) else {
        return;
    };
    for row in rows {
        let name: String = row.get(0);
        let Some(rest) = name.strip_prefix(SCRATCH_PREFIX) else {
            continue;
        };
        let parts: Vec<&str> = rest.split('_').collect();
        let ours = parts.len() == 5 && parts[3..].iter().all(|p| p.parse::<u64>().is_ok());
        if ours && super::owner::Owner::parse(rest, '_').is_some_and(|o| o.is_gone()) {
            let _ =
                admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

impl PgDriver {
    pub fn open(raw: &str) -> Result<PgDriver> {
        let (config, url_schemas) = parse_url(raw)?;
        let client = connect(&config, raw)?;
        Ok(PgDriver {
            client,
            url_schemas,
            scratch: None,
            public_comment: None,
            server: None,
            lock_timeout: Duration::from_secs(10),
        })
    }

    /// A dev database on a throwaway local cluster.
    pub fn open_ephemeral() -> Result<PgDriver> {
        let server = super::ephemeral::Ephemeral::start()?;
        let mut d = PgDriver::open_scratch(&server.url)?;
        d.server = Some(server);
        Ok(d)
    }

    /// Atlas's `docker://postgres/<tag>/<db>` dev URL, served without Docker:
    /// a throwaway cluster from the local binaries of the tag's major version
    /// (the newest installed for `latest`), with a database named as the path
    /// says (`dev`), as Atlas's container has.
    pub fn open_docker(url: &crate::docker::DockerUrl, raw: &str) -> Result<PgDriver> {
        let bin = match url.major() {
            Some(major) => super::ephemeral::find_bin_dir_for(major, &redact(raw))?,
            None => super::ephemeral::find_bin_dir().ok_or_else(|| {
                Error::Usage(format!(
                    "{} is served from local PostgreSQL server binaries (as ephemeral://postgres), and none are installed: \
                     install the server package (e.g. apt-get install postgresql) or set STRATA_PG_BIN",
                    redact(raw)
                ))
            })?,
        };
        let server = super::ephemeral::Ephemeral::start_with(&bin)?;
        // The cluster is ours alone, so the database may carry the asked name;
        // `postgres` (no path) already exists there and is used as a scratch one.
        let name = url
            .database
            .as_deref()
            .filter(|d| !matches!(*d, "postgres" | "template0" | "template1"));
        let mut d = PgDriver::open_scratch_named(&server.url, name)?;
        d.server = Some(server);
        Ok(d)
    }

    /// A fresh scratch database on the server `raw` points at.
    pub fn open_scratch(raw: &str) -> Result<PgDriver> {
        PgDriver::open_scratch_named(raw, None)
    }

    /// A fresh database named `name` (a generated scratch name when `None`:
    /// only a cluster strata owns may hold a database with a chosen name).
    fn open_scratch_named(raw: &str, name: Option<&str>) -> Result<PgDriver> {
        let (config, _) = parse_url(raw)?;
        let mut admin = connect(&config, raw)?;
        drop_stale_scratch(&mut admin);
        let name = name.map(str::to_string).unwrap_or_else(|| {
            format!(
                "{SCRATCH_PREFIX}{}_{}_{}",
                super::owner::Owner::me().tag('_'),
                SCRATCH_SEQ.fetch_add(1, Ordering::Relaxed),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.subsec_nanos())
            )
        });
        // Registered before it exists, so that an interrupt at any point drops it.
        {
            let mut live = SCRATCH_LIVE.lock().unwrap();
            if SCRATCH_STOPPING.load(Ordering::SeqCst) {
                return Err(Error::Database("interrupted".into()));
            }
            live.push((config.clone(), name.clone()));
            SCRATCH_CREATING.fetch_add(1, Ordering::SeqCst);
        }
        let created = admin.batch_execute(&format!(
            "CREATE DATABASE {}",
            Dialect::Postgres.quote(&name)
        ));
        SCRATCH_CREATING.fetch_sub(1, Ordering::SeqCst);
        created.map_err(|e| {
            SCRATCH_LIVE.lock().unwrap().retain(|(_, n)| *n != name);
            Error::Database(format!(
                "cannot create a scratch dev database on {}: {}",
                redact(raw),
                db_message(&e)
            ))
        })?;
        // Nothing in a scratch database has to survive a crash: commits need
        // not wait for the WAL flush (the database default, so `RESET ALL`
        // between normalizations keeps it).
        let _ = admin.batch_execute(&format!(
            "ALTER DATABASE \"{name}\" SET synchronous_commit = off"
        ));
        let mut cfg = config.clone();
        cfg.dbname(&name);
        let mut client = connect(&cfg, raw)?;
        let public_comment = client
            .query_opt("SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = 'public'", &[])
            .ok()
            .flatten()
            .and_then(|r| r.get(0));
        Ok(PgDriver {
            client,
            url_schemas: Vec::new(),
            scratch: Some((config, name)),
            public_comment,
            server: None,
            lock_timeout: Duration::from_secs(10),
        })
    }

    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// Waits up to `lock_timeout` for the apply lock.
    fn take_lock(&mut self) -> std::result::Result<(), String> {
        let started = Instant::now();
        loop {
            let got: bool = self
                .client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
                .map_err(|e| db_message(&e))?
                .get(0);
            if got {
                return Ok(());
            }
            if started.elapsed() >= self.lock_timeout {
                return Err(format!(
                    "another strata run (schema apply or migrate) holds the lock on this database; gave up after {:?} (see --lock-timeout)",
                    self.lock_timeout
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn release_lock(&mut self) {
        let _ = self
            .client
            .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY]);
    }

    fn run_plan(
        &mut self,
        plan: &Plan,
        on_step: &mut dyn FnMut(StepEvent),
    ) -> std::result::Result<(), ApplyError> {
        let fail = |index: usize, sql: &str, message: String, rolled_back: bool, applied: usize| {
            ApplyError {
                index,
                sql: sql.to_string(),
                message,
                rolled_back,
                applied,
            }
        };
        // Statements that cannot run in a transaction (… CONCURRENTLY) run after
        // it commits, in plan order; the rest is all or nothing.
        let mut applied = 0;
        let (inside, after): (Vec<_>, Vec<_>) = plan
            .steps
            .iter()
            .enumerate()
            .partition(|(_, s)| s.transactional);
        self.client
            .batch_execute("BEGIN")
            .map_err(|e| fail(0, "BEGIN", db_message(&e), true, applied))?;
        for (i, step) in &inside {
            on_step(StepEvent::Started {
                index: *i,
                sql: &step.sql,
            });
            let t = Instant::now();
            if let Err(e) = self.client.batch_execute(&step.sql) {
                let _ = self.client.batch_execute("ROLLBACK");
                return Err(fail(
                    *i,
                    &step.sql,
                    position_message(&e, &step.sql),
                    applied == 0,
                    applied,
                ));
            }
            on_step(StepEvent::Finished {
                index: *i,
                took: t.elapsed(),
            });
        }
        self.client.batch_execute("COMMIT").map_err(|e| {
            fail(
                plan.steps.len(),
                "COMMIT",
                db_message(&e),
                applied == 0,
                applied,
            )
        })?;
        applied += inside.len();
        for (i, step) in &after {
            on_step(StepEvent::Started {
                index: *i,
                sql: &step.sql,
            });
            let t = Instant::now();
            self.client.batch_execute(&step.sql).map_err(|e| {
                fail(
                    *i,
                    &step.sql,
                    position_message(&e, &step.sql),
                    false,
                    applied,
                )
            })?;
            applied += 1;
            on_step(StepEvent::Finished {
                index: *i,
                took: t.elapsed(),
            });
        }
        Ok(())
    }
}

/// PostgreSQL's message, with the line and column its error position points at.
pub fn position_message(e: &postgres::Error, sql: &str) -> String {
    let mut m = db_message(e);
    if let Some(postgres::error::ErrorPosition::Original(pos)) =
        e.as_db_error().and_then(|d| d.position())
    {
        let offset = (*pos as usize).saturating_sub(1).min(sql.len());
        let lc = crate::span::LineIndex::new(sql).line_col(sql, offset);
        m.push_str(&format!(
            " (at line {}, column {} of the statement)",
            lc.line, lc.col
        ));
    }
    m
}

impl Drop for PgDriver {
    fn drop(&mut self) {
        if let Some((config, name)) = self.scratch.take() {
            if let Ok(mut admin) = config.connect(NoTls) {
                let _ = admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
            }
            // Only once it is gone: a signal arriving meanwhile still finds it.
            SCRATCH_LIVE.lock().unwrap().retain(|(_, n)| *n != name);
        }
    }
}

impl Driver for PgDriver {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn default_schemas(&self) -> Vec<String> {
        self.url_schemas.clone()
    }

    /// The advisory lock is the whole apply lock: PostgreSQL's transactional
    /// DDL and the lock together keep other strata runs out.
    fn lock_run(&mut self, timeout: Duration) -> std::result::Result<(), String> {
        self.lock_timeout = timeout;
        self.take_lock()
    }

    fn unlock(&mut self) {
        self.release_lock();
    }

    fn fingerprint(&mut self, scope: &Scope, skip: &[&str]) -> Result<String> {
        let schemas = if scope.schemas.is_empty() {
            self.url_schemas.clone()
        } else {
            scope.schemas.clone()
        };
        super::fingerprint::fingerprint(&mut self.client, &schemas, skip, INSPECT_SEARCH_PATH)
            .map_err(Error::Database)
    }

    fn inspect(&mut self, scope: &Scope) -> Result<Realm> {
        let schemas = if scope.schemas.is_empty() {
            self.url_schemas.clone()
        } else {
            scope.schemas.clone()
        };
        // pg_get_expr, pg_get_viewdef, format_type and regclass print a name
        // schema-qualified unless the session's search_path finds it: read
        // every database under the same path, whatever a schema file set
        // (pg_dump's `set_config('search_path', '', false)`) or a role's
        // default says, so a desired state and a target compare equal. The
        // session's own path is restored afterwards.
        //
        // JIT is off while reading: the catalog queries' correlated
        // subqueries are estimated at a thousand rows each, which crosses
        // jit_above_cost, and compiling them took longer (about a second per
        // query at 5,000 tables) than running them.
        let saved = self
            .client
            .query_one(
                "SELECT current_setting('search_path'), coalesce(current_setting('jit', true), '')",
                &[],
            )
            .map_err(|e| Error::Database(db_message(&e)))?;
        let (saved_path, saved_jit): (String, String) = (saved.get(0), saved.get(1));
        // (No `jit` setting before PostgreSQL 11: nothing to turn off.)
        let jit_off = if saved_jit.is_empty() {
            ""
        } else {
            "; SET jit = off"
        };
        self.client
            .batch_execute(&format!("SET search_path = {INSPECT_SEARCH_PATH}{jit_off}"))
            .map_err(|e| Error::Database(db_message(&e)))?;
        let realm = super::inspect::inspect(&mut self.client, &schemas, &scope.exclude);
        let restored = self.client.execute(
            "SELECT set_config('search_path', $1, false), \
             CASE WHEN $2 <> '' THEN set_config('jit', $2, false) END",
            &[&saved_path, &saved_jit],
        );
        let realm = realm?;
        restored.map_err(|e| Error::Database(db_message(&e)))?;
        Ok(realm)
    }

    fn execute(&mut self, sql: &str) -> std::result::Result<(), String> {
        self.client
            .batch_execute(sql)
            .map_err(|e| position_message(&e, sql))
    }

    fn has_rows(&mut self, sql: &str) -> std::result::Result<bool, String> {
        self.client
            .query(sql, &[])
            .map(|rows| !rows.is_empty())
            .map_err(|e| position_message(&e, sql))
    }

    fn query(&mut self, sql: &str) -> std::result::Result<Vec<Vec<Option<String>>>, String> {
        let msgs = self
            .client
            .simple_query(sql)
            .map_err(|e| position_message(&e, sql))?;
        Ok(msgs
            .into_iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect())
    }

    fn apply(
        &mut self,
        plan: &Plan,
        on_step: &mut dyn FnMut(StepEvent),
    ) -> std::result::Result<(), ApplyError> {
        self.take_lock().map_err(|message| ApplyError {
            index: 0,
            sql: String::new(),
            message,
            rolled_back: true,
            applied: 0,
        })?;
        let r = self.run_plan(plan, on_step);
        self.release_lock();
        r
    }

    /// Drops every user schema and extension, then recreates `public`: a clean
    /// dev database without the cost of creating a new one.
    fn reset(&mut self) -> Result<()> {
        if self.scratch.is_none() {
            return Err(Error::Usage(
                "refusing to reset a database strata did not create".into(),
            ));
        }
        // A refused batch leaves its transaction open and aborted; settings
        // a schema file made (pg_dump sets search_path, check_function_bodies
        // …) must not leak into the next normalization.
        let _ = self.client.batch_execute("ROLLBACK");
        let _ = self.client.batch_execute("RESET ALL");
        let rows = self
            .client
            .query(
                "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
                 AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'",
                &[],
            )
            .map_err(|e| Error::Database(db_message(&e)))?;
        let mut sql = String::new();
        for r in rows {
            let n: String = r.get(0);
            sql.push_str(&format!(
                "DROP SCHEMA {} CASCADE;",
                Dialect::Postgres.quote(&n)
            ));
        }
        for r in self
            .client
            .query(
                "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'",
                &[],
            )
            .map_err(|e| Error::Database(db_message(&e)))?
        {
            let n: String = r.get(0);
            sql.push_str(&format!(
                "DROP EXTENSION IF EXISTS {} CASCADE;",
                Dialect::Postgres.quote(&n)
            ));
        }
        sql.push_str("CREATE SCHEMA public;");
        if let Some(c) = &self.public_comment {
            sql.push_str(&format!(
                "COMMENT ON SCHEMA public IS '{}';",
                c.replace('\'', "''")
            ));
        }
        self.client
            .batch_execute(&sql)
            .map_err(|e| Error::Database(db_message(&e)))
    }
}
