//! Splits HCL text into top-level items without parsing it.
//!
//! The reader parses each chunk on its own, so one broken block yields one error
//! and the rest of the file still loads; the language server re-parses only the
//! chunk an edit touched. The formatter reuses the [`tokenize`] lexer below.

use std::ops::Range;

/// One top-level item: a block or an attribute, with the comments before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// Byte range in the original text, from the first non-whitespace character
    /// (a leading comment counts) to the end of the item's last token.
    pub range: Range<usize>,
    /// False when the item's brackets never balance (a half-typed block, or a
    /// stray closing brace).
    pub complete: bool,
}

/// Splits `text` into its top-level items, recovering from unclosed blocks.
///
/// Comments after the last item form a final chunk of their own, so the chunks
/// cover every token of the file.
pub fn split_top_level(text: &str) -> Vec<Chunk> {
    let toks = tokenize(text);
    let mut chunks = Vec::new();
    let mut i = 0;
    while let Some(start) = (i..toks.len()).find(|&k| toks[k].kind != Tok::Newline) {
        let mut item = scan_item(&toks, start, false);
        if item.unclosed {
            // Only now guess where the broken item ends, so that valid files
            // with nested blocks at column 0 are never cut.
            item = scan_item(&toks, start, true);
        }
        let last = (start..item.next)
            .rev()
            .find(|&k| toks[k].kind != Tok::Newline)
            .unwrap_or(start);
        chunks.push(Chunk {
            range: toks[start].range.start..toks[last].range.end,
            complete: item.complete,
        });
        i = item.next;
    }
    chunks
}

/// Where one item ends: `next` is the index of the first token after it.
struct ItemEnd {
    next: usize,
    complete: bool,
    unclosed: bool,
}

/// Scans one item from `start`; with `recover`, a new-item line cuts an
/// unclosed item short.
fn scan_item(toks: &[Token], start: usize, recover: bool) -> ItemEnd {
    let mut depth = 0usize;
    let mut has_content = false;
    let mut stray_close = false;
    for j in start..toks.len() {
        match toks[j].kind {
            Tok::Newline if depth == 0 && has_content => {
                return ItemEnd {
                    next: j,
                    complete: !stray_close,
                    unclosed: false,
                };
            }
            Tok::Newline if recover && depth > 0 && starts_new_item(toks, j + 1) => {
                return ItemEnd {
                    next: j + 1,
                    complete: false,
                    unclosed: false,
                };
            }
            Tok::Newline | Tok::LineComment | Tok::BlockComment => {}
            Tok::Open(_) => {
                depth += 1;
                has_content = true;
            }
            Tok::Close(_) => {
                stray_close |= depth == 0;
                depth = depth.saturating_sub(1);
                has_content = true;
            }
            _ => has_content = true,
        }
    }
    ItemEnd {
        next: toks.len(),
        complete: depth == 0 && !stray_close,
        unclosed: depth > 0,
    }
}

/// A line at column 0 that looks like a block header (`table "x" {` or
/// `schema {`) most likely starts a new item when the one before it is unclosed.
fn starts_new_item(toks: &[Token], k: usize) -> bool {
    let (Some(first), Some(second)) = (toks.get(k), toks.get(k + 1)) else {
        return false;
    };
    let at_column_0 = k > 0 && first.range.start == toks[k - 1].range.end;
    at_column_0 && first.kind == Tok::Ident && matches!(second.kind, Tok::Str | Tok::Open(b'{'))
}

/// Lexical token kinds, just fine enough for splitting and formatting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Ident,
    Number,
    /// A whole quoted template, quotes and interpolations included.
    Str,
    /// From `<<EOF` through the closing marker (not the newline after it).
    Heredoc,
    /// `#` or `//` up to, not including, the line break.
    LineComment,
    BlockComment,
    /// `\n` or `\r\n`.
    Newline,
    Open(u8),
    Close(u8),
    /// Operators and separators: `=`, `==`, `=>`, `.`, `,`, `...`, `?`, ...
    Punct,
    /// Anything else, one character.
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Tok,
    pub range: Range<usize>,
}

/// Lexes `text` into tokens; spaces and tabs are dropped. Never fails: an
/// unterminated string, heredoc or block comment ends at its own line's end so
/// that the lines after it are still lexed as code.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    if text.starts_with('\u{feff}') {
        lexer.pos = '\u{feff}'.len_utf8();
    }
    let mut toks = Vec::new();
    while let Some(tok) = lexer.next_token() {
        toks.push(tok);
    }
    toks
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

const PUNCT2: [&str; 8] = ["==", "!=", "<=", ">=", "&&", "||", "=>", "::"];

impl Lexer<'_> {
    fn next_token(&mut self) -> Option<Token> {
        while matches!(self.peek(0), Some(b' ' | b'\t'))
            || (self.peek(0) == Some(b'\r') && self.peek(1) != Some(b'\n'))
        {
            self.pos += 1;
        }
        let start = self.pos;
        let kind = self.lex_one()?;
        Some(Token {
            kind,
            range: start..self.pos,
        })
    }

    /// Lexes the token at `pos`, advancing past it.
    fn lex_one(&mut self) -> Option<Tok> {
        let b = self.peek(0)?;
        let rest = &self.text[self.pos..];
        let kind = match b {
            b'\n' => self.advance(1, Tok::Newline),
            b'\r' => self.advance(2, Tok::Newline),
            b'#' => self.line_comment(),
            b'/' if rest.starts_with("//") => self.line_comment(),
            b'/' if rest.starts_with("/*") => self.block_comment(),
            b'"' => self.quoted(),
            b'<' if rest.starts_with("<<") => self.heredoc(),
            b'{' | b'[' | b'(' => self.advance(1, Tok::Open(b)),
            b'}' | b']' | b')' => self.advance(1, Tok::Close(b)),
            b'0'..=b'9' => self.number(),
            _ if rest.starts_with("...") => self.advance(3, Tok::Punct),
            _ if PUNCT2.iter().any(|p| rest.starts_with(p)) => self.advance(2, Tok::Punct),
            b'=' | b'+' | b'-' | b'*' | b'/' | b'%' | b'<' | b'>' | b'!' | b'?' | b':' | b'.'
            | b',' | b'&' | b'|' => self.advance(1, Tok::Punct),
            _ => self.ident_or_other(),
        };
        Some(kind)
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn advance(&mut self, n: usize, kind: Tok) -> Tok {
        self.pos = (self.pos + n).min(self.bytes.len());
        kind
    }

    /// End of the current line, before its `\n` or `\r\n`.
    fn line_end(&self, from: usize) -> usize {
        let nl = self.text[from..]
            .find('\n')
            .map_or(self.text.len(), |i| from + i);
        if nl > from && self.bytes[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        }
    }

    fn line_comment(&mut self) -> Tok {
        self.pos = self.line_end(self.pos);
        Tok::LineComment
    }

    fn block_comment(&mut self) -> Tok {
        self.pos = match self.text[self.pos + 2..].find("*/") {
            Some(i) => self.pos + 2 + i + 2,
            None => self.line_end(self.pos),
        };
        Tok::BlockComment
    }

    fn quoted(&mut self) -> Tok {
        self.pos = match quoted_end(self.bytes, self.pos + 1) {
            Some(end) => end,
            None => self.line_end(self.pos),
        };
        Tok::Str
    }

    fn heredoc(&mut self) -> Tok {
        let Some((marker, body_start)) = self.heredoc_header() else {
            return self.advance(1, Tok::Punct);
        };
        self.pos = match find_marker_line(self.text, body_start, marker) {
            Some(end) => end,
            None => self.line_end(self.pos),
        };
        Tok::Heredoc
    }

    /// For `<<EOF` or `<<-EOF` ending its line: the marker and where the body starts.
    fn heredoc_header(&self) -> Option<(&str, usize)> {
        let mut p = self.pos + 2;
        if self.bytes.get(p) == Some(&b'-') {
            p += 1;
        }
        let name_len = self.text[p..]
            .find(|c: char| !is_ident_char(c))
            .unwrap_or(self.text.len() - p);
        let after = &self.text[p + name_len..];
        let newline = if after.starts_with("\r\n") { 2 } else { 1 };
        let starts_ident = self.text[p..].starts_with(is_ident_start);
        (starts_ident && (after.starts_with('\n') || after.starts_with("\r\n")))
            .then(|| (&self.text[p..p + name_len], p + name_len + newline))
    }

    fn number(&mut self) -> Tok {
        self.skip_digits();
        if self.peek(0) == Some(b'.') && self.peek(1).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
            self.skip_digits();
        }
        if matches!(self.peek(0), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(self.peek(1), Some(b'+' | b'-')));
            if self.peek(1 + sign).is_some_and(|b| b.is_ascii_digit()) {
                self.pos += 1 + sign;
                self.skip_digits();
            }
        }
        Tok::Number
    }

    fn skip_digits(&mut self) {
        while self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    fn ident_or_other(&mut self) -> Tok {
        let rest = &self.text[self.pos..];
        let first = rest.chars().next().unwrap_or(' ');
        if !is_ident_start(first) {
            return self.advance(first.len_utf8(), Tok::Other);
        }
        let len = rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len());
        self.advance(len, Tok::Ident)
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// End (after the closing quote) of a quoted template whose body starts at
/// `from`, or None when it is unterminated. Interpolations may nest strings and
/// span lines; the literal parts may not.
fn quoted_end(bytes: &[u8], mut from: usize) -> Option<usize> {
    while let Some(&b) = bytes.get(from) {
        let next = bytes.get(from + 1).copied();
        let third = bytes.get(from + 2).copied();
        from = match (b, next) {
            (b'"', _) => return Some(from + 1),
            (b'\n', _) => return None,
            (b'\\', _) => from + 2,
            (b'$' | b'%', Some(b2)) if b2 == b && third == Some(b'{') => from + 3,
            (b'$' | b'%', Some(b'{')) => interpolation_end(bytes, from + 2)?,
            _ => from + 1,
        };
    }
    None
}

/// End (after the closing brace) of a `${ ... }` whose body starts at `from`.
fn interpolation_end(bytes: &[u8], mut from: usize) -> Option<usize> {
    let mut depth = 1;
    while let Some(&b) = bytes.get(from) {
        from = match b {
            b'"' => quoted_end(bytes, from + 1)?,
            b'{' => {
                depth += 1;
                from + 1
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(from + 1);
                }
                from + 1
            }
            _ => from + 1,
        };
    }
    None
}

/// End of the closing marker of a heredoc whose body starts at `from`: the first
/// line that holds only `marker`, give or take surrounding whitespace.
fn find_marker_line(text: &str, mut from: usize, marker: &str) -> Option<usize> {
    while from < text.len() {
        let line_end = text[from..].find('\n').map_or(text.len(), |i| from + i);
        let line = &text[from..line_end];
        if line.trim() == marker {
            let indent = line.len() - line.trim_start().len();
            return Some(from + indent + marker.len());
        }
        from = line_end + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of each chunk, with `!` appended to incomplete ones.
    fn split(text: &str) -> Vec<String> {
        split_top_level(text)
            .into_iter()
            .map(|c| {
                let mark = if c.complete { "" } else { "!" };
                format!("{}{mark}", &text[c.range])
            })
            .collect()
    }

    #[test]
    fn blocks_and_attributes_are_items() {
        let text = "\n  schema \"public\" {\n}\n\nx = 1\ntable \"t\" {\n  column \"id\" {\n    type = int\n  }\n}   \n";
        assert_eq!(
            split(text),
            [
                "schema \"public\" {\n}",
                "x = 1",
                "table \"t\" {\n  column \"id\" {\n    type = int\n  }\n}",
            ]
        );
    }

    #[test]
    fn leading_comments_belong_to_the_next_item() {
        let text = "# users\n// more\n/* and\n more */\ntable \"users\" {} # trailing\n# the end\n";
        assert_eq!(
            split(text),
            [
                "# users\n// more\n/* and\n more */\ntable \"users\" {} # trailing",
                "# the end",
            ]
        );
    }

    #[test]
    fn braces_in_strings_comments_and_heredocs_do_not_count() {
        let text = concat!(
            "a = \"{ \\\" ${ {x = \"}\"}.x } %{ if true }{%{ endif }\"\n",
            "b = \"$${ {\"\n",
            "# {\n",
            "view \"v\" {\n",
            "  as = <<-SQL\n    SELECT '{' FROM t -- }\n  }\n    SQL\n",
            "  c = <<EOF\n}\nEOF\n",
            "}\n",
            "d = 1\n",
        );
        let chunks = split_top_level(text);
        assert!(chunks.iter().all(|c| c.complete));
        assert_eq!(chunks.len(), 4);
        assert!(text[chunks[2].range.clone()].starts_with("# {\nview"));
        assert!(text[chunks[2].range.clone()].ends_with("EOF\n}"));
    }

    #[test]
    fn half_typed_block_does_not_swallow_the_next_ones() {
        let text = concat!(
            "table \"a\" {\n",
            "  column \"id\" {\n",
            "    type = int\n",
            "table \"b\" {\n",
            "}\n",
            "table \"c\" {\n",
            "  column \"x\" {\n",
            "  }\n",
            "}\n",
        );
        assert_eq!(
            split(text),
            [
                "table \"a\" {\n  column \"id\" {\n    type = int!",
                "table \"b\" {\n}",
                "table \"c\" {\n  column \"x\" {\n  }\n}",
            ]
        );
    }

    #[test]
    fn nested_blocks_at_column_0_are_not_cut_in_valid_files() {
        let text = "table \"a\" {\ncolumn \"id\" {\ntype = int\n}\n}\ntable \"b\" {\n}\n";
        assert_eq!(
            split(text),
            [
                "table \"a\" {\ncolumn \"id\" {\ntype = int\n}\n}",
                "table \"b\" {\n}",
            ]
        );
    }

    #[test]
    fn unclosed_last_block_runs_to_the_end() {
        assert_eq!(
            split("x = 1\ntable \"a\" {\n  y = 2\n\n"),
            ["x = 1", "table \"a\" {\n  y = 2!"]
        );
    }

    #[test]
    fn stray_closing_brace_is_an_incomplete_item() {
        assert_eq!(split("a {\n}\n}\nb = 1\n"), ["a {\n}", "}!", "b = 1"]);
    }

    #[test]
    fn unterminated_string_and_heredoc_stay_on_their_line() {
        assert_eq!(split("a = \"abc\nb = 1\n"), ["a = \"abc", "b = 1"]);
        assert_eq!(split("a = <<EOF\nb = 1\n"), ["a = <<EOF", "b = 1"]);
        assert_eq!(split("a = 1 /* x\nb = 1\n"), ["a = 1 /* x", "b = 1"]);
    }

    #[test]
    fn crlf_line_endings() {
        let text =
            "# c\r\ntable \"a\" {\r\n  x = 1\r\n}\r\n\r\ny = <<EOF\r\n{\r\nEOF\r\nz = 2 # z\r\n";
        assert_eq!(
            split(text),
            [
                "# c\r\ntable \"a\" {\r\n  x = 1\r\n}",
                "y = <<EOF\r\n{\r\nEOF",
                "z = 2 # z",
            ]
        );
    }

    #[test]
    fn ranges_are_byte_offsets_with_non_ascii_text() {
        let text = "# café ☕\ntable \"ünïcode\" {\n  comment = \"naïve {\"\n}\nπ = 1\n";
        let chunks = split_top_level(text);
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].range.start, 0);
        assert!(text[chunks[0].range.clone()].ends_with("\"naïve {\"\n}"));
        assert_eq!(&text[chunks[1].range.clone()], "π = 1");
    }

    #[test]
    fn empty_and_blank_text_have_no_chunks() {
        assert!(split_top_level("").is_empty());
        assert!(split_top_level(" \n\r\n\t").is_empty());
    }

    #[test]
    fn lexer_keeps_multi_char_operators_together() {
        let text = "a == -1.5e3 ... => !=";
        let kinds: Vec<_> = tokenize(text)
            .iter()
            .map(|t| &text[t.range.clone()])
            .collect();
        assert_eq!(kinds, ["a", "==", "-", "1.5e3", "...", "=>", "!="]);
    }
}
