//! The files to index when a workspace opens: the project env's sources (and
//! the project file), else every `.hcl`/`.sql` file under the root.

use super::plan::EnvInfo;
use crate::analysis::plan::normalize_path;
use std::path::{Path, PathBuf};
use strata_core::project;
use strata_core::SourceFile;

const SKIP_DIRS: [&str; 3] = ["target", "node_modules", ".git"];
const MAX_FILES: usize = 50_000;

/// Whether a file found by walking the folder is worth indexing: `.sql` files,
/// and `.hcl` files with schema blocks (not, say, Terraform).
pub fn looks_like_schema(path: &Path, text: &str) -> bool {
    let name = path.to_string_lossy();
    if !name.ends_with(".hcl") || strata_core::dialect::Dialect::from_file_suffix(&name).is_some() {
        return true;
    }
    text.lines().any(|l| {
        ["table ", "schema ", "view ", "trigger "]
            .iter()
            .any(|k| l.starts_with(k))
    })
}

/// Paths to index under `root`, the project file first when there is one.
/// The flag says whether the path was named explicitly (project file, env
/// `src`) rather than found by walking the folder.
pub fn files_to_index(
    root: &Path,
    env: Option<&str>,
    vars: &[(String, String)],
) -> Vec<(PathBuf, bool)> {
    let explicit = |v: Vec<PathBuf>| v.into_iter().map(|p| (p, true)).collect::<Vec<_>>();
    let walked = |v: Vec<PathBuf>| v.into_iter().map(|p| (p, false));
    if let Some(pf) = project::find_project_file(root) {
        let mut out = vec![pf.clone()];
        if let Ok(text) = std::fs::read_to_string(&pf) {
            let file = SourceFile::new(pf.to_string_lossy().as_ref(), text);
            if let Ok(p) = project::load(&file, vars) {
                if let Some(paths) = EnvInfo::of(&p, env).and_then(|e| e.src_paths().ok()) {
                    if !paths.is_empty() {
                        out.extend(paths.iter().map(|p| normalize_path(p)));
                        return explicit(out);
                    }
                }
            }
        }
        let mut found = vec![pf];
        walk(root, &mut found);
        let mut all = explicit(vec![found.remove(0)]);
        all.extend(walked(found));
        return all;
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    walked(out).collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if out.len() >= MAX_FILES {
            return;
        }
        let path = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if SKIP_DIRS.contains(&name.as_ref()) || name.starts_with('.') {
                continue;
            }
            walk(&path, out);
        } else if (name.ends_with(".hcl") || name.ends_with(".sql")) && out.first() != Some(&path) {
            out.push(path);
        }
    }
}
