//! Loads schema files named by `file://` URLs: one file, or every `.hcl` and
//! `.sql` file of a directory (not recursive; the project file is skipped).

use crate::diag::{Error, Result};
use crate::span::SourceFile;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Hcl,
    Sql,
}

pub fn format_of(name: &str) -> Option<Format> {
    if name.ends_with(".hcl") {
        Some(Format::Hcl)
    } else if name.ends_with(".sql") {
        Some(Format::Sql)
    } else {
        None
    }
}

fn is_project_file(p: &Path) -> bool {
    matches!(
        p.file_name().and_then(|n| n.to_str()),
        Some("strata.hcl" | "atlas.hcl")
    )
}

/// Expands paths to the schema files they name, in a stable order.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p)
            .map_err(|e| Error::Io(format!("cannot read {}: {e}", p.display())))?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| Error::Io(format!("cannot list {}: {e}", p.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && !is_project_file(f))
                .filter(|f| f.to_str().and_then(format_of).is_some())
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(Error::Io(format!(
                    "{} holds no .hcl or .sql schema files",
                    p.display()
                )));
            }
            out.extend(found);
        } else {
            if p.to_str().and_then(format_of).is_none() {
                return Err(Error::Usage(format!(
                    "{}: schema files end in .hcl or .sql",
                    p.display()
                )));
            }
            out.push(p.clone());
        }
    }
    Ok(out)
}

pub fn read_files(paths: &[PathBuf]) -> Result<Vec<SourceFile>> {
    expand(paths)?
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| Error::Io(format!("cannot read {}: {e}", p.display())))?;
            Ok(SourceFile::new(p.to_string_lossy().as_ref(), text))
        })
        .collect()
}
