//! rust-analyzer style fixtures: several files in one string, each after a
//! `//- /path` line, with `$0` marking the cursor.

use super::{Analysis, FileId, FileOpts, Workspace};
use std::sync::Arc;

pub struct Fixture {
    pub ws: Workspace,
    pub a: Analysis,
    pub files: Vec<(String, FileId)>,
    pub cursor: Option<(FileId, usize)>,
}

impl Fixture {
    pub fn file(&self, name: &str) -> FileId {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no file {name}"))
            .1
    }

    pub fn pos(&self) -> (FileId, usize) {
        self.cursor.expect("the fixture has no $0")
    }

    pub fn text(&self, f: FileId) -> Arc<str> {
        self.a.file(f).unwrap().text.clone()
    }
}

pub fn fixture(src: &str) -> Fixture {
    let src = src.strip_prefix('\n').unwrap_or(src);
    let mut parts: Vec<(String, String)> = Vec::new();
    if !src.trim_start().starts_with("//- ") {
        parts.push(("/ws/schema.hcl".into(), trim_indent(src)));
    } else {
        let mut current: Option<(String, Vec<&str>)> = None;
        for line in src.split_inclusive('\n') {
            if let Some(h) = line.trim_start().strip_prefix("//- ") {
                if let Some((n, body)) = current.take() {
                    parts.push((n, trim_indent(&body.concat())));
                }
                current = Some((h.trim().to_string(), Vec::new()));
            } else if let Some((_, body)) = current.as_mut() {
                body.push(line);
            }
        }
        if let Some((n, body)) = current {
            parts.push((n, trim_indent(&body.concat())));
        }
    }
    let mut ws = Workspace::new();
    let mut files = Vec::new();
    let mut cursor = None;
    for (name, mut body) in parts {
        let at = body.find("$0");
        if let Some(i) = at {
            body.replace_range(i..i + 2, "");
        }
        let id = ws.set_file(
            &name,
            Arc::from(body),
            FileOpts {
                open: true,
                ..FileOpts::default()
            },
        );
        if let Some(i) = at {
            cursor = Some((id, i));
        }
        files.push((name, id));
    }
    let a = ws.snapshot();
    Fixture {
        ws,
        a,
        files,
        cursor,
    }
}

/// Removes the indentation common to all non-empty lines, and a leading newline.
pub fn trim_indent(s: &str) -> String {
    let s = s.strip_prefix('\n').unwrap_or(s);
    let indent = s
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out: String = s
        .lines()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    if s.ends_with('\n') {
        out.push('\n');
    }
    out
}
