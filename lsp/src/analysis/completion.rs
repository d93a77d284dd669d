//! Completion: block and attribute names by context (with snippets), the
//! dialect's types after `type =`, references (`column.`, `table.x.column.`),
//! table and column names after SQL `REFERENCES`/`ON`, and project-file values.
//! Ranked (exact prefix, then case-insensitive prefix, substring, subsequence),
//! capped at [`MAX_ITEMS`] with `incomplete` set when cut.

use super::syntax::{self, Block, Node, Tree};
use super::{types, Analysis, DefKind, FileData, FileId, FileKind};
use std::ops::Range;
use strata_core::dialect::Dialect;
use strata_core::hcl::vocab::{AttrSpec, BlockSpec, Labels, Value};
use strata_core::sql::lex::{tokenize, Kind};

pub const MAX_ITEMS: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    Keyword,
    Block,
    Attribute,
    Type,
    Table,
    View,
    Column,
    Schema,
    Value,
    Env,
    Variable,
    File,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub label: String,
    pub kind: ItemKind,
    pub detail: Option<String>,
    pub doc: Option<String>,
    /// Text that replaces [`Completions::range`].
    pub insert: String,
    pub snippet: bool,
    /// Orders items; smaller first.
    pub sort: String,
}

#[derive(Clone, Debug, Default)]
pub struct Completions {
    pub items: Vec<Item>,
    /// What the items replace: the partial word before the cursor.
    pub range: Range<usize>,
    pub incomplete: bool,
}

pub fn completion(a: &Analysis, file: FileId, offset: usize) -> Option<Completions> {
    let f = a.file(file)?;
    let offset = floor_char(&f.text, offset.min(f.text.len()));
    match f.kind {
        FileKind::Hcl | FileKind::Config => hcl_completion(a, f, offset),
        FileKind::Sql => sql_completion(a, f, offset),
    }
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// Start of the word ending at `offset`.
fn word_start(text: &str, offset: usize) -> usize {
    let mut s = offset;
    for (i, c) in text[..offset].char_indices().rev() {
        if !is_word_char(c) {
            break;
        }
        s = i;
    }
    s
}

/// Collects candidates, keeping only those the typed prefix matches.
struct Acc {
    prefix: String,
    prefix_lower: String,
    items: Vec<(u8, u32, Item)>,
    range: Range<usize>,
}

impl Acc {
    fn new(text: &str, range: Range<usize>) -> Acc {
        let prefix = text[range.clone()].to_string();
        Acc {
            prefix_lower: prefix.to_lowercase(),
            prefix,
            items: Vec::new(),
            range,
        }
    }

    /// How well `label` matches the prefix; `None` when it does not.
    fn score(&self, label: &str) -> Option<u8> {
        if self.prefix.is_empty() || label.starts_with(&self.prefix) {
            return Some(0);
        }
        let lower = label.to_lowercase();
        if lower.starts_with(&self.prefix_lower) {
            return Some(1);
        }
        if lower.contains(&self.prefix_lower) {
            return Some(2);
        }
        let mut it = lower.chars();
        self.prefix_lower
            .chars()
            .all(|p| it.any(|c| c == p))
            .then_some(3)
    }

    /// Adds an item; `rank` breaks ties between equally good matches.
    fn add(&mut self, rank: u32, item: Item) {
        if let Some(s) = self.score(&item.label) {
            self.items.push((s, rank, item));
        }
    }

    fn simple(&mut self, rank: u32, kind: ItemKind, label: &str, detail: Option<&str>) {
        self.add(
            rank,
            Item {
                label: label.to_string(),
                kind,
                detail: detail.map(str::to_string),
                doc: None,
                insert: label.to_string(),
                snippet: false,
                sort: String::new(),
            },
        );
    }

    fn snippet(&mut self, rank: u32, kind: ItemKind, label: &str, snippet: &str, doc: &str) {
        self.add(
            rank,
            Item {
                label: label.to_string(),
                kind,
                detail: None,
                doc: (!doc.is_empty()).then(|| doc.to_string()),
                insert: snippet.to_string(),
                snippet: true,
                sort: String::new(),
            },
        );
    }

    fn finish(mut self) -> Option<Completions> {
        if self.items.is_empty() {
            return None;
        }
        self.items.sort_by(|a, b| {
            (a.0, a.1, a.2.label.len(), &a.2.label).cmp(&(b.0, b.1, b.2.label.len(), &b.2.label))
        });
        let incomplete = self.items.len() > MAX_ITEMS;
        self.items.truncate(MAX_ITEMS);
        let items = self
            .items
            .into_iter()
            .enumerate()
            .map(|(i, (_, _, mut item))| {
                item.sort = format!("{i:04}");
                item
            })
            .collect();
        Some(Completions {
            items,
            range: self.range,
            incomplete,
        })
    }
}

// ----- HCL -----

/// The text region around `offset` worth parsing: from the start of the
/// top-level item at or before it to the start of the next one, so that an
/// unclosed block still contains a cursor on the blank lines after it.
fn region(f: &FileData, offset: usize) -> Range<usize> {
    let i = f.chunks.partition_point(|c| c.base <= offset);
    let start = i.checked_sub(1).map_or(0, |p| f.chunks[p].base);
    let end = f.chunks.get(i).map_or(f.text.len(), |c| c.base);
    start..end.max(offset)
}

/// What the cursor is on, in a block tree.
enum Ctx<'t> {
    /// Where an attribute or block may start; `path` is the enclosing blocks.
    Statement { path: Vec<&'t Block> },
    /// In the value of attribute `name`.
    Value { path: Vec<&'t Block>, name: String },
    /// In a block label, or after a complete value: nothing to offer.
    Nothing,
}

fn context<'t>(tree: &'t Tree, src: &str, offset: usize) -> Ctx<'t> {
    let (path, _) = syntax::path_at(&tree.nodes, offset);
    let body: &[Node] = path.last().map_or(&tree.nodes[..], |b| &b.body[..]);
    for n in body {
        match n {
            Node::Attr(a) => {
                let Some(eq) = a.eq else { continue };
                if offset <= eq || offset < a.key.start {
                    continue;
                }
                let end = a.value.end.max(eq + 1);
                let line_end = src[end..].find('\n').map_or(src.len(), |p| end + p);
                if offset <= line_end {
                    return Ctx::Value {
                        path,
                        name: a.name.clone(),
                    };
                }
            }
            Node::Block(b) => {
                if b.labels
                    .iter()
                    .any(|l| offset > l.range.start && offset <= l.range.end)
                {
                    return Ctx::Nothing;
                }
            }
        }
    }
    // A word after something else on the line (e.g. `table "x" fo|`) is no statement.
    let line_start = src[..offset].rfind('\n').map_or(0, |p| p + 1);
    let before = &src[line_start..word_start(src, offset)];
    if !before.trim().is_empty() {
        return Ctx::Nothing;
    }
    Ctx::Statement { path }
}

fn hcl_completion(a: &Analysis, f: &FileData, offset: usize) -> Option<Completions> {
    let reg = region(f, offset);
    let src = &f.text[reg.clone()];
    let local = offset - reg.start;
    let tree = syntax::parse(src);
    let ws = word_start(src, local);
    let mut acc = Acc::new(src, ws..local);
    if f.kind == FileKind::Config && on_env_label(&tree, local) {
        env_names(f, &mut acc);
        let mut c = acc.finish()?;
        c.range = c.range.start + reg.start..c.range.end + reg.start;
        return Some(c);
    }
    match context(&tree, src, local) {
        Ctx::Nothing => return None,
        Ctx::Statement { path } => {
            let names: Vec<&str> = path.iter().map(|b| b.name.as_str()).collect();
            let present: Vec<&str> = path
                .last()
                .map(|b| {
                    b.attrs()
                        .filter(|x| !(x.key.start <= local && local <= x.key.end))
                        .map(|x| x.name.as_str())
                        .collect()
                })
                .unwrap_or_default();
            if f.kind != FileKind::Config {
                vocab_items(&mut acc, f.dialect, &names, &present);
            }
            let specs = match f.kind {
                FileKind::Config => config_spec(&names),
                _ => Vec::new(),
            };
            for (i, (name, snippet, doc, is_block)) in specs.iter().enumerate() {
                if !is_block && present.contains(name) {
                    continue;
                }
                let kind = if *is_block {
                    ItemKind::Block
                } else {
                    ItemKind::Attribute
                };
                if snippet.is_empty() {
                    // Flags (`skip { drop_table = true }`) share one snippet shape.
                    let s = format!("{name} = ${{1|true,false|}}");
                    acc.snippet(i as u32, kind, name, &s, doc);
                } else {
                    acc.snippet(i as u32, kind, name, snippet, doc);
                }
            }
        }
        Ctx::Value { path, name } => {
            let names: Vec<&str> = path.iter().map(|b| b.name.as_str()).collect();
            value_items(a, f, &mut acc, src, local, &path, &names, &name);
        }
    }
    let mut c = acc.finish()?;
    c.range = c.range.start + reg.start..c.range.end + reg.start;
    Some(c)
}

fn on_env_label(tree: &Tree, offset: usize) -> bool {
    tree.nodes.iter().any(|n| match n {
        Node::Block(b) if b.name == "env" => b
            .labels
            .first()
            .is_some_and(|l| offset >= l.inner.start && offset <= l.inner.end),
        _ => false,
    })
}

/// In the label of an `env` block: the usual env names not taken yet.
fn env_names(f: &FileData, acc: &mut Acc) {
    let taken: Vec<String> = f
        .defs()
        .filter(|d| d.1.kind == DefKind::Env)
        .map(|d| d.1.name.clone())
        .collect();
    for (i, name) in ["local", "dev", "test", "staging", "prod"]
        .iter()
        .enumerate()
    {
        if !taken.iter().any(|t| t == name) {
            acc.simple(i as u32, ItemKind::Env, name, Some("env name"));
        }
    }
}

type Spec = (&'static str, &'static str, &'static str, bool);

fn attr(name: &'static str, snippet: &'static str, doc: &'static str) -> Spec {
    (name, snippet, doc, false)
}

fn block(name: &'static str, snippet: &'static str, doc: &'static str) -> Spec {
    (name, snippet, doc, true)
}

/// What may be written inside the blocks `path` of a schema file, from the
/// dialect's vocabulary: named blocks first (`column`, `index`), then the
/// attributes not set yet, then the other blocks.
fn vocab_items(acc: &mut Acc, dialect: Dialect, path: &[&str], present: &[&str]) {
    let v = dialect.rules().vocab;
    let (blocks, spec) = if path.is_empty() {
        (v.blocks, None)
    } else {
        let b = v.get(path);
        (b.blocks, Some(b))
    };
    let named =
        |b: &BlockSpec| path.is_empty() || matches!(b.labels, Labels::Name | Labels::SchemaAndName);
    let mut rank = 0;
    for b in blocks.iter().filter(|b| named(b)) {
        acc.snippet(rank, ItemKind::Block, b.name, b.snippet, b.doc);
        rank += 1;
    }
    for a in spec.into_iter().flat_map(|s| s.attrs()) {
        if present.contains(&a.name) {
            continue;
        }
        acc.snippet(rank, ItemKind::Attribute, a.name, &attr_snippet(a), a.doc);
        rank += 1;
    }
    for b in blocks.iter().filter(|b| !named(b)) {
        acc.snippet(rank, ItemKind::Block, b.name, b.snippet, b.doc);
        rank += 1;
    }
}

/// An attribute's snippet: its own, else one shaped by its value (a choice
/// for flags and fixed words).
fn attr_snippet(a: &AttrSpec) -> std::borrow::Cow<'static, str> {
    if !a.snippet.is_empty() {
        return a.snippet.into();
    }
    match a.value.words() {
        [] => format!("{} = $1", a.name).into(),
        words => format!("{} = ${{1|{}|}}", a.name, words.join(",")).into(),
    }
}

/// What may be written inside the blocks `path` of a project file.
fn config_spec(path: &[&str]) -> Vec<Spec> {
    match path {
        [] => vec![
            block("env", "env \"${1:local}\" {\n\tsrc = [\"file://${2:schema.hcl}\"]\n\turl = \"${3:sqlite://app.db}\"\n\tdev = \"${4:sqlite://dev?mode=memory}\"\n}", "an environment: schema sources and databases"),
            block("variable", "variable \"${1:name}\" {\n\ttype    = ${2|string,number,bool|}\n\tdefault = $3\n}", "an input variable"),
            block("locals", "locals {\n\t$1\n}", "local values"),
            block("diff", "diff {\n\tskip {\n\t\t${1:drop_table} = true\n\t}\n}", "diff policy for every env"),
            block("lint", "lint {\n\tdestructive {\n\t\terror = true\n\t}\n}", "lint policy for every env"),
        ],
        ["env"] => vec![
            attr("src", "src = [\"file://$1\"]", "schema sources: file:// URLs of files or directories"),
            attr("url", "url = \"$1\"", "the target database"),
            attr("dev", "dev = \"${1:sqlite://dev?mode=memory}\"", "the dev database used to normalize the schema"),
            attr("schemas", "schemas = [\"$1\"]", "schemas to manage"),
            attr("exclude", "exclude = [\"$1\"]", "globs of objects to leave alone"),
            block("diff", "diff {\n\tskip {\n\t\t${1:drop_table} = true\n\t}\n}", ""),
            block("lint", "lint {\n\tdestructive {\n\t\terror = true\n\t}\n}", ""),
            block("schema", "schema {\n\tsrc = [\"file://$1\"]\n}", ""),
        ],
        ["env", "schema"] => vec![attr("src", "src = [\"file://$1\"]", "")],
        ["variable"] => vec![
            attr("type", "type = ${1|string,number,bool|}", ""),
            attr("default", "default = $1", ""),
            attr("description", "description = \"$1\"", ""),
        ],
        [.., "diff"] => vec![
            block("skip", "skip {\n\t$1 = true\n}", "change kinds to leave out of plans"),
            block("concurrent_index", "concurrent_index {\n\tcreate = true\n}", ""),
        ],
        [.., "skip"] => [
            "add_schema", "drop_schema", "modify_schema", "add_table", "drop_table", "modify_table",
            "rename_table", "add_column", "drop_column", "modify_column", "rename_column", "add_index",
            "drop_index", "modify_index", "rename_index", "add_foreign_key", "drop_foreign_key",
            "modify_foreign_key", "add_view", "drop_view", "modify_view", "add_trigger",
            "drop_trigger", "modify_trigger",
        ]
        .iter()
        .map(|n| (*n, "", "", false))
        .collect(),
        [.., "concurrent_index"] => vec![attr("create", "create = true", ""), attr("drop", "drop = true", "")],
        [.., "lint"] => vec![block("destructive", "destructive {\n\terror = true\n}", "")],
        [.., "destructive"] => vec![attr("error", "error = ${1|true,false|}", "")],
        _ => Vec::new(),
    }
}

/// A reference being typed before the cursor: its finished segments.
fn typed_path(src: &str, offset: usize) -> Vec<String> {
    let ws = word_start(src, offset);
    let mut start = ws;
    let bytes = src.as_bytes();
    while start > 0 && bytes[start - 1] == b'.' {
        let s = word_start(src, start - 1);
        if s == start - 1 {
            break;
        }
        start = s;
    }
    if start == ws {
        return Vec::new();
    }
    src[start..ws - 1].split('.').map(str::to_string).collect()
}

#[allow(clippy::too_many_arguments)]
fn value_items(
    a: &Analysis,
    f: &FileData,
    acc: &mut Acc,
    src: &str,
    offset: usize,
    path: &[&Block],
    names: &[&str],
    attr_name: &str,
) {
    let typed = typed_path(src, offset);
    let typed: Vec<&str> = typed.iter().map(String::as_str).collect();
    if f.kind == FileKind::Config {
        config_values(a, f, acc, names, attr_name, &typed);
        return;
    }
    let owner_schema = path
        .first()
        .and_then(|b| b.attr("schema"))
        .and_then(|x| {
            let s = &src[x.value.clone()];
            s.strip_prefix("schema.").map(str::to_string)
        })
        .unwrap_or_else(|| f.dialect.default_schema().to_string());
    // The table `column.x` refers to: the enclosing table, or a trigger's `on`.
    let owner_block = path.first().copied();
    let owner_table: Option<String> = match owner_block {
        Some(b) if b.name == "table" => b.label().map(|l| l.text.clone()),
        Some(b) if b.name == "trigger" => b
            .attr("on")
            .and_then(|x| src[x.value.clone()].rsplit('.').next().map(str::to_string)),
        _ => None,
    };
    match typed.as_slice() {
        [] => {}
        ["column"] => {
            if let Some(b) = owner_block.filter(|b| b.name == "table") {
                own_columns(acc, src, b);
            } else if let Some(t) = &owner_table {
                columns_of(a, acc, None, t, &owner_schema);
            }
            return;
        }
        ["table"] | ["view"] => {
            relations(a, acc, None, owner_table.as_deref());
            return;
        }
        ["table" | "view", t] => {
            if a.index.schemas.contains_key(&t.to_lowercase())
                && a.lookup_relation(None, t, &owner_schema).is_err()
            {
                relations(a, acc, Some(t), owner_table.as_deref());
            } else {
                acc.simple(
                    0,
                    ItemKind::Keyword,
                    "column",
                    Some("a column of this table"),
                );
            }
            return;
        }
        ["table", s, _t] if a.index.schemas.contains_key(&s.to_lowercase()) => {
            acc.simple(
                0,
                ItemKind::Keyword,
                "column",
                Some("a column of this table"),
            );
            return;
        }
        ["table" | "view", t, "column"] => {
            columns_of(a, acc, None, t, &owner_schema);
            return;
        }
        ["table" | "view", s, t, "column"] => {
            columns_of(a, acc, Some(s), t, &owner_schema);
            return;
        }
        ["schema"] => {
            schemas(a, acc);
            return;
        }
        _ => return,
    }
    let value = f
        .dialect
        .rules()
        .vocab
        .get(names)
        .attr(attr_name)
        .map(|x| x.value);
    match value {
        Some(Value::Type) => {
            for (i, t) in types::types(f.dialect).iter().enumerate() {
                let (insert, snippet) = match t.params {
                    Some(s) => (s.to_string(), true),
                    None => (t.name.to_string(), false),
                };
                acc.add(
                    i as u32,
                    Item {
                        label: t.name.to_string(),
                        kind: ItemKind::Type,
                        detail: Some(format!("{} type", f.dialect.name())),
                        doc: Some(t.doc.to_string()),
                        insert,
                        snippet,
                        sort: String::new(),
                    },
                );
            }
            acc.snippet(
                1000,
                ItemKind::Type,
                "sql",
                "sql(\"$1\")",
                "any type, passed through as written",
            );
        }
        Some(v @ (Value::Bool | Value::Word(_))) => {
            for (i, w) in v.words().iter().enumerate() {
                acc.simple(i as u32, ItemKind::Value, w, None);
            }
        }
        Some(Value::Schema) => {
            for (i, name) in schema_names(a).iter().enumerate() {
                acc.add(
                    i as u32,
                    item(ItemKind::Schema, &format!("schema.{name}"), None),
                );
            }
        }
        Some(Value::Default) => acc.snippet(
            0,
            ItemKind::Value,
            "sql",
            "sql(\"$1\")",
            "an SQL expression",
        ),
        Some(Value::Columns) => {
            if let Some(b) = owner_block.filter(|b| b.name == "table") {
                for (i, (name, ty)) in tree_columns(src, b).into_iter().enumerate() {
                    acc.add(
                        i as u32,
                        item(ItemKind::Column, &format!("column.{name}"), ty),
                    );
                }
            } else if let Some(t) = &owner_table {
                if let Ok(found) = a.lookup_relation(None, t, &owner_schema) {
                    for (i, d) in column_defs(a, &found).into_iter().enumerate() {
                        acc.add(
                            i as u32,
                            item(ItemKind::Column, &format!("column.{}", d.0), d.1),
                        );
                    }
                }
            }
        }
        Some(Value::ForeignColumns | Value::Relation) => {
            let mut rank = 0;
            for_each_relation(a, |name, kind| {
                let label = format!(
                    "{}.{name}",
                    if kind == DefKind::View {
                        "view"
                    } else {
                        "table"
                    }
                );
                let k = if kind == DefKind::View {
                    ItemKind::View
                } else {
                    ItemKind::Table
                };
                rank += 1;
                let own = owner_table.as_deref() == Some(name);
                acc.add(u32::from(own) * 100_000 + rank, item(k, &label, None));
            });
        }
        _ => {}
    }
}

fn item(kind: ItemKind, label: &str, detail: Option<String>) -> Item {
    Item {
        label: label.to_string(),
        kind,
        detail,
        doc: None,
        insert: label.to_string(),
        snippet: false,
        sort: String::new(),
    }
}

/// Columns of the table block being edited, read from the tree (so columns
/// typed a moment ago are there even while the block does not parse).
fn tree_columns(src: &str, b: &Block) -> Vec<(String, Option<String>)> {
    b.blocks()
        .filter(|c| c.name == "column")
        .filter_map(|c| {
            let l = c.label()?;
            let ty = c.attr("type").map(|t| src[t.value.clone()].to_string());
            Some((l.text.clone(), ty))
        })
        .collect()
}

fn own_columns(acc: &mut Acc, src: &str, b: &Block) {
    for (i, (name, ty)) in tree_columns(src, b).into_iter().enumerate() {
        acc.add(i as u32, item(ItemKind::Column, &name, ty));
    }
}

fn column_defs(a: &Analysis, found: &[&super::index::RelEntry]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for t in found.iter().take(1) {
        for (_, d) in a.children(t.loc) {
            if d.kind == DefKind::Column {
                out.push((d.name.clone(), d.detail.clone()));
            }
        }
    }
    out
}

fn columns_of(a: &Analysis, acc: &mut Acc, schema: Option<&str>, table: &str, owner_schema: &str) {
    if let Ok(found) = a.lookup_relation(schema, table, owner_schema) {
        for (i, (name, ty)) in column_defs(a, &found).into_iter().enumerate() {
            acc.add(i as u32, item(ItemKind::Column, &name, ty));
        }
    }
}

fn for_each_relation(a: &Analysis, mut f: impl FnMut(&str, DefKind)) {
    for entries in a.index.relations.values() {
        let Some(e) = entries.first() else { continue };
        let kind = a.def(e.loc).map_or(DefKind::Table, |d| d.kind);
        f(&e.name, kind);
    }
}

fn relations(a: &Analysis, acc: &mut Acc, schema: Option<&str>, owner: Option<&str>) {
    for entries in a.index.relations.values() {
        for e in entries {
            if schema.is_some_and(|s| !e.schema.eq_ignore_ascii_case(s)) {
                continue;
            }
            if acc.score(&e.name).is_none() {
                break;
            }
            let kind = a.def(e.loc).map_or(DefKind::Table, |d| d.kind);
            let k = if kind == DefKind::View {
                ItemKind::View
            } else {
                ItemKind::Table
            };
            let detail = format!("{} in schema {}", kind.word(), e.schema);
            let own = owner == Some(e.name.as_str());
            acc.add(u32::from(own), item(k, &e.name, Some(detail)));
            break;
        }
    }
}

fn schema_names(a: &Analysis) -> Vec<String> {
    let mut names: Vec<String> = a
        .index
        .schemas
        .values()
        .filter_map(|v| a.def(*v.first()?).map(|d| d.name.clone()))
        .collect();
    names.sort();
    names
}

fn schemas(a: &Analysis, acc: &mut Acc) {
    for (i, n) in schema_names(a).iter().enumerate() {
        acc.add(i as u32, item(ItemKind::Schema, n, None));
    }
}

fn config_values(
    a: &Analysis,
    f: &FileData,
    acc: &mut Acc,
    names: &[&str],
    attr_name: &str,
    typed: &[&str],
) {
    match typed {
        ["var"] => {
            for (i, d) in f
                .defs()
                .filter(|d| d.1.kind == DefKind::Variable)
                .enumerate()
            {
                acc.add(i as u32, item(ItemKind::Variable, &d.1.name, None));
            }
            return;
        }
        ["local"] => {
            for (i, d) in f.defs().filter(|d| d.1.kind == DefKind::Local).enumerate() {
                acc.add(i as u32, item(ItemKind::Variable, &d.1.name, None));
            }
            return;
        }
        [] => {}
        _ => return,
    }
    let block = names.last().copied().unwrap_or("");
    match (block, attr_name) {
        ("env" | "schema", "src") => {
            let dir = f.name.rsplit_once('/').map_or("", |(d, _)| d);
            let mut rank = 0;
            for other in a.files() {
                if other.kind == FileKind::Config {
                    continue;
                }
                let rel = other
                    .name
                    .strip_prefix(dir)
                    .map(|r| r.trim_start_matches('/'))
                    .unwrap_or(&other.name);
                rank += 1;
                let label = format!("\"file://{rel}\"");
                acc.add(rank, item(ItemKind::File, &label, None));
            }
        }
        ("env", "url") => {
            acc.snippet(
                0,
                ItemKind::Value,
                "\"sqlite://…\"",
                "\"sqlite://${1:app.db}\"",
                "a SQLite database file",
            );
            acc.snippet(
                1,
                ItemKind::Value,
                "\"postgres://…\"",
                "\"postgres://${1:user}:${2:pass}@${3:localhost}:5432/${4:db}\"",
                "",
            );
            acc.snippet(
                2,
                ItemKind::Value,
                "\"mysql://…\"",
                "\"mysql://${1:user}:${2:pass}@${3:localhost}:3306/${4:db}\"",
                "",
            );
        }
        ("env", "dev") => {
            acc.simple(
                0,
                ItemKind::Value,
                "\"sqlite://dev?mode=memory\"",
                Some("an in-memory SQLite dev database"),
            );
        }
        ("variable", "type") => {
            for (i, w) in ["string", "number", "bool", "list(string)"]
                .iter()
                .enumerate()
            {
                acc.simple(i as u32, ItemKind::Value, w, None);
            }
        }
        (_, "error" | "create" | "drop") | ("skip", _) => {
            acc.simple(0, ItemKind::Value, "true", None);
            acc.simple(1, ItemKind::Value, "false", None);
        }
        _ => {
            acc.simple(0, ItemKind::Keyword, "var", Some("input variables"));
            acc.simple(1, ItemKind::Keyword, "local", Some("local values"));
        }
    }
}

// ----- SQL -----

fn sql_completion(a: &Analysis, f: &FileData, offset: usize) -> Option<Completions> {
    let text = &f.text;
    let stmt_start = text[..offset].rfind(';').map_or(0, |p| p + 1);
    let src = &text[stmt_start..offset];
    let ws = word_start(text, offset);
    let mut acc = Acc::new(text, ws..offset);
    let toks = tokenize(src);
    // Tokens before the word being typed.
    let before: Vec<_> = toks
        .iter()
        .filter(|t| t.range.end + stmt_start <= ws)
        .collect();
    let word = |i: usize| -> Option<&str> {
        let t = before.get(before.len().checked_sub(i)?)?;
        Some(t.text(src))
    };
    let is = |i: usize, kw: &str| word(i).is_some_and(|w| w.eq_ignore_ascii_case(kw));
    let owner = f.dialect.default_schema();
    // `REFERENCES t (a, |` or `ON t (|`: columns of t.
    if let Some(open) = before.iter().rposition(|t| t.is_punct(src, "(")) {
        let closed = before[open..].iter().any(|t| t.is_punct(src, ")"));
        let head = &before[..open];
        let n = head.len();
        if !closed && n >= 2 {
            let kw = head[n - 2].text(src);
            if kw.eq_ignore_ascii_case("REFERENCES") || kw.eq_ignore_ascii_case("ON") {
                let table = head[n - 1].ident(src);
                columns_of(a, &mut acc, None, &table, owner);
                return acc.finish();
            }
        }
    }
    if is(1, "REFERENCES")
        || is(1, "FROM")
        || is(1, "JOIN")
        || (is(1, "ON") && is_index_or_trigger(src, &before))
    {
        relations(a, &mut acc, None, None);
        return acc.finish();
    }
    // A column's type: `CREATE TABLE t (id |` or `, name |`.
    let in_table = before.first().is_some_and(|t| t.is(src, "CREATE"))
        && before.iter().any(|t| t.is(src, "TABLE"))
        && before.iter().any(|t| t.is_punct(src, "("));
    if in_table
        && before.len() >= 2
        && matches!(
            before[before.len() - 1].kind,
            Kind::Word | Kind::QuotedIdent
        )
        && (before[before.len() - 2].is_punct(src, "(")
            || before[before.len() - 2].is_punct(src, ","))
    {
        for (i, t) in types::types(f.dialect).iter().enumerate() {
            let label = t.name.to_ascii_uppercase();
            acc.add(
                i as u32,
                Item {
                    label: label.clone(),
                    kind: ItemKind::Type,
                    detail: Some(format!("{} type", f.dialect.name())),
                    doc: Some(t.doc.to_string()),
                    insert: label,
                    snippet: false,
                    sort: String::new(),
                },
            );
        }
        return acc.finish();
    }
    None
}

fn is_index_or_trigger(src: &str, before: &[&strata_core::sql::lex::Token]) -> bool {
    before
        .iter()
        .take(4)
        .any(|t| t.is(src, "INDEX") || t.is(src, "TRIGGER"))
}
