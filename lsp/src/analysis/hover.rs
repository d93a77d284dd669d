//! Hover: the object under the cursor as the model sees it (type, null,
//! default, keys, indexes covering it, foreign keys in and out) and the SQL it
//! renders to, through core's own SQLite renderer.

use super::nav::symbol_at;
use super::syntax::{self, Node, TokKind};
use super::{types, Analysis, Def, DefKind, DefLoc, FileId, FileKind, SymbolKey};
use std::fmt::Write;
use std::ops::Range;
use strata_core::dialect::Dialect;
use strata_core::model::{Column, ForeignKey, Index, IndexKey, IndexPart, Table};
use strata_core::plan::{render_index, render_table};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoverResult {
    pub range: Range<usize>,
    pub markdown: String,
}

const MAX_COLUMNS: usize = 40;

pub fn hover(a: &Analysis, file: FileId, offset: usize) -> Option<HoverResult> {
    if let Some(s) = symbol_at(a, file, offset) {
        let loc = *s.defs.first()?;
        let d = a.def(loc)?;
        let mut md = render(a, loc, d)?;
        if s.defs.len() > 1 {
            let _ = write!(md, "\n\n_defined {} times_", s.defs.len());
        }
        return Some(HoverResult {
            range: s.range,
            markdown: md,
        });
    }
    type_hover(a, file, offset).or_else(|| vocab_hover(a, file, offset))
}

/// Hover on a block or attribute name: what the dialect's vocabulary says
/// of it (the same entry completion shows).
fn vocab_hover(a: &Analysis, file: FileId, offset: usize) -> Option<HoverResult> {
    let f = a.file(file)?;
    if f.kind != FileKind::Hcl {
        return None;
    }
    let (_, c) = f.chunk_at(offset)?;
    let src = &f.text[c.range()];
    let local = offset - c.base;
    let tree = syntax::parse(src);
    let (path, node) = syntax::path_at(&tree.nodes, local);
    let names: Vec<&str> = path.iter().map(|b| b.name.as_str()).collect();
    let vocab = f.dialect.rules().vocab;
    let on = |r: &Range<usize>| r.start <= local && local <= r.end;
    let (range, name, doc, what) = match node? {
        Node::Block(b) if on(&b.ident) => {
            let spec = if names.is_empty() {
                vocab.top(&b.name)?
            } else {
                vocab.get(&names).block(&b.name)?
            };
            (b.ident.clone(), spec.name, spec.doc, "block")
        }
        Node::Attr(x) if on(&x.key) && !names.is_empty() => {
            let spec = vocab.get(&names).attr(&x.name)?;
            (x.key.clone(), spec.name, spec.doc, "attribute")
        }
        _ => return None,
    };
    if doc.is_empty() {
        return None;
    }
    Some(HoverResult {
        range: c.base + range.start..c.base + range.end,
        markdown: format!("**{name}** — {} {what}\n\n{doc}", f.dialect.name()),
    })
}

/// Hover on a type word after `type =`.
fn type_hover(a: &Analysis, file: FileId, offset: usize) -> Option<HoverResult> {
    let f = a.file(file)?;
    if f.kind != FileKind::Hcl {
        return None;
    }
    let (_, c) = f.chunk_at(offset)?;
    let src = &f.text[c.range()];
    let local = offset - c.base;
    let toks = syntax::lex(src);
    let i = toks
        .iter()
        .position(|t| t.range.start <= local && local <= t.range.end && t.kind == TokKind::Ident)?;
    let is_type = i >= 2 && toks[i - 1].kind == TokKind::Eq && toks[i - 2].text(src) == "type";
    if !is_type {
        return None;
    }
    let word = toks[i].text(src);
    let doc = types::doc(f.dialect, word)?;
    Some(HoverResult {
        range: c.base + toks[i].range.start..c.base + toks[i].range.end,
        markdown: format!("**{word}** — {} type\n\n{doc}", f.dialect.name()),
    })
}

fn file_label(a: &Analysis, loc: DefLoc) -> String {
    let Some(f) = a.file(loc.file) else {
        return String::new();
    };
    let base = f.name.rsplit(['/', '\\']).next().unwrap_or(&f.name);
    let line = a
        .def_name_range(loc)
        .and_then(|r| f.text.get(..r.range.start))
        .map_or(0, |t| t.matches('\n').count() + 1);
    format!("{base}:{line}")
}

fn sql_block(sql: &str) -> String {
    format!("\n\n```sql\n{sql}\n```")
}

fn render(a: &Analysis, loc: DefLoc, d: &Def) -> Option<String> {
    let c = a.chunk(loc)?;
    let dialect = a.file(loc.file).map_or(a.default_dialect, |f| f.dialect);
    let mut md = String::new();
    match d.kind {
        DefKind::Table => {
            let _ = write!(md, "**table** `{}`", d.name);
            if !d.schema.is_empty() {
                let _ = write!(md, " · schema `{}`", d.schema);
            }
            let _ = write!(md, " — {}", file_label(a, loc));
            match a.table_model(loc) {
                Some(t) => table_md(a, &mut md, &t, d, dialect),
                None => md.push_str("\n\n_the block does not parse yet; fix it to see details_"),
            }
        }
        DefKind::Column => {
            let table = a.owner_table(loc);
            let col = table
                .as_deref()
                .and_then(|t| t.columns.iter().find(|x| x.name == d.name))
                .or_else(|| d.model.and_then(|m| c.data.column(m)));
            let _ = write!(
                md,
                "**column** `{}.{}`",
                d.table.as_deref().unwrap_or(""),
                d.name
            );
            match (table.as_deref(), col) {
                (Some(t), Some(col)) => column_md(a, &mut md, t, col, d, dialect),
                _ => {
                    if let Some(ty) = &d.detail {
                        let _ = write!(md, " `{ty}`");
                    }
                }
            }
        }
        DefKind::Index => {
            let _ = write!(
                md,
                "**index** `{}` on `{}`",
                d.name,
                d.table.as_deref().unwrap_or("")
            );
            if let (Some(t), Some(i)) = (a.owner_table(loc), d.model.and_then(|m| c.data.index(m)))
            {
                let _ = write!(
                    md,
                    "\n\n{}({})",
                    if i.unique { "UNIQUE " } else { "" },
                    parts(&i.parts)
                );
                if let Some(w) = &i.predicate {
                    let _ = write!(md, " WHERE {w}");
                }
                if !i.attrs.flag("constraint") {
                    if let Some(sql) = render_index(dialect, dialect.default_schema(), &t.name, i) {
                        md.push_str(&sql_block(&format!("{sql};")));
                    }
                }
            }
        }
        DefKind::ForeignKey => {
            let _ = write!(md, "**foreign key** `{}`", d.name);
            if let (Some(t), Some(fk)) = (a.owner_table(loc), d.model.and_then(|m| c.data.fk(m))) {
                let _ = write!(md, "\n\n{}", fk_line(&t.name, fk));
                if !t.is_indexed_prefix(&fk.columns) {
                    let _ = write!(
                        md,
                        "\n\n⚠ no index on `{}` starts with ({}): deletes and updates in `{}` scan `{}`",
                        t.name,
                        fk.columns.join(", "),
                        fk.ref_table,
                        t.name
                    );
                }
            }
        }
        DefKind::PrimaryKey => {
            let _ = write!(
                md,
                "**primary key** of `{}`",
                d.table.as_deref().unwrap_or("")
            );
            if let Some(pk) = a.owner_table(loc).and_then(|t| t.primary_key.clone()) {
                let _ = write!(md, " ({})", parts(&pk.parts));
            }
        }
        DefKind::View => {
            let _ = write!(
                md,
                "**view** `{}` · schema `{}` — {}",
                d.name,
                d.schema,
                file_label(a, loc)
            );
            if let Some(v) = d.model.and_then(|m| c.data.view(m)) {
                let q = |s: &str| dialect.quote(s);
                md.push_str(&sql_block(&format!(
                    "CREATE VIEW {} AS {};",
                    q(&v.name),
                    v.def
                )));
            }
        }
        DefKind::Trigger => {
            let _ = write!(md, "**trigger** `{}` — {}", d.name, file_label(a, loc));
            if let Some(t) = d.model.and_then(|m| c.data.trigger(m)) {
                let _ = write!(md, "\n\non `{}`", t.table);
                md.push_str(&sql_block(&format!("{};", t.def)));
            }
        }
        DefKind::Schema => {
            let n = a
                .index
                .relations
                .values()
                .flatten()
                .filter(|e| e.schema.eq_ignore_ascii_case(&d.name))
                .count();
            let _ = write!(md, "**schema** `{}` — {n} table(s) and view(s)", d.name);
        }
        DefKind::Check => {
            let _ = write!(md, "**check** `{}`", d.name);
        }
        DefKind::Enum | DefKind::Domain | DefKind::Sequence => {
            let _ = write!(md, "**{}** `{}`", d.kind.word(), d.name);
            if !d.schema.is_empty() {
                let _ = write!(md, " · schema `{}`", d.schema);
            }
            let _ = write!(md, " — {}", file_label(a, loc));
            let m = d.model;
            let comment = if let Some(e) = m.and_then(|m| c.data.enum_type(m)) {
                let values: Vec<String> = e.values.iter().map(|v| format!("`{v}`")).collect();
                let _ = write!(md, "\n\nvalues: {}", values.join(", "));
                &e.comment
            } else if let Some(dm) = m.and_then(|m| c.data.domain(m)) {
                let _ = write!(md, "\n\n`{}`", dm.ty);
                if !dm.nullable {
                    md.push_str(" NOT NULL");
                }
                if let Some(def) = &dm.default {
                    let _ = write!(md, " DEFAULT `{def}`");
                }
                for ck in &dm.checks {
                    let _ = write!(md, "\n- CHECK ({})", ck.expr);
                }
                &dm.comment
            } else if let Some(sq) = m.and_then(|m| c.data.sequence(m)) {
                let _ = write!(md, "\n\n`{}`", sq.options.ty);
                for (k, v) in sq.options.non_default() {
                    if k == "cycle" {
                        md.push_str(" · cycle");
                    } else {
                        let _ = write!(md, " · {k} {v}");
                    }
                }
                if let Some((t, col)) = &sq.owned_by {
                    let _ = write!(md, "\n\nowned by `{t}.{col}`");
                }
                &sq.comment
            } else {
                md.push_str("\n\n_the block does not parse yet; fix it to see details_");
                &None
            };
            if let Some(cm) = comment {
                let _ = write!(md, "\n\n{cm}");
            }
        }
        DefKind::Function | DefKind::Extension => {
            let word = d.detail.as_deref().unwrap_or(d.kind.word());
            let _ = write!(md, "**{word}** `{}`", d.name);
            if !d.schema.is_empty() {
                let _ = write!(md, " · schema `{}`", d.schema);
            }
            let _ = write!(md, " — {}", file_label(a, loc));
        }
        DefKind::Env => {
            let _ = write!(md, "**env** `{}`", d.name);
            if let Some((_, p)) = a.project() {
                if let Some(e) = p.env(&d.name) {
                    if let Some(u) = &e.url {
                        let _ = write!(md, "\n\n- url: `{}`", strata_core::url::redact(u));
                    }
                    if let Some(u) = &e.dev {
                        let _ = write!(md, "\n- dev: `{}`", strata_core::url::redact(u));
                    }
                    for s in &e.src {
                        let _ = write!(md, "\n- src: `{s}`");
                    }
                }
            }
        }
        DefKind::Variable | DefKind::Local => {
            let _ = write!(md, "**{}** `{}`", d.kind.word(), d.name);
            if let Some((_, p)) = a.project() {
                if let Some(v) = p.variables.iter().find(|v| v.name == d.name) {
                    let _ = write!(md, ": {}", v.ty);
                    if let Some(def) = &v.default {
                        let _ = write!(md, " = `{def}`");
                    }
                    if let Some(desc) = &v.description {
                        let _ = write!(md, "\n\n{desc}");
                    }
                }
            }
        }
    }
    Some(md)
}

fn parts(p: &[IndexPart]) -> String {
    p.iter()
        .map(|p| {
            let mut s = match &p.key {
                IndexKey::Column(c) => c.clone(),
                IndexKey::Expr(e) => format!("({e})"),
            };
            if p.desc {
                s.push_str(" DESC");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn fk_line(table: &str, fk: &ForeignKey) -> String {
    let mut s = format!(
        "`{table}`({}) → `{}`({})",
        fk.columns.join(", "),
        fk.ref_table,
        fk.ref_columns.join(", ")
    );
    if fk.on_delete != Default::default() {
        let _ = write!(s, " ON DELETE {}", fk.on_delete.sql());
    }
    if fk.on_update != Default::default() {
        let _ = write!(s, " ON UPDATE {}", fk.on_update.sql());
    }
    s
}

fn null_word(c: &Column) -> &'static str {
    if c.nullable {
        "NULL"
    } else {
        "NOT NULL"
    }
}

fn table_key(d: &Def) -> SymbolKey {
    SymbolKey::Relation {
        schema: d.schema.to_lowercase(),
        name: d.table.as_deref().unwrap_or(&d.name).to_lowercase(),
    }
}

/// Foreign keys of other tables that point at the table of `d`: (table, fk).
fn fks_in<'a>(a: &'a Analysis, d: &Def) -> Vec<(std::borrow::Cow<'a, Table>, &'a ForeignKey)> {
    let mut out = Vec::new();
    for (tloc, floc) in a.fks_in().get(&table_key(d)).into_iter().flatten() {
        let Some(c) = a.chunk(*floc) else { continue };
        let Some(fd) = c.data.defs.get(floc.def as usize) else {
            continue;
        };
        if let (Some(t), Some(fk)) = (a.table_model(*tloc), fd.model.and_then(|m| c.data.fk(m))) {
            out.push((t, fk));
        }
    }
    out
}

fn table_md(a: &Analysis, md: &mut String, t: &Table, d: &Def, dialect: Dialect) {
    if let Some(c) = &t.comment {
        let _ = write!(md, "\n\n{c}");
    }
    md.push_str("\n\n| column | type | null | default |\n|---|---|---|---|");
    for c in t.columns.iter().take(MAX_COLUMNS) {
        let mut ty = c.ty.clone();
        if c.auto_increment {
            ty.push_str(" (auto)");
        }
        let _ = write!(
            md,
            "\n| {} | {} | {} | {} |",
            c.name,
            ty,
            null_word(c),
            c.default.as_deref().unwrap_or("")
        );
    }
    if t.columns.len() > MAX_COLUMNS {
        let _ = write!(md, "\n| … {} more | | | |", t.columns.len() - MAX_COLUMNS);
    }
    if let Some(pk) = &t.primary_key {
        let _ = write!(md, "\n\n**primary key** ({})", parts(&pk.parts));
    }
    for i in &t.indexes {
        let _ = write!(
            md,
            "\n\n**{}** `{}` ({})",
            if i.unique { "unique index" } else { "index" },
            i.name,
            parts(&i.parts)
        );
    }
    for fk in &t.foreign_keys {
        let _ = write!(md, "\n\n**references** {}", fk_line(&t.name, fk));
    }
    for (ot, fk) in fks_in(a, d) {
        let _ = write!(md, "\n\n**referenced by** {}", fk_line(&ot.name, fk));
    }
    let schema = dialect.default_schema();
    if let Some(table_sql) = render_table(dialect, schema, t) {
        let mut sql = format!("{table_sql};");
        for i in t.indexes.iter().filter(|i| !i.attrs.flag("constraint")) {
            if let Some(idx) = render_index(dialect, schema, &t.name, i) {
                let _ = write!(sql, "\n{idx};");
            }
        }
        md.push_str(&sql_block(&sql));
    }
}

fn column_md(a: &Analysis, md: &mut String, t: &Table, c: &Column, d: &Def, dialect: Dialect) {
    let _ = write!(md, " `{}` {}", c.ty, null_word(c));
    if let Some(def) = &c.default {
        let _ = write!(md, " DEFAULT {def}");
    }
    let mut facts = Vec::new();
    let in_pk = t
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.parts.iter().any(|p| p.column_name() == Some(&c.name)));
    if in_pk {
        facts.push("primary key".to_string());
    }
    if c.auto_increment {
        facts.push("auto increment".to_string());
    }
    if let Some(coll) = &c.collation {
        facts.push(format!("collate {coll}"));
    }
    if let Some(g) = &c.generated {
        facts.push(format!(
            "generated as ({}) {}",
            g.expr,
            if g.stored { "STORED" } else { "VIRTUAL" }
        ));
    }
    if let Some(r) = &c.renamed_from {
        facts.push(format!("renamed from `{r}`"));
    }
    if let Some(cm) = &c.comment {
        facts.push(cm.clone());
    }
    for f in facts {
        let _ = write!(md, "\n\n- {f}");
    }
    let covering: Vec<&Index> = t
        .indexes
        .iter()
        .filter(|i| i.parts.iter().any(|p| p.column_name() == Some(&c.name)))
        .collect();
    for i in covering {
        let pos = i
            .parts
            .iter()
            .position(|p| p.column_name() == Some(&c.name))
            .unwrap_or(0);
        let _ = write!(
            md,
            "\n\n**{}** `{}` ({}){}",
            if i.unique { "unique index" } else { "index" },
            i.name,
            parts(&i.parts),
            if pos == 0 {
                ""
            } else {
                " — not its first column"
            }
        );
    }
    for fk in t
        .foreign_keys
        .iter()
        .filter(|f| f.columns.contains(&c.name))
    {
        let _ = write!(md, "\n\n**references** {}", fk_line(&t.name, fk));
    }
    for (ot, fk) in fks_in(a, d) {
        if fk
            .ref_columns
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&c.name))
        {
            let _ = write!(md, "\n\n**referenced by** {}", fk_line(&ot.name, fk));
        }
    }
    if let Some(ddl) = render_table(dialect, dialect.default_schema(), t) {
        let quoted = dialect.quote(&c.name);
        if let Some(line) = ddl.lines().map(str::trim).find(|l| l.starts_with(&quoted)) {
            md.push_str(&sql_block(line.trim_end_matches(',')));
        }
    }
}
