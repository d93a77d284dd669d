//! Exclusion constraints between the text PostgreSQL prints
//! (`EXCLUDE USING gist (room WITH =, during WITH &&) WHERE (active)`) and the
//! parts Atlas's HCL `exclude` block names: method, `on { column|expr, op }`, `where`.

use crate::model::IndexKey;
use crate::sql::lex::{closes_at, tokenize, Kind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exclusion {
    /// Index method, lower case (`gist`).
    pub method: String,
    /// Each element and the operator it must not satisfy against another row.
    pub elements: Vec<(IndexKey, String)>,
    pub predicate: Option<String>,
}

/// Splits a constraint definition; `None` when it has clauses strata can't name
/// in HCL (INCLUDE, WITH storage parameters, DEFERRABLE).
pub fn parse(def: &str) -> Option<Exclusion> {
    let toks = tokenize(def);
    let mut i = 0;
    let kw = |i: usize, w: &str| toks.get(i).is_some_and(|t| t.is(def, w));
    if !kw(0, "EXCLUDE") {
        return None;
    }
    i += 1;
    let mut method = "btree".to_string();
    if kw(i, "USING") {
        method = toks.get(i + 1)?.ident(def).to_ascii_lowercase();
        i += 2;
    }
    if !toks.get(i)?.is_punct(def, "(") {
        return None;
    }
    let close = i + closes_at(def, &toks[i..])?;
    let mut elements = Vec::new();
    let mut start = i + 1;
    let mut depth = 0usize;
    for j in i + 1..=close {
        let t = &toks[j];
        if t.is_punct(def, "(") {
            depth += 1;
        } else if t.is_punct(def, ")") && j != close {
            depth -= 1;
        } else if depth == 0 && (j == close || t.is_punct(def, ",")) {
            elements.push(element(def, &toks[start..j])?);
            start = j + 1;
        }
    }
    let mut predicate = None;
    let rest = &toks[close + 1..];
    if let Some(first) = rest.first() {
        if !first.is(def, "WHERE") {
            return None;
        }
        let text = def[first.range.end..].trim();
        predicate = Some(crate::sqlite::ddl::strip_parens(text).to_string());
    }
    Some(Exclusion {
        method,
        elements,
        predicate,
    })
}

/// `key WITH op`: a lone identifier is a column, anything else an expression.
fn element(def: &str, toks: &[crate::sql::lex::Token]) -> Option<(IndexKey, String)> {
    let with = toks.iter().rposition(|t| t.is(def, "WITH"))?;
    let key_toks = &toks[..with];
    let first = key_toks.first()?;
    let last = key_toks.last()?;
    let op = def[toks[with].range.end..toks.last()?.range.end]
        .trim()
        .to_string();
    let key = if key_toks.len() == 1 && matches!(first.kind, Kind::Word | Kind::QuotedIdent) {
        IndexKey::Column(first.ident(def))
    } else {
        let text = &def[first.range.start..last.range.end];
        IndexKey::Expr(crate::sqlite::ddl::strip_parens(text).to_string())
    };
    (!op.is_empty()).then_some((key, op))
}

/// The `EXCLUDE …` clause of `ADD CONSTRAINT name …`.
pub fn render(x: &Exclusion) -> String {
    let elems: Vec<String> = x
        .elements
        .iter()
        .map(|(k, op)| match k {
            IndexKey::Column(c) => format!("{} WITH {op}", super::plan::q(c)),
            IndexKey::Expr(e) => format!("({e}) WITH {op}"),
        })
        .collect();
    let mut s = format!("EXCLUDE USING {} ({})", x.method, elems.join(", "));
    if let Some(w) = &x.predicate {
        s.push_str(&format!(" WHERE ({w})"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_postgres_prints() {
        let x = parse(
            "EXCLUDE USING gist (room WITH =, tsrange(starts, ends, '[)'::text) WITH &&) WHERE ((NOT cancelled))",
        )
        .unwrap();
        assert_eq!(x.method, "gist");
        assert_eq!(
            x.elements,
            vec![
                (IndexKey::Column("room".into()), "=".into()),
                (
                    IndexKey::Expr("tsrange(starts, ends, '[)'::text)".into()),
                    "&&".into()
                ),
            ]
        );
        assert_eq!(x.predicate.as_deref(), Some("NOT cancelled"));
        assert_eq!(
            render(&x),
            "EXCLUDE USING gist (\"room\" WITH =, (tsrange(starts, ends, '[)'::text)) WITH &&) WHERE (NOT cancelled)"
        );
    }

    #[test]
    fn clauses_without_an_hcl_name_are_refused() {
        assert!(parse("EXCLUDE USING gist (c WITH &&) INCLUDE (d)").is_none());
        assert!(parse("EXCLUDE USING gist (c WITH &&) DEFERRABLE").is_none());
        assert!(parse("UNIQUE (c)").is_none());
    }
}
