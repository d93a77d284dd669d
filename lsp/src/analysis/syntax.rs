//! A tolerant lexer and block tree for HCL text.
//!
//! Core's reader (hcl-edit) is exact but gives up on a half-typed block; an
//! editor needs structure precisely then. This lexer never fails and the tree
//! builder recovers from missing braces and brackets, so completion, symbols,
//! folding and semantic tokens work on broken text. Offsets are bytes into the
//! text given (usually one top-level chunk).

use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokKind {
    Ident,
    Number,
    /// A quoted string, quotes included (possibly unterminated).
    Str,
    /// `<<EOF … EOF`, marker lines included.
    Heredoc,
    Comment,
    Newline,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Eq,
    Dot,
    Comma,
    /// Any other operator or character.
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tok {
    pub kind: TokKind,
    pub range: Range<usize>,
}

impl Tok {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.range.clone()]
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// Lexes `src`; spaces and tabs are dropped, newlines and comments kept.
pub fn lex(src: &str) -> Vec<Tok> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    if src.starts_with('\u{feff}') {
        i = 3;
    }
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'\n' => {
                i += 1;
                TokKind::Newline
            }
            b'#' => {
                i = line_end(b, i);
                TokKind::Comment
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = line_end(b, i);
                TokKind::Comment
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = match src[i + 2..].find("*/") {
                    Some(p) => i + 2 + p + 2,
                    None => b.len(),
                };
                TokKind::Comment
            }
            b'"' => {
                i = string_end(b, i);
                TokKind::Str
            }
            b'<' if b.get(i + 1) == Some(&b'<') => match heredoc_end(src, i) {
                Some(end) => {
                    i = end;
                    TokKind::Heredoc
                }
                None => {
                    i += 2;
                    TokKind::Other
                }
            },
            b'{' => {
                i += 1;
                TokKind::LBrace
            }
            b'}' => {
                i += 1;
                TokKind::RBrace
            }
            b'[' => {
                i += 1;
                TokKind::LBracket
            }
            b']' => {
                i += 1;
                TokKind::RBracket
            }
            b'(' => {
                i += 1;
                TokKind::LParen
            }
            b')' => {
                i += 1;
                TokKind::RParen
            }
            b'=' if !matches!(b.get(i + 1), Some(b'=' | b'>')) => {
                i += 1;
                TokKind::Eq
            }
            b'.' if b.get(i + 1) != Some(&b'.') => {
                i += 1;
                TokKind::Dot
            }
            b',' => {
                i += 1;
                TokKind::Comma
            }
            b'0'..=b'9' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    // `1.5` is a number; `1.x` is not (attribute access on a number
                    // is meaningless in schema files anyway).
                    if b[i] == b'.' && !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                        break;
                    }
                    i += 1;
                }
                TokKind::Number
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or(' ');
                if is_ident_start(ch) {
                    i += ch.len_utf8();
                    while let Some(ch) = src[i..].chars().next() {
                        if !is_ident_char(ch) {
                            break;
                        }
                        i += ch.len_utf8();
                    }
                    TokKind::Ident
                } else {
                    i += ch.len_utf8().max(1);
                    TokKind::Other
                }
            }
        };
        out.push(Tok {
            kind,
            range: start..i,
        });
    }
    out
}

fn line_end(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < b.len() && b[i] != b'\n' {
        i += 1;
    }
    if i > from && b[i - 1] == b'\r' {
        i - 1
    } else {
        i
    }
}

/// End of a quoted string starting at `from`: after the closing quote, or at the
/// line's end when it never closes. `${ … }` interpolations may hold quotes.
fn string_end(b: &[u8], from: usize) -> usize {
    let mut i = from + 1;
    let mut interp = 0usize;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\n' => return if b[i - 1] == b'\r' { i - 1 } else { i },
            b'$' if b.get(i + 1) == Some(&b'{') => {
                interp += 1;
                i += 2;
            }
            b'}' if interp > 0 => {
                interp -= 1;
                i += 1;
            }
            b'"' if interp == 0 => return i + 1,
            // A string nested in an interpolation: `"${f("}")}"`.
            b'"' => i = string_end(b, i),
            _ => i += 1,
        }
    }
    b.len()
}

/// End of a heredoc starting at `from` (`<<ID` or `<<-ID`), after its closing
/// marker; an unterminated heredoc runs to the end of the text.
fn heredoc_end(src: &str, from: usize) -> Option<usize> {
    let rest = &src[from + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let marker: String = rest.chars().take_while(|c| is_ident_char(*c)).collect();
    if marker.is_empty() {
        return None;
    }
    let header_end = src[from..].find('\n').map(|p| from + p + 1)?;
    let mut pos = header_end;
    while pos < src.len() {
        let end = src[pos..].find('\n').map_or(src.len(), |p| pos + p);
        if src[pos..end].trim() == marker {
            return Some(end);
        }
        pos = end + 1;
    }
    Some(src.len())
}

/// A block label, quoted or bare.
#[derive(Clone, Debug)]
pub struct Label {
    /// The whole token, quotes included.
    pub range: Range<usize>,
    /// The name inside the quotes.
    pub inner: Range<usize>,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub ident: Range<usize>,
    pub name: String,
    pub labels: Vec<Label>,
    pub open: Option<usize>,
    pub close: Option<usize>,
    /// From the identifier to the closing brace (or the last token inside).
    pub range: Range<usize>,
    pub body: Vec<Node>,
}

#[derive(Clone, Debug)]
pub struct Attr {
    pub key: Range<usize>,
    pub name: String,
    /// Offset of `=`; `None` for a bare word still being typed.
    pub eq: Option<usize>,
    /// The value's tokens (indexes into the token list).
    pub value_toks: Range<usize>,
    /// The value's byte range (empty, right after `=`, when nothing is typed).
    pub value: Range<usize>,
}

#[derive(Clone, Debug)]
pub enum Node {
    Block(Block),
    Attr(Attr),
}

impl Node {
    pub fn range(&self) -> Range<usize> {
        match self {
            Node::Block(b) => b.range.clone(),
            Node::Attr(a) => a.key.start..a.value.end.max(a.key.end),
        }
    }
}

impl Block {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.body.iter().find_map(|n| match n {
            Node::Attr(a) if a.name == name => Some(a),
            _ => None,
        })
    }

    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.body.iter().filter_map(|n| match n {
            Node::Block(b) => Some(b),
            _ => None,
        })
    }

    pub fn attrs(&self) -> impl Iterator<Item = &Attr> {
        self.body.iter().filter_map(|n| match n {
            Node::Attr(a) => Some(a),
            _ => None,
        })
    }

    /// The last label's text: the object's name (`table "s" "t"` names `t`).
    pub fn label(&self) -> Option<&Label> {
        self.labels.last()
    }

    /// Where the body's content starts and ends (inside the braces).
    pub fn inner(&self) -> Range<usize> {
        let start = self.open.map_or(self.range.end, |o| o + 1);
        let end = self.close.unwrap_or(self.range.end).max(start);
        start..end
    }
}

/// A parsed text: its tokens and top-level nodes.
#[derive(Clone, Debug)]
pub struct Tree {
    pub toks: Vec<Tok>,
    pub nodes: Vec<Node>,
}

pub fn parse(src: &str) -> Tree {
    let toks = lex(src);
    let mut p = Parser {
        src,
        toks: &toks,
        i: 0,
    };
    let nodes = p.body(false);
    Tree { toks, nodes }
}

struct Parser<'a> {
    src: &'a str,
    toks: &'a [Tok],
    i: usize,
}

impl Parser<'_> {
    fn kind(&self, i: usize) -> Option<TokKind> {
        self.toks.get(i).map(|t| t.kind)
    }

    /// Index of the next token at or after `i` that is not a comment.
    fn skip_comments(&self, mut i: usize) -> usize {
        while self.kind(i) == Some(TokKind::Comment) {
            i += 1;
        }
        i
    }

    fn body(&mut self, nested: bool) -> Vec<Node> {
        let mut nodes = Vec::new();
        while self.i < self.toks.len() {
            let t = &self.toks[self.i];
            match t.kind {
                TokKind::Newline | TokKind::Comment => self.i += 1,
                TokKind::RBrace if nested => return nodes,
                TokKind::Ident => {
                    if let Some(n) = self.item() {
                        nodes.push(n);
                    }
                }
                _ => self.i += 1,
            }
        }
        nodes
    }

    /// An attribute or block starting at an identifier.
    fn item(&mut self) -> Option<Node> {
        let key = self.toks[self.i].clone();
        let name = key.text(self.src).to_string();
        let mut j = self.skip_comments(self.i + 1);
        if self.kind(j) == Some(TokKind::Eq) {
            let eq = self.toks[j].range.start;
            self.i = j + 1;
            let (value_toks, value) = self.value(eq + 1);
            return Some(Node::Attr(Attr {
                key: key.range,
                name,
                eq: Some(eq),
                value_toks,
                value,
            }));
        }
        let mut labels = Vec::new();
        while let Some(k) = self.kind(j) {
            match k {
                TokKind::Str | TokKind::Ident => {
                    let r = self.toks[j].range.clone();
                    let text = &self.src[r.clone()];
                    let inner = if k == TokKind::Str {
                        let end = if text.len() > 1 && text.ends_with('"') {
                            r.end - 1
                        } else {
                            r.end
                        };
                        r.start + 1..end
                    } else {
                        r.clone()
                    };
                    labels.push(Label {
                        text: self.src[inner.clone()].to_string(),
                        range: r,
                        inner,
                    });
                    j = self.skip_comments(j + 1);
                }
                _ => break,
            }
        }
        if self.kind(j) == Some(TokKind::LBrace) {
            let open = self.toks[j].range.start;
            self.i = j + 1;
            let body = self.body(true);
            let close = if self.kind(self.i) == Some(TokKind::RBrace) {
                let c = self.toks[self.i].range.start;
                self.i += 1;
                Some(c)
            } else {
                None
            };
            let end = match close {
                Some(c) => c + 1,
                None => self.toks[..self.i]
                    .last()
                    .map_or(open + 1, |t| t.range.end)
                    .max(open + 1),
            };
            return Some(Node::Block(Block {
                range: key.range.start..end,
                ident: key.range,
                name,
                labels,
                open: Some(open),
                close,
                body,
            }));
        }
        if labels.is_empty() {
            // A bare word being typed (or garbage): keep it as a key without value.
            self.i += 1;
            let end = key.range.end;
            return Some(Node::Attr(Attr {
                key: key.range,
                name,
                eq: None,
                value_toks: self.i..self.i,
                value: end..end,
            }));
        }
        // `table "x"` without a brace yet: a block with no body.
        let end = labels.last().map_or(key.range.end, |l| l.range.end);
        self.i = j;
        Some(Node::Block(Block {
            range: key.range.start..end,
            ident: key.range,
            name,
            labels,
            open: None,
            close: None,
            body: Vec::new(),
        }))
    }

    /// An attribute value: tokens up to a newline outside brackets, or a `}`
    /// that closes the enclosing block. An unclosed `[` or `(` ends at a line that
    /// starts a new attribute, block or closes the block.
    fn value(&mut self, after_eq: usize) -> (Range<usize>, Range<usize>) {
        let start = self.i;
        let mut depth: Vec<TokKind> = Vec::new();
        while self.i < self.toks.len() {
            let t = &self.toks[self.i];
            match t.kind {
                TokKind::Newline if depth.is_empty() => break,
                TokKind::Newline if self.starts_item(self.i + 1) => break,
                TokKind::RBrace if depth.is_empty() => break,
                TokKind::RBrace if depth.last() != Some(&TokKind::LBrace) => break,
                TokKind::LBrace | TokKind::LBracket | TokKind::LParen => depth.push(t.kind),
                TokKind::RBrace | TokKind::RBracket | TokKind::RParen => {
                    depth.pop();
                }
                _ => {}
            }
            self.i += 1;
        }
        let end_tok = self.i;
        let value_toks: Vec<&Tok> = self.toks[start..end_tok]
            .iter()
            .filter(|t| !matches!(t.kind, TokKind::Newline | TokKind::Comment))
            .collect();
        let range = match (value_toks.first(), value_toks.last()) {
            (Some(f), Some(l)) => f.range.start..l.range.end,
            _ => after_eq..after_eq,
        };
        (start..end_tok, range)
    }

    /// Whether the line starting at token `i` looks like a new item (`key =`,
    /// `name "label" {`, `name {`) or a closing brace: used to end a value whose
    /// bracket was never closed.
    fn starts_item(&self, i: usize) -> bool {
        match self.kind(i) {
            Some(TokKind::RBrace) => true,
            Some(TokKind::Ident) => matches!(
                self.kind(i + 1),
                Some(TokKind::Eq | TokKind::LBrace | TokKind::Str)
            ),
            _ => false,
        }
    }
}

/// A dotted reference such as `table.users.column.id`: each segment's text and range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Traversal {
    pub segments: Vec<(String, Range<usize>)>,
    /// A trailing `.` with nothing after it yet (`table.` while typing).
    pub trailing_dot: Option<usize>,
}

impl Traversal {
    pub fn range(&self) -> Range<usize> {
        let start = self.segments.first().map_or(0, |s| s.1.start);
        let end = self
            .trailing_dot
            .map(|d| d + 1)
            .or(self.segments.last().map(|s| s.1.end))
            .unwrap_or(start);
        start..end
    }

    pub fn names(&self) -> Vec<&str> {
        self.segments.iter().map(|s| s.0.as_str()).collect()
    }
}

/// Every traversal (`a.b.c`) among `toks`. A traversal followed by `(` is a
/// function call and skipped.
pub fn traversals(src: &str, toks: &[Tok]) -> Vec<Traversal> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i].kind != TokKind::Ident || (i > 0 && toks[i - 1].kind == TokKind::Dot) {
            i += 1;
            continue;
        }
        let mut segments = vec![(toks[i].text(src).to_string(), toks[i].range.clone())];
        let mut trailing_dot = None;
        let mut j = i + 1;
        while j < toks.len() && toks[j].kind == TokKind::Dot {
            match toks.get(j + 1) {
                Some(t) if t.kind == TokKind::Ident && t.range.start == toks[j].range.end => {
                    segments.push((t.text(src).to_string(), t.range.clone()));
                    j += 2;
                }
                _ => {
                    trailing_dot = Some(toks[j].range.start);
                    j += 1;
                    break;
                }
            }
        }
        let is_call = toks.get(j).is_some_and(|t| t.kind == TokKind::LParen);
        if !is_call {
            out.push(Traversal {
                segments,
                trailing_dot,
            });
        }
        i = j;
    }
    out
}

/// The chain of blocks containing `offset` (outermost first), and the node
/// directly under the cursor in the innermost one, if any.
pub fn path_at(nodes: &[Node], offset: usize) -> (Vec<&Block>, Option<&Node>) {
    let mut path = Vec::new();
    let mut current = nodes;
    loop {
        let mut descended = false;
        for n in current {
            if let Node::Block(b) = n {
                let inside =
                    b.open.is_some_and(|o| offset > o) && b.close.is_none_or(|c| offset <= c);
                if inside {
                    path.push(b);
                    current = &b.body;
                    descended = true;
                    break;
                }
            }
        }
        if !descended {
            break;
        }
    }
    let node = current.iter().find(|n| {
        let r = n.range();
        offset >= r.start && offset <= r.end
    });
    (path, node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_strings_heredocs_and_comments() {
        let src = "a = \"x${\"}\"}y\" # c\nb = <<-SQL\n  x\n  SQL\n";
        let kinds: Vec<TokKind> = lex(src).iter().map(|t| t.kind).collect();
        use TokKind::*;
        assert_eq!(
            kinds,
            vec![Ident, Eq, Str, Comment, Newline, Ident, Eq, Heredoc, Newline]
        );
    }

    #[test]
    fn recovers_from_a_missing_brace_and_bracket() {
        let src = "table \"t\" {\n  column \"a\" {\n    type = \n  }\n  primary_key {\n    columns = [column.\n  }\n  index \"i\" {\n";
        let tree = parse(src);
        let Node::Block(t) = &tree.nodes[0] else {
            panic!()
        };
        assert_eq!(t.name, "table");
        assert_eq!(t.label().unwrap().text, "t");
        let names: Vec<&str> = t.blocks().map(|b| b.name.as_str()).collect();
        assert_eq!(names, vec!["column", "primary_key", "index"]);
        let pk = t.blocks().nth(1).unwrap();
        let cols = pk.attr("columns").unwrap();
        let trs = traversals(src, &tree.toks[cols.value_toks.clone()]);
        assert_eq!(trs[0].names(), vec!["column"]);
        assert!(trs[0].trailing_dot.is_some());
    }

    #[test]
    fn traversals_skip_function_calls() {
        let src = "x = [table.users.column.id, sql(\"a\"), column.b]";
        let tree = parse(src);
        let trs = traversals(src, &tree.toks);
        let names: Vec<Vec<&str>> = trs.iter().map(|t| t.names()).collect();
        assert_eq!(
            names,
            vec![
                vec!["x"],
                vec!["table", "users", "column", "id"],
                vec!["column", "b"]
            ]
        );
    }
}
