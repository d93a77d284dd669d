//! `@renamed from=old` annotations in SQL comments (sqldef's syntax): the way a
//! SQL schema file asks for a rename instead of drop and re-create.
//!
//! ```sql
//! CREATE TABLE accounts ( -- @renamed from=old_accounts
//!   username text, -- @renamed from=user_name
//! );
//! CREATE INDEX email_idx /* @renamed from=idx_email */ ON users (email);
//! ```
//! An annotation belongs to the last object named before it on the same line.

use crate::model::Realm;
use crate::span::SourceFile;

/// Byte offset and old name of every annotation in `text`.
pub fn renames(text: &str) -> Vec<(usize, String)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                let end = text[i..].find('\n').map_or(text.len(), |e| i + e);
                scan_comment(text, i, end, &mut out);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").map_or(text.len(), |e| i + 2 + e);
                scan_comment(text, i, end, &mut out);
                i = end + 2;
            }
            _ => i += 1,
        }
    }
    out
}

fn scan_comment(text: &str, start: usize, end: usize, out: &mut Vec<(usize, String)>) {
    let comment = &text[start..end];
    let Some(at) = comment.find("@renamed") else {
        return;
    };
    let rest = comment[at + "@renamed".len()..].trim_start();
    let Some(value) = rest.strip_prefix("from=") else {
        return;
    };
    let name = match value.strip_prefix('"') {
        Some(q) => q.split('"').next().unwrap_or("").to_string(),
        None => value
            .split(|c: char| c.is_whitespace() || c == '*')
            .next()
            .unwrap_or("")
            .to_string(),
    };
    if !name.is_empty() {
        out.push((start + at, name));
    }
}

/// Sets `renamed_from` on the objects of `file` that annotations point at.
pub fn apply(realm: &mut Realm, file: &SourceFile) {
    for (offset, old) in renames(&file.text) {
        let line = file.line_col(offset).line;
        let on_line = |span: &Option<crate::span::Span>| -> Option<usize> {
            let s = span
                .as_ref()
                .filter(|s| s.file == file.name && s.start < offset)?;
            (file.line_col(s.start).line == line).then_some(s.start)
        };
        // The closest object named before the annotation on its line.
        let mut best: Option<(usize, &mut Option<String>)> = None;
        for s in &mut realm.schemas {
            for t in &mut s.tables {
                if let Some(p) = on_line(&t.span) {
                    if best.as_ref().is_none_or(|(b, _)| p > *b) {
                        best = Some((p, &mut t.renamed_from));
                    }
                }
                for c in &mut t.columns {
                    if let Some(p) = on_line(&c.span) {
                        if best.as_ref().is_none_or(|(b, _)| p > *b) {
                            best = Some((p, &mut c.renamed_from));
                        }
                    }
                }
                for i in &mut t.indexes {
                    if let Some(p) = on_line(&i.span) {
                        if best.as_ref().is_none_or(|(b, _)| p > *b) {
                            best = Some((p, &mut i.renamed_from));
                        }
                    }
                }
            }
            for v in &mut s.views {
                if let Some(p) = on_line(&v.span) {
                    if best.as_ref().is_none_or(|(b, _)| p > *b) {
                        best = Some((p, &mut v.renamed_from));
                    }
                }
            }
        }
        if let Some((_, slot)) = best {
            *slot = Some(old);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Dialect;

    #[test]
    fn annotations_attach_to_the_object_named_before_them() {
        let text = "CREATE TABLE accounts ( -- @renamed from=old_accounts\n  id int,\n  username text, -- @renamed from=\"user name\"\n  note text -- plain comment\n);\nCREATE TABLE t /* @renamed from=t0 */ (a int);\nCREATE INDEX ix /* @renamed from=old_ix */ ON t (a);\n";
        let file = SourceFile::new("s.sql", text);
        let (mut realm, diags) = crate::sql::static_read::read(&file, Dialect::Sqlite);
        assert!(diags.is_empty(), "{diags:?}");
        apply(&mut realm, &file);
        let main = realm.schema("main").unwrap();
        let acc = main.table("accounts").unwrap();
        assert_eq!(acc.renamed_from.as_deref(), Some("old_accounts"));
        assert_eq!(
            acc.column("username").unwrap().renamed_from.as_deref(),
            Some("user name")
        );
        assert_eq!(acc.column("note").unwrap().renamed_from, None);
        let t = main.table("t").unwrap();
        assert_eq!(t.renamed_from.as_deref(), Some("t0"));
        assert_eq!(
            t.index("ix").unwrap().renamed_from.as_deref(),
            Some("old_ix")
        );
    }

    #[test]
    fn strings_that_look_like_annotations_are_ignored() {
        assert!(renames("SELECT '-- @renamed from=x'").is_empty());
        assert_eq!(
            renames("a -- @renamed from=b\n"),
            vec![(5, "b".to_string())]
        );
    }
}
