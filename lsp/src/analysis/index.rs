//! Workspace-wide names: which file defines which table, and what a reference
//! resolves to. Rebuilt per snapshot from the per-chunk definitions (hash maps,
//! no scans), so a table in a SQL file resolves `table.t.column.c` in HCL and a
//! table in HCL resolves `REFERENCES t (c)` in SQL.

use super::{Analysis, Def, DefKind, DefLoc, FileData, FileRange, FxHasher, FxMap, Ref, RefSpec};
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use strata_core::resolve;

/// The identity of a named object, independent of where it is written.
/// Names are lower-cased: SQL identifiers are case-insensitive.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SymbolKey {
    Schema(String),
    /// A table or view (one namespace).
    Relation {
        schema: String,
        name: String,
    },
    Column {
        schema: String,
        table: String,
        name: String,
    },
    Index {
        schema: String,
        table: String,
        name: String,
    },
    ForeignKey {
        schema: String,
        table: String,
        name: String,
    },
    Trigger {
        schema: String,
        name: String,
    },
    /// An enum or a domain (PostgreSQL types share one namespace).
    Type {
        schema: String,
        name: String,
    },
    Sequence {
        schema: String,
        name: String,
    },
    /// Objects nothing refers to by name (checks, primary keys, envs…).
    Def(DefLoc),
}

fn low(s: &str) -> String {
    s.to_ascii_lowercase()
}

impl SymbolKey {
    pub fn of(def: &Def, loc: DefLoc) -> SymbolKey {
        let table = || low(def.table.as_deref().unwrap_or(""));
        match def.kind {
            DefKind::Schema => SymbolKey::Schema(low(&def.name)),
            DefKind::Table | DefKind::View => SymbolKey::Relation {
                schema: low(&def.schema),
                name: low(&def.name),
            },
            DefKind::Column => SymbolKey::Column {
                schema: low(&def.schema),
                table: table(),
                name: low(&def.name),
            },
            DefKind::Index => SymbolKey::Index {
                schema: low(&def.schema),
                table: table(),
                name: low(&def.name),
            },
            DefKind::ForeignKey => SymbolKey::ForeignKey {
                schema: low(&def.schema),
                table: table(),
                name: low(&def.name),
            },
            DefKind::Trigger => SymbolKey::Trigger {
                schema: low(&def.schema),
                name: low(&def.name),
            },
            DefKind::Enum | DefKind::Domain => SymbolKey::Type {
                schema: low(&def.schema),
                name: low(&def.name),
            },
            DefKind::Sequence => SymbolKey::Sequence {
                schema: low(&def.schema),
                name: low(&def.name),
            },
            _ => SymbolKey::Def(loc),
        }
    }
}

/// A table or view definition.
#[derive(Clone, Debug)]
pub struct RelEntry {
    pub loc: DefLoc,
    pub schema: String,
    pub name: String,
    /// The defining chunk's [`super::ChunkData::names_hash`].
    pub names_hash: u64,
}

/// SQL statements that add to a table created elsewhere ([`super::Attached`]).
#[derive(Clone, Debug)]
pub struct AttachEntry {
    /// The statement's chunk (`def` is unused).
    pub loc: DefLoc,
    /// Which of the chunk's attachments.
    pub index: u32,
    pub schema: String,
    pub names_hash: u64,
}

#[derive(Default)]
pub struct Index {
    /// Tables and views by lower-cased name.
    pub relations: FxMap<Arc<str>, Vec<RelEntry>>,
    /// What other statements add to tables, by lower-cased table name.
    pub attached: FxMap<Arc<str>, Vec<AttachEntry>>,
    /// Enums and domains by lower-cased name.
    pub types: FxMap<Arc<str>, Vec<RelEntry>>,
    /// `schema` blocks by lower-cased name.
    pub schemas: HashMap<String, Vec<DefLoc>>,
    /// Schemas and triggers by key (duplicates share a key).
    pub by_key: HashMap<SymbolKey, Vec<DefLoc>>,
    /// Changes when a name (or column type) another file could resolve against
    /// changes: then every file needs its diagnostics again.
    pub names_hash: u64,
    /// Changes when a `schema` block is added, removed or renamed.
    pub schemas_hash: u64,
}

impl Index {
    pub fn build(files: &[Option<Arc<FileData>>]) -> Index {
        let mut ix = Index::default();
        let mut h = FxHasher::default();
        let mut sh = FxHasher::default();
        for f in files.iter().flatten() {
            for (ci, c) in f.chunks.iter().enumerate() {
                (f.id, c.data.names_hash).hash(&mut h);
                for (ai, at) in c.data.attached.iter().enumerate() {
                    ix.attached
                        .entry(at.key.clone())
                        .or_default()
                        .push(AttachEntry {
                            loc: DefLoc {
                                file: f.id,
                                chunk: ci as u32,
                                def: 0,
                            },
                            index: ai as u32,
                            schema: at.schema.clone(),
                            names_hash: c.data.names_hash,
                        });
                }
                for (di, d) in c.data.defs.iter().enumerate() {
                    // Children are found through their table; only top-level names here.
                    if d.parent.is_some() {
                        continue;
                    }
                    let loc = DefLoc {
                        file: f.id,
                        chunk: ci as u32,
                        def: di as u32,
                    };
                    match d.kind {
                        DefKind::Table | DefKind::View => ix
                            .relations
                            .entry(d.key.clone())
                            .or_default()
                            .push(RelEntry {
                                loc,
                                schema: d.schema.clone(),
                                name: d.name.clone(),
                                names_hash: c.data.names_hash,
                            }),
                        DefKind::Schema => {
                            (f.id, &d.key).hash(&mut sh);
                            ix.schemas.entry(low(&d.name)).or_default().push(loc);
                            ix.by_key
                                .entry(SymbolKey::of(d, loc))
                                .or_default()
                                .push(loc);
                        }
                        DefKind::Enum | DefKind::Domain => {
                            ix.types.entry(d.key.clone()).or_default().push(RelEntry {
                                loc,
                                schema: d.schema.clone(),
                                name: d.name.clone(),
                                names_hash: c.data.names_hash,
                            });
                            ix.by_key
                                .entry(SymbolKey::of(d, loc))
                                .or_default()
                                .push(loc);
                        }
                        DefKind::Trigger | DefKind::Sequence => ix
                            .by_key
                            .entry(SymbolKey::of(d, loc))
                            .or_default()
                            .push(loc),
                        _ => {}
                    }
                }
            }
        }
        ix.names_hash = h.finish();
        ix.schemas_hash = sh.finish();
        ix
    }

    /// What resolving the name `key` depends on: its definitions and their chunks.
    pub fn relation_hash(&self, key: &str) -> u64 {
        let mut h = FxHasher::default();
        key.hash(&mut h);
        for e in self.relations.get(key).into_iter().flatten() {
            (e.loc.file, e.names_hash, &e.schema).hash(&mut h);
        }
        for e in self.attached.get(key).into_iter().flatten() {
            (e.loc.file, e.names_hash, &e.schema).hash(&mut h);
        }
        h.finish()
    }
}

/// The workspace index as core's resolver sees it: relations by lower-cased
/// name, schemas and columns compared ignoring case.
struct WsNames<'a>(&'a Analysis);

impl<'a> resolve::Names for WsNames<'a> {
    type Rel = &'a RelEntry;

    fn relations<'s>(&'s self, name: &str) -> impl Iterator<Item = (&'a RelEntry, &'s str)> + 's {
        let key: Cow<str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(low(name))
        } else {
            Cow::Borrowed(name)
        };
        self.0
            .index
            .relations
            .get(&*key)
            .into_iter()
            .flatten()
            .map(|e| (e, e.schema.as_str()))
    }

    fn same_schema(&self, a: &str, b: &str) -> bool {
        a.eq_ignore_ascii_case(b)
    }

    /// Every name, unless there are so many that comparing each would make
    /// a keystroke slow.
    fn relation_names(&self) -> Vec<&str> {
        if self.0.index.relations.len() > 20_000 {
            return Vec::new();
        }
        self.0
            .index
            .relations
            .values()
            .filter_map(|v| v.first())
            .map(|e| e.name.as_str())
            .collect()
    }

    fn has_column(&self, rel: &'a RelEntry, column: &str) -> bool {
        self.0.has_column(rel.loc, column)
    }

    fn columns_known(&self, rel: &'a RelEntry) -> bool {
        self.0.def(rel.loc).is_none_or(|d| d.kind != DefKind::View)
    }

    fn column_names(&self, rel: &'a RelEntry) -> Vec<&str> {
        self.0
            .children(rel.loc)
            .filter(|(_, d)| d.kind == DefKind::Column)
            .map(|(_, d)| d.name.as_str())
            .collect()
    }
}

impl From<resolve::Unresolved> for Resolution {
    fn from(e: resolve::Unresolved) -> Resolution {
        if e.ambiguous {
            Resolution::Ambiguous(e.message)
        } else {
            Resolution::Unresolved {
                message: e.message,
                help: e.help,
            }
        }
    }
}

/// What a reference resolved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    Found {
        key: SymbolKey,
        defs: Vec<DefLoc>,
    },
    Unresolved {
        message: String,
        help: Option<String>,
    },
    Ambiguous(String),
    /// Not reported: the part before it already failed, or it is a guess.
    Unknown,
}

impl Analysis {
    /// The tables (and views) named `name`, in `schema` if given, preferring
    /// the schema the reference is written in.
    pub fn lookup_relation(
        &self,
        schema: Option<&str>,
        name: &str,
        owner_schema: &str,
    ) -> Result<Vec<&RelEntry>, Resolution> {
        resolve::relation(&WsNames(self), schema, name, owner_schema).map_err(Resolution::from)
    }

    /// The definitions belonging to a table: its own children, then what
    /// other SQL statements add to it (`ALTER TABLE … ADD`, `CREATE INDEX`).
    pub fn children(&self, table: DefLoc) -> impl Iterator<Item = (DefLoc, &Def)> + '_ {
        let td = self.def(table);
        let own = td.map_or(0..0, |d| d.children.clone());
        let own = own.filter_map(move |i| {
            let loc = DefLoc { def: i, ..table };
            Some((loc, self.def(loc)?))
        });
        let attached = td
            .filter(|d| d.kind == DefKind::Table)
            .and_then(|d| {
                let list = self.index.attached.get(&*d.key)?;
                Some(
                    list.iter()
                        .filter(move |e| e.schema.eq_ignore_ascii_case(&d.schema)),
                )
            })
            .into_iter()
            .flatten()
            .flat_map(move |e| {
                let c = self.chunk(e.loc);
                let defs = c
                    .and_then(|c| c.data.attached.get(e.index as usize))
                    .map_or(0..0, |a| a.defs.clone());
                defs.filter_map(move |i| {
                    let loc = DefLoc { def: i, ..e.loc };
                    Some((loc, self.def(loc)?))
                })
            });
        own.chain(attached)
    }

    /// The table a definition belongs to: itself for a table or view, its
    /// parent for a child, the table a SQL statement adds it to otherwise.
    pub fn owner_of(&self, loc: DefLoc) -> Option<DefLoc> {
        let d = self.def(loc)?;
        if d.kind.is_relation() {
            return Some(loc);
        }
        if let Some(p) = d.parent {
            return Some(DefLoc { def: p, ..loc });
        }
        let table = d.table.as_deref()?;
        let found = self
            .lookup_relation(Some(&d.schema), table, &d.schema)
            .ok()?;
        Some(found.first()?.loc)
    }

    /// The columns named `column` among the children of the tables `tables`.
    pub fn lookup_column(&self, tables: &[&RelEntry], column: &str) -> Vec<DefLoc> {
        let mut out = Vec::new();
        for t in tables {
            let mut exact = None;
            let mut loose = None;
            for (loc, d) in self.children(t.loc) {
                if d.kind != DefKind::Column {
                    continue;
                }
                if d.name == column {
                    exact = Some(loc);
                    break;
                }
                if loose.is_none() && d.name.eq_ignore_ascii_case(column) {
                    loose = Some(loc);
                }
            }
            if let Some(l) = exact.or(loose) {
                out.push(l);
            }
        }
        out
    }

    pub fn resolve(&self, r: &Ref) -> Resolution {
        let res = self.resolve_keyed(&r.spec, &r.key, &r.owner_schema);
        match res {
            Resolution::Unresolved { .. } | Resolution::Ambiguous(_) if r.soft => {
                Resolution::Unknown
            }
            other => other,
        }
    }

    pub fn resolve_spec(&self, spec: &RefSpec, owner_schema: &str) -> Resolution {
        let key = match spec {
            RefSpec::Schema(n)
            | RefSpec::Table { name: n, .. }
            | RefSpec::Type { name: n, .. }
            | RefSpec::Column { table: n, .. } => low(n),
            RefSpec::AnyColumn { tables, .. } => {
                tables.first().map_or_else(String::new, |t| low(&t.1))
            }
        };
        self.resolve_keyed(spec, &key, owner_schema)
    }

    fn resolve_keyed(&self, spec: &RefSpec, key: &str, owner_schema: &str) -> Resolution {
        match spec {
            RefSpec::Schema(name) => match self.index.schemas.get(key) {
                Some(defs) => Resolution::Found {
                    key: SymbolKey::Schema(key.to_string()),
                    defs: defs.clone(),
                },
                None => {
                    let declared = self.index.schemas.keys().map(String::as_str);
                    match resolve::schema(declared, name, str::eq_ignore_ascii_case) {
                        Err(e) => e.into(),
                        Ok(()) => Resolution::Unknown,
                    }
                }
            },
            RefSpec::Type { schema, name } => {
                self.resolve_type(key, schema.as_deref(), name, owner_schema)
            }
            RefSpec::Table { schema, name } => {
                match self.lookup_relation(schema.as_deref(), name, owner_schema) {
                    Ok(found) => Resolution::Found {
                        key: SymbolKey::Relation {
                            schema: low(&found[0].schema),
                            name: key.to_string(),
                        },
                        defs: found.iter().map(|e| e.loc).collect(),
                    },
                    Err(e) => e,
                }
            }
            RefSpec::Column {
                schema,
                table,
                column,
                implicit,
            } => {
                let tables = match self.lookup_relation(schema.as_deref(), table, owner_schema) {
                    Ok(t) => t,
                    Err(e) if *implicit => return e,
                    Err(_) => return Resolution::Unknown,
                };
                let defs = self.lookup_column(&tables, column);
                if defs.is_empty() {
                    return match resolve::column(&WsNames(self), &tables, table, column) {
                        Err(e) => e.into(),
                        // A view's columns come from its query.
                        Ok(_) => Resolution::Unknown,
                    };
                }
                Resolution::Found {
                    key: SymbolKey::Column {
                        schema: low(&tables[0].schema),
                        table: key.to_string(),
                        name: low(column),
                    },
                    defs,
                }
            }
            RefSpec::AnyColumn { tables, column } => {
                let mut found = None;
                for (schema, table) in tables {
                    let spec = RefSpec::Column {
                        schema: schema.clone(),
                        table: table.clone(),
                        column: column.clone(),
                        implicit: false,
                    };
                    if let Resolution::Found { key, defs } =
                        self.resolve_keyed(&spec, &low(table), owner_schema)
                    {
                        if found.is_some() {
                            // Two tables have it: SQL would call it ambiguous.
                            return Resolution::Unknown;
                        }
                        found = Some(Resolution::Found { key, defs });
                    }
                }
                found.unwrap_or(Resolution::Unknown)
            }
        }
    }

    /// Whether a reference resolves, without building its key: for diagnostics.
    /// `Err` holds the problem (unresolved or ambiguous).
    pub fn check(&self, r: &Ref) -> Result<(), Resolution> {
        let res = match &r.spec {
            RefSpec::Schema(_) => {
                if self.index.schemas.contains_key(&*r.key) {
                    return Ok(());
                }
                self.resolve(r)
            }
            RefSpec::Table { schema, name } => {
                match self.lookup_relation(schema.as_deref(), name, &r.owner_schema) {
                    Ok(_) => return Ok(()),
                    Err(e) => e,
                }
            }
            RefSpec::Column {
                schema,
                table,
                column,
                implicit,
            } => match self.lookup_relation(schema.as_deref(), table, &r.owner_schema) {
                Ok(tables) => {
                    if tables.iter().any(|t| self.has_column(t.loc, column)) {
                        return Ok(());
                    }
                    self.resolve(r)
                }
                Err(e) if *implicit => e,
                Err(_) => return Ok(()),
            },
            RefSpec::AnyColumn { .. } => return Ok(()),
            RefSpec::Type { .. } => self.resolve(r),
        };
        match res {
            Resolution::Unresolved { .. } | Resolution::Ambiguous(_) if !r.soft => Err(res),
            _ => Ok(()),
        }
    }

    /// An enum or domain named `key`, in `schema` if given, else preferring the
    /// schema the reference is written in.
    fn resolve_type(
        &self,
        key: &str,
        schema: Option<&str>,
        name: &str,
        owner_schema: &str,
    ) -> Resolution {
        let found: Vec<&RelEntry> = self
            .index
            .types
            .get(key)
            .into_iter()
            .flatten()
            .filter(|e| schema.is_none_or(|s| e.schema.eq_ignore_ascii_case(s)))
            .collect();
        let Some(first) = found.first() else {
            return Resolution::Unresolved {
                message: format!("type `{name}` is not defined"),
                help: None,
            };
        };
        let pick: Vec<&RelEntry> = if found
            .iter()
            .all(|e| e.schema.eq_ignore_ascii_case(&first.schema))
        {
            found
        } else {
            let own: Vec<&RelEntry> = found
                .iter()
                .copied()
                .filter(|e| e.schema.eq_ignore_ascii_case(owner_schema))
                .collect();
            if own.is_empty() {
                return Resolution::Ambiguous(format!(
                    "`{name}` is defined in more than one schema; qualify it as `enum.SCHEMA.{name}`"
                ));
            }
            own
        };
        Resolution::Found {
            key: SymbolKey::Type {
                schema: low(&pick[0].schema),
                name: key.to_string(),
            },
            defs: pick.iter().map(|e| e.loc).collect(),
        }
    }

    fn has_column(&self, table: DefLoc, column: &str) -> bool {
        self.children(table)
            .any(|(_, d)| d.kind == DefKind::Column && d.name.eq_ignore_ascii_case(column))
    }

    /// Every resolved reference in the workspace, by what it names (computed
    /// once per snapshot).
    pub fn all_refs(&self) -> &HashMap<SymbolKey, Vec<FileRange>> {
        self.lazy.refs.get_or_init(|| {
            let mut map: HashMap<SymbolKey, Vec<FileRange>> = HashMap::new();
            for f in self.files() {
                for (r, base) in f.refs() {
                    if let Resolution::Found { key, .. } = self.resolve(r) {
                        map.entry(key).or_default().push(FileRange {
                            file: f.id,
                            range: base + r.range.start..base + r.range.end,
                        });
                    }
                }
            }
            map
        })
    }

    /// Foreign keys pointing at each table: (the FK's table, the FK).
    pub fn fks_in(&self) -> &HashMap<SymbolKey, Vec<(DefLoc, DefLoc)>> {
        self.lazy.fks_in.get_or_init(|| {
            let mut map: HashMap<SymbolKey, Vec<(DefLoc, DefLoc)>> = HashMap::new();
            for f in self.files() {
                for (loc, d, _) in f.defs() {
                    if d.kind != DefKind::ForeignKey {
                        continue;
                    }
                    let Some(fk) = d.model.and_then(|m| self.chunk(loc)?.data.fk(m)) else {
                        continue;
                    };
                    let Ok(found) = self.lookup_relation(
                        fk.ref_schema.as_deref().filter(|s| !s.is_empty()),
                        &fk.ref_table,
                        &d.schema,
                    ) else {
                        continue;
                    };
                    let key = SymbolKey::Relation {
                        schema: low(&found[0].schema),
                        name: low(&found[0].name),
                    };
                    let Some(parent) = self.owner_of(loc) else {
                        continue;
                    };
                    map.entry(key).or_default().push((parent, loc));
                }
            }
            map
        })
    }

    /// The definitions of a key.
    pub fn defs_of(&self, key: &SymbolKey) -> Vec<DefLoc> {
        let children = |schema: &str, table: &str, kind: DefKind, name: &str| -> Vec<DefLoc> {
            let Ok(tables) = self.lookup_relation(Some(schema), table, schema) else {
                return Vec::new();
            };
            if kind == DefKind::Column {
                return self.lookup_column(&tables, name);
            }
            let mut out = Vec::new();
            for t in tables {
                for (loc, d) in self.children(t.loc) {
                    if d.kind == kind && d.name.eq_ignore_ascii_case(name) {
                        out.push(loc);
                    }
                }
            }
            out
        };
        match key {
            SymbolKey::Def(loc) => vec![*loc],
            SymbolKey::Relation { schema, name } => self
                .index
                .relations
                .get(name.as_str())
                .into_iter()
                .flatten()
                .filter(|e| e.schema.eq_ignore_ascii_case(schema))
                .map(|e| e.loc)
                .collect(),
            SymbolKey::Column {
                schema,
                table,
                name,
            } => children(schema, table, DefKind::Column, name),
            SymbolKey::Index {
                schema,
                table,
                name,
            } => children(schema, table, DefKind::Index, name),
            SymbolKey::ForeignKey {
                schema,
                table,
                name,
            } => children(schema, table, DefKind::ForeignKey, name),
            k => self.index.by_key.get(k).cloned().unwrap_or_default(),
        }
    }
}
