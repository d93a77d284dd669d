//! Drift: the database is no longer what its latest applied migration left.
//!
//! Each applied file records the schema's fingerprint after it (in the same
//! transaction as its statements), so comparing the live schema's
//! fingerprint with the latest version's tells, with one inspection, whether
//! anything changed outside migrations. Only when they differ is the
//! directory replayed on the dev database, to name what differs as the DDL
//! that reproduces it (what `atlas migrate drift` reports too).
//!
//! Going back by intent (an older directory deployed) refuses a drifted
//! database before anything runs: its down plan would silently revert the
//! out-of-band change along with the versions.

use super::dir::Dir;
use super::down::{sources, state_after};
use super::revisions::{FileRecord, Revision, Store};
use crate::diag::Result;
use crate::diff::DiffOptions;
use crate::driver::{Driver, Scope};

/// What the drift check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Drift {
    /// The schema is what the latest version left.
    None,
    /// It is not: `ddl` reproduces the difference from what `version` left.
    Found { version: String, ddl: Vec<String> },
    /// The check cannot tell, and why (no fingerprint was recorded; the
    /// latest version failed or stopped halfway, so no state is expected).
    Unknown(String),
}

/// Compares the live schema with what the latest applied version left.
/// Reads the database, and the dev database only when the fingerprints differ.
#[allow(clippy::too_many_arguments)]
pub fn check(
    db: &mut dyn Driver,
    dev: &mut dyn FnMut() -> Result<Box<dyn Driver>>,
    store: &Store,
    dir: &Dir,
    revs: &[Revision],
    kept: &[FileRecord],
    scope: &Scope,
) -> Result<Drift> {
    let Some(last) = revs.last() else {
        return Ok(Drift::None);
    };
    if !last.is_complete() {
        return Ok(Drift::Unknown(format!(
            "version {} did not finish, so no schema is expected of it",
            last.version
        )));
    }
    let Some(recorded) = kept
        .iter()
        .find(|k| k.version == last.version)
        .and_then(|k| k.fingerprint.clone())
    else {
        return Ok(Drift::Unknown(format!(
            "no fingerprint was recorded when version {} was applied (Atlas, or an older strata, applied it)",
            last.version
        )));
    };
    let now = super::apply::current_fingerprint(db, scope).map_err(crate::diag::Error::Database)?;
    if now == recorded {
        return Ok(Drift::None);
    }
    let srcs = sources(dir, kept)?;
    let mut dev = dev()?;
    let expected = state_after(
        &srcs,
        Some(&last.version),
        dir,
        db.dialect(),
        dev.as_mut(),
        scope,
    )?;
    let mut current = db.inspect(scope)?;
    store.strip(&mut current);
    let plan = crate::plan::plan(&expected, &current, db.dialect(), &DiffOptions::default())?;
    if plan.steps.is_empty() {
        // The fingerprints differ in something no statement changes.
        return Ok(Drift::None);
    }
    Ok(Drift::Found {
        version: last.version.clone(),
        ddl: plan.steps.into_iter().map(|s| s.sql).collect(),
    })
}
