//! HCL schema files, one top-level chunk at a time.
//!
//! Core's reader gives the model and its diagnostics for the chunk read on its
//! own; reference diagnostics are dropped there and redone workspace-wide by
//! [`super::index`], because a chunk alone cannot see other files (or SQL).
//! Definitions and references come from the tolerant tree, so a block that is
//! being typed still defines its table and columns.

use super::sqlrefs::{self, Embed, OffsetMap, QTable, SqlText};
use super::syntax::{self, Attr, Block, Node, TokKind, Traversal};
use super::types;
use super::{ChunkData, Def, DefKind, LocalDiag, ModelRef, Ref, RefSpec};
use std::ops::Range;
use std::sync::Arc;
use strata_core::dialect::Dialect;
use strata_core::hcl::chunks::split_top_level;
use strata_core::hcl::read as hcl_read;
use strata_core::model::Realm;
use strata_core::{Severity, SourceFile};

/// Byte ranges of the top-level items of an HCL file.
pub fn chunk_ranges(text: &str) -> Vec<Range<usize>> {
    split_top_level(text).into_iter().map(|c| c.range).collect()
}

/// The top-level items and whether each is complete (balanced).
pub fn chunks(text: &str) -> Vec<(Range<usize>, bool)> {
    split_top_level(text)
        .into_iter()
        .map(|c| (c.range, c.complete))
        .collect()
}

/// Analyzes one top-level chunk read on its own.
pub fn analyze_chunk(name: &Arc<str>, text: &str, dialect: Dialect) -> ChunkData {
    let read = hcl_read::read(&[SourceFile::new(name.clone(), text)], dialect);
    let mut out = ChunkData {
        len: text.len(),
        realm: read.realm,
        ..ChunkData::default()
    };
    for d in read.diagnostics {
        // References are resolved workspace-wide, across HCL and SQL.
        if d.code == "unresolved" {
            continue;
        }
        let range = match &d.span {
            Some(s) => widen(text, s.start..s.end),
            None => 0..0,
        };
        out.diags.push(LocalDiag {
            range,
            severity: d.severity,
            code: d.code.to_string(),
            message: d.message,
            help: d.help,
        });
    }
    let tree = syntax::parse(text);
    let mut w = Walker {
        src: text,
        toks: &tree.toks,
        dialect,
        out: &mut out,
    };
    for node in &tree.nodes {
        if let Node::Block(b) = node {
            w.top_block(b);
        }
    }
    out
}

/// A zero-width range grows to cover the character at its start, so editors
/// can show it.
pub(crate) fn widen(text: &str, r: Range<usize>) -> Range<usize> {
    let r = r.start.min(text.len())..r.end.min(text.len()).max(r.start.min(text.len()));
    if r.start == r.end && r.start < text.len() && text.is_char_boundary(r.start) {
        let len = text[r.start..].chars().next().map_or(1, char::len_utf8);
        r.start..r.start + len
    } else {
        r
    }
}

struct Walker<'a> {
    src: &'a str,
    toks: &'a [syntax::Tok],
    dialect: Dialect,
    out: &'a mut ChunkData,
}

/// The object references are written in.
struct Owner {
    schema: String,
    table: Option<String>,
}

impl Walker<'_> {
    fn top_block(&mut self, b: &Block) {
        // Blocks another dialect has are reported by core's reader; here they
        // define nothing.
        if self.dialect.rules().vocab.top(&b.name).is_none() {
            return;
        }
        match b.name.as_str() {
            "schema" => {
                if let Some(l) = b.label() {
                    let mut def = Def::new(DefKind::Schema, l.text.clone(), l.inner.clone());
                    def.full_range = b.range.clone();
                    def.schema = l.text.clone();
                    self.out.push_def(def);
                }
            }
            "table" => self.table(b),
            "view" | "trigger" | "materialized" => self.view_or_trigger(b),
            "enum" | "domain" | "sequence" | "extension" => self.pg_object(b),
            "function" | "procedure" => {
                let schema = self.schema_of(b);
                {
                    if let Some(l) = b.label() {
                        let mut def = Def::new(DefKind::Function, l.text.clone(), l.inner.clone());
                        def.full_range = b.range.clone();
                        def.schema = schema.clone();
                        def.detail = (b.name == "procedure").then(|| "procedure".to_string());
                        self.out.push_def(def);
                    }
                }
                if let Some(a) = b.attr("as") {
                    self.embedded(a, &schema, |s, out| s.query(0, s.len(), None, out));
                }
            }
            _ => {}
        }
    }

    /// A PostgreSQL `enum`, `domain`, `sequence` or `extension` block: one
    /// definition (with its model object) and the references in its body.
    fn pg_object(&mut self, b: &Block) {
        let Some(label) = b.label() else { return };
        let schema = self.schema_of(b);
        let name = label.text.clone();
        let kind = match b.name.as_str() {
            "enum" => DefKind::Enum,
            "domain" => DefKind::Domain,
            "sequence" => DefKind::Sequence,
            _ => DefKind::Extension,
        };
        let mut def = Def::new(kind, name.clone(), label.inner.clone());
        def.full_range = b.range.clone();
        def.schema = schema.clone();
        let realm = &self.out.realm;
        def.model = realm
            .schemas
            .iter()
            .enumerate()
            .filter(|(_, s)| s.name == schema)
            .find_map(|(si, s)| {
                let schema = si as u32;
                let index = |i: usize| i as u32;
                match kind {
                    DefKind::Enum => {
                        s.enums
                            .iter()
                            .position(|x| x.name == name)
                            .map(|i| ModelRef::Enum {
                                schema,
                                index: index(i),
                            })
                    }
                    DefKind::Domain => {
                        s.domains
                            .iter()
                            .position(|x| x.name == name)
                            .map(|i| ModelRef::Domain {
                                schema,
                                index: index(i),
                            })
                    }
                    DefKind::Sequence => s.sequences.iter().position(|x| x.name == name).map(|i| {
                        ModelRef::Sequence {
                            schema,
                            index: index(i),
                        }
                    }),
                    _ => None,
                }
            });
        let value = |attr: &str| b.attr(attr).map(|a| self.src[a.value.clone()].to_string());
        def.detail = match kind {
            DefKind::Enum => value("values"),
            DefKind::Domain | DefKind::Sequence => value("type").or_else(|| value("as")),
            _ => None,
        };
        if kind == DefKind::Domain {
            if let Some(ty) = b.attr("type") {
                self.check_type(ty);
            }
        }
        self.out.push_def(def);
        let owner = Owner {
            schema,
            table: None,
        };
        self.refs_in(b, &owner);
    }

    /// The schema a table-level block lives in: `schema = schema.x`, else the
    /// first of two labels, else the dialect's default.
    fn schema_of(&mut self, b: &Block) -> String {
        if let Some(a) = b.attr("schema") {
            if let Some(t) = self.traversals(a).first() {
                if let [first, name] = t.names().as_slice() {
                    if *first == "schema" {
                        return name.to_string();
                    }
                }
            }
        }
        if b.labels.len() == 2 {
            return b.labels[0].text.clone();
        }
        self.dialect.default_schema().to_string()
    }

    fn traversals(&self, a: &Attr) -> Vec<Traversal> {
        syntax::traversals(self.src, &self.toks[a.value_toks.clone()])
    }

    fn table(&mut self, b: &Block) {
        let Some(label) = b.label() else { return };
        let schema = self.schema_of(b);
        let name = label.text.clone();
        let model = model_table(&self.out.realm, &schema, &name);
        let mut def = Def::new(DefKind::Table, name.clone(), label.inner.clone());
        def.full_range = b.range.clone();
        def.schema = schema.clone();
        def.model = model.map(|(s, t)| ModelRef::Table {
            schema: s,
            table: t,
        });
        let parent = self.out.push_def(def);
        let child = |kind: DefKind, name: String, range: Range<usize>, full: Range<usize>| {
            let mut d = Def::new(kind, name, range);
            d.full_range = full;
            d.schema = schema.clone();
            d.table = Some(label.text.clone());
            d.parent = Some(parent);
            d
        };
        let mut checks = 0;
        let mut fks = 0;
        for c in b.blocks() {
            let mut d = match c.name.as_str() {
                "column" => {
                    let Some(l) = c.label() else { continue };
                    let mut d = child(
                        DefKind::Column,
                        l.text.clone(),
                        l.inner.clone(),
                        c.range.clone(),
                    );
                    if let Some(ty) = c.attr("type") {
                        d.detail = Some(self.src[ty.value.clone()].to_string());
                        self.check_type(ty);
                    }
                    d.model = model.and_then(|(s, t)| {
                        let tm = &self.out.realm.schemas[s as usize].tables[t as usize];
                        let ci = tm.columns.iter().position(|x| x.name == l.text)?;
                        Some(ModelRef::Column {
                            schema: s,
                            table: t,
                            column: ci as u32,
                        })
                    });
                    d
                }
                "index" | "unique" => {
                    let Some(l) = c.label() else { continue };
                    let mut d = child(
                        DefKind::Index,
                        l.text.clone(),
                        l.inner.clone(),
                        c.range.clone(),
                    );
                    d.model = model.and_then(|(s, t)| {
                        let tm = &self.out.realm.schemas[s as usize].tables[t as usize];
                        let i = tm.indexes.iter().position(|x| x.name == l.text)?;
                        Some(ModelRef::Index {
                            schema: s,
                            table: t,
                            index: i as u32,
                        })
                    });
                    d
                }
                "foreign_key" => {
                    let Some(l) = c.label() else { continue };
                    let mut d = child(
                        DefKind::ForeignKey,
                        l.text.clone(),
                        l.inner.clone(),
                        c.range.clone(),
                    );
                    d.model = model.and_then(|(s, t)| {
                        let tm = &self.out.realm.schemas[s as usize].tables[t as usize];
                        let i = tm
                            .foreign_keys
                            .iter()
                            .position(|x| x.name.as_deref() == Some(&l.text))
                            .or_else(|| (fks < tm.foreign_keys.len()).then_some(fks))?;
                        Some(ModelRef::ForeignKey {
                            schema: s,
                            table: t,
                            fk: i as u32,
                        })
                    });
                    fks += 1;
                    d
                }
                "primary_key" => child(
                    DefKind::PrimaryKey,
                    "primary_key".into(),
                    c.ident.clone(),
                    c.range.clone(),
                ),
                "check" => {
                    checks += 1;
                    match c.label() {
                        Some(l) => child(
                            DefKind::Check,
                            l.text.clone(),
                            l.inner.clone(),
                            c.range.clone(),
                        ),
                        None => child(
                            DefKind::Check,
                            format!("check #{checks}"),
                            c.ident.clone(),
                            c.range.clone(),
                        ),
                    }
                }
                _ => continue,
            };
            if d.kind == DefKind::ForeignKey {
                d.detail = c
                    .attr("ref_columns")
                    .map(|a| self.src[a.value.clone()].to_string());
            }
            self.out.push_def(d);
        }
        let end = self.out.defs.len() as u32;
        self.out.defs[parent as usize].children = parent + 1..end;
        let table = QTable {
            schema: Some(schema.clone()),
            name: name.clone(),
        };
        self.table_exprs(b, &table, &schema);
        let owner = Owner {
            schema,
            table: Some(name),
        };
        self.refs_in(b, &owner);
    }

    /// Names in the SQL expressions of a table's blocks: `check { expr }`,
    /// index `where` and `on { expr }`, generated columns (`as`).
    fn table_exprs(&mut self, b: &Block, table: &QTable, schema: &str) {
        let expr = |s: &SqlText, out: &mut Vec<Ref>| s.table_expr(0, s.len(), table, out);
        for c in b.blocks() {
            let (attr, nested) = match c.name.as_str() {
                "check" => ("expr", None),
                "index" | "unique" => ("where", Some(("on", "expr"))),
                "column" => ("as", Some(("as", "expr"))),
                _ => continue,
            };
            if let Some(a) = c.attr(attr) {
                self.embedded(a, schema, expr);
            }
            if let Some((block, attr)) = nested {
                for g in c.blocks().filter(|g| g.name == block) {
                    if let Some(a) = g.attr(attr) {
                        self.embedded(a, schema, expr);
                    }
                }
            }
        }
    }

    /// Scans the SQL in a string or heredoc value with `f`.
    fn embedded(&mut self, a: &Attr, schema: &str, f: impl FnOnce(&SqlText, &mut Vec<Ref>)) {
        let Some(t) = self.toks[a.value_toks.clone()]
            .iter()
            .find(|t| t.kind != TokKind::Newline)
        else {
            return;
        };
        // One string only: not a call, a reference or a concatenation.
        let alone = self.toks[a.value_toks.clone()]
            .iter()
            .filter(|t| t.kind != TokKind::Newline)
            .count()
            == 1;
        if !alone {
            return;
        }
        let text = t.text(self.src);
        let (sql, map, embed) = match t.kind {
            TokKind::Heredoc => {
                let Some((body, base)) = self.string_content(a) else {
                    return;
                };
                (body.to_string(), OffsetMap::Shift(base), Embed::HclHeredoc)
            }
            TokKind::Str if text.len() >= 2 && text.ends_with('"') => {
                let (sql, map) = sqlrefs::unescape_hcl(&text[1..text.len() - 1], t.range.start + 1);
                (sql, map, Embed::HclString)
            }
            _ => return,
        };
        let s = SqlText::new(&sql, self.dialect, map, schema, embed);
        f(&s, &mut self.out.refs);
    }

    fn view_or_trigger(&mut self, b: &Block) {
        let Some(label) = b.label() else { return };
        let schema = self.schema_of(b);
        let kind = if b.name != "trigger" {
            DefKind::View
        } else {
            DefKind::Trigger
        };
        let mut def = Def::new(kind, label.text.clone(), label.inner.clone());
        def.full_range = b.range.clone();
        def.schema = schema.clone();
        def.model =
            self.out
                .realm
                .schemas
                .iter()
                .enumerate()
                .find_map(|(si, s)| {
                    if s.name != schema {
                        return None;
                    }
                    match kind {
                        DefKind::View => {
                            s.views.iter().position(|v| v.name == label.text).map(|v| {
                                ModelRef::View {
                                    schema: si as u32,
                                    view: v as u32,
                                }
                            })
                        }
                        _ => s
                            .triggers
                            .iter()
                            .position(|t| t.name == label.text)
                            .map(|t| ModelRef::Trigger {
                                schema: si as u32,
                                trigger: t as u32,
                            }),
                    }
                });
        if kind == DefKind::Trigger {
            def.detail = b.attr("on").map(|a| self.src[a.value.clone()].to_string());
        }
        let i = self.out.push_def(def);
        self.out.defs[i as usize].children = i + 1..i + 1;
        // `column.x` in a trigger means a column of the table it fires on.
        let table = b.attr("on").and_then(|a| {
            let t = self.traversals(a).into_iter().next()?;
            t.segments.last().map(|s| s.0.clone())
        });
        // Tables and columns the query or the body names, for navigation and rename.
        let trigger_table = (kind == DefKind::Trigger).then(|| {
            let t = b
                .attr("on")
                .and_then(|a| self.traversals(a).into_iter().next());
            let names = t.as_ref().map(|t| t.names()).unwrap_or_default();
            match names.as_slice() {
                [_, s, n] => QTable {
                    schema: Some(s.to_string()),
                    name: n.to_string(),
                },
                [.., n] => QTable {
                    schema: None,
                    name: n.to_string(),
                },
                [] => QTable {
                    schema: None,
                    name: String::new(),
                },
            }
        });
        let trigger_table = trigger_table.filter(|t| !t.name.is_empty());
        for attr in ["as", "when"] {
            if let Some(a) = b.attr(attr) {
                let tt = trigger_table.as_ref();
                self.embedded(a, &schema, |s, out| s.query(0, s.len(), tt, out));
            }
        }
        let owner = Owner { schema, table };
        self.refs_in(b, &owner);
    }

    /// The text inside a quoted string or heredoc value, and where it starts.
    fn string_content(&self, a: &Attr) -> Option<(&str, usize)> {
        let t = self.toks[a.value_toks.clone()]
            .iter()
            .find(|t| t.kind != TokKind::Newline)?;
        let text = t.text(self.src);
        match t.kind {
            TokKind::Heredoc => {
                let start = text.find('\n')? + 1;
                let end = text
                    .rfind('\n')
                    .filter(|e| *e >= start)
                    .unwrap_or(text.len());
                Some((&text[start..end], t.range.start + start))
            }
            TokKind::Str if text.len() >= 2 => Some((&text[1..text.len() - 1], t.range.start + 1)),
            _ => None,
        }
    }

    /// Column types the dialect does not have are flagged; `sql("…")` opts out.
    fn check_type(&mut self, a: &Attr) {
        let toks = &self.toks[a.value_toks.clone()];
        let Some(first) = toks.iter().find(|t| t.kind != TokKind::Newline) else {
            return;
        };
        let word = match first.kind {
            TokKind::Ident => first.text(self.src).to_string(),
            TokKind::Str => first.text(self.src).trim_matches('"').to_string(),
            _ => return,
        };
        if word == "sql" && toks.get(1).is_some_and(|t| t.kind == TokKind::LParen) {
            return;
        }
        // `enum.status`, `domain.email`: a reference, resolved (and checked by core).
        let next = toks.iter().filter(|t| t.kind != TokKind::Newline).nth(1);
        if self.dialect.rules().vocab.type_refs
            && matches!(word.as_str(), "enum" | "domain")
            && next.is_some_and(|t| t.kind == TokKind::Dot)
        {
            return;
        }
        if types::is_known(self.dialect, &word) {
            return;
        }
        let severity = if self.dialect.rules().vocab.open_types {
            Severity::Warning
        } else {
            Severity::Error
        };
        let suggestion = types::closest(self.dialect, &word);
        let mut help = format!("write `sql(\"{word}\")` to pass a type through as written");
        if let Some(s) = suggestion {
            help = format!("did you mean `{s}`? Or {help}");
        }
        self.out.diags.push(LocalDiag {
            range: first.range.clone(),
            severity,
            code: "unknown-type".into(),
            message: format!("`{word}` is not a {} type", self.dialect.name()),
            help: Some(help),
        });
    }

    /// References in every attribute of `b` and its nested blocks.
    fn refs_in(&mut self, b: &Block, owner: &Owner) {
        for n in &b.body {
            match n {
                Node::Attr(a) if a.eq.is_some() && a.name != "renamed_from" => {
                    for t in self.traversals(a) {
                        self.reference(&t, owner);
                    }
                }
                Node::Block(c) => self.refs_in(c, owner),
                _ => {}
            }
        }
    }

    fn reference(&mut self, t: &Traversal, owner: &Owner) {
        let seg = |i: usize| t.segments.get(i).map(|s| (s.0.clone(), s.1.clone()));
        let names = t.names();
        let push = |out: &mut ChunkData, range: Range<usize>, spec: RefSpec| {
            out.refs
                .push(Ref::new(range, spec, owner.schema.clone(), false))
        };
        // Types may also come from SQL files (`CREATE TYPE`), which are not
        // indexed: an unresolved one is not reported.
        let push_type =
            |out: &mut ChunkData, range: Range<usize>, schema: Option<String>, name: String| {
                out.refs.push(Ref::new(
                    range,
                    RefSpec::Type { schema, name },
                    owner.schema.clone(),
                    true,
                ))
            };
        match names.as_slice() {
            ["schema", _] => {
                let (n, r) = seg(1).unwrap();
                push(self.out, r, RefSpec::Schema(n));
            }
            ["enum" | "domain", _] if self.dialect.rules().vocab.type_refs => {
                let (n, r) = seg(1).unwrap();
                push_type(self.out, r, None, n);
            }
            ["enum" | "domain", _, _] if self.dialect.rules().vocab.type_refs => {
                let (sn, sr) = seg(1).unwrap();
                let (n, r) = seg(2).unwrap();
                push(self.out, sr, RefSpec::Schema(sn.clone()));
                push_type(self.out, r, Some(sn), n);
            }
            ["column", _] => {
                let Some(table) = &owner.table else { return };
                let (n, r) = seg(1).unwrap();
                push(
                    self.out,
                    r,
                    RefSpec::Column {
                        schema: Some(owner.schema.clone()),
                        table: table.clone(),
                        column: n,
                        implicit: true,
                    },
                );
            }
            ["table" | "view", _] | ["table" | "view", _, "column", ..] => {
                let (tn, tr) = seg(1).unwrap();
                push(
                    self.out,
                    tr,
                    RefSpec::Table {
                        schema: None,
                        name: tn.clone(),
                    },
                );
                if let Some((cn, cr)) = seg(3) {
                    push(
                        self.out,
                        cr,
                        RefSpec::Column {
                            schema: None,
                            table: tn,
                            column: cn,
                            implicit: false,
                        },
                    );
                }
            }
            ["table" | "view", _, _] | ["table" | "view", _, _, "column", _] => {
                let (sn, sr) = seg(1).unwrap();
                let (tn, tr) = seg(2).unwrap();
                push(self.out, sr, RefSpec::Schema(sn.clone()));
                push(
                    self.out,
                    tr,
                    RefSpec::Table {
                        schema: Some(sn.clone()),
                        name: tn.clone(),
                    },
                );
                if let Some((cn, cr)) = seg(4) {
                    push(
                        self.out,
                        cr,
                        RefSpec::Column {
                            schema: Some(sn),
                            table: tn,
                            column: cn,
                            implicit: false,
                        },
                    );
                }
            }
            _ => {}
        }
    }
}

fn model_table(realm: &Realm, schema: &str, name: &str) -> Option<(u32, u32)> {
    realm.schemas.iter().enumerate().find_map(|(si, s)| {
        if s.name != schema {
            return None;
        }
        let t = s.tables.iter().position(|t| t.name == name)?;
        Some((si as u32, t as u32))
    })
}
