//! DDL text for tables and what they hold: `CREATE TABLE`, `CREATE INDEX`,
//! column definitions, keys, checks and foreign keys. Pure string building,
//! shared by the generators, by hover (through the dialect seam) and by the
//! differ's comparison of materialized-view indexes.

use crate::dialect::Dialect;
use crate::model::*;

pub(crate) fn q(s: &str) -> String {
    Dialect::Postgres.quote(s)
}

/// `"schema"."name"`.
pub(super) fn qn(schema: &str, name: &str) -> String {
    format!("{}.{}", q(schema), q(name))
}

/// A SQL string literal.
pub(super) fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A default after `DEFAULT`: one token as it is, anything else in
/// parentheses (always valid, and PostgreSQL does not keep them).
pub(super) fn default_sql(d: &str) -> String {
    if crate::sql::lex::tokenize(d).len() <= 1 {
        d.to_string()
    } else {
        format!("({d})")
    }
}

pub(super) fn column_def(c: &Column) -> String {
    let mut s = format!("{} {}", q(&c.name), c.ty);
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {}", q(coll)));
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", g.expr));
    }
    if let Some(AttrValue::Str(g)) = c.attrs.0.get("identity") {
        s.push_str(&format!(" GENERATED {g} AS IDENTITY{}", identity_clause(c)));
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if let (Some(d), None) = (&c.default, &c.generated) {
        s.push_str(&format!(" DEFAULT {}", default_sql(d)));
    }
    s
}

/// ` (START WITH … INCREMENT BY …)` for an identity off its defaults, or nothing.
pub(super) fn identity_clause(c: &Column) -> String {
    let clauses = super::sequence::identity_options(c).clauses(false);
    if clauses.is_empty() {
        String::new()
    } else {
        format!(" ({})", clauses.join(" "))
    }
}

fn named(name: &Option<String>) -> String {
    name.as_ref()
        .map(|n| format!("CONSTRAINT {} ", q(n)))
        .unwrap_or_default()
}

fn column_list(parts: &[IndexPart]) -> String {
    parts
        .iter()
        .filter_map(IndexPart::column_name)
        .map(q)
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn primary_key(k: &PrimaryKey) -> String {
    format!("{}PRIMARY KEY ({})", named(&k.name), column_list(&k.parts))
}

/// A unique (or exclusion) constraint as a table element.
pub(super) fn unique_constraint(idx: &Index) -> String {
    if let Some(AttrValue::Str(def)) = idx.attrs.0.get("exclude") {
        return format!("CONSTRAINT {} {def}", q(&idx.name));
    }
    let nnd = if idx.attrs.flag("nulls_not_distinct") {
        " NULLS NOT DISTINCT"
    } else {
        ""
    };
    let deferrable = match idx.attrs.0.get("deferrable") {
        Some(AttrValue::Str(when)) => format!(" DEFERRABLE INITIALLY {when}"),
        _ => String::new(),
    };
    format!(
        "CONSTRAINT {} UNIQUE{nnd} ({}){deferrable}",
        q(&idx.name),
        column_list(&idx.parts)
    )
}

pub(super) fn check_sql(c: &Check) -> String {
    format!("{}CHECK ({})", named(&c.name), c.expr)
}

/// A check as written in `t`, with `NO INHERIT` when the table says so.
pub(super) fn table_check_sql(t: &Table, c: &Check) -> String {
    let no_inherit = c
        .name
        .as_ref()
        .is_some_and(|n| t.attrs.flag(&format!("check_no_inherit:{n}")));
    if no_inherit {
        format!("{} NO INHERIT", check_sql(c))
    } else {
        check_sql(c)
    }
}

pub(super) fn foreign_key(schema: &str, fk: &ForeignKey) -> String {
    let cols: Vec<String> = fk.columns.iter().map(|c| q(c)).collect();
    let refs: Vec<String> = fk.ref_columns.iter().map(|c| q(c)).collect();
    let ref_schema = fk
        .ref_schema
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(schema);
    let mut s = format!(
        "{}FOREIGN KEY ({}) REFERENCES {} ({})",
        named(&fk.name),
        cols.join(", "),
        qn(ref_schema, &fk.ref_table),
        refs.join(", ")
    );
    if fk.match_full {
        s.push_str(" MATCH FULL");
    }
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

/// `"schema"."parent"` of a partition.
pub(super) fn partition_of(t: &Table) -> Option<String> {
    match t.attrs.0.get("partition_of") {
        Some(AttrValue::Str(p)) => Some(match p.split_once('.') {
            Some((s, n)) => qn(s, n),
            None => q(p),
        }),
        _ => None,
    }
}

pub fn create_table(schema: &str, t: &Table) -> String {
    if let (Some(parent), Some(AttrValue::Str(bound))) =
        (partition_of(t), t.attrs.0.get("partition_bound"))
    {
        return format!(
            "CREATE TABLE {} PARTITION OF {parent} {bound}",
            qn(schema, &t.name)
        );
    }
    let mut lines: Vec<String> = t.columns.iter().map(column_def).collect();
    if let Some(k) = &t.primary_key {
        lines.push(primary_key(k));
    }
    for idx in t.indexes.iter().filter(|x| x.attrs.flag("constraint")) {
        lines.push(unique_constraint(idx));
    }
    for c in &t.checks {
        lines.push(table_check_sql(t, c));
    }
    let unlogged = if t.attrs.flag("unlogged") {
        "UNLOGGED "
    } else {
        ""
    };
    let mut s = format!(
        "CREATE {unlogged}TABLE {} (\n  {}\n)",
        qn(schema, &t.name),
        lines.join(",\n  ")
    );
    if let Some(AttrValue::Str(p)) = t.attrs.0.get("partition") {
        s.push_str(&format!(" PARTITION BY {p}"));
    }
    s
}

pub fn create_index(schema: &str, table: &str, idx: &Index) -> String {
    let unique = if idx.unique { "UNIQUE " } else { "" };
    let method = match idx.attrs.0.get("type") {
        Some(AttrValue::Str(m)) => format!(" USING {m}"),
        _ => String::new(),
    };
    let parts: Vec<String> = idx
        .parts
        .iter()
        .enumerate()
        .map(|(k, part)| index_part(idx, k, part))
        .collect();
    let mut s = format!(
        "CREATE {unique}INDEX {} ON {}{method} ({})",
        q(&idx.name),
        qn(schema, table),
        parts.join(", ")
    );
    if let Some(AttrValue::Str(inc)) = idx.attrs.0.get("include") {
        let cols: Vec<String> = inc.split(", ").map(q).collect();
        s.push_str(&format!(" INCLUDE ({})", cols.join(", ")));
    }
    if idx.attrs.flag("nulls_not_distinct") {
        s.push_str(" NULLS NOT DISTINCT");
    }
    // Storage parameters as PostgreSQL reports them: `fillfactor=70, …`.
    if let Some(AttrValue::Str(with)) = idx.attrs.0.get("with") {
        s.push_str(&format!(" WITH ({with})"));
    }
    if let Some(w) = &idx.predicate {
        s.push_str(&format!(" WHERE {w}"));
    }
    s
}

/// The `k`-th key of an index: column or expression, collation, operator
/// class, order and where NULLs sort.
fn index_part(idx: &Index, k: usize, part: &IndexPart) -> String {
    let mut s = match &part.key {
        IndexKey::Column(c) => q(c),
        IndexKey::Expr(e) => format!("({e})"),
    };
    if let Some(coll) = &part.collation {
        s.push_str(&format!(" COLLATE {}", q(coll)));
    }
    if let Some(ops) = &part.ops {
        s.push_str(&format!(" {ops}"));
    }
    if part.desc {
        s.push_str(" DESC");
    }
    if let Some(AttrValue::Bool(first)) = idx.attrs.0.get(&format!("nulls_first_{k}")) {
        s.push_str(if *first {
            " NULLS FIRST"
        } else {
            " NULLS LAST"
        });
    }
    s
}

/// serial types are integers with a sequence; the column's type is the integer.
pub(super) fn serial_base(ty: &str) -> &str {
    match ty {
        "serial" => "integer",
        "bigserial" => "bigint",
        "smallserial" => "smallint",
        other => other,
    }
}
