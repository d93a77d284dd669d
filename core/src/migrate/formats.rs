//! Reading the migration directories most teams already have, as the same
//! [`Dir`] an Atlas directory gives: golang-migrate (`1_x.up.sql` /
//! `1_x.down.sql`), goose (`-- +goose Up` / `-- +goose Down`), Flyway
//! (`V1__x.sql`, `U1__x.sql` undo) and dbmate (`-- migrate:up` /
//! `-- migrate:down`).
//!
//! Only the up part becomes the migration; the hand-written down parts are
//! kept aside (`downs`) and never run: `migrate down` computes its own plan.

use super::dir::{Dir, MigrationFile};
use crate::diag::{Error, Result};
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Atlas,
    GolangMigrate,
    Goose,
    Flyway,
    Dbmate,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "atlas" => Some(Format::Atlas),
            "golang-migrate" => Some(Format::GolangMigrate),
            "goose" => Some(Format::Goose),
            "flyway" => Some(Format::Flyway),
            "dbmate" => Some(Format::Dbmate),
            _ => None,
        }
    }
}

/// A directory in another tool's layout: the up migrations as strata reads
/// them, and the down parts by version.
pub struct Foreign {
    pub dir: Dir,
    pub downs: Vec<(String, String)>,
}

pub fn read(path: &Path, format: Format) -> Result<Foreign> {
    if format == Format::Atlas {
        return Ok(Foreign {
            dir: Dir::read(path)?,
            downs: Vec::new(),
        });
    }
    let mut entries: Vec<(String, String)> = Vec::new();
    let list = std::fs::read_dir(path).map_err(|e| {
        Error::Io(format!(
            "cannot read the migration directory {}: {e}",
            path.display()
        ))
    })?;
    for e in list {
        let e = e.map_err(|e| Error::Io(e.to_string()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".sql") || !e.path().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(e.path())
            .map_err(|err| Error::Io(format!("cannot read {}: {err}", e.path().display())))?;
        entries.push((name, text));
    }
    entries.sort();
    convert(path, format, entries)
}

/// Converts `(file name, text)` pairs of `format` into migration files.
pub fn convert(path: &Path, format: Format, entries: Vec<(String, String)>) -> Result<Foreign> {
    let mut files = Vec::new();
    let mut downs = Vec::new();
    let bad = |name: &str, want: &str| {
        Error::Usage(format!(
            "{name}: not a {want} migration file name; pass the right --dir-format"
        ))
    };
    for (name, text) in entries {
        match format {
            Format::Atlas => files.push(MigrationFile::new(&name, text)?),
            Format::GolangMigrate => {
                let (stem, up) = if let Some(s) = name.strip_suffix(".up.sql") {
                    (s, true)
                } else if let Some(s) = name.strip_suffix(".down.sql") {
                    (s, false)
                } else {
                    return Err(bad(&name, "golang-migrate (`1_x.up.sql`)"));
                };
                if up {
                    files.push(MigrationFile::new(&format!("{stem}.sql"), text)?);
                } else {
                    downs.push((version_of(stem), text));
                }
            }
            Format::Goose | Format::Dbmate => {
                let (up, down, no_tx) = sections(&text, format);
                let up = if no_tx {
                    format!("-- atlas:txmode none\n{up}")
                } else {
                    up
                };
                let f = MigrationFile::new(&name, up)
                    .map_err(|_| bad(&name, "goose/dbmate (`20240101120000_x.sql`)"))?;
                downs.push((f.version.clone(), down));
                files.push(f);
            }
            Format::Flyway => {
                let Some(rest) = name.strip_prefix(['V', 'U', 'R']) else {
                    return Err(bad(&name, "Flyway (`V1__x.sql`)"));
                };
                let Some((version, desc)) = rest.trim_end_matches(".sql").split_once("__") else {
                    return Err(bad(&name, "Flyway (`V1__x.sql`)"));
                };
                let version = version.replace('_', ".");
                match name.as_bytes()[0] {
                    b'V' => files.push(MigrationFile::new(&format!("{version}_{desc}.sql"), text)?),
                    b'U' => downs.push((version, text)),
                    // Repeatable migrations have no version to order by.
                    _ => {
                        return Err(Error::Usage(format!(
                            "{name}: Flyway repeatable migrations (R__) have no version; strata cannot order them"
                        )))
                    }
                }
            }
        }
    }
    Ok(Foreign {
        dir: Dir::new(path.to_path_buf(), files, None)?,
        downs,
    })
}

fn version_of(stem: &str) -> String {
    stem.split_once('_').map_or(stem, |(v, _)| v).to_string()
}

/// The up and down sections of a goose or dbmate file, their annotation
/// lines removed, and whether the up part asks for no transaction.
fn sections(text: &str, format: Format) -> (String, String, bool) {
    let (mut up, mut down) = (String::new(), String::new());
    let mut in_down = false;
    let mut no_tx = false;
    for line in text.lines() {
        let t = line.trim();
        let marker = match format {
            Format::Goose => t.strip_prefix("-- +goose "),
            _ => t.strip_prefix("-- migrate:"),
        };
        if let Some(m) = marker {
            let m = m.trim();
            let lower = m.to_ascii_lowercase();
            if lower.starts_with("up") {
                in_down = false;
                no_tx |= lower.contains("transaction:false");
            } else if lower.starts_with("down") {
                in_down = true;
            } else if lower == "no transaction" {
                no_tx = true;
            }
            // StatementBegin/End: the splitter finds statement ends itself.
            continue;
        }
        let into = if in_down { &mut down } else { &mut up };
        into.push_str(line);
        into.push('\n');
    }
    (up, down, no_tx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Dialect;

    fn conv(format: Format, files: &[(&str, &str)]) -> Foreign {
        convert(
            Path::new("m"),
            format,
            files
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn golang_migrate_up_files_become_migrations() {
        let f = conv(
            Format::GolangMigrate,
            &[
                ("1_users.up.sql", "CREATE TABLE users (id int);"),
                ("1_users.down.sql", "DROP TABLE users;"),
                ("2_logs.up.sql", "CREATE TABLE logs (id int);"),
            ],
        );
        let names: Vec<&str> = f.dir.files.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["1_users.sql", "2_logs.sql"]);
        assert_eq!(
            f.downs,
            [("1".to_string(), "DROP TABLE users;".to_string())]
        );
    }

    #[test]
    fn goose_sections_and_no_transaction() {
        let text = "-- +goose NO TRANSACTION\n-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE a (id int);\n-- +goose StatementEnd\n-- +goose Down\nDROP TABLE a;\n";
        let f = conv(Format::Goose, &[("00001_a.sql", text)]);
        let m = &f.dir.files[0];
        assert_eq!(m.version, "00001");
        assert_eq!(m.statements(Dialect::Sqlite), ["CREATE TABLE a (id int)"]);
        assert_eq!(m.directives.txmode, Some(super::super::dir::TxMode::None));
        assert_eq!(f.downs[0].1, "DROP TABLE a;\n");
    }

    #[test]
    fn dbmate_and_flyway() {
        let f = conv(
            Format::Dbmate,
            &[(
                "20240101_a.sql",
                "-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n",
            )],
        );
        assert_eq!(
            f.dir.files[0].statements(Dialect::Sqlite),
            ["CREATE TABLE a (id int)"]
        );
        let f = conv(
            Format::Flyway,
            &[
                ("V1__init.sql", "CREATE TABLE a (id int);"),
                ("V1_1__more.sql", "CREATE TABLE b (id int);"),
                ("U1_1__more.sql", "DROP TABLE b;"),
            ],
        );
        let names: Vec<&str> = f.dir.files.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["1_init.sql", "1.1_more.sql"]);
        assert_eq!(f.downs[0].0, "1.1");
    }
}
