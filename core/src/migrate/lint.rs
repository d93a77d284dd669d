//! `migrate lint`: the plan analyzers run on what each statement of each new
//! file changes. The directory before the file, then with each of the file's
//! statements added in turn, is replayed on the dev database and diffed, so a
//! file's `DROP` is judged the way `schema apply` judges a plan — and every
//! finding points at the statement (file:line) that causes it.
//!
//! The statement's own text is what the lock rules read (a hand-written
//! `CREATE INDEX CONCURRENTLY` or `NOT VALID` counts), and tables created
//! earlier in the same file are new: indexing them locks nobody out.
//!
//! `-- strata:nolint CODE` / `-- atlas:nolint CODE` in the comments right
//! before a statement silences exactly those codes (or analyzer names) on
//! that statement; the same directive in the file's header silences them for
//! the whole file.

use super::dir::{Dir, MigrationFile, TxMode};
use super::down::replay;
use crate::diag::Result;
use crate::dialect::Dialect;
use crate::diff::{Change, DiffOptions};
use crate::driver::{Driver, Scope};
use crate::lint::{self, Config, Context, Facts, Finding};
use crate::plan::{self, Step};
use crate::span::Span;
use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::Arc;

/// One file's findings.
#[derive(Debug, serde::Serialize)]
pub struct FileReport {
    pub file: String,
    /// The file's path, for positions.
    #[serde(skip)]
    pub path: Arc<str>,
    pub findings: Vec<Finding>,
    /// Findings a `nolint` directive silenced.
    pub ignored: usize,
}

/// A statement of a file: its text, where it is, and the comments before it.
struct Statement {
    sql: String,
    range: Option<Range<usize>>,
    nolint: Option<Vec<String>>,
}

fn statements(file: &MigrationFile, dialect: Dialect) -> Vec<Statement> {
    if file.directives.delimiter.is_some() {
        return file
            .statements(dialect)
            .into_iter()
            .map(|sql| Statement {
                sql,
                range: None,
                nolint: None,
            })
            .collect();
    }
    crate::sql::split::split(&file.text, dialect)
        .into_iter()
        .map(|s| Statement {
            sql: s.text(&file.text).to_string(),
            nolint: lint::statement_nolint(&file.text[s.full.start..s.range.start]),
            range: Some(s.range),
        })
        .collect()
}

/// Lints the last `latest` files of `dir` with the env's `config`.
pub fn lint(
    dir: &Dir,
    latest: usize,
    dialect: Dialect,
    dev: &mut dyn Driver,
    scope: &Scope,
    config: &Config,
) -> Result<Vec<FileReport>> {
    let n = dir.files.len();
    let first = n.saturating_sub(latest);
    let earlier = |k: usize| {
        dir.files[..k]
            .iter()
            .map(|f| (f.name.as_str(), f.text.as_str()))
    };
    let mut before = replay(earlier(first), &dir.path, dialect, dev, scope)?;
    // Each statement is run on the dev database where the replay left it and
    // the result read back, instead of replaying everything again per
    // statement — when the dev database does hold the replayed state (a big
    // SQLite schema is replayed in groups, elsewhere).
    let mut incremental = crate::diff::diff(
        &dev.inspect(scope)?,
        &before,
        dialect,
        &DiffOptions::default(),
    )
    .is_empty();
    let mut out = Vec::new();
    for k in first..n {
        let file = &dir.files[k];
        let path: Arc<str> = dir.path.join(&file.name).to_string_lossy().into();
        let stmts = statements(file, dialect);
        let mut created = BTreeSet::new();
        let (mut findings, mut ignored) = (Vec::new(), 0);
        let mut text = String::new();
        for st in &stmts {
            text.push_str(&st.sql);
            text.push_str(";\n");
            if incremental && dev.execute(&st.sql).is_err() {
                // The full replay below names the statement the database refuses.
                incremental = false;
            }
            let after = if incremental {
                dev.inspect(scope)?
            } else {
                let files: Vec<(&str, &str)> = dir.files[..k]
                    .iter()
                    .map(|f| (f.name.as_str(), f.text.as_str()))
                    .chain([(file.name.as_str(), text.as_str())])
                    .collect();
                replay(files.into_iter(), &dir.path, dialect, dev, scope)?
            };
            let mut p = plan::plan(&before, &after, dialect, &DiffOptions::default())?;
            // The statement, not the planner's version of it, is what runs.
            p.steps = (0..p.changes.len())
                .map(|i| {
                    let mut s = Step::new(i, String::new(), st.sql.clone(), None, None);
                    s.transactional = file.directives.txmode != Some(TxMode::None);
                    s
                })
                .collect();
            let span = st.range.clone().map(|r| Span::new(&path, r));
            let found = lint::run(&Context {
                plan: &p,
                facts: &Facts::default(),
                config,
                created: &created,
            });
            for mut f in found {
                let silenced = [st.nolint.as_deref(), file.directives.nolint.as_deref()]
                    .into_iter()
                    .flatten()
                    .any(|list| lint::silenced(list, &f));
                if silenced {
                    ignored += 1;
                    continue;
                }
                f.span = span.clone();
                f.statement = Some(st.sql.clone());
                findings.push(f);
            }
            for c in &p.changes {
                if let Change::AddTable { schema, table } = c {
                    created.insert((schema.clone(), table.name.clone()));
                }
            }
            before = after;
        }
        out.push(FileReport {
            file: file.name.clone(),
            path,
            findings,
            ignored,
        });
    }
    Ok(out)
}
