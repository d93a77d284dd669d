//! Inlay hints on foreign keys: the target after the columns, and a warning
//! when no index starts with the FK's columns (each delete or key update in the
//! referenced table then scans this one).

use super::nav::find_block;
use super::syntax;
use super::{Analysis, DefKind, DefLoc, FileId, FileKind};
use std::ops::Range;
use strata_core::hcl::write::{ident as hcl_step, string as hcl_string};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    pub offset: usize,
    pub label: String,
    pub tooltip: Option<String>,
    /// A problem worth attention rather than information.
    pub warning: bool,
}

pub fn inlay_hints(a: &Analysis, file: FileId, range: Range<usize>) -> Vec<InlayHint> {
    let Some(f) = a.file(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (ci, c) in f.chunks.iter().enumerate() {
        if c.base > range.end || c.base + c.data.len < range.start {
            continue;
        }
        let fk_defs: Vec<_> = c
            .data
            .defs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.kind == DefKind::ForeignKey && d.model.is_some())
            .collect();
        if fk_defs.is_empty() {
            continue;
        }
        let src = &f.text[c.range()];
        let tree = (f.kind == FileKind::Hcl).then(|| syntax::parse(src));
        for (di, d) in fk_defs {
            let m = d.model.unwrap();
            let loc = DefLoc {
                file,
                chunk: ci as u32,
                def: di as u32,
            };
            // The table with what other statements add (`CREATE INDEX`) merged in.
            let (Some(t), Some(fk)) = (a.owner_table(loc), c.data.fk(m)) else {
                continue;
            };
            // HCL: after `columns = [...]`; SQL: after the constraint's name.
            let at = tree
                .as_ref()
                .and_then(|tr| find_block(&tr.nodes, d.name_range.clone()))
                .and_then(|b| b.attr("columns"))
                .map_or(d.name_range.end, |x| x.value.end);
            let offset = c.base + at;
            if offset < range.start || offset > range.end {
                continue;
            }
            if f.kind == FileKind::Hcl {
                out.push(InlayHint {
                    offset,
                    label: format!("→ {}({})", fk.ref_table, fk.ref_columns.join(", ")),
                    tooltip: Some(format!(
                        "references {}({})",
                        fk.ref_table,
                        fk.ref_columns.join(", ")
                    )),
                    warning: false,
                });
            }
            if !t.is_indexed_prefix(&fk.columns) {
                out.push(InlayHint {
                    offset,
                    label: "⚠ no index".into(),
                    // The suggested block is HCL to paste: names written
                    // as the HCL writer writes them (`column["first name"]`).
                    tooltip: Some(format!(
                        "no index on `{}` starts with ({}): deleting or re-keying rows of `{}` scans `{}`. Add `index {} {{ columns = [{}] }}`",
                        t.name,
                        fk.columns.join(", "),
                        fk.ref_table,
                        t.name,
                        hcl_string(&format!("{}_{}", t.name, fk.columns.join("_"))),
                        fk.columns
                            .iter()
                            .map(|c| format!("column{}", hcl_step(c)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                    warning: true,
                });
            }
        }
    }
    out
}
