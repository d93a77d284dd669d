//! Writes the model as Atlas-dialect HCL (what `schema inspect` prints). The
//! output goes through the same formatter as `schema fmt`, so inspecting and
//! formatting agree.

use crate::dialect::Dialect;
use crate::model::*;
use crate::span::SourceFile;
use std::fmt::Write;

/// One index (or unique/exclusion constraint) block of a table or materialized view.
fn index(out: &mut String, table: &str, idx: &Index) {
    if let Some(AttrValue::Str(def)) = idx.attrs.0.get("exclude") {
        exclude(out, &idx.name, def);
        return;
    }
    let constraint = idx.attrs.flag("constraint");
    let name = if idx.name.starts_with("sqlite_autoindex_") {
        let cols: Vec<&str> = idx
            .parts
            .iter()
            .filter_map(IndexPart::column_name)
            .collect();
        format!("{}_{}_key", table, cols.join("_"))
    } else {
        idx.name.clone()
    };
    let kind = if constraint { "unique" } else { "index" };
    let _ = writeln!(out, "{kind} {} {{", label(&name));
    if idx.unique && !constraint {
        out.push_str("unique = true\n");
    }
    let simple = idx.parts.iter().enumerate().all(|(k, p)| {
        p.column_name().is_some()
            && !p.desc
            && p.collation.is_none()
            && p.ops.is_none()
            && !idx.attrs.0.contains_key(&format!("nulls_first_{k}"))
    });
    if simple {
        let _ = writeln!(out, "columns = [{}]", column_refs(&idx.parts));
    } else {
        for (k, p) in idx.parts.iter().enumerate() {
            out.push_str("on {\n");
            match &p.key {
                IndexKey::Column(c) => {
                    let _ = writeln!(out, "column = column{}", ident(c));
                }
                IndexKey::Expr(e) => {
                    let _ = writeln!(out, "expr = {}", string(e));
                }
            }
            if p.desc {
                out.push_str("desc = true\n");
            }
            if let Some(c) = &p.collation {
                let _ = writeln!(out, "collate = {}", string(c));
            }
            if let Some(o) = &p.ops {
                let _ = writeln!(out, "ops = {}", column_type(o));
            }
            if let Some(AttrValue::Bool(first)) = idx.attrs.0.get(&format!("nulls_first_{k}")) {
                let _ = writeln!(out, "nulls_first = {first}");
            }
            out.push_str("}\n");
        }
    }
    if let Some(w) = &idx.predicate {
        let _ = writeln!(out, "where = {}", string(w));
    }
    if let Some(AttrValue::Str(m)) = idx.attrs.0.get("type") {
        let _ = writeln!(out, "type = {}", m.to_ascii_uppercase());
    }
    if let Some(AttrValue::Str(inc)) = idx.attrs.0.get("include") {
        let cols: Vec<String> = inc
            .split(", ")
            .map(|c| format!("column{}", ident(c)))
            .collect();
        let _ = writeln!(out, "include = [{}]", cols.join(", "));
    }
    if idx.attrs.flag("nulls_not_distinct") {
        out.push_str("nulls_distinct = false\n");
    }
    out.push_str("}\n");
}

/// An exclusion constraint as Atlas's `exclude` block.
fn exclude(out: &mut String, name: &str, def: &str) {
    let _ = writeln!(out, "exclude {} {{", label(name));
    match crate::postgres::exclude::parse(def) {
        Some(x) => {
            let _ = writeln!(out, "type = {}", x.method.to_ascii_uppercase());
            for (key, op) in &x.elements {
                out.push_str("on {\n");
                match key {
                    IndexKey::Column(c) => {
                        let _ = writeln!(out, "column = column{}", ident(c));
                    }
                    IndexKey::Expr(e) => {
                        let _ = writeln!(out, "expr = {}", string(e));
                    }
                }
                let _ = writeln!(out, "op = {}\n}}", string(op));
            }
            if let Some(w) = &x.predicate {
                let _ = writeln!(out, "where = {}", string(w));
            }
        }
        None => {
            // Clauses the block can't name: say so rather than lose them.
            let _ = writeln!(
                out,
                "# strata: this exclusion constraint has clauses HCL can't express: {def}"
            );
        }
    }
    out.push_str("}\n");
}

/// A sequence option's HCL value: `cycle` is a boolean, the rest integers.
fn option_value(k: &str, v: i64) -> String {
    if k == "cycle" {
        (v != 0).to_string()
    } else {
        v.to_string()
    }
}

pub fn write(realm: &Realm, dialect: Dialect) -> String {
    let mut out = String::new();
    let multi = realm.schemas.len() > 1;
    for e in &realm.extensions {
        let _ = writeln!(out, "extension {} {{", label(&e.name));
        if let Some(sc) = &e.schema {
            let _ = writeln!(out, "schema = schema{}", ident(sc));
        }
        out.push_str("}\n\n");
    }
    for s in &realm.schemas {
        for e in &s.enums {
            let _ = writeln!(out, "enum {} {{", label(&e.name));
            let _ = writeln!(out, "schema = schema{}", ident(&s.name));
            let values: Vec<String> = e.values.iter().map(|v| string(v)).collect();
            let _ = writeln!(out, "values = [{}]", values.join(", "));
            if let Some(c) = &e.comment {
                let _ = writeln!(out, "comment = {}", string(c));
            }
            out.push_str("}\n\n");
        }
        for d in &s.domains {
            let _ = writeln!(out, "domain {} {{", label(&d.name));
            let _ = writeln!(out, "schema = schema{}", ident(&s.name));
            let _ = writeln!(out, "type = {}", type_ref(&d.ty, s, realm, dialect));
            let _ = writeln!(out, "null = {}", d.nullable);
            if let Some(def) = &d.default {
                let _ = writeln!(out, "default = {}", default(def));
            }
            if let Some(c) = &d.collation {
                let _ = writeln!(out, "collate = {}", string(c));
            }
            for ck in &d.checks {
                match &ck.name {
                    Some(n) => {
                        let _ = writeln!(out, "check {} {{", label(n));
                    }
                    None => out.push_str("check {\n"),
                }
                let _ = writeln!(out, "expr = {}\n}}", string(&ck.expr));
            }
            out.push_str("}\n\n");
        }
        for q in &s.sequences {
            let _ = writeln!(out, "sequence {} {{", label(&q.name));
            let _ = writeln!(out, "schema = schema{}", ident(&s.name));
            if q.options.ty != "bigint" {
                let _ = writeln!(out, "type = {}", q.options.ty);
            }
            for (k, v) in q.options.non_default() {
                let _ = writeln!(out, "{k} = {}", option_value(k, v));
            }
            if let Some((t, c)) = &q.owned_by {
                let _ = writeln!(out, "owner = table{}.column{}", ident(t), ident(c));
            }
            if let Some(c) = &q.comment {
                let _ = writeln!(out, "comment = {}", string(c));
            }
            out.push_str("}\n\n");
        }
        for r in &s.routines {
            let kind = if r.procedure { "procedure" } else { "function" };
            let _ = writeln!(out, "{kind} {} {{", label(&r.name));
            let _ = writeln!(out, "schema = schema{}", ident(&s.name));
            let _ = writeln!(out, "as = {}", heredoc(&r.def));
            out.push_str("}\n\n");
        }
        for t in &s.tables {
            table(&mut out, s, t, realm, multi, dialect);
            out.push('\n');
            for pol in &t.policies {
                let _ = writeln!(out, "policy {} {{", label(&pol.name));
                let _ = writeln!(out, "on = {}", table_ref(s, &t.name, multi));
                if pol.command != "ALL" {
                    let _ = writeln!(out, "for = {}", pol.command);
                }
                if !pol.permissive {
                    out.push_str("as = RESTRICTIVE\n");
                }
                if !pol.roles.is_empty() {
                    let roles: Vec<String> = pol.roles.iter().map(|r| string(r)).collect();
                    let _ = writeln!(out, "to = [{}]", roles.join(", "));
                }
                if let Some(u) = &pol.using {
                    let _ = writeln!(out, "using = {}", string(u));
                }
                if let Some(c) = &pol.check {
                    let _ = writeln!(out, "check = {}", string(c));
                }
                out.push_str("}\n\n");
            }
        }
        for v in &s.views {
            let kind = if v.attrs.flag("materialized") {
                "materialized"
            } else {
                "view"
            };
            let _ = writeln!(out, "{kind} {} {{", label(&v.name));
            let _ = writeln!(out, "schema = schema{}", ident(&s.name));
            let _ = writeln!(out, "as = {}", heredoc(&v.def));
            if let Some(c) = &v.comment {
                let _ = writeln!(out, "comment = {}", string(c));
            }
            for idx in &v.indexes {
                index(&mut out, &v.name, idx);
            }
            out.push_str("}\n\n");
        }
        for tg in &s.triggers {
            let _ = writeln!(out, "trigger {} {{", label(&tg.name));
            let _ = writeln!(out, "on = {}", table_ref(s, &tg.table, multi));
            let _ = writeln!(out, "as = {}", heredoc(&tg.def));
            out.push_str("}\n\n");
        }
    }
    for s in &realm.schemas {
        let _ = writeln!(out, "schema {} {{", label(&s.name));
        if let Some(c) = &s.comment {
            let _ = writeln!(out, "comment = {}", string(c));
        }
        out.push_str("}\n\n");
    }
    let out = out.trim_end().to_string() + "\n";
    let file = SourceFile::new("inspected.hcl", out.clone());
    super::fmt::format(&file).unwrap_or(out)
}

fn table(out: &mut String, s: &Schema, t: &Table, realm: &Realm, multi: bool, dialect: Dialect) {
    let _ = writeln!(out, "table {} {{", label(&t.name));
    let _ = writeln!(out, "schema = schema{}", ident(&s.name));
    if let Some(c) = &t.comment {
        let _ = writeln!(out, "comment = {}", string(c));
    }
    for c in &t.columns {
        let _ = writeln!(out, "column {} {{", label(&c.name));
        let _ = writeln!(out, "null = {}", c.nullable);
        let _ = writeln!(out, "type = {}", type_ref(&c.ty, s, realm, dialect));
        if let Some(d) = &c.default {
            if c.generated.is_none() {
                let _ = writeln!(out, "default = {}", default(d));
            }
        }
        if c.auto_increment {
            out.push_str("auto_increment = true\n");
        }
        if let Some(AttrValue::Str(g)) = c.attrs.0.get("identity") {
            let _ = writeln!(out, "identity {{\ngenerated = {}", g.replace(' ', "_"));
            for (k, v) in &c.attrs.0 {
                if let (Some(k), AttrValue::Int(v)) = (k.strip_prefix("identity_"), v) {
                    let _ = writeln!(out, "{k} = {}", option_value(k, *v));
                }
            }
            out.push_str("}\n");
        }
        if let Some(coll) = &c.collation {
            let _ = writeln!(out, "collate = {}", string(coll));
        }
        if let Some(cm) = &c.comment {
            let _ = writeln!(out, "comment = {}", string(cm));
        }
        if let Some(g) = &c.generated {
            let kind = if g.stored { "STORED" } else { "VIRTUAL" };
            let _ = writeln!(out, "as {{\nexpr = {}\ntype = {kind}\n}}", string(&g.expr));
        }
        out.push_str("}\n");
    }
    if let Some(pk) = &t.primary_key {
        out.push_str("primary_key {\n");
        let _ = writeln!(out, "columns = [{}]", column_refs(&pk.parts));
        out.push_str("}\n");
    }
    for (n, fk) in t.foreign_keys.iter().enumerate() {
        let name = fk.name.clone().unwrap_or_else(|| {
            let suffix = if n == 0 {
                String::new()
            } else {
                format!("_{n}")
            };
            format!("{}_{}_fkey{suffix}", t.name, fk.columns.join("_"))
        });
        let _ = writeln!(out, "foreign_key {} {{", label(&name));
        let cols: Vec<String> = fk
            .columns
            .iter()
            .map(|c| format!("column{}", ident(c)))
            .collect();
        let _ = writeln!(out, "columns = [{}]", cols.join(", "));
        let ref_schema = fk.ref_schema.clone().unwrap_or_else(|| s.name.clone());
        let rs = realm.schema(&ref_schema).unwrap_or(s);
        let refs: Vec<String> = fk
            .ref_columns
            .iter()
            .map(|c| format!("{}.column{}", table_ref(rs, &fk.ref_table, multi), ident(c)))
            .collect();
        let _ = writeln!(out, "ref_columns = [{}]", refs.join(", "));
        let _ = writeln!(out, "on_update = {}", fk.on_update.hcl());
        let _ = writeln!(out, "on_delete = {}", fk.on_delete.hcl());
        match fk.deferrable {
            Deferrable::NotDeferrable => {}
            Deferrable::InitiallyImmediate => out.push_str("deferrable = INITIALLY_IMMEDIATE\n"),
            Deferrable::InitiallyDeferred => out.push_str("deferrable = INITIALLY_DEFERRED\n"),
        }
        if fk.match_full {
            out.push_str("match = FULL\n");
        }
        out.push_str("}\n");
    }
    for idx in &t.indexes {
        index(out, &t.name, idx);
    }
    for ck in &t.checks {
        match &ck.name {
            Some(n) => {
                let _ = writeln!(out, "check {} {{", label(n));
            }
            None => out.push_str("check {\n"),
        }
        let _ = writeln!(out, "expr = {}", string(&ck.expr));
        out.push_str("}\n");
    }
    if let Some(AttrValue::Str(key)) = t
        .attrs
        .0
        .get("partition")
        .filter(|_| dialect.rules().vocab.get(&["table"]).has_block("partition"))
    {
        // `RANGE (a, b)`: Atlas's block when every key is a column, else `by` expressions.
        if let Some((kind, rest)) = key.split_once(' ') {
            let inner = rest.trim().trim_start_matches('(').trim_end_matches(')');
            let _ = writeln!(out, "partition {{\ntype = {kind}");
            let keys: Vec<&str> = inner.split(", ").collect();
            if keys
                .iter()
                .all(|k| crate::sql::lex::is_plain_ident(k.trim_matches('"')))
            {
                let cols: Vec<String> = keys
                    .iter()
                    .map(|k| format!("column{}", ident(k.trim_matches('"'))))
                    .collect();
                let _ = writeln!(out, "columns = [{}]", cols.join(", "));
            } else {
                for k in keys {
                    let _ = writeln!(
                        out,
                        "by {{\nexpr = {}\n}}",
                        string(k.trim_start_matches('(').trim_end_matches(')'))
                    );
                }
            }
            out.push_str("}\n");
        }
    }
    if let (Some(AttrValue::Str(parent)), Some(AttrValue::Str(bound))) = (
        t.attrs.0.get("partition_of"),
        t.attrs.0.get("partition_bound"),
    ) {
        let (ps, pn) = parent
            .split_once('.')
            .unwrap_or((s.name.as_str(), parent.as_str()));
        let r = if ps == s.name {
            format!("table{}", ident(pn))
        } else {
            format!("table{}{}", ident(ps), ident(pn))
        };
        let _ = writeln!(out, "partition_of = {r}");
        let _ = writeln!(out, "partition_bound = {}", string(bound));
    }
    // Table options are flags in the model; the vocabulary says which the
    // dialect's files spell.
    let spec = dialect.rules().vocab.get(&["table"]);
    for key in ["unlogged", "row_security", "without_rowid", "strict"] {
        if spec.has_attr(key) && t.attrs.flag(key) {
            let _ = writeln!(out, "{key} = true");
        }
    }
    out.push_str("}\n");
}

/// A column's type: `enum.x` for enums of the realm, Atlas's spellings of
/// PostgreSQL's long type names, else as [`column_type`] writes it.
fn type_ref(ty: &str, s: &Schema, realm: &Realm, dialect: Dialect) -> String {
    // Only a dialect with schema types (PostgreSQL) has these spellings.
    if !dialect.rules().vocab.type_refs {
        return column_type(ty);
    }
    let bare = ty.trim_matches('"');
    if s.enums.iter().any(|e| e.name == bare) {
        return format!("enum{}", ident(bare));
    }
    if s.domains.iter().any(|d| d.name == bare) {
        return format!("domain{}", ident(bare));
    }
    if let Some((sch, name)) = bare.split_once('.') {
        let (sch, name) = (sch.trim_matches('"'), name.trim_matches('"'));
        if realm
            .schema(sch)
            .is_some_and(|x| x.enums.iter().any(|e| e.name == name))
        {
            return format!("enum{}{}", ident(sch), ident(name));
        }
        if realm
            .schema(sch)
            .is_some_and(|x| x.domains.iter().any(|d| d.name == name))
        {
            return format!("domain{}{}", ident(sch), ident(name));
        }
    }
    column_type(&pg_short_type(ty))
}

/// `character varying(255)` → `varchar(255)`, `timestamp(3) with time zone` →
/// `timestamptz(3)`: the names Atlas users write.
fn pg_short_type(ty: &str) -> String {
    let (base, args) = match (ty.find('('), ty.find(')')) {
        (Some(a), Some(b)) if b > a => (
            format!("{}{}", &ty[..a], &ty[b + 1..]),
            ty[a..=b].to_string(),
        ),
        _ => (ty.to_string(), String::new()),
    };
    let short = match base.trim() {
        "character varying" => "varchar",
        "character" => "char",
        "timestamp with time zone" => "timestamptz",
        "timestamp without time zone" => "timestamp",
        "time with time zone" => "timetz",
        "time without time zone" => "time",
        "double precision" => "double_precision",
        "bit varying" => "varbit",
        other => {
            return if args.is_empty() {
                other.to_string()
            } else {
                ty.to_string()
            }
        }
    };
    format!("{short}{args}")
}

fn column_refs(parts: &[IndexPart]) -> String {
    parts
        .iter()
        .filter_map(IndexPart::column_name)
        .map(|c| format!("column{}", ident(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn table_ref(s: &Schema, table: &str, multi: bool) -> String {
    if multi {
        format!("table{}{}", ident(&s.name), ident(table))
    } else {
        format!("table{}", ident(table))
    }
}

/// A type as a bare word or call when HCL can spell it so, else `sql("…")`.
fn column_type(ty: &str) -> String {
    let (name, args) = match ty.split_once('(') {
        Some((n, a)) => (n, Some(a.strip_suffix(')').unwrap_or(""))),
        None => (ty, None),
    };
    let word = |s: &str| {
        let mut ch = s.chars();
        ch.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && ch.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let args_ok = args.is_none_or(|a| {
        !a.is_empty()
            && a.split(',')
                .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    });
    if word(name) && args_ok && !ty.is_empty() {
        ty.to_string()
    } else {
        format!("sql({})", string(ty))
    }
}

/// A default as an HCL literal where reading it back gives the same SQL text.
fn default(d: &str) -> String {
    let is_int =
        !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()) && (d == "0" || !d.starts_with('0'));
    if is_int {
        return d.to_string();
    }
    if d.len() >= 2 && d.starts_with('\'') && d.ends_with('\'') {
        let inner = &d[1..d.len() - 1];
        // Only when the quotes are the literal's own.
        if !inner.replace("''", "").contains('\'') {
            return string(&inner.replace("''", "'"));
        }
    }
    format!("sql({})", string(d))
}

fn label(s: &str) -> String {
    string(s)
}

/// One step of a reference path naming `s`: `.name` when `s` is a valid HCL
/// identifier, else the index form `["name"]` (valid HCL traversal syntax) so
/// that any name, however hostile, reads back as itself.
pub fn ident(s: &str) -> String {
    if is_hcl_ident(s) {
        format!(".{s}")
    } else {
        format!("[{}]", string(s))
    }
}

/// Whether `s` can follow a `.` in an HCL traversal: a letter or `_`, then
/// letters, digits, `_` or `-` (ASCII only, so nothing depends on Unicode tables).
pub fn is_hcl_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// An HCL string literal.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A `<<-SQL` heredoc holding `text`, or a plain string for one-liners.
fn heredoc(text: &str) -> String {
    if !text.contains('\n') || text.contains("${") || text.contains("%{") {
        return string(text);
    }
    // `<<-` strips the common indentation, so the body can sit indented under
    // its attribute and still read back byte for byte.
    let mut out = String::from("<<-SQL\n");
    for line in text.lines() {
        if !line.is_empty() {
            out.push_str("    ");
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("  SQL");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_defaults_round_trip_through_their_spelling() {
        assert_eq!(column_type("varchar(255)"), "varchar(255)");
        assert_eq!(column_type("integer"), "integer");
        assert_eq!(column_type("unsigned big int"), "sql(\"unsigned big int\")");
        assert_eq!(column_type(""), "sql(\"\")");
        assert_eq!(default("0"), "0");
        assert_eq!(default("007"), "sql(\"007\")");
        assert_eq!(default("'it''s'"), "\"it's\"");
        assert_eq!(default("'a' || 'b'"), "sql(\"'a' || 'b'\")");
        assert_eq!(default("CURRENT_TIMESTAMP"), "sql(\"CURRENT_TIMESTAMP\")");
    }

    #[test]
    fn names_that_are_not_identifiers_are_written_in_index_form() {
        assert_eq!(ident("id"), ".id");
        assert_eq!(ident("a-b_9"), ".a-b_9");
        assert_eq!(ident("first name"), "[\"first name\"]");
        assert_eq!(ident("1st"), "[\"1st\"]");
        assert_eq!(ident("a.b"), "[\"a.b\"]");
        assert_eq!(ident("café"), "[\"café\"]");
        assert_eq!(ident(""), "[\"\"]");
        assert_eq!(
            ident("x\"; DROP TABLE victims; --"),
            "[\"x\\\"; DROP TABLE victims; --\"]"
        );
        assert_eq!(ident("back\\slash"), "[\"back\\\\slash\"]");
    }

    /// Hostile names survive read → write → read → write unchanged, with no
    /// diagnostics, and `schema fmt` of the written file means the same and
    /// keeps its indentation.
    #[test]
    fn hostile_names_round_trip_through_write_read_and_fmt() {
        use crate::hcl::{fmt, read};
        let src = r#"schema "main" {}
table "x\"; DROP TABLE victims; --" {
  schema = schema.main
  column "id" {
    type = integer
  }
  primary_key {
    columns = [column["id"]]
  }
}
table "my table" {
  schema = schema.main
  column "first name" {
    type = text
  }
  column "1st" {
    type = integer
  }
  column "a.b" {
    type = integer
  }
  column "café" {
    type = integer
  }
  column "back\\slash" {
    type = integer
  }
  index "idx \"q\"" {
    columns = [column["first name"], column.café]
  }
  foreign_key "fk; --" {
    columns = [column["1st"]]
    ref_columns = [table["x\"; DROP TABLE victims; --"].column.id]
    on_update = NO_ACTION
    on_delete = NO_ACTION
  }
  check "ck \"1\"" {
    expr = "\"1st\" > 0"
  }
}
"#;
        let first = read::read(&[SourceFile::new("a.hcl", src)], Dialect::Sqlite);
        assert!(first.diagnostics.is_empty(), "{:?}", first.diagnostics);
        let t = first
            .realm
            .schema("main")
            .unwrap()
            .table("my table")
            .unwrap();
        assert_eq!(t.foreign_keys[0].ref_table, "x\"; DROP TABLE victims; --");
        assert_eq!(t.indexes[0].parts.len(), 2);
        let written = write(&first.realm, Dialect::Sqlite);
        assert!(written.contains("column[\"first name\"]"), "{written}");
        assert!(
            written.contains("table[\"x\\\"; DROP TABLE victims; --\"].column.id"),
            "{written}"
        );
        let second = read::read(
            &[SourceFile::new("b.hcl", written.as_str())],
            Dialect::Sqlite,
        );
        assert!(
            second.diagnostics.is_empty(),
            "{written}\n{:?}",
            second.diagnostics
        );
        assert_eq!(write(&second.realm, Dialect::Sqlite), written);
        let formatted = fmt::format(&SourceFile::new("b.hcl", written.as_str())).unwrap();
        assert!(
            formatted.contains("\n  column \"first name\" {\n    null = false\n    type = text\n"),
            "{formatted}"
        );
        let third = read::read(
            &[SourceFile::new("c.hcl", formatted.as_str())],
            Dialect::Sqlite,
        );
        assert!(third.diagnostics.is_empty(), "{:?}", third.diagnostics);
        assert_eq!(write(&third.realm, Dialect::Sqlite), written);
    }

    #[test]
    fn strings_escape_interpolation() {
        assert_eq!(string("a\"b${x}"), "\"a\\\"b$${x}\"");
    }
}
