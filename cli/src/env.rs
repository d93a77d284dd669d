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
        // Without --env, `--var` sets the schema files' variables.
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
    let vars = parse_vars(&args.vars)?;
    match core_env::load(&path, Some(name), &vars, true) {
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

/// `--var name=value` pairs, in order (a name may repeat for lists).
pub fn parse_vars(given: &[String]) -> Result<Vec<(String, String)>, CliError> {
    given
        .iter()
        .map(|v| {
            v.split_once('=')
                .map(|(k, val)| (k.to_string(), val.to_string()))
                .ok_or_else(|| CliError::usage(format!("--var {v}: expected name=value")))
        })
        .collect()
}

/// Values for the schema files' input variables, and schema text no file holds.
pub struct SchemaVars {
    pub values: Vec<(String, String)>,
    /// Typed with `--var` for the files: one they do not declare is an error.
    pub strict: bool,
    /// An external program's SQL (`data "external_schema"`).
    pub inline: Vec<strata_core::SourceFile>,
}

/// The env's (its extra attributes, its `data "hcl_schema" { vars = {…} }`)
/// with --env, else the `--var` flags.
pub fn schema_vars(args: &ProjectArgs, env: Option<&Resolved>) -> Result<SchemaVars, CliError> {
    Ok(match env {
        Some(e) => SchemaVars {
            values: e.env.schema_vars.clone(),
            strict: false,
            inline: e.inline_files(),
        },
        None => SchemaVars {
            values: parse_vars(&args.vars)?,
            strict: true,
            inline: Vec::new(),
        },
    })
}
