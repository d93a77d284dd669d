//! The normalization cache: a realm the dev database already produced for
//! exactly these inputs is read from disk instead of replayed.
//!
//! Normalizing replays every desired statement on a clean dev database and
//! inspects it back: seconds to tens of seconds for thousands of tables, paid
//! again by every `schema apply`/`schema diff` whose files did not change (the
//! no-op a CI job runs on every deploy). The result depends only on
//!
//! - the files' names and texts, in order (the statements and HCL blocks),
//! - the dialect and the schemas read back,
//! - the dev server (its version and where it is: [`crate::dialect::DialectImpl::dev_server`]),
//! - strata itself (its version and build, which decide the replay script and
//!   the inspector),
//!
//! so the entry is content-addressed: its file name is the SHA-256 of all of
//! them, and anything an object depends on (a type, a domain, a function the
//! files define, the server's version) changes the key. Entries hold the realm
//! as read back, before spans are attached and exclusions applied (both come
//! from the current files, on every run).
//!
//! An entry is trusted only if its header names this format and the SHA-256 of
//! its body matches: anything else (a torn write, a foreign file, bit rot) is
//! removed and the realm recomputed. Writes go to a temporary file renamed into
//! place, so concurrent runs never read half an entry.
//!
//! Where: `$STRATA_CACHE_DIR`, else `$XDG_CACHE_HOME/strata/normalized`, else
//! `~/.cache/strata/normalized`; one directory for every project, since an
//! entry's name already says which inputs it belongs to. The newest
//! [`MAX_ENTRIES`] entries (and at most [`MAX_BYTES`]) are kept. Disabled by
//! `STRATA_NO_CACHE=1` or [`disable`] (the CLI's `--no-cache`).

use crate::model::Realm;
use crate::span::SourceFile;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

/// Bumped whenever an entry's layout or meaning changes.
const FORMAT: &str = "strata-normalized 1";

/// Entries kept: the newest ones.
pub const MAX_ENTRIES: usize = 32;

/// Bytes kept at most over all entries (the newest entry always stays).
pub const MAX_BYTES: u64 = 256 * 1024 * 1024;

static DISABLED: AtomicBool = AtomicBool::new(false);

/// Turns the cache off for this process (`--no-cache`).
pub fn disable() {
    DISABLED.store(true, Ordering::SeqCst);
}

/// The directory entries live in, or `None` when the cache is off.
pub fn dir() -> Option<PathBuf> {
    if DISABLED.load(Ordering::SeqCst) {
        return None;
    }
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if set("STRATA_NO_CACHE").is_some_and(|v| v != "0") {
        return None;
    }
    if let Some(d) = set("STRATA_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = set("XDG_CACHE_HOME") {
        return Some(PathBuf::from(d).join("strata").join("normalized"));
    }
    set("HOME").map(|h| PathBuf::from(h).join(".cache/strata/normalized"))
}

/// What a normalization's result depends on, hashed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    /// The key of normalizing `files` for `dialect` on the dev server
    /// `dev_server`, reading back `schemas`.
    pub fn new(dialect: &str, dev_server: &str, schemas: &[String], files: &[&SourceFile]) -> Key {
        let mut h = Sha256::new();
        let mut field = |bytes: &[u8]| {
            // Length-prefixed, so no two different inputs hash alike.
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(FORMAT.as_bytes());
        field(build_id().as_bytes());
        field(dialect.as_bytes());
        field(dev_server.as_bytes());
        field(&(schemas.len() as u64).to_le_bytes());
        for s in schemas {
            field(s.as_bytes());
        }
        field(&(files.len() as u64).to_le_bytes());
        for f in files {
            field(f.name.as_bytes());
            field(f.text.as_bytes());
        }
        Key(hex(&h.finalize()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// strata's version and this build of it: a rebuilt binary may replay or
/// inspect differently, so its entries are not shared with the old one.
fn build_id() -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(&p).ok().map(|m| (p, m)));
    let build = exe.map_or_else(String::new, |(p, m)| {
        let mtime = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        format!("{} {} {mtime}", p.display(), m.len())
    });
    format!("{} {build}", env!("CARGO_PKG_VERSION"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn entry_path(dir: &Path, key: &Key) -> PathBuf {
    dir.join(format!("{}.json", key.0))
}

/// The realm stored under `key`, if there is a sound entry. A damaged entry is
/// removed (the caller recomputes and stores it again).
pub fn load(dir: &Path, key: &Key) -> Option<Realm> {
    let path = entry_path(dir, key);
    let bytes = std::fs::read(&path).ok()?;
    match parse(&bytes, key) {
        Some(realm) => {
            touch(&path);
            Some(realm)
        }
        None => {
            let _ = std::fs::remove_file(&path);
            None
        }
    }
}

/// Header line `<FORMAT> <key> <sha256 of body>`, then the realm as JSON.
fn parse(bytes: &[u8], key: &Key) -> Option<Realm> {
    let nl = bytes.iter().position(|&b| b == b'\n')?;
    let (header, body) = (std::str::from_utf8(&bytes[..nl]).ok()?, &bytes[nl + 1..]);
    let rest = header.strip_prefix(FORMAT)?.strip_prefix(' ')?;
    let (stored_key, sum) = rest.split_once(' ')?;
    if stored_key != key.0 || sum != hex(&Sha256::digest(body)) {
        return None;
    }
    serde_json::from_slice(body).ok()
}

/// Marks an entry as used, so pruning keeps it.
fn touch(path: &Path) {
    if let Ok(f) = std::fs::File::options().write(true).open(path) {
        let _ = f.set_modified(SystemTime::now());
    }
}

/// Stores `realm` under `key`. Failures are ignored: the cache only ever saves
/// time, it is never needed.
pub fn store(dir: &Path, key: &Key, realm: &Realm) {
    let Ok(body) = serde_json::to_vec(realm) else {
        return;
    };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let mut text = format!("{FORMAT} {} {}\n", key.0, hex(&Sha256::digest(&body))).into_bytes();
    text.extend_from_slice(&body);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(".{}.{}.{nanos}.tmp", key.0, std::process::id()));
    if std::fs::write(&tmp, &text).is_ok() && std::fs::rename(&tmp, entry_path(dir, key)).is_ok() {
        prune(dir, key);
    } else {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Keeps the newest entries within [`MAX_ENTRIES`] and [`MAX_BYTES`]; `keep`
/// (just written) always stays.
fn prune(dir: &Path, keep: &Key) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(SystemTime, u64, PathBuf)> = read
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            Some((m.modified().ok()?, m.len(), e.path()))
        })
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.0));
    let keep = entry_path(dir, keep);
    let (mut count, mut bytes) = (0usize, 0u64);
    for (_, len, path) in entries {
        count += 1;
        bytes += len;
        if path != keep && (count > MAX_ENTRIES || bytes > MAX_BYTES) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Schema, Table};

    fn realm() -> Realm {
        let mut t = Table {
            name: "users".into(),
            ..Table::default()
        };
        t.columns.push(Column {
            name: "id".into(),
            ty: "integer".into(),
            ..Column::default()
        });
        Realm {
            schemas: vec![Schema {
                name: "main".into(),
                tables: vec![t],
                ..Schema::default()
            }],
            ..Realm::default()
        }
    }

    fn key(text: &str) -> Key {
        Key::new(
            "sqlite",
            "sqlite 3",
            &[],
            &[&SourceFile::new("a.sql", text)],
        )
    }

    fn json(r: &Realm) -> String {
        serde_json::to_string(r).unwrap()
    }

    #[test]
    fn a_stored_realm_reads_back_under_its_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let k = key("CREATE TABLE users (id integer);");
        assert!(load(dir.path(), &k).is_none());
        store(dir.path(), &k, &realm());
        assert_eq!(json(&load(dir.path(), &k).unwrap()), json(&realm()));
        assert!(load(dir.path(), &key("CREATE TABLE users (id int);")).is_none());
    }

    #[test]
    fn every_input_is_part_of_the_key() {
        let f = SourceFile::new("a.sql", "x");
        let base = Key::new("sqlite", "v1", &[], &[&f]);
        assert_ne!(base, Key::new("postgres", "v1", &[], &[&f]));
        assert_ne!(base, Key::new("sqlite", "v2", &[], &[&f]));
        assert_ne!(base, Key::new("sqlite", "v1", &["main".into()], &[&f]));
        assert_ne!(
            base,
            Key::new("sqlite", "v1", &[], &[&SourceFile::new("b.sql", "x")])
        );
        assert_ne!(base, Key::new("sqlite", "v1", &[], &[&f, &f]));
        assert_eq!(
            base,
            Key::new("sqlite", "v1", &[], &[&SourceFile::new("a.sql", "x")])
        );
    }

    #[test]
    fn a_damaged_entry_is_never_trusted_and_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let k = key("CREATE TABLE users (id integer);");
        store(dir.path(), &k, &realm());
        let path = entry_path(dir.path(), &k);
        // Valid JSON of another realm, under the right header: the checksum catches it.
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("users", "uzers")).unwrap();
        assert!(load(dir.path(), &k).is_none());
        assert!(!path.exists(), "the damaged entry is removed");
        // Cut short, and plain garbage.
        for damaged in [&text[..text.len() / 2], "garbage", ""] {
            std::fs::write(&path, damaged).unwrap();
            assert!(load(dir.path(), &k).is_none());
        }
        store(dir.path(), &k, &realm());
        assert!(load(dir.path(), &k).is_some(), "a later store replaces it");
    }

    #[test]
    fn only_the_newest_entries_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let keys: Vec<Key> = (0..MAX_ENTRIES + 3).map(|i| key(&i.to_string())).collect();
        for (i, k) in keys.iter().enumerate() {
            store(dir.path(), k, &realm());
            // Distinct modification times, oldest first.
            let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000 + i as u64);
            let f = std::fs::File::options()
                .write(true)
                .open(entry_path(dir.path(), k))
                .unwrap();
            f.set_modified(t).unwrap();
        }
        store(dir.path(), &keys[0], &realm());
        let left = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(left, MAX_ENTRIES);
        assert!(
            entry_path(dir.path(), &keys[0]).exists(),
            "the one just written stays"
        );
        assert!(!entry_path(dir.path(), &keys[1]).exists(), "the oldest go");
    }
}
