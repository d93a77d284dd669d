//! An env of a project file resolved for use: its URLs made relative to the
//! project file's directory, and what it says turned into the pipeline's
//! options (scope, diff options, lint policy). The CLI's `--env` and the
//! language server's live plan both resolve envs here, so they cannot read the
//! same project file differently.

use crate::diag::{Diagnostic, Files};
use crate::diff::DiffOptions;
use crate::driver::Scope;
use crate::project::{self, Env, Project};
use crate::span::SourceFile;
use std::path::{Path, PathBuf};

/// One env, with the directory its relative paths start from.
#[derive(Clone, Debug)]
pub struct ResolvedEnv {
    pub env: Env,
    /// The project file's path.
    pub project_file: String,
    /// The project file's directory: relative `file://` and `sqlite://` paths start there.
    pub dir: PathBuf,
}

/// Why an env could not be loaded.
#[derive(Debug)]
pub enum EnvError {
    /// The file could not be read.
    Io(String),
    /// The file has errors; `files` holds it for rendering positions.
    Invalid {
        diagnostics: Vec<Diagnostic>,
        files: Files,
    },
    /// No env of that name; lists the names there are.
    NoSuchEnv(String),
}

/// Loads `path` with `vars` and picks the env `name` (the first env when `None`).
/// `trusted`: data sources may run programs and read databases (the CLI: the
/// user typed the command). Returns the env and the project file's warnings.
pub fn load(
    path: &Path,
    name: Option<&str>,
    vars: &[(String, String)],
    trusted: bool,
) -> Result<(ResolvedEnv, Vec<Diagnostic>, Files), EnvError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| EnvError::Io(format!("cannot read {}: {e}", path.display())))?;
    let file = SourceFile::new(path.to_string_lossy().as_ref(), text);
    let mut files = Files::default();
    files.add(file.clone());
    let opts = project::LoadOptions {
        vars,
        env: name,
        trusted,
    };
    let project = project::load_with(&file, &opts).map_err(|diagnostics| EnvError::Invalid {
        diagnostics,
        files: files.clone(),
    })?;
    let env = pick(&project, name).ok_or_else(|| {
        let names: Vec<&str> = project.envs.iter().map(|e| e.name.as_str()).collect();
        EnvError::NoSuchEnv(format!(
            "no env \"{}\" in {} (it has: {})",
            name.unwrap_or(""),
            path.display(),
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        ))
    })?;
    Ok((
        ResolvedEnv::new(&project, env),
        project.warnings.clone(),
        files,
    ))
}

fn pick<'p>(project: &'p Project, name: Option<&str>) -> Option<&'p Env> {
    match name {
        Some(n) => project.env(n),
        None => project.envs.first(),
    }
}

impl ResolvedEnv {
    pub fn new(project: &Project, env: &Env) -> ResolvedEnv {
        let dir = Path::new(&*project.file)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        ResolvedEnv {
            env: env.clone(),
            project_file: project.file.to_string(),
            dir,
        }
    }

    /// The env `name` of `project` (the first when `None`).
    pub fn of(project: &Project, name: Option<&str>) -> Option<ResolvedEnv> {
        pick(project, name).map(|e| ResolvedEnv::new(project, e))
    }

    pub fn name(&self) -> &str {
        &self.env.name
    }

    /// The targets of a `for_each` env, one resolved env each; a plain env is
    /// its own single target.
    pub fn instances(&self) -> Vec<ResolvedEnv> {
        if self.env.instances.is_empty() {
            return vec![self.clone()];
        }
        self.env
            .instances
            .iter()
            .map(|e| ResolvedEnv {
                env: e.clone(),
                project_file: self.project_file.clone(),
                dir: self.dir.clone(),
            })
            .collect()
    }

    /// Schema text no file holds (an external program's SQL), as files named
    /// in the project directory so that errors point somewhere readable.
    pub fn inline_files(&self) -> Vec<SourceFile> {
        self.env
            .inline_src
            .iter()
            .map(|(name, text)| {
                SourceFile::new(self.dir.join(name).to_string_lossy().as_ref(), text.clone())
            })
            .collect()
    }

    /// A URL from the project file, relative paths made relative to its directory.
    pub fn url(&self, raw: &str) -> String {
        resolve_url(&self.dir, raw)
    }

    /// The target database URL, resolved.
    pub fn target_url(&self) -> Option<String> {
        self.env.url.as_deref().map(|u| self.url(u))
    }

    /// The dev database URL, as written (a server or `ephemeral://…`).
    pub fn dev_url(&self) -> Option<String> {
        self.env.dev.clone()
    }

    /// The schema source URLs, resolved; a plain path (Atlas accepts
    /// `src = "./schema.hcl"`) is a file.
    pub fn src_urls(&self) -> Vec<String> {
        self.env
            .src
            .iter()
            .map(|s| match s.contains("://") {
                true => self.url(s),
                false => self.url(&format!("file://{s}")),
            })
            .collect()
    }

    /// The scope the env manages: its schemas and exclude globs.
    pub fn scope(&self) -> Scope {
        Scope {
            schemas: self.env.schemas.clone(),
            exclude: self.env.exclude.clone(),
        }
    }

    pub fn diff_options(&self) -> DiffOptions {
        DiffOptions {
            skip: self.env.diff.skip.clone(),
            concurrent_index: self.env.diff.concurrent_index.clone(),
        }
    }

    /// The target's dialect, from its URL scheme.
    pub fn dialect(&self) -> Option<crate::dialect::Dialect> {
        match crate::url::parse(self.env.url.as_deref()?).ok()? {
            crate::url::Url::Database(db) => Some(db.dialect),
            crate::url::Url::Files(_) => None,
        }
    }

    /// The schema files of `src`, expanded in the order the CLI reads them.
    pub fn src_paths(&self) -> crate::diag::Result<Vec<PathBuf>> {
        let paths = crate::workspace::file_paths(&self.src_urls())?;
        crate::source::expand(&paths)
    }

    /// The directory of reviewed plans: `plan { dir = "file://…" }`, relative
    /// to the project file, else `plans/` next to it.
    pub fn plans_dir(&self) -> PathBuf {
        // `./strata.hcl` lives in "."; paths print without the `./`.
        let dir = if self.dir == Path::new(".") {
            Path::new("")
        } else {
            self.dir.as_path()
        };
        match &self.env.plan.dir {
            Some(d) => {
                let p = Path::new(d.strip_prefix("file://").unwrap_or(d));
                if p.is_relative() {
                    dir.join(p)
                } else {
                    p.to_path_buf()
                }
            }
            None => dir.join("plans"),
        }
    }

    pub fn policy(&self) -> crate::pipeline::Policy {
        crate::pipeline::Policy {
            destructive_error: self.env.lint.destructive_error,
            lint: self.env.lint.config.clone(),
        }
    }
}

/// A relative `file://` or `sqlite://` path is relative to `dir`.
pub fn resolve_url(dir: &Path, raw: &str) -> String {
    for scheme in ["file://", "sqlite://"] {
        if let Some(rest) = raw.strip_prefix(scheme) {
            let path = Path::new(rest.split('?').next().unwrap_or(rest));
            if path.is_relative() && !dir.as_os_str().is_empty() && !rest.starts_with('?') {
                return format!("{scheme}{}", dir.join(rest).display());
            }
        }
    }
    raw.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_start_at_the_project_directory() {
        let dir = Path::new("/p");
        assert_eq!(resolve_url(dir, "file://s.hcl"), "file:///p/s.hcl");
        assert_eq!(
            resolve_url(dir, "sqlite://a.db?x=1"),
            "sqlite:///p/a.db?x=1"
        );
        assert_eq!(resolve_url(dir, "file:///abs.hcl"), "file:///abs.hcl");
        assert_eq!(
            resolve_url(dir, "sqlite://?mode=memory"),
            "sqlite://?mode=memory"
        );
        assert_eq!(resolve_url(dir, "postgres://u@h/db"), "postgres://u@h/db");
    }
}
