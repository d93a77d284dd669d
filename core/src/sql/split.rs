//! Splits a SQL file into statements with exact byte ranges.
//!
//! The splitter knows just enough lexing to find statement ends: quotes, comments,
//! PostgreSQL dollar quoting, compound bodies (`CREATE TRIGGER … BEGIN … END`) and
//! MySQL `DELIMITER` directives. It never fails: odd input still yields ranges, and
//! the parser reports the problems later with positions that point into the file.

use crate::dialect::{Dialect, SqlSyntax};
use std::ops::Range;

/// One statement of a SQL file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stmt {
    /// From the first character that is neither space nor comment to the end of the
    /// last token, excluding the delimiter.
    pub range: Range<usize>,
    /// Also covers the comments before the statement and its delimiter, so that
    /// editors can move or delete a statement as a whole.
    pub full: Range<usize>,
}

impl Stmt {
    /// The statement's text without the delimiter.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.range.clone()]
    }
}

/// Splits `text` into statements; empty statements and `DELIMITER` directives are
/// skipped.
pub fn split(text: &str, dialect: Dialect) -> Vec<Stmt> {
    let mut s = Splitter {
        src: text.as_bytes(),
        syn: &dialect.rules().sql,
        pos: 0,
        delimiter: b";".to_vec(),
    };
    let mut out = Vec::new();
    loop {
        s.skip_space();
        let full_start = s.pos;
        s.skip_trivia();
        if s.at_end() {
            break;
        }
        if s.try_delimiter_directive() {
            continue;
        }
        if s.at_delimiter() {
            s.pos += s.delimiter.len();
            continue;
        }
        let start = s.pos;
        let (end, full_end) = s.scan_statement();
        out.push(Stmt {
            range: start..end,
            full: full_start..full_end,
        });
    }
    out
}

/// The lexing of [`trigger_table`], which does not know the dialect: every
/// identifier quote, no dialect's strings or comments beyond the standard ones.
const ANY_QUOTES: SqlSyntax = SqlSyntax {
    hash_comments: false,
    dash_comment_needs_space: false,
    nested_block_comments: false,
    delimiter_directive: false,
    backslash_escapes: false,
    backtick_quotes: true,
    bracket_quotes: true,
    dollar_quotes: false,
    escape_strings: false,
    compound_bodies: &[],
};

/// Words that name what a `CREATE` statement creates; the first one found decides.
const OBJECT_KINDS: &[&str] = &[
    "TABLE",
    "VIEW",
    "INDEX",
    "TRIGGER",
    "FUNCTION",
    "PROCEDURE",
    "EVENT",
    "SCHEMA",
    "DATABASE",
    "SEQUENCE",
    "TYPE",
    "DOMAIN",
    "EXTENSION",
];

/// How many leading words to inspect when looking for the object kind.
const HEAD_WORDS: usize = 12;

/// How far into a statement `TRIGGER` may appear for the header scan.
const HEAD_BYTES: usize = 512;

/// `END` followed by one of these closes a MySQL block whose opener was not counted.
const UNCOUNTED_BLOCKS: &[&str] = &["IF", "LOOP", "WHILE", "REPEAT"];

struct Splitter<'a> {
    src: &'a [u8],
    syn: &'a SqlSyntax,
    pos: usize,
    delimiter: Vec<u8>,
}

/// Tracks the leading words of a statement to learn whether it has a compound body.
#[derive(Default)]
struct Head {
    words: usize,
    is_create: bool,
    kind: Option<String>,
}

impl Head {
    fn observe(&mut self, upper: &str) {
        self.words += 1;
        if self.words == 1 {
            self.is_create = upper == "CREATE";
        } else if self.is_create
            && self.kind.is_none()
            && self.words <= HEAD_WORDS
            && OBJECT_KINDS.contains(&upper)
        {
            self.kind = Some(upper.to_string());
        }
    }

    fn compound(&self, syn: &SqlSyntax) -> bool {
        self.kind
            .as_deref()
            .is_some_and(|k| syn.compound_bodies.contains(&k))
    }
}

fn is_word_byte(b: u8) -> bool {
    // Bytes of multi-byte UTF-8 characters count as word bytes, so cuts only ever
    // happen at ASCII positions and stay on character boundaries.
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_tag_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

impl Splitter<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos + ahead).copied()
    }

    fn skip_space(&mut self) {
        while self.peek(0).is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    /// Skips whitespace and comments.
    fn skip_trivia(&mut self) {
        loop {
            self.skip_space();
            if !self.skip_comment() {
                return;
            }
        }
    }

    /// Skips one comment at the current position, if there is one.
    fn skip_comment(&mut self) -> bool {
        match (self.peek(0), self.peek(1)) {
            (Some(b'-'), Some(b'-')) if self.dash_comment_ok() => self.skip_line(),
            (Some(b'#'), _) if self.syn.hash_comments => self.skip_line(),
            (Some(b'/'), Some(b'*')) => self.skip_block_comment(),
            _ => return false,
        }
        true
    }

    /// MySQL needs a space (or control character) after `--`; the others do not.
    fn dash_comment_ok(&self) -> bool {
        !self.syn.dash_comment_needs_space || !matches!(self.peek(2), Some(b) if b > b' ')
    }

    fn skip_line(&mut self) {
        while let Some(b) = self.peek(0) {
            self.pos += 1;
            if b == b'\n' {
                return;
            }
        }
    }

    /// PostgreSQL nests block comments; SQLite and MySQL end at the first `*/`.
    fn skip_block_comment(&mut self) {
        let nests = self.syn.nested_block_comments;
        let mut depth = 0usize;
        while !self.at_end() {
            match (self.peek(0), self.peek(1)) {
                (Some(b'/'), Some(b'*')) if depth == 0 || nests => {
                    depth += 1;
                    self.pos += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    self.pos += 2;
                    if depth == 0 {
                        return;
                    }
                }
                _ => self.pos += 1,
            }
        }
    }

    fn at_delimiter(&self) -> bool {
        self.src[self.pos..].starts_with(&self.delimiter)
    }

    /// Handles the MySQL client's `DELIMITER xx` line, which is not SQL.
    fn try_delimiter_directive(&mut self) -> bool {
        if !self.syn.delimiter_directive {
            return false;
        }
        let rest = &self.src[self.pos..];
        let keyword = b"delimiter";
        let matches = rest.len() > keyword.len()
            && rest[..keyword.len()].eq_ignore_ascii_case(keyword)
            && matches!(rest[keyword.len()], b' ' | b'\t');
        if !matches {
            return false;
        }
        let line_end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let arg = rest[keyword.len()..line_end]
            .split(|b| b.is_ascii_whitespace())
            .find(|w| !w.is_empty());
        if let Some(arg) = arg {
            self.delimiter = arg.to_vec();
        }
        self.pos += line_end;
        true
    }

    /// Scans from the first token to the delimiter or the end of the text. Returns the
    /// end of the last token and the end of the delimiter.
    fn scan_statement(&mut self) -> (usize, usize) {
        let mut last_end = self.pos;
        let mut head = Head::default();
        let mut depth = 0usize;
        let custom = self.delimiter != b";";
        while !self.at_end() {
            if (custom || depth == 0) && self.at_delimiter() {
                self.pos += self.delimiter.len();
                return (last_end, self.pos);
            }
            if self.peek(0).is_some_and(|b| b.is_ascii_whitespace()) || self.skip_comment() {
                self.skip_space();
                continue;
            }
            if let Some(word) = self.scan_token() {
                head.observe(&word);
                if head.compound(self.syn) {
                    depth = self.track_block(&word, depth);
                }
            }
            last_end = self.pos;
        }
        (last_end, last_end)
    }

    /// Adjusts the `BEGIN … END` depth for one word of a compound statement.
    fn track_block(&mut self, upper: &str, depth: usize) -> usize {
        match upper {
            "BEGIN" | "CASE" => depth + 1,
            "END" => {
                let next = self.peek_word();
                if next
                    .as_deref()
                    .is_some_and(|w| UNCOUNTED_BLOCKS.contains(&w))
                {
                    return depth;
                }
                if next.as_deref() == Some("CASE") {
                    // `END CASE`: consume CASE so it does not open a new block.
                    self.skip_trivia();
                    self.scan_token();
                }
                depth.saturating_sub(1)
            }
            _ => depth,
        }
    }

    /// The next word (upper-cased) after whitespace and comments, without consuming it.
    fn peek_word(&mut self) -> Option<String> {
        let saved = self.pos;
        self.skip_trivia();
        let word = match self.peek(0) {
            Some(b) if is_word_byte(b) => self.scan_token(),
            _ => None,
        };
        self.pos = saved;
        word
    }

    /// Consumes one token; returns it upper-cased when it is a bare word.
    fn scan_token(&mut self) -> Option<String> {
        let b = self.peek(0)?;
        match b {
            b'\'' => self.skip_quoted(b'\'', self.syn.backslash_escapes),
            b'"' => self.skip_quoted(b'"', self.syn.backslash_escapes),
            b'`' if self.syn.backtick_quotes => self.skip_quoted(b'`', false),
            b'[' if self.syn.bracket_quotes => self.skip_bracketed(),
            b'$' if self.syn.dollar_quotes && self.skip_dollar_quoted() => {}
            b if is_word_byte(b) => return Some(self.scan_word()),
            _ => self.pos += 1,
        }
        None
    }

    fn scan_word(&mut self) -> String {
        let start = self.pos;
        while self.peek(0).is_some_and(is_word_byte) {
            self.pos += 1;
        }
        let word = String::from_utf8_lossy(&self.src[start..self.pos]).to_ascii_uppercase();
        // PostgreSQL `E'…'` strings take backslash escapes.
        if word == "E" && self.syn.escape_strings && self.peek(0) == Some(b'\'') {
            self.skip_quoted(b'\'', true);
        }
        word
    }

    /// Skips a quoted string or identifier; a doubled quote is an escaped quote.
    fn skip_quoted(&mut self, quote: u8, backslash: bool) {
        self.pos += 1;
        while let Some(b) = self.peek(0) {
            self.pos += 1;
            if backslash && b == b'\\' {
                self.pos += 1;
            } else if b == quote {
                if self.peek(0) != Some(quote) {
                    return;
                }
                self.pos += 1;
            }
        }
        self.pos = self.pos.min(self.src.len());
    }

    /// SQLite's `[identifier]`, which has no escapes.
    fn skip_bracketed(&mut self) {
        match self.src[self.pos..].iter().position(|&b| b == b']') {
            Some(i) => self.pos += i + 1,
            None => self.pos = self.src.len(),
        }
    }

    /// Skips `$tag$ … $tag$` when the current `$` opens one; otherwise consumes nothing.
    fn skip_dollar_quoted(&mut self) -> bool {
        let rest = &self.src[self.pos..];
        let Some(tag_len) = dollar_tag_len(rest) else {
            return false;
        };
        let tag = &rest[..tag_len];
        let body = &rest[tag_len..];
        self.pos += match body.windows(tag_len).position(|w| w == tag) {
            Some(i) => tag_len + i + tag_len,
            None => rest.len(),
        };
        true
    }
}

/// Length of a dollar-quote tag (`$$` or `$name$`) at the start of `rest`.
fn dollar_tag_len(rest: &[u8]) -> Option<usize> {
    match rest.get(1).copied() {
        Some(b'$') => Some(2),
        Some(b) if is_tag_start(b) => {
            let name = rest[1..]
                .iter()
                .take_while(|&&b| is_word_byte(b) && b != b'$')
                .count();
            (rest.get(1 + name) == Some(&b'$')).then_some(name + 2)
        }
        _ => None,
    }
}

/// The names in a `CREATE TRIGGER` header, found by a token scan so that triggers
/// the SQL parser does not understand still get a name and a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TriggerHead {
    pub schema: Option<String>,
    pub name: String,
    /// Byte range of the name's last identifier in the scanned text.
    pub name_range: Range<usize>,
    pub table: String,
    pub table_range: Range<usize>,
}

/// Scans `CREATE [TEMP] TRIGGER [IF NOT EXISTS] name … ON table`.
pub fn trigger_head(sql: &str, dialect: Dialect) -> Option<TriggerHead> {
    trigger_head_with(sql, &dialect.rules().sql)
}

fn trigger_head_with(sql: &str, syn: &SqlSyntax) -> Option<TriggerHead> {
    let mut lex = Lexer::new(sql, syn);
    if !lex.next()?.is_word("CREATE") {
        return None;
    }
    // Skip modifiers such as TEMP, OR REPLACE or MySQL's DEFINER = user, but give
    // up at another object kind so that a broken CREATE FUNCTION that mentions
    // triggers in its body is not taken for one.
    loop {
        let tok = lex.next()?;
        if tok.is_word("TRIGGER") {
            break;
        }
        let other_kind =
            matches!(&tok.kind, TokKind::Word(w) if OBJECT_KINDS.contains(&w.as_str()));
        if other_kind || tok.range.start > HEAD_BYTES {
            return None;
        }
    }
    let mut tok = lex.next()?;
    if tok.is_word("IF") {
        lex.next()?; // NOT
        lex.next()?; // EXISTS
        tok = lex.next()?;
    }
    let (mut name, mut tok) = lex.qualified_name(tok)?;
    let mut depth = 0usize;
    while depth > 0 || !tok.is_word("ON") {
        depth = match tok.kind {
            TokKind::Punct(b'(') => depth + 1,
            TokKind::Punct(b')') => depth.saturating_sub(1),
            _ => depth,
        };
        tok = lex.next()?;
    }
    let first = lex.next()?;
    let (mut table, _) = lex.qualified_name(first)?;
    let (name_text, name_range) = name.pop()?;
    let (table_text, table_range) = table.pop()?;
    Some(TriggerHead {
        schema: name.pop().map(|(s, _)| s),
        name: name_text,
        name_range,
        table: table_text,
        table_range,
    })
}

/// The table a `CREATE TRIGGER` statement fires on, unquoted.
pub fn trigger_table(sql: &str) -> Option<String> {
    trigger_head_with(sql, &ANY_QUOTES).map(|h| h.table)
}

/// Removes identifier quotes (`"x"`, `` `x` ``, `[x]`) and undoes doubled quotes.
pub fn unquote(ident: &str) -> String {
    let bytes = ident.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return String::new();
    };
    let close = match first {
        b'"' | b'`' => first,
        b'[' => b']',
        _ => return ident.to_string(),
    };
    if ident.len() < 2 || last != close {
        return ident.to_string();
    }
    let inner = &ident[1..ident.len() - 1];
    match first {
        b'"' => inner.replace("\"\"", "\""),
        b'`' => inner.replace("``", "`"),
        _ => inner.to_string(),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum TokKind {
    /// A bare word, upper-cased.
    Word(String),
    /// A quoted identifier, unquoted.
    Quoted(String),
    /// A string literal or other multi-byte token.
    Literal,
    Punct(u8),
}

#[derive(Clone, Debug)]
struct Tok {
    kind: TokKind,
    range: Range<usize>,
}

impl Tok {
    fn is_word(&self, upper: &str) -> bool {
        matches!(&self.kind, TokKind::Word(w) if w == upper)
    }

    /// The identifier a word or quoted token names, as written minus quotes.
    fn ident(&self, src: &str) -> Option<String> {
        match &self.kind {
            TokKind::Word(_) => Some(src[self.range.clone()].to_string()),
            TokKind::Quoted(s) => Some(s.clone()),
            _ => None,
        }
    }
}

/// One identifier of a dotted name, unquoted, with its range.
type NamePart = (String, Range<usize>);

/// A token stream over one statement, reusing the splitter's lexing rules.
struct Lexer<'a> {
    text: &'a str,
    inner: Splitter<'a>,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str, syn: &'a SqlSyntax) -> Lexer<'a> {
        let inner = Splitter {
            src: text.as_bytes(),
            syn,
            pos: 0,
            delimiter: b";".to_vec(),
        };
        Lexer { text, inner }
    }

    fn next(&mut self) -> Option<Tok> {
        self.inner.skip_trivia();
        let start = self.inner.pos;
        let first = self.inner.peek(0)?;
        let word = self.inner.scan_token();
        let range = start..self.inner.pos;
        let kind = match (word, first) {
            (Some(w), _) => TokKind::Word(w),
            (None, b'"' | b'`' | b'[') if range.len() > 1 => {
                TokKind::Quoted(unquote(&self.text[range.clone()]))
            }
            (None, _) if range.len() == 1 => TokKind::Punct(first),
            (None, _) => TokKind::Literal,
        };
        Some(Tok { kind, range })
    }

    /// Reads `a.b.c` starting at `first`; returns the parts and the token after them.
    fn qualified_name(&mut self, first: Tok) -> Option<(Vec<NamePart>, Tok)> {
        let mut parts = vec![(first.ident(self.text)?, first.range)];
        loop {
            let tok = self.next()?;
            if tok.kind != TokKind::Punct(b'.') {
                return Some((parts, tok));
            }
            let part = self.next()?;
            parts.push((part.ident(self.text)?, part.range));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statement texts, for compact assertions.
    fn texts(sql: &str, dialect: Dialect) -> Vec<&str> {
        split(sql, dialect).iter().map(|s| s.text(sql)).collect()
    }

    #[test]
    fn splits_simple_statements_and_skips_empty_ones() {
        let sql = "CREATE TABLE a (x int);;\n ; CREATE TABLE b (y int);\n";
        assert_eq!(
            texts(sql, Dialect::Sqlite),
            ["CREATE TABLE a (x int)", "CREATE TABLE b (y int)"]
        );
    }

    #[test]
    fn ranges_exclude_comments_and_full_includes_them() {
        let sql = "-- users\n/* table */ CREATE TABLE u (id int) -- tail\n;\nSELECT 1;";
        let stmts = split(sql, Dialect::Sqlite);
        assert_eq!(stmts.len(), 2);
        assert_eq!(stmts[0].text(sql), "CREATE TABLE u (id int)");
        assert_eq!(
            &sql[stmts[0].full.clone()],
            "-- users\n/* table */ CREATE TABLE u (id int) -- tail\n;"
        );
        assert_eq!(stmts[1].text(sql), "SELECT 1");
        assert_eq!(&sql[stmts[1].full.clone()], "SELECT 1;");
    }

    #[test]
    fn final_statement_without_semicolon() {
        let sql = "SELECT 1; SELECT 2  \n-- done\n";
        let stmts = split(sql, Dialect::Postgres);
        assert_eq!(stmts.len(), 2);
        assert_eq!(stmts[1].text(sql), "SELECT 2");
        assert_eq!(stmts[1].full, stmts[1].range);
    }

    #[test]
    fn only_comments_give_no_statements() {
        assert!(split("-- a\n/* b */\n", Dialect::Sqlite).is_empty());
        assert!(split("", Dialect::Mysql).is_empty());
    }

    #[test]
    fn semicolons_inside_quotes_and_comments() {
        let sql = "INSERT INTO t VALUES ('a;''b', \"c;\"\"d\") /* x; */ -- y;\n; SELECT 2";
        assert_eq!(
            texts(sql, Dialect::Sqlite),
            ["INSERT INTO t VALUES ('a;''b', \"c;\"\"d\")", "SELECT 2"]
        );
    }

    #[test]
    fn sqlite_brackets_and_backticks() {
        let sql = "CREATE TABLE [a;b] (`c;d` int); SELECT 1";
        assert_eq!(
            texts(sql, Dialect::Sqlite),
            ["CREATE TABLE [a;b] (`c;d` int)", "SELECT 1"]
        );
    }

    #[test]
    fn mysql_backticks_hash_comments_and_backslashes() {
        let sql = "# c;\nCREATE TABLE `a;b` (c varchar(3) DEFAULT 'it\\'s;');\n-- d;\nSELECT 1";
        assert_eq!(
            texts(sql, Dialect::Mysql),
            [
                "CREATE TABLE `a;b` (c varchar(3) DEFAULT 'it\\'s;')",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn mysql_double_dash_needs_a_space() {
        // `1--1` is arithmetic in MySQL, not a comment.
        let sql = "SELECT 1--1; SELECT 2";
        assert_eq!(texts(sql, Dialect::Mysql), ["SELECT 1--1", "SELECT 2"]);
    }

    #[test]
    fn hash_is_not_a_comment_outside_mysql() {
        let sql = "SELECT 1 # 2; SELECT 3";
        assert_eq!(texts(sql, Dialect::Postgres), ["SELECT 1 # 2", "SELECT 3"]);
    }

    #[test]
    fn postgres_dollar_quoting() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n\
                   CREATE FUNCTION g() RETURNS trigger AS $body$\nBEGIN\n  RETURN $x$;$x$;\nEND;\n$body$ LANGUAGE plpgsql;\n\
                   SELECT $1;";
        let got = texts(sql, Dialect::Postgres);
        assert_eq!(got.len(), 3);
        assert!(got[0].ends_with("LANGUAGE sql"));
        assert!(got[1].starts_with("CREATE FUNCTION g()"));
        assert!(got[1].ends_with("$body$ LANGUAGE plpgsql"));
        assert_eq!(got[2], "SELECT $1");
    }

    #[test]
    fn postgres_nested_block_comments_and_escape_strings() {
        let sql = "/* a /* b; */ c; */ SELECT E'x\\';'; SELECT 2";
        assert_eq!(
            texts(sql, Dialect::Postgres),
            ["SELECT E'x\\';'", "SELECT 2"]
        );
    }

    #[test]
    fn sqlite_trigger_body_with_case() {
        let sql = "CREATE TEMP TRIGGER IF NOT EXISTS t AFTER INSERT ON a\nBEGIN\n  \
                   UPDATE b SET n = CASE WHEN new.x > 0 THEN 1 ELSE 0 END;\n  \
                   INSERT INTO log VALUES (new.id);\nEND;\nCREATE TABLE c (x int);";
        let got = texts(sql, Dialect::Sqlite);
        assert_eq!(got.len(), 2);
        assert!(got[0].starts_with("CREATE TEMP TRIGGER"));
        assert!(got[0].ends_with("END"));
        assert_eq!(got[1], "CREATE TABLE c (x int)");
    }

    #[test]
    fn begin_outside_triggers_is_a_plain_statement() {
        let sql = "BEGIN; CREATE TABLE a (x); COMMIT;";
        assert_eq!(
            texts(sql, Dialect::Sqlite),
            ["BEGIN", "CREATE TABLE a (x)", "COMMIT"]
        );
    }

    #[test]
    fn mysql_trigger_with_blocks() {
        let sql = "CREATE DEFINER=`root`@`localhost` TRIGGER t BEFORE INSERT ON a FOR EACH ROW\n\
                   BEGIN\n  IF new.x < 0 THEN SET new.x = 0; END IF;\n  \
                   CASE new.y WHEN 1 THEN SET new.z = 1; ELSE BEGIN END; END CASE;\nEND;\nSELECT 1;";
        let got = texts(sql, Dialect::Mysql);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("END CASE;\nEND"));
        assert_eq!(got[1], "SELECT 1");
    }

    #[test]
    fn mysql_trigger_without_body_ends_at_semicolon() {
        let sql = "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW SET new.x = 1; SELECT 1";
        assert_eq!(
            texts(sql, Dialect::Mysql),
            [
                "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW SET new.x = 1",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn mysql_delimiter_directive() {
        let sql = "DELIMITER //\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW\nBEGIN\n  \
                   SET new.x = 1;\nEND //\ndelimiter ;\nCREATE TABLE b (x int);";
        let stmts = split(sql, Dialect::Mysql);
        let got: Vec<_> = stmts.iter().map(|s| s.text(sql)).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].starts_with("CREATE TRIGGER t"));
        assert!(got[0].ends_with("END"));
        assert!(sql[stmts[0].full.clone()].ends_with("END //"));
        assert_eq!(got[1], "CREATE TABLE b (x int)");
    }

    #[test]
    fn delimiter_is_only_a_directive_in_mysql() {
        let sql = "DELIMITER //\nSELECT 1;";
        assert_eq!(texts(sql, Dialect::Sqlite), ["DELIMITER //\nSELECT 1"]);
    }

    #[test]
    fn non_ascii_text_keeps_char_boundaries() {
        let sql = "-- schéma ✓\nCREATE TABLE «t» (名前 text DEFAULT 'ünï;cødé');\nSELECT '😀';";
        let stmts = split(sql, Dialect::Sqlite);
        let got: Vec<_> = stmts.iter().map(|s| s.text(sql)).collect();
        assert_eq!(
            got,
            [
                "CREATE TABLE «t» (名前 text DEFAULT 'ünï;cødé')",
                "SELECT '😀'"
            ]
        );
        assert!(sql[stmts[0].full.clone()].starts_with("-- schéma"));
    }

    #[test]
    fn unterminated_quote_runs_to_the_end() {
        let sql = "SELECT 'oops; SELECT 2";
        assert_eq!(texts(sql, Dialect::Sqlite), ["SELECT 'oops; SELECT 2"]);
    }

    #[test]
    fn trigger_head_finds_name_and_table() {
        let sql =
            "CREATE TEMP TRIGGER IF NOT EXISTS main.\"my trg\" AFTER UPDATE OF a, b ON [Orders] \
                   WHEN new.on_hand > 0 BEGIN SELECT 1; END";
        let h = trigger_head(sql, Dialect::Sqlite).unwrap();
        assert_eq!(h.schema.as_deref(), Some("main"));
        assert_eq!(h.name, "my trg");
        assert_eq!(&sql[h.name_range], "\"my trg\"");
        assert_eq!(h.table, "Orders");
        assert_eq!(&sql[h.table_range], "[Orders]");
        assert_eq!(trigger_table(sql).as_deref(), Some("Orders"));
    }

    #[test]
    fn trigger_head_skips_mysql_definer() {
        let sql =
            "CREATE DEFINER=`root`@`%` TRIGGER `t` BEFORE INSERT ON `a` FOR EACH ROW SET new.x = 1";
        let h = trigger_head(sql, Dialect::Mysql).unwrap();
        assert_eq!((h.name.as_str(), h.table.as_str()), ("t", "a"));
        assert!(trigger_head("CREATE TABLE t (x int)", Dialect::Sqlite).is_none());
        let function = "CREATE FUNCTION f() RETURNS trigger AS $$ CREATE TRIGGER x ON y $$";
        assert!(trigger_head(function, Dialect::Postgres).is_none());
    }

    #[test]
    fn unquote_handles_all_quote_styles() {
        assert_eq!(unquote("\"a\"\"b\""), "a\"b");
        assert_eq!(unquote("`a``b`"), "a`b");
        assert_eq!(unquote("[a b]"), "a b");
        assert_eq!(unquote("plain"), "plain");
        assert_eq!(unquote("\""), "\"");
    }
}
