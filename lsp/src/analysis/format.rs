//! Formatting through core's formatter (what `strata schema fmt` writes), as
//! one minimal edit.

use super::diagnostics::Diag;
use super::nav::Edit;
use super::{Analysis, FileId, FileKind};
use strata_core::hcl::fmt;
use strata_core::SourceFile;

pub fn format(a: &Analysis, file: FileId) -> Result<Vec<Edit>, Vec<Diag>> {
    let Some(f) = a.file(file) else {
        return Ok(Vec::new());
    };
    if f.kind == FileKind::Sql {
        return Ok(Vec::new());
    }
    let src = SourceFile::new(f.name.clone(), f.text.clone());
    match fmt::format(&src) {
        Ok(out) => Ok(minimal_edit(&f.text, &out).into_iter().collect()),
        Err(diags) => Err(diags
            .into_iter()
            .map(|d| Diag {
                range: d.span.map_or(0..0, |s| s.start..s.end),
                severity: d.severity,
                code: d.code.to_string(),
                message: d.message,
                help: d.help,
                related: Vec::new(),
            })
            .collect()),
    }
}

/// The one replacement that turns `old` into `new`: their common prefix and
/// suffix stay untouched (at character boundaries).
pub fn minimal_edit(old: &str, new: &str) -> Option<Edit> {
    if old == new {
        return None;
    }
    let mut p = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(p) || !new.is_char_boundary(p) {
        p -= 1;
    }
    let max_s = old.len().min(new.len()) - p;
    let mut s = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_s)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - s) || !new.is_char_boundary(new.len() - s) {
        s -= 1;
    }
    Some(Edit {
        range: p..old.len() - s,
        text: new[p..new.len() - s].to_string(),
    })
}
