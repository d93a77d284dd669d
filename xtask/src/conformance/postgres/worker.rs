//! One worker: its databases A and B (reset between cases, re-created from
//! the template when a reset leaves traces) and its dev databases.

use super::super::data::Rows;
use super::super::judge::core_error;
use super::super::outcome::one_line;
use super::super::{ApplyFailed, Case, Compared, Seeding, Worker, COLUMN_ORDER_NOTE};
use super::dump::canonical;
use super::load::{created_schemas, gated, load, missing_extensions, Prelude};
use super::seed::{seed, snapshot, survives, text_hints, SeedStyle};
use super::server::{admin_db, ident, url_for, Postgres, EXTENSIONS, FINGERPRINT, FOO_OPTIONS};
use anyhow::{bail, Context, Result};
use postgres::Client;
use std::process::{Command, Stdio};
use strata_core::dialect::Dialect;
use strata_core::diff::DiffOptions;
use strata_core::driver::{Driver, Scope};
use strata_core::pipeline::plan_on;
use strata_core::plan::Plan;
use strata_core::postgres::conn::db_message;
use strata_core::postgres::PgDriver;
use strata_core::workspace::{Desired, Planned};
use strata_core::SourceFile;

pub(super) struct Db {
    name: String,
    url: String,
    conn: Option<PgDriver>,
}

pub(super) struct Databases<'e> {
    env: &'e Postgres,
    a: Db,
    b: Db,
    dev: Option<PgDriver>,
    /// A dev database whose session search_path is `foo, public`.
    dev_foo: Option<PgDriver>,
    /// What the current case presupposes (found while loading it).
    prelude: Prelude,
}

impl<'e> Databases<'e> {
    pub(super) fn new(env: &'e Postgres, n: usize) -> Result<Databases<'e>> {
        let mk = |side: &str| {
            let name = format!("{}_{n}_{side}", env.prefix);
            Db {
                url: url_for(&env.url, &name, &[]),
                name,
                conn: None,
            }
        };
        let mut w = Databases {
            env,
            a: mk("a"),
            b: mk("b"),
            dev: None,
            dev_foo: None,
            prelude: Prelude::default(),
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

    fn target(&self, user_schema: bool) -> Result<PgDriver> {
        let url = if user_schema {
            url_for(&self.env.url, &self.a.name, &[FOO_OPTIONS])
        } else {
            self.a.url.clone()
        };
        PgDriver::open(&url).map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Plans A → desired on this worker's dev database; the error is a message.
    fn plan_on_dev(
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

impl Worker for Databases<'_> {
    fn begin(&mut self, case: &Case) -> Option<String> {
        let user_schema = case
            .options
            .get("user")
            .and_then(serde_json::Value::as_str)
            .is_some();
        self.prelude = Prelude {
            user_schema,
            ..Prelude::default()
        };
        gated(case, self.env)
    }

    fn load(&mut self, case: &Case) -> std::result::Result<Vec<String>, String> {
        let mut prelude = std::mem::take(&mut self.prelude);
        let loaded = self.load_case(case, &mut prelude);
        self.prelude = prelude;
        loaded
    }

    fn desired(&self, case: &Case) -> (Desired, Vec<String>) {
        let prelude = &self.prelude;
        let text = format!("{}{}", prelude.sql(), case.desired.as_deref().unwrap_or(""));
        let desired = Desired::read(
            vec![SourceFile::new("desired.sql", text)],
            Dialect::Postgres,
        );
        let mut notes = Vec::new();
        if !prelude.extensions.is_empty() {
            notes.push(format!(
                "the case uses extensions it does not create; added: {}",
                prelude.extensions.join(", ")
            ));
        }
        if prelude.user_schema {
            notes.push("user option: schema foo created, search_path foo, public".into());
        }
        (desired, notes)
    }

    fn seed(&mut self, case: &Case, how: Seeding) -> Vec<String> {
        let hints = text_hints(case.desired.as_deref().unwrap_or(""));
        let style = match how {
            Seeding::Plausible => SeedStyle::Plausible(&hints),
            Seeding::Plain => SeedStyle::Plain,
            Seeding::Sparse => SeedStyle::Sparse,
        };
        match self.client(Side::A) {
            Ok(c) => seed(c, style),
            Err(e) => vec![format!("seeding skipped: {e}")],
        }
    }

    fn snapshot(&mut self) -> std::result::Result<Rows, String> {
        let c = self.client(Side::A).map_err(|e| e.to_string())?;
        snapshot(c).map_err(|e| e.to_string())
    }

    fn plan(
        &mut self,
        desired: &Desired,
        opts: &DiffOptions,
    ) -> std::result::Result<Planned, String> {
        self.plan_on_dev(self.prelude.user_schema, desired, opts)
    }

    fn apply(&mut self, plan: &Plan) -> std::result::Result<(), ApplyFailed> {
        let mut target = self
            .target(self.prelude.user_schema)
            .map_err(|e| ApplyFailed::Unreachable(e.to_string()))?;
        target
            .apply(plan, &mut |_| {})
            .map_err(|e| ApplyFailed::Statement {
                message: e.message,
                sql: e.sql,
            })
    }

    /// `pg_dump` of A and B; a difference only in the order of columns is
    /// noted, not failed (PostgreSQL cannot reorder columns in place).
    fn compare(&mut self) -> Compared {
        let (got, want) = match self.dumps() {
            Ok(d) => d,
            Err(e) => return Compared::Broken(e.to_string()),
        };
        let (got_strict, got_loose) = canonical(&got);
        let (want_strict, want_loose) = canonical(&want);
        if got_strict == want_strict {
            Compared::Same
        } else if got_loose == want_loose {
            Compared::SameBut(COLUMN_ORDER_NOTE)
        } else {
            Compared::Differ {
                got: got_loose,
                want: want_loose,
            }
        }
    }

    fn survives(&self, before: &str, after: &str) -> bool {
        survives(before, after)
    }

    /// After a panic nothing about the connections can be trusted.
    fn recover(&mut self) {
        self.a.conn = None;
        self.b.conn = None;
        self.dev = None;
        self.dev_foo = None;
        match self.open_dev(false) {
            Ok(d) => self.dev = Some(d),
            Err(e) => eprintln!("conformance: warning: {e}"),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Side {
    A,
    B,
}
