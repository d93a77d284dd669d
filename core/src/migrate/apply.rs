//! Applying pending migration files: which ones (in version order, resuming a
//! file that stopped halfway after its last applied statement), and running
//! them with per-statement progress recorded in the revisions table, so a
//! failed or partial file is known precisely and a rerun neither repeats nor
//! skips a statement.

use super::dir::{compare_versions, Dir, MigrationFile, TxMode};
use super::revisions::{self, FileRecord, Revision, Store, TYPE_BASELINE, TYPE_EXECUTE};
use super::sum;
use super::tx::Tx;
use crate::dialect::Dialect;
use crate::driver::{Driver, Scope};
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub fn operator_version() -> String {
    format!("strata v{}", env!("CARGO_PKG_VERSION"))
}

#[derive(Clone, Debug)]
pub struct Options {
    pub tx_mode: TxMode,
    /// Apply at most this many files.
    pub count: Option<usize>,
    /// Apply files up to and including this version.
    pub to_version: Option<String>,
    /// On a database without history: record this version as already there.
    pub baseline: Option<String>,
    /// Apply to a database without history that already holds objects.
    pub allow_dirty: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            tx_mode: TxMode::File,
            count: None,
            to_version: None,
            baseline: None,
            allow_dirty: false,
        }
    }
}

/// A file to run, from statement `start` on.
#[derive(Clone, Debug)]
pub struct Pending {
    pub file: MigrationFile,
    pub statements: Vec<String>,
    pub start: usize,
    /// The file's row in the sum file.
    pub hash: String,
    pub tx_mode: TxMode,
}

/// What the directory and the history say must run (nothing is changed).
#[derive(Clone, Debug, Default)]
pub struct Schedule {
    pub pending: Vec<Pending>,
    /// The latest version the database has fully applied.
    pub current: Option<String>,
    /// A baseline revision to record before anything runs.
    pub baseline: Option<Revision>,
}

/// Versions the database has applied beyond the directory's latest file: an
/// older directory handed to a newer database (a rollback by intent).
pub fn beyond(dir: &Dir, revs: &[Revision]) -> Vec<Revision> {
    let latest = dir.latest().map(|f| f.version.as_str());
    revs.iter()
        .filter(|r| latest.is_none_or(|l| compare_versions(&r.version, l).is_gt()))
        .filter(|r| r.applied > 0 || r.kind & TYPE_BASELINE != 0 || r.is_complete())
        .cloned()
        .collect()
}

/// The files to run. Refuses, changing nothing: an applied file that was
/// edited since, a new file older than the latest applied one, a partly
/// applied file whose applied statements changed, a directory older than the
/// database (see [`beyond`]).
pub fn schedule(
    dir: &Dir,
    revs: &[Revision],
    kept: &[FileRecord],
    dialect: Dialect,
    opts: &Options,
) -> Result<Schedule, String> {
    let hashes: HashMap<String, String> = sum::dir_rows(dir)
        .into_iter()
        .map(|(n, h)| (n, format!("h1:{h}")))
        .collect();
    let ahead = beyond(dir, revs);
    if !ahead.is_empty() {
        let names: Vec<&str> = ahead.iter().map(|r| r.version.as_str()).collect();
        return Err(format!(
            "the database has applied version(s) {} beyond the directory's latest ({})",
            names.join(", "),
            dir.latest().map_or("none", |f| f.version.as_str())
        ));
    }
    let by_version: HashMap<&str, &Revision> =
        revs.iter().map(|r| (r.version.as_str(), r)).collect();
    let kept: HashMap<&str, &FileRecord> = kept.iter().map(|f| (f.version.as_str(), f)).collect();
    let mut out = Schedule::default();
    let mut floor: Option<String> = None;
    if revs.is_empty() {
        if let Some(v) = &opts.baseline {
            let f = dir.file(v).ok_or_else(|| {
                format!("--baseline {v}: the directory has no file with that version")
            })?;
            let n = f.statements(dialect).len() as i64;
            out.baseline = Some(Revision {
                version: f.version.clone(),
                description: f.description.clone(),
                kind: TYPE_BASELINE,
                applied: n,
                total: n,
                hash: hashes.get(&f.name).cloned().unwrap_or_default(),
                operator_version: operator_version(),
                ..Revision::default()
            });
            floor = Some(v.clone());
        }
    } else if opts.baseline.is_some() {
        return Err("--baseline works only on a database without revision history".into());
    }
    // The newest complete revision: files below it must all have run.
    let latest_done = revs
        .iter()
        .rev()
        .find(|r| r.is_complete())
        .map(|r| r.version.clone());
    for f in &dir.files {
        if floor
            .as_deref()
            .is_some_and(|b| compare_versions(&f.version, b).is_le())
        {
            continue;
        }
        let statements = f.statements(dialect);
        let mode = f.directives.txmode.unwrap_or(opts.tx_mode);
        if opts.tx_mode == TxMode::All && mode == TxMode::None {
            return Err(format!(
                "{} says `atlas:txmode none`, so it cannot run inside --tx-mode all",
                f.name
            ));
        }
        let start = match by_version.get(f.version.as_str()) {
            Some(r) if r.is_complete() || r.kind & TYPE_BASELINE != 0 => {
                if let Some(k) = kept.get(f.version.as_str()) {
                    if k.content != f.text {
                        return Err(format!(
                            "{} was edited after version {} was applied; restore it (the applied text is kept in the database), or repair the history with `strata migrate set`",
                            f.name, f.version
                        ));
                    }
                }
                out.current = Some(f.version.clone());
                continue;
            }
            Some(r) => {
                let start = r.applied.max(0) as usize;
                for (i, h) in r.partial_hashes.iter().enumerate().take(start) {
                    if statements.get(i).map(|s| sum::h1(s.as_bytes())).as_ref() != Some(h) {
                        return Err(format!(
                            "{}: statement {} was applied already but has changed since; statements that ran cannot be edited",
                            f.name,
                            i + 1
                        ));
                    }
                }
                start
            }
            None => {
                if let Some(l) = &latest_done {
                    if compare_versions(&f.version, l).is_lt() {
                        return Err(format!(
                            "{} (version {}) is older than version {l}, which the database already applied: give it a newer version (rename the file) and run `strata migrate hash`",
                            f.name, f.version
                        ));
                    }
                }
                0
            }
        };
        if opts
            .to_version
            .as_deref()
            .is_some_and(|t| compare_versions(&f.version, t).is_gt())
        {
            break;
        }
        if opts.count.is_some_and(|n| out.pending.len() >= n) {
            break;
        }
        out.pending.push(Pending {
            hash: hashes.get(&f.name).cloned().unwrap_or_default(),
            file: f.clone(),
            statements,
            start,
            tx_mode: mode,
        });
    }
    if out.current.is_none() {
        out.current = floor.or(latest_done);
    }
    Ok(out)
}

/// Reported as files run, for printing.
#[derive(Debug)]
pub enum Event<'a> {
    File {
        pending: &'a Pending,
    },
    Statement {
        version: &'a str,
        index: usize,
        sql: &'a str,
        took: Duration,
    },
    FileDone {
        version: &'a str,
        took: Duration,
    },
}

/// Why a run stopped.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Failure {
    pub version: String,
    pub file: String,
    /// 0-based statement index within the file.
    pub index: usize,
    pub sql: String,
    pub message: String,
    /// The failed file's statements were rolled back.
    pub rolled_back: bool,
    /// Statements of the file that stay applied.
    pub applied: usize,
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Outcome {
    pub files: usize,
    pub statements: usize,
    pub last_version: Option<String>,
}

fn db_failure(msg: String) -> Failure {
    Failure {
        version: String::new(),
        file: String::new(),
        index: 0,
        sql: String::new(),
        message: msg,
        rolled_back: true,
        applied: 0,
    }
}

fn revision(p: &Pending, applied: usize) -> Revision {
    Revision {
        version: p.file.version.clone(),
        description: p.file.description.clone(),
        kind: TYPE_EXECUTE,
        applied: applied as i64,
        total: p.statements.len() as i64,
        hash: p.hash.clone(),
        partial_hashes: p.statements[..applied]
            .iter()
            .map(|s| sum::h1(s.as_bytes()))
            .collect(),
        operator_version: operator_version(),
        ..Revision::default()
    }
}

/// Runs the schedule. The caller holds the database's lock.
pub fn run(
    db: &mut dyn Driver,
    store: &Store,
    schedule: &Schedule,
    scope: &Scope,
    all_in_one: bool,
    on_event: &mut dyn FnMut(Event),
) -> Result<Outcome, Failure> {
    store.ensure(db).map_err(db_failure)?;
    if let Some(b) = &schedule.baseline {
        store.save(db, b).map_err(db_failure)?;
    }
    let mut outcome = Outcome::default();
    let outer = if all_in_one {
        Some(Tx::begin_file(db).map_err(db_failure)?)
    } else {
        None
    };
    for p in &schedule.pending {
        on_event(Event::File { pending: p });
        let started = Instant::now();
        let tx = if outer.is_none() && p.tx_mode == TxMode::File {
            Some(Tx::begin_file(db).map_err(db_failure)?)
        } else {
            None
        };
        let in_tx = tx.is_some() || outer.is_some();
        // Read again under the transaction's write lock: a run that planned
        // from an older history must not apply (or overwrite) what another
        // run did meanwhile (SQLite, where no advisory lock serializes runs).
        match store.applied(db, &p.file.version) {
            Ok(Some(n)) if n != p.start as i64 => {
                if let Some(t) = tx {
                    t.rollback(db);
                }
                if let Some(t) = outer {
                    t.rollback(db);
                }
                return Err(Failure {
                    version: p.file.version.clone(),
                    file: p.file.name.clone(),
                    index: p.start,
                    sql: String::new(),
                    message: format!(
                        "another migrate run changed version {} meanwhile ({n} statement(s) recorded, {} expected); this run stopped without touching it, rerun to continue",
                        p.file.version, p.start
                    ),
                    rolled_back: true,
                    applied: p.start,
                });
            }
            Err(e) => {
                if let Some(t) = tx {
                    t.rollback(db);
                }
                if let Some(t) = outer {
                    t.rollback(db);
                }
                return Err(db_failure(e));
            }
            _ => {}
        }
        let mut rev = revision(p, p.start);
        rev.executed_at = String::new();
        let record = FileRecord {
            version: p.file.version.clone(),
            name: p.file.name.clone(),
            content: p.file.text.clone(),
            fingerprint: None,
        };
        let mut result = store
            .save(db, &rev)
            .and_then(|_| store.save_file(db, &record))
            .map_err(db_failure);
        let mut elapsed = Duration::ZERO;
        let mut i = p.start;
        while result.is_ok() && i < p.statements.len() {
            let sql = &p.statements[i];
            let t = Instant::now();
            if let Err(message) = db.execute(sql) {
                result = Err(Failure {
                    version: p.file.version.clone(),
                    file: p.file.name.clone(),
                    index: i,
                    sql: sql.clone(),
                    message,
                    rolled_back: in_tx,
                    applied: if in_tx { p.start } else { i },
                });
                break;
            }
            let took = t.elapsed();
            elapsed += took;
            on_event(Event::Statement {
                version: &p.file.version,
                index: i,
                sql,
                took,
            });
            i += 1;
            rev = revision(p, i);
            rev.execution_time = elapsed.as_nanos() as i64;
            result = store.save(db, &rev).map_err(db_failure);
        }
        if result.is_ok() {
            // The schema as this file left it, recorded with its last
            // statement: whichever file a run stops after, its version
            // carries the fingerprint a later drift check compares with.
            result = record_fingerprint(db, store, scope, &p.file.version).map_err(db_failure);
        }
        if let Err(mut f) = result {
            if let Some(t) = tx {
                t.rollback(db);
            }
            if let Some(t) = outer {
                t.rollback(db);
            }
            // Record the failure outside the rolled back transaction.
            let mut failed = revision(p, f.applied.min(p.statements.len()));
            failed.error = Some(f.message.clone());
            failed.error_stmt = Some(f.sql.clone());
            failed.execution_time = elapsed.as_nanos() as i64;
            if let Err(e) = store.save(db, &failed) {
                f.message
                    .push_str(&format!(" (and recording the failure failed: {e})"));
            }
            return Err(f);
        }
        if let Some(t) = tx {
            t.commit(db).map_err(|message| Failure {
                version: p.file.version.clone(),
                file: p.file.name.clone(),
                index: p.statements.len(),
                sql: "COMMIT".into(),
                message,
                rolled_back: true,
                applied: p.start,
            })?;
        }
        outcome.files += 1;
        outcome.statements += p.statements.len() - p.start;
        outcome.last_version = Some(p.file.version.clone());
        on_event(Event::FileDone {
            version: &p.file.version,
            took: started.elapsed(),
        });
    }
    if let Some(t) = outer {
        t.commit(db).map_err(|message| Failure {
            message,
            sql: "COMMIT".into(),
            ..db_failure(String::new())
        })?;
    }
    Ok(outcome)
}

/// The schema's fingerprint now, without the history's own tables.
pub fn current_fingerprint(db: &mut dyn Driver, scope: &Scope) -> Result<String, String> {
    db.fingerprint(scope, &[revisions::TABLE, revisions::FILES_TABLE])
        .map_err(|e| e.to_string())
}

/// Stores the fingerprint of the schema as `version` left it.
pub fn record_fingerprint(
    db: &mut dyn Driver,
    store: &Store,
    scope: &Scope,
    version: &str,
) -> Result<(), String> {
    let fp = current_fingerprint(db, scope)?;
    store.set_fingerprint(db, version, &fp)
}
