//! `migrate down`: the way back computed from what the database holds, not
//! from a down file written before the up ever ran.
//!
//! The target state is the migration files up to the target version replayed
//! on a clean dev database; the current state is the live database inspected
//! (its history tables left out). The core planner plans between them, so the
//! plan is right whether the newest file succeeded, failed or ran halfway.
//!
//! Versions are reverted one by one, newest first: the first step plans from
//! the live database to the state after the previous version, each further
//! step from one replayed state to the one before it, so the output can say
//! which statements and checks revert which version. Files newer than the
//! directory (a rollback by intent) are replayed from the text the database
//! kept when they were applied. Where a version's text is known nowhere (a
//! database Atlas migrated), the versions are reverted in one step.
//!
//! Before each destructive statement a generated check looks at the data
//! (`SELECT NOT EXISTS (SELECT 1 FROM "logs")` before dropping a table); the
//! checks, the plan and the history update run in one transaction, so a
//! failing check changes nothing.

use super::dir::{compare_versions, Dir, MigrationFile};
use super::revisions::{FileRecord, Revision, Store};
use super::tx::Tx;
use crate::diag::{Error, Result};
use crate::dialect::Dialect;
use crate::diff::{Change, DiffOptions, TableChange};
use crate::driver::{Driver, Scope};
use crate::lint::Finding;
use crate::model::Realm;
use crate::plan::Plan;
use crate::span::SourceFile;
use crate::workspace::{self, Desired};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A query on the data that must hold before a destructive statement runs.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Check {
    /// What is shown: `SELECT NOT EXISTS (SELECT 1 FROM "logs")`.
    pub sql: String,
    /// What runs: returns a row when the check fails.
    pub probe: String,
    /// Why the check fails, for the error: `table "logs" holds rows`.
    pub reason: String,
}

/// The checks and statements that revert one version (or, when the versions'
/// texts are not known, several at once).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Step {
    pub versions: Vec<String>,
    pub description: String,
    pub checks: Vec<Check>,
    pub plan: Plan,
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct DownPlan {
    /// The database's latest version now.
    pub from: Option<String>,
    /// The version it will be at; `None`: no version (everything reverted).
    pub to: Option<String>,
    pub reverted: Vec<Revision>,
    pub steps: Vec<Step>,
}

impl DownPlan {
    pub fn statements(&self) -> usize {
        self.steps.iter().map(|s| s.plan.steps.len()).sum()
    }

    pub fn checks(&self) -> usize {
        self.steps.iter().map(|s| s.checks.len()).sum()
    }
}

/// The version to go down to: the last `n` revisions reverted, or `to`.
pub fn target(revs: &[Revision], n: Option<usize>, to: Option<&str>) -> Result<Option<String>> {
    if revs.is_empty() {
        return Err(Error::Database(
            "the database has no applied migrations: nothing to revert".into(),
        ));
    }
    match to {
        Some(v) => {
            if !revs.iter().any(|r| r.version == v) {
                let known: Vec<&str> = revs.iter().map(|r| r.version.as_str()).collect();
                return Err(Error::Usage(format!(
                    "--to-version {v}: the database has not applied that version (it has: {})",
                    known.join(", ")
                )));
            }
            Ok(Some(v.to_string()))
        }
        None => {
            let n = n.unwrap_or(1);
            if n == 0 {
                return Err(Error::Usage("reverting 0 migrations does nothing".into()));
            }
            Ok(revs
                .len()
                .checked_sub(n + 1)
                .map(|i| revs[i].version.clone()))
        }
    }
}

/// Every known file text by version: what the database kept when it applied
/// a version wins, since that is what ran; the directory supplies the rest.
/// An applied file that differs from the kept text is refused.
pub(super) fn sources(
    dir: &Dir,
    kept: &[FileRecord],
) -> Result<BTreeMap<VersionKey, (String, String)>> {
    let mut out = BTreeMap::new();
    for f in &dir.files {
        out.insert(
            VersionKey(f.version.clone()),
            (f.name.clone(), f.text.clone()),
        );
    }
    for k in kept {
        if let Some(f) = dir.file(&k.version) {
            if f.text != k.content {
                return Err(Error::Database(format!(
                    "{} was edited after version {} was applied; restore it, since the way back is computed from what ran",
                    f.name, k.version
                )));
            }
        }
        out.insert(
            VersionKey(k.version.clone()),
            (k.name.clone(), k.content.clone()),
        );
    }
    Ok(out)
}

/// A version that sorts like versions do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct VersionKey(String);

impl PartialOrd for VersionKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for VersionKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        compare_versions(&self.0, &other.0)
    }
}

/// The schema after `version` (`None`: before any): its files replayed on `dev`.
pub(super) fn state_after(
    srcs: &BTreeMap<VersionKey, (String, String)>,
    version: Option<&str>,
    dir: &Dir,
    dialect: Dialect,
    dev: &mut dyn Driver,
    scope: &Scope,
) -> Result<Realm> {
    let mut states = states_after(srcs, &[version], dir, dialect, dev, scope)?;
    Ok(states.pop().unwrap_or_default())
}

/// The schemas after each of `versions` (ascending; `None`: before any),
/// replaying the directory once: the dev database is cleaned, the files up to
/// the first version run and the result is inspected, then each later
/// version's files run on top and are inspected in turn. Reverting N versions
/// thus costs one replay and N inspections, not N replays. A migration
/// directory is an ordered script, so statements run strictly in order and
/// the first one the dev database refuses is an error at its file:line:col.
fn states_after(
    srcs: &BTreeMap<VersionKey, (String, String)>,
    versions: &[Option<&str>],
    dir: &Dir,
    dialect: Dialect,
    dev: &mut dyn Driver,
    scope: &Scope,
) -> Result<Vec<Realm>> {
    dev.reset()?;
    let exclude = crate::filter::Exclude::new(&scope.exclude)?;
    let read_scope = Scope {
        schemas: scope.schemas.clone(),
        exclude: Vec::new(),
    };
    let mut files = srcs.iter().peekable();
    let mut out = Vec::with_capacity(versions.len());
    for v in versions {
        let Some(v) = v else {
            out.push(Realm::default());
            continue;
        };
        while let Some((_, (name, text))) =
            files.next_if(|(k, _)| compare_versions(&k.0, v).is_le())
        {
            run_on_dev(dev, &dir.path.join(name), name, text, dialect)?;
        }
        let mut realm = dev.inspect(&read_scope)?;
        exclude.apply(&mut realm, false);
        out.push(realm);
    }
    Ok(out)
}

/// Runs one migration file's statements on the dev database, in order.
fn run_on_dev(
    dev: &mut dyn Driver,
    path: &std::path::Path,
    name: &str,
    text: &str,
    dialect: Dialect,
) -> Result<()> {
    let file = MigrationFile::new(name, text.to_string())?;
    let lines = crate::span::LineIndex::new(text);
    let mut from = 0;
    for stmt in file.statements(dialect) {
        let found = text[from..].find(stmt.as_str()).map(|i| from + i);
        let at = found.unwrap_or(from);
        if let Err(e) = dev.execute(&stmt) {
            return Err(Error::Database(format!(
                "{}:{}: the dev database refused this statement while replaying the migration files: {e}",
                path.display(),
                lines.line_col(text, at)
            )));
        }
        if let Some(at) = found {
            from = at + stmt.len();
        }
    }
    Ok(())
}

/// The schema `files` (name, text) leave when replayed in order on a clean
/// dev database; errors point at the statement the database refused.
pub fn replay<'a>(
    files: impl Iterator<Item = (&'a str, &'a str)>,
    dir: &std::path::Path,
    dialect: Dialect,
    dev: &mut dyn Driver,
    scope: &Scope,
) -> Result<Realm> {
    let files: Vec<SourceFile> = files
        .map(|(name, text)| {
            let text = match MigrationFile::new(name, text.to_string()) {
                Ok(f) if f.directives.delimiter.is_some() => f.statements(dialect).join(";\n"),
                _ => text.to_string(),
            };
            SourceFile::new(dir.join(name).to_string_lossy().as_ref(), text)
        })
        .collect();
    let desired = Desired::read(files, dialect);
    workspace::normalize(&desired, dev, scope)
}

/// Plans the way down to `to`. Reads the database and the dev database only.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    db: &mut dyn Driver,
    dev: &mut dyn Driver,
    store: &Store,
    dir: &Dir,
    revs: &[Revision],
    kept: &[FileRecord],
    to: Option<&str>,
    scope: &Scope,
) -> Result<DownPlan> {
    let dialect = db.dialect();
    let srcs = sources(dir, kept)?;
    let reverted: Vec<Revision> = revs
        .iter()
        .filter(|r| to.is_none_or(|t| compare_versions(&r.version, t).is_gt()))
        .cloned()
        .collect();
    let kept_versions: Vec<String> = revs
        .iter()
        .filter(|r| to.is_some_and(|t| compare_versions(&r.version, t).is_le()))
        .map(|r| r.version.clone())
        .collect();
    // The target state needs every file up to it.
    for v in &kept_versions {
        if !srcs.contains_key(&VersionKey(v.clone())) {
            return Err(Error::Database(format!(
                "version {v} is applied but its file is neither in the directory nor kept in the database: cannot rebuild the state to go down to"
            )));
        }
    }
    let mut current = db.inspect(scope)?;
    store.strip(&mut current);
    // Intermediate states are known when every reverted version but the
    // newest has a text somewhere.
    let stepwise = reverted
        .iter()
        .rev()
        .skip(1)
        .all(|r| srcs.contains_key(&VersionKey(r.version.clone())));
    let mut steps = Vec::new();
    if stepwise {
        // The state before each reverted version, oldest first: the target,
        // then the state after every reverted version but the newest.
        let before: Vec<Option<&str>> = std::iter::once(to)
            .chain(
                reverted
                    .iter()
                    .take(reverted.len().saturating_sub(1))
                    .map(|r| Some(r.version.as_str())),
            )
            .collect();
        let mut states = states_after(&srcs, &before, dir, dialect, dev, scope)?;
        for r in reverted.iter().rev() {
            let desired = states.pop().unwrap_or_default();
            let from = std::mem::replace(&mut current, desired.clone());
            steps.push(step(
                vec![r.version.clone()],
                r.description.clone(),
                from,
                desired,
                dialect,
            )?);
        }
    } else {
        let desired = state_after(&srcs, to, dir, dialect, dev, scope)?;
        let versions: Vec<String> = reverted.iter().rev().map(|r| r.version.clone()).collect();
        steps.push(step(
            versions,
            "(files unknown)".into(),
            current,
            desired,
            dialect,
        )?);
    }
    if let Some(first) = steps.first_mut() {
        // Conflicts the live rows make certain (a NOT NULL column re-added to a
        // table with rows): found now, before anything runs.
        crate::precheck::check_rows(db, &first.plan, &mut first.findings);
    }
    Ok(DownPlan {
        from: revs.last().map(|r| r.version.clone()),
        to: to.map(str::to_string),
        reverted,
        steps,
    })
}

fn step(
    versions: Vec<String>,
    description: String,
    from: Realm,
    to: Realm,
    d: Dialect,
) -> Result<Step> {
    let planned = workspace::planned(from, to, d, &DiffOptions::default())?;
    let checks = checks(&planned.plan);
    Ok(Step {
        versions,
        description,
        checks,
        plan: planned.plan,
        findings: planned.findings,
    })
}

fn table_name(d: Dialect, schema: &str, table: &str) -> String {
    if d == Dialect::Sqlite && schema == "main" {
        d.quote(table)
    } else {
        format!("{}.{}", d.quote(schema), d.quote(table))
    }
}

/// The data checks a plan needs: no rows in a table it drops, no values in a
/// column it drops.
pub fn checks(plan: &Plan) -> Vec<Check> {
    let d = plan.dialect;
    let mut out = Vec::new();
    for c in &plan.changes {
        match c {
            Change::DropTable { schema, table } => {
                let t = table_name(d, schema, &table.name);
                let inner = format!("SELECT 1 FROM {t}");
                out.push(Check {
                    sql: format!("SELECT NOT EXISTS ({inner})"),
                    probe: format!("{inner} LIMIT 1"),
                    reason: format!("table {t} holds rows"),
                });
            }
            Change::ModifyTable {
                schema,
                from,
                changes,
                ..
            } => {
                let t = table_name(d, schema, &from.name);
                for tc in changes {
                    if let TableChange::DropColumn { column } = tc {
                        let c = d.quote(&column.name);
                        let inner = format!("SELECT 1 FROM {t} WHERE {c} IS NOT NULL");
                        out.push(Check {
                            sql: format!("SELECT NOT EXISTS ({inner})"),
                            probe: format!("{inner} LIMIT 1"),
                            reason: format!("column {t}.{c} holds data"),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[derive(Debug)]
pub enum Event<'a> {
    Step {
        step: &'a Step,
    },
    Check {
        check: &'a Check,
        passed: bool,
    },
    Statement {
        sql: &'a str,
        comment: &'a str,
        took: Duration,
    },
}

/// Why a down stopped; nothing was changed in either case.
#[derive(Debug, Clone)]
pub enum Failure {
    Check {
        versions: Vec<String>,
        check: Check,
    },
    Statement {
        versions: Vec<String>,
        sql: String,
        message: String,
    },
    Database(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Check { versions, check } => write!(
                f,
                "check failed while reverting version {}: {} (`{}` is false); nothing was changed. \
                 Move or delete that data first if it may go",
                versions.join(", "),
                check.reason,
                check.sql
            ),
            Failure::Statement {
                versions,
                sql,
                message,
            } => write!(
                f,
                "reverting version {} failed at `{sql}`: {message}; the transaction was rolled back, nothing was changed",
                versions.join(", ")
            ),
            Failure::Database(m) => write!(f, "{m}; nothing was changed"),
        }
    }
}

/// Runs the checks only (for `--dry-run`): which pass.
pub fn run_checks(
    db: &mut dyn Driver,
    plan: &DownPlan,
    on_event: &mut dyn FnMut(Event),
) -> std::result::Result<(), Failure> {
    let mut first_failure = None;
    for (i, s) in plan.steps.iter().enumerate() {
        on_event(Event::Step { step: s });
        for c in &s.checks {
            // Later steps' tables may not exist yet in the live database.
            let failed = match db.has_rows(&c.probe) {
                Ok(rows) => rows,
                Err(_) if i > 0 => false,
                Err(e) => return Err(Failure::Database(e)),
            };
            on_event(Event::Check {
                check: c,
                passed: !failed,
            });
            if failed && first_failure.is_none() {
                first_failure = Some(Failure::Check {
                    versions: s.versions.clone(),
                    check: c.clone(),
                });
            }
        }
    }
    first_failure.map_or(Ok(()), Err)
}

/// Runs checks, plan and history update in one transaction.
pub fn run(
    db: &mut dyn Driver,
    store: &Store,
    plan: &DownPlan,
    scope: &Scope,
    on_event: &mut dyn FnMut(Event),
) -> std::result::Result<(), Failure> {
    let tx = Tx::begin(db).map_err(Failure::Database)?;
    let mut failure = None;
    'steps: for s in &plan.steps {
        on_event(Event::Step { step: s });
        for c in &s.checks {
            match db.has_rows(&c.probe) {
                Ok(false) => on_event(Event::Check {
                    check: c,
                    passed: true,
                }),
                Ok(true) => {
                    on_event(Event::Check {
                        check: c,
                        passed: false,
                    });
                    failure = Some(Failure::Check {
                        versions: s.versions.clone(),
                        check: c.clone(),
                    });
                    break 'steps;
                }
                Err(e) => {
                    failure = Some(Failure::Database(e));
                    break 'steps;
                }
            }
        }
        for st in &s.plan.steps {
            let t = Instant::now();
            if let Err(message) = db.execute(&st.sql) {
                failure = Some(Failure::Statement {
                    versions: s.versions.clone(),
                    sql: st.sql.clone(),
                    message,
                });
                break 'steps;
            }
            on_event(Event::Statement {
                sql: &st.sql,
                comment: &st.comment,
                took: t.elapsed(),
            });
        }
    }
    if failure.is_none() {
        let versions: Vec<String> = plan.reverted.iter().map(|r| r.version.clone()).collect();
        let recorded = store.delete(db, &versions).and_then(|()| match &plan.to {
            // The schema as the target version left it, for later drift
            // checks: recorded in the same transaction as the way back.
            Some(v) => super::apply::record_fingerprint(db, store, scope, v),
            None => Ok(()),
        });
        if let Err(e) = recorded {
            failure = Some(Failure::Database(e));
        }
    }
    if let Some(f) = failure {
        tx.rollback(db);
        return Err(f);
    }
    tx.commit(db).map_err(Failure::Database)?;
    Ok(())
}

/// How a hand-written down (golang-migrate, goose, Flyway undo, dbmate)
/// compares with the computed plan for one version: the statements that
/// would still be needed after it ran (empty: the two agree), or the error
/// it stops with.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HandWritten {
    pub version: String,
    pub remaining: Vec<String>,
    pub error: Option<String>,
}

/// Runs `down_sql` on the dev database holding the state after `version`,
/// and plans from what it leaves to the state after `prev`.
#[allow(clippy::too_many_arguments)]
pub fn compare_hand_written(
    dir: &Dir,
    kept: &[FileRecord],
    version: &str,
    prev: Option<&str>,
    down_sql: &str,
    dialect: Dialect,
    dev: &mut dyn Driver,
    scope: &Scope,
) -> Result<HandWritten> {
    let srcs = sources(dir, kept)?;
    // One replay: the target state is read on the way to `version`'s, which
    // the dev database then holds for the hand-written down to run on.
    let target =
        states_after(&srcs, &[prev, Some(version)], dir, dialect, dev, scope)?.swap_remove(0);
    let mut error = None;
    for st in crate::sql::split::split(down_sql, dialect) {
        let sql = st.text(down_sql);
        if let Err(e) = dev.execute(sql) {
            error = Some(format!("`{sql}`: {e}"));
            break;
        }
    }
    let left = dev.inspect(scope)?;
    let plan = crate::plan::plan(&left, &target, dialect, &DiffOptions::default())?;
    Ok(HandWritten {
        version: version.to_string(),
        remaining: plan.steps.into_iter().map(|s| s.sql).collect(),
        error,
    })
}
