//! The language server's brain, free of protocol types (rust-analyzer style).
//!
//! [`Workspace`] is the mutable host: it holds every file's text and, per file,
//! the analysis of each top-level chunk keyed by the chunk text's hash, so an
//! edit re-parses only the chunk it touched. [`Workspace::snapshot`] brings dirty
//! files up to date and returns an immutable [`Analysis`] that the features
//! (plain functions of a snapshot, a file and a byte offset) read from any
//! thread. Files keep a compact index per chunk (definitions, references,
//! local diagnostics and core's model objects), never syntax trees: features
//! that need structure re-lex the one chunk under the cursor.

pub mod actions;
pub mod completion;
pub mod config;
pub mod diagnostics;
pub mod format;
pub mod hcl;
pub mod hover;
pub mod index;
pub mod inlay;
pub mod nav;
pub mod plan;
pub mod semantic;
pub mod sql;
pub mod sqlrefs;
pub mod symbols;
pub mod syntax;
pub mod types;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests;

use index::Index;
use std::borrow::Cow;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::{Arc, OnceLock};
use strata_core::dialect::Dialect;
use strata_core::model::{
    Column, Domain, EnumType, ForeignKey, Index as ModelIndex, Realm, Sequence, Table, Trigger,
    View,
};
use strata_core::project::Project;
use strata_core::Severity;

pub use index::SymbolKey;

/// A fast, non-cryptographic hasher (the Fx hash of rustc) for the name maps
/// rebuilt on every keystroke; schema names are not an attack surface.
#[derive(Clone, Copy, Default)]
pub struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut v = [0u8; 8];
            v[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(v));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

/// A file in the workspace. Ids are never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// An Atlas HCL schema file.
    Hcl,
    /// SQL DDL.
    Sql,
    /// `strata.hcl` / `atlas.hcl`.
    Config,
}

impl FileKind {
    /// The kind a file name suggests.
    pub fn of_name(name: &str) -> Option<FileKind> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        if base == "strata.hcl" || base == "atlas.hcl" {
            Some(FileKind::Config)
        } else if base.ends_with(".hcl") {
            Some(FileKind::Hcl)
        } else if base.ends_with(".sql") {
            Some(FileKind::Sql)
        } else {
            None
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefKind {
    Schema,
    Table,
    View,
    Trigger,
    Column,
    Index,
    ForeignKey,
    PrimaryKey,
    Check,
    Env,
    Variable,
    Local,
    /// PostgreSQL objects outside tables.
    Enum,
    Domain,
    Sequence,
    Function,
    Extension,
}

impl DefKind {
    pub fn word(self) -> &'static str {
        match self {
            DefKind::Schema => "schema",
            DefKind::Table => "table",
            DefKind::View => "view",
            DefKind::Trigger => "trigger",
            DefKind::Column => "column",
            DefKind::Index => "index",
            DefKind::ForeignKey => "foreign key",
            DefKind::PrimaryKey => "primary key",
            DefKind::Check => "check",
            DefKind::Env => "env",
            DefKind::Variable => "variable",
            DefKind::Local => "local",
            DefKind::Enum => "enum",
            DefKind::Domain => "domain",
            DefKind::Sequence => "sequence",
            DefKind::Function => "function",
            DefKind::Extension => "extension",
        }
    }

    /// Tables and views share one namespace (`table.x` may name a view).
    pub fn is_relation(self) -> bool {
        matches!(self, DefKind::Table | DefKind::View)
    }
}

/// Where a definition's model object lives in its chunk's realm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelRef {
    Table {
        schema: u32,
        table: u32,
    },
    View {
        schema: u32,
        view: u32,
    },
    Trigger {
        schema: u32,
        trigger: u32,
    },
    Column {
        schema: u32,
        table: u32,
        column: u32,
    },
    Index {
        schema: u32,
        table: u32,
        index: u32,
    },
    ForeignKey {
        schema: u32,
        table: u32,
        fk: u32,
    },
    Enum {
        schema: u32,
        index: u32,
    },
    Domain {
        schema: u32,
        index: u32,
    },
    Sequence {
        schema: u32,
        index: u32,
    },
}

/// Something a file defines. Ranges are relative to the chunk.
#[derive(Clone, Debug)]
pub struct Def {
    pub kind: DefKind,
    pub name: String,
    /// The name in ASCII lower case: the key it is looked up by.
    pub key: Arc<str>,
    /// The name itself (inside quotes), for rename and navigation.
    pub name_range: Range<usize>,
    /// The whole definition (block or statement).
    pub full_range: Range<usize>,
    /// The schema of a table-level object, or of a child's table.
    pub schema: String,
    /// A child's table (columns, indexes, keys).
    pub table: Option<String>,
    pub parent: Option<u32>,
    /// Children (columns, indexes, keys) are stored right after their parent.
    pub children: Range<u32>,
    /// A short description: a column's type, an FK's target.
    pub detail: Option<String>,
    pub model: Option<ModelRef>,
}

impl Def {
    pub fn new(kind: DefKind, name: impl Into<String>, name_range: Range<usize>) -> Def {
        let name = name.into();
        Def {
            kind,
            key: Arc::from(name.to_ascii_lowercase()),
            name,
            full_range: name_range.clone(),
            name_range,
            schema: String::new(),
            table: None,
            parent: None,
            children: 0..0,
            detail: None,
            model: None,
        }
    }
}

/// What a reference names, before resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefSpec {
    Schema(String),
    /// `enum.x` / `domain.x` (PostgreSQL types: one namespace).
    Type {
        schema: Option<String>,
        name: String,
    },
    Table {
        schema: Option<String>,
        name: String,
    },
    Column {
        schema: Option<String>,
        table: String,
        column: String,
        /// `column.x`: the table is the one the reference is written in.
        implicit: bool,
    },
    /// A bare column in a query reading several tables: the column of the one
    /// table that has it (never guessed when several do).
    AnyColumn {
        tables: Vec<(Option<String>, String)>,
        column: String,
    },
}

#[derive(Clone, Debug)]
pub struct Ref {
    /// The referenced name as written (one segment of a traversal).
    pub range: Range<usize>,
    pub spec: RefSpec,
    /// The schema of the object the reference is written in.
    pub owner_schema: String,
    /// A guess (e.g. a `FROM` in a view's query): no diagnostic when unresolved.
    pub soft: bool,
    /// The name looked up first, in ASCII lower case: the schema of a schema
    /// reference, else the table.
    pub key: Arc<str>,
    /// How the name is written in its file (for rename).
    pub embed: sqlrefs::Embed,
}

impl Ref {
    pub fn new(range: Range<usize>, spec: RefSpec, owner_schema: String, soft: bool) -> Ref {
        let key = match &spec {
            RefSpec::Schema(n) => n,
            RefSpec::Table { name, .. } | RefSpec::Type { name, .. } => name,
            RefSpec::Column { table, .. } => table,
            RefSpec::AnyColumn { tables, .. } => tables.first().map_or("", |t| &t.1),
        };
        Ref {
            key: Arc::from(key.to_ascii_lowercase()),
            range,
            spec,
            owner_schema,
            soft,
            embed: sqlrefs::Embed::Plain,
        }
    }
}

/// A diagnostic local to one chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalDiag {
    pub range: Range<usize>,
    pub severity: Severity,
    pub code: String,
    pub message: String,
    pub help: Option<String>,
}

/// What a SQL statement adds to a table created by another statement
/// (`CREATE INDEX`, `ALTER TABLE … ADD`, `COMMENT ON`): read on its own, onto a
/// stand-in table in the chunk's realm, and merged into the table's model on use.
#[derive(Clone, Debug)]
pub struct Attached {
    pub schema: String,
    pub table: String,
    /// The table's name in ASCII lower case.
    pub key: Arc<str>,
    /// The definitions it adds (columns, indexes, foreign keys).
    pub defs: Range<u32>,
    /// The stand-in table in the chunk's realm: (schema, table).
    pub model: (u32, u32),
    /// Leading stand-in columns that stand for existing ones (`COMMENT ON COLUMN`).
    pub seeded: u32,
    /// Sets the table's comment (`COMMENT ON TABLE`).
    pub comment: bool,
}

/// The compact, position-independent analysis of one chunk: a top-level HCL
/// item, a SQL statement, or a whole project file.
#[derive(Debug, Default)]
pub struct ChunkData {
    pub len: usize,
    pub defs: Vec<Def>,
    pub refs: Vec<Ref>,
    pub diags: Vec<LocalDiag>,
    /// Core's model of what the chunk defines (spans relative to the chunk).
    pub realm: Realm,
    /// For project files: the evaluated project.
    pub project: Option<Project>,
    /// For SQL statements that add to a table created elsewhere.
    pub attached: Vec<Attached>,
    /// A hash of the names (and column types) other files may resolve against.
    pub names_hash: u64,
}

impl ChunkData {
    pub fn table(&self, m: ModelRef) -> Option<&Table> {
        match m {
            ModelRef::Table { schema, table }
            | ModelRef::Column { schema, table, .. }
            | ModelRef::Index { schema, table, .. }
            | ModelRef::ForeignKey { schema, table, .. } => self
                .realm
                .schemas
                .get(schema as usize)?
                .tables
                .get(table as usize),
            _ => None,
        }
    }

    pub fn column(&self, m: ModelRef) -> Option<&Column> {
        match m {
            ModelRef::Column { column, .. } => self.table(m)?.columns.get(column as usize),
            _ => None,
        }
    }

    pub fn index(&self, m: ModelRef) -> Option<&ModelIndex> {
        match m {
            ModelRef::Index { index, .. } => self.table(m)?.indexes.get(index as usize),
            _ => None,
        }
    }

    pub fn fk(&self, m: ModelRef) -> Option<&ForeignKey> {
        match m {
            ModelRef::ForeignKey { fk, .. } => self.table(m)?.foreign_keys.get(fk as usize),
            _ => None,
        }
    }

    pub fn view(&self, m: ModelRef) -> Option<&View> {
        match m {
            ModelRef::View { schema, view } => self
                .realm
                .schemas
                .get(schema as usize)?
                .views
                .get(view as usize),
            _ => None,
        }
    }

    pub fn trigger(&self, m: ModelRef) -> Option<&Trigger> {
        match m {
            ModelRef::Trigger { schema, trigger } => self
                .realm
                .schemas
                .get(schema as usize)?
                .triggers
                .get(trigger as usize),
            _ => None,
        }
    }

    pub fn enum_type(&self, m: ModelRef) -> Option<&EnumType> {
        match m {
            ModelRef::Enum { schema, index } => self
                .realm
                .schemas
                .get(schema as usize)?
                .enums
                .get(index as usize),
            _ => None,
        }
    }

    pub fn domain(&self, m: ModelRef) -> Option<&Domain> {
        match m {
            ModelRef::Domain { schema, index } => self
                .realm
                .schemas
                .get(schema as usize)?
                .domains
                .get(index as usize),
            _ => None,
        }
    }

    pub fn sequence(&self, m: ModelRef) -> Option<&Sequence> {
        match m {
            ModelRef::Sequence { schema, index } => self
                .realm
                .schemas
                .get(schema as usize)?
                .sequences
                .get(index as usize),
            _ => None,
        }
    }

    /// Computes what is derived from the finished chunk.
    pub(crate) fn sealed(mut self) -> ChunkData {
        let mut h = FxHasher::default();
        for d in &self.defs {
            if matches!(
                d.kind,
                DefKind::Schema
                    | DefKind::Table
                    | DefKind::View
                    | DefKind::Trigger
                    | DefKind::Column
            ) {
                (d.kind, &d.schema, &d.table, &d.name, &d.detail).hash(&mut h);
            }
        }
        self.names_hash = h.finish();
        self
    }

    /// Pushes `def` and returns its index.
    pub(crate) fn push_def(&mut self, def: Def) -> u32 {
        self.defs.push(def);
        (self.defs.len() - 1) as u32
    }
}

/// A chunk placed in its file.
#[derive(Clone, Debug)]
pub struct Placed {
    pub base: usize,
    pub hash: u64,
    pub data: Arc<ChunkData>,
    /// Brackets balance; an incomplete item's end depends on the text after it.
    pub complete: bool,
}

impl Placed {
    pub fn range(&self) -> Range<usize> {
        self.base..self.base + self.data.len
    }
}

/// One file's analysis.
#[derive(Debug)]
pub struct FileData {
    pub id: FileId,
    pub name: Arc<str>,
    pub text: Arc<str>,
    pub kind: FileKind,
    pub dialect: Dialect,
    pub open: bool,
    pub chunks: Vec<Placed>,
    /// Chunks the last edit dropped, reusable by the next one (an unclosed
    /// quote swallows the statements after it until the next keystroke closes it).
    spare: FxMap<u64, Arc<ChunkData>>,
}

impl FileData {
    /// The chunk holding `offset` (an offset between chunks belongs to none).
    pub fn chunk_at(&self, offset: usize) -> Option<(usize, &Placed)> {
        let i = self.chunks.partition_point(|c| c.base <= offset);
        let i = i.checked_sub(1)?;
        let c = &self.chunks[i];
        (offset <= c.base + c.data.len).then_some((i, c))
    }

    /// Every definition with its absolute ranges.
    pub fn defs(&self) -> impl Iterator<Item = (DefLoc, &Def, usize)> {
        self.chunks.iter().enumerate().flat_map(move |(ci, c)| {
            c.data.defs.iter().enumerate().map(move |(di, d)| {
                (
                    DefLoc {
                        file: self.id,
                        chunk: ci as u32,
                        def: di as u32,
                    },
                    d,
                    c.base,
                )
            })
        })
    }

    pub fn refs(&self) -> impl Iterator<Item = (&Ref, usize)> {
        self.chunks
            .iter()
            .flat_map(|c| c.data.refs.iter().map(move |r| (r, c.base)))
    }
}

/// A definition's address in a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DefLoc {
    pub file: FileId,
    pub chunk: u32,
    pub def: u32,
}

/// A range in a file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileRange {
    pub file: FileId,
    pub range: Range<usize>,
}

/// How a file's dialect and kind were chosen by whoever added it.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileOpts {
    pub kind: Option<FileKind>,
    /// A dialect the client named (Atlas's language ids carry one).
    pub dialect: Option<Dialect>,
    pub open: bool,
}

struct Slot {
    name: Arc<str>,
    text: Arc<str>,
    opts: FileOpts,
    dirty: bool,
    data: Option<Arc<FileData>>,
}

/// What bringing files up to date has cost so far (for tests and benchmarks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Chunks (HCL items, SQL statements, project files) analyzed.
    pub analyzed: usize,
    /// Edits handled by re-splitting only the region they touched.
    pub windowed: usize,
    /// Files split from start to end.
    pub full_splits: usize,
}

/// The mutable workspace: files in, snapshots out.
pub struct Workspace {
    slots: Vec<Option<Slot>>,
    by_name: HashMap<Arc<str>, FileId>,
    default_dialect: Dialect,
    vars: config::Inputs,
    last: Option<Analysis>,
    /// Set when a file was added, changed or removed since the last snapshot.
    changed: bool,
    diag_cache: Arc<diagnostics::DiagCache>,
    stats: Stats,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace::new()
    }
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            slots: Vec::new(),
            by_name: HashMap::new(),
            default_dialect: Dialect::Sqlite,
            vars: config::Inputs::default(),
            last: None,
            changed: true,
            diag_cache: Arc::default(),
            stats: Stats::default(),
        }
    }

    /// What analysis has cost so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The dialect of files whose name and language id say none (the project
    /// env's URL scheme, else SQLite).
    pub fn set_default_dialect(&mut self, d: Dialect) {
        if d != self.default_dialect {
            self.default_dialect = d;
            for s in self.slots.iter_mut().flatten() {
                s.dirty = true;
            }
            self.changed = true;
        }
    }

    pub fn default_dialect(&self) -> Dialect {
        self.default_dialect
    }

    /// `--var` values for the project file.
    pub fn set_vars(&mut self, vars: Vec<(String, String)>) {
        let inputs = config::Inputs {
            vars,
            ..self.vars.clone()
        };
        self.set_project_inputs(inputs);
    }

    /// What the project file is loaded with: `--var` values, the env asked
    /// for (`atlas.env`), and whether the workspace is trusted to run its
    /// data sources (`external_schema` programs, `sql` queries).
    pub fn set_project_inputs(&mut self, inputs: config::Inputs) {
        self.vars = inputs;
        for s in self.slots.iter_mut().flatten() {
            if s.opts.kind == Some(FileKind::Config)
                || FileKind::of_name(&s.name) == Some(FileKind::Config)
            {
                s.dirty = true;
            }
        }
        self.changed = true;
    }

    pub fn file_id(&self, name: &str) -> Option<FileId> {
        self.by_name.get(name).copied()
    }

    pub fn file_name(&self, id: FileId) -> Option<Arc<str>> {
        self.slot(id).map(|s| s.name.clone())
    }

    pub fn text(&self, id: FileId) -> Option<Arc<str>> {
        self.slot(id).map(|s| s.text.clone())
    }

    pub fn is_open(&self, id: FileId) -> bool {
        self.slot(id).is_some_and(|s| s.opts.open)
    }

    fn slot(&self, id: FileId) -> Option<&Slot> {
        self.slots.get(id.0 as usize)?.as_ref()
    }

    /// Adds a file or replaces its text. Nothing is parsed until the next snapshot.
    pub fn set_file(&mut self, name: &str, text: Arc<str>, opts: FileOpts) -> FileId {
        self.changed = true;
        if let Some(&id) = self.by_name.get(name) {
            let slot = self.slots[id.0 as usize].as_mut().unwrap();
            slot.text = text;
            slot.opts = opts;
            slot.dirty = true;
            return id;
        }
        let id = FileId(self.slots.len() as u32);
        let name: Arc<str> = Arc::from(name);
        self.slots.push(Some(Slot {
            name: name.clone(),
            text,
            opts,
            dirty: true,
            data: None,
        }));
        self.by_name.insert(name, id);
        id
    }

    /// Replaces the text of a known file, keeping its options.
    pub fn set_text(&mut self, id: FileId, text: Arc<str>) {
        if let Some(Some(slot)) = self.slots.get_mut(id.0 as usize) {
            slot.text = text;
            slot.dirty = true;
            self.changed = true;
        }
    }

    /// Marks a file open or closed (closed files are still analyzed).
    pub fn set_open(&mut self, id: FileId, open: bool) {
        if let Some(Some(slot)) = self.slots.get_mut(id.0 as usize) {
            if slot.opts.open != open {
                slot.opts.open = open;
                slot.dirty = true;
                self.changed = true;
            }
        }
    }

    pub fn remove_file(&mut self, name: &str) {
        if let Some(id) = self.by_name.remove(name) {
            self.slots[id.0 as usize] = None;
            self.changed = true;
        }
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &str)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (FileId(i as u32), &*s.name)))
    }

    /// The dialect a file is read in: its Atlas suffix, else what the client
    /// said, else the workspace default.
    fn dialect_of(&self, slot: &Slot) -> Dialect {
        Dialect::from_file_suffix(&slot.name)
            .or(slot.opts.dialect)
            .unwrap_or(self.default_dialect)
    }

    /// Brings every changed file up to date and returns an immutable snapshot.
    pub fn snapshot(&mut self) -> Analysis {
        if !self.changed {
            if let Some(last) = &self.last {
                return last.clone();
            }
        }
        let mut files: Vec<Option<Arc<FileData>>> = Vec::with_capacity(self.slots.len());
        for i in 0..self.slots.len() {
            let Some(slot) = &self.slots[i] else {
                files.push(None);
                continue;
            };
            if slot.dirty || slot.data.is_none() {
                let dialect = self.dialect_of(slot);
                let kind = slot
                    .opts
                    .kind
                    .or_else(|| FileKind::of_name(&slot.name))
                    .unwrap_or(FileKind::Hcl);
                let data = analyze_file(
                    FileId(i as u32),
                    slot.name.clone(),
                    slot.text.clone(),
                    kind,
                    dialect,
                    slot.opts.open,
                    slot.data.as_deref(),
                    &self.vars,
                    &mut self.stats,
                );
                let slot = self.slots[i].as_mut().unwrap();
                slot.data = Some(Arc::new(data));
                slot.dirty = false;
            }
            files.push(self.slots[i].as_ref().unwrap().data.clone());
        }
        let files = Arc::new(files);
        let chunk_count = files.iter().flatten().map(|f| f.chunks.len()).sum();
        let index = Arc::new(Index::build(&files));
        let snap = Analysis {
            files,
            index,
            by_name: Arc::new(self.by_name.clone()),
            default_dialect: self.default_dialect,
            lazy: Arc::new(Lazy::default()),
            diag_cache: self.diag_cache.clone(),
            chunk_count,
        };
        self.last = Some(snap.clone());
        self.changed = false;
        snap
    }
}

fn hash_chunk(text: &str, kind: FileKind, dialect: Dialect) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    kind.hash(&mut h);
    dialect.hash(&mut h);
    h.finish()
}

/// Analyzes a file, reusing the chunks of `old` whose text did not change.
#[allow(clippy::too_many_arguments)]
fn analyze_file(
    id: FileId,
    name: Arc<str>,
    text: Arc<str>,
    kind: FileKind,
    dialect: Dialect,
    open: bool,
    old: Option<&FileData>,
    vars: &config::Inputs,
    stats: &mut Stats,
) -> FileData {
    let old = old.filter(|o| o.kind == kind && o.dialect == dialect);
    let analyzed = std::cell::Cell::new(0usize);
    let analyze = |slice: &str| -> ChunkData {
        analyzed.set(analyzed.get() + 1);
        guarded(slice.len(), || match kind {
            FileKind::Hcl => hcl::analyze_chunk(&name, slice, dialect),
            FileKind::Sql => sql::analyze(&name, slice, dialect),
            FileKind::Config => config::analyze(&name, slice, vars),
        })
    };
    let split = |t: &str| match kind {
        FileKind::Hcl => hcl::chunks(t),
        FileKind::Sql => sql::chunks(t, dialect),
        FileKind::Config => vec![(0..t.len(), true)],
    };
    let windowed = match (kind, old) {
        (FileKind::Hcl, Some(o)) => respan(o, &text, &analyze),
        (FileKind::Sql, Some(o)) => sql_respan(o, &text, &analyze),
        _ => None,
    };
    let chunks = match windowed {
        Some(c) => {
            stats.windowed += 1;
            c
        }
        None => {
            stats.full_splits += 1;
            place(&text, split(&text), kind, dialect, old, &analyze)
        }
    };
    stats.analyzed += analyzed.get();
    let spare = match old {
        Some(o) => {
            let kept: std::collections::HashSet<u64, std::hash::BuildHasherDefault<FxHasher>> =
                chunks.iter().map(|c| c.hash).collect();
            o.chunks
                .iter()
                .filter(|c| !kept.contains(&c.hash))
                .map(|c| (c.hash, c.data.clone()))
                .collect()
        }
        None => FxMap::default(),
    };
    FileData {
        id,
        name,
        text,
        kind,
        dialect,
        open,
        chunks,
        spare,
    }
}

/// Runs an analyzer, turning a panic (a bug, maybe in core's readers) into
/// one diagnostic on the chunk instead of a dead server.
fn guarded(len: usize, f: impl FnOnce() -> ChunkData) -> ChunkData {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(d) => d,
        Err(_) => ChunkData {
            len,
            diags: vec![LocalDiag {
                range: 0..0,
                severity: Severity::Error,
                code: "internal".into(),
                message: "strata could not analyze this part of the file (internal error; see the server log)".into(),
                help: None,
            }],
            ..ChunkData::default()
        },
    }
}

/// Analyzes the chunks at `ranges`, reusing `old`'s chunks with the same text.
fn place(
    text: &str,
    ranges: Vec<(Range<usize>, bool)>,
    kind: FileKind,
    dialect: Dialect,
    old: Option<&FileData>,
    analyze: &dyn Fn(&str) -> ChunkData,
) -> Vec<Placed> {
    let reusable: HashMap<u64, &Arc<ChunkData>> = old
        .map(|o| {
            o.spare
                .iter()
                .map(|(h, d)| (*h, d))
                .chain(o.chunks.iter().map(|c| (c.hash, &c.data)))
                .collect()
        })
        .unwrap_or_default();
    place_at(text, 0, ranges, kind, dialect, &reusable, analyze)
}

/// [`place`] for ranges relative to `base`, reusing `reusable`.
fn place_at(
    text: &str,
    base: usize,
    ranges: Vec<(Range<usize>, bool)>,
    kind: FileKind,
    dialect: Dialect,
    reusable: &HashMap<u64, &Arc<ChunkData>>,
    analyze: &dyn Fn(&str) -> ChunkData,
) -> Vec<Placed> {
    ranges
        .into_iter()
        .map(|(r, complete)| {
            let r = base + r.start..base + r.end;
            let slice = &text[r.clone()];
            let hash = hash_chunk(slice, kind, dialect);
            let data = match reusable.get(&hash) {
                Some(d) if d.len == slice.len() => Arc::clone(d),
                _ => Arc::new(analyze(slice).sealed()),
            };
            Placed {
                base: r.start,
                hash,
                data,
                complete,
            }
        })
        .collect()
}

/// Where `new` differs from `old`: the old range `p..q` was replaced, and the
/// length changed by `delta`.
fn changed_region(o: &[u8], n: &[u8]) -> (usize, usize, isize) {
    let prefix = common_prefix(o, n);
    let max_suffix = o.len().min(n.len()) - prefix;
    let suffix = common_suffix(&o[prefix..], &n[prefix..]).min(max_suffix);
    (
        prefix,
        o.len() - suffix,
        n.len() as isize - o.len() as isize,
    )
}

/// The statements of a SQL file when `new` differs from `old`'s text in one
/// region: the statements before it are kept, the ones after it shifted, and
/// only the window around it is split and analyzed again. The window starts
/// where a statement starts after a delimiter (so the text before it cannot
/// change how it lexes) and must end, after the change, with a delimiter and
/// well-formed comments right where an old statement began (so the text after
/// it splits as before); otherwise it grows a few statements, then gives up
/// (`None`: the whole file is split).
fn sql_respan(
    old: &FileData,
    new: &str,
    analyze: &dyn Fn(&str) -> ChunkData,
) -> Option<Vec<Placed>> {
    let chunks = &old.chunks;
    if chunks.is_empty() {
        return None;
    }
    let dialect = old.dialect;
    // `DELIMITER` changes how everything after it splits.
    if dialect == Dialect::Mysql
        && (sql::has_delimiter_directive(new) || sql::has_delimiter_directive(&old.text))
    {
        return None;
    }
    let (o, n) = (old.text.as_bytes(), new.as_bytes());
    let (p, q, delta) = changed_region(o, n);
    let at = |off: usize| chunks.partition_point(|c| c.base <= off).saturating_sub(1);
    // One statement back: an edit at a statement's start may join the one before.
    let mut i0 = at(p).saturating_sub(1);
    let mut steps = 0;
    while i0 > 0 && !chunks[i0 - 1].complete {
        i0 -= 1;
        steps += 1;
        if steps > 8 {
            return None;
        }
    }
    let win_start = chunks[i0].base;
    let mut i1 = at(q).max(i0);
    loop {
        let last = i1 + 1 == chunks.len();
        let end_old = if last { o.len() } else { chunks[i1 + 1].base };
        let end_new = end_old as isize + delta;
        if end_new < win_start as isize {
            return None;
        }
        let end_new = end_new as usize;
        if !new.is_char_boundary(win_start) || !new.is_char_boundary(end_new) {
            return None;
        }
        let window = &new[win_start..end_new];
        let (ranges, tail_ok) = sql::chunks_checked(window, dialect);
        if !(last || tail_ok && chunks[i1].complete) {
            if i1 >= i0 + 8 {
                return None;
            }
            i1 += 1;
            continue;
        }
        let reusable: HashMap<u64, &Arc<ChunkData>> = old
            .spare
            .iter()
            .map(|(h, d)| (*h, d))
            .chain(chunks[i0..=i1].iter().map(|c| (c.hash, &c.data)))
            .collect();
        let mut out: Vec<Placed> = chunks[..i0].to_vec();
        out.extend(place_at(
            new,
            win_start,
            ranges,
            FileKind::Sql,
            dialect,
            &reusable,
            analyze,
        ));
        for c in &chunks[i1 + 1..] {
            out.push(Placed {
                base: (c.base as isize + delta) as usize,
                hash: c.hash,
                data: c.data.clone(),
                complete: c.complete,
            });
        }
        return Some(out);
    }
}

/// Length of the common prefix (compared a block at a time: this runs on every
/// keystroke over the whole file).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 64 <= n && a[i..i + 64] == b[i..i + 64] {
        i += 64;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (la, lb) = (a.len(), b.len());
    let mut i = 0;
    while i + 64 <= n && a[la - i - 64..la - i] == b[lb - i - 64..lb - i] {
        i += 64;
    }
    while i < n && a[la - i - 1] == b[lb - i - 1] {
        i += 1;
    }
    i
}

/// The chunks of `new` when it differs from `old`'s text in one region: the
/// chunks before it are kept, the ones after it shifted, and only the window
/// of chunks the region touches is split and analyzed again. `None` when the
/// window does not end on a complete item (an unclosed block may swallow the
/// chunks after it): then the whole file is split.
fn respan(old: &FileData, new: &str, analyze: &dyn Fn(&str) -> ChunkData) -> Option<Vec<Placed>> {
    let (o, n) = (old.text.as_bytes(), new.as_bytes());
    let (p, q, delta) = changed_region(o, n);
    let chunks = &old.chunks;
    if chunks.is_empty() {
        return None;
    }
    // The first chunk starting at or before the change, and the first ending at
    // or after it: the window to re-split.
    let i0 = chunks.partition_point(|c| c.base <= p).saturating_sub(1);
    let mut i1 = chunks
        .partition_point(|c| c.base + c.data.len < q)
        .min(chunks.len() - 1);
    // Where an unclosed item ends depends on all the text after it: the chunks
    // outside the window must be complete (balanced).
    if chunks[..i0].iter().any(|c| !c.complete) {
        return None;
    }
    let q_new = (q as isize + delta) as usize;
    let near = |t: &[u8], a: usize, b: usize| {
        t[a.saturating_sub(1)..(b + 1).min(t.len())]
            .iter()
            .any(|c| matches!(c, b'/' | b'*' | b'<'))
    };
    // Block comments and heredocs may span items: an edit near one could change
    // how text outside the window lexes, so the whole file is split instead.
    if near(o, p, q) || near(n, p, q_new) {
        return None;
    }
    let win_start = if i0 == 0 && p < chunks[0].base {
        0
    } else {
        chunks[i0].base
    };
    let (split, win_end_old) = loop {
        if chunks[i1 + 1..].iter().any(|c| !c.complete) {
            return None;
        }
        let end_old = if i1 + 1 == chunks.len() {
            o.len()
        } else {
            chunks[i1].base + chunks[i1].data.len
        };
        // Up to the line's end: an unterminated string would run over trailing blanks.
        let win_end = (end_old as isize + delta) as usize;
        let win_end = match new.get(win_end..).and_then(|r| r.find('\n')) {
            Some(i) => win_end + i,
            None => new.len(),
        };
        if win_end < win_start || !new.is_char_boundary(win_start) || !new.is_char_boundary(win_end)
        {
            return None;
        }
        let window = &new[win_start..win_end];
        if window.contains("<<") || window.contains("/*") {
            return None;
        }
        let split = strata_core::hcl::chunks::split_top_level(window);
        if i1 + 1 < chunks.len() {
            let last = split.last()?;
            // An unclosed item, or comments alone, would run into the next chunk:
            // take that chunk into the window too (a few times at most).
            let only_comments = window[last.range.clone()]
                .lines()
                .map(str::trim)
                .all(|l| l.is_empty() || l.starts_with('#') || l.starts_with("//"));
            if !last.complete || only_comments {
                if i1 >= i0 + 8 {
                    return None;
                }
                i1 += 1;
                continue;
            }
        }
        break (split, (win_end as isize - delta) as usize);
    };
    let kind = old.kind;
    let dialect = old.dialect;
    let mut out: Vec<Placed> = chunks[..i0].to_vec();
    let reusable: HashMap<u64, &Arc<ChunkData>> = old
        .spare
        .iter()
        .map(|(h, d)| (*h, d))
        .chain(chunks[i0..=i1.max(i0)].iter().map(|c| (c.hash, &c.data)))
        .collect();
    for c in split {
        let r = win_start + c.range.start..win_start + c.range.end;
        let slice = &new[r.clone()];
        let hash = hash_chunk(slice, kind, dialect);
        let data = match reusable.get(&hash) {
            Some(d) if d.len == slice.len() => Arc::clone(d),
            _ => Arc::new(analyze(slice).sealed()),
        };
        out.push(Placed {
            base: r.start,
            hash,
            data,
            complete: c.complete,
        });
    }
    for c in &chunks[(i1 + 1).max(i0 + 1).min(chunks.len())..] {
        if c.base < win_end_old {
            continue;
        }
        out.push(Placed {
            base: (c.base as isize + delta) as usize,
            hash: c.hash,
            data: c.data.clone(),
            complete: c.complete,
        });
    }
    Some(out)
}

/// Applies what a statement added to a stand-in table onto the real table.
fn merge_into(t: &mut Table, stub: &Table, at: &Attached) {
    let seeded = (at.seeded as usize).min(stub.columns.len());
    for c in &stub.columns[..seeded] {
        if let Some(x) = t.columns.iter_mut().find(|x| x.name == c.name) {
            x.comment = c.comment.clone();
        }
    }
    t.columns.extend(stub.columns[seeded..].iter().cloned());
    t.indexes.extend(stub.indexes.iter().cloned());
    t.foreign_keys.extend(stub.foreign_keys.iter().cloned());
    t.checks.extend(stub.checks.iter().cloned());
    if let Some(pk) = &stub.primary_key {
        for p in &pk.parts {
            if let Some(c) = p
                .column_name()
                .and_then(|n| t.columns.iter_mut().find(|c| c.name == n))
            {
                c.nullable = false;
            }
        }
        t.primary_key = Some(pk.clone());
    }
    if at.comment {
        t.comment = stub.comment.clone();
    }
}

/// Derived data computed at most once per snapshot, on first use.
#[derive(Default)]
pub(crate) struct Lazy {
    /// Every resolved reference, by what it names.
    pub refs: OnceLock<HashMap<SymbolKey, Vec<FileRange>>>,
    /// Foreign keys by the table they reference: (referencing table def, fk def).
    pub fks_in: OnceLock<HashMap<SymbolKey, Vec<(DefLoc, DefLoc)>>>,
}

/// An immutable snapshot of the workspace; cheap to clone and to send to threads.
#[derive(Clone)]
pub struct Analysis {
    pub(crate) files: Arc<Vec<Option<Arc<FileData>>>>,
    pub(crate) index: Arc<Index>,
    pub(crate) by_name: Arc<HashMap<Arc<str>, FileId>>,
    pub default_dialect: Dialect,
    pub(crate) lazy: Arc<Lazy>,
    pub(crate) diag_cache: Arc<diagnostics::DiagCache>,
    /// Chunks in the workspace.
    pub(crate) chunk_count: usize,
}

impl Analysis {
    pub fn file(&self, id: FileId) -> Option<&Arc<FileData>> {
        self.files.get(id.0 as usize)?.as_ref()
    }

    pub fn file_id(&self, name: &str) -> Option<FileId> {
        self.by_name.get(name).copied()
    }

    pub fn files(&self) -> impl Iterator<Item = &Arc<FileData>> {
        self.files.iter().flatten()
    }

    pub fn chunk(&self, loc: DefLoc) -> Option<&Placed> {
        self.file(loc.file)?.chunks.get(loc.chunk as usize)
    }

    pub fn def(&self, loc: DefLoc) -> Option<&Def> {
        self.chunk(loc)?.data.defs.get(loc.def as usize)
    }

    /// A definition's name range, absolute in its file.
    pub fn def_name_range(&self, loc: DefLoc) -> Option<FileRange> {
        let c = self.chunk(loc)?;
        let d = c.data.defs.get(loc.def as usize)?;
        Some(FileRange {
            file: loc.file,
            range: c.base + d.name_range.start..c.base + d.name_range.end,
        })
    }

    pub fn def_full_range(&self, loc: DefLoc) -> Option<FileRange> {
        let c = self.chunk(loc)?;
        let d = c.data.defs.get(loc.def as usize)?;
        Some(FileRange {
            file: loc.file,
            range: c.base + d.full_range.start..c.base + d.full_range.end,
        })
    }

    /// The model of a table definition, with what other SQL statements add to
    /// it (`ALTER TABLE … ADD`, `CREATE INDEX`, `COMMENT ON`) merged in.
    pub fn table_model(&self, loc: DefLoc) -> Option<Cow<'_, Table>> {
        let c = self.chunk(loc)?;
        let d = c.data.defs.get(loc.def as usize)?;
        let base = c.data.table(d.model?)?;
        if d.kind != DefKind::Table {
            return Some(Cow::Borrowed(base));
        }
        let Some(list) = self.index.attached.get(&*d.key) else {
            return Some(Cow::Borrowed(base));
        };
        let mut t = base.clone();
        for e in list
            .iter()
            .filter(|e| e.schema.eq_ignore_ascii_case(&d.schema))
        {
            let Some(ac) = self.chunk(e.loc) else {
                continue;
            };
            let Some(at) = ac.data.attached.get(e.index as usize) else {
                continue;
            };
            let Some(stub) = ac
                .data
                .realm
                .schemas
                .get(at.model.0 as usize)
                .and_then(|s| s.tables.get(at.model.1 as usize))
            else {
                continue;
            };
            merge_into(&mut t, stub, at);
        }
        Some(Cow::Owned(t))
    }

    /// The (merged) model of the table a definition belongs to.
    pub fn owner_table(&self, loc: DefLoc) -> Option<Cow<'_, Table>> {
        self.table_model(self.owner_of(loc)?)
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The project file's evaluated project, when the workspace has one.
    pub fn project(&self) -> Option<(&Arc<FileData>, &Project)> {
        self.files()
            .filter(|f| f.kind == FileKind::Config)
            .find_map(|f| Some((f, f.chunks.first()?.data.project.as_ref()?)))
    }
}
