//! Document and workspace symbols, and folding ranges.

use super::syntax::{self, Node, TokKind};
use super::{Analysis, DefKind, FileId, FileKind};
use std::ops::Range;
use strata_core::sql::split::split;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocSymbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: DefKind,
    pub range: Range<usize>,
    pub selection: Range<usize>,
    pub children: Vec<DocSymbol>,
}

pub fn document_symbols(a: &Analysis, file: FileId) -> Vec<DocSymbol> {
    let Some(f) = a.file(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in &f.chunks {
        let defs = &c.data.defs;
        let abs = |r: &Range<usize>| c.base + r.start..c.base + r.end;
        for d in defs.iter().filter(|d| d.parent.is_none()) {
            let children = d
                .children
                .clone()
                .map(|i| &defs[i as usize])
                .map(|k| DocSymbol {
                    name: k.name.clone(),
                    detail: k.detail.clone(),
                    kind: k.kind,
                    range: abs(&k.full_range),
                    selection: abs(&k.name_range),
                    children: Vec::new(),
                })
                .collect();
            let detail = match d.kind {
                DefKind::Table | DefKind::View if !d.schema.is_empty() => Some(d.schema.clone()),
                _ => d.detail.clone(),
            };
            out.push(DocSymbol {
                name: d.name.clone(),
                detail,
                kind: d.kind,
                range: abs(&d.full_range),
                selection: abs(&d.name_range),
                children,
            });
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    pub name: String,
    pub kind: DefKind,
    pub container: Option<String>,
    pub file: FileId,
    pub range: Range<usize>,
}

pub const MAX_WORKSPACE_SYMBOLS: usize = 200;

/// Symbols whose name contains the query's characters in order (case-insensitive);
/// tables and views before their columns, better matches first.
pub fn workspace_symbols(a: &Analysis, query: &str) -> Vec<WorkspaceSymbol> {
    let q = query.to_lowercase();
    let mut hits: Vec<(u8, u8, WorkspaceSymbol)> = Vec::new();
    for f in a.files() {
        for (_, d, base) in f.defs() {
            if matches!(d.kind, DefKind::PrimaryKey | DefKind::Check) {
                continue;
            }
            let name = d.name.to_lowercase();
            let score = if q.is_empty() || name.starts_with(&q) {
                0
            } else if name.contains(&q) {
                1
            } else {
                let mut it = name.chars();
                if !q.chars().all(|c| it.any(|x| x == c)) {
                    continue;
                }
                2
            };
            // Tables, views and other top-level objects before their columns and indexes.
            let tier = u8::from(d.table.is_some());
            hits.push((
                tier,
                score,
                WorkspaceSymbol {
                    name: d.name.clone(),
                    kind: d.kind,
                    container: d
                        .table
                        .clone()
                        .or_else(|| (!d.schema.is_empty()).then(|| d.schema.clone())),
                    file: f.id,
                    range: base + d.name_range.start..base + d.name_range.end,
                },
            ));
        }
    }
    hits.sort_by(|x, y| {
        (x.0, x.1, x.2.name.len(), &x.2.name).cmp(&(y.0, y.1, y.2.name.len(), &y.2.name))
    });
    hits.truncate(MAX_WORKSPACE_SYMBOLS);
    hits.into_iter().map(|h| h.2).collect()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FoldKind {
    Region,
    Comment,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fold {
    pub range: Range<usize>,
    pub kind: FoldKind,
}

pub fn folding_ranges(a: &Analysis, file: FileId) -> Vec<Fold> {
    let Some(f) = a.file(file) else {
        return Vec::new();
    };
    let text = &f.text;
    let multi = |r: &Range<usize>| text[r.clone()].contains('\n');
    let mut out = Vec::new();
    match f.kind {
        FileKind::Sql => {
            for s in split(text, f.dialect) {
                if multi(&s.range) {
                    out.push(Fold {
                        range: s.range,
                        kind: FoldKind::Region,
                    });
                }
            }
        }
        FileKind::Hcl | FileKind::Config => {
            for c in &f.chunks {
                let src = &text[c.range()];
                let tree = syntax::parse(src);
                let mut stack: Vec<&Node> = tree.nodes.iter().collect();
                while let Some(n) = stack.pop() {
                    match n {
                        Node::Block(b) => {
                            let r = c.base + b.range.start..c.base + b.range.end;
                            if multi(&r) {
                                out.push(Fold {
                                    range: r,
                                    kind: FoldKind::Region,
                                });
                            }
                            stack.extend(b.body.iter());
                        }
                        Node::Attr(at) => {
                            let r = c.base + at.value.start..c.base + at.value.end;
                            if multi(&r) {
                                out.push(Fold {
                                    range: r,
                                    kind: FoldKind::Region,
                                });
                            }
                        }
                    }
                }
                // Runs of line comments.
                let mut run: Option<Range<usize>> = None;
                let mut lines_in_run = 0;
                for t in &tree.toks {
                    match t.kind {
                        TokKind::Comment => {
                            let r = c.base + t.range.start..c.base + t.range.end;
                            if multi(&r) {
                                out.push(Fold {
                                    range: r.clone(),
                                    kind: FoldKind::Comment,
                                });
                            }
                            run = Some(run.map_or(r.clone(), |x| x.start..r.end));
                            lines_in_run += 1;
                        }
                        TokKind::Newline => {}
                        _ => {
                            if let Some(r) = run.take() {
                                if lines_in_run > 1 {
                                    out.push(Fold {
                                        range: r,
                                        kind: FoldKind::Comment,
                                    });
                                }
                            }
                            lines_in_run = 0;
                        }
                    }
                }
                if let Some(r) = run {
                    if lines_in_run > 1 {
                        out.push(Fold {
                            range: r,
                            kind: FoldKind::Comment,
                        });
                    }
                }
            }
        }
    }
    out.sort_by_key(|f| (f.range.start, f.range.end));
    out
}
