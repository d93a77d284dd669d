//! A directory of plan files (`plans/` by default, `plan { dir }` in the env):
//! listing them, and finding the one that covers a transition.

use super::file::{PlanFile, Status};
use crate::diag::{Error, Files, Result};
use crate::span::SourceFile;
use std::path::{Path, PathBuf};

/// A plan file and where it is.
#[derive(Clone, Debug)]
pub struct Stored {
    pub path: PathBuf,
    pub file: PlanFile,
}

/// Reads one plan file; a broken one is an error naming `file:line:col`.
pub fn read(path: &Path) -> Result<Stored> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))?;
    let source = SourceFile::new(path.to_string_lossy().as_ref(), text);
    match PlanFile::parse(&source) {
        Ok(file) => Ok(Stored {
            path: path.to_path_buf(),
            file,
        }),
        Err(Error::Diagnostics(d)) => {
            let mut files = Files::default();
            files.add(source);
            let rendered: String = d.iter().map(|x| files.render(x)).collect();
            Err(Error::Usage(rendered.trim_end().to_string()))
        }
        Err(e) => Err(e),
    }
}

/// Every `*.plan.hcl` in `dir`, oldest first (names start with a timestamp).
/// A missing directory holds no plans.
pub fn list(dir: &Path) -> Result<Vec<Stored>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::Io(format!(
                "cannot list the plans in {}: {e}",
                dir.display()
            )))
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(".plan.hcl"))
        })
        .collect();
    paths.sort();
    paths.iter().map(|p| read(p)).collect()
}

/// What the plans directory says about a transition.
#[derive(Clone, Debug)]
pub enum Lookup {
    /// No plan was made for it: compute the plan as usual.
    None,
    /// An approved plan whose SQL is the SQL that was approved: run it verbatim.
    Approved(Stored),
    /// The newest plan for it still waits for approval.
    Pending(Stored),
    /// The newest plan for it was approved, then its SQL changed.
    EditedAfterApproval(Stored),
}

/// The plan for `from → to`: the newest file made for exactly that transition
/// decides (a newer plan replaces an older one, even an approved one).
pub fn lookup(dir: &Path, from: &str, to: &str) -> Result<Lookup> {
    let newest = list(dir)?
        .into_iter()
        .rfind(|s| s.file.from == from && s.file.to == to);
    Ok(match newest {
        None => Lookup::None,
        Some(s) if s.file.status == Status::Pending => Lookup::Pending(s),
        Some(s) if s.file.edited_since_approval() => Lookup::EditedAfterApproval(s),
        Some(s) => Lookup::Approved(s),
    })
}
