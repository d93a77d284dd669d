//! Loads schema files named by `file://` URLs: one file, or every `.hcl` and
//! `.sql` file of a directory (not recursive; the project file is skipped).

use crate::diag::{Error, Result};
use crate::dialect::Dialect;
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

/// The dialect schema files speak. In order: `hint` (a database on the other
/// side, or the dev database), Atlas file suffixes (`x.pg.hcl`), then what the
/// files contain (an `enum` block or `CREATE EXTENSION` is PostgreSQL,
/// `AUTOINCREMENT` SQLite). A suffix that contradicts the hint, or content
/// that points at two dialects equally, is an error rather than a guess;
/// files with no sign of any dialect are read as SQLite.
pub fn infer_dialect(files: &[SourceFile], hint: Option<Dialect>) -> Result<Dialect> {
    let by_suffix = files
        .iter()
        .find_map(|f| Dialect::from_file_suffix(&f.name).map(|d| (d, &f.name)));
    if let (Some(h), Some((d, name))) = (hint, by_suffix) {
        if h != d {
            return Err(Error::Usage(format!(
                "{name} is a {} schema (by its suffix) but the database is {}",
                d.name(),
                h.name()
            )));
        }
    }
    if let Some(d) = hint.or(by_suffix.map(|(d, _)| d)) {
        return Ok(d);
    }
    let mut scores: Vec<(Dialect, usize)> = Dialect::all()
        .into_iter()
        .map(|d| {
            let n = files
                .iter()
                .map(|f| {
                    let text = format!("\n{}", f.text.to_ascii_lowercase());
                    d.rules()
                        .content_markers
                        .iter()
                        .filter(|m| text.contains(**m))
                        .count()
                })
                .sum();
            (d, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    scores.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    match scores.as_slice() {
        [] => Ok(Dialect::fallback()),
        [(d, _)] => Ok(*d),
        [(a, x), (b, y), ..] if x == y => Err(Error::Usage(format!(
            "cannot tell whether these schema files are {} or {}: name them x.{}.hcl / x.{}.hcl, or pass --dev-url",
            a.name(),
            b.name(),
            a.rules().hcl_suffixes[0],
            b.rules().hcl_suffixes[0]
        ))),
        [(d, _), ..] => Ok(*d),
    }
}

#[cfg(test)]
mod dialect_tests {
    use super::*;

    fn f(name: &str, text: &str) -> SourceFile {
        SourceFile::new(name, text.to_string())
    }

    #[test]
    fn the_dialect_comes_from_the_hint_the_suffix_then_the_content() {
        let pg = f(
            "t.hcl",
            "schema \"public\" {}\nenum \"s\" {\n  values = [\"a\"]\n}\n",
        );
        assert_eq!(
            infer_dialect(std::slice::from_ref(&pg), None).unwrap(),
            Dialect::Postgres
        );
        let lt = f("t.hcl", "schema \"main\" {}\n");
        assert_eq!(infer_dialect(&[lt], None).unwrap(), Dialect::Sqlite);
        let sql = f(
            "t.sql",
            "CREATE EXTENSION citext; CREATE TABLE t (id serial);",
        );
        assert_eq!(infer_dialect(&[sql], None).unwrap(), Dialect::Postgres);
        let plain = f("t.sql", "CREATE TABLE t (id int);");
        assert_eq!(infer_dialect(&[plain], None).unwrap(), Dialect::Sqlite);
        assert_eq!(
            infer_dialect(&[pg], Some(Dialect::Sqlite)).unwrap(),
            Dialect::Sqlite,
            "a database on the other side decides"
        );
        let suffixed = f("t.pg.hcl", "schema \"main\" {}\n");
        assert_eq!(
            infer_dialect(std::slice::from_ref(&suffixed), None).unwrap(),
            Dialect::Postgres
        );
        assert!(infer_dialect(&[suffixed], Some(Dialect::Sqlite)).is_err());
    }
}
