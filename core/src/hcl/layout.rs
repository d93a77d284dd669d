//! `schema fmt`'s canonical layout, produced while HCL is written rather than
//! by re-parsing the written text.
//!
//! [`super::write`] emits unindented lines of known shapes: a block opener
//! ending in `{`, a lone `}`, `key = value` with the value already spelled
//! canonically, a `# comment`, a blank line between top-level items, and
//! heredoc bodies. [`Layout`] indents them by block depth, aligns the `=` of
//! each run of consecutive single-line attributes and drops blank lines right
//! after an opener or before a closer: what [`super::fmt::format`] would do to
//! the same text, which the tests check, at a fraction of the cost (the
//! formatter checks syntax and meaning with two HCL parsers, which took most
//! of `schema inspect`'s time and memory on big schemas).

use std::fmt;

/// Canonically laid-out HCL, written line by line through [`fmt::Write`].
#[derive(Default)]
pub struct Layout {
    text: String,
    /// The line being written.
    line: String,
    depth: usize,
    /// Consecutive single-line attributes at `depth`: key and value.
    run: Vec<(String, String)>,
    blank_pending: bool,
    /// Whether the last line opened a block (no blank line may follow it).
    last_opened: bool,
    /// Inside a heredoc: its closing word; lines pass through as written.
    heredoc: Option<String>,
}

impl Layout {
    pub fn new() -> Layout {
        Layout::default()
    }

    pub fn push_str(&mut self, s: &str) {
        let mut rest = s;
        while let Some(nl) = rest.find('\n') {
            self.line.push_str(&rest[..nl]);
            let line = std::mem::take(&mut self.line);
            self.finish_line(&line);
            rest = &rest[nl + 1..];
        }
        self.line.push_str(rest);
    }

    pub fn push(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.push_str(c.encode_utf8(&mut buf));
    }

    /// The text: lines, each ending in a newline (none for no lines).
    pub fn finish(mut self) -> String {
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.finish_line(&line);
        }
        self.flush_run();
        self.text
    }

    fn finish_line(&mut self, line: &str) {
        if let Some(end) = &self.heredoc {
            if line.trim() == end {
                self.heredoc = None;
            }
            self.text.push_str(line);
            self.text.push('\n');
            return;
        }
        if line.is_empty() {
            self.blank_pending = true;
            return;
        }
        let closes = line.starts_with('}');
        if std::mem::take(&mut self.blank_pending)
            && !self.text.is_empty()
            && !self.last_opened
            && !closes
        {
            self.flush_run();
            self.text.push('\n');
        }
        self.last_opened = false;
        if line.ends_with('{') {
            self.flush_run();
            self.indented(line);
            self.depth += 1;
            self.last_opened = true;
        } else if closes {
            self.flush_run();
            self.depth = self.depth.saturating_sub(1);
            self.indented(line);
        } else if line.starts_with('#') {
            self.flush_run();
            self.indented(line.trim_end());
        } else if let Some((key, value)) = line.split_once(" = ") {
            if let Some(end) = value.strip_prefix("<<-") {
                // A heredoc spans lines: it ends the run and is never aligned.
                self.flush_run();
                self.indented(line);
                self.heredoc = Some(end.to_string());
            } else {
                self.run.push((key.to_string(), value.to_string()));
            }
        } else {
            self.flush_run();
            self.indented(line);
        }
    }

    fn indented(&mut self, line: &str) {
        for _ in 0..self.depth {
            self.text.push_str("  ");
        }
        self.text.push_str(line);
        self.text.push('\n');
    }

    fn flush_run(&mut self) {
        let width = self
            .run
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (key, value) in std::mem::take(&mut self.run) {
            for _ in 0..self.depth {
                self.text.push_str("  ");
            }
            self.text.push_str(&key);
            for _ in key.chars().count()..width {
                self.text.push(' ');
            }
            self.text.push_str(" = ");
            self.text.push_str(&value);
            self.text.push('\n');
        }
    }
}

impl fmt::Write for Layout {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_str(s);
        Ok(())
    }
}
