//! `--env NAME`: fills flags from the project file (strata.hcl, else atlas.hcl),
//! resolved by core's env layer exactly as the language server resolves it.

use crate::args::ProjectArgs;
use crate::output::CliError;
use std::path::{Path, PathBuf};
pub use strata_core::env::ResolvedEnv as Resolved;
use strata_core::env::{self as core_env, EnvError};
use strata_core::project;

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
    let mut vars = Vec::new();
    for v in &args.vars {
        let (k, val) = v
            .split_once('=')
            .ok_or_else(|| CliError::usage(format!("--var {v}: expected name=value")))?;
        vars.push((k.to_string(), val.to_string()));
    }
    match core_env::load(&path, Some(name), &vars) {
        Ok((env, warnings, files)) => {
            if !warnings.is_empty() {
                crate::output::print_diagnostics(&warnings, &files);
            }
            Ok(Some(env))
        }
        Err(EnvError::Io(m)) => Err(CliError::failure(m)),
        Err(EnvError::NoSuchEnv(m)) => Err(CliError::usage(m)),
        Err(EnvError::Invalid { diagnostics, files }) => {
            let mut e =
                CliError::failure(format!("cannot load {}", path.display())).with_files(&files);
            e.diagnostics = diagnostics;
            Err(e)
        }
    }
}
