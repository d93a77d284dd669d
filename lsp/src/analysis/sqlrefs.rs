//! References inside SQL: expressions, queries and routine bodies, wherever
//! the SQL is written (SQL files, and HCL strings and heredocs: `check { expr }`,
//! index `where` and `on { expr }`, generated columns, view `as`, trigger and
//! function bodies).
//!
//! Core's SQL lexer splits the text, so string literals and comments are never
//! read as names. What a name means follows SQL's scoping, simplified: in a
//! table's expression a bare name is one of its columns; in a query it is a
//! column of the one table in `FROM`/`JOIN`/`UPDATE`/`INTO` that has it, and a
//! qualified name goes through the aliases; in a trigger, `NEW.x` and `OLD.x`
//! are columns of the trigger's table. These references are soft: a name that
//! resolves to nothing (a function, a CTE, a variable) is left alone and never
//! reported, and a name two tables share is not guessed.

use super::{Ref, RefSpec};
use std::ops::Range;
use strata_core::dialect::Dialect;
use strata_core::sql::lex::{tokenize, Kind, Token};

/// How the SQL is written in its file, which decides how a new name is spelled
/// there on rename.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Embed {
    /// An HCL reference, or SQL in a SQL file.
    #[default]
    Plain,
    /// SQL in a quoted HCL string (`"` and `\` escaped).
    HclString,
    /// SQL in an HCL heredoc.
    HclHeredoc,
}

/// A table as SQL names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QTable {
    pub schema: Option<String>,
    pub name: String,
}

/// Where the bytes of the scanned SQL are in the chunk.
pub enum OffsetMap {
    Shift(usize),
    /// Byte `i` of the SQL comes from chunk offset `v[i]`; `v[len]` is the end.
    Table(Vec<usize>),
}

impl OffsetMap {
    fn map(&self, r: Range<usize>) -> Range<usize> {
        match self {
            OffsetMap::Shift(b) => r.start + b..r.end + b,
            OffsetMap::Table(v) => v[r.start]..v[r.end],
        }
    }
}

/// Words that never name a column or a table where they stand unquoted (sorted).
const RESERVED: &[&str] = &[
    "ALL",
    "AND",
    "ANY",
    "AS",
    "ASC",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASE",
    "CAST",
    "COLLATE",
    "CONSTRAINT",
    "CROSS",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "DECLARE",
    "DEFAULT",
    "DELETE",
    "DESC",
    "DISTINCT",
    "EACH",
    "ELSE",
    "ELSIF",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXECUTE",
    "EXISTS",
    "FALSE",
    "FETCH",
    "FOR",
    "FROM",
    "FULL",
    "GLOB",
    "GROUP",
    "HAVING",
    "IF",
    "ILIKE",
    "IN",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTERVAL",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "LATERAL",
    "LEFT",
    "LIKE",
    "LIMIT",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "LOOP",
    "NATURAL",
    "NEW",
    "NOT",
    "NOTNULL",
    "NULL",
    "NULLS",
    "OF",
    "OFFSET",
    "OLD",
    "ON",
    "ONLY",
    "OR",
    "ORDER",
    "OUTER",
    "OVER",
    "PARTITION",
    "PERFORM",
    "RAISE",
    "RECURSIVE",
    "REGEXP",
    "RETURN",
    "RETURNING",
    "RIGHT",
    "ROW",
    "SELECT",
    "SET",
    "SIMILAR",
    "SOME",
    "THEN",
    "TO",
    "TRUE",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VALUES",
    "WHEN",
    "WHERE",
    "WHILE",
    "WINDOW",
    "WITH",
];

/// Whether a bare word is reserved (never a name where it stands).
pub fn is_reserved(word: &str) -> bool {
    if word.len() > 17 || !word.is_ascii() {
        return false;
    }
    let up = word.to_ascii_uppercase();
    RESERVED.binary_search(&up.as_str()).is_ok()
}

/// A name and where it is in the chunk (inside quotes).
pub type Name = (String, Range<usize>);

/// A table a query reads, with its alias.
struct Source {
    table: Option<QTable>,
    alias: Option<String>,
}

/// SQL text ready to be scanned for references.
pub struct SqlText<'a> {
    pub src: &'a str,
    pub toks: Vec<Token>,
    pub dialect: Dialect,
    map: OffsetMap,
    pub owner_schema: String,
    embed: Embed,
}

impl<'a> SqlText<'a> {
    pub fn new(
        src: &'a str,
        dialect: Dialect,
        map: OffsetMap,
        owner_schema: &str,
        embed: Embed,
    ) -> SqlText<'a> {
        SqlText {
            toks: tokenize(src),
            src,
            dialect,
            map,
            owner_schema: owner_schema.to_string(),
            embed,
        }
    }

    /// The number of tokens.
    pub fn len(&self) -> usize {
        self.toks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.toks.is_empty()
    }

    pub fn is(&self, i: usize, kw: &str) -> bool {
        self.toks.get(i).is_some_and(|t| t.is(self.src, kw))
    }

    pub fn punct(&self, i: usize, p: &str) -> bool {
        self.toks.get(i).is_some_and(|t| t.is_punct(self.src, p))
    }

    fn text(&self, i: usize) -> &str {
        self.toks[i].text(self.src)
    }

    /// Whether token `i` is a quote the dialect reads as an identifier.
    fn quoted_ident(&self, i: usize) -> bool {
        let t = &self.toks[i];
        if t.kind != Kind::QuotedIdent || t.range.len() < 2 {
            return false;
        }
        match self.src.as_bytes()[t.range.start] {
            // MySQL reads "x" as a string.
            b'"' => self.dialect != Dialect::Mysql,
            b'`' => self.dialect != Dialect::Postgres,
            // `[x]` is an identifier in SQLite only (elsewhere, a subscript).
            _ => self.dialect == Dialect::Sqlite,
        }
    }

    /// The identifier at `i` (a bare word or a quoted name) and the range of
    /// the name in the chunk (inside the quotes).
    pub fn ident(&self, i: usize) -> Option<(String, Range<usize>)> {
        let t = self.toks.get(i)?;
        let r = match t.kind {
            Kind::Word => t.range.clone(),
            Kind::QuotedIdent if self.quoted_ident(i) => t.range.start + 1..t.range.end - 1,
            _ => return None,
        };
        Some((t.ident(self.src), self.map.map(r)))
    }

    /// A bare word that is not reserved, or a quoted name.
    fn name(&self, i: usize) -> Option<(String, Range<usize>)> {
        let t = self.toks.get(i)?;
        if t.kind == Kind::Word && is_reserved(t.text(self.src)) {
            return None;
        }
        self.ident(i)
    }

    /// `a`, `a.b` or `a.b.c` at `i`: the parts and the index after them.
    pub fn chain(&self, i: usize) -> Option<(Vec<Name>, usize)> {
        let mut parts = vec![self.ident(i)?];
        let mut j = i + 1;
        while self.punct(j, ".") {
            match self.ident(j + 1) {
                Some(p) => parts.push(p),
                None => break,
            }
            j += 2;
        }
        Some((parts, j))
    }

    /// The index of the `)` closing the `(` at `i` (or the end).
    pub fn close(&self, i: usize, hi: usize) -> usize {
        let mut depth = 0usize;
        for j in i..hi {
            if self.punct(j, "(") {
                depth += 1;
            } else if self.punct(j, ")") {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j;
                }
            }
        }
        hi
    }

    /// The comma-separated items inside the `(` at `open` (token ranges, each
    /// ending at its `,` or the closing `)`), and the index of that `)`.
    pub fn items(&self, open: usize) -> (Vec<Range<usize>>, usize) {
        let close = self.close(open, self.len());
        let mut out = Vec::new();
        let mut item = open + 1;
        let mut depth = 0usize;
        for j in open + 1..=close {
            if j < close && self.punct(j, "(") {
                depth += 1;
            } else if j < close && self.punct(j, ")") {
                depth = depth.saturating_sub(1);
            }
            if j == close || (depth == 0 && self.punct(j, ",")) {
                out.push(item..j);
                item = j + 1;
            }
        }
        (out, close)
    }

    pub fn push(&self, out: &mut Vec<Ref>, range: Range<usize>, spec: RefSpec, soft: bool) {
        let mut r = Ref::new(range, spec, self.owner_schema.clone(), soft);
        r.embed = self.embed;
        out.push(r);
    }

    /// References to a table named by `parts` (`t` or `s.t`).
    pub fn table_ref(&self, out: &mut Vec<Ref>, parts: &[Name], soft: bool) {
        match parts {
            [(t, tr)] => self.push(
                out,
                tr.clone(),
                RefSpec::Table {
                    schema: None,
                    name: t.clone(),
                },
                soft,
            ),
            [.., (s, sr), (t, tr)] => {
                self.push(out, sr.clone(), RefSpec::Schema(s.clone()), true);
                self.push(
                    out,
                    tr.clone(),
                    RefSpec::Table {
                        schema: Some(s.clone()),
                        name: t.clone(),
                    },
                    soft,
                );
            }
            [] => {}
        }
    }

    fn column(&self, out: &mut Vec<Ref>, table: &QTable, (c, r): &(String, Range<usize>)) {
        self.push(
            out,
            r.clone(),
            RefSpec::Column {
                schema: table.schema.clone(),
                table: table.name.clone(),
                column: c.clone(),
                implicit: false,
            },
            true,
        );
    }

    /// Whether the name at `i` is not a reference by its position: after `.`
    /// (a later part of a chain), after `AS` (an alias or a type), after `::`
    /// (a type) or `COLLATE`.
    fn after_non_name(&self, i: usize, lo: usize) -> bool {
        if i == lo {
            return false;
        }
        let p = i - 1;
        self.punct(p, ".") || self.punct(p, "::") || self.is(p, "AS") || self.is(p, "COLLATE")
    }

    /// A qualified column `q.c` or `s.t.c` whose qualifier is not an alias.
    fn qualified(&self, out: &mut Vec<Ref>, parts: &[Name]) {
        let (table_parts, col) = parts.split_at(parts.len() - 1);
        self.table_ref(out, table_parts, true);
        let t = match table_parts {
            [(t, _)] => QTable {
                schema: None,
                name: t.clone(),
            },
            [.., (s, _), (t, _)] => QTable {
                schema: Some(s.clone()),
                name: t.clone(),
            },
            [] => return,
        };
        self.column(out, &t, &col[0]);
    }

    /// Names in tokens `lo..hi` of an expression on `table` (a CHECK, an
    /// index part or predicate, a generated column): bare names are its columns.
    pub fn table_expr(&self, lo: usize, hi: usize, table: &QTable, out: &mut Vec<Ref>) {
        let mut i = lo;
        while i < hi {
            if self.after_non_name(i, lo) {
                i += 1;
                continue;
            }
            let Some((parts, next)) = self.chain(i) else {
                i += 1;
                continue;
            };
            let next = next.min(hi);
            // A function call, or a typed literal (`DATE '…'`).
            let call =
                self.punct(next, "(") || self.toks.get(next).is_some_and(|t| t.kind == Kind::Str);
            if !call {
                match parts.len() {
                    1 if self.name(i).is_some() => self.column(out, table, &parts[0]),
                    1 => {}
                    2 if parts[0].0.eq_ignore_ascii_case(&table.name) => {
                        self.table_ref(out, &parts[..1], true);
                        self.column(out, table, &parts[1]);
                    }
                    2 | 3 => self.qualified(out, &parts),
                    _ => {}
                }
            }
            i = next.max(i + 1);
        }
    }

    /// Names in tokens `lo..hi` of queries or a routine body, split into
    /// statements at top-level `;`. `trigger` is the table `NEW` and `OLD` are rows of.
    pub fn query(&self, lo: usize, hi: usize, trigger: Option<&QTable>, out: &mut Vec<Ref>) {
        let hi = hi.min(self.toks.len());
        let mut start = lo;
        let mut depth = 0usize;
        for i in lo..hi {
            if self.punct(i, "(") {
                depth += 1;
            } else if self.punct(i, ")") {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && self.punct(i, ";") {
                self.segment(start, i, trigger, out);
                start = i + 1;
            }
        }
        if start < hi {
            self.segment(start, hi, trigger, out);
        }
    }

    /// Names of the CTEs a statement defines (`WITH x AS (…), y AS (…)`).
    fn ctes(&self, lo: usize, hi: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut i = lo;
        while i < hi {
            if self.is(i, "WITH") {
                let mut j = i + 1;
                if self.is(j, "RECURSIVE") {
                    j += 1;
                }
                while let Some((name, _)) = self.ident(j) {
                    let mut k = j + 1;
                    if self.punct(k, "(") {
                        k = self.close(k, hi) + 1;
                    }
                    if !self.is(k, "AS") {
                        break;
                    }
                    out.push(name.to_ascii_lowercase());
                    k += 1;
                    if self.is(k, "NOT") {
                        k += 1;
                    }
                    if self.is(k, "MATERIALIZED") {
                        k += 1;
                    }
                    if !self.punct(k, "(") {
                        break;
                    }
                    k = self.close(k, hi) + 1;
                    if !self.punct(k, ",") {
                        break;
                    }
                    j = k + 1;
                }
                i = j;
            }
            i += 1;
        }
        out
    }

    /// Whether the `(` at `i` opens a function call's arguments.
    fn is_call(&self, i: usize, lo: usize) -> bool {
        i > lo
            && (self.toks[i - 1].kind == Kind::Word && !is_reserved(self.text(i - 1))
                || self.quoted_ident(i - 1))
    }

    fn segment(&self, lo: usize, hi: usize, trigger: Option<&QTable>, out: &mut Vec<Ref>) {
        let ctes = self.ctes(lo, hi);
        let mut consumed = vec![false; hi - lo];
        let mut sources: Vec<Source> = Vec::new();
        let mut calls: Vec<bool> = Vec::new();
        let mut i = lo;
        while i < hi {
            if self.punct(i, "(") {
                calls.push(self.is_call(i, lo));
                i += 1;
                continue;
            }
            if self.punct(i, ")") {
                calls.pop();
                i += 1;
                continue;
            }
            // `EXTRACT(x FROM y)`, `TRIM(… FROM …)`: not a table.
            let in_call = calls.last() == Some(&true);
            let list = self.is(i, "FROM");
            let into = self.is(i, "INTO");
            let starts = list || into || self.is(i, "JOIN") || self.is(i, "UPDATE");
            if in_call || !starts {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            if self.is(i, "UPDATE") && self.is(j, "OF") {
                // `UPDATE OF a, b` in a trigger header.
                i += 1;
                continue;
            }
            if self.is(j, "OR") {
                j += 2;
            }
            while self.is(j, "ONLY") || self.is(j, "LATERAL") {
                j += 1;
            }
            loop {
                if j >= hi {
                    break;
                }
                let Some((parts, next)) = self.chain(j) else {
                    break;
                };
                if parts.len() > 2 || self.name(j).is_none() && parts.len() == 1 {
                    break;
                }
                // `FROM f(…)`: a function, not a table.
                if self.punct(next, "(") && !into {
                    break;
                }
                let cte = parts.len() == 1 && ctes.contains(&parts[0].0.to_ascii_lowercase());
                for c in &mut consumed[j - lo..next.min(hi) - lo] {
                    *c = true;
                }
                if !cte {
                    self.table_ref(out, &parts, true);
                }
                let table = (!cte).then(|| match &parts[..] {
                    [(t, _)] => QTable {
                        schema: None,
                        name: t.clone(),
                    },
                    [(s, _), (t, _)] => QTable {
                        schema: Some(s.clone()),
                        name: t.clone(),
                    },
                    _ => unreachable!(),
                });
                let mut k = next;
                let had_as = self.is(k, "AS");
                if had_as {
                    k += 1;
                }
                let mut alias = None;
                if k < hi {
                    if let Some((a, _)) = self.name(k) {
                        alias = Some(a);
                        consumed[k - lo] = true;
                        k += 1;
                    }
                }
                if into && self.punct(k, "(") {
                    let end = self.close(k, hi);
                    if let Some(t) = &table {
                        for m in k + 1..end {
                            let item = (self.punct(m - 1, "(") || self.punct(m - 1, ","))
                                && (self.punct(m + 1, ",") || self.punct(m + 1, ")"));
                            if item {
                                if let Some(p) = self.ident(m) {
                                    self.column(out, t, &p);
                                }
                            }
                        }
                    }
                    for c in &mut consumed[k - lo..end.min(hi - 1) + 1 - lo] {
                        *c = true;
                    }
                    k = end + 1;
                }
                sources.push(Source { table, alias });
                j = k;
                if list && self.punct(j, ",") {
                    j += 1;
                    continue;
                }
                break;
            }
            i = j.max(i + 1);
        }
        self.names(lo, hi, &consumed, &sources, trigger, out);
    }

    /// The names of a statement once its tables are known.
    fn names(
        &self,
        lo: usize,
        hi: usize,
        consumed: &[bool],
        sources: &[Source],
        trigger: Option<&QTable>,
        out: &mut Vec<Ref>,
    ) {
        let tables: Vec<&QTable> = sources.iter().filter_map(|s| s.table.as_ref()).collect();
        let mut out_aliases: Vec<String> = Vec::new();
        let mut i = lo;
        while i < hi {
            if consumed[i - lo] {
                i += 1;
                continue;
            }
            if self.after_non_name(i, lo) {
                if i > lo && self.is(i - 1, "AS") {
                    if let Some((a, _)) = self.ident(i) {
                        out_aliases.push(a.to_ascii_lowercase());
                    }
                }
                i += 1;
                continue;
            }
            let Some((parts, next)) = self.chain(i) else {
                i += 1;
                continue;
            };
            let next = next.min(hi);
            let call =
                self.punct(next, "(") || self.toks.get(next).is_some_and(|t| t.kind == Kind::Str);
            if !call {
                match parts.len() {
                    1 => {
                        let bare = self.name(i).is_some()
                            && !out_aliases.contains(&parts[0].0.to_ascii_lowercase());
                        match tables.as_slice() {
                            _ if !bare => {}
                            [] => {}
                            [t] => self.column(out, t, &parts[0]),
                            many => {
                                let (c, r) = &parts[0];
                                self.push(
                                    out,
                                    r.clone(),
                                    RefSpec::AnyColumn {
                                        tables: many
                                            .iter()
                                            .map(|t| (t.schema.clone(), t.name.clone()))
                                            .collect(),
                                        column: c.clone(),
                                    },
                                    true,
                                );
                            }
                        }
                    }
                    2 => {
                        let q = &parts[0].0;
                        let row = self.toks[i].kind == Kind::Word
                            && (q.eq_ignore_ascii_case("NEW") || q.eq_ignore_ascii_case("OLD"));
                        let by_alias = sources
                            .iter()
                            .find(|s| s.alias.as_ref().is_some_and(|a| a.eq_ignore_ascii_case(q)));
                        if let (true, Some(t)) = (row, trigger) {
                            self.column(out, t, &parts[1]);
                        } else if let Some(s) = by_alias {
                            if let Some(t) = &s.table {
                                self.column(out, t, &parts[1]);
                            }
                        } else if let Some(t) =
                            tables.iter().find(|t| t.name.eq_ignore_ascii_case(q))
                        {
                            self.table_ref(out, &parts[..1], true);
                            let t = (*t).clone();
                            self.column(out, &t, &parts[1]);
                        } else if !row {
                            self.qualified(out, &parts);
                        }
                    }
                    3 => self.qualified(out, &parts),
                    _ => {}
                }
            }
            i = next.max(i + 1);
        }
    }
}

/// The SQL in an HCL string's content (between the quotes), unescaped, and
/// where each of its bytes is in the chunk (`base` is the content's offset).
pub fn unescape_hcl(raw: &str, base: usize) -> (String, OffsetMap) {
    let b = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut map = Vec::with_capacity(raw.len() + 1);
    let mut i = 0;
    while i < b.len() {
        let (text, len): (String, usize) = match (b[i], b.get(i + 1)) {
            (b'\\', Some(b'n')) => ("\n".into(), 2),
            (b'\\', Some(b't')) => ("\t".into(), 2),
            (b'\\', Some(b'r')) => ("\r".into(), 2),
            (b'\\', Some(b'"')) => ("\"".into(), 2),
            (b'\\', Some(b'\\')) => ("\\".into(), 2),
            (b'$', Some(b'$')) if b.get(i + 2) == Some(&b'{') => ("$".into(), 2),
            (b'%', Some(b'%')) if b.get(i + 2) == Some(&b'{') => ("%".into(), 2),
            _ => {
                let ch = raw[i..].chars().next().unwrap_or(' ');
                (ch.to_string(), ch.len_utf8())
            }
        };
        for k in 0..text.len() {
            // Bytes of one character map to consecutive offsets.
            map.push(base + i + k.min(len - 1));
        }
        out.push_str(&text);
        i += len;
    }
    map.push(base + b.len());
    (out, OffsetMap::Table(map))
}

/// A name as SQL must spell it: quoted when it is not a plain identifier, is
/// reserved, or (PostgreSQL) has capitals that would otherwise fold.
pub fn needs_quotes(name: &str, dialect: Dialect) -> bool {
    !strata_core::sql::lex::is_plain_ident(name)
        || is_reserved(name)
        || (dialect == Dialect::Postgres && name.chars().any(|c| c.is_ascii_uppercase()))
}

/// The text that replaces the name at `range` of `text` (a SQL name, written
/// as `embed` says) with `new_name`: inside existing quotes, the quote's
/// escaping; bare, quoted when needed; in an HCL string, HCL's escaping too.
pub fn spell(
    text: &str,
    range: Range<usize>,
    new_name: &str,
    dialect: Dialect,
    embed: Embed,
) -> String {
    let before = &text[..range.start];
    let after = &text[range.end..];
    let quote = |open: &str, close: &str| before.ends_with(open) && after.starts_with(close);
    let esc_dq = embed == Embed::HclString;
    let sql = if (esc_dq && quote("\\\"", "\\\"")) || (!esc_dq && quote("\"", "\"")) {
        new_name.replace('"', "\"\"")
    } else if quote("`", "`") {
        new_name.replace('`', "``")
    } else if quote("[", "]") {
        new_name.to_string()
    } else if needs_quotes(new_name, dialect) {
        dialect.quote(new_name)
    } else {
        new_name.to_string()
    };
    match embed {
        Embed::Plain => sql,
        Embed::HclHeredoc => sql.replace("${", "$${").replace("%{", "%%{"),
        Embed::HclString => sql
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace("${", "$${")
            .replace("%{", "%%{"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_words_are_sorted() {
        let mut sorted = RESERVED.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, RESERVED);
    }

    #[test]
    fn hcl_strings_unescape_with_positions() {
        let raw = r#"\"Email\" <> '' AND x"#;
        let (sql, map) = unescape_hcl(raw, 10);
        assert_eq!(sql, r#""Email" <> '' AND x"#);
        let OffsetMap::Table(v) = &map else { panic!() };
        // `Email` inside the escaped quotes.
        assert_eq!(&raw[v[1] - 10..v[6] - 10], "Email");
        assert_eq!(v[sql.len()], 10 + raw.len());
    }

    #[test]
    fn spelling_follows_quotes_and_embedding() {
        let d = Dialect::Sqlite;
        assert_eq!(spell("a x b", 2..3, "y", d, Embed::Plain), "y");
        assert_eq!(
            spell("a x b", 2..3, "two words", d, Embed::Plain),
            "\"two words\""
        );
        assert_eq!(spell("a \"x\" b", 3..4, "a\"b", d, Embed::Plain), "a\"\"b");
        assert_eq!(
            spell("a x b", 2..3, "two words", d, Embed::HclString),
            "\\\"two words\\\""
        );
        assert_eq!(
            spell(r#"a \"x\" b"#, 4..5, "y z", d, Embed::HclString),
            "y z"
        );
        assert_eq!(spell("a x b", 2..3, "order", d, Embed::Plain), "\"order\"");
        assert_eq!(
            spell("a x b", 2..3, "UserId", Dialect::Postgres, Embed::Plain),
            "\"UserId\""
        );
        assert_eq!(
            spell("a x b", 2..3, "my col", Dialect::Mysql, Embed::HclHeredoc),
            "`my col`"
        );
    }
}
