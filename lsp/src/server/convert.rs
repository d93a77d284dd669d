//! Byte offsets ⇄ LSP positions (UTF-16 code units by default, UTF-8 bytes
//! when the client offers it), and applying edits to ropes.

use ropey::Rope;
use std::ops::Range;
use std::sync::Arc;
use tower_lsp_server::ls_types::{Position, Range as LspRange};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// Line starts of one text, to turn byte offsets into positions and back.
#[derive(Debug)]
pub struct LineIndex {
    pub text: Arc<str>,
    starts: Vec<usize>,
    pub encoding: Encoding,
}

impl LineIndex {
    pub fn new(text: Arc<str>, encoding: Encoding) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            text,
            starts,
            encoding,
        }
    }

    /// The end of line `line`, before its line break.
    fn line_end(&self, line: usize) -> usize {
        match self.starts.get(line + 1) {
            Some(next) => {
                let mut e = next - 1;
                if e > self.starts[line] && self.text.as_bytes()[e - 1] == b'\r' {
                    e -= 1;
                }
                e
            }
            None => self.text.len(),
        }
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|s| *s <= offset) - 1;
        let start = self.starts[line];
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = match self.encoding {
            Encoding::Utf8 => end - start,
            Encoding::Utf16 => self.text[start..end].encode_utf16().count(),
        };
        Position::new(line as u32, col as u32)
    }

    pub fn range(&self, r: &Range<usize>) -> LspRange {
        LspRange::new(self.position(r.start), self.position(r.end))
    }

    /// The byte offset of `pos`, clamped to the line's end (and the text's).
    pub fn offset(&self, pos: Position) -> usize {
        let line = pos.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return self.text.len();
        };
        let end = self.line_end(line);
        let line_text = &self.text[start..end];
        let col = pos.character as usize;
        match self.encoding {
            Encoding::Utf8 => {
                let mut o = col.min(line_text.len());
                while !line_text.is_char_boundary(o) {
                    o -= 1;
                }
                start + o
            }
            Encoding::Utf16 => {
                let mut units = 0;
                for (i, ch) in line_text.char_indices() {
                    if units >= col {
                        return start + i;
                    }
                    units += ch.len_utf16();
                }
                end
            }
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.text.len())
    }
}

/// The char index in `rope` of an LSP position, clamped to the line.
pub fn rope_char(rope: &Rope, pos: Position, enc: Encoding) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_chars();
    }
    let line_start = rope.line_to_char(line);
    let slice = rope.line(line);
    // Exclude the line break from the columns a position may address.
    let mut len = slice.len_chars();
    while len > 0 && matches!(slice.char(len - 1), '\n' | '\r') {
        len -= 1;
    }
    let col = pos.character as usize;
    let chars = match enc {
        Encoding::Utf8 => {
            let mut bytes = 0;
            let mut n = 0;
            for ch in slice.chars().take(len) {
                if bytes >= col {
                    break;
                }
                bytes += ch.len_utf8();
                n += 1;
            }
            n
        }
        Encoding::Utf16 => {
            let mut units = 0;
            let mut n = 0;
            for ch in slice.chars().take(len) {
                if units >= col {
                    break;
                }
                units += ch.len_utf16();
                n += 1;
            }
            n
        }
    };
    line_start + chars
}

/// Applies one content change (a range and its new text, or the whole text).
pub fn apply_change(rope: &mut Rope, range: Option<LspRange>, text: &str, enc: Encoding) {
    match range {
        None => *rope = Rope::from_str(text),
        Some(r) => {
            let start = rope_char(rope, r.start, enc);
            let end = rope_char(rope, r.end, enc).max(start);
            rope.remove(start..end);
            rope.insert(start, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_positions_on_a_line_with_non_ascii_text() {
        // "é" is 2 bytes and 1 UTF-16 unit; "𝄞" is 4 bytes and 2 units.
        let text: Arc<str> = Arc::from("a\nxé𝄞y = 1\n");
        let ix = LineIndex::new(text.clone(), Encoding::Utf16);
        let y = text.find('y').unwrap();
        assert_eq!(ix.position(y), Position::new(1, 4));
        assert_eq!(ix.offset(Position::new(1, 4)), y);
        let ix8 = LineIndex::new(text.clone(), Encoding::Utf8);
        assert_eq!(ix8.position(y), Position::new(1, 7));
        assert_eq!(ix8.offset(Position::new(1, 7)), y);
        // Past the end of a line clamps to it.
        assert_eq!(ix.offset(Position::new(0, 99)), 1);
    }

    #[test]
    fn incremental_edits_on_a_rope_in_both_encodings() {
        let mut rope = Rope::from_str("xé𝄞y\nz\n");
        let r = LspRange::new(Position::new(0, 4), Position::new(0, 5));
        apply_change(&mut rope, Some(r), "Y", Encoding::Utf16);
        assert_eq!(rope.to_string(), "xé𝄞Y\nz\n");
        let r = LspRange::new(Position::new(0, 7), Position::new(1, 0));
        apply_change(&mut rope, Some(r), "!", Encoding::Utf8);
        assert_eq!(rope.to_string(), "xé𝄞!z\n");
    }
}
