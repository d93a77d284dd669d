//! Quick fixes that need the analysis (the protocol layer adds the ones that
//! only need a diagnostic's text).

use super::nav::Edit;
use super::{Analysis, DefKind, DefLoc, FileId, FileKind};

/// On a foreign key that no index covers: add `index "t_cols" { columns = [...] }`
/// right before it.
pub fn add_fk_index(a: &Analysis, file: FileId, offset: usize) -> Option<(String, Edit)> {
    let f = a.file(file)?;
    if f.kind != FileKind::Hcl {
        return None;
    }
    let (ci, c) = f.chunk_at(offset)?;
    let local = offset - c.base;
    let (di, d) = c.data.defs.iter().enumerate().find(|(_, d)| {
        d.kind == DefKind::ForeignKey && d.full_range.start <= local && local <= d.full_range.end
    })?;
    let m = d.model?;
    let loc = DefLoc {
        file,
        chunk: ci as u32,
        def: di as u32,
    };
    let (t, fk) = (a.owner_table(loc)?, c.data.fk(m)?);
    if fk.columns.is_empty() || t.is_indexed_prefix(&fk.columns) {
        return None;
    }
    let text = &f.text;
    let start = c.base + d.full_range.start;
    let line_start = text[..start].rfind('\n').map_or(0, |p| p + 1);
    let indent = &text[line_start..start];
    if !indent.chars().all(char::is_whitespace) {
        return None;
    }
    let name = format!("{}_{}", t.name, fk.columns.join("_"));
    // Names that are not HCL identifiers take the index form, labels are escaped.
    let cols: Vec<String> = fk
        .columns
        .iter()
        .map(|c| format!("column{}", strata_core::hcl::write::ident(c)))
        .collect();
    let block = format!(
        "{indent}index {} {{\n{indent}  columns = [{}]\n{indent}}}\n",
        strata_core::hcl::write::string(&name),
        cols.join(", ")
    );
    Some((
        format!(
            "Add index `{name}` on ({}) for this foreign key",
            fk.columns.join(", ")
        ),
        Edit {
            range: line_start..line_start,
            text: block,
        },
    ))
}
