//! DDL text: `CREATE TABLE` (also under a rebuild's temporary name),
//! column definitions, foreign keys, `CREATE INDEX`, and defaults written
//! the way SQLite accepts them.

use crate::dialect::Dialect;
use crate::model::*;
use crate::sql::lex::{tokenize, Kind};

pub(super) fn q(s: &str) -> String {
    Dialect::Sqlite.quote(s)
}

/// `CREATE TABLE` for `t` under `name`.
pub fn create_table(t: &Table, name: &str) -> String {
    let inline_pk = inline_primary_key(t);
    let mut lines: Vec<String> = t
        .columns
        .iter()
        .map(|c| column_def(c, inline_pk.filter(|n| *n == c.name)))
        .collect();
    lines.extend(constraints(t, inline_pk.is_some()));
    let mut opts = Vec::new();
    if t.attrs.flag("without_rowid") {
        opts.push("WITHOUT ROWID");
    }
    if t.attrs.flag("strict") {
        opts.push("STRICT");
    }
    let opts = if opts.is_empty() {
        String::new()
    } else {
        format!(" {}", opts.join(", "))
    };
    format!(
        "CREATE TABLE {} (\n  {}\n){opts}",
        q(name),
        lines.join(",\n  ")
    )
}

/// The column of a one-column primary key that is AUTOINCREMENT: SQLite
/// accepts AUTOINCREMENT only on the column itself.
fn inline_primary_key(t: &Table) -> Option<&str> {
    let pk = t.primary_key.as_ref()?;
    match pk.parts.as_slice() {
        [one]
            if t.column(one.column_name().unwrap_or(""))
                .is_some_and(|c| c.auto_increment) =>
        {
            one.column_name()
        }
        _ => None,
    }
}

/// The table constraints after the columns: primary key (unless inline),
/// unique constraints (named unless SQLite named them), foreign keys, checks.
fn constraints(t: &Table, pk_inline: bool) -> Vec<String> {
    let mut lines = Vec::new();
    if let (Some(pk), false) = (&t.primary_key, pk_inline) {
        let mut s = String::new();
        if let Some(n) = &pk.name {
            s.push_str(&format!("CONSTRAINT {} ", q(n)));
        }
        s.push_str(&format!("PRIMARY KEY ({})", parts(&pk.parts)));
        lines.push(s);
    }
    for u in t.indexes.iter().filter(|i| i.attrs.flag("constraint")) {
        let named = !u.name.is_empty() && !u.name.starts_with("sqlite_autoindex_");
        let prefix = if named {
            format!("CONSTRAINT {} ", q(&u.name))
        } else {
            String::new()
        };
        lines.push(format!("{prefix}UNIQUE ({})", parts(&u.parts)));
    }
    lines.extend(t.foreign_keys.iter().map(foreign_key));
    for ck in &t.checks {
        match &ck.name {
            Some(n) => lines.push(format!("CONSTRAINT {} CHECK ({})", q(n), ck.expr)),
            None => lines.push(format!("CHECK ({})", ck.expr)),
        }
    }
    lines
}

pub(super) fn column_def(c: &Column, inline_pk: Option<&str>) -> String {
    let mut s = q(&c.name);
    if !c.ty.is_empty() {
        s.push(' ');
        s.push_str(&c.ty);
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if inline_pk.is_some() {
        s.push_str(" PRIMARY KEY AUTOINCREMENT");
    }
    if let Some(d) = &c.default {
        if c.generated.is_none() {
            s.push_str(&format!(" DEFAULT {}", default_sql(d)));
        }
    }
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {coll}"));
    }
    if let Some(g) = &c.generated {
        let kind = if g.stored { "STORED" } else { "VIRTUAL" };
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) {kind}", g.expr));
    }
    s
}

fn foreign_key(fk: &ForeignKey) -> String {
    let mut s = String::new();
    if let Some(n) = &fk.name {
        s.push_str(&format!("CONSTRAINT {} ", q(n)));
    }
    let cols: Vec<String> = fk.columns.iter().map(|c| q(c)).collect();
    let refs: Vec<String> = fk.ref_columns.iter().map(|c| q(c)).collect();
    s.push_str(&format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        cols.join(", "),
        q(&fk.ref_table),
        refs.join(", ")
    ));
    if fk.on_update != RefAction::NoAction {
        s.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    if fk.on_delete != RefAction::NoAction {
        s.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    match fk.deferrable {
        Deferrable::NotDeferrable => {}
        Deferrable::InitiallyImmediate => s.push_str(" DEFERRABLE INITIALLY IMMEDIATE"),
        Deferrable::InitiallyDeferred => s.push_str(" DEFERRABLE INITIALLY DEFERRED"),
    }
    s
}

fn parts(ps: &[IndexPart]) -> String {
    ps.iter()
        .map(|p| {
            let mut s = match &p.key {
                IndexKey::Column(c) => q(c),
                IndexKey::Expr(e) => format!("({e})"),
            };
            if let Some(coll) = &p.collation {
                s.push_str(&format!(" COLLATE {coll}"));
            }
            if p.desc {
                s.push_str(" DESC");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn create_index(i: &Index, table: &str) -> String {
    let unique = if i.unique { "UNIQUE " } else { "" };
    let mut s = format!(
        "CREATE {unique}INDEX {} ON {} ({})",
        q(&i.name),
        q(table),
        parts(&i.parts)
    );
    if let Some(w) = &i.predicate {
        s.push_str(&format!(" WHERE {w}"));
    }
    s
}

/// A default as it must be written after `DEFAULT`: literals as they are,
/// anything else in parentheses (SQLite reports defaults without them).
pub fn default_sql(d: &str) -> String {
    if is_literal(d) {
        d.to_string()
    } else {
        format!("({d})")
    }
}

/// A literal SQLite accepts after `DEFAULT` without parentheses, and that
/// ALTER TABLE ADD COLUMN accepts as a constant.
pub(super) fn is_literal(d: &str) -> bool {
    let toks = tokenize(d);
    let body = match toks.as_slice() {
        [sign, rest @ ..] if sign.is_punct(d, "-") || sign.is_punct(d, "+") => rest,
        all => all,
    };
    match body {
        [one] => match one.kind {
            Kind::Number | Kind::Str => true,
            Kind::Word => ["NULL", "TRUE", "FALSE"].iter().any(|k| one.is(d, k)),
            _ => false,
        },
        // X'ABCD' blob literals.
        [x, s] => x.is(d, "X") && s.kind == Kind::Str && x.range.end == s.range.start,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_expressions_in_defaults() {
        assert_eq!(default_sql("0"), "0");
        assert_eq!(default_sql("-1.5"), "-1.5");
        assert_eq!(default_sql("'x'"), "'x'");
        assert_eq!(default_sql("X'00ff'"), "X'00ff'");
        assert_eq!(default_sql("CURRENT_TIMESTAMP"), "(CURRENT_TIMESTAMP)");
        assert_eq!(default_sql("datetime('now')"), "(datetime('now'))");
    }
}
