//! `--env NAME`: fills flags from the project file (strata.hcl, else atlas.hcl).

use crate::args::ProjectArgs;
use crate::output::CliError;
use std::path::{Path, PathBuf};
use strata_core::diag::Files;
use strata_core::project::{self, Env, Project};
use strata_core::SourceFile;

pub struct Resolved {
    pub env: Env,
    /// The project file's directory: relative file:// and sqlite:// paths start there.
    pub dir: PathBuf,
}

pub fn resolve(args: &ProjectArgs) -> Result<Option<Resolved>, CliError> {
    let Some(name) = &args.env else {
        if !args.vars.is_empty() {
            return Err(CliError::usage(
                "--var needs --env: variables belong to the project file",
            ));
        }
        return Ok(None);
    };
    let path = match &args.config {
        Some(c) => PathBuf::from(c.strip_prefix("file://").unwrap_or(c)),
        None => project::find_project_file(Path::new(".")).ok_or_else(|| {
            CliError::usage(format!(
                "--env {name}: no strata.hcl or atlas.hcl in this directory (pass --config FILE to name one)"
            ))
        })?,
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())))?;
    let file = SourceFile::new(path.to_string_lossy().as_ref(), text);
    let mut vars = Vec::new();
    for v in &args.vars {
        let (k, val) = v
            .split_once('=')
            .ok_or_else(|| CliError::usage(format!("--var {v}: expected name=value")))?;
        vars.push((k.to_string(), val.to_string()));
    }
    let mut files = Files::default();
    files.add(file.clone());
    let project: Project = project::load(&file, &vars).map_err(|diags| {
        let mut e = CliError::failure(format!("cannot load {}", path.display())).with_files(&files);
        e.diagnostics = diags;
        e
    })?;
    if !project.warnings.is_empty() {
        crate::output::print_diagnostics(&project.warnings, &files);
    }
    let env = project.env(name).cloned().ok_or_else(|| {
        let names: Vec<&str> = project.envs.iter().map(|e| e.name.as_str()).collect();
        CliError::usage(format!(
            "no env \"{name}\" in {} (it has: {})",
            path.display(),
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        ))
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Some(Resolved { env, dir }))
}

impl Resolved {
    /// A URL from the project file, with relative file and SQLite paths made
    /// relative to the project file's directory.
    pub fn url(&self, raw: &str) -> String {
        for scheme in ["file://", "sqlite://"] {
            if let Some(rest) = raw.strip_prefix(scheme) {
                let path = Path::new(rest.split('?').next().unwrap_or(rest));
                if path.is_relative() && !self.dir.as_os_str().is_empty() && !rest.starts_with('?')
                {
                    return format!("{scheme}{}", self.dir.join(rest).display());
                }
            }
        }
        raw.to_string()
    }
}
