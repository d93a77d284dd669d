//! A MySQL/MariaDB server behind the [`Driver`] interface.
//!
//! As a dev database, strata never touches the database the URL names: it
//! creates a uniquely named, owner-marked scratch database on that server and
//! drops it when done (or the next run drops it, when this one was killed).
//! DDL is not transactional here, so an apply runs statement by statement and
//! writes a progress record before each ([`super::progress`]); `GET_LOCK`
//! keeps two applies from interleaving.

use crate::diag::{Error, Result};
use crate::dialect::Dialect;
use crate::driver::{ApplyError, Driver, Scope, StepEvent};
use crate::model::Realm;
use crate::owner::Owner;
use crate::plan::Plan;
use crate::url::redact;
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Databases that belong to the server, never managed.
pub const SYSTEM_DATABASES: &[&str] = &["information_schema", "mysql", "performance_schema", "sys"];

/// Scratch database names: this prefix, the owner ([`crate::owner`]), a
/// sequence number and nanoseconds.
const SCRATCH_PREFIX: &str = "strata_dev_";

static SCRATCH_SEQ: AtomicU32 = AtomicU32::new(0);

pub struct MyDriver {
    conn: Conn,
    /// The database statements run in: the URL's, the scratch one, or the
    /// single database an inspection found (a server-wide URL).
    db: Option<String>,
    /// The database the URL names (what `default_schemas` reports).
    url_db: Option<String>,
    /// A scratch database this driver created and drops on drop, with the
    /// server's options, and the name its schema reads back under when the
    /// scope names none.
    scratch: Option<(Opts, String, String)>,
    /// Whether this connection holds the apply lock.
    locked: bool,
}

/// The database a URL names, if any (`mysql://u@h:3306/app` → `app`).
pub fn url_database(raw: &str) -> Option<String> {
    let rest = raw.split_once("://")?.1;
    let path = rest.split_once('/')?.1;
    let db = path.split(['?', '#']).next().unwrap_or("");
    (!db.is_empty()).then(|| percent_decode(db))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The client's options for a strata URL: `maria://`/`mariadb://` read as
/// `mysql://`.
pub fn parse_url(raw: &str) -> Result<Opts> {
    let (_, rest) = raw
        .split_once("://")
        .ok_or_else(|| Error::Usage(format!("bad MySQL URL {}", redact(raw))))?;
    let url = format!("mysql://{rest}");
    let opts = Opts::from_url(&url)
        .map_err(|e| Error::Usage(format!("bad MySQL URL {}: {e}", redact(raw))))?;
    // Statements a plan renders are sent one by one, but normalization
    // replays schema files in batches.
    Ok(OptsBuilder::from_opts(opts)
        .tcp_connect_timeout(Some(Duration::from_secs(10)))
        .into())
}

fn connect(opts: Opts, raw: &str) -> Result<Conn> {
    Conn::new(opts).map_err(|e| {
        Error::Database(format!(
            "cannot connect to {}: {}",
            redact(raw),
            message(&e)
        ))
    })
}

/// The server's own message (without the client's wrapping) when there is one.
pub fn message(e: &mysql::Error) -> String {
    match e {
        mysql::Error::MySqlError(m) => format!("{} (error {})", m.message, m.code),
        other => other.to_string(),
    }
}

/// The dev server's identity for the normalization cache: its version and
/// address (a short connection to the server, no scratch database). It also
/// drops what killed runs left, as opening a scratch database does.
pub fn server_identity(raw: &str) -> Result<String> {
    let opts = parse_url(raw)?;
    let server: Opts = OptsBuilder::from_opts(opts).db_name(None::<String>).into();
    let mut conn = connect(server, raw)?;
    drop_stale_scratch(&mut conn);
    let version = rows(&mut conn, "SELECT VERSION()")
        .map_err(Error::Database)?
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next().flatten())
        .unwrap_or_default();
    Ok(format!("{version} at {}", redact(raw)))
}

/// A value of a text-protocol row as text; `None` for NULL.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::NULL => None,
        Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::Int(i) => Some(i.to_string()),
        Value::UInt(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Double(f) => Some(f.to_string()),
        other => Some(other.as_sql(true)),
    }
}

/// Runs a query and returns every row as text.
pub fn rows(conn: &mut Conn, sql: &str) -> std::result::Result<Vec<Vec<Option<String>>>, String> {
    let rows: Vec<mysql::Row> = conn.query(sql).map_err(|e| message(&e))?;
    Ok(rows
        .into_iter()
        .map(|r| r.unwrap().iter().map(text).collect())
        .collect())
}

/// Runs every statement of a multi-statement script, reading every result
/// set so that an error in any statement is reported.
pub fn run_script(conn: &mut Conn, sql: &str) -> std::result::Result<(), String> {
    let mut result = conn.query_iter(sql).map_err(|e| message(&e))?;
    while let Some(set) = result.iter() {
        for row in set {
            row.map_err(|e| message(&e))?;
        }
    }
    Ok(())
}

/// A string literal for MySQL: quotes and backslashes escaped.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// Drops the scratch databases on this server whose owning strata process is
/// gone (killed with SIGKILL). Only names strata writes, with an owner on
/// this boot and pid namespace, qualify; failures are ignored.
fn drop_stale_scratch(conn: &mut Conn) {
    let Ok(names) = rows(
        conn,
        "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'strata\\_dev\\_%'",
    ) else {
        return;
    };
    for name in names
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
    {
        let Some(rest) = name.strip_prefix(SCRATCH_PREFIX) else {
            continue;
        };
        let parts: Vec<&str> = rest.split('_').collect();
        let ours = parts.len() == 5 && parts[3..].iter().all(|p| p.parse::<u64>().is_ok());
        if ours && Owner::parse(rest, '_').is_some_and(|o| o.is_gone()) {
            let _ = conn.query_drop(format!(
                "DROP DATABASE IF EXISTS {}",
                Dialect::Mysql.quote(&name)
            ));
        }
    }
}

impl MyDriver {
    pub fn open(raw: &str) -> Result<MyDriver> {
        let opts = parse_url(raw)?;
        let url_db = opts.get_db_name().map(str::to_string);
        let conn = connect(opts, raw)?;
        Ok(MyDriver {
            conn,
            db: url_db.clone(),
            url_db,
            scratch: None,
            locked: false,
        })
    }

    /// A fresh scratch database on the server `raw` points at.
    pub fn open_scratch(raw: &str) -> Result<MyDriver> {
        let opts = parse_url(raw)?;
        let shown = url_database(raw).unwrap_or_else(|| "dev".into());
        let server: Opts = OptsBuilder::from_opts(opts).db_name(None::<String>).into();
        let mut conn = connect(server.clone(), raw)?;
        drop_stale_scratch(&mut conn);
        let name = format!(
            "{SCRATCH_PREFIX}{}_{}_{}",
            Owner::me().tag('_'),
            SCRATCH_SEQ.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        );
        let q = Dialect::Mysql.quote(&name);
        conn.query_drop(format!("CREATE DATABASE {q}"))
            .and_then(|_| conn.query_drop(format!("USE {q}")))
            .map_err(|e| {
                Error::Database(format!(
                    "cannot create a scratch dev database on {}: {}",
                    redact(raw),
                    message(&e)
                ))
            })?;
        Ok(MyDriver {
            conn,
            db: Some(name.clone()),
            url_db: None,
            scratch: Some((server, name, shown)),
            locked: false,
        })
    }

    pub fn conn(&mut self) -> &mut Conn {
        &mut self.conn
    }

    /// The name of the server-wide lock for this driver's database.
    fn lock_name(&self) -> String {
        format!("strata_apply:{}", self.db.as_deref().unwrap_or(""))
    }

    fn take_lock(&mut self, timeout: Duration) -> std::result::Result<(), String> {
        if self.locked {
            return Ok(());
        }
        let sql = format!(
            "SELECT GET_LOCK({}, {})",
            literal(&self.lock_name()),
            timeout.as_secs_f64()
        );
        let got = rows(&mut self.conn, &sql)?;
        if got.first().and_then(|r| r[0].as_deref()) == Some("1") {
            self.locked = true;
            return Ok(());
        }
        Err(format!(
            "another strata apply holds the lock on this database; gave up after {timeout:?} (see --lock-timeout)"
        ))
    }

    fn release_lock(&mut self) {
        if self.locked {
            let sql = format!("SELECT RELEASE_LOCK({})", literal(&self.lock_name()));
            let _ = self.conn.query_drop(sql);
            self.locked = false;
        }
    }

    fn run_plan(
        &mut self,
        plan: &Plan,
        on_step: &mut dyn FnMut(StepEvent),
    ) -> std::result::Result<(), ApplyError> {
        let total = plan.steps.len();
        let fail = |index: usize, sql: &str, message: String| ApplyError {
            index,
            sql: sql.to_string(),
            message,
            rolled_back: false,
            applied: index,
        };
        let mut record = match &self.db {
            Some(db) => Some(
                super::progress::Record::start(&mut self.conn, db, plan)
                    .map_err(|m| fail(0, "", m))?,
            ),
            None => None,
        };
        for (i, step) in plan.steps.iter().enumerate() {
            if let Some(r) = &mut record {
                r.before(&mut self.conn, i, &step.sql)
                    .map_err(|m| fail(i, &step.sql, m))?;
            }
            on_step(StepEvent::Started {
                index: i,
                sql: &step.sql,
            });
            let t = Instant::now();
            if let Err(msg) = run_script(&mut self.conn, &step.sql) {
                if let Some(r) = &mut record {
                    r.failed(&mut self.conn, i, &msg);
                }
                return Err(fail(
                    i,
                    &step.sql,
                    super::progress::describe(i, total, &msg),
                ));
            }
            on_step(StepEvent::Finished {
                index: i,
                took: t.elapsed(),
            });
        }
        if let Some(r) = &mut record {
            r.done(&mut self.conn);
        }
        Ok(())
    }

    /// The databases to read: the scope's, the URL's, or every non-system one.
    fn databases(&mut self, scope: &Scope) -> Result<Vec<(String, String)>> {
        if let Some((_, name, shown)) = &self.scratch {
            let shown = scope
                .schemas
                .first()
                .cloned()
                .unwrap_or_else(|| shown.clone());
            return Ok(vec![(name.clone(), shown)]);
        }
        if !scope.schemas.is_empty() {
            return Ok(scope
                .schemas
                .iter()
                .map(|s| (s.clone(), s.clone()))
                .collect());
        }
        if let Some(db) = &self.url_db {
            return Ok(vec![(db.clone(), db.clone())]);
        }
        let all = rows(
            &mut self.conn,
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME",
        )
        .map_err(Error::Database)?;
        Ok(all
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .filter(|n| !SYSTEM_DATABASES.contains(&n.as_str()) && !n.starts_with(SCRATCH_PREFIX))
            .map(|n| (n.clone(), n))
            .collect())
    }
}

impl Drop for MyDriver {
    fn drop(&mut self) {
        self.release_lock();
        if let Some((_, name, _)) = self.scratch.take() {
            let _ = self.conn.query_drop(format!(
                "DROP DATABASE IF EXISTS {}",
                Dialect::Mysql.quote(&name)
            ));
        }
    }
}

impl Driver for MyDriver {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn default_schemas(&self) -> Vec<String> {
        self.url_db.iter().cloned().collect()
    }

    fn lock(&mut self, timeout: Duration) -> std::result::Result<(), String> {
        self.take_lock(timeout)
    }

    fn unlock(&mut self) {
        self.release_lock();
    }

    fn inspect(&mut self, scope: &Scope) -> Result<Realm> {
        let dbs = self.databases(scope)?;
        // A server-wide URL with one database: statements run inside it.
        if self.db.is_none() && dbs.len() == 1 {
            let q = Dialect::Mysql.quote(&dbs[0].0);
            if self.conn.query_drop(format!("USE {q}")).is_ok() {
                self.db = Some(dbs[0].0.clone());
            }
        }
        super::inspect::inspect(&mut self.conn, &dbs, &scope.exclude)
    }

    /// Runs a script of one or more statements; the first statement the
    /// server refuses is the error (every result set is read, or an error in
    /// a later statement would go unseen).
    fn execute(&mut self, sql: &str) -> std::result::Result<(), String> {
        run_script(&mut self.conn, sql)
    }

    fn has_rows(&mut self, sql: &str) -> std::result::Result<bool, String> {
        rows(&mut self.conn, sql).map(|r| !r.is_empty())
    }

    fn query(&mut self, sql: &str) -> std::result::Result<Vec<Vec<Option<String>>>, String> {
        rows(&mut self.conn, sql)
    }

    /// Statement by statement (MySQL commits every DDL statement itself),
    /// with a progress record written before each.
    fn apply(
        &mut self,
        plan: &Plan,
        on_step: &mut dyn FnMut(StepEvent),
    ) -> std::result::Result<(), ApplyError> {
        let held = self.locked;
        self.take_lock(Duration::from_secs(10))
            .map_err(|message| ApplyError {
                index: 0,
                sql: String::new(),
                message,
                rolled_back: true,
                applied: 0,
            })?;
        let r = self.run_plan(plan, on_step);
        if !held {
            self.release_lock();
        }
        r
    }

    /// Drops and recreates the scratch database: a clean dev database.
    fn reset(&mut self) -> Result<()> {
        let Some((_, name, _)) = &self.scratch else {
            return Err(Error::Usage(
                "refusing to reset a database strata did not create".into(),
            ));
        };
        let q = Dialect::Mysql.quote(name);
        self.conn
            .query_drop(format!(
                "DROP DATABASE IF EXISTS {q}; CREATE DATABASE {q}; USE {q}"
            ))
            .map_err(|e| Error::Database(message(&e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_comes_from_the_url_path() {
        assert_eq!(url_database("mysql://root@h:3306/app"), Some("app".into()));
        assert_eq!(url_database("maria://u:p@h/a%20b?x=1"), Some("a b".into()));
        assert_eq!(url_database("mysql://root@h:3306/"), None);
        assert_eq!(url_database("mysql://root@h:3306"), None);
    }

    #[test]
    fn literals_escape_quotes_and_backslashes() {
        assert_eq!(literal(r"a'b\c"), r"'a''b\\c'");
    }
}
