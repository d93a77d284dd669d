//! Navigation: what is under the cursor, where it is defined, where it is
//! used, and renaming it everywhere (HCL and SQL alike).

use super::index::Resolution;
use super::sqlrefs::{spell, Embed};
use super::syntax::{self, Block, Node};
use super::{Analysis, DefKind, DefLoc, FileId, FileKind, FileRange, SymbolKey};
use std::collections::BTreeMap;
use std::ops::Range;

/// The symbol under the cursor.
#[derive(Clone, Debug)]
pub struct Symbol {
    /// The name under the cursor, absolute in its file.
    pub range: Range<usize>,
    pub key: SymbolKey,
    pub defs: Vec<DefLoc>,
    /// The cursor is on a definition's name (not a reference).
    pub on_def: bool,
}

pub fn symbol_at(a: &Analysis, file: FileId, offset: usize) -> Option<Symbol> {
    let f = a.file(file)?;
    let (ci, c) = f.chunk_at(offset)?;
    let local = offset - c.base;
    let hit = |r: &Range<usize>| r.start <= local && local <= r.end;
    if let Some(r) = c.data.refs.iter().find(|r| hit(&r.range)) {
        return match a.resolve(r) {
            Resolution::Found { key, defs } => Some(Symbol {
                range: c.base + r.range.start..c.base + r.range.end,
                key,
                defs,
                on_def: false,
            }),
            _ => None,
        };
    }
    let (di, d) = c
        .data
        .defs
        .iter()
        .enumerate()
        .find(|(_, d)| hit(&d.name_range))?;
    let loc = DefLoc {
        file,
        chunk: ci as u32,
        def: di as u32,
    };
    let key = SymbolKey::of(d, loc);
    let defs = a.defs_of(&key);
    Some(Symbol {
        range: c.base + d.name_range.start..c.base + d.name_range.end,
        key,
        defs: if defs.is_empty() { vec![loc] } else { defs },
        on_def: true,
    })
}

/// A place to jump to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NavTarget {
    pub file: FileId,
    pub full_range: Range<usize>,
    pub focus_range: Range<usize>,
    pub name: String,
    pub kind: DefKind,
}

pub fn nav_target(a: &Analysis, loc: DefLoc) -> Option<NavTarget> {
    let d = a.def(loc)?;
    Some(NavTarget {
        file: loc.file,
        full_range: a.def_full_range(loc)?.range,
        focus_range: a.def_name_range(loc)?.range,
        name: d.name.clone(),
        kind: d.kind,
    })
}

pub fn goto_definition(a: &Analysis, file: FileId, offset: usize) -> Vec<NavTarget> {
    let Some(s) = symbol_at(a, file, offset) else {
        return Vec::new();
    };
    s.defs.iter().filter_map(|l| nav_target(a, *l)).collect()
}

/// Every use of the symbol under the cursor, and its definitions when asked.
pub fn references(a: &Analysis, file: FileId, offset: usize, include_decl: bool) -> Vec<FileRange> {
    let Some(s) = symbol_at(a, file, offset) else {
        return Vec::new();
    };
    let mut out: Vec<FileRange> = Vec::new();
    if include_decl {
        out.extend(s.defs.iter().filter_map(|l| a.def_name_range(*l)));
    }
    if let Some(refs) = a.all_refs().get(&s.key) {
        out.extend(refs.iter().cloned());
    }
    out.sort_by_key(|r| (r.file, r.range.start, r.range.end));
    out.dedup();
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Highlight {
    pub range: Range<usize>,
    /// A definition (written) rather than a use (read).
    pub def: bool,
}

pub fn highlight(a: &Analysis, file: FileId, offset: usize) -> Vec<Highlight> {
    let Some(s) = symbol_at(a, file, offset) else {
        return Vec::new();
    };
    let mut out: Vec<Highlight> = s
        .defs
        .iter()
        .filter_map(|l| a.def_name_range(*l))
        .filter(|r| r.file == file)
        .map(|r| Highlight {
            range: r.range,
            def: true,
        })
        .collect();
    // This file's references only: resolve them here rather than build the
    // workspace-wide map.
    if let Some(f) = a.file(file) {
        for (r, base) in f.refs() {
            if let Resolution::Found { key, .. } = a.resolve(r) {
                if key == s.key {
                    out.push(Highlight {
                        range: base + r.range.start..base + r.range.end,
                        def: false,
                    });
                }
            }
        }
    }
    out.sort_by_key(|h| h.range.start);
    out.dedup();
    out
}

/// One text replacement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceChange {
    pub edits: BTreeMap<FileId, Vec<Edit>>,
    /// `renamed_from = "old"` insertions, offered separately so a client can ask
    /// before applying them: with them, the planner renames instead of drop + add.
    pub renamed_from: BTreeMap<FileId, Vec<Edit>>,
}

fn renamable(k: &SymbolKey) -> bool {
    !matches!(k, SymbolKey::Def(_))
}

pub fn prepare_rename(
    a: &Analysis,
    file: FileId,
    offset: usize,
) -> Result<(Range<usize>, String), String> {
    let s = symbol_at(a, file, offset).ok_or("nothing to rename here")?;
    if !renamable(&s.key) {
        return Err("this cannot be renamed".into());
    }
    let f = a.file(file).ok_or("unknown file")?;
    Ok((s.range.clone(), f.text[s.range].to_string()))
}

fn is_hcl_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

pub fn rename(
    a: &Analysis,
    file: FileId,
    offset: usize,
    new_name: &str,
) -> Result<SourceChange, String> {
    let s = symbol_at(a, file, offset).ok_or("nothing to rename here")?;
    if !renamable(&s.key) {
        return Err("this cannot be renamed".into());
    }
    if new_name.is_empty() || new_name.contains(['"', '\n']) {
        return Err(format!("`{new_name}` is not a valid name"));
    }
    let old = a
        .def(*s.defs.first().ok_or("no definition")?)
        .map(|d| d.name.clone())
        .unwrap_or_default();
    let mut sites: Vec<FileRange> = s.defs.iter().filter_map(|l| a.def_name_range(*l)).collect();
    if let Some(refs) = a.all_refs().get(&s.key) {
        sites.extend(refs.iter().cloned());
    }
    let mut change = SourceChange::default();
    for site in &sites {
        let f = a.file(site.file).ok_or("unknown file")?;
        let embed = embed_at(a, site);
        let text = match (f.kind, embed) {
            (FileKind::Sql, _) => spell(
                &f.text,
                site.range.clone(),
                new_name,
                f.dialect,
                Embed::Plain,
            ),
            // SQL in an HCL string or heredoc.
            (_, Embed::HclString | Embed::HclHeredoc) => {
                spell(&f.text, site.range.clone(), new_name, f.dialect, embed)
            }
            _ => {
                // A label in quotes takes any name; a reference must be an identifier.
                let quoted =
                    site.range.start > 0 && f.text.as_bytes()[site.range.start - 1] == b'"';
                if !quoted && !is_hcl_ident(new_name) {
                    return Err(format!(
                        "`{new_name}` cannot be written in an HCL reference; use letters, digits, `_` and `-`"
                    ));
                }
                new_name.to_string()
            }
        };
        change.edits.entry(site.file).or_default().push(Edit {
            range: site.range.clone(),
            text,
        });
    }
    for v in change.edits.values_mut() {
        v.sort_by_key(|e| (e.range.start, e.range.end));
        v.dedup();
    }
    if matches!(
        s.key,
        SymbolKey::Relation { .. }
            | SymbolKey::Column { .. }
            | SymbolKey::Index { .. }
            | SymbolKey::Type { .. }
    ) {
        for loc in &s.defs {
            if let Some(e) = renamed_from_edit(a, *loc, &old) {
                change.renamed_from.entry(loc.file).or_default().push(e);
            }
        }
    }
    Ok(change)
}

/// How the reference at `site` is written (a definition's name: plainly).
fn embed_at(a: &Analysis, site: &FileRange) -> Embed {
    let Some((_, c)) = a.file(site.file).and_then(|f| f.chunk_at(site.range.start)) else {
        return Embed::Plain;
    };
    c.data
        .refs
        .iter()
        .find(|r| {
            c.base + r.range.start == site.range.start && c.base + r.range.end == site.range.end
        })
        .map_or(Embed::Plain, |r| r.embed)
}

/// Inserts `renamed_from = "old"` into an HCL table, column or index block
/// that has none, as the first line of its body.
pub fn renamed_from_edit(a: &Analysis, loc: DefLoc, old: &str) -> Option<Edit> {
    let f = a.file(loc.file)?;
    if f.kind != FileKind::Hcl {
        return None;
    }
    let c = f.chunks.get(loc.chunk as usize)?;
    let d = c.data.defs.get(loc.def as usize)?;
    // Of the types, only enums can be renamed in place (core reads no
    // `renamed_from` on domains).
    if !matches!(
        d.kind,
        DefKind::Table | DefKind::Column | DefKind::Index | DefKind::Enum
    ) {
        return None;
    }
    let src = &f.text[c.range()];
    let tree = syntax::parse(src);
    let b = find_block(&tree.nodes, d.name_range.clone())?;
    if b.attr("renamed_from").is_some() {
        return None;
    }
    let open = b.open?;
    let line_end = src[open..].find('\n').map(|p| open + p + 1)?;
    let block_line_start = src[..b.ident.start].rfind('\n').map_or(0, |p| p + 1);
    let indent: String = src[block_line_start..b.ident.start]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    let inner_indent = b
        .body
        .first()
        .map(|n| {
            let start = n.range().start;
            let ls = src[..start].rfind('\n').map_or(0, |p| p + 1);
            src[ls..start].to_string()
        })
        .filter(|s| s.chars().all(char::is_whitespace))
        .unwrap_or_else(|| format!("{indent}  "));
    let at = c.base + line_end;
    Some(Edit {
        range: at..at,
        text: format!(
            "{inner_indent}renamed_from = \"{}\"\n",
            old.replace('"', "\\\"")
        ),
    })
}

/// The block whose last label is at `label` (inner range).
pub(crate) fn find_block(nodes: &[Node], label: Range<usize>) -> Option<&Block> {
    for n in nodes {
        if let Node::Block(b) = n {
            if b.label().is_some_and(|l| l.inner == label) {
                return Some(b);
            }
            if let Some(found) = find_block(&b.body, label.clone()) {
                return Some(found);
            }
        }
    }
    None
}
