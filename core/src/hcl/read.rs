//! Reads Atlas-dialect HCL schema files into the model.
//!
//! Files are parsed chunk by chunk (one top-level block at a time, see
//! [`super::chunks`]) so one broken block yields one error and the rest still loads.
//! References (`column.id`, `table.users.column.id`, `schema.main`) are resolved
//! after every file is read, because a table may point at one defined elsewhere.

use super::chunks::split_top_level;
use super::vocab::{BlockSpec, Vocabulary};
use crate::diag::Diagnostic;
use crate::dialect::Dialect;
use crate::model::*;
use crate::resolve;
use crate::span::{SourceFile, Span};
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Attribute, Block, Body, Structure};
use hcl_edit::template::Element;
use hcl_edit::Span as _;
use std::collections::HashMap;
use std::sync::Arc;

/// What a reference in the source points at, for navigation and diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Schema(String),
    Table {
        schema: String,
        table: String,
    },
    Column {
        schema: String,
        table: String,
        column: String,
    },
}

/// One reference written in a file, resolved or not.
#[derive(Clone, Debug)]
pub struct Reference {
    pub span: Span,
    pub target: Option<Target>,
    pub text: String,
}

/// The result of reading a set of HCL files.
#[derive(Debug, Default)]
pub struct HclSchema {
    pub realm: Realm,
    pub diagnostics: Vec<Diagnostic>,
    pub references: Vec<Reference>,
}

/// Reads `files` as one schema.
pub fn read(files: &[SourceFile], dialect: Dialect) -> HclSchema {
    read_with_vars(files, dialect, &[], true)
}

/// [`read`] with values for the files' input variables (`--var tenant=x`);
/// `strict`: a value no file declares is an error.
pub fn read_with_vars(
    files: &[SourceFile],
    dialect: Dialect,
    vars: &[(String, String)],
    strict: bool,
) -> HclSchema {
    let (vars, diagnostics) = super::vars::Values::collect(files, vars, strict);
    let mut r = Reader {
        vars,
        policies: Vec::new(),
        names: Default::default(),
        dialect,
        vocab: dialect.rules().vocab,
        out: HclSchema::default(),
        pending: Vec::new(),
        explicit_schemas: Vec::new(),
    };
    r.out.diagnostics = diagnostics;
    for f in files {
        r.read_file(f);
    }
    r.resolve();
    r.out
}

/// A reference that can be checked only once every file is read.
struct Pending {
    /// Where the reference sits: the table it belongs to (schema, table).
    owner: (String, String),
    path: Vec<String>,
    span: Span,
    kind: Expect,
}

#[derive(Clone, Copy, PartialEq)]
enum Expect {
    Column,
    Table,
}

struct Reader {
    /// Input variables, substituted into each block before it is read.
    vars: super::vars::Values,
    /// Policies read so far, attached to their tables once every file is read.
    policies: Vec<(String, String, Policy)>,
    /// (schema, lowercased name) of every table and view read so far.
    names: std::collections::HashSet<(String, String)>,
    dialect: Dialect,
    /// What the dialect's files may hold: blocks and attributes not listed
    /// there are reported, whatever the code below knows how to read.
    vocab: &'static Vocabulary,
    out: HclSchema,
    pending: Vec<Pending>,
    explicit_schemas: Vec<String>,
}

/// Context of the file being read: name and text, for spans and heredoc text.
struct Ctx<'a> {
    file: &'a Arc<str>,
    base: usize,
}

impl Ctx<'_> {
    fn span(&self, r: Option<std::ops::Range<usize>>) -> Option<Span> {
        r.map(|r| Span::new(self.file, self.base + r.start..self.base + r.end))
    }
}

impl Reader {
    fn err(&mut self, code: &'static str, msg: impl Into<String>, span: Option<Span>) {
        self.out
            .diagnostics
            .push(Diagnostic::error(code, msg, span));
    }

    fn read_file(&mut self, f: &SourceFile) {
        for chunk in split_top_level(&f.text) {
            let text = &f.text[chunk.range.clone()];
            let ctx = Ctx {
                file: &f.name,
                base: chunk.range.start,
            };
            match hcl_edit::parser::parse_body(text) {
                Ok(mut body) => {
                    if self.vars.applies_to(text) {
                        let d = self.vars.apply(&mut body, f, chunk.range.start);
                        self.out.diagnostics.extend(d);
                    }
                    self.read_body(&ctx, &body)
                }
                Err(e) => {
                    let loc = e.location();
                    let span = Span::new(
                        &f.name,
                        chunk.range.start + loc.offset()..chunk.range.start + loc.offset(),
                    );
                    let d = Diagnostic::error(
                        "syntax",
                        format!("syntax error: {}", e.message()),
                        Some(span),
                    );
                    self.out.diagnostics.push(
                        d.with_help("check for a missing `}`, `\"` or `=` near this position"),
                    );
                }
            }
        }
    }

    fn read_body(&mut self, ctx: &Ctx, body: &Body) {
        for s in body.iter() {
            match s {
                Structure::Block(b) => {
                    if super::vars::is_declaration(s) {
                        continue; // `variable` blocks: substituted by `super::vars`
                    }
                    let Some(spec) = self.vocab.top(b.ident.as_str()) else {
                        self.foreign_block(ctx, b);
                        continue;
                    };
                    match spec.name {
                        "schema" => self.read_schema(ctx, b, spec),
                        "table" => self.read_table(ctx, b, spec),
                        "view" | "materialized" => self.read_view(ctx, b, spec),
                        "enum" => self.read_enum(ctx, b, spec),
                        "domain" => self.read_domain(ctx, b, spec),
                        "sequence" => self.read_sequence(ctx, b, spec),
                        "policy" => self.read_policy(ctx, b, spec),
                        "extension" => self.read_extension(ctx, b, spec),
                        "function" | "procedure" => self.read_routine(ctx, b, spec),
                        "trigger" => self.read_trigger(ctx, b, spec),
                        // A block a vocabulary lists without a reader here.
                        _ => self.foreign_block(ctx, b),
                    }
                }
                Structure::Attribute(a) => {
                    let span = ctx.span(a.key.span());
                    self.err(
                        "unknown-attribute",
                        format!("unexpected top-level attribute `{}`", a.key.as_str()),
                        span,
                    );
                }
            }
        }
    }

    /// The single label of a block such as `table "users"`, or the last of two
    /// (`table "public" "users"`, with the first as the schema).
    fn labels(&mut self, ctx: &Ctx, b: &Block) -> Option<(Option<String>, String, Option<Span>)> {
        let labels: Vec<_> = b.labels.iter().map(|l| l.as_str().to_string()).collect();
        let span = b
            .labels
            .last()
            .and_then(|l| ctx.span(l.span()))
            .or(ctx.span(b.ident.span()));
        match labels.len() {
            1 => Some((None, labels[0].clone(), span)),
            2 => Some((Some(labels[0].clone()), labels[1].clone(), span)),
            _ => {
                self.err(
                    "missing-label",
                    format!(
                        "`{}` block needs a name, e.g. `{} \"name\" {{ … }}`",
                        b.ident.as_str(),
                        b.ident.as_str()
                    ),
                    ctx.span(b.ident.span()),
                );
                None
            }
        }
    }

    fn read_schema(&mut self, ctx: &Ctx, b: &Block, spec: &'static BlockSpec) {
        let Some((_, name, span)) = self.labels(ctx, b) else {
            return;
        };
        if self.explicit_schemas.contains(&name) {
            self.err(
                "duplicate",
                format!("schema `{name}` is defined twice"),
                span.clone(),
            );
        }
        self.explicit_schemas.push(name.clone());
        let mut comment = None;
        for a in b.body.attributes() {
            match a.key.as_str() {
                "comment" => comment = self.string(ctx, &a.value),
                "charset" | "collate" => {}
                k => self.unknown_attr(ctx, a, k, spec),
            }
        }
        let s = self.out.realm.schema_entry(&name);
        s.span = span;
        s.comment = comment;
    }

    /// A top-level block this dialect's vocabulary does not have: another
    /// dialect's (`enum` in a SQLite file), or a typo.
    fn foreign_block(&mut self, ctx: &Ctx, b: &Block) {
        let name = b.ident.as_str();
        let span = ctx.span(b.ident.span());
        let owners: Vec<_> = Dialect::all()
            .into_iter()
            .map(Dialect::rules)
            .filter(|r| r.vocab.top(name).is_some())
            .collect();
        let d = match owners.as_slice() {
            [] => {
                let help = match self.vocab.closest_block(name) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!(
                        "schema files hold {}",
                        self.vocab
                            .blocks
                            .iter()
                            .map(|b| format!("`{}`", b.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                Diagnostic::error("unknown-block", format!("unknown block `{name}`"), span)
                    .with_help(help)
            }
            owners => {
                let titles: Vec<_> = owners.iter().map(|r| r.title).collect();
                let r = owners[0];
                let help = format!(
                    "name the file *.{}.hcl, or point the env's url at a {} database",
                    r.hcl_suffixes.first().copied().unwrap_or(r.name),
                    r.title
                );
                Diagnostic::error(
                    "dialect",
                    format!("`{name}` blocks need {}", titles.join(" or ")),
                    span,
                )
                .with_help(help)
            }
        };
        self.out.diagnostics.push(d);
    }

    /// An attribute `spec` does not list, with the nearest one it does.
    fn unknown_attr(&mut self, ctx: &Ctx, a: &Attribute, key: &str, spec: &BlockSpec) {
        let mut d = Diagnostic::error(
            "unknown-attribute",
            format!("unknown attribute `{key}` in `{}` block", spec.name),
            ctx.span(a.key.span()),
        );
        if let Some(c) = spec.closest_attr(key) {
            d = d.with_help(format!("did you mean `{c}`?"));
        }
        self.out.diagnostics.push(d);
    }

    /// A dialect's extra attribute ([`crate::dialect::HclAttr`]) stored in
    /// `attrs` under `key`; false when the dialect has no such attribute for
    /// `block`.
    fn dialect_attr(
        &mut self,
        ctx: &Ctx,
        a: &Attribute,
        block: &str,
        key: &str,
        attrs: &mut Attrs,
    ) -> bool {
        use crate::dialect::HclKind;
        let Some(spec) = self.dialect.imp().ok().and_then(|imp| {
            imp.hcl_attrs()
                .iter()
                .find(|x| x.block == block && x.key == a.key.as_str())
        }) else {
            return false;
        };
        let value = match spec.kind {
            HclKind::Bool => Some(AttrValue::Bool(self.boolean(ctx, &a.value))),
            HclKind::Int => self.integer(ctx, &a.value).map(AttrValue::Int),
            HclKind::Word => self.word(ctx, &a.value).map(AttrValue::Str),
            HclKind::Str => self.string(ctx, &a.value).map(AttrValue::Str),
            HclKind::Sql => match &a.value {
                Expression::FuncCall(f) if f.name.name.as_str() == "sql" => self.sql_arg(ctx, f),
                other => self.word(ctx, other),
            }
            .map(AttrValue::Str),
        };
        match value {
            Some(AttrValue::Bool(false)) => {
                attrs.0.remove(key);
            }
            Some(v) => {
                attrs.0.insert(key.to_string(), v);
            }
            None => {}
        }
        true
    }

    /// A nested block `spec` does not list, with the nearest one it does.
    fn unknown_block(&mut self, ctx: &Ctx, b: &Block, spec: &BlockSpec) {
        let mut d = Diagnostic::error(
            "unknown-block",
            format!(
                "unknown block `{}` in `{}` block",
                b.ident.as_str(),
                spec.name
            ),
            ctx.span(b.ident.span()),
        );
        if let Some(c) = spec.closest_block(b.ident.as_str()) {
            d = d.with_help(format!("did you mean `{c}`?"));
        }
        self.out.diagnostics.push(d);
    }

    /// The schema named by a `schema = schema.x` attribute, else the dialect's default.
    fn owner_schema(&mut self, ctx: &Ctx, body: &Body, label_schema: Option<String>) -> String {
        if let Some(a) = body.get_attribute("schema") {
            match traversal(&a.value) {
                Some(path) if path.len() == 2 && path[0] == "schema" => {
                    let span = ctx.span(a.value.span());
                    self.out.references.push(Reference {
                        span: span.clone().unwrap(),
                        target: Some(Target::Schema(path[1].clone())),
                        text: path.join("."),
                    });
                    if label_schema.as_ref().is_some_and(|l| *l != path[1]) {
                        self.err(
                            "conflict",
                            "the block's label and `schema` name different schemas",
                            span,
                        );
                    }
                    return path[1].clone();
                }
                _ => self.err(
                    "bad-reference",
                    "`schema` must reference a schema, e.g. `schema = schema.main`",
                    ctx.span(a.value.span()),
                ),
            }
        }
        label_schema.unwrap_or_else(|| self.dialect.default_schema().to_string())
    }

    fn read_table(&mut self, ctx: &Ctx, b: &Block, spec: &'static BlockSpec) {
        let Some((label_schema, name, span)) = self.labels(ctx, b) else {
            return;
        };
        let schema = self.owner_schema(ctx, &b.body, label_schema);
        let mut t = Table {
            name: name.clone(),
            span: span.clone(),
            ..Table::default()
        };
        let owner = (schema.clone(), name.clone());
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "schema" => {}
                    "comment" => t.comment = self.string(ctx, &a.value),
                    "renamed_from" => t.renamed_from = self.name_or_ref(ctx, &a.value),
                    "partition_of" if spec.has_attr("partition_of") => {
                        if let Some((s, n)) =
                            self.table_ref(ctx, &a.value, &(schema.clone(), name.clone()))
                        {
                            let s = if s.is_empty() { schema.clone() } else { s };
                            t.attrs
                                .0
                                .insert("partition_of".into(), AttrValue::Str(format!("{s}.{n}")));
                        }
                    }
                    "partition_bound" if spec.has_attr("partition_bound") => {
                        if let Some(b) = self.string(ctx, &a.value) {
                            t.attrs
                                .0
                                .insert("partition_bound".into(), AttrValue::Str(b));
                        }
                    }
                    "unlogged" if spec.has_attr("unlogged") => {
                        let on = self.boolean(ctx, &a.value);
                        t.attrs.set_flag("unlogged", on);
                    }
                    "row_security" if spec.has_attr("row_security") => {
                        let on = self.boolean(ctx, &a.value);
                        t.attrs.set_flag("row_security", on);
                    }
                    k @ ("without_rowid" | "strict") if spec.has_attr(k) => {
                        let on = self.boolean(ctx, &a.value);
                        t.attrs.set_flag(a.key.as_str(), on);
                    }
                    k => {
                        if !self.dialect_attr(ctx, a, "table", k, &mut t.attrs) {
                            self.unknown_attr(ctx, a, k, spec)
                        }
                    }
                },
                Structure::Block(c) => match c.ident.as_str() {
                    "column" => {
                        if let Some(col) = self.read_column(ctx, c, spec.child("column")) {
                            if t.column(&col.name).is_some() {
                                let msg = format!(
                                    "column `{}` is defined twice in table `{name}`",
                                    col.name
                                );
                                self.err("duplicate", msg, col.span.clone());
                            }
                            t.columns.push(col);
                        }
                    }
                    "primary_key" => {
                        if t.primary_key.is_some() {
                            self.err(
                                "duplicate",
                                "a table has one primary key",
                                ctx.span(c.ident.span()),
                            );
                        }
                        t.primary_key =
                            Some(self.read_pk(ctx, c, &owner, spec.child("primary_key")));
                    }
                    k @ ("index" | "unique") => {
                        if let Some(idx) = self.read_index(ctx, c, &owner, spec.child(k)) {
                            if t.index(&idx.name).is_some() {
                                let msg = format!(
                                    "index `{}` is defined twice in table `{name}`",
                                    idx.name
                                );
                                self.err("duplicate", msg, idx.span.clone());
                            }
                            t.indexes.push(idx);
                        }
                    }
                    "exclude" if spec.has_block("exclude") => {
                        if let Some(idx) = self.read_exclude(ctx, c, &owner, spec.child("exclude"))
                        {
                            if t.index(&idx.name).is_some() {
                                let msg = format!(
                                    "constraint `{}` is defined twice in table `{name}`",
                                    idx.name
                                );
                                self.err("duplicate", msg, idx.span.clone());
                            }
                            t.indexes.push(idx);
                        }
                    }
                    "foreign_key" => {
                        if let Some(fk) = self.read_fk(ctx, c, &owner, spec.child("foreign_key")) {
                            t.foreign_keys.push(fk);
                        }
                    }
                    "check" => {
                        if let Some(ck) = self.read_check(ctx, c, spec.child("check")) {
                            t.checks.push(ck);
                        }
                    }
                    "partition" if spec.has_block("partition") => {
                        let part = spec.child("partition");
                        let mut kind = String::from("RANGE");
                        let mut keys = Vec::new();
                        for a in c.body.attributes() {
                            match a.key.as_str() {
                                "type" => {
                                    kind = self
                                        .word(ctx, &a.value)
                                        .unwrap_or_default()
                                        .to_ascii_uppercase()
                                }
                                "columns" => {
                                    let cols = self.column_refs(ctx, &a.value, &owner);
                                    keys.extend(cols.iter().map(|c| self.dialect.quote(c)));
                                }
                                k => self.unknown_attr(ctx, a, k, part),
                            }
                        }
                        for by in c.body.blocks().filter(|b| b.ident.as_str() == "by") {
                            for a in by.body.attributes() {
                                match a.key.as_str() {
                                    "column" => keys.extend(
                                        self.column_refs(ctx, &a.value, &owner)
                                            .iter()
                                            .map(|c| self.dialect.quote(c)),
                                    ),
                                    "expr" => keys.extend(
                                        self.string(ctx, &a.value).map(|e| format!("({e})")),
                                    ),
                                    k => self.unknown_attr(ctx, a, k, part.child("by")),
                                }
                            }
                        }
                        t.attrs.0.insert(
                            "partition".into(),
                            AttrValue::Str(format!("{kind} ({})", keys.join(", "))),
                        );
                    }
                    _ => self.unknown_block(ctx, c, spec),
                },
            }
        }
        if !self
            .names
            .insert((schema.clone(), name.to_ascii_lowercase()))
        {
            self.err(
                "duplicate",
                format!("table `{name}` is defined twice"),
                span,
            );
            return;
        }
        let s = self.out.realm.schema_entry(&schema);
        s.tables.push(t);
    }

    fn read_column(&mut self, ctx: &Ctx, b: &Block, spec: &'static BlockSpec) -> Option<Column> {
        let (_, name, span) = self.labels(ctx, b)?;
        let mut c = Column {
            name,
            span,
            ..Column::default()
        };
        let mut has_type = false;
        let mut identity: Vec<(&'static str, i64)> = Vec::new();
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "type" => {
                        has_type = true;
                        c.ty = self.column_type(ctx, &a.value).unwrap_or_default();
                    }
                    "null" => c.nullable = self.boolean(ctx, &a.value),
                    "default" => c.default = self.default_value(ctx, &a.value),
                    "auto_increment" => c.auto_increment = self.boolean(ctx, &a.value),
                    "comment" => c.comment = self.string(ctx, &a.value),
                    "collate" => c.collation = self.string(ctx, &a.value),
                    "renamed_from" => c.renamed_from = self.name_or_ref(ctx, &a.value),
                    "as" => {
                        c.generated = self.string(ctx, &a.value).map(|expr| Generated {
                            expr,
                            stored: false,
                        })
                    }
                    k => {
                        if !self.dialect_attr(ctx, a, "column", k, &mut c.attrs) {
                            self.unknown_attr(ctx, a, k, spec)
                        }
                    }
                },
                Structure::Block(g)
                    if g.ident.as_str() == "identity" && spec.has_block("identity") =>
                {
                    let mut generated = "BY DEFAULT".to_string();
                    let mut given: Vec<(&'static str, i64)> = Vec::new();
                    for a in g.body.attributes() {
                        match a.key.as_str() {
                            "generated" => match self
                                .word(ctx, &a.value)
                                .map(|w| w.to_ascii_uppercase().replace('_', " "))
                            {
                                Some(w) if w == "ALWAYS" || w == "BY DEFAULT" => generated = w,
                                _ => self.err(
                                    "bad-value",
                                    "`generated` is ALWAYS or BY_DEFAULT",
                                    ctx.span(a.value.span()),
                                ),
                            },
                            "cycle" => given.push(("cycle", self.boolean(ctx, &a.value) as i64)),
                            k @ ("start" | "increment" | "min_value" | "max_value" | "cache") => {
                                if let Some(v) = self.integer(ctx, &a.value) {
                                    given.push((sequence_option(k), v));
                                }
                            }
                            k => self.unknown_attr(ctx, a, k, spec.child("identity")),
                        }
                    }
                    c.attrs
                        .0
                        .insert("identity".into(), AttrValue::Str(generated));
                    identity = given;
                }
                Structure::Block(g) if g.ident.as_str() == "as" => {
                    let mut gen = Generated {
                        expr: String::new(),
                        stored: false,
                    };
                    for a in g.body.attributes() {
                        match a.key.as_str() {
                            "expr" => gen.expr = self.string(ctx, &a.value).unwrap_or_default(),
                            "type" => match self
                                .word(ctx, &a.value)
                                .as_deref()
                                .map(str::to_ascii_uppercase)
                            {
                                Some(w) if w == "STORED" => gen.stored = true,
                                Some(w) if w == "VIRTUAL" => gen.stored = false,
                                _ => self.err(
                                    "bad-value",
                                    "generated column `type` is STORED or VIRTUAL",
                                    ctx.span(a.value.span()),
                                ),
                            },
                            k => self.unknown_attr(ctx, a, k, spec.child("as")),
                        }
                    }
                    c.generated = Some(gen);
                }
                Structure::Block(g) => self.unknown_block(ctx, g, spec),
            }
        }
        for (k, v) in sequence_options(&c.ty, &identity).non_default() {
            c.attrs.0.insert(format!("identity_{k}"), AttrValue::Int(v));
        }
        if !has_type {
            let msg = format!("column `{}` has no `type`", c.name);
            self.out.diagnostics.push(
                Diagnostic::error("missing-type", msg, c.span.clone())
                    .with_help("add e.g. `type = integer` or `type = varchar(255)`"),
            );
        }
        Some(c)
    }

    /// A column type: a bare word (`integer`), a call with arguments
    /// (`varchar(255)`, `decimal(10,2)`), or `sql("…")` for anything else.
    fn column_type(&mut self, ctx: &Ctx, e: &Expression) -> Option<String> {
        match e {
            Expression::Traversal(_) => match traversal(e).as_deref() {
                Some([k, name]) if k == "enum" || k == "domain" => {
                    Some(self.enum_type_name(None, name))
                }
                Some([k, schema, name]) if k == "enum" || k == "domain" => {
                    Some(self.enum_type_name(Some(schema), name))
                }
                _ => {
                    self.err(
                        "bad-type",
                        "a type reference looks like `enum.status`",
                        ctx.span(e.span()),
                    );
                    None
                }
            },
            Expression::Variable(v) => Some(self.vocab.sql_type_word(v.as_str()).into_owned()),
            Expression::FuncCall(f) if f.name.name.as_str() == "sql" => self.sql_arg(ctx, f),
            Expression::FuncCall(f) => {
                let mut args = Vec::new();
                for a in f.args.iter() {
                    match a {
                        Expression::Number(n) => args.push(n.to_string()),
                        Expression::String(s) => args.push(format!("'{}'", s.replace('\'', "''"))),
                        Expression::Variable(v) => args.push(v.as_str().to_string()),
                        other => {
                            self.err(
                                "bad-type",
                                "type arguments are numbers or strings",
                                ctx.span(other.span()),
                            );
                            return None;
                        }
                    }
                }
                let name = self.vocab.sql_type_word(f.name.name.as_str());
                Some(format!("{name}({})", args.join(",")))
            }
            Expression::String(s) => Some(s.to_string()),
            other => {
                self.err(
                    "bad-type",
                    "a type is a word like `integer`, a call like `varchar(255)`, or `sql(\"…\")`",
                    ctx.span(other.span()),
                );
                None
            }
        }
    }

    fn sql_arg(&mut self, ctx: &Ctx, f: &hcl_edit::expr::FuncCall) -> Option<String> {
        match f.args.iter().next() {
            Some(arg) if f.args.len() == 1 => self.string(ctx, arg),
            _ => {
                self.err("bad-value", "`sql(…)` takes one string", ctx.span(f.span()));
                None
            }
        }
    }

    /// A default is a literal (quoted as a SQL string when it is an HCL string)
    /// or `sql("expr")`, taken verbatim.
    fn default_value(&mut self, ctx: &Ctx, e: &Expression) -> Option<String> {
        match e {
            Expression::String(s) => Some(format!("'{}'", s.replace('\'', "''"))),
            Expression::Number(n) => Some(n.to_string()),
            // SQLite stores booleans as integers; PostgreSQL has the real thing.
            Expression::Bool(b) => Some(self.vocab.bool_literal(*b.value()).to_string()),
            Expression::Null(_) => Some("NULL".to_string()),
            Expression::FuncCall(f) if f.name.name.as_str() == "sql" => self.sql_arg(ctx, f),
            Expression::UnaryOp(_) => {
                let text = e.to_string();
                Some(text.trim().to_string())
            }
            other => {
                self.err(
                    "bad-value",
                    "a default is a literal (`0`, `\"text\"`, `true`) or `sql(\"expression\")`",
                    ctx.span(other.span()),
                );
                None
            }
        }
    }

    fn read_pk(
        &mut self,
        ctx: &Ctx,
        b: &Block,
        owner: &(String, String),
        spec: &'static BlockSpec,
    ) -> PrimaryKey {
        let mut pk = PrimaryKey {
            name: b.labels.first().map(|l| l.as_str().to_string()),
            span: ctx.span(b.ident.span()),
            ..PrimaryKey::default()
        };
        for a in b.body.attributes() {
            match a.key.as_str() {
                "columns" => {
                    pk.parts = self
                        .column_refs(ctx, &a.value, owner)
                        .into_iter()
                        .map(IndexPart::column)
                        .collect()
                }
                "comment" => {}
                k => self.unknown_attr(ctx, a, k, spec),
            }
        }
        if pk.parts.is_empty() {
            self.err(
                "missing-columns",
                "primary key needs `columns = [column.x]`",
                pk.span.clone(),
            );
        }
        pk
    }

    fn read_index(
        &mut self,
        ctx: &Ctx,
        b: &Block,
        owner: &(String, String),
        spec: &'static BlockSpec,
    ) -> Option<Index> {
        let (_, name, span) = self.labels(ctx, b)?;
        let constraint = b.ident.as_str() == "unique";
        let mut idx = Index {
            name,
            unique: constraint,
            span,
            ..Index::default()
        };
        idx.attrs.set_flag("constraint", constraint);
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "columns" => {
                        let cols = self.column_refs(ctx, &a.value, owner);
                        idx.parts.extend(cols.into_iter().map(IndexPart::column));
                    }
                    "unique" if spec.has_attr("unique") => idx.unique = self.boolean(ctx, &a.value),
                    "where" => idx.predicate = self.string(ctx, &a.value),
                    "type" if spec.has_attr("type") => {
                        let method = self
                            .word(ctx, &a.value)
                            .unwrap_or_default()
                            .to_ascii_lowercase();
                        if method != "btree" {
                            idx.attrs.0.insert("type".into(), AttrValue::Str(method));
                        }
                    }
                    "include" if spec.has_attr("include") => {
                        let cols = self.column_refs(ctx, &a.value, owner);
                        idx.attrs
                            .0
                            .insert("include".into(), AttrValue::Str(cols.join(", ")));
                    }
                    "nulls_distinct" if spec.has_attr("nulls_distinct") => {
                        let distinct = self.boolean(ctx, &a.value);
                        idx.attrs.set_flag("nulls_not_distinct", !distinct);
                    }
                    "comment" => idx.comment = self.string(ctx, &a.value),
                    "renamed_from" => idx.renamed_from = self.name_or_ref(ctx, &a.value),
                    k => {
                        if !self.dialect_attr(ctx, a, "index", k, &mut idx.attrs) {
                            self.unknown_attr(ctx, a, k, spec)
                        }
                    }
                },
                Structure::Block(on) if on.ident.as_str() == "on" => {
                    if let Some((part, nulls_first, extra)) =
                        self.read_index_part(ctx, on, owner, spec.child("on"))
                    {
                        let k = idx.parts.len();
                        for (key, v) in extra.0 {
                            idx.attrs.0.insert(format!("{key}_{k}"), v);
                        }
                        // Only the order that is not the default for the direction is kept.
                        if let Some(first) = nulls_first.filter(|f| *f != part.desc) {
                            let k = idx.parts.len();
                            idx.attrs
                                .0
                                .insert(format!("nulls_first_{k}"), AttrValue::Bool(first));
                        }
                        idx.parts.push(part);
                    }
                }
                Structure::Block(o) => self.unknown_block(ctx, o, spec),
            }
        }
        if idx.parts.is_empty() {
            self.err(
                "missing-columns",
                format!(
                    "index `{}` needs `columns = [column.x]` or `on {{ … }}` blocks",
                    idx.name
                ),
                idx.span.clone(),
            );
        }
        Some(idx)
    }

    /// `exclude "name" { type = GIST  on { column = column.room  op = "=" }  where = "…" }`:
    /// an exclusion constraint, kept as the definition PostgreSQL would print.
    fn read_exclude(
        &mut self,
        ctx: &Ctx,
        b: &Block,
        owner: &(String, String),
        spec: &'static BlockSpec,
    ) -> Option<Index> {
        let (_, name, span) = self.labels(ctx, b)?;
        let mut x = crate::postgres::exclude::Exclusion {
            method: "gist".into(),
            elements: Vec::new(),
            predicate: None,
        };
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "type" => {
                        x.method = self
                            .word(ctx, &a.value)
                            .unwrap_or_default()
                            .to_ascii_lowercase()
                    }
                    "where" => x.predicate = self.string(ctx, &a.value),
                    k => self.unknown_attr(ctx, a, k, spec),
                },
                Structure::Block(on) if on.ident.as_str() == "on" => {
                    let mut key = None;
                    let mut op = None;
                    for a in on.body.attributes() {
                        match a.key.as_str() {
                            "column" | "expr" => key = self.index_key(ctx, a, owner),
                            "op" => op = self.string(ctx, &a.value),
                            k => self.unknown_attr(ctx, a, k, spec.child("on")),
                        }
                    }
                    match (key, op) {
                        (Some(k), Some(op)) => x.elements.push((k, op)),
                        _ => self.err(
                            "missing-columns",
                            "an exclusion `on` needs `column = column.x` (or `expr`) and `op = \"&&\"`",
                            ctx.span(on.ident.span()),
                        ),
                    }
                }
                Structure::Block(o) => self.unknown_block(ctx, o, spec),
            }
        }
        if x.elements.is_empty() {
            self.err(
                "missing-columns",
                format!("exclusion constraint `{name}` needs `on {{ column op }}` blocks"),
                span.clone(),
            );
            return None;
        }
        let mut idx = Index {
            name,
            span,
            ..Index::default()
        };
        idx.attrs.set_flag("constraint", true);
        idx.attrs.0.insert(
            "exclude".into(),
            AttrValue::Str(crate::postgres::exclude::render(&x)),
        );
        Some(idx)
    }

    /// `column = column.x` or `expr = "…"` of an `on { … }` block.
    fn index_key(
        &mut self,
        ctx: &Ctx,
        a: &hcl_edit::structure::Attribute,
        owner: &(String, String),
    ) -> Option<IndexKey> {
        if a.key.as_str() == "column" {
            self.column_refs(ctx, &a.value, owner)
                .pop()
                .map(IndexKey::Column)
        } else {
            self.string(ctx, &a.value).map(IndexKey::Expr)
        }
    }

    /// One `on { … }` key, and its `nulls_first`/`nulls_last` when given.
    fn read_index_part(
        &mut self,
        ctx: &Ctx,
        b: &Block,
        owner: &(String, String),
        spec: &'static BlockSpec,
    ) -> Option<(IndexPart, Option<bool>, Attrs)> {
        let mut key = None;
        let mut extra = Attrs::default();
        let mut nulls_first = None;
        let mut desc = false;
        let mut collation = None;
        let mut ops = None;
        for a in b.body.attributes() {
            match a.key.as_str() {
                "column" | "expr" => key = self.index_key(ctx, a, owner),
                "desc" => desc = self.boolean(ctx, &a.value),
                "collate" => collation = self.string(ctx, &a.value),
                "ops" => ops = self.word(ctx, &a.value),
                "nulls_first" if spec.has_attr("nulls_first") => {
                    nulls_first = Some(self.boolean(ctx, &a.value))
                }
                "nulls_last" if spec.has_attr("nulls_last") => {
                    nulls_first = Some(!self.boolean(ctx, &a.value))
                }
                k => {
                    if !self.dialect_attr(ctx, a, "on", k, &mut extra) {
                        self.unknown_attr(ctx, a, k, spec)
                    }
                }
            }
        }
        match key {
            Some(key) => Some((
                IndexPart {
                    key,
                    desc,
                    collation,
                    ops,
                },
                nulls_first,
                extra,
            )),
            None => {
                self.err(
                    "missing-columns",
                    "`on` needs `column = column.x` or `expr = \"…\"`",
                    ctx.span(b.ident.span()),
                );
                None
            }
        }
    }

    fn read_fk(
        &mut self,
        ctx: &Ctx,
        b: &Block,
        owner: &(String, String),
        spec: &'static BlockSpec,
    ) -> Option<ForeignKey> {
        let (_, name, span) = self.labels(ctx, b)?;
        let mut fk = ForeignKey {
            name: Some(name),
            span,
            ..ForeignKey::default()
        };
        for a in b.body.attributes() {
            match a.key.as_str() {
                "columns" => fk.columns = self.column_refs(ctx, &a.value, owner),
                "ref_columns" => {
                    let refs = self.foreign_column_refs(ctx, &a.value, owner);
                    let mut tables: Vec<_> = refs
                        .iter()
                        .map(|(s, t, _)| (s.clone(), t.clone()))
                        .collect();
                    tables.dedup();
                    if tables.len() > 1 {
                        self.err(
                            "bad-reference",
                            "`ref_columns` must all belong to one table",
                            ctx.span(a.value.span()),
                        );
                    }
                    if let Some((s, t)) = tables.pop() {
                        fk.ref_schema = Some(s);
                        fk.ref_table = t;
                    }
                    fk.ref_columns = refs.into_iter().map(|(_, _, c)| c).collect();
                }
                "on_update" | "on_delete" => {
                    let word = self.word(ctx, &a.value).unwrap_or_default();
                    match RefAction::parse(&word) {
                        Some(act) if a.key.as_str() == "on_update" => fk.on_update = act,
                        Some(act) => fk.on_delete = act,
                        None => self.err(
                            "bad-value",
                            format!("`{word}` is not a referential action; use NO_ACTION, RESTRICT, CASCADE, SET_NULL or SET_DEFAULT"),
                            ctx.span(a.value.span()),
                        ),
                    }
                }
                "deferrable" => {
                    fk.deferrable = match &a.value {
                        Expression::Bool(b) if *b.value() => Deferrable::InitiallyImmediate,
                        Expression::Bool(_) => Deferrable::NotDeferrable,
                        e => match self.word(ctx, e).as_deref() {
                            Some("INITIALLY_DEFERRED") => Deferrable::InitiallyDeferred,
                            Some("INITIALLY_IMMEDIATE") => Deferrable::InitiallyImmediate,
                            _ => {
                                self.err(
                                    "bad-value",
                                    "`deferrable` is true, false, INITIALLY_IMMEDIATE or INITIALLY_DEFERRED",
                                    ctx.span(e.span()),
                                );
                                Deferrable::NotDeferrable
                            }
                        },
                    }
                }
                "match" => match self.word(ctx, &a.value).map(|w| w.to_ascii_uppercase()) {
                    Some(w) if w == "FULL" => fk.match_full = true,
                    Some(w) if w == "SIMPLE" => fk.match_full = false,
                    _ => self.err(
                        "bad-value",
                        "`match` is FULL or SIMPLE",
                        ctx.span(a.value.span()),
                    ),
                },
                k => self.unknown_attr(ctx, a, k, spec),
            }
        }
        if fk.columns.is_empty() || fk.ref_columns.is_empty() {
            self.err(
                "missing-columns",
                "foreign key needs `columns` and `ref_columns`",
                fk.span.clone(),
            );
            return None;
        }
        if fk.columns.len() != fk.ref_columns.len() {
            self.err(
                "mismatch",
                format!(
                    "foreign key has {} column(s) but {} referenced column(s)",
                    fk.columns.len(),
                    fk.ref_columns.len()
                ),
                fk.span.clone(),
            );
        }
        Some(fk)
    }

    fn read_enum(&mut self, ctx: &Ctx, b: &Block, spec: &'static BlockSpec) {
        let Some((label_schema, name, span)) = self.labels(ctx, b) else {
            return;
        };
        let schema = self.owner_schema(ctx, &b.body, label_schema);
        let mut e = EnumType {
            name: name.clone(),
            span: span.clone(),
            ..EnumType::default()
        };
        for a in b.body.attributes() {
            match a.key.as_str() {
                "schema" => {}
                "values" => match &a.value {
                    Expression::Array(arr) => {
                        for v in arr.iter() {
                            if let Some(v) = self.string(ctx, v) {
                                e.values.push(v);
                            }
                        }
                    }
                    other => self.err(
                        "bad-value",
                        "`values` is a list of strings",
                        ctx.span(other.span()),
                    ),
                },
                "comment" => e.comment = self.string(ctx, &a.value),
                "renamed_from" => e.renamed_from = self.name_or_ref(ctx, &a.value),
                k => self.unknown_attr(ctx, a, k, spec),
            }
        }
        let s = self.out.realm.schema_entry(&schema);
        if s.enums.iter().any(|x| x.name == name) {
            self.err("duplicate", format!("enum `{name}` is defined twice"), span);
            return;
        }
        s.enums.push(e);
    }

    fn read_domain(&mut self, ctx: &Ctx, b: &Block, spec: &'static BlockSpec) {
        let Some((label_schema, name, span)) = self.labels(ctx, b) else {
            return;
        };
        let schema = self.owner_schema(ctx, &b.body, label_schema);
        let mut d = Domain {
            name: name.clone(),
            span: span.clone(),
            ..Domain::default()
        };
        for st in b.body.iter() {
            match st {
                Structure::Attribute(a) => match a.key.as_str() {
                    "schema" => {}
                    "type" => d.ty = self.column_type(ctx, &a.value).unwrap_or_default(),
                    "null" => d.nullable = self.boolean(ctx, &a.value),
                    "default" => d.default = self.default_value(ctx, &a.value),
                    "collate" => d.collation = self.string(ctx, &a.value),
                    "comment" => d.comment = self.string(ctx, &a.value),
                    k => self.unknown_attr(ctx, a, k, spec),
                },
                Structure::Block(c) if c.ident.as_str() == "check" => {
                    if let Some(ck) = self.read_check(ctx, c, spec.child("check")) {
                        d.checks.push(ck);
                    }
                }
                Structure::Block(o) => self.unknown_block(ctx, o, spec),
            }
        }
        let s = self.out.realm.schema_entry(&schema);
        if s.domains.iter().any(|x| x.name == name) {
            self.err(
                "duplicate",
                format!("domain `{name}` is defined twice"),
                span,
            );
            return;
        }
        s.domains.push(d);
    }

    /// Atlas's `sequence "name" { type start increment min_value max_value cache
    /// cycle owner comment }`; options left out take PostgreSQL's defaults.
    fn read_sequence(&mut self, ctx: &Ctx, b: &Block, spec: &'static BlockSpec) {
        let Some((label_schema, name, span)) = self.labels(ctx, b) else {
            return;
        };
        let schema = self.owner_schema(ctx, &b.body, label_schema);
        let mut ty = "bigint".to_string();
        let mut given: Vec<(&'static str, i64)> = Vec::new();
        let mut seq = Sequence {
            name: name.clone(),
            span: span.clone(),
            ..Sequence::default()
        };
        for st in b.body.iter() {
            match st {
                Structure::Attribute(a) => match a.key.as_str() {
                    "schema" => {}
                    "type" | "as" => {
                        ty = self.column_type(ctx, &a.value).unwrap_or_default();
                        if !matches!(ty.as_str(), "smallint" | "integer" | "int" | "bigint") {
                            self.err(
                                "bad-value",
                                "a sequence's type is smallint, integer or bigint",
                                ctx.span(a.value.span()),
                            );
                        }
                    }
                    "cycle" => given.push(("cycle", self.boolean(ctx, &a.value) as i64)),
                    k @ ("start" | "increment" | "min_value" | "max_value" | "cache") => {
                        if let Some(v) = self.integer(ctx, &a.value) {
                            given.push((sequence_option(k), v));
                        }
                    }
                    "owner" | "owned_by" => {
                        let owner = (schema.clone(), name.clone());
                        if let Some((_, t, c)) = self
                            .foreign_column_refs(ctx, &a.value, &owner)
                            .into_iter()
                            .next()
                        {
                            seq.owned_by = Some((t, c));
                        }
                    }
                    "comment" => seq.comment = self.string(ctx, &a.value),
                    k => self.unknown_attr(ctx, a, k, spec),
                },
                Structure::Block(o) => self.unknown_block(ctx, o, spec),
            }
        }
        seq.options = sequence_options(&ty, &given);
        let s = self.out.realm.schema_entry(&schema);
        if s.sequences.iter().any(|x| x.name == name) {
            self.err(
                "duplicate",
                format!("sequence `{name}` is defined twice"),
                span,
            );
            return;
        }
        s.sequences.push(seq);
    }

    fn read_policy(&mut self, ctx: &Ctx, b: &Block, spec: &'static BlockSpec) {
        let Some((_, name, span)) = self.labels(ctx, b) else {
            return;
        };
        let mut pol = Policy {
            name,
            command: "ALL".into(),
            permissive: true,
            span: span.clone(),
            ..Policy::default()
        };
        let mut on = None;
        for a in b.body.attributes() {
            match a.key.as_str() {
                "on" => on = self.table_ref(ctx, &a.value, &(String::new(), String::new())),
                "for" => {
                    pol.command = self
                        .word(ctx, &a.value)
                        .unwrap_or_default()
                        .to_ascii_uppercase()
                }
                "as" => {
                    pol.permissive = !self
                        .word(ctx, &a.value)
                        .is_some_and(|w| w.eq_ignore_ascii_case("RESTRICTIVE"))
                }
                "to" => {
                    if let Expression::Array(arr) = &a.value {
                        for r in arr.iter() {
                            if let Some(w) = self.word(ctx, r) {
                                pol.roles.push(w);
                            }
                        }
                    }
                }
                "using" => pol.using = self.string(ctx, &a.value),
                "check" => pol.check = self.string(ctx, &a.value),
                "comment" => {}
                k => self.unknown_attr(ctx, a, k, spec),
            }
        }
        if pol.roles == ["PUBLIC"] {
            pol.roles.clear();
        }
        match on {
            Some((schema, table)) => self.policies.push((schema, table, pol)),
            None => self.err("missing-on", "policy needs `on = table.x`", span),
        }
    }

    fn read_extension(&mut self, ctx: &Ctx, b: &Block, spec: &'static BlockSpec) {
        let Some((_, name, span)) = self.labels(ctx, b) else {
            return;
        };
        let mut ext = Extension {
            name,
            schema: None,
            span,
        };
        for a in b.body.attributes() {
            match a.key.as_str() {
                "schema" => ext.schema = traversal(&a.value).and_then(|p| p.get(1).cloned()),
                "version" | "comment" => {}
                k => self.unknown_attr(ctx, a, k, spec),
            }
        }
        self.out.realm.extensions.push(ext);
    }

    /// Atlas's structured form (`lang`, `arg`, `return`, `as` body) or `as`
    /// holding a whole `CREATE FUNCTION|PROCEDURE` statement.
    fn read_routine(&mut self, ctx: &Ctx, b: &Block, spec: &'static BlockSpec) {
        let Some((label_schema, name, span)) = self.labels(ctx, b) else {
            return;
        };
        let schema = self.owner_schema(ctx, &b.body, label_schema);
        let procedure = b.ident.as_str() == "procedure";
        let (mut lang, mut ret, mut body, mut extra) =
            (String::from("sql"), None, None, Vec::new());
        let mut args = Vec::new();
        for st in b.body.iter() {
            match st {
                Structure::Attribute(a) => match a.key.as_str() {
                    "schema" => {}
                    "lang" => {
                        lang = self
                            .word(ctx, &a.value)
                            .unwrap_or_default()
                            .to_ascii_lowercase()
                    }
                    "return" => ret = self.column_type(ctx, &a.value),
                    "as" => body = self.string(ctx, &a.value),
                    "volatility" | "security" | "leakproof" | "strict" | "parallel" | "cost"
                    | "rows" => {
                        if let Some(clause) = self.routine_attr(ctx, a) {
                            extra.push(clause);
                        }
                    }
                    k => self.unknown_attr(ctx, a, k, spec),
                },
                Structure::Block(arg) if arg.ident.as_str() == "arg" => {
                    let arg_name = arg.labels.first().map(|l| l.as_str().to_string());
                    let mut ty = None;
                    let mut mode = String::new();
                    for a in arg.body.attributes() {
                        match a.key.as_str() {
                            "type" => ty = self.column_type(ctx, &a.value),
                            "mode" => {
                                mode = format!("{} ", self.word(ctx, &a.value).unwrap_or_default())
                            }
                            k => self.unknown_attr(ctx, a, k, spec.child("arg")),
                        }
                    }
                    let n = arg_name
                        .map(|n| format!("{} ", self.dialect.quote(&n)))
                        .unwrap_or_default();
                    args.push(format!("{mode}{n}{}", ty.unwrap_or_default()));
                }
                Structure::Block(o) => self.unknown_block(ctx, o, spec),
            }
        }
        let Some(body) = body else {
            self.err(
                "missing-as",
                format!("{} `{name}` needs `as`", b.ident.as_str()),
                span,
            );
            return;
        };
        let def = if body
            .trim_start()
            .get(..6)
            .is_some_and(|w| w.eq_ignore_ascii_case("CREATE"))
        {
            body.trim().trim_end_matches(';').to_string()
        } else {
            let kind = if procedure { "PROCEDURE" } else { "FUNCTION" };
            let returns = ret.map(|r| format!(" RETURNS {r}")).unwrap_or_default();
            let extra = extra.iter().map(|e| format!(" {e}")).collect::<String>();
            format!(
                "CREATE OR REPLACE {kind} {}.{}({}){returns} LANGUAGE {lang}{extra} AS $strata$\n{}\n$strata$",
                self.dialect.quote(&schema),
                self.dialect.quote(&name),
                args.join(", "),
                body.trim_end()
            )
        };
        self.out.realm.schema_entry(&schema).routines.push(Routine {
            name,
            args: args.join(", "),
            procedure,
            def,
            comment: None,
            span,
        });
    }

    /// A function attribute as its `CREATE FUNCTION` clause: `security =
    /// DEFINER` is `SECURITY DEFINER`, `parallel = SAFE` is `PARALLEL SAFE`,
    /// `strict = true` is `STRICT`, `cost = 100` is `COST 100`. `None` for a
    /// default that needs no clause, or after reporting a value PostgreSQL
    /// would refuse.
    fn routine_attr(&mut self, ctx: &Ctx, a: &Attribute) -> Option<String> {
        let key = a.key.as_str();
        let (allowed, prefix): (&[&str], &str) = match key {
            "volatility" => (&["VOLATILE", "STABLE", "IMMUTABLE"], ""),
            "security" => (&["INVOKER", "DEFINER"], "SECURITY "),
            "parallel" => (&["UNSAFE", "RESTRICTED", "SAFE"], "PARALLEL "),
            "leakproof" | "strict" => {
                let on = self.boolean(ctx, &a.value);
                return on.then(|| key.to_ascii_uppercase());
            }
            // cost and rows
            _ => {
                let n = self.integer(ctx, &a.value)?;
                return Some(format!("{} {n}", key.to_ascii_uppercase()));
            }
        };
        let word = self.word(ctx, &a.value)?.to_ascii_uppercase();
        if allowed.contains(&word.as_str()) {
            return Some(format!("{prefix}{word}"));
        }
        self.err(
            "bad-value",
            format!("`{key}` is one of {}", allowed.join(", ")),
            ctx.span(a.value.span()),
        );
        None
    }

    /// The SQL spelling of `enum.name`: qualified when the schema is named.
    fn enum_type_name(&self, schema: Option<&String>, name: &str) -> String {
        match schema {
            Some(s) => format!("{}.{}", self.dialect.quote(s), self.dialect.quote(name)),
            None => self.dialect.quote(name),
        }
    }

    fn read_check(&mut self, ctx: &Ctx, b: &Block, spec: &'static BlockSpec) -> Option<Check> {
        let name = b.labels.first().map(|l| l.as_str().to_string());
        let span = b
            .labels
            .first()
            .and_then(|l| ctx.span(l.span()))
            .or(ctx.span(b.ident.span()));
        let mut expr = None;
        for a in b.body.attributes() {
            match a.key.as_str() {
                "expr" => expr = self.string(ctx, &a.value),
                k => self.unknown_attr(ctx, a, k, spec),
            }
        }
        match expr {
            Some(expr) => Some(Check { name, expr, span }),
            None => {
                self.err("missing-expr", "check needs `expr = \"…\"`", span);
                None
            }
        }
    }

    fn read_view(&mut self, ctx: &Ctx, b: &Block, spec: &'static BlockSpec) {
        let Some((label_schema, name, span)) = self.labels(ctx, b) else {
            return;
        };
        let schema = self.owner_schema(ctx, &b.body, label_schema);
        let mut v = View {
            name: name.clone(),
            span: span.clone(),
            ..View::default()
        };
        v.attrs
            .set_flag("materialized", b.ident.as_str() == "materialized");
        let mut def = None;
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "schema" => {}
                    "as" => def = self.string(ctx, &a.value),
                    "comment" => v.comment = self.string(ctx, &a.value),
                    "renamed_from" => v.renamed_from = self.name_or_ref(ctx, &a.value),
                    "depends_on" => {
                        if let Expression::Array(arr) = &a.value {
                            for e in arr.iter() {
                                self.table_ref(ctx, e, &(schema.clone(), name.clone()));
                            }
                        }
                    }
                    k => {
                        if !self.dialect_attr(ctx, a, "view", k, &mut v.attrs) {
                            self.unknown_attr(ctx, a, k, spec)
                        }
                    }
                },
                // Column blocks document the view's shape; the query decides it.
                Structure::Block(c) if c.ident.as_str() == "column" => {}
                Structure::Block(c) if c.ident.as_str() == "index" && spec.has_block("index") => {
                    // The view's columns come from its query, which the dev
                    // database checks; `column.x` here is not resolved.
                    let pending = self.pending.len();
                    let idx = self.read_index(
                        ctx,
                        c,
                        &(schema.clone(), name.clone()),
                        spec.child("index"),
                    );
                    self.pending.truncate(pending);
                    v.indexes.extend(idx);
                }
                Structure::Block(c) => self.unknown_block(ctx, c, spec),
            }
        }
        match def {
            Some(d) => v.def = d.trim().trim_end_matches(';').trim_end().to_string(),
            None => {
                self.err(
                    "missing-as",
                    format!("view `{name}` needs `as = <<-SQL … SQL`"),
                    span,
                );
                return;
            }
        }
        if !self
            .names
            .insert((schema.clone(), name.to_ascii_lowercase()))
        {
            self.err("duplicate", format!("`{name}` is defined twice"), span);
            return;
        }
        let s = self.out.realm.schema_entry(&schema);
        s.views.push(v);
    }

    /// A trigger is either `as` holding a whole `CREATE TRIGGER` statement, or
    /// Atlas's form: `on`, a `before`/`after`/`instead_of` block with the events,
    /// `for = ROW`, an optional `when`, and `as` holding the `BEGIN … END` body.
    fn read_trigger(&mut self, ctx: &Ctx, b: &Block, spec: &'static BlockSpec) {
        let Some((label_schema, name, span)) = self.labels(ctx, b) else {
            return;
        };
        let schema = self.owner_schema(ctx, &b.body, label_schema);
        let mut on = None;
        let mut body = None;
        let mut timing = None;
        let mut events = Vec::new();
        let mut when = None;
        let mut for_row = false;
        let mut execute: Option<String> = None;
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "schema" => {}
                    "on" => on = self.table_ref(ctx, &a.value, &(schema.clone(), name.clone())),
                    "as" => body = self.string(ctx, &a.value),
                    "when" => when = self.string(ctx, &a.value),
                    "for" | "foreach" => {
                        for_row = self
                            .word(ctx, &a.value)
                            .is_some_and(|w| w.eq_ignore_ascii_case("ROW"))
                    }
                    k => self.unknown_attr(ctx, a, k, spec),
                },
                Structure::Block(t) if t.ident.as_str() == "execute" => {
                    for a in t.body.attributes() {
                        match (a.key.as_str(), traversal(&a.value).as_deref()) {
                            ("function", Some([_, f])) => execute = Some(self.dialect.quote(f)),
                            ("function", Some([_, sch, f])) => {
                                execute = Some(format!(
                                    "{}.{}",
                                    self.dialect.quote(sch),
                                    self.dialect.quote(f)
                                ))
                            }
                            ("function", _) => self.err(
                                "bad-reference",
                                "expected a function reference such as `function.notify`",
                                ctx.span(a.value.span()),
                            ),
                            (k, _) => self.unknown_attr(ctx, a, k, spec.child("execute")),
                        }
                    }
                }
                Structure::Block(t) => {
                    let kw = match t.ident.as_str() {
                        "before" => "BEFORE",
                        "after" => "AFTER",
                        "instead_of" => "INSTEAD OF",
                        _ => {
                            self.unknown_block(ctx, t, spec);
                            continue;
                        }
                    };
                    timing = Some(kw);
                    for a in t.body.attributes() {
                        match a.key.as_str() {
                            "insert" | "delete" | "update" | "truncate"
                                if self.boolean(ctx, &a.value) =>
                            {
                                events.push(a.key.as_str().to_ascii_uppercase())
                            }
                            "insert" | "delete" | "update" | "truncate" => {}
                            "update_of" => {
                                let cols = self.foreign_column_refs(
                                    ctx,
                                    &a.value,
                                    &(schema.clone(), name.clone()),
                                );
                                let cols: Vec<_> =
                                    cols.iter().map(|(_, _, c)| self.dialect.quote(c)).collect();
                                events.push(format!("UPDATE OF {}", cols.join(", ")));
                            }
                            k => self.unknown_attr(ctx, a, k, spec.child(t.ident.as_str())),
                        }
                    }
                }
            }
        }
        let body = body.or_else(|| execute.map(|f| format!("EXECUTE FUNCTION {f}()")));
        let Some(body) = body else {
            self.err("missing-as", format!("trigger `{name}` needs `as`"), span);
            return;
        };
        let body = body.trim().trim_end_matches(';').trim_end().to_string();
        let starts_create = body
            .split_whitespace()
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("CREATE"));
        let (table, def) = if starts_create {
            let table = on
                .map(|(_, t)| t)
                .or_else(|| crate::sql::lex::trigger_table(&body));
            (table, body)
        } else {
            let Some((_, table)) = on.clone() else {
                self.err(
                    "missing-on",
                    format!("trigger `{name}` needs `on = table.x`"),
                    span,
                );
                return;
            };
            let Some(timing) = timing else {
                self.err(
                    "missing-event",
                    format!("trigger `{name}` needs a `before`, `after` or `instead_of` block"),
                    span,
                );
                return;
            };
            let q = |s: &str| self.dialect.quote(s);
            // A PostgreSQL trigger lives in its table's schema: name the table
            // with it, so a schema other than `public` works too.
            let on_table = if self.dialect.rules().schemas_are_objects {
                format!("{}.{}", q(&schema), q(&table))
            } else {
                q(&table)
            };
            let mut def = format!(
                "CREATE TRIGGER {} {timing} {} ON {on_table}",
                q(&name),
                events.join(" OR "),
            );
            if for_row {
                def.push_str(" FOR EACH ROW");
            }
            if let Some(w) = when {
                // PostgreSQL requires the parentheses; SQLite accepts them.
                def.push_str(&format!(" WHEN ({w})"));
            }
            def.push('\n');
            def.push_str(&body);
            (Some(table), def)
        };
        let table = table.unwrap_or_default();
        // SQLite names triggers per schema, PostgreSQL per table.
        let per_table = self.dialect.rules().triggers_per_table;
        let s = self.out.realm.schema_entry(&schema);
        if s.triggers
            .iter()
            .any(|t| t.name == name && (!per_table || t.table == table))
        {
            self.err(
                "duplicate",
                format!("trigger `{name}` is defined twice"),
                span,
            );
            return;
        }
        s.triggers.push(Trigger {
            comment: None,
            name,
            table,
            def,
            span,
        });
    }

    // ----- values -----

    fn string(&mut self, ctx: &Ctx, e: &Expression) -> Option<String> {
        match e {
            Expression::String(s) => Some(s.to_string()),
            Expression::HeredocTemplate(h) => {
                let mut text = String::new();
                for el in h.template.iter() {
                    match el {
                        Element::Literal(l) => text.push_str(l),
                        _ => {
                            self.err(
                                "bad-value",
                                "interpolation is not supported here",
                                ctx.span(h.span()),
                            );
                            return None;
                        }
                    }
                }
                // hcl-edit has already removed a `<<-` heredoc's indentation.
                Some(text)
            }
            Expression::StringTemplate(_) => {
                self.err(
                    "bad-value",
                    "interpolation is not supported in schema files",
                    ctx.span(e.span()),
                );
                None
            }
            other => {
                self.err("bad-value", "expected a string", ctx.span(other.span()));
                None
            }
        }
    }

    /// An integer such as `10` or `-100`.
    fn integer(&mut self, ctx: &Ctx, e: &Expression) -> Option<i64> {
        let value = match e {
            Expression::Number(n) => n.as_i64(),
            Expression::UnaryOp(u) if u.operator.value() == &hcl_edit::expr::UnaryOperator::Neg => {
                match &u.expr {
                    Expression::Number(n) => n.as_i64().map(|v| -v),
                    _ => None,
                }
            }
            _ => None,
        };
        if value.is_none() {
            self.err("bad-value", "expected an integer", ctx.span(e.span()));
        }
        value
    }

    fn boolean(&mut self, ctx: &Ctx, e: &Expression) -> bool {
        match e {
            Expression::Bool(b) => *b.value(),
            other => {
                self.err(
                    "bad-value",
                    "expected `true` or `false`",
                    ctx.span(other.span()),
                );
                false
            }
        }
    }

    /// A bare word such as `CASCADE` or `STORED` (a quoted string works too).
    fn word(&mut self, ctx: &Ctx, e: &Expression) -> Option<String> {
        match e {
            Expression::Variable(v) => Some(v.as_str().to_string()),
            Expression::String(s) => Some(s.to_string()),
            other => {
                self.err("bad-value", "expected a word", ctx.span(other.span()));
                None
            }
        }
    }

    /// `renamed_from = "old"` or `renamed_from = column.old`: only the name counts.
    fn name_or_ref(&mut self, ctx: &Ctx, e: &Expression) -> Option<String> {
        match traversal(e) {
            Some(path) if path.len() >= 2 => path.last().cloned(),
            _ => self.string(ctx, e),
        }
    }

    /// `[column.a, column.b]`: names of columns in the owning table.
    fn column_refs(&mut self, ctx: &Ctx, e: &Expression, owner: &(String, String)) -> Vec<String> {
        let items: Vec<&Expression> = match e {
            Expression::Array(a) => a.iter().collect(),
            single => vec![single],
        };
        let mut out = Vec::new();
        for item in items {
            let span = ctx.span(item.span());
            match traversal(item) {
                Some(path) if path.len() == 2 && path[0] == "column" => {
                    self.pending.push(Pending {
                        owner: owner.clone(),
                        path: path.clone(),
                        span: span.unwrap(),
                        kind: Expect::Column,
                    });
                    out.push(path[1].clone());
                }
                Some(path) if path.first().is_some_and(|p| p == "table") && path.len() >= 4 => {
                    self.pending.push(Pending {
                        owner: owner.clone(),
                        path: path.clone(),
                        span: span.unwrap(),
                        kind: Expect::Column,
                    });
                    out.push(path.last().unwrap().clone());
                }
                _ => self.err(
                    "bad-reference",
                    "expected a column reference such as `column.id`",
                    span,
                ),
            }
        }
        out
    }

    /// `[table.users.column.id]`: (schema, table, column) of each referenced column.
    fn foreign_column_refs(
        &mut self,
        ctx: &Ctx,
        e: &Expression,
        owner: &(String, String),
    ) -> Vec<(String, String, String)> {
        let items: Vec<&Expression> = match e {
            Expression::Array(a) => a.iter().collect(),
            single => vec![single],
        };
        let mut out = Vec::new();
        for item in items {
            let span = ctx.span(item.span());
            let Some(path) = traversal(item) else {
                self.err(
                    "bad-reference",
                    "expected a reference such as `table.users.column.id`",
                    span,
                );
                continue;
            };
            let target = match path
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
            {
                ["column", c] => Some((owner.0.clone(), owner.1.clone(), c.to_string())),
                ["table", t, "column", c] => Some((String::new(), t.to_string(), c.to_string())),
                ["table", s, t, "column", c] => Some((s.to_string(), t.to_string(), c.to_string())),
                _ => None,
            };
            match target {
                Some(t) => {
                    self.pending.push(Pending {
                        owner: owner.clone(),
                        path: path.clone(),
                        span: span.unwrap(),
                        kind: Expect::Column,
                    });
                    out.push(t);
                }
                None => self.err(
                    "bad-reference",
                    "expected a reference such as `table.users.column.id`",
                    span,
                ),
            }
        }
        out
    }

    /// `table.users` or `table.main.users`: (schema, table).
    fn table_ref(
        &mut self,
        ctx: &Ctx,
        e: &Expression,
        owner: &(String, String),
    ) -> Option<(String, String)> {
        let span = ctx.span(e.span());
        let path = traversal(e);
        let target = match path.as_deref() {
            Some([t, name]) if t == "table" || t == "view" => Some((String::new(), name.clone())),
            Some([t, s, name]) if t == "table" || t == "view" => Some((s.clone(), name.clone())),
            _ => None,
        };
        match target {
            Some(t) => {
                self.pending.push(Pending {
                    owner: owner.clone(),
                    path: path.unwrap(),
                    span: span.unwrap(),
                    kind: Expect::Table,
                });
                Some(t)
            }
            None => {
                self.err(
                    "bad-reference",
                    "expected a table reference such as `table.users`",
                    span,
                );
                None
            }
        }
    }

    // ----- resolution -----

    /// A reference that points at nothing, as the resolver words it.
    fn unresolved(&mut self, e: resolve::Unresolved, span: Span) {
        let mut d = Diagnostic::error("unresolved", e.message, Some(span));
        d.help = e.help;
        self.out.diagnostics.push(d);
    }

    fn resolve(&mut self) {
        // Schemas referenced by `schema = schema.x` must be declared.
        let declared = self.explicit_schemas.iter().map(String::as_str);
        let mut unknown_schema = Vec::new();
        for r in &self.out.references {
            if let Some(Target::Schema(s)) = &r.target {
                if let Err(e) = resolve::schema(declared.clone(), s, |a, b| a == b) {
                    unknown_schema.push((e, r.span.clone()));
                }
            }
        }
        for (e, span) in unknown_schema {
            self.unresolved(e, span);
        }
        let pending = std::mem::take(&mut self.pending);
        let index = TableIndex::new(&self.out.realm);
        for p in pending {
            let text = p.path.join(".");
            let resolved = match p.kind {
                Expect::Column => index.column(&p.owner, &p.path),
                Expect::Table => index.table(&p.owner, &p.path).map(|(s, t)| Target::Table {
                    schema: s,
                    table: t,
                }),
            };
            match resolved {
                Ok(target) => {
                    self.out.references.push(Reference {
                        span: p.span,
                        target: Some(target),
                        text,
                    });
                }
                Err(e) => {
                    self.unresolved(e, p.span.clone());
                    self.out.references.push(Reference {
                        span: p.span,
                        target: None,
                        text,
                    });
                }
            }
        }
        for (schema, table, pol) in std::mem::take(&mut self.policies) {
            let target = self
                .out
                .realm
                .schemas
                .iter_mut()
                .filter(|s| schema.is_empty() || s.name == schema)
                .find_map(|s| s.tables.iter_mut().find(|t| t.name == table));
            if let Some(t) = target {
                t.policies.push(pol);
            }
        }
        if self.vocab.type_refs {
            qualify_type_refs(&mut self.out.realm, self.dialect);
        }
        // Now that names are known, put each FK's schema in place.
        for s in &mut self.out.realm.schemas {
            let sname = s.name.clone();
            for t in &mut s.tables {
                for fk in &mut t.foreign_keys {
                    if fk.ref_schema.as_deref().is_none_or(str::is_empty) {
                        fk.ref_schema = index.schema_of(&sname, &fk.ref_table);
                    }
                }
            }
        }
    }
}

/// Names the enums and domains of the realm with their schema wherever a
/// column or domain uses one (`enum.status`, `sql("status[]")`): the dev
/// database finds an unqualified type only in `public`, so a type of another
/// schema must be spelled `"app"."status"`.
fn qualify_type_refs(realm: &mut Realm, dialect: Dialect) {
    let mut types: HashMap<String, Vec<String>> = HashMap::new();
    for s in &realm.schemas {
        for name in s
            .enums
            .iter()
            .map(|e| &e.name)
            .chain(s.domains.iter().map(|d| &d.name))
        {
            types.entry(name.clone()).or_default().push(s.name.clone());
        }
    }
    if types.is_empty() {
        return;
    }
    for s in &mut realm.schemas {
        let own = s.name.clone();
        for c in s.tables.iter_mut().flat_map(|t| t.columns.iter_mut()) {
            if let Some(q) = qualified_type(&c.ty, &own, &types, dialect) {
                c.ty = q;
            }
        }
        for d in &mut s.domains {
            if let Some(q) = qualified_type(&d.ty, &own, &types, dialect) {
                d.ty = q;
            }
        }
    }
}

/// `"status"[]` → `"app"."status"[]` when `status` is a type of the realm
/// (of the column's own schema first, else of the only or `public` schema);
/// `None` for other types and names already qualified.
fn qualified_type(
    ty: &str,
    own: &str,
    types: &HashMap<String, Vec<String>>,
    dialect: Dialect,
) -> Option<String> {
    let (base, suffix) = ty.split_at(ty.find('[').unwrap_or(ty.len()));
    let base = base.trim();
    let name = match base.strip_prefix('"').and_then(|b| b.strip_suffix('"')) {
        Some(inner) if !inner.contains('"') => inner.to_string(),
        Some(_) => return None,
        None if crate::sql::lex::is_plain_ident(base) => base.to_ascii_lowercase(),
        None => return None,
    };
    let schemas = types.get(&name)?;
    let schema = if schemas.iter().any(|s| s == own) {
        own
    } else if schemas.len() == 1 {
        &schemas[0]
    } else if schemas.iter().any(|s| s == "public") {
        "public"
    } else {
        &schemas[0]
    };
    let q = |s: &str| dialect.quote(s);
    Some(format!("{}.{}{}", q(schema), q(&name), suffix.trim()))
}

/// A table's columns; a partition's (`partition_of = table.x`, no columns
/// of its own) are its parent's, which its own indexes and keys name.
fn partition_columns<'a>(realm: &'a Realm, mut t: &'a Table) -> Vec<String> {
    for _ in 0..8 {
        let parent = match t.attrs.0.get("partition_of") {
            Some(AttrValue::Str(p)) if t.columns.is_empty() => p.split_once('.'),
            _ => None,
        };
        match parent.and_then(|(s, n)| realm.schema(s)?.table(n)) {
            Some(p) => t = p,
            None => break,
        }
    }
    t.columns.iter().map(|c| c.name.clone()).collect()
}

/// Names of tables and their columns, for resolving references through
/// [`crate::resolve`].
struct TableIndex {
    /// (schema, name, columns) of every table and view.
    rels: Vec<(String, String, Vec<String>)>,
    by_name: HashMap<String, Vec<usize>>,
}

impl resolve::Names for TableIndex {
    type Rel = usize;

    fn relations<'s>(&'s self, name: &str) -> impl Iterator<Item = (usize, &'s str)> + 's {
        self.by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| (i, self.rels[i].0.as_str()))
    }

    fn relation_names(&self) -> Vec<&str> {
        self.by_name.keys().map(String::as_str).collect()
    }

    fn has_column(&self, rel: usize, column: &str) -> bool {
        self.rels[rel].2.iter().any(|c| c == column)
    }

    fn column_names(&self, rel: usize) -> Vec<&str> {
        self.rels[rel].2.iter().map(String::as_str).collect()
    }
}

impl TableIndex {
    fn new(realm: &Realm) -> TableIndex {
        let mut ix = TableIndex {
            rels: Vec::new(),
            by_name: HashMap::new(),
        };
        let mut add = |schema: &str, name: &str, cols: Vec<String>| {
            ix.by_name
                .entry(name.to_string())
                .or_default()
                .push(ix.rels.len());
            ix.rels.push((schema.to_string(), name.to_string(), cols));
        };
        for s in &realm.schemas {
            for t in &s.tables {
                add(&s.name, &t.name, partition_columns(realm, t));
            }
            for v in &s.views {
                add(&s.name, &v.name, Vec::new());
            }
        }
        ix
    }

    fn schema_of(&self, from_schema: &str, table: &str) -> Option<String> {
        let c = self.by_name.get(table)?;
        c.iter()
            .map(|&i| &self.rels[i].0)
            .find(|s| *s == from_schema)
            .or(c.first().map(|&i| &self.rels[i].0))
            .cloned()
    }

    fn column(
        &self,
        owner: &(String, String),
        path: &[String],
    ) -> Result<Target, resolve::Unresolved> {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        let (schema, table, column) = match p.as_slice() {
            ["column", c] => (Some(owner.0.as_str()), owner.1.as_str(), *c),
            ["table", t, "column", c] => (None, *t, *c),
            ["table", s, t, "column", c] => (Some(*s), *t, *c),
            _ => {
                return Err(resolve::Unresolved {
                    message: format!("`{}` is not a column reference", path.join(".")),
                    help: None,
                    ambiguous: false,
                })
            }
        };
        let rels = resolve::relation(self, schema, table, &owner.0)?;
        resolve::column(self, &rels[..1], table, column)?;
        Ok(Target::Column {
            schema: self.rels[rels[0]].0.clone(),
            table: table.to_string(),
            column: column.to_string(),
        })
    }

    fn table(
        &self,
        owner: &(String, String),
        path: &[String],
    ) -> Result<(String, String), resolve::Unresolved> {
        let (schema, table) = match path {
            [_, t] => (None, t.as_str()),
            [_, s, t] => (Some(s.as_str()), t.as_str()),
            _ => {
                return Err(resolve::Unresolved {
                    message: format!("`{}` is not a table reference", path.join(".")),
                    help: None,
                    ambiguous: false,
                })
            }
        };
        let rels = resolve::relation(self, schema, table, &owner.0)?;
        Ok((self.rels[rels[0]].0.clone(), table.to_string()))
    }
}

/// `a.b.c` as a list of names, for plain variable traversals. A step may also
/// be the index form `a["b c"]`, which the writer uses for names that are not
/// HCL identifiers; both spellings (and mixes) name the same thing.
fn traversal(e: &Expression) -> Option<Vec<String>> {
    match e {
        Expression::Variable(v) => Some(vec![v.as_str().to_string()]),
        Expression::Traversal(t) => {
            let mut path = traversal(&t.expr)?;
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(id) => path.push(id.as_str().to_string()),
                    TraversalOperator::Index(Expression::String(s)) => {
                        path.push(s.value().to_string())
                    }
                    _ => return None,
                }
            }
            Some(path)
        }
        _ => None,
    }
}

/// The option name as [`SequenceOptions::set`] knows it.
fn sequence_option(k: &str) -> &'static str {
    match k {
        "start" => "start",
        "increment" => "increment",
        "min_value" => "min_value",
        "max_value" => "max_value",
        "cache" => "cache",
        _ => "cycle",
    }
}

/// PostgreSQL's defaults for `ty` and the step, overridden by what was written.
fn sequence_options(ty: &str, given: &[(&'static str, i64)]) -> SequenceOptions {
    let increment = given
        .iter()
        .find(|(k, _)| *k == "increment")
        .map_or(1, |(_, v)| *v);
    let mut o = SequenceOptions::defaults(ty, increment);
    for (k, v) in given {
        o.set(k, *v);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_one(text: &str) -> HclSchema {
        read(&[SourceFile::new("schema.hcl", text)], Dialect::Sqlite)
    }

    fn errors(s: &HclSchema) -> Vec<String> {
        s.diagnostics.iter().map(|d| d.message.clone()).collect()
    }

    const USERS: &str = r#"
schema "main" {}

table "users" {
  schema = schema.main
  column "id" {
    type = integer
    auto_increment = true
  }
  column "email" {
    type = varchar(255)
    null = true
    default = "x@y"
  }
  column "n" {
    type = sql("unsigned big int")
    default = sql("(1 + 1)")
    as {
      expr = "id * 2"
      type = STORED
    }
  }
  primary_key {
    columns = [column.id]
  }
  index "by_email" {
    unique = true
    columns = [column.email]
    where = "email <> ''"
  }
  index "expr" {
    on {
      expr = "lower(email)"
      desc = true
    }
  }
  check "positive" {
    expr = "id > 0"
  }
  strict = true
}

table "posts" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "author" {
    type = integer
  }
  foreign_key "author_fk" {
    columns = [column.author]
    ref_columns = [table.users.column.id]
    on_delete = CASCADE
  }
}
"#;

    #[test]
    fn reads_tables_columns_and_constraints() {
        let s = read_one(USERS);
        assert_eq!(errors(&s), Vec::<String>::new());
        let main = s.realm.schema("main").unwrap();
        let users = main.table("users").unwrap();
        let id = users.column("id").unwrap();
        assert_eq!(
            (id.ty.as_str(), id.nullable, id.auto_increment),
            ("integer", false, true)
        );
        let email = users.column("email").unwrap();
        assert_eq!(email.ty, "varchar(255)");
        assert_eq!(email.default.as_deref(), Some("'x@y'"));
        assert!(email.nullable);
        let n = users.column("n").unwrap();
        assert_eq!(n.ty, "unsigned big int");
        assert_eq!(
            n.generated,
            Some(Generated {
                expr: "id * 2".into(),
                stored: true
            })
        );
        assert_eq!(
            users.index("by_email").unwrap().predicate.as_deref(),
            Some("email <> ''")
        );
        let expr = &users.index("expr").unwrap().parts[0];
        assert_eq!(expr.key, IndexKey::Expr("lower(email)".into()));
        assert!(expr.desc);
        assert!(users.attrs.flag("strict"));
        let fk = &main.table("posts").unwrap().foreign_keys[0];
        assert_eq!(fk.ref_table, "users");
        assert_eq!(fk.ref_schema.as_deref(), Some("main"));
        assert_eq!(fk.on_delete, RefAction::Cascade);
    }

    #[test]
    fn spans_point_at_labels() {
        let s = read_one(USERS);
        let users = s.realm.schema("main").unwrap().table("users").unwrap();
        let span = users.column("email").unwrap().span.clone().unwrap();
        assert_eq!(&USERS[span.start..span.end], "\"email\"");
        // The FK's reference to users.id is recorded as resolved.
        let r = s
            .references
            .iter()
            .find(|r| r.text == "table.users.column.id")
            .unwrap();
        assert_eq!(
            r.target,
            Some(Target::Column {
                schema: "main".into(),
                table: "users".into(),
                column: "id".into()
            })
        );
    }

    #[test]
    fn reports_unresolved_references_and_unknown_attributes() {
        let s = read_one(
            r#"
schema "main" {}
table "t" {
  schema = schema.main
  column "a" {
    type = int
    colour = "red"
  }
  primary_key {
    columns = [column.b]
  }
  foreign_key "f" {
    columns = [column.a]
    ref_columns = [table.nope.column.id]
  }
}
"#,
        );
        let errs = errors(&s);
        assert!(
            errs.contains(&"unknown attribute `colour` in `column` block".to_string()),
            "{errs:?}"
        );
        assert!(
            errs.contains(&"table `t` has no column `b`".to_string()),
            "{errs:?}"
        );
        assert!(
            errs.contains(&"table `nope` is not defined".to_string()),
            "{errs:?}"
        );
    }

    #[test]
    fn one_broken_block_does_not_hide_the_others() {
        let text = "schema \"main\" {}\ntable \"a\" {\n  schema = schema.main\n  column \"x\" {\n    type = \n}\ntable \"b\" {\n  schema = schema.main\n  column \"y\" {\n    type = int\n  }\n}\n";
        let s = read_one(text);
        assert!(s.diagnostics.iter().any(|d| d.code == "syntax"));
        assert!(s.realm.schema("main").unwrap().table("b").is_some());
    }

    #[test]
    fn references_resolve_in_dot_index_and_mixed_forms() {
        let s = read_one(
            "schema \"main\" {}\ntable \"p q\" {\n  schema = schema[\"main\"]\n  column \"id\" {\n    type = int\n  }\n  column \"k\" {\n    type = int\n  }\n}\ntable \"c\" {\n  schema = schema.main\n  column \"a b\" {\n    type = int\n  }\n  column \"z\" {\n    type = int\n  }\n  foreign_key \"f1\" {\n    columns = [column[\"a b\"], column.z]\n    ref_columns = [table[\"p q\"].column.id, table[\"p q\"].column[\"k\"]]\n  }\n}\n",
        );
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
        let fk = &s
            .realm
            .schema("main")
            .unwrap()
            .table("c")
            .unwrap()
            .foreign_keys[0];
        assert_eq!(fk.columns, ["a b", "z"]);
        assert_eq!(fk.ref_table, "p q");
        assert_eq!(fk.ref_columns, ["id", "k"]);
        let bad = read_one("schema \"main\" {}\ntable \"t\" {\n  schema = schema.main\n  column \"a\" {\n    type = int\n  }\n  index \"i\" {\n    columns = [column[\"nope\"]]\n  }\n}\n");
        assert!(
            !bad.diagnostics.is_empty(),
            "an unknown indexed name is reported"
        );
    }

    #[test]
    fn references_resolve_across_files() {
        let a = SourceFile::new("a.hcl", "schema \"main\" {}\ntable \"p\" {\n  schema = schema.main\n  column \"id\" {\n    type = int\n  }\n}\n");
        let b = SourceFile::new(
            "b.hcl",
            "table \"c\" {\n  schema = schema.main\n  column \"p\" {\n    type = int\n  }\n  foreign_key \"fk\" {\n    columns = [column.p]\n    ref_columns = [table.p.column.id]\n  }\n}\n",
        );
        let s = read(&[a, b], Dialect::Sqlite);
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    }

    #[test]
    fn trigger_in_atlas_form_becomes_a_statement() {
        let s = read_one(
            "schema \"main\" {}\ntable \"t\" {\n  schema = schema.main\n  column \"a\" {\n    type = int\n  }\n}\ntrigger \"tg\" {\n  on = table.t\n  after {\n    insert = true\n  }\n  for = ROW\n  as = <<-SQL\n    BEGIN\n      SELECT 1;\n    END\n  SQL\n}\n",
        );
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
        let tg = &s.realm.schema("main").unwrap().triggers[0];
        assert_eq!(tg.table, "t");
        assert_eq!(
            tg.def,
            "CREATE TRIGGER \"tg\" AFTER INSERT ON \"t\" FOR EACH ROW\nBEGIN\n  SELECT 1;\nEND"
        );
    }

    #[test]
    fn function_attributes_become_their_clauses() {
        let pg = |text: &str| read(&[SourceFile::new("f.pg.hcl", text)], Dialect::Postgres);
        let s = pg("schema \"public\" {}\nfunction \"f\" {\n  schema = schema.public\n  lang = SQL\n  return = int\n  as = \"SELECT 1\"\n  volatility = IMMUTABLE\n  security = DEFINER\n  parallel = SAFE\n  strict = true\n  leakproof = false\n  cost = 5\n}\n");
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
        let def = &s.realm.schema("public").unwrap().routines[0].def;
        assert!(
            def.contains("LANGUAGE sql IMMUTABLE SECURITY DEFINER PARALLEL SAFE STRICT COST 5 AS"),
            "{def}"
        );
        let s = pg("schema \"public\" {}\nfunction \"f\" {\n  schema = schema.public\n  return = int\n  as = \"SELECT 1\"\n  security = OWNER\n}\n");
        assert_eq!(errors(&s), ["`security` is one of INVOKER, DEFINER"]);
    }

    #[test]
    fn enum_and_domain_types_are_named_with_their_schema() {
        let s = read(
            &[SourceFile::new(
                "t.pg.hcl",
                "schema \"app\" {}\nenum \"status\" {\n  schema = schema.app\n  values = [\"a\", \"b\"]\n}\ndomain \"code\" {\n  schema = schema.app\n  type = text\n}\ntable \"users\" {\n  schema = schema.app\n  column \"s\" {\n    type = enum.status\n  }\n  column \"many\" {\n    type = sql(\"status[]\")\n  }\n  column \"c\" {\n    type = domain.code\n  }\n  column \"n\" {\n    type = int\n  }\n}\n",
            )],
            Dialect::Postgres,
        );
        assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
        let t = &s.realm.schema("app").unwrap().tables[0];
        let types: Vec<&str> = t.columns.iter().map(|c| c.ty.as_str()).collect();
        assert_eq!(
            types,
            [
                "\"app\".\"status\"",
                "\"app\".\"status\"[]",
                "\"app\".\"code\"",
                "int"
            ]
        );
    }

    /// The vocabulary and the reader agree: every attribute and block a
    /// dialect's vocabulary lists, at every depth, is read, never reported
    /// as unknown (completion would otherwise offer what the CLI refuses).
    #[test]
    fn the_reader_reads_everything_the_vocabulary_lists() {
        use crate::hcl::vocab::{BlockSpec, Labels, Value};
        fn sample(v: Value) -> String {
            match v {
                Value::Bool => "true".into(),
                Value::Int => "1".into(),
                Value::Str | Value::Sql | Value::Name => "\"x\"".into(),
                Value::Strings => "[\"x\"]".into(),
                Value::Word(w) => w[0].into(),
                Value::Type => "integer".into(),
                Value::Default => "0".into(),
                Value::Columns => "[column.a]".into(),
                Value::ForeignColumns => "[table.t.column.a]".into(),
                Value::Relation => "table.t".into(),
                Value::Schema => "schema.s".into(),
            }
        }
        fn open(b: &BlockSpec) -> String {
            match b.labels {
                Labels::None => format!("{} {{\n", b.name),
                _ => format!("{} \"n\" {{\n", b.name),
            }
        }
        /// One file per attribute and per nested block, inside its parents.
        fn walk(path: &[&BlockSpec], out: &mut Vec<String>) {
            let b = *path.last().unwrap();
            let wrap = |inner: String| {
                let mut text: String = path.iter().map(|p| open(p)).collect();
                text.push_str(&inner);
                text.push_str(&"}\n".repeat(path.len()));
                text
            };
            for a in b.attrs() {
                out.push(wrap(format!("{} = {}\n", a.name, sample(a.value))));
            }
            for c in b.blocks {
                out.push(wrap(format!("{}}}\n", open(c))));
                let mut deeper = path.to_vec();
                deeper.push(c);
                walk(&deeper, out);
            }
        }
        for d in Dialect::all() {
            let mut files = Vec::new();
            for b in d.rules().vocab.blocks {
                files.push(format!("{}}}\n", open(b)));
                walk(&[b], &mut files);
            }
            assert!(files.len() > 40, "{d:?}: {}", files.len());
            for text in files {
                let s = read(&[SourceFile::new("v.hcl", text.as_str())], d);
                let unknown: Vec<_> = s
                    .diagnostics
                    .iter()
                    .filter(|x| matches!(x.code, "unknown-attribute" | "unknown-block" | "dialect"))
                    .map(|x| x.message.clone())
                    .collect();
                assert!(unknown.is_empty(), "{d:?}:\n{text}{unknown:?}");
            }
        }
    }

    #[test]
    fn unknown_names_suggest_the_dialects_nearest() {
        let s = read_one("table \"t\" {\n  column \"a\" {\n    type = int\n    nul = true\n  }\n  unlogged = true\n}\n");
        let d: Vec<_> = s
            .diagnostics
            .iter()
            .map(|d| (d.message.as_str(), d.help.as_deref()))
            .collect();
        assert_eq!(
            d,
            [
                (
                    "unknown attribute `nul` in `column` block",
                    Some("did you mean `null`?")
                ),
                // PostgreSQL's, not SQLite's: no suggestion to force it.
                ("unknown attribute `unlogged` in `table` block", None),
            ]
        );
        let s = read_one("tabel \"t\" {}\nmaterialized \"m\" {}\n");
        let d: Vec<_> = s
            .diagnostics
            .iter()
            .map(|d| (d.code, d.message.as_str(), d.help.as_deref()))
            .collect();
        assert_eq!(
            d,
            [
                (
                    "unknown-block",
                    "unknown block `tabel`",
                    Some("did you mean `table`?")
                ),
                (
                    "dialect",
                    "`materialized` blocks need PostgreSQL",
                    Some("name the file *.pg.hcl, or point the env's url at a PostgreSQL database")
                ),
            ]
        );
    }
}
