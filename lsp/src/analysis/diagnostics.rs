//! Diagnostics of one file: what each chunk found on its own (syntax, unknown
//! blocks and attributes, unknown types, core's checks) plus what needs the
//! whole workspace (references, duplicates, FK column types).
//!
//! A chunk's workspace diagnostics depend only on the tables its references
//! name, so they are cached per chunk under a hash of exactly those tables'
//! definitions: typing in one table re-checks only the chunks that refer to it.

use super::index::Resolution;
use super::types;
use super::{
    Analysis, ChunkData, DefKind, DefLoc, FileId, FileKind, FileRange, FxHasher, FxMap, Placed,
};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::{Arc, Mutex};
use strata_core::Severity;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diag {
    pub range: Range<usize>,
    pub severity: Severity,
    pub code: String,
    pub message: String,
    pub help: Option<String>,
    /// Other places that explain this one (the first definition of a duplicate).
    pub related: Vec<(FileRange, String)>,
}

impl Diag {
    fn new(range: Range<usize>, severity: Severity, code: &str, message: String) -> Diag {
        Diag {
            range,
            severity,
            code: code.to_string(),
            message,
            help: None,
            related: Vec::new(),
        }
    }

    fn shifted(&self, by: usize) -> Diag {
        Diag {
            range: self.range.start + by..self.range.end + by,
            ..self.clone()
        }
    }
}

/// Per-chunk diagnostics that survive snapshots (shared by the workspace and
/// every snapshot it hands out).
/// A chunk's diagnostics under the dependency hash they were computed for.
type Cached = (u64, Arc<Vec<Diag>>);

#[derive(Default)]
pub struct DiagCache {
    map: Mutex<FxMap<(FileId, u64), Cached>>,
}

impl DiagCache {
    fn get(&self, key: (FileId, u64), dep: u64) -> Option<Arc<Vec<Diag>>> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&key).filter(|e| e.0 == dep).map(|e| e.1.clone())
    }

    fn put(&self, key: (FileId, u64), dep: u64, diags: Arc<Vec<Diag>>, live_chunks: usize) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        // Entries of chunks that no longer exist pile up; start over now and then.
        if map.len() > 4 * live_chunks + 1024 {
            map.clear();
        }
        map.insert(key, (dep, diags));
    }
}

pub fn diagnostics(a: &Analysis, file: FileId) -> Vec<Diag> {
    let Some(f) = a.file(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let live = a.chunk_count;
    for (ci, c) in f.chunks.iter().enumerate() {
        let dep = dependency_hash(a, &c.data);
        let key = (file, c.hash);
        let diags = match a.diag_cache.get(key, dep) {
            Some(d) => d,
            None => {
                let d = Arc::new(chunk_diagnostics(a, file, ci, c));
                // A suggestion ("did you mean") may change with any name.
                let dep = if d.iter().any(|d| d.code == "unresolved") {
                    dep ^ a.index.names_hash
                } else {
                    dep
                };
                a.diag_cache.put(key, dep, d.clone(), live);
                d
            }
        };
        out.extend(diags.iter().map(|d| d.shifted(c.base)));
    }
    duplicates(a, file, &mut out);
    out.sort_by_key(|x| (x.range.start, x.range.end));
    out.dedup();
    out
}

/// A hash of what a chunk's workspace diagnostics depend on: the definitions
/// of every table its references name.
fn dependency_hash(a: &Analysis, c: &ChunkData) -> u64 {
    let mut keys: Vec<&str> = c.refs.iter().map(|r| &*r.key).collect();
    keys.extend(
        c.defs
            .iter()
            .filter(|d| d.kind.is_relation())
            .map(|d| &*d.key),
    );
    keys.sort_unstable();
    keys.dedup();
    let mut h = FxHasher::default();
    a.default_dialect.hash(&mut h);
    for k in keys {
        a.index.relation_hash(k).hash(&mut h);
    }
    if c.refs
        .iter()
        .any(|r| matches!(r.spec, super::RefSpec::Schema(_)))
    {
        a.index.schemas_hash.hash(&mut h);
    }
    h.finish()
}

/// One chunk's diagnostics, relative to the chunk.
fn chunk_diagnostics(a: &Analysis, file: FileId, ci: usize, c: &Placed) -> Vec<Diag> {
    let f = a.file(file).unwrap();
    let mut out: Vec<Diag> = c
        .data
        .diags
        .iter()
        .map(|d| Diag {
            range: d.range.clone(),
            severity: d.severity,
            code: d.code.clone(),
            message: d.message.clone(),
            help: d.help.clone(),
            related: Vec::new(),
        })
        .collect();
    let ref_severity = if f.kind == FileKind::Sql {
        Severity::Warning
    } else {
        Severity::Error
    };
    for r in &c.data.refs {
        match a.check(r) {
            Ok(()) => {}
            Err(Resolution::Unresolved { message, help }) => {
                let mut d = Diag::new(r.range.clone(), ref_severity, "unresolved", message);
                d.help = help;
                out.push(d);
            }
            Err(Resolution::Ambiguous(message)) => out.push(Diag::new(
                r.range.clone(),
                ref_severity,
                "ambiguous",
                message,
            )),
            Err(_) => {}
        }
    }
    for (di, d) in c.data.defs.iter().enumerate() {
        if d.kind == DefKind::ForeignKey {
            let loc = DefLoc {
                file,
                chunk: ci as u32,
                def: di as u32,
            };
            fk_types(a, loc, f.dialect, &mut out);
        }
    }
    out
}

fn duplicates(a: &Analysis, file: FileId, out: &mut Vec<Diag>) {
    let f = a.file(file).unwrap();
    for (loc, d, base) in f.defs() {
        let first = match d.kind {
            DefKind::Table | DefKind::View => {
                let Some(all) = a.index.relations.get(&d.key) else {
                    continue;
                };
                if all.len() < 2 {
                    continue;
                }
                let mut same = all
                    .iter()
                    .filter(|e| e.schema.eq_ignore_ascii_case(&d.schema));
                match (same.next(), same.next()) {
                    (Some(first), Some(_)) if first.loc != loc => first.loc,
                    _ => continue,
                }
            }
            DefKind::Schema | DefKind::Trigger => {
                let key = super::SymbolKey::of(d, loc);
                match a.index.by_key.get(&key) {
                    Some(all) if all.len() > 1 && all[0] != loc => all[0],
                    _ => continue,
                }
            }
            _ => continue,
        };
        let what = match d.kind {
            DefKind::Schema => "schema",
            DefKind::Trigger => "trigger",
            _ => "table or view",
        };
        let mut diag = Diag::new(
            base + d.name_range.start..base + d.name_range.end,
            Severity::Error,
            "duplicate",
            format!("{what} `{}` is defined twice", d.name),
        );
        if let Some(first) = a.def_name_range(first) {
            diag.related.push((first, "first defined here".into()));
        }
        diag.help = Some("rename one of them, or delete the copy".into());
        out.push(diag);
    }
}

/// A foreign key column whose type differs from the column it references
/// (ranges relative to the chunk).
fn fk_types(
    a: &Analysis,
    loc: DefLoc,
    dialect: strata_core::dialect::Dialect,
    out: &mut Vec<Diag>,
) {
    let Some(c) = a.chunk(loc) else { return };
    let Some(d) = c.data.defs.get(loc.def as usize) else {
        return;
    };
    let (Some(fk), Some(table)) = (d.model.and_then(|m| c.data.fk(m)), a.owner_table(loc)) else {
        return;
    };
    let schema = fk.ref_schema.as_deref().filter(|s| !s.is_empty());
    let Ok(targets) = a.lookup_relation(schema, &fk.ref_table, &d.schema) else {
        return;
    };
    let Some(target) = targets.first().and_then(|t| a.table_model(t.loc)) else {
        return;
    };
    for (col, ref_col) in fk.columns.iter().zip(&fk.ref_columns) {
        let (Some(x), Some(y)) = (
            table.column(col),
            target.column(ref_col).or_else(|| {
                target
                    .columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(ref_col))
            }),
        ) else {
            continue;
        };
        if x.ty.is_empty() || y.ty.is_empty() {
            continue;
        }
        if types::canonical(dialect, &x.ty) != types::canonical(dialect, &y.ty) {
            let mut diag = Diag::new(
                d.name_range.clone(),
                Severity::Warning,
                "fk-type-mismatch",
                format!(
                    "`{}.{}` is `{}` but references `{}.{}`, which is `{}`",
                    table.name, x.name, x.ty, target.name, y.name, y.ty
                ),
            );
            diag.help = Some(format!(
                "give `{}` the type `{}` so that lookups use the index and values compare equal",
                x.name, y.ty
            ));
            out.push(diag);
        }
    }
}

/// Every file's diagnostics fingerprint: equal fingerprints, equal diagnostics
/// (used to skip publishing files that did not change).
pub fn fingerprint(diags: &[Diag]) -> u64 {
    let mut h = DefaultHasher::new();
    for d in diags {
        (&d.range, d.severity as u8, &d.code, &d.message, &d.help).hash(&mut h);
        for (r, m) in &d.related {
            (r.file, &r.range, m).hash(&mut h);
        }
    }
    h.finish()
}
