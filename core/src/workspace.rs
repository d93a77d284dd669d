//! The pipeline's parts: read the desired state from files, normalize it on a
//! dev database, plan and lint. [`crate::pipeline`] puts them together (with
//! the target, its lock and the gates) for every front end.

use crate::diag::{Diagnostic, Error, Files, Result};
use crate::dialect::Dialect;
use crate::diff::DiffOptions;
use crate::driver::{self, Driver, Scope};
use crate::filter::Exclude;
use crate::hcl::read::{self as hcl_read, HclSchema};
use crate::lint::{lint, Finding};
use crate::model::*;
use crate::plan::{plan, Plan};
use crate::source::{format_of, Format};
use crate::span::{SourceFile, Span};
use crate::sql::split;
use crate::url::{self, Url};
use std::path::PathBuf;

/// Schema files read without a database: the static model with spans and the
/// diagnostics that need no database to find.
#[derive(Debug)]
pub struct Desired {
    pub dialect: Dialect,
    pub files: Files,
    pub hcl_files: Vec<SourceFile>,
    pub sql_files: Vec<SourceFile>,
    pub hcl: HclSchema,
    /// Tables, views and triggers read statically from the SQL files.
    pub sql: Realm,
    pub diagnostics: Vec<Diagnostic>,
}

impl Desired {
    pub fn read(files: Vec<SourceFile>, dialect: Dialect) -> Desired {
        Desired::read_with_vars(files, dialect, &[], true)
    }

    /// [`Desired::read`] with values for the HCL files' input variables
    /// (`strict`: a value no file declares is an error).
    pub fn read_with_vars(
        files: Vec<SourceFile>,
        dialect: Dialect,
        vars: &[(String, String)],
        strict: bool,
    ) -> Desired {
        let mut all = Files::default();
        let (mut hcl_files, mut sql_files) = (Vec::new(), Vec::new());
        for f in files {
            all.add(f.clone());
            match format_of(&f.name) {
                Some(Format::Sql) => sql_files.push(f),
                _ => hcl_files.push(f),
            }
        }
        let hcl = hcl_read::read_with_vars(&hcl_files, dialect, vars, strict);
        let mut diagnostics = hcl.diagnostics.clone();
        let mut sql = Realm::default();
        for f in &sql_files {
            let (realm, diags) = crate::sql::static_read::read(f, dialect);
            merge(&mut sql, realm);
            diagnostics.extend(diags);
        }
        Desired {
            dialect,
            files: all,
            hcl_files,
            sql_files,
            hcl,
            sql,
            diagnostics,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The static model of every file: HCL and SQL together.
    pub fn static_realm(&self) -> Realm {
        let mut r = self.hcl.realm.clone();
        merge(&mut r, self.sql.clone());
        r
    }
}

fn merge(into: &mut Realm, other: Realm) {
    for s in other.schemas {
        let dst = into.schema_entry(&s.name);
        dst.tables.extend(s.tables);
        dst.views.extend(s.views);
        dst.triggers.extend(s.triggers);
        if dst.span.is_none() {
            dst.span = s.span;
        }
    }
}

/// Applies the desired files to a clean dev database and reads them back, so
/// both sides of a diff are spelled the way the database spells them.
/// Errors point at the statement or HCL object the database refused.
pub fn normalize(desired: &Desired, dev: &mut dyn Driver, scope: &Scope) -> Result<Realm> {
    if desired.has_errors() {
        return Err(Error::Diagnostics(desired.diagnostics.clone()));
    }
    let realm = replay_and_read(desired, dev, &read_scope(desired, scope)?)?;
    finish(realm, desired, scope)
}

/// [`normalize`] on the dev database `dev_url` names (the dialect's default
/// without one), unless an earlier run already normalized exactly these
/// files on the same dev server: then the realm comes from the cache
/// ([`crate::cache`]) and no dev database is opened at all.
pub fn normalize_on(desired: &Desired, dev_url: Option<&str>, scope: &Scope) -> Result<Realm> {
    normalize_cached(desired, dev_url, scope, crate::cache::dir())
}

/// [`normalize_on`] with the cache in `cache_dir` (`None`: no cache).
pub fn normalize_cached(
    desired: &Desired,
    dev_url: Option<&str>,
    scope: &Scope,
    cache_dir: Option<PathBuf>,
) -> Result<Realm> {
    if desired.has_errors() {
        return Err(Error::Diagnostics(desired.diagnostics.clone()));
    }
    let dev_url = dev_url.map(parse_db).transpose()?;
    driver::check_dev(dev_url.as_ref(), desired.dialect)?;
    let read_scope = read_scope(desired, scope)?;
    let cached = cache_dir.and_then(|dir| {
        let server = desired
            .dialect
            .imp()
            .ok()?
            .dev_server(dev_url.as_ref())
            .ok()?;
        let files: Vec<&SourceFile> = desired.hcl_files.iter().chain(&desired.sql_files).collect();
        let key =
            crate::cache::Key::new(desired.dialect.name(), &server, &read_scope.schemas, &files);
        Some((dir, key))
    });
    if let Some((dir, key)) = &cached {
        if let Some(realm) = crate::cache::load(dir, key) {
            return finish(realm, desired, scope);
        }
    }
    let mut dev = driver::open_dev(dev_url.as_ref(), desired.dialect)?;
    let realm = replay_and_read(desired, dev.as_mut(), &read_scope)?;
    if let Some((dir, key)) = &cached {
        crate::cache::store(dir, key, &realm);
    }
    finish(realm, desired, scope)
}

/// The schemas normalization reads back: the target's, as the dialect's dev
/// database holds them (MySQL's one-database dev names its own); exclusions
/// apply later, once spans are attached.
fn read_scope(desired: &Desired, scope: &Scope) -> Result<Scope> {
    let imp = desired.dialect.imp()?;
    Ok(Scope {
        schemas: imp.dev_scope(scope, &desired.static_realm())?.schemas,
        exclude: Vec::new(),
    })
}

/// Spans and `renamed_from` from the files, then the scope's exclusions.
fn finish(mut realm: Realm, desired: &Desired, scope: &Scope) -> Result<Realm> {
    attach_source(&mut realm, &desired.static_realm());
    Exclude::new(&scope.exclude)?.apply(&mut realm, false);
    Ok(realm)
}

/// Replays the desired files on a clean `dev` and reads it back as the
/// database spells it, before spans and exclusions.
fn replay_and_read(desired: &Desired, dev: &mut dyn Driver, read_scope: &Scope) -> Result<Realm> {
    // Every statement, each with the span to blame when the database refuses it.
    let mut script: Vec<(String, Option<Span>, bool)> = Vec::new();
    for f in &desired.sql_files {
        for stmt in split::split(&f.text, desired.dialect) {
            let span = Span::new(&f.name, stmt.range.clone());
            script.push((f.text[stmt.range.clone()].to_string(), Some(span), true));
        }
    }
    for step in crate::plan::create_plan(&desired.hcl.realm, desired.dialect)?.steps {
        script.push((step.sql, step.span, false));
    }
    let imp = desired.dialect.imp()?;
    if let Some(realm) = imp.replay_grouped(dev, &script, read_scope)? {
        return Ok(realm);
    }
    dev.reset()?;
    // Fast path: the script in a few large batches, each one transaction and
    // one round trip (batches keep a big schema under PostgreSQL's lock-table
    // limit). Only when the database refuses something is it replayed statement
    // by statement, to point at every statement it refuses.
    let batches_ok = script.chunks(REPLAY_BATCH).all(|chunk| {
        let mut batch = String::from("BEGIN;\n");
        for (sql, _, _) in chunk {
            batch.push_str(sql);
            batch.push_str(";\n");
        }
        batch.push_str("COMMIT;");
        dev.execute(&batch).is_ok()
    });
    if !batches_ok {
        dev.reset()?;
        let errors = replay(dev, &script);
        if !errors.is_empty() {
            return Err(Error::Diagnostics(errors));
        }
    }
    dev.inspect(read_scope)
}

/// Statements per transaction when replaying a desired schema.
const REPLAY_BATCH: usize = 1000;

/// Runs statements one by one, retrying refused ones while others succeed
/// (schema files need not be in dependency order), and lists the ones the
/// database still refuses.
fn replay(dev: &mut dyn Driver, script: &[(String, Option<Span>, bool)]) -> Vec<Diagnostic> {
    let mut pending: Vec<usize> = (0..script.len()).collect();
    let mut last_errors: Vec<(usize, String)>;
    loop {
        last_errors = Vec::new();
        for &i in &pending {
            if let Err(msg) = dev.execute(&script[i].0) {
                last_errors.push((i, msg));
            }
        }
        if last_errors.is_empty() || last_errors.len() == pending.len() {
            break;
        }
        pending = last_errors.iter().map(|(i, _)| *i).collect();
    }
    last_errors
        .into_iter()
        .map(|(i, msg)| {
            let (sql, span, from_sql_file) = &script[i];
            if *from_sql_file {
                Diagnostic::error("dev-database", format!("the dev database refused this statement: {msg}"), span.clone())
                    .with_help("fix the statement; strata runs every schema file on a clean dev database to read it")
            } else {
                Diagnostic::error("dev-database", format!("the dev database refused `{}`: {msg}", first_line(sql)), span.clone())
                    .with_help("check the types, defaults and expressions of this object")
            }
        })
        .collect()
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// Copies spans and `renamed_from` from the source model onto the normalized
/// one (inspection cannot know either). Lookups are by name, hashed: this runs
/// on every normalization, for schemas of thousands of tables.
pub fn attach_source(realm: &mut Realm, source: &Realm) {
    use std::collections::HashMap;
    for s in &mut realm.schemas {
        let Some(src) = source.schema(&s.name).or_else(|| source.schemas.first()) else {
            continue;
        };
        s.span = src.span.clone();
        let tables: HashMap<String, &Table> = src
            .tables
            .iter()
            .map(|t| (t.name.to_ascii_lowercase(), t))
            .collect();
        for t in &mut s.tables {
            let Some(st) = tables.get(&t.name.to_ascii_lowercase()) else {
                continue;
            };
            t.span = st.span.clone();
            t.renamed_from = st.renamed_from.clone();
            for c in &mut t.columns {
                if let Some(sc) = st
                    .columns
                    .iter()
                    .find(|x| x.name.eq_ignore_ascii_case(&c.name))
                {
                    c.span = sc.span.clone();
                    c.renamed_from = sc.renamed_from.clone();
                }
            }
            for i in &mut t.indexes {
                if let Some(si) = st.indexes.iter().find(|x| x.name == i.name) {
                    i.span = si.span.clone();
                    i.renamed_from = si.renamed_from.clone();
                }
            }
            for fk in &mut t.foreign_keys {
                let same = |x: &&ForeignKey| {
                    x.columns == fk.columns && x.ref_table.eq_ignore_ascii_case(&fk.ref_table)
                };
                if let Some(sf) = st.foreign_keys.iter().find(same) {
                    fk.span = sf.span.clone();
                }
            }
            if let (Some(pk), Some(spk)) = (&mut t.primary_key, &st.primary_key) {
                pk.span = spk.span.clone();
            }
        }
        for v in &mut s.views {
            if let Some(sv) = src
                .views
                .iter()
                .find(|x| x.name.eq_ignore_ascii_case(&v.name))
            {
                v.span = sv.span.clone();
                v.renamed_from = sv.renamed_from.clone();
            }
        }
        // A trigger is named per table (PostgreSQL): match on both.
        for tr in &mut s.triggers {
            if let Some(st) = src.triggers.iter().find(|x| {
                x.name.eq_ignore_ascii_case(&tr.name) && x.table.eq_ignore_ascii_case(&tr.table)
            }) {
                tr.span = st.span.clone();
            }
        }
        for e in &mut s.enums {
            if let Some(se) = src.enums.iter().find(|x| x.name == e.name) {
                e.span = se.span.clone();
                e.renamed_from = se.renamed_from.clone();
            }
        }
        for r in &mut s.routines {
            if let Some(sr) = src.routines.iter().find(|x| x.name == r.name) {
                r.span = sr.span.clone();
            }
        }
    }
}

/// Where a state comes from: a database, or schema files.
pub enum State {
    Database(Box<dyn Driver>),
    Files(Box<Desired>),
}

/// Opens the state a URL names (`sqlite://…`, `file://…`). `dialect_hint` picks
/// the dialect of files when no database says it.
pub fn open_state(raw: &str, dialect_hint: Option<Dialect>, create: bool) -> Result<State> {
    match url::parse(raw)? {
        Url::Database(db) => Ok(State::Database(driver::open(&db, create)?)),
        Url::Files(paths) => {
            let files = crate::source::read_files(&paths)?;
            let dialect = crate::source::infer_dialect(&files, dialect_hint)?;
            Ok(State::Files(Box::new(Desired::read(files, dialect))))
        }
    }
}

/// Reads a state into the model: inspects a database, normalizes files.
pub fn realize(
    state: &mut State,
    dev: Option<&mut dyn Driver>,
    dev_url: Option<&str>,
    scope: &Scope,
) -> Result<Realm> {
    match state {
        State::Database(d) => d.inspect(scope),
        State::Files(desired) => match dev {
            Some(dev) => normalize(desired, dev, scope),
            None => normalize_on(desired, dev_url, scope),
        },
    }
}

pub fn parse_db(raw: &str) -> Result<url::DbUrl> {
    match url::parse(raw)? {
        Url::Database(d) => Ok(d),
        Url::Files(_) => Err(Error::Usage(format!(
            "{} is not a database URL",
            url::redact(raw)
        ))),
    }
}

/// A plan with everything needed to show and apply it.
pub struct Planned {
    pub current: Realm,
    pub desired: Realm,
    pub plan: Plan,
    pub findings: Vec<Finding>,
}

/// Plans `current` → `desired` and lints the plan: the pure part of the
/// pipeline (no database), shared by [`crate::pipeline`] and `schema diff`.
pub fn planned(
    current: Realm,
    desired: Realm,
    dialect: Dialect,
    opts: &DiffOptions,
) -> Result<Planned> {
    let plan = plan(&current, &desired, dialect, opts)?;
    let findings = lint(&plan);
    Ok(Planned {
        current,
        desired,
        plan,
        findings,
    })
}

/// Schema file paths from `file://` URLs.
pub fn file_paths(urls: &[String]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for u in urls {
        match url::parse(u)? {
            Url::Files(p) => out.extend(p),
            Url::Database(_) => {
                return Err(Error::Usage(format!(
                    "{} is not a file:// URL",
                    url::redact(u)
                )))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A schema big enough to be replayed in groups: the realm read back must
    /// be exactly the one a single database gives.
    #[test]
    fn partitioned_replay_reads_back_what_one_database_does() {
        let mut sql = String::new();
        for i in 0..1300 {
            // Every tenth table points at the previous one (in another group,
            // now and then), half of them through the parent's implicit key.
            let fk = match i % 20 {
                10 => format!(", parent int REFERENCES t{}(id)", i - 1),
                0 if i > 0 => format!(", parent int REFERENCES t{}", i - 1),
                _ => String::new(),
            };
            sql.push_str(&format!(
                "CREATE TABLE t{i} (id integer PRIMARY KEY, name text NOT NULL DEFAULT 'x' CHECK (length(name) < 50){fk});\n\
                 CREATE INDEX t{i}_name ON t{i} (name COLLATE NOCASE DESC);\n"
            ));
            if i % 100 == 7 {
                sql.push_str(&format!(
                    "CREATE VIEW v{i} AS SELECT id FROM t{i} JOIN t0 USING (id);\n\
                     CREATE TRIGGER tr{i} AFTER INSERT ON t{i} BEGIN UPDATE t0 SET name = 'y'; END;\n"
                ));
            }
        }
        let desired = Desired::read(
            vec![SourceFile::new("big.sql", sql.clone())],
            Dialect::Sqlite,
        );
        let scope = Scope::default();
        let mut dev = driver::open_dev(None, Dialect::Sqlite).unwrap();
        let script: Vec<&str> = split::split(&sql, Dialect::Sqlite)
            .into_iter()
            .map(|s| &sql[s.range])
            .collect();
        let parts = crate::sqlite::partition::partitions(script.iter().copied()).unwrap();
        assert!(parts.len() > 1, "the test must take the partitioned path");
        let grouped = normalize(&desired, dev.as_mut(), &scope).unwrap();

        let mut one = driver::open_dev(None, Dialect::Sqlite).unwrap();
        one.execute(&sql).unwrap();
        let single = one.inspect(&scope).unwrap();
        let json = |r: &Realm| serde_json::to_string_pretty(r).unwrap();
        let (a, b) = (json(&grouped), json(&single));
        if a != b {
            let line = a
                .lines()
                .zip(b.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            panic!(
                "differs at line {line}: {:?} vs {:?}",
                a.lines().nth(line),
                b.lines().nth(line)
            );
        }
    }
}
