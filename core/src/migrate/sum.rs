//! `atlas.sum`, byte for byte as Atlas writes it, so a directory made by Atlas
//! validates here and the reverse.
//!
//! One SHA-256 runs over every file, in name order: its name, then its bytes.
//! Each file's row is `<name> h1:<base64 of that running hash so far>`, so an
//! edit, an insertion or a reordering changes the row of every file after it.
//! The first line is `h1:` + base64(SHA-256 over every row's name and hash).

use super::dir::Dir;
use base64::Engine;
use sha2::{Digest, Sha256};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `h1:` + base64(SHA-256 of `text`): how one statement is fingerprinted in
/// the revisions table (`partial_hashes`) and how schema fingerprints look.
pub fn h1(text: &[u8]) -> String {
    format!("h1:{}", b64(&Sha256::digest(text)))
}

/// The rows of a sum file: `(file name, running hash without the `h1:`)`.
pub fn rows<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Vec<(String, String)> {
    let mut running = Sha256::new();
    files
        .into_iter()
        .map(|(name, bytes)| {
            running.update(name.as_bytes());
            running.update(bytes);
            (name.to_string(), b64(&running.clone().finalize()))
        })
        .collect()
}

/// The full text of a sum file for `rows`.
pub fn render(rows: &[(String, String)]) -> String {
    let mut total = Sha256::new();
    let mut body = String::new();
    for (name, hash) in rows {
        total.update(name.as_bytes());
        total.update(hash.as_bytes());
        body.push_str(&format!("{name} h1:{hash}\n"));
    }
    format!("h1:{}\n{body}", b64(&total.finalize()))
}

/// The sum file a directory should have.
pub fn compute(dir: &Dir) -> String {
    render(&dir_rows(dir))
}

pub fn dir_rows(dir: &Dir) -> Vec<(String, String)> {
    rows(
        dir.by_name()
            .into_iter()
            .map(|f| (f.name.as_str(), f.text.as_bytes())),
    )
}

/// The recorded hash of each file (`h1:…`), by file name: what the revisions
/// table stores as a version's hash.
pub fn file_hash(dir: &Dir, name: &str) -> Option<String> {
    dir_rows(dir)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, h)| format!("h1:{h}"))
}

/// Why a directory does not match its sum file.
#[derive(Debug, PartialEq, Eq)]
pub enum Mismatch {
    Missing,
    /// The sum file itself was edited (its first line does not match its rows).
    Corrupt,
    /// A file whose row differs: edited, added, or moved.
    Changed(String),
    Added(String),
    Removed(String),
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fix = "if the change is intended, run `strata migrate hash`";
        match self {
            Mismatch::Missing => write!(f, "the migration directory has no atlas.sum: run `strata migrate hash` to create it"),
            Mismatch::Corrupt => write!(f, "atlas.sum was edited by hand (its first line does not match its rows); {fix}"),
            Mismatch::Changed(n) => write!(f, "{n} was edited (or a file before it was added, removed or renamed) since atlas.sum was written; {fix}"),
            Mismatch::Added(n) => write!(f, "{n} is not in atlas.sum: it was added since the sum was written; {fix}"),
            Mismatch::Removed(n) => write!(f, "{n} is in atlas.sum but not in the directory; {fix}"),
        }
    }
}

/// Checks the directory against its sum file, naming the first file that differs.
pub fn verify(dir: &Dir) -> Result<(), Mismatch> {
    let Some(text) = &dir.sum else {
        return Err(Mismatch::Missing);
    };
    let mut lines = text.lines();
    let head = lines.next().unwrap_or_default();
    let recorded: Vec<(String, String)> = lines
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let (n, h) = l.rsplit_once(" h1:")?;
            Some((n.to_string(), h.to_string()))
        })
        .collect();
    if render(&recorded).lines().next() != Some(head) {
        return Err(Mismatch::Corrupt);
    }
    let actual = dir_rows(dir);
    for (i, (name, hash)) in actual.iter().enumerate() {
        match recorded.get(i) {
            Some((n, h)) if n == name && h == hash => {}
            Some((n, _)) if n == name => return Err(Mismatch::Changed(name.clone())),
            _ if !recorded.iter().any(|(n, _)| n == name) => {
                return Err(Mismatch::Added(name.clone()))
            }
            Some((n, _)) if !actual.iter().any(|(a, _)| a == n) => {
                return Err(Mismatch::Removed(n.clone()))
            }
            _ => return Err(Mismatch::Changed(name.clone())),
        }
    }
    if let Some((n, _)) = recorded.get(actual.len()) {
        return Err(Mismatch::Removed(n.clone()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::dir::MigrationFile;
    use std::path::{Path, PathBuf};

    fn corpus() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/corpora/atlas/internal/integration/testdata/migrations")
    }

    /// Every atlas.sum in the Atlas corpus is reproduced byte for byte.
    #[test]
    fn sum_files_are_byte_identical_to_atlas() {
        let root = corpus();
        let Ok(entries) = std::fs::read_dir(&root) else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("the Atlas corpus is required in CI: {}", root.display());
            }
            eprintln!("!!! SKIPPING: no Atlas corpus at {}", root.display());
            return;
        };
        let mut checked = 0;
        for e in entries {
            let path = e.unwrap().path();
            let Ok(expected) = std::fs::read_to_string(path.join("atlas.sum")) else {
                continue;
            };
            let dir = Dir::read(&path).unwrap();
            assert_eq!(compute(&dir), expected, "{}", path.display());
            assert_eq!(verify(&dir), Ok(()));
            checked += 1;
        }
        assert!(checked >= 3, "found only {checked} sum files");
    }

    fn dir(files: &[(&str, &str)], sum: Option<String>) -> Dir {
        let files = files
            .iter()
            .map(|(n, t)| MigrationFile::new(n, t.to_string()).unwrap())
            .collect();
        Dir::new(PathBuf::new(), files, sum).unwrap()
    }

    #[test]
    fn edits_additions_and_removals_name_the_file() {
        let base = [
            ("1_a.sql", "CREATE TABLE a (x int);"),
            ("2_b.sql", "CREATE TABLE b (x int);"),
        ];
        let sum = compute(&dir(&base, None));
        assert_eq!(verify(&dir(&base, Some(sum.clone()))), Ok(()));
        let edited = [base[0], ("2_b.sql", "CREATE TABLE b (y int);")];
        assert_eq!(
            verify(&dir(&edited, Some(sum.clone()))),
            Err(Mismatch::Changed("2_b.sql".into()))
        );
        let added = [base[0], base[1], ("3_c.sql", "")];
        assert_eq!(
            verify(&dir(&added, Some(sum.clone()))),
            Err(Mismatch::Added("3_c.sql".into()))
        );
        assert_eq!(
            verify(&dir(&base[..1], Some(sum.clone()))),
            Err(Mismatch::Removed("2_b.sql".into()))
        );
        assert_eq!(verify(&dir(&base, None)), Err(Mismatch::Missing));
        let tampered = sum.replacen("h1:", "h1:x", 1);
        assert_eq!(verify(&dir(&base, Some(tampered))), Err(Mismatch::Corrupt));
    }
}
