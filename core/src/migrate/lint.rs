//! `migrate lint`: the plan analyzers run on what each new file changes. The
//! directory before the file and with it are replayed on the dev database,
//! diffed, and the resulting plan is linted, so a file's `DROP` is judged the
//! way `schema apply` judges a plan.

use super::dir::Dir;
use super::down::replay;
use crate::diag::Result;
use crate::dialect::Dialect;
use crate::diff::DiffOptions;
use crate::driver::{Driver, Scope};
use crate::lint::Finding;
use crate::workspace;

/// One file's findings.
#[derive(Debug, serde::Serialize)]
pub struct FileReport {
    pub file: String,
    pub findings: Vec<Finding>,
    /// Findings the file's `nolint` directive silenced.
    pub ignored: usize,
}

/// Whether a `nolint` list names a finding: by code (`DS102`), by Atlas's
/// analyzer name (`destructive`, `incompatible`, `data_depend`), or by
/// being empty (everything).
fn silenced(list: &[String], f: &Finding) -> bool {
    list.is_empty()
        || list
            .iter()
            .any(|n| n.eq_ignore_ascii_case(f.code.as_str()) || f.code.analyzer() == n.as_str())
}

/// Lints the last `latest` files of `dir`.
pub fn lint(
    dir: &Dir,
    latest: usize,
    dialect: Dialect,
    dev: &mut dyn Driver,
    scope: &Scope,
) -> Result<Vec<FileReport>> {
    let n = dir.files.len();
    let first = n.saturating_sub(latest);
    let mut before = replay(
        dir.files[..first]
            .iter()
            .map(|f| (f.name.as_str(), f.text.as_str())),
        &dir.path,
        dialect,
        dev,
        scope,
    )?;
    let mut out = Vec::new();
    for k in first..n {
        let after = replay(
            dir.files[..=k]
                .iter()
                .map(|f| (f.name.as_str(), f.text.as_str())),
            &dir.path,
            dialect,
            dev,
            scope,
        )?;
        let planned = workspace::planned(before, after.clone(), dialect, &DiffOptions::default())?;
        let file = &dir.files[k];
        let (ignored, findings): (Vec<Finding>, Vec<Finding>) =
            planned.findings.into_iter().partition(|f| {
                file.directives
                    .nolint
                    .as_deref()
                    .is_some_and(|l| silenced(l, f))
            });
        out.push(FileReport {
            file: file.name.clone(),
            findings,
            ignored: ignored.len(),
        });
        before = after;
    }
    Ok(out)
}
