//! Reads what SQLite's PRAGMAs do not report from the `CREATE` text it keeps in
//! `sqlite_schema`: CHECK constraints, constraint names, collations, generated
//! expressions, AUTOINCREMENT, deferrability, table options, index expressions.

use crate::model::{Check, Deferrable, IndexKey, IndexPart};
use crate::sql::lex::{closes_at, tokenize, Kind, Token};

#[derive(Debug, Default)]
pub struct TableDdl {
    pub columns: Vec<ColumnDdl>,
    pub checks: Vec<Check>,
    pub fks: Vec<FkDdl>,
    pub uniques: Vec<UniqueDdl>,
    pub pk_name: Option<String>,
    pub without_rowid: bool,
    pub strict: bool,
}

#[derive(Debug, Default)]
pub struct ColumnDdl {
    pub name: String,
    pub collation: Option<String>,
    pub generated: Option<(String, bool)>,
    pub autoincrement: bool,
}

#[derive(Debug)]
pub struct FkDdl {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub deferrable: Deferrable,
}

#[derive(Debug)]
pub struct UniqueDdl {
    pub name: Option<String>,
    pub columns: Vec<String>,
}

#[derive(Debug, Default)]
pub struct IndexDdl {
    pub parts: Vec<IndexPart>,
    pub predicate: Option<String>,
}

/// Scans a `CREATE TABLE` statement.
pub fn parse_create_table(sql: &str) -> TableDdl {
    let toks = tokenize(sql);
    let mut out = TableDdl::default();
    let Some(open) = toks.iter().position(|t| t.is_punct(sql, "(")) else {
        return out;
    };
    let Some(close) = closes_at(sql, &toks[open..]).map(|c| c + open) else {
        return out;
    };
    for item in split_commas(sql, &toks[open + 1..close]) {
        if item.is_empty() {
            continue;
        }
        let first = &item[0];
        let is_constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"].iter().any(|k| first.is(sql, k))
            // A column may be named like a keyword only when quoted.
            && first.kind == Kind::Word;
        if is_constraint {
            table_constraint(sql, item, &mut out);
        } else {
            column_def(sql, item, &mut out);
        }
    }
    for t in &toks[close + 1..] {
        if t.is(sql, "ROWID") {
            out.without_rowid = true;
        } else if t.is(sql, "STRICT") {
            out.strict = true;
        }
    }
    out
}

fn column_def(sql: &str, item: &[Token], out: &mut TableDdl) {
    let name = item[0].ident(sql);
    let mut col = ColumnDdl {
        name: name.clone(),
        ..ColumnDdl::default()
    };
    let mut constraint_name = None;
    let mut i = 1;
    while i < item.len() {
        let t = &item[i];
        if t.is(sql, "CONSTRAINT") {
            constraint_name = item.get(i + 1).map(|n| n.ident(sql));
            i += 2;
            continue;
        }
        if t.is(sql, "PRIMARY") {
            if constraint_name.is_some() {
                out.pk_name = constraint_name.take();
            }
        } else if t.is(sql, "AUTOINCREMENT") {
            col.autoincrement = true;
        } else if t.is(sql, "COLLATE") {
            col.collation = item.get(i + 1).map(|n| n.ident(sql));
            i += 1;
        } else if t.is(sql, "UNIQUE") {
            out.uniques.push(UniqueDdl {
                name: constraint_name.take(),
                columns: vec![name.clone()],
            });
        } else if t.is(sql, "CHECK") {
            if let Some((expr, next)) = paren_text(sql, item, i + 1) {
                out.checks.push(Check {
                    name: constraint_name.take(),
                    expr,
                    span: None,
                });
                i = next;
                continue;
            }
        } else if t.is(sql, "AS") {
            if let Some((expr, next)) = paren_text(sql, item, i + 1) {
                let stored = item.get(next).is_some_and(|t| t.is(sql, "STORED"));
                col.generated = Some((expr, stored));
                i = next;
                continue;
            }
        } else if t.is(sql, "REFERENCES") {
            let (fk, next) =
                references(sql, item, i + 1, vec![name.clone()], constraint_name.take());
            out.fks.push(fk);
            i = next;
            continue;
        } else if t.is(sql, "DEFAULT") {
            // Skip the default's expression: it may contain keywords.
            i += 1;
            if item.get(i).is_some_and(|t| t.is_punct(sql, "(")) {
                i += closes_at(sql, &item[i..]).unwrap_or(0);
            } else if item
                .get(i)
                .is_some_and(|t| t.is_punct(sql, "-") || t.is_punct(sql, "+"))
            {
                i += 1;
            }
        }
        i += 1;
    }
    out.columns.push(col);
}

fn table_constraint(sql: &str, item: &[Token], out: &mut TableDdl) {
    let mut name = None;
    let mut i = 0;
    if item[0].is(sql, "CONSTRAINT") {
        name = item.get(1).map(|n| n.ident(sql));
        i = 2;
    }
    let Some(kw) = item.get(i) else { return };
    if kw.is(sql, "PRIMARY") {
        out.pk_name = name;
    } else if kw.is(sql, "UNIQUE") {
        if let Some(open) = item[i..].iter().position(|t| t.is_punct(sql, "(")) {
            out.uniques.push(UniqueDdl {
                name,
                columns: ident_list(sql, &item[i + open..]),
            });
        }
    } else if kw.is(sql, "CHECK") {
        if let Some((expr, _)) = paren_text(sql, item, i + 1) {
            out.checks.push(Check {
                name,
                expr,
                span: None,
            });
        }
    } else if kw.is(sql, "FOREIGN") {
        let Some(open) = item[i..]
            .iter()
            .position(|t| t.is_punct(sql, "("))
            .map(|o| o + i)
        else {
            return;
        };
        let cols = ident_list(sql, &item[open..]);
        let Some(refs) = item.iter().position(|t| t.is(sql, "REFERENCES")) else {
            return;
        };
        let (fk, _) = references(sql, item, refs + 1, cols, name);
        out.fks.push(fk);
    }
}

/// Parses `tbl [(cols)] [ON …] [DEFERRABLE …]` from `i`; returns the index after it.
fn references(
    sql: &str,
    item: &[Token],
    mut i: usize,
    columns: Vec<String>,
    name: Option<String>,
) -> (FkDdl, usize) {
    let ref_table = item.get(i).map(|t| t.ident(sql)).unwrap_or_default();
    i += 1;
    if item.get(i).is_some_and(|t| t.is_punct(sql, "(")) {
        i += closes_at(sql, &item[i..]).unwrap_or(0) + 1;
    }
    let mut deferrable = Deferrable::NotDeferrable;
    while i < item.len() {
        let t = &item[i];
        if t.is(sql, "ON")
            || t.is(sql, "MATCH")
            || t.is(sql, "SET")
            || t.is(sql, "NO")
            || t.is(sql, "ACTION")
        {
            i += 1;
            continue;
        }
        if [
            "DELETE", "UPDATE", "CASCADE", "RESTRICT", "NULL", "DEFAULT", "SIMPLE", "FULL",
            "PARTIAL",
        ]
        .iter()
        .any(|k| t.is(sql, k))
        {
            i += 1;
            continue;
        }
        if t.is(sql, "NOT") && item.get(i + 1).is_some_and(|n| n.is(sql, "DEFERRABLE")) {
            i += 2;
            continue;
        }
        if t.is(sql, "DEFERRABLE") {
            deferrable = Deferrable::InitiallyImmediate;
            if item.get(i + 1).is_some_and(|n| n.is(sql, "INITIALLY")) {
                if item.get(i + 2).is_some_and(|n| n.is(sql, "DEFERRED")) {
                    deferrable = Deferrable::InitiallyDeferred;
                }
                i += 3;
            } else {
                i += 1;
            }
            continue;
        }
        break;
    }
    (
        FkDdl {
            name,
            columns,
            ref_table,
            deferrable,
        },
        i,
    )
}

/// Scans a `CREATE INDEX` statement for its parts and `WHERE` predicate.
pub fn parse_create_index(sql: &str) -> IndexDdl {
    let toks = tokenize(sql);
    let mut out = IndexDdl::default();
    let Some(on) = toks.iter().position(|t| t.is(sql, "ON")) else {
        return out;
    };
    let Some(open) = toks[on..]
        .iter()
        .position(|t| t.is_punct(sql, "("))
        .map(|o| o + on)
    else {
        return out;
    };
    let Some(close) = closes_at(sql, &toks[open..]).map(|c| c + open) else {
        return out;
    };
    for part in split_commas(sql, &toks[open + 1..close]) {
        let mut end = part.len();
        let mut desc = false;
        let mut collation = None;
        if end > 0 && (part[end - 1].is(sql, "DESC") || part[end - 1].is(sql, "ASC")) {
            desc = part[end - 1].is(sql, "DESC");
            end -= 1;
        }
        if end >= 2 && part[end - 2].is(sql, "COLLATE") {
            collation = Some(part[end - 1].ident(sql));
            end -= 2;
        }
        let body = &part[..end];
        let key = match body {
            [one] if matches!(one.kind, Kind::Word | Kind::QuotedIdent) => {
                IndexKey::Column(one.ident(sql))
            }
            _ if body.is_empty() => continue,
            _ => {
                let text = &sql[body[0].range.start..body[body.len() - 1].range.end];
                IndexKey::Expr(strip_parens(text).to_string())
            }
        };
        out.parts.push(IndexPart {
            key,
            desc,
            collation,
            ops: None,
        });
    }
    if let Some(w) = toks[close..].iter().position(|t| t.is(sql, "WHERE")) {
        let start = toks[close + w].range.end;
        out.predicate = Some(sql[start..].trim().trim_end_matches(';').trim().to_string());
    }
    out
}

/// The query of a `CREATE VIEW … AS query` statement.
pub fn view_query(sql: &str) -> String {
    let toks = tokenize(sql);
    let mut depth = 0i32;
    for t in &toks {
        if t.is_punct(sql, "(") {
            depth += 1;
        } else if t.is_punct(sql, ")") {
            depth -= 1;
        } else if depth == 0 && t.is(sql, "AS") {
            return sql[t.range.end..]
                .trim()
                .trim_end_matches(';')
                .trim_end()
                .to_string();
        }
    }
    sql.to_string()
}

/// The text inside the parentheses that start at `item[i]`, and the index after them.
fn paren_text(sql: &str, item: &[Token], i: usize) -> Option<(String, usize)> {
    if !item.get(i)?.is_punct(sql, "(") {
        return None;
    }
    let close = closes_at(sql, &item[i..])? + i;
    let text = sql[item[i].range.end..item[close].range.start]
        .trim()
        .to_string();
    Some((text, close + 1))
}

fn ident_list(sql: &str, toks: &[Token]) -> Vec<String> {
    let close = closes_at(sql, toks).unwrap_or(toks.len());
    split_commas(sql, &toks[1..close])
        .into_iter()
        .filter_map(|p| p.first().map(|t| t.ident(sql)))
        .collect()
}

/// Splits a token list on commas at parenthesis depth zero.
pub fn split_commas<'t>(sql: &str, toks: &'t [Token]) -> Vec<&'t [Token]> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if t.is_punct(sql, "(") {
            depth += 1;
        } else if t.is_punct(sql, ")") {
            depth -= 1;
        } else if depth == 0 && t.is_punct(sql, ",") {
            out.push(&toks[start..i]);
            start = i + 1;
        }
    }
    out.push(&toks[start..]);
    out
}

/// `(expr)` → `expr` when the parentheses enclose everything.
pub fn strip_parens(text: &str) -> &str {
    let mut t = text.trim();
    loop {
        let toks = tokenize(t);
        if toks.len() >= 2
            && toks[0].is_punct(t, "(")
            && closes_at(t, &toks) == Some(toks.len() - 1)
        {
            t = t[toks[0].range.end..toks[toks.len() - 1].range.start].trim();
        } else {
            return t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_constraints_and_options() {
        let sql = r#"CREATE TABLE "t" (
            "id" integer NOT NULL CONSTRAINT pk PRIMARY KEY AUTOINCREMENT,
            name text COLLATE NOCASE DEFAULT ('a,b') CHECK (length(name) > 0),
            [g] int GENERATED ALWAYS AS (id * 2) STORED,
            p int CONSTRAINT p_fk REFERENCES parent(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
            CONSTRAINT u_name UNIQUE (name, p),
            CONSTRAINT positive CHECK (id > 0),
            FOREIGN KEY (name) REFERENCES other (n) ON UPDATE SET NULL
        ) WITHOUT ROWID, STRICT"#;
        let t = parse_create_table(sql);
        let names: Vec<_> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "name", "g", "p"]);
        assert!(t.columns[0].autoincrement);
        assert_eq!(t.pk_name.as_deref(), Some("pk"));
        assert_eq!(t.columns[1].collation.as_deref(), Some("NOCASE"));
        assert_eq!(t.columns[2].generated, Some(("id * 2".to_string(), true)));
        assert_eq!(t.checks.len(), 2);
        assert_eq!(t.checks[0].expr, "length(name) > 0");
        assert_eq!(t.checks[1].name.as_deref(), Some("positive"));
        assert_eq!(t.fks[0].name.as_deref(), Some("p_fk"));
        assert_eq!(t.fks[0].deferrable, Deferrable::InitiallyDeferred);
        assert_eq!(t.fks[1].columns, ["name"]);
        assert_eq!(t.fks[1].ref_table, "other");
        assert_eq!(t.uniques[0].columns, ["name", "p"]);
        assert!(t.without_rowid && t.strict);
    }

    #[test]
    fn scans_index_parts_and_predicate() {
        let ix = parse_create_index(
            "CREATE UNIQUE INDEX i ON t (a DESC, (lower(b)), c COLLATE NOCASE) WHERE a > 0",
        );
        assert_eq!(ix.parts.len(), 3);
        assert!(ix.parts[0].desc);
        assert_eq!(ix.parts[1].key, IndexKey::Expr("lower(b)".into()));
        assert_eq!(ix.parts[2].collation.as_deref(), Some("NOCASE"));
        assert_eq!(ix.predicate.as_deref(), Some("a > 0"));
    }

    #[test]
    fn view_query_skips_column_list() {
        assert_eq!(
            view_query("CREATE VIEW v (a) AS SELECT 1 AS a;"),
            "SELECT 1 AS a"
        );
    }
}
