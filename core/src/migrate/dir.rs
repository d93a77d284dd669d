//! A migration directory: `<version>_<name>.sql` files (Atlas's layout), their
//! order, their header directives and their statements.
//!
//! The version is the part of the file name before the first `_` (the whole
//! stem when there is none) and must start with a digit. Versions compare by
//! their leading number first, so `2_x.sql` comes before `10_y.sql` even
//! though the sum file lists files by name, as Atlas does.

use crate::diag::{Error, Result};
use crate::dialect::Dialect;
use crate::sql::split;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// How a file's statements are grouped into transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxMode {
    /// One transaction per file (the default).
    File,
    /// One transaction for the whole run.
    All,
    /// No transaction: each statement commits on its own.
    None,
}

impl TxMode {
    pub fn parse(s: &str) -> Option<TxMode> {
        match s {
            "file" => Some(TxMode::File),
            "all" => Some(TxMode::All),
            "none" => Some(TxMode::None),
            _ => None,
        }
    }
}

/// Directives from a file's header comments: `-- atlas:txmode none`,
/// `-- atlas:nolint`, `-- atlas:delimiter -- end`, or the same with `strata:`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directives {
    pub txmode: Option<TxMode>,
    /// `nolint` with the checks it names (empty: all of them).
    pub nolint: Option<Vec<String>>,
    pub delimiter: Option<String>,
}

#[derive(Clone, Debug)]
pub struct MigrationFile {
    /// The file name, e.g. `20240101120000_add_users.sql`.
    pub name: String,
    pub version: String,
    /// The name after the version, e.g. `add_users`.
    pub description: String,
    pub text: String,
    pub directives: Directives,
}

impl MigrationFile {
    pub fn new(name: &str, text: String) -> Result<MigrationFile> {
        let stem = name.strip_suffix(".sql").unwrap_or(name);
        let (version, description) = stem.split_once('_').unwrap_or((stem, ""));
        if !version.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(Error::Usage(format!(
                "{name}: a migration file name starts with its version, e.g. 20240101120000_{stem}.sql"
            )));
        }
        let directives = directives(&text).map_err(|m| Error::Usage(format!("{name}: {m}")))?;
        Ok(MigrationFile {
            name: name.to_string(),
            version: version.to_string(),
            description: description.to_string(),
            text,
            directives,
        })
    }

    /// The file's statements, without their delimiters, in order.
    pub fn statements(&self, dialect: Dialect) -> Vec<String> {
        match &self.directives.delimiter {
            Some(d) => self
                .text
                .split(d.as_str())
                .map(str::trim)
                .filter(|s| !only_comments(s))
                .map(|s| s.strip_suffix(';').unwrap_or(s).trim_end().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            None => split::split(&self.text, dialect)
                .into_iter()
                .map(|s| s.text(&self.text).to_string())
                .collect(),
        }
    }
}

fn only_comments(s: &str) -> bool {
    s.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with("--")
    })
}

/// Reads the directives in the comment lines that open a file. A directive
/// needs no blank line after it; the header ends at the first line that is
/// not a comment.
pub fn directives(text: &str) -> std::result::Result<Directives, String> {
    let mut d = Directives::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix("--") else {
            break;
        };
        let comment = comment.trim();
        let Some(rest) = comment
            .strip_prefix("atlas:")
            .or_else(|| comment.strip_prefix("strata:"))
        else {
            continue;
        };
        let (key, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let arg = arg.trim();
        match key {
            "txmode" => {
                d.txmode =
                    Some(TxMode::parse(arg).ok_or_else(|| {
                        format!("unknown txmode \"{arg}\" (use file, all or none)")
                    })?)
            }
            "nolint" => {
                d.nolint = Some(arg.split_whitespace().map(str::to_string).collect());
            }
            "delimiter" => {
                if arg.is_empty() {
                    return Err(
                        "atlas:delimiter needs a delimiter, e.g. `-- atlas:delimiter -- end`"
                            .into(),
                    );
                }
                d.delimiter = Some(arg.replace("\\n", "\n").replace("\\t", "\t"));
            }
            // Atlas's other directives (sum, checkpoint, …) change nothing here.
            _ => {}
        }
    }
    Ok(d)
}

/// Compares versions by their leading number, then as text.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let digits = |s: &str| {
        let n = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let d = s[..n].trim_start_matches('0');
        (d.len(), d.to_string(), s[n..].to_string())
    };
    let (la, da, ra) = digits(a);
    let (lb, db, rb) = digits(b);
    la.cmp(&lb).then(da.cmp(&db)).then(ra.cmp(&rb))
}

/// A migration directory read from disk.
#[derive(Clone, Debug)]
pub struct Dir {
    pub path: PathBuf,
    /// Files in version order.
    pub files: Vec<MigrationFile>,
    /// The text of `atlas.sum`, when there is one.
    pub sum: Option<String>,
}

pub const SUM_FILE: &str = "atlas.sum";

impl Dir {
    /// Reads every `.sql` file of `path` (not its subdirectories).
    pub fn read(path: &Path) -> Result<Dir> {
        let entries = std::fs::read_dir(path).map_err(|e| {
            Error::Io(format!(
                "cannot read the migration directory {}: {e}",
                path.display()
            ))
        })?;
        let mut files = Vec::new();
        for e in entries {
            let e = e.map_err(|e| Error::Io(e.to_string()))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".sql") || !e.path().is_file() {
                continue;
            }
            let text = std::fs::read_to_string(e.path())
                .map_err(|err| Error::Io(format!("cannot read {}: {err}", e.path().display())))?;
            files.push(MigrationFile::new(&name, text)?);
        }
        let sum = std::fs::read_to_string(path.join(SUM_FILE)).ok();
        Dir::new(path.to_path_buf(), files, sum)
    }

    /// A directory from files in memory (a git ref's tree, the stored history).
    pub fn new(path: PathBuf, mut files: Vec<MigrationFile>, sum: Option<String>) -> Result<Dir> {
        files.sort_by(|a, b| compare_versions(&a.version, &b.version).then(a.name.cmp(&b.name)));
        if let Some(w) = files.windows(2).find(|w| w[0].version == w[1].version) {
            return Err(Error::Usage(format!(
                "{} and {} have the same version {}: give one of them a new version",
                w[0].name, w[1].name, w[0].version
            )));
        }
        Ok(Dir { path, files, sum })
    }

    pub fn latest(&self) -> Option<&MigrationFile> {
        self.files.last()
    }

    pub fn file(&self, version: &str) -> Option<&MigrationFile> {
        self.files.iter().find(|f| f.version == version)
    }

    /// Files as the sum file lists them: by name.
    pub fn by_name(&self) -> Vec<&MigrationFile> {
        let mut v: Vec<&MigrationFile> = self.files.iter().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_and_description_come_from_the_name() {
        let f = MigrationFile::new("20240101120000_add_users.sql", String::new()).unwrap();
        assert_eq!(f.version, "20240101120000");
        assert_eq!(f.description, "add_users");
        let f = MigrationFile::new("3.sql", String::new()).unwrap();
        assert_eq!((f.version.as_str(), f.description.as_str()), ("3", ""));
        assert!(MigrationFile::new("init.sql", String::new()).is_err());
    }

    #[test]
    fn versions_order_by_number_not_by_text() {
        let mk = |n: &str| MigrationFile::new(n, String::new()).unwrap();
        let d = Dir::new(
            PathBuf::new(),
            vec![mk("10_c.sql"), mk("2_b.sql"), mk("1_a.sql")],
            None,
        )
        .unwrap();
        let names: Vec<&str> = d.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["1_a.sql", "2_b.sql", "10_c.sql"]);
        let by_name: Vec<&str> = d.by_name().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(by_name, ["10_c.sql", "1_a.sql", "2_b.sql"]);
    }

    #[test]
    fn duplicate_versions_are_refused() {
        let mk = |n: &str| MigrationFile::new(n, String::new()).unwrap();
        let e = Dir::new(PathBuf::new(), vec![mk("1_a.sql"), mk("01_b.sql")], None);
        assert!(e.is_ok(), "01 and 1 are different versions as text");
        let e = Dir::new(PathBuf::new(), vec![mk("1_a.sql"), mk("1_b.sql")], None);
        assert!(e.unwrap_err().to_string().contains("same version 1"));
    }

    #[test]
    fn header_directives_in_both_spellings_without_a_blank_line() {
        let d = directives("-- atlas:txmode none\n-- strata:nolint DS103\nCREATE TABLE t (a int);\n-- atlas:txmode all\n").unwrap();
        assert_eq!(d.txmode, Some(TxMode::None), "only the header counts");
        assert_eq!(d.nolint, Some(vec!["DS103".to_string()]));
        assert!(directives("-- atlas:txmode sometimes\n").is_err());
    }

    #[test]
    fn custom_delimiter_splits_bodies_with_semicolons() {
        let text = "-- atlas:delimiter -- end\nCREATE TABLE t (a int);\n-- end\nCREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;\n-- end\n";
        let f = MigrationFile::new("1_x.sql", text.into()).unwrap();
        let s = f.statements(Dialect::Sqlite);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[0], "CREATE TABLE t (a int)");
        assert!(s[1].ends_with("SELECT 2; END"));
    }

    #[test]
    fn statements_come_from_the_splitter() {
        let f = MigrationFile::new(
            "1_x.sql",
            "CREATE TABLE a (x text DEFAULT ';');\n-- c\nINSERT INTO a VALUES ('1;2');".into(),
        )
        .unwrap();
        assert_eq!(
            f.statements(Dialect::Sqlite),
            [
                "CREATE TABLE a (x text DEFAULT ';')",
                "INSERT INTO a VALUES ('1;2')"
            ]
        );
    }
}
