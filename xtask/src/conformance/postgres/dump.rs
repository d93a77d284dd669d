//! `pg_dump` text in canonical form: statements sorted, noise dropped,
//! spellings PostgreSQL keeps apart but that mean the same made equal.

/// The dump's statements, sorted: comments, `SET`, `set_config` and psql
/// meta-commands (`\restrict`) dropped, whitespace collapsed. The second list
/// also sorts the column lines of each `CREATE TABLE`.
pub(super) fn canonical(dump: &str) -> (Vec<String>, Vec<String>) {
    let kept: Vec<&str> = dump
        .lines()
        .filter(|l| {
            let t = l.trim();
            !(t.is_empty()
                || t.starts_with("--")
                || t.starts_with("SET ")
                || t.starts_with("SELECT pg_catalog.set_config")
                || t.starts_with('\\'))
        })
        .collect();
    let text = kept.join("\n");
    let mut strict = Vec::new();
    let mut loose = Vec::new();
    for stmt in text.split(";\n") {
        let stmt = stmt.trim().trim_end_matches(';').trim();
        if stmt.is_empty() {
            continue;
        }
        // Spellings PostgreSQL keeps apart but that mean the same.
        let stmt = redundant_parens(&strata_core::sql::lex::at_time_zone(stmt));
        strict.push(collapse(&stmt));
        loose.push(collapse(&sort_table_body(&stmt)));
    }
    strict.sort();
    loose.sort();
    (strict, loose)
}

/// `((x))` → `(x)`: a pair of parentheses right inside another pair adds nothing.
pub(super) fn redundant_parens(s: &str) -> String {
    use strata_core::sql::lex::{closes_at, tokenize};
    let toks = tokenize(s);
    let mut drop = vec![false; toks.len()];
    for i in 0..toks.len().saturating_sub(1) {
        if !(toks[i].is_punct(s, "(") && toks[i + 1].is_punct(s, "(")) {
            continue;
        }
        let (Some(outer), Some(inner)) = (closes_at(s, &toks[i..]), closes_at(s, &toks[i + 1..]))
        else {
            continue;
        };
        if i + 1 + inner + 1 == i + outer {
            drop[i + 1] = true;
            drop[i + 1 + inner] = true;
        }
    }
    if !drop.contains(&true) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for (t, d) in toks.iter().zip(&drop) {
        if *d {
            out.push_str(&s[at..t.range.start]);
            at = t.range.end;
        }
    }
    out.push_str(&s[at..]);
    out
}

pub(super) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `CREATE TABLE t (\n a int,\n b int\n)` with its body lines sorted (and
/// their trailing commas dropped).
pub(super) fn sort_table_body(stmt: &str) -> String {
    let first = stmt.lines().next().unwrap_or("");
    let is_table = first.starts_with("CREATE TABLE ")
        || first.starts_with("CREATE UNLOGGED TABLE ")
        || first.starts_with("CREATE FOREIGN TABLE ");
    if !is_table || !first.trim_end().ends_with('(') {
        return stmt.to_string();
    }
    let lines: Vec<&str> = stmt.lines().collect();
    let Some(close) = lines.iter().skip(1).position(|l| l.starts_with(')')) else {
        return stmt.to_string();
    };
    let close = close + 1;
    let mut body: Vec<&str> = lines[1..close]
        .iter()
        .map(|l| l.trim().trim_end_matches(','))
        .collect();
    body.sort();
    let mut out = vec![first.to_string()];
    out.extend(body.iter().map(|l| format!("    {l}")));
    out.extend(lines[close..].iter().map(|l| l.to_string()));
    out.join("\n")
}
