//! A small SQL lexer shared by dialect code: enough to scan DDL text that the
//! database hands back (SQLite keeps `CREATE` statements verbatim) and to compare
//! expressions regardless of spacing, case and redundant quoting.

use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A bare word: identifier or keyword.
    Word,
    /// `"x"`, `` `x` `` or `[x]`.
    QuotedIdent,
    /// `'text'`.
    Str,
    Number,
    /// Any operator or punctuation, one token per operator (`<=` is one).
    Punct,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub range: Range<usize>,
}

impl Token {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.range.clone()]
    }

    /// Whether this is the (case-insensitive) keyword `kw`.
    pub fn is(&self, src: &str, kw: &str) -> bool {
        self.kind == Kind::Word && self.text(src).eq_ignore_ascii_case(kw)
    }

    pub fn is_punct(&self, src: &str, p: &str) -> bool {
        self.kind == Kind::Punct && self.text(src) == p
    }

    /// The identifier this token names, without quotes.
    pub fn ident(&self, src: &str) -> String {
        let t = self.text(src);
        match self.kind {
            Kind::QuotedIdent => {
                let q = t.as_bytes()[0];
                let inner = &t[1..t.len().saturating_sub(1).max(1)];
                match q {
                    b'"' => inner.replace("\"\"", "\""),
                    b'`' => inner.replace("``", "`"),
                    _ => inner.to_string(),
                }
            }
            // SQLite accepts 'x' where an identifier is expected.
            Kind::Str => t[1..t.len().saturating_sub(1).max(1)].replace("''", "'"),
            _ => t.to_string(),
        }
    }
}

/// Splits `src` into tokens, skipping white space and comments.
pub fn tokenize(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(b.len());
                continue;
            }
            b'\'' => {
                i = skip_quoted(b, i, b'\'');
                Kind::Str
            }
            b'"' | b'`' => {
                i = skip_quoted(b, i, c);
                Kind::QuotedIdent
            }
            b'[' => {
                while i < b.len() && b[i] != b']' {
                    i += 1;
                }
                i = (i + 1).min(b.len());
                Kind::QuotedIdent
            }
            b'0'..=b'9' => {
                i = skip_number(b, i);
                Kind::Number
            }
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = skip_number(b, i);
                Kind::Number
            }
            c if c == b'_' || c == b'$' || c.is_ascii_alphabetic() || c >= 0x80 => {
                while i < b.len()
                    && (b[i] == b'_'
                        || b[i] == b'$'
                        || b[i].is_ascii_alphanumeric()
                        || b[i] >= 0x80)
                {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                let two = src.get(i..i + 2).unwrap_or("");
                i += if ["<=", ">=", "<>", "!=", "==", "||", "<<", ">>", "::", "->"].contains(&two)
                {
                    2
                } else {
                    1
                };
                // Never split a multi-byte character.
                while !src.is_char_boundary(i) {
                    i += 1;
                }
                Kind::Punct
            }
        };
        out.push(Token {
            kind,
            range: start..i,
        });
    }
    out
}

fn skip_quoted(b: &[u8], mut i: usize, q: u8) -> usize {
    i += 1;
    while i < b.len() {
        if b[i] == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    i
}

fn skip_number(b: &[u8], mut i: usize) -> usize {
    if b[i] == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X')) {
        i += 2;
        while i < b.len() && b[i].is_ascii_hexdigit() {
            i += 1;
        }
        return i;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let j = i + 1 + usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            i = j;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    i
}

/// A canonical spelling of an expression or statement for comparison: tokens
/// separated by single spaces, words and identifiers lowercased and unquoted
/// where that is unambiguous, string literals kept, redundant outer parentheses
/// dropped.
pub fn normalize(src: &str) -> String {
    let toks = tokenize(src);
    let mut slice = &toks[..];
    while slice.len() >= 2
        && slice[0].is_punct(src, "(")
        && closes_at(src, slice) == Some(slice.len() - 1)
    {
        slice = &slice[1..slice.len() - 1];
    }
    let mut out = String::with_capacity(src.len());
    let mut prev: Option<&Token> = None;
    for t in slice {
        let text = match t.kind {
            Kind::Word => t.text(src).to_ascii_lowercase(),
            Kind::QuotedIdent => {
                let id = t.ident(src);
                if is_plain_ident(&id) {
                    id.to_ascii_lowercase()
                } else {
                    format!("\"{}\"", id.to_ascii_lowercase())
                }
            }
            _ => t.text(src).to_string(),
        };
        let glue = prev.is_some_and(|p| {
            p.is_punct(src, "(")
                || p.is_punct(src, ".")
                || t.is_punct(src, "(")
                || t.is_punct(src, ")")
                || t.is_punct(src, ",")
                || t.is_punct(src, ".")
        });
        if prev.is_some() && !glue {
            out.push(' ');
        }
        out.push_str(&text);
        prev = Some(t);
    }
    out
}

/// `timezone(zone, ts)` spelled as `(ts AT TIME ZONE zone)`: PostgreSQL keeps
/// whichever form it was given, and both mean the same.
pub fn at_time_zone(src: &str) -> std::borrow::Cow<'_, str> {
    // Cheap first: this runs on every expression comparison that isn't exact.
    if !src
        .as_bytes()
        .windows(8)
        .any(|w| w.eq_ignore_ascii_case(b"timezone"))
    {
        return src.into();
    }
    let mut text = src.to_string();
    // Innermost calls last: rewrite one call at a time until none is left.
    for _ in 0..16 {
        let toks = tokenize(&text);
        let Some(i) = toks.iter().enumerate().position(|(i, t)| {
            t.is(&text, "timezone") && toks.get(i + 1).is_some_and(|n| n.is_punct(&text, "("))
        }) else {
            break;
        };
        let open = i + 1;
        let Some(close) = closes_at(&text, &toks[open..]).map(|c| open + c) else {
            break;
        };
        let mut depth = 0usize;
        let mut comma = None;
        for (j, t) in toks.iter().enumerate().take(close).skip(open + 1) {
            if t.is_punct(&text, "(") {
                depth += 1;
            } else if t.is_punct(&text, ")") {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && t.is_punct(&text, ",") {
                if comma.is_some() {
                    comma = None;
                    break;
                }
                comma = Some(j);
            }
        }
        let Some(comma) = comma else { break };
        let zone = &text[toks[open].range.end..toks[comma].range.start];
        let ts = &text[toks[comma].range.end..toks[close].range.start];
        let rewritten = format!(
            "{}({} AT TIME ZONE {}){}",
            &text[..toks[i].range.start],
            ts.trim(),
            zone.trim(),
            &text[toks[close].range.end..]
        );
        text = rewritten;
    }
    text.into()
}

/// Index of the token closing the parenthesis that opens `toks[0]`.
pub fn closes_at(src: &str, toks: &[Token]) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate() {
        if t.is_punct(src, "(") {
            depth += 1;
        } else if t.is_punct(src, ")") {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Whether `s` can be written without quotes.
pub fn is_plain_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Whether `src` mentions the identifier `name` (quoted or not), as a token.
pub fn mentions(src: &str, name: &str) -> bool {
    tokenize(src).iter().any(|t| {
        matches!(t.kind, Kind::Word | Kind::QuotedIdent) && t.ident(src).eq_ignore_ascii_case(name)
    })
}

/// The table a `CREATE TRIGGER` statement fires on.
pub fn trigger_table(stmt: &str) -> Option<String> {
    let toks = tokenize(stmt);
    let on = toks.iter().position(|t| t.is(stmt, "ON"))?;
    let mut name = toks.get(on + 1)?.ident(stmt);
    if toks.get(on + 2).is_some_and(|t| t.is_punct(stmt, ".")) {
        name = toks.get(on + 3)?.ident(stmt);
    }
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_ignores_spacing_case_quotes_and_outer_parens() {
        assert_eq!(normalize("(a>0)"), normalize("A > 0"));
        assert_eq!(
            normalize("\"Price\" >= 0 AND x<>'Ab'"),
            "price >= 0 and x <> 'Ab'"
        );
        assert_eq!(normalize("lower( name )"), "lower(name)");
        assert_ne!(normalize("(a) + (b)"), "a) + (b");
        assert_eq!(
            normalize("select \"a b\".x from t"),
            "select \"a b\".x from t"
        );
    }

    #[test]
    fn tokenizes_strings_comments_and_operators() {
        let src = "a -- c\n'it''s' /* x */ <= [b c] 1.5e3";
        let kinds: Vec<_> = tokenize(src)
            .iter()
            .map(|t| (t.kind, t.text(src).to_string()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Kind::Word, "a".into()),
                (Kind::Str, "'it''s'".into()),
                (Kind::Punct, "<=".into()),
                (Kind::QuotedIdent, "[b c]".into()),
                (Kind::Number, "1.5e3".into()),
            ]
        );
    }

    #[test]
    fn finds_trigger_table_and_mentions() {
        assert_eq!(
            trigger_table(
                "CREATE TRIGGER t AFTER INSERT ON \"main\".\"Users\" BEGIN SELECT 1; END"
            )
            .as_deref(),
            Some("Users")
        );
        assert!(mentions("select * from \"users\"", "USERS"));
        assert!(!mentions("select 'users' from t", "users"));
    }
}

#[cfg(test)]
mod at_time_zone_tests {
    use super::*;

    #[test]
    fn timezone_calls_read_as_at_time_zone() {
        assert_eq!(
            normalize(&at_time_zone("(timezone('utc'::text, created_at) < now())")),
            normalize("((created_at AT TIME ZONE 'utc'::text) < now())")
        );
        assert_eq!(
            normalize(&at_time_zone(
                "timezone('utc', timezone('Europe/Paris', now()))"
            )),
            normalize("((now() AT TIME ZONE 'Europe/Paris') AT TIME ZONE 'utc')")
        );
        // Not a two-argument call: left alone.
        assert_eq!(at_time_zone("timezone_of(x)"), "timezone_of(x)");
        assert_eq!(at_time_zone("'timezone(a, b)'"), "'timezone(a, b)'");
    }
}
