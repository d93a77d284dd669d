//! SQL DDL files: core's static reader for the model, and a token scan for the
//! references it does not record (`REFERENCES t (c)`, `ON t (c)`, key columns).

use super::hcl::widen;
use super::{ChunkData, Def, DefKind, LocalDiag, ModelRef, Ref, RefSpec};
use std::ops::Range;
use std::sync::Arc;
use strata_core::dialect::Dialect;
use strata_core::sql::lex::{tokenize, Kind, Token};
use strata_core::sql::split::split;
use strata_core::sql::static_read;
use strata_core::SourceFile;

pub fn analyze(name: &Arc<str>, text: &str, dialect: Dialect) -> ChunkData {
    let (realm, diags) = static_read::read(&SourceFile::new(name.clone(), text), dialect);
    let mut out = ChunkData {
        len: text.len(),
        realm,
        ..ChunkData::default()
    };
    for d in diags {
        // Whether a table exists is decided workspace-wide (it may live in HCL).
        if d.code == "sql-unknown-table" {
            continue;
        }
        let range = d
            .span
            .as_ref()
            .map_or(0..0, |s| widen(text, s.start..s.end));
        out.diags.push(LocalDiag {
            range,
            severity: d.severity,
            code: d.code.to_string(),
            message: d.message,
            help: d.help,
        });
    }
    let stmts: Vec<Range<usize>> = split(text, dialect).into_iter().map(|s| s.range).collect();
    let stmt_of = |at: usize| -> Range<usize> {
        let i = stmts.partition_point(|r| r.end < at);
        stmts
            .get(i)
            .filter(|r| r.start <= at)
            .cloned()
            .unwrap_or(at..at)
    };
    defs_from_model(&mut out, text, &stmt_of);
    let default_schema = dialect.default_schema().to_string();
    for r in &stmts {
        scan_statement(&mut out, text, r.clone(), &default_schema);
    }
    out
}

/// The name inside an identifier's quotes.
fn unquote_range(text: &str, r: Range<usize>) -> Range<usize> {
    let s = &text[r.clone()];
    let quoted = s.len() >= 2
        && matches!(
            (s.as_bytes()[0], s.as_bytes()[s.len() - 1]),
            (b'"', b'"') | (b'`', b'`') | (b'[', b']')
        );
    if quoted {
        r.start + 1..r.end - 1
    } else {
        r
    }
}

fn defs_from_model(out: &mut ChunkData, text: &str, stmt_of: &dyn Fn(usize) -> Range<usize>) {
    let realm = std::mem::take(&mut out.realm);
    for (si, s) in realm.schemas.iter().enumerate() {
        for (ti, t) in s.tables.iter().enumerate() {
            let Some(span) = &t.span else { continue };
            let name_range = unquote_range(text, span.start..span.end);
            let mut def = Def::new(DefKind::Table, t.name.clone(), name_range);
            def.full_range = stmt_of(span.start);
            def.schema = s.name.clone();
            def.model = Some(ModelRef::Table {
                schema: si as u32,
                table: ti as u32,
            });
            let parent = out.push_def(def);
            let mut child = |kind, name: &str, span: Option<&strata_core::Span>, model, detail| {
                let Some(span) = span else { return };
                let mut d = Def::new(kind, name, unquote_range(text, span.start..span.end));
                d.full_range = d.name_range.clone();
                d.schema = s.name.clone();
                d.table = Some(t.name.clone());
                d.parent = Some(parent);
                d.model = Some(model);
                d.detail = detail;
                out.defs.push(d);
            };
            for (ci, c) in t.columns.iter().enumerate() {
                let m = ModelRef::Column {
                    schema: si as u32,
                    table: ti as u32,
                    column: ci as u32,
                };
                child(
                    DefKind::Column,
                    &c.name,
                    c.span.as_ref(),
                    m,
                    Some(c.ty.clone()),
                );
            }
            for (ii, i) in t.indexes.iter().enumerate() {
                // Inline UNIQUE constraints point at their column: not a definition.
                if t.columns.iter().any(|c| c.span == i.span) {
                    continue;
                }
                let m = ModelRef::Index {
                    schema: si as u32,
                    table: ti as u32,
                    index: ii as u32,
                };
                child(DefKind::Index, &i.name, i.span.as_ref(), m, None);
            }
            for (fi, fk) in t.foreign_keys.iter().enumerate() {
                if t.columns.iter().any(|c| c.span == fk.span) && fk.name.is_none() {
                    continue;
                }
                let m = ModelRef::ForeignKey {
                    schema: si as u32,
                    table: ti as u32,
                    fk: fi as u32,
                };
                let name = fk
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("{}({})", fk.ref_table, fk.ref_columns.join(", ")));
                child(DefKind::ForeignKey, &name, fk.span.as_ref(), m, None);
            }
            let end = out.defs.len() as u32;
            out.defs[parent as usize].children = parent + 1..end;
            // Indexes created by statements of their own span those statements.
            let table_stmt = stmt_of(span.start);
            for i in parent + 1..end {
                let d = &mut out.defs[i as usize];
                if d.kind == DefKind::Index {
                    let stmt = stmt_of(d.name_range.start);
                    if stmt != table_stmt {
                        d.full_range = stmt;
                    }
                }
            }
        }
        for (vi, v) in s.views.iter().enumerate() {
            let Some(span) = &v.span else { continue };
            let mut def = Def::new(
                DefKind::View,
                v.name.clone(),
                unquote_range(text, span.start..span.end),
            );
            def.full_range = stmt_of(span.start);
            def.schema = s.name.clone();
            def.model = Some(ModelRef::View {
                schema: si as u32,
                view: vi as u32,
            });
            let i = out.push_def(def);
            out.defs[i as usize].children = i + 1..i + 1;
        }
        for (ti, tr) in s.triggers.iter().enumerate() {
            let Some(span) = &tr.span else { continue };
            let mut def = Def::new(
                DefKind::Trigger,
                tr.name.clone(),
                unquote_range(text, span.start..span.end),
            );
            def.full_range = stmt_of(span.start);
            def.schema = s.name.clone();
            def.detail = Some(tr.table.clone());
            def.model = Some(ModelRef::Trigger {
                schema: si as u32,
                trigger: ti as u32,
            });
            let i = out.push_def(def);
            out.defs[i as usize].children = i + 1..i + 1;
        }
    }
    out.realm = realm;
}

/// Tables named after `FROM` and `JOIN` in a query (an HCL view's `as`):
/// soft references, since a name may be a CTE. `base` is the query's offset.
pub fn query_refs(sql: &str, base: usize, default_schema: &str) -> Vec<Ref> {
    let toks = tokenize(sql);
    let mut tmp = ChunkData::default();
    let mut s = Scan {
        src: sql,
        toks: &toks,
        base,
        default_schema,
        out: &mut tmp,
    };
    let mut i = 0;
    while i < toks.len() {
        if s.is(i, "FROM") || s.is(i, "JOIN") {
            if let Some((q, after)) = s.qname(i + 1) {
                s.table_ref(&q, true);
                i = after;
                continue;
            }
        }
        i += 1;
    }
    tmp.refs
}

/// Scans one statement's tokens for references.
fn scan_statement(out: &mut ChunkData, text: &str, stmt: Range<usize>, default_schema: &str) {
    let src = &text[stmt.clone()];
    let toks = tokenize(src);
    let base = stmt.start;
    let mut s = Scan {
        src,
        toks: &toks,
        base,
        default_schema,
        out,
    };
    s.run();
}

struct Scan<'a> {
    src: &'a str,
    toks: &'a [Token],
    base: usize,
    default_schema: &'a str,
    out: &'a mut ChunkData,
}

/// A possibly qualified name, with the ranges inside quotes.
#[derive(Clone)]
struct QName {
    schema: Option<(String, Range<usize>)>,
    name: String,
    range: Range<usize>,
}

impl Scan<'_> {
    fn is(&self, i: usize, kw: &str) -> bool {
        self.toks.get(i).is_some_and(|t| t.is(self.src, kw))
    }

    fn punct(&self, i: usize, p: &str) -> bool {
        self.toks.get(i).is_some_and(|t| t.is_punct(self.src, p))
    }

    fn ident_at(&self, i: usize) -> Option<(String, Range<usize>)> {
        let t = self.toks.get(i)?;
        match t.kind {
            Kind::Word | Kind::QuotedIdent => {
                let r = unquote_range(self.src, t.range.clone());
                Some((t.ident(self.src), self.base + r.start..self.base + r.end))
            }
            _ => None,
        }
    }

    /// A name at `i`, maybe `schema.name`; returns it and the index after it.
    fn qname(&self, i: usize) -> Option<(QName, usize)> {
        let (first, r1) = self.ident_at(i)?;
        if self.punct(i + 1, ".") {
            if let Some((second, r2)) = self.ident_at(i + 2) {
                let q = QName {
                    schema: Some((first, r1)),
                    name: second,
                    range: r2,
                };
                return Some((q, i + 3));
            }
        }
        let q = QName {
            schema: None,
            name: first,
            range: r1,
        };
        Some((q, i + 1))
    }

    fn push(&mut self, range: Range<usize>, spec: RefSpec, soft: bool) {
        self.out
            .refs
            .push(Ref::new(range, spec, self.default_schema.to_string(), soft));
    }

    fn table_ref(&mut self, q: &QName, soft: bool) {
        if let Some((schema, range)) = &q.schema {
            self.push(range.clone(), RefSpec::Schema(schema.clone()), true);
        }
        self.push(
            q.range.clone(),
            RefSpec::Table {
                schema: q.schema.as_ref().map(|s| s.0.clone()),
                name: q.name.clone(),
            },
            soft,
        );
    }

    /// `( a, b DESC, c COLLATE x )` at `i` (the `(`): plain column names, each
    /// pushed as a column of `table`. Returns the index after `)`.
    fn column_list(&mut self, i: usize, table: &QName, implicit: bool) -> usize {
        if !self.punct(i, "(") {
            return i;
        }
        let mut j = i + 1;
        let mut depth = 0usize;
        let mut item_start = true;
        while j < self.toks.len() {
            if self.punct(j, "(") {
                depth += 1;
            } else if self.punct(j, ")") {
                if depth == 0 {
                    return j + 1;
                }
                depth -= 1;
            } else if depth == 0 && self.punct(j, ",") {
                item_start = true;
                j += 1;
                continue;
            } else if depth == 0 && item_start {
                let next_ends = self.punct(j + 1, ",")
                    || self.punct(j + 1, ")")
                    || ["ASC", "DESC", "COLLATE"].iter().any(|k| self.is(j + 1, k));
                if next_ends {
                    if let Some((name, range)) = self.ident_at(j) {
                        self.push(
                            range,
                            RefSpec::Column {
                                schema: table.schema.as_ref().map(|s| s.0.clone()),
                                table: table.name.clone(),
                                column: name,
                                implicit,
                            },
                            false,
                        );
                    }
                }
            }
            item_start = false;
            j += 1;
        }
        j
    }

    fn run(&mut self) {
        let n = self.toks.len();
        if n == 0 {
            return;
        }
        let mut current: Option<QName> = None;
        let mut is_view = false;
        let mut is_trigger = false;
        if self.is(0, "CREATE") {
            let mut i = 1;
            while [
                "TEMP",
                "TEMPORARY",
                "UNIQUE",
                "OR",
                "REPLACE",
                "VIRTUAL",
                "MATERIALIZED",
            ]
            .iter()
            .any(|k| self.is(i, k))
            {
                i += 1;
            }
            if self.is(i, "TABLE") {
                i += 1;
                i = self.skip_if_not_exists(i);
                current = self.qname(i).map(|(q, _)| q);
            } else if self.is(i, "INDEX") {
                i += 1;
                i = self.skip_if_not_exists(i);
                if let Some((_, after)) = self.qname(i) {
                    i = after;
                }
                if self.is(i, "ON") {
                    if let Some((q, after)) = self.qname(i + 1) {
                        self.table_ref(&q, false);
                        self.column_list(after, &q, false);
                    }
                }
                return;
            } else if self.is(i, "VIEW") {
                is_view = true;
            } else if self.is(i, "TRIGGER") {
                is_trigger = true;
            }
        } else if self.is(0, "ALTER") && self.is(1, "TABLE") {
            current = self.qname(2).map(|(q, _)| q);
            if let Some(q) = &current {
                let q = q.clone();
                self.table_ref(&q, false);
            }
        }
        let mut i = 0;
        let mut trigger_on_seen = false;
        while i < n {
            if self.is(i, "REFERENCES") {
                if let Some((q, after)) = self.qname(i + 1) {
                    self.table_ref(&q, false);
                    i = self.column_list(after, &q, false);
                    continue;
                }
            } else if let Some(cur) = current.clone() {
                let key = (self.is(i, "FOREIGN") || self.is(i, "PRIMARY")) && self.is(i + 1, "KEY");
                if key {
                    i = self.column_list(i + 2, &cur, true);
                    continue;
                }
                if self.is(i, "UNIQUE") && self.punct(i + 1, "(") {
                    i = self.column_list(i + 1, &cur, true);
                    continue;
                }
            } else if is_trigger && !trigger_on_seen && self.is(i, "ON") {
                trigger_on_seen = true;
                if let Some((q, after)) = self.qname(i + 1) {
                    self.table_ref(&q, false);
                    i = after;
                    continue;
                }
            } else if (is_view || is_trigger) && (self.is(i, "FROM") || self.is(i, "JOIN")) {
                if let Some((q, after)) = self.qname(i + 1) {
                    if !self.punct(i + 1, "(") {
                        self.table_ref(&q, true);
                    }
                    i = after;
                    continue;
                }
            }
            i += 1;
        }
    }

    fn skip_if_not_exists(&self, i: usize) -> usize {
        if self.is(i, "IF") && self.is(i + 1, "NOT") && self.is(i + 2, "EXISTS") {
            i + 3
        } else {
            i
        }
    }
}
