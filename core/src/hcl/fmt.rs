//! Canonical formatting of HCL schema files, the way `terraform fmt` and
//! `atlas schema fmt` lay them out, keeping every comment.
//!
//! The formatter re-prints tokens rather than a syntax tree: comments, strings
//! and heredocs then survive untouched by construction, and only the spacing
//! between tokens and the indentation of lines change. The file is checked with
//! hcl-edit first (chunk by chunk, so that each broken item gets its own
//! diagnostic), and the output is checked to mean the same as the input.

use super::chunks::{split_top_level, tokenize, Chunk, Tok, Token};
use crate::diag::Diagnostic;
use crate::span::{SourceFile, Span};

/// A byte order mark, which hcl-edit does not accept and the output drops.
const BOM: char = '\u{feff}';

/// Formats `file`, or returns one `syntax` diagnostic per broken top-level item.
///
/// Line endings become `\n`, including inside heredocs, and a leading byte
/// order mark is dropped; everything else inside strings, heredocs and
/// comments is kept as written.
pub fn format(file: &SourceFile) -> Result<String, Vec<Diagnostic>> {
    check_syntax(file)?;
    let text = file.text.trim_start_matches(BOM).replace("\r\n", "\n");
    let out = Printer::new(&text).print();
    ensure_same_meaning(file, &text, &out)?;
    Ok(out)
}

fn check_syntax(file: &SourceFile) -> Result<(), Vec<Diagnostic>> {
    let diags: Vec<Diagnostic> = split_top_level(&file.text)
        .iter()
        .filter_map(|chunk| chunk_error(file, chunk))
        .collect();
    if !diags.is_empty() {
        return Err(diags);
    }
    // Chunks cannot see across items, e.g. an attribute defined twice.
    let start = if file.text.starts_with(BOM) {
        BOM.len_utf8()
    } else {
        0
    };
    let whole = Chunk {
        range: start..file.text.len(),
        complete: true,
    };
    match chunk_error(file, &whole) {
        Some(diag) => Err(vec![diag]),
        None => Ok(()),
    }
}

/// Parses one chunk alone; a failure points into the whole file.
fn chunk_error(file: &SourceFile, chunk: &Chunk) -> Option<Diagnostic> {
    let src = &file.text[chunk.range.clone()];
    let err = hcl_edit::parser::parse_body(src).err()?;
    let loc = err.location();
    let at = chunk.range.start + error_offset(src, loc.offset(), loc.line(), loc.column());
    let end = file.text[at..]
        .chars()
        .next()
        .map_or(at, |c| at + c.len_utf8());
    let message = format!("syntax error: {}", err.message());
    Some(Diagnostic::error(
        "syntax",
        message,
        Some(Span::new(&file.name, at..end)),
    ))
}

/// The byte offset of a parse error in `src`. hcl-edit's offset is exact except
/// at the end of input, where it is clamped to the last byte; the line and
/// column tell the two apart.
fn error_offset(src: &str, offset: usize, line: usize, col: usize) -> usize {
    let at_end = offset + 1 >= src.len() && byte_of_line_col(src, line, col) == src.len();
    if at_end {
        return src.len();
    }
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Byte offset of a 1-based line and character column, clamped to the line's end.
fn byte_of_line_col(text: &str, line: usize, col: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let line_text = text[line_start..].split('\n').next().unwrap_or("");
    let in_line = line_text
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(line_text.len(), |(i, _)| i);
    line_start + in_line
}

/// Guards against formatter bugs: the output must parse to the same body.
fn ensure_same_meaning(
    file: &SourceFile,
    before: &str,
    after: &str,
) -> Result<(), Vec<Diagnostic>> {
    match (::hcl::parse(before), ::hcl::parse(after)) {
        (Ok(a), Ok(b)) if a == b => Ok(()),
        _ => Err(vec![Diagnostic::error(
            "fmt-internal",
            "formatting would change the meaning of this file, so it was left as is",
            Some(Span::new(&file.name, 0..0)),
        )
        .with_help(
            "this is a bug in strata's formatter; please report it with the file",
        )]),
    }
}

/// One output line; `Code` lines have no indentation yet.
enum Line {
    Blank,
    Code {
        indent: usize,
        text: String,
        /// For a single-line attribute, the byte length of its key, so that
        /// `=` can be aligned with its neighbours.
        key_len: Option<usize>,
    },
}

/// An open bracket while printing.
struct Bracket {
    /// Whether it holds a block's body (rather than an expression).
    block: bool,
    /// Indentation of the line that opened it.
    indent: usize,
}

/// Re-prints tokens line by line. Indentation follows brackets: lines inside a
/// bracket sit one level deeper than the line that opened it (however many
/// brackets that line opened), and a line starting with a closing bracket sits
/// at the level of the line that opened that bracket.
struct Printer<'a> {
    text: &'a str,
    toks: Vec<Token>,
    /// Open brackets, innermost last.
    brackets: Vec<Bracket>,
    lines: Vec<Line>,
    blank_pending: bool,
    /// Whether the last line left brackets open (no blank line right after it).
    last_opened: bool,
}

impl<'a> Printer<'a> {
    fn new(text: &'a str) -> Self {
        Printer {
            text,
            toks: tokenize(text),
            brackets: Vec::new(),
            lines: Vec::new(),
            blank_pending: false,
            last_opened: false,
        }
    }

    fn print(mut self) -> String {
        let toks = std::mem::take(&mut self.toks);
        for line in toks.split(|t| t.kind == Tok::Newline) {
            if line.is_empty() {
                self.blank_pending = true;
                continue;
            }
            for part in split_empty_block(line, self.in_body()) {
                self.print_line(part);
            }
        }
        align_attributes(&mut self.lines);
        render(&self.lines)
    }

    fn in_body(&self) -> bool {
        match self.brackets.last() {
            Some(bracket) => bracket.block,
            None => true,
        }
    }

    fn src(&self, tok: &Token) -> &'a str {
        &self.text[tok.range.clone()]
    }

    fn print_line(&mut self, toks: &[Token]) {
        let start_depth = self.brackets.len();
        let closes_first = matches!(toks[0].kind, Tok::Close(_));
        let indent = match self.brackets.last() {
            Some(b) if closes_first => b.indent,
            Some(b) => b.indent + 1,
            None => 0,
        };

        let keep_blank = !self.lines.is_empty() && !self.last_opened && !closes_first;
        if std::mem::take(&mut self.blank_pending) && keep_blank {
            self.lines.push(Line::Blank);
        }

        let in_body = self.in_body();
        let (text, min_depth) = self.render_tokens(toks, in_body, indent);
        let end_depth = self.brackets.len();
        self.last_opened = end_depth > min_depth;

        let single_line =
            min_depth == start_depth && end_depth == start_depth && !text.contains('\n');
        let key_len = (single_line && self.is_attribute(toks)).then(|| self.src(&toks[0]).len());
        self.lines.push(Line::Code {
            indent,
            text,
            key_len,
        });
    }

    /// `key = value`, where the key is a name or (in an object) a string.
    fn is_attribute(&self, toks: &[Token]) -> bool {
        toks.len() >= 3
            && matches!(toks[0].kind, Tok::Ident | Tok::Str)
            && toks[1].kind == Tok::Punct
            && self.src(&toks[1]) == "="
    }

    /// Joins the line's tokens with canonical spacing, tracking brackets.
    /// Returns the text and the lowest bracket depth reached.
    fn render_tokens(&mut self, toks: &[Token], in_body: bool, indent: usize) -> (String, usize) {
        let mut text = String::new();
        let mut min_depth = self.brackets.len();
        for (i, tok) in toks.iter().enumerate() {
            if i > 0 && space_between(self.text, toks, i) {
                text.push(' ');
            }
            text.push_str(&token_text(self.src(tok), tok.kind));
            match tok.kind {
                Tok::Open(b) => {
                    let block = b == b'{' && in_body && is_block_header(&toks[..i]);
                    self.brackets.push(Bracket { block, indent });
                }
                Tok::Close(_) => {
                    self.brackets.pop();
                    min_depth = min_depth.min(self.brackets.len());
                }
                _ => {}
            }
        }
        (text, min_depth)
    }
}

/// Comments lose trailing whitespace; all other tokens print as written.
fn token_text(src: &str, kind: Tok) -> std::borrow::Cow<'_, str> {
    match kind {
        Tok::LineComment => src.trim_end().into(),
        Tok::BlockComment if src.contains('\n') => src
            .split('\n')
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
            .into(),
        _ => src.into(),
    }
}

/// `name "label" label2` — what may precede a block's `{`.
fn is_block_header(toks: &[Token]) -> bool {
    let Some((first, labels)) = toks.split_first() else {
        return false;
    };
    first.kind == Tok::Ident
        && labels
            .iter()
            .all(|t| matches!(t.kind, Tok::Str | Tok::Ident))
}

/// Splits `name "label" {}` into `name "label" {` and `}`, the canonical empty block.
fn split_empty_block(line: &[Token], in_body: bool) -> Vec<&[Token]> {
    let brace = line.iter().position(|t| t.kind == Tok::Open(b'{'));
    if let Some(i) = brace.filter(|_| in_body) {
        let closes_next = line.get(i + 1).is_some_and(|t| t.kind == Tok::Close(b'}'));
        let only_comments_after = line
            .get(i + 2..)
            .unwrap_or_default()
            .iter()
            .all(|t| matches!(t.kind, Tok::LineComment | Tok::BlockComment));
        if closes_next && only_comments_after && is_block_header(&line[..i]) {
            return vec![&line[..=i], &line[i + 1..]];
        }
    }
    vec![line]
}

/// Whether a space goes between `toks[i - 1]` and `toks[i]`.
fn space_between(text: &str, toks: &[Token], i: usize) -> bool {
    let (prev, next) = (&toks[i - 1], &toks[i]);
    let (p, n) = (&text[prev.range.clone()], &text[next.range.clone()]);
    let is_comment = |t: &Token| matches!(t.kind, Tok::LineComment | Tok::BlockComment);
    if is_comment(next) || is_comment(prev) {
        return true;
    }
    if next.kind == Tok::Punct && (n == "," || n == "...") {
        return false;
    }
    if matches!(prev.kind, Tok::Open(b'(' | b'[')) || matches!(next.kind, Tok::Close(b')' | b']')) {
        return false;
    }
    if prev.kind == Tok::Punct && p == "," {
        return true;
    }
    if p == "." || n == "." || p == "::" || n == "::" {
        return false;
    }
    // Braces get spaces inside (`{ a = 1 }`), except when empty.
    if prev.kind == Tok::Open(b'{') {
        return next.kind != Tok::Close(b'}');
    }
    if next.kind == Tok::Close(b'}') {
        return true;
    }
    if is_unary(text, toks, i - 1) {
        return false;
    }
    if matches!(next.kind, Tok::Open(b'(' | b'[')) {
        // A call `f(x)` or an index `a[0]`; but `x in [1, 2]`.
        let callee = matches!(prev.kind, Tok::Ident) && !is_keyword(p);
        return !(callee || matches!(prev.kind, Tok::Close(_) | Tok::Str));
    }
    true
}

/// `!x`, or a `-` that follows no operand.
fn is_unary(text: &str, toks: &[Token], k: usize) -> bool {
    match &text[toks[k].range.clone()] {
        "!" => true,
        "-" => match k.checked_sub(1).map(|b| &toks[b]) {
            None => true,
            Some(before) => match before.kind {
                Tok::Punct | Tok::Open(_) | Tok::LineComment | Tok::BlockComment => true,
                Tok::Ident => is_keyword(&text[before.range.clone()]),
                _ => false,
            },
        },
        _ => false,
    }
}

/// Words of `for` expressions, which are followed by an operand, not a call.
fn is_keyword(word: &str) -> bool {
    matches!(word, "for" | "in" | "if")
}

/// Pads the keys of each run of consecutive single-line attributes so that
/// their `=` line up.
fn align_attributes(lines: &mut [Line]) {
    let mut start = 0;
    while start < lines.len() {
        let end = run_end(lines, start);
        let width = lines[start..end]
            .iter()
            .filter_map(key_width)
            .max()
            .unwrap_or(0);
        for line in &mut lines[start..end] {
            if let (
                Some(w),
                Line::Code {
                    text,
                    key_len: Some(k),
                    ..
                },
            ) = (key_width(line), &mut *line)
            {
                text.insert_str(*k, &" ".repeat(width - w));
            }
        }
        start = end.max(start + 1);
    }
}

/// End of the run of attribute lines starting at `start` (same indentation).
fn run_end(lines: &[Line], start: usize) -> usize {
    let indent_of = |l: &Line| match l {
        Line::Code {
            indent,
            key_len: Some(_),
            ..
        } => Some(*indent),
        _ => None,
    };
    let Some(indent) = indent_of(&lines[start]) else {
        return start + 1;
    };
    start
        + lines[start..]
            .iter()
            .take_while(|l| indent_of(l) == Some(indent))
            .count()
}

fn key_width(line: &Line) -> Option<usize> {
    match line {
        Line::Code {
            text,
            key_len: Some(k),
            ..
        } => Some(text[..*k].chars().count()),
        _ => None,
    }
}

fn render(lines: &[Line]) -> String {
    let mut out = String::new();
    for line in lines {
        if let Line::Code { indent, text, .. } = line {
            out.push_str(&"  ".repeat(*indent));
            out.push_str(text);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        match format(&SourceFile::new("schema.hcl", text)) {
            Ok(out) => out,
            Err(diags) => panic!("unexpected diagnostics: {diags:#?}"),
        }
    }

    /// Formats `input`, compares with `expected`, and checks that formatting
    /// the result changes nothing.
    #[track_caller]
    fn assert_formats(input: &str, expected: &str) {
        let out = fmt(input);
        assert_eq!(
            out, expected,
            "\n--- got ---\n{out}--- want ---\n{expected}"
        );
        assert_eq!(fmt(&out), out, "formatting is not idempotent");
    }

    #[test]
    fn messy_atlas_schema() {
        let input = concat!(
            "\n\n",
            "schema \"public\"{}\n",
            "table  \"users\"   {\n",
            "    schema=schema.public\n",
            "  column \"id\" {\n",
            "        null=false\n",
            "    type   = int\n",
            "  }\n",
            "\tcolumn \"email\" {\n",
            "  type=varchar(255)\n",
            "  default = sql(\"now()\")   \n",
            "  }\n",
            "  primary_key {\n",
            "    columns = [ column.id,column.email  ]\n",
            "  }\n",
            "  index \"idx_email\" {\n",
            "     unique=true\n",
            "     columns=[column.email]\n",
            "  }\n",
            "}\n",
            "table \"posts\" {\n",
            "  schema = schema.public\n",
            "  foreign_key \"author\" {\n",
            "    columns = [column.author_id]\n",
            "    ref_columns = [table.users.column.id]\n",
            "    on_delete=CASCADE\n",
            "  }\n",
            "}\n",
            "view \"active\" {\n",
            "  schema = schema.public\n",
            "  as = <<-SQL\n",
            "    SELECT *   FROM users\n",
            "        WHERE active\n",
            "SQL\n",
            "}\n\n\n",
        );
        let expected = concat!(
            "schema \"public\" {\n",
            "}\n",
            "table \"users\" {\n",
            "  schema = schema.public\n",
            "  column \"id\" {\n",
            "    null = false\n",
            "    type = int\n",
            "  }\n",
            "  column \"email\" {\n",
            "    type    = varchar(255)\n",
            "    default = sql(\"now()\")\n",
            "  }\n",
            "  primary_key {\n",
            "    columns = [column.id, column.email]\n",
            "  }\n",
            "  index \"idx_email\" {\n",
            "    unique  = true\n",
            "    columns = [column.email]\n",
            "  }\n",
            "}\n",
            "table \"posts\" {\n",
            "  schema = schema.public\n",
            "  foreign_key \"author\" {\n",
            "    columns     = [column.author_id]\n",
            "    ref_columns = [table.users.column.id]\n",
            "    on_delete   = CASCADE\n",
            "  }\n",
            "}\n",
            "view \"active\" {\n",
            "  schema = schema.public\n",
            "  as = <<-SQL\n",
            "    SELECT *   FROM users\n",
            "        WHERE active\n",
            "SQL\n",
            "}\n",
        );
        assert_formats(input, expected);
    }

    #[test]
    fn comments_are_kept_and_reindented() {
        let input = concat!(
            "   # about users\n",
            "// and more\n",
            "table \"users\" { # the table\n",
            "      /* block */ schema = schema.public  # trailing   \n",
            "# inside, at column 0\n",
            "  column \"id\" {\n",
            "    type = int\n",
            "          # last in body\n",
            "  }\n",
            "    /* multi\n",
            "       line */\n",
            "}\n",
            "# end of file\n",
        );
        let expected = concat!(
            "# about users\n",
            "// and more\n",
            "table \"users\" { # the table\n",
            "  /* block */ schema = schema.public # trailing\n",
            "  # inside, at column 0\n",
            "  column \"id\" {\n",
            "    type = int\n",
            "    # last in body\n",
            "  }\n",
            "  /* multi\n",
            "       line */\n",
            "}\n",
            "# end of file\n",
        );
        assert_formats(input, expected);
    }

    #[test]
    fn equals_align_within_runs_of_single_line_attributes() {
        let input = concat!(
            "a = 1\n",
            "bbb = 2\n",
            "\n",
            "cc = 3\n",
            "d = 4\n",
            "# a comment breaks the run\n",
            "eeeee = 5\n",
            "f = [\n",
            "  1,\n",
            "]\n",
            "g = 6\n",
            "hh = 7\n",
            "blk {\n",
            "  x = 1\n",
            "}\n",
            "i = 8\n",
            "jjj = {\n",
            "  k = 1\n",
            "  \"long key\" = 2\n",
            "}\n",
        );
        let expected = concat!(
            "a   = 1\n",
            "bbb = 2\n",
            "\n",
            "cc = 3\n",
            "d  = 4\n",
            "# a comment breaks the run\n",
            "eeeee = 5\n",
            "f = [\n",
            "  1,\n",
            "]\n",
            "g  = 6\n",
            "hh = 7\n",
            "blk {\n",
            "  x = 1\n",
            "}\n",
            "i = 8\n",
            "jjj = {\n",
            "  k          = 1\n",
            "  \"long key\" = 2\n",
            "}\n",
        );
        assert_formats(input, expected);
    }

    #[test]
    fn alignment_counts_characters_not_bytes() {
        assert_formats("é = 1\nab = 2\n", "é  = 1\nab = 2\n");
    }

    #[test]
    fn blank_lines_collapse_and_vanish_at_body_edges() {
        let input = "\n\na = 1\n\n\n\nb = 2\nblk {\n\n\n  c = 3\n\n\n  d = 4\n\n}\n\n\n";
        let expected = "a = 1\n\nb = 2\nblk {\n  c = 3\n\n  d = 4\n}\n";
        assert_formats(input, expected);
    }

    #[test]
    fn empty_blocks_open_and_close_on_two_lines() {
        assert_formats(
            "schema \"s\" {}\nt \"a\" \"b\" {   } # c\n",
            "schema \"s\" {\n}\nt \"a\" \"b\" {\n} # c\n",
        );
        assert_formats("x = {}\ny = []\n", "x = {}\ny = []\n");
    }

    #[test]
    fn expressions_get_canonical_spacing() {
        let input = concat!(
            "a = [ 1,2 , 3 ]\n",
            "b = f( x ,-1 )\n",
            "c = x ? -1 : y  -2\n",
            "d = ! x && (y>=3)\n",
            "e = {k=1,\"l\"=2}\n",
            "f = [for k, v in var.m : v if v>0]\n",
            "g = {for k,v in var.m : k => v...}\n",
            "h = var.l[ 0 ].id\n",
            "i = var.l[*].id\n",
            "j = var.l.*.id\n",
            "k = f(var.args...)\n",
        );
        let expected = concat!(
            "a = [1, 2, 3]\n",
            "b = f(x, -1)\n",
            "c = x ? -1 : y - 2\n",
            "d = !x && (y >= 3)\n",
            "e = { k = 1, \"l\" = 2 }\n",
            "f = [for k, v in var.m : v if v > 0]\n",
            "g = { for k, v in var.m : k => v... }\n",
            "h = var.l[0].id\n",
            "i = var.l[*].id\n",
            "j = var.l.*.id\n",
            "k = f(var.args...)\n",
        );
        assert_formats(input, expected);
    }

    #[test]
    fn less_common_syntax() {
        let cases = [
            ("a = [1,2,]\n", "a = [1, 2,]\n"),
            ("a = provider::p::f( 1 )\n", "a = provider::p::f(1)\n"),
            ("a = x . * . y [ * ] . z\n", "a = x.*.y[*].z\n"),
            ("a = foo.0.1\n", "a = foo.0.1\n"),
            ("a = - 1\nbb = 2 - (-3)\n", "a  = -1\nbb = 2 - (-3)\n"),
            ("a = f(<<EOF\n x\nEOF\n   )\n", "a = f(<<EOF\n x\nEOF\n)\n"),
            (
                "a = \"%{ for x in y }${x}%{ endfor }\"\n",
                "a = \"%{ for x in y }${x}%{ endfor }\"\n",
            ),
            ("a = \"${ \"}\" }\"\n", "a = \"${ \"}\" }\"\n"),
            ("b { c = 1 }\n", "b { c = 1 }\n"),
            (
                "a = [\n# c\n1, # one\n/* two */ 2,\n]\n",
                "a = [\n  # c\n  1, # one\n  /* two */ 2,\n]\n",
            ),
            ("\u{feff}a = 1\n", "a = 1\n"),
        ];
        for (input, expected) in cases {
            assert_formats(input, expected);
        }
    }

    #[test]
    fn multi_line_expressions_indent_by_bracket() {
        let input = concat!(
            "index \"i\" {\n",
            "columns = [\n",
            "column.a,\n",
            "   column.b,\n",
            "      ]\n",
            "on {\n",
            "column = column.a\n",
            "desc = true\n",
            "}\n",
            "x = [{\n",
            "a = 1\n",
            "}, {\n",
            "a = 2\n",
            "}]\n",
            "y = f(1,\n",
            "2)\n",
            "}\n",
        );
        let expected = concat!(
            "index \"i\" {\n",
            "  columns = [\n",
            "    column.a,\n",
            "    column.b,\n",
            "  ]\n",
            "  on {\n",
            "    column = column.a\n",
            "    desc   = true\n",
            "  }\n",
            "  x = [{\n",
            "    a = 1\n",
            "  }, {\n",
            "    a = 2\n",
            "  }]\n",
            "  y = f(1,\n",
            "    2)\n",
            "}\n",
        );
        assert_formats(input, expected);
    }

    #[test]
    fn strings_and_heredocs_are_kept_byte_for_byte() {
        let input = concat!(
            "a  =  \"  spaced {  } ${ var.x  } %{ if true }y%{ endif } \\\" \"\n",
            "view \"v\" {\n",
            "    as = <<-SQL\n",
            "  SELECT '{'   \n",
            "\t  FROM t\n",
            "      SQL\n",
            "  b = <<EOF\n",
            "   raw  }\n",
            "EOF\n",
            "}\n",
        );
        let expected = concat!(
            "a = \"  spaced {  } ${ var.x  } %{ if true }y%{ endif } \\\" \"\n",
            "view \"v\" {\n",
            "  as = <<-SQL\n",
            "  SELECT '{'   \n",
            "\t  FROM t\n",
            "      SQL\n",
            "  b = <<EOF\n",
            "   raw  }\n",
            "EOF\n",
            "}\n",
        );
        assert_formats(input, expected);
    }

    #[test]
    fn crlf_becomes_lf() {
        let input = "table \"t\" {\r\n  x=1 # c\r\n  as = <<EOF\r\nbody\r\nEOF\r\n}\r\n";
        let expected = "table \"t\" {\n  x = 1 # c\n  as = <<EOF\nbody\nEOF\n}\n";
        assert_formats(input, expected);
    }

    #[test]
    fn non_ascii_text_is_kept() {
        assert_formats(
            "# café ☕\ntable \"ünïcode\" {\n  comment=\"naïve ☃\"\n}\n",
            "# café ☕\ntable \"ünïcode\" {\n  comment = \"naïve ☃\"\n}\n",
        );
    }

    #[test]
    fn empty_and_comment_only_files() {
        assert_formats("", "");
        assert_formats("\n \n", "");
        assert_formats("  # only a comment  \n\n\n", "# only a comment\n");
        assert_formats("a = 1", "a = 1\n");
    }

    /// Every diagnostic as `line:col message`.
    fn errors(text: &str) -> Vec<String> {
        let file = SourceFile::new("schema.hcl", text);
        let diags = format(&file).expect_err("expected a syntax error");
        diags
            .iter()
            .map(|d| {
                assert_eq!(d.code, "syntax");
                let span = d.span.as_ref().expect("a span");
                format!("{} {}", file.line_col(span.start), d.message)
            })
            .collect()
    }

    #[test]
    fn syntax_error_points_at_line_and_column() {
        let errs = errors("table \"t\" {\n  x = = 1\n}\n");
        assert_eq!(errs.len(), 1);
        assert!(errs[0].starts_with("2:7 syntax error:"), "{errs:?}");
    }

    #[test]
    fn attribute_defined_twice_is_a_syntax_error() {
        let errs = errors("a = 1\n\na = 2\n");
        assert_eq!(errs.len(), 1);
        assert!(errs[0].starts_with("3:1 syntax error:"), "{errs:?}");
    }

    #[test]
    fn every_broken_item_gets_a_diagnostic() {
        let text = concat!(
            "table \"a\" {\n",
            "  column \"id\" {\n",
            "    type = int\n",
            "table \"b\" {\n",
            "  x = 1\n",
            "}\n",
            "z = \"é\" é\n",
            "table \"c\" {\n",
            "  y = [1, 2\n",
            "}\n",
        );
        let errs = errors(text);
        let at: Vec<_> = errs.iter().map(|e| e.split(' ').next().unwrap()).collect();
        // The unclosed block ends right after `int`; `é` is the 9th character.
        assert_eq!(at, ["3:15", "7:9", "10:1"], "{errs:?}");
    }

    #[test]
    fn error_at_end_of_input_points_past_the_last_character() {
        assert_eq!(error_offset("a = ", 3, 1, 5), 4);
        assert_eq!(error_offset("a = é", 5, 1, 6), "a = é".len());
        assert_eq!(error_offset("a = é", 4, 1, 5), 4);
    }

    /// Re-spaces `text` at random: indentation, and the gaps between tokens
    /// on a line (never joining two tokens that were apart).
    fn respace(text: &str, seed: &mut u64) -> String {
        let mut rand = |n: u64| {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (*seed >> 33) % n
        };
        let toks = tokenize(text);
        let mut out = String::new();
        let mut prev_end = 0;
        for tok in &toks {
            let gap = &text[prev_end..tok.range.start];
            if tok.kind != Tok::Newline {
                let width = match (out.is_empty() || out.ends_with('\n'), gap.is_empty()) {
                    (true, _) => rand(7),
                    (false, true) => rand(3),
                    (false, false) => 1 + rand(3),
                };
                out.push_str(&" \t".repeat(width as usize / 2));
                out.push_str(&" ".repeat(width as usize % 2));
            }
            out.push_str(&text[tok.range.clone()]);
            prev_end = tok.range.end;
        }
        out
    }

    #[test]
    fn spacing_and_indentation_of_the_input_do_not_matter() {
        let samples = [
            concat!(
                "table \"users\" {\n",
                "  schema = schema.public # where\n",
                "  column \"id\" {\n",
                "    type    = varchar(255)\n",
                "    default = sql(\"now()\")\n",
                "  }\n",
                "  index \"i\" {\n",
                "    columns = [column.id, table.users.column.id]\n",
                "    where   = \"a > -1\"\n",
                "  }\n",
                "  x = [{\n",
                "    a = -1\n",
                "  }, {\n",
                "    a = !true && (b >= 2 - 3)\n",
                "  }]\n",
                "  as = <<-SQL\n",
                "    SELECT 1\n",
                "  SQL\n",
                "}\n",
            ),
            concat!(
                "l = [for k, v in var.m : v if v > 0]\n",
                "o = { for k, v in var.m : k => v... }\n",
                "t = var.l[*].id\n",
                "c = x ? -1 : f(var.args...)\n",
                "/* a */ n = provider::p::f(1) /* b */\n",
            ),
        ];
        let mut seed = 7;
        for sample in samples {
            let want = fmt(sample);
            assert_eq!(want, sample);
            for _ in 0..50 {
                let input = respace(sample, &mut seed);
                assert_eq!(fmt(&input), want, "input:\n{input}");
            }
        }
    }
}
