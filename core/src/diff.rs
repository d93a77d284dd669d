//! Compares two realms (inspected current state, normalized desired state) and
//! lists typed changes. Renames come only from `renamed_from`, never from guessing.

use crate::dialect::Dialect;
use crate::model::*;
use crate::project::SkipPolicy;
use crate::sql::lex::normalize;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

// Changes are few and short-lived; boxing the tables would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    AddSchema {
        schema: String,
        comment: Option<String>,
    },
    DropSchema {
        schema: String,
    },
    ModifySchemaComment {
        schema: String,
        from: Option<String>,
        to: Option<String>,
    },
    AddExtension {
        extension: Extension,
    },
    DropExtension {
        extension: Extension,
    },
    AddEnum {
        schema: String,
        enum_type: EnumType,
    },
    DropEnum {
        schema: String,
        enum_type: EnumType,
    },
    /// Values only appended are added in place; anything else recreates the type.
    ModifyEnum {
        schema: String,
        from: EnumType,
        to: EnumType,
    },
    AddDomain {
        schema: String,
        domain: Domain,
    },
    DropDomain {
        schema: String,
        domain: Domain,
    },
    ModifyDomain {
        schema: String,
        from: Domain,
        to: Domain,
    },
    AddSequence {
        schema: String,
        sequence: Sequence,
    },
    DropSequence {
        schema: String,
        sequence: Sequence,
    },
    ModifySequence {
        schema: String,
        from: Sequence,
        to: Sequence,
    },
    AddRoutine {
        schema: String,
        routine: Routine,
    },
    DropRoutine {
        schema: String,
        routine: Routine,
    },
    ModifyRoutine {
        schema: String,
        from: Routine,
        to: Routine,
    },
    AddTable {
        schema: String,
        table: Table,
    },
    DropTable {
        schema: String,
        table: Table,
    },
    RenameTable {
        schema: String,
        from: String,
        to: String,
    },
    /// `from` is the current table under its new name (after any rename).
    ModifyTable {
        schema: String,
        from: Table,
        to: Table,
        changes: Vec<TableChange>,
    },
    AddView {
        schema: String,
        view: View,
    },
    DropView {
        schema: String,
        view: View,
    },
    ModifyView {
        schema: String,
        from: View,
        to: View,
    },
    AddTrigger {
        schema: String,
        trigger: Trigger,
    },
    DropTrigger {
        schema: String,
        trigger: Trigger,
    },
    ModifyTrigger {
        schema: String,
        from: Trigger,
        to: Trigger,
    },
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum TableChange {
    AddColumn {
        column: Column,
    },
    DropColumn {
        column: Column,
    },
    RenameColumn {
        from: String,
        to: String,
    },
    ModifyColumn {
        from: Column,
        to: Column,
        aspects: Vec<ColumnAspect>,
    },
    AddIndex {
        index: Index,
    },
    DropIndex {
        index: Index,
    },
    ModifyIndex {
        from: Index,
        to: Index,
    },
    AddForeignKey {
        fk: ForeignKey,
    },
    DropForeignKey {
        fk: ForeignKey,
    },
    ModifyForeignKey {
        from: ForeignKey,
        to: ForeignKey,
    },
    AddCheck {
        check: Check,
    },
    DropCheck {
        check: Check,
    },
    ModifyCheck {
        from: Check,
        to: Check,
    },
    AddPolicy {
        policy: Policy,
    },
    DropPolicy {
        policy: Policy,
    },
    ModifyPolicy {
        from: Policy,
        to: Policy,
    },
    ModifyPrimaryKey {
        from: Option<PrimaryKey>,
        to: Option<PrimaryKey>,
    },
    ModifyAttr {
        key: String,
        from: Option<AttrValue>,
        to: Option<AttrValue>,
    },
    ModifyComment {
        from: Option<String>,
        to: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnAspect {
    Type,
    Null,
    Default,
    Generated,
    AutoIncrement,
    Collation,
    Comment,
    /// Dialect-specific settings, e.g. a PostgreSQL identity.
    Attrs,
}

#[derive(Clone, Debug, Default)]
pub struct DiffOptions {
    pub skip: SkipPolicy,
    /// PostgreSQL: build and drop indexes of existing tables CONCURRENTLY.
    pub concurrent_index: crate::project::ConcurrentIndex,
}

/// The changes that take `from` to `to`.
pub fn diff(from: &Realm, to: &Realm, dialect: Dialect, opts: &DiffOptions) -> Vec<Change> {
    let mut out = Vec::new();
    let cmp = Cmp { dialect };
    let empty = Schema::default();
    let mut names: Vec<&str> = to.schemas.iter().map(|s| s.name.as_str()).collect();
    for s in &from.schemas {
        if !names.contains(&s.name.as_str()) {
            names.push(&s.name);
        }
    }
    let schemas_are_objects = dialect.rules().schemas_are_objects;
    if schemas_are_objects {
        cmp.realm_objects(from, to, &mut out);
    }
    if !schemas_are_objects && from.schemas.len() == 1 && to.schemas.len() == 1 {
        // Where a schema is the database itself (MySQL: the one a URL names,
        // a scratch dev database), one schema on each side is the same
        // object whatever each side calls it; changes name the target's.
        let (f, t) = (&from.schemas[0], &to.schemas[0]);
        cmp.schema(&f.name, f, t, &mut out);
        names.clear();
    }
    for name in names {
        let f = from.schema(name).unwrap_or(&empty);
        let t = to.schema(name).unwrap_or(&empty);
        cmp.schema(name, f, t, &mut out);
    }
    if schemas_are_objects {
        // Schemas go last: a dropped schema's objects are dropped first.
        for s in &from.schemas {
            if to.schema(&s.name).is_none() {
                out.push(Change::DropSchema {
                    schema: s.name.clone(),
                });
            }
        }
    }
    out.retain(|c| !skipped(c, &opts.skip));
    for c in &mut out {
        if let Change::ModifyTable { changes, .. } = c {
            changes.retain(|tc| !skipped_table_change(tc, &opts.skip));
        }
    }
    out.retain(|c| !matches!(c, Change::ModifyTable { changes, .. } if changes.is_empty()));
    out
}

fn skipped(c: &Change, s: &SkipPolicy) -> bool {
    let routine = |r: &Routine, func: bool, proc: bool| if r.procedure { proc } else { func };
    match c {
        Change::AddSchema { .. } => s.add_schema,
        Change::DropSchema { .. } => s.drop_schema,
        Change::ModifySchemaComment { .. } => s.modify_schema,
        Change::AddExtension { .. }
        | Change::AddEnum { .. }
        | Change::AddDomain { .. }
        | Change::AddSequence { .. } => s.add_object,
        Change::DropExtension { .. }
        | Change::DropEnum { .. }
        | Change::DropDomain { .. }
        | Change::DropSequence { .. } => s.drop_object,
        Change::ModifyEnum { .. } | Change::ModifyDomain { .. } | Change::ModifySequence { .. } => {
            s.modify_object
        }
        Change::AddRoutine { routine: r, .. } => routine(r, s.add_func, s.add_proc),
        Change::DropRoutine { routine: r, .. } => routine(r, s.drop_func, s.drop_proc),
        Change::ModifyRoutine { to: r, .. } => routine(r, s.modify_func, s.modify_proc),
        Change::AddTable { .. } => s.add_table,
        Change::DropTable { .. } => s.drop_table,
        Change::RenameTable { .. } => s.rename_table,
        Change::ModifyTable { .. } => s.modify_table,
        Change::AddView { .. } => s.add_view,
        Change::DropView { .. } => s.drop_view,
        Change::ModifyView { .. } => s.modify_view,
        Change::AddTrigger { .. } => s.add_trigger,
        Change::DropTrigger { .. } => s.drop_trigger,
        Change::ModifyTrigger { .. } => s.modify_trigger,
    }
}

fn skipped_table_change(c: &TableChange, s: &SkipPolicy) -> bool {
    match c {
        TableChange::AddColumn { .. } => s.add_column,
        TableChange::DropColumn { .. } => s.drop_column,
        TableChange::RenameColumn { .. } => s.rename_column,
        TableChange::ModifyColumn { .. } => s.modify_column,
        TableChange::AddIndex { .. } => s.add_index,
        TableChange::DropIndex { .. } => s.drop_index,
        TableChange::ModifyIndex { .. } => s.modify_index,
        TableChange::AddForeignKey { .. } => s.add_foreign_key,
        TableChange::DropForeignKey { .. } => s.drop_foreign_key,
        TableChange::ModifyForeignKey { .. } => s.modify_foreign_key,
        TableChange::AddCheck { .. } => s.add_check,
        TableChange::DropCheck { .. } => s.drop_check,
        TableChange::ModifyCheck { .. } => s.modify_check,
        TableChange::AddPolicy { .. } => s.add_policy,
        TableChange::DropPolicy { .. } => s.drop_policy,
        TableChange::ModifyPolicy { .. } => s.modify_policy,
        // Turning row-level security off drops the protection its policies give.
        TableChange::ModifyAttr { key, to, .. } if key.starts_with("row_security") => {
            s.drop_policy && !matches!(to, Some(AttrValue::Bool(true)))
        }
        _ => false,
    }
}

/// Dialect-aware equality of the parts of a schema.
struct Cmp {
    dialect: Dialect,
}

impl Cmp {
    /// The key names match by: SQLite and MySQL compare identifiers ignoring case.
    fn key(&self, name: &str) -> String {
        if self.dialect.rules().fold_case {
            name.to_ascii_lowercase()
        } else {
            name.to_string()
        }
    }

    /// Schemas and extensions: objects of the database rather than of a schema.
    fn realm_objects(&self, from: &Realm, to: &Realm, out: &mut Vec<Change>) {
        for s in &to.schemas {
            match from.schema(&s.name) {
                None => out.push(Change::AddSchema {
                    schema: s.name.clone(),
                    comment: s.comment.clone(),
                }),
                Some(f) if f.comment != s.comment => out.push(Change::ModifySchemaComment {
                    schema: s.name.clone(),
                    from: f.comment.clone(),
                    to: s.comment.clone(),
                }),
                Some(_) => {}
            }
        }
        for e in &to.extensions {
            if !from.extensions.iter().any(|f| f.name == e.name) {
                out.push(Change::AddExtension {
                    extension: e.clone(),
                });
            }
        }
        for e in &from.extensions {
            if !to.extensions.iter().any(|t| t.name == e.name) {
                out.push(Change::DropExtension {
                    extension: e.clone(),
                });
            }
        }
    }

    fn enums(&self, schema: &str, from: &Schema, to: &Schema, out: &mut Vec<Change>) {
        for e in &to.enums {
            let current = from.enums.iter().find(|f| f.name == e.name).or_else(|| {
                let old = e.renamed_from.as_deref()?;
                from.enums
                    .iter()
                    .find(|f| f.name == old && !to.enums.iter().any(|t| t.name == old))
            });
            match current {
                None => out.push(Change::AddEnum {
                    schema: schema.into(),
                    enum_type: e.clone(),
                }),
                Some(f) if f.values != e.values || f.name != e.name || f.comment != e.comment => {
                    out.push(Change::ModifyEnum {
                        schema: schema.into(),
                        from: f.clone(),
                        to: e.clone(),
                    })
                }
                Some(_) => {}
            }
        }
        for f in &from.enums {
            let kept = to
                .enums
                .iter()
                .any(|t| t.name == f.name || t.renamed_from.as_deref() == Some(&f.name));
            if !kept {
                out.push(Change::DropEnum {
                    schema: schema.into(),
                    enum_type: f.clone(),
                });
            }
        }
    }

    fn domains(&self, schema: &str, from: &Schema, to: &Schema, out: &mut Vec<Change>) {
        let checks_eq = |a: &[Check], b: &[Check]| {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| x.name == y.name && expr_eq(&x.expr, &y.expr))
        };
        for d in &to.domains {
            match from.domains.iter().find(|f| f.name == d.name) {
                None => out.push(Change::AddDomain {
                    schema: schema.into(),
                    domain: d.clone(),
                }),
                Some(f)
                    if !type_eq(&f.ty, &d.ty)
                        || f.nullable != d.nullable
                        || !default_eq(f.default.as_deref(), d.default.as_deref())
                        || f.collation != d.collation
                        || !checks_eq(&f.checks, &d.checks)
                        || f.comment != d.comment =>
                {
                    out.push(Change::ModifyDomain {
                        schema: schema.into(),
                        from: f.clone(),
                        to: d.clone(),
                    })
                }
                Some(_) => {}
            }
        }
        for f in &from.domains {
            if !to.domains.iter().any(|d| d.name == f.name) {
                out.push(Change::DropDomain {
                    schema: schema.into(),
                    domain: f.clone(),
                });
            }
        }
    }

    fn sequences(&self, schema: &str, from: &Schema, to: &Schema, out: &mut Vec<Change>) {
        for q in &to.sequences {
            match from.sequences.iter().find(|f| f.name == q.name) {
                None => out.push(Change::AddSequence {
                    schema: schema.into(),
                    sequence: q.clone(),
                }),
                Some(f)
                    if f.options != q.options
                        || f.owned_by != q.owned_by
                        || f.comment != q.comment =>
                {
                    out.push(Change::ModifySequence {
                        schema: schema.into(),
                        from: f.clone(),
                        to: q.clone(),
                    })
                }
                Some(_) => {}
            }
        }
        for f in &from.sequences {
            if !to.sequences.iter().any(|q| q.name == f.name) {
                out.push(Change::DropSequence {
                    schema: schema.into(),
                    sequence: f.clone(),
                });
            }
        }
    }

    fn routines(&self, schema: &str, from: &Schema, to: &Schema, out: &mut Vec<Change>) {
        let same = |a: &Routine, b: &Routine| a.name == b.name && expr_eq(&a.args, &b.args);
        for r in &to.routines {
            match from.routines.iter().find(|f| same(f, r)) {
                None => out.push(Change::AddRoutine {
                    schema: schema.into(),
                    routine: r.clone(),
                }),
                Some(f) if !expr_eq(&f.def, &r.def) || f.comment != r.comment => {
                    out.push(Change::ModifyRoutine {
                        schema: schema.into(),
                        from: f.clone(),
                        to: r.clone(),
                    })
                }
                Some(_) => {}
            }
        }
        for f in &from.routines {
            if !to.routines.iter().any(|r| same(f, r)) {
                out.push(Change::DropRoutine {
                    schema: schema.into(),
                    routine: f.clone(),
                });
            }
        }
    }

    fn schema(&self, name: &str, from: &Schema, to: &Schema, out: &mut Vec<Change>) {
        let schema = name.to_string();
        self.enums(&schema, from, to, out);
        self.domains(&schema, from, to, out);
        self.sequences(&schema, from, to, out);
        self.routines(&schema, from, to, out);
        let from_tables: HashMap<String, &Table> =
            from.tables.iter().map(|t| (self.key(&t.name), t)).collect();
        let to_names: HashSet<String> = to.tables.iter().map(|t| self.key(&t.name)).collect();
        let mut matched = HashSet::new();
        for t in &to.tables {
            let (current, renamed) = match from_tables.get(&self.key(&t.name)) {
                Some(c) => (Some(*c), false),
                None => match t.renamed_from.as_deref() {
                    Some(old) if !to_names.contains(&self.key(old)) => {
                        (from_tables.get(&self.key(old)).copied(), true)
                    }
                    _ => (None, false),
                },
            };
            match current {
                None => out.push(Change::AddTable {
                    schema: schema.clone(),
                    table: t.clone(),
                }),
                Some(c) => {
                    matched.insert(self.key(&c.name));
                    if renamed {
                        out.push(Change::RenameTable {
                            schema: schema.clone(),
                            from: c.name.clone(),
                            to: t.name.clone(),
                        });
                    }
                    let changes = self.table(c, t);
                    if !changes.is_empty() {
                        let mut from = c.clone();
                        from.name = t.name.clone();
                        out.push(Change::ModifyTable {
                            schema: schema.clone(),
                            from,
                            to: t.clone(),
                            changes,
                        });
                    }
                }
            }
        }
        for t in &from.tables {
            if !matched.contains(&self.key(&t.name)) {
                out.push(Change::DropTable {
                    schema: schema.clone(),
                    table: t.clone(),
                });
            }
        }
        self.views(&schema, from, to, out);
        self.triggers(&schema, from, to, out);
    }

    fn views(&self, schema: &str, from: &Schema, to: &Schema, out: &mut Vec<Change>) {
        let find = |s: &'_ Schema, name: &str| {
            s.views
                .iter()
                .find(|v| self.ident_eq(&v.name, name))
                .cloned()
        };
        for v in &to.views {
            match find(from, &v.name).as_ref() {
                None => out.push(Change::AddView {
                    schema: schema.into(),
                    view: v.clone(),
                }),
                Some(c)
                    if !expr_eq(&c.def, &v.def)
                        || c.comment != v.comment
                        || !self.view_indexes_eq(c, v) =>
                {
                    out.push(Change::ModifyView {
                        schema: schema.into(),
                        from: c.clone(),
                        to: v.clone(),
                    })
                }
                Some(_) => {}
            }
        }
        for v in &from.views {
            if find(to, &v.name).is_none() {
                out.push(Change::DropView {
                    schema: schema.into(),
                    view: v.clone(),
                });
            }
        }
    }

    /// Whether `a` (current) and `b` (desired) are the same trigger: a
    /// trigger is named per table on PostgreSQL, so two tables may each have
    /// their own `last_updated`. A table renamed in `to_schema` keeps its
    /// triggers.
    fn same_trigger(&self, a: &Trigger, b: &Trigger, to_schema: &Schema) -> bool {
        self.ident_eq(&a.name, &b.name)
            && (self.ident_eq(&a.table, &b.table)
                || to_schema.tables.iter().any(|t| {
                    self.ident_eq(&t.name, &b.table)
                        && t.renamed_from
                            .as_deref()
                            .is_some_and(|old| self.ident_eq(old, &a.table))
                }))
    }

    fn triggers(&self, schema: &str, from: &Schema, to: &Schema, out: &mut Vec<Change>) {
        for t in &to.triggers {
            match from.triggers.iter().find(|c| self.same_trigger(c, t, to)) {
                None => out.push(Change::AddTrigger {
                    schema: schema.into(),
                    trigger: t.clone(),
                }),
                Some(c) if !expr_eq(&c.def, &t.def) || c.comment != t.comment => {
                    out.push(Change::ModifyTrigger {
                        schema: schema.into(),
                        from: c.clone(),
                        to: t.clone(),
                    })
                }
                Some(_) => {}
            }
        }
        for t in &from.triggers {
            if !to.triggers.iter().any(|d| self.same_trigger(t, d, to)) {
                out.push(Change::DropTrigger {
                    schema: schema.into(),
                    trigger: t.clone(),
                });
            }
        }
    }

    fn table(&self, from: &Table, to: &Table) -> Vec<TableChange> {
        let mut out = Vec::new();
        self.columns(from, to, &mut out);
        if !self.pk_eq(from.primary_key.as_ref(), to.primary_key.as_ref()) {
            out.push(TableChange::ModifyPrimaryKey {
                from: from.primary_key.clone(),
                to: to.primary_key.clone(),
            });
        }
        self.indexes(from, to, &mut out);
        self.foreign_keys(from, to, &mut out);
        self.checks(from, to, &mut out);
        self.policies(from, to, &mut out);
        let keys: HashSet<&String> = from.attrs.0.keys().chain(to.attrs.0.keys()).collect();
        let mut keys: Vec<_> = keys.into_iter().collect();
        keys.sort();
        for k in keys {
            let (a, b) = (from.attrs.0.get(k), to.attrs.0.get(k));
            if a != b {
                out.push(TableChange::ModifyAttr {
                    key: k.clone(),
                    from: a.cloned(),
                    to: b.cloned(),
                });
            }
        }
        if from.comment != to.comment {
            out.push(TableChange::ModifyComment {
                from: from.comment.clone(),
                to: to.comment.clone(),
            });
        }
        out
    }

    fn columns(&self, from: &Table, to: &Table, out: &mut Vec<TableChange>) {
        let mut matched = HashSet::new();
        for c in &to.columns {
            let (current, renamed) = match self.find_column(from, &c.name) {
                Some(x) => (Some(x), false),
                None => match c.renamed_from.as_deref() {
                    Some(old) if self.find_column(to, old).is_none() => {
                        (self.find_column(from, old), true)
                    }
                    _ => (None, false),
                },
            };
            match current {
                None => out.push(TableChange::AddColumn { column: c.clone() }),
                Some(cur) => {
                    matched.insert(self.key(&cur.name));
                    if renamed {
                        out.push(TableChange::RenameColumn {
                            from: cur.name.clone(),
                            to: c.name.clone(),
                        });
                    }
                    let aspects = self.column_aspects(cur, c);
                    if !aspects.is_empty() {
                        let mut from = cur.clone();
                        from.name = c.name.clone();
                        out.push(TableChange::ModifyColumn {
                            from,
                            to: c.clone(),
                            aspects,
                        });
                    }
                }
            }
        }
        for c in &from.columns {
            if !matched.contains(&self.key(&c.name)) {
                out.push(TableChange::DropColumn { column: c.clone() });
            }
        }
    }

    fn find_column<'t>(&self, t: &'t Table, name: &str) -> Option<&'t Column> {
        t.columns.iter().find(|c| self.ident_eq(&c.name, name))
    }

    fn ident_eq(&self, a: &str, b: &str) -> bool {
        self.dialect.ident_eq(a, b)
    }

    pub fn column_aspects(&self, a: &Column, b: &Column) -> Vec<ColumnAspect> {
        let mut out = Vec::new();
        if !type_eq(&a.ty, &b.ty) {
            out.push(ColumnAspect::Type);
        }
        if a.nullable != b.nullable {
            out.push(ColumnAspect::Null);
        }
        if !default_eq(a.default.as_deref(), b.default.as_deref()) {
            out.push(ColumnAspect::Default);
        }
        let gen_eq = match (&a.generated, &b.generated) {
            (None, None) => true,
            (Some(x), Some(y)) => x.stored == y.stored && expr_eq(&x.expr, &y.expr),
            _ => false,
        };
        if !gen_eq {
            out.push(ColumnAspect::Generated);
        }
        if a.auto_increment != b.auto_increment {
            out.push(ColumnAspect::AutoIncrement);
        }
        if !opt_eq_ci(a.collation.as_deref(), b.collation.as_deref()) {
            out.push(ColumnAspect::Collation);
        }
        if a.comment != b.comment {
            out.push(ColumnAspect::Comment);
        }
        if a.attrs != b.attrs {
            out.push(ColumnAspect::Attrs);
        }
        out
    }

    fn pk_eq(&self, a: Option<&PrimaryKey>, b: Option<&PrimaryKey>) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => self.parts_eq(&a.parts, &b.parts),
            _ => false,
        }
    }

    fn parts_eq(&self, a: &[IndexPart], b: &[IndexPart]) -> bool {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                x.desc == y.desc
                    && x.ops == y.ops
                    && opt_eq_ci(x.collation.as_deref(), y.collation.as_deref())
                    && match (&x.key, &y.key) {
                        (IndexKey::Column(p), IndexKey::Column(q)) => self.ident_eq(p, q),
                        (IndexKey::Expr(p), IndexKey::Expr(q)) => expr_eq(p, q),
                        _ => false,
                    }
            })
    }

    fn index_eq(&self, a: &Index, b: &Index) -> bool {
        self.index_def_eq(a, b) && a.comment == b.comment
    }

    /// What `CREATE INDEX` says: everything but the comment.
    fn index_def_eq(&self, a: &Index, b: &Index) -> bool {
        a.unique == b.unique
            && self.parts_eq(&a.parts, &b.parts)
            && match (&a.predicate, &b.predicate) {
                (None, None) => true,
                (Some(x), Some(y)) => expr_eq(x, y),
                _ => false,
            }
            && a.attrs == b.attrs
    }

    /// A materialized view's indexes: the same names with the same definitions.
    fn view_indexes_eq(&self, a: &View, b: &View) -> bool {
        a.indexes.len() == b.indexes.len()
            && b.indexes.iter().all(|i| {
                a.indexes
                    .iter()
                    .any(|c| c.name == i.name && self.index_def_eq(c, i))
            })
    }

    /// Unique constraints match by their columns (SQLite does not keep their
    /// names); indexes match by name or `renamed_from`.
    fn indexes(&self, from: &Table, to: &Table, out: &mut Vec<TableChange>) {
        let is_constraint = |i: &Index| i.attrs.flag("constraint");
        let mut matched = HashSet::new();
        for i in &to.indexes {
            let unnamed = !self.dialect.rules().keeps_unique_names;
            let current = if is_constraint(i) && unnamed {
                from.indexes.iter().find(|c| {
                    is_constraint(c)
                        && !matched.contains(&c.name)
                        && self.parts_eq(&c.parts, &i.parts)
                })
            } else {
                from.indexes
                    .iter()
                    .find(|c| c.name == i.name && !(is_constraint(c) && unnamed))
            };
            match current {
                None => out.push(TableChange::AddIndex { index: i.clone() }),
                Some(c) => {
                    matched.insert(c.name.clone());
                    if !self.index_eq(c, i) {
                        out.push(TableChange::ModifyIndex {
                            from: c.clone(),
                            to: i.clone(),
                        });
                    }
                }
            }
        }
        for c in &from.indexes {
            if !matched.contains(&c.name) {
                out.push(TableChange::DropIndex { index: c.clone() });
            }
        }
    }

    fn fk_signature_eq(&self, a: &ForeignKey, b: &ForeignKey) -> bool {
        let cols = |x: &[String], y: &[String]| {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| self.ident_eq(p, q))
        };
        cols(&a.columns, &b.columns)
            && self.ident_eq(&a.ref_table, &b.ref_table)
            && cols(&a.ref_columns, &b.ref_columns)
    }

    fn foreign_keys(&self, from: &Table, to: &Table, out: &mut Vec<TableChange>) {
        let mut used = vec![false; from.foreign_keys.len()];
        for fk in &to.foreign_keys {
            let by_name = from.foreign_keys.iter().position(|c| {
                c.name.is_some() && c.name == fk.name && self.dialect.rules().keeps_fk_names
            });
            let found = by_name.or_else(|| {
                from.foreign_keys
                    .iter()
                    .enumerate()
                    .position(|(i, c)| !used[i] && self.fk_signature_eq(c, fk))
            });
            match found {
                None => out.push(TableChange::AddForeignKey { fk: fk.clone() }),
                Some(i) => {
                    used[i] = true;
                    let c = &from.foreign_keys[i];
                    let names_differ = c.name.is_some() && fk.name.is_some() && c.name != fk.name;
                    if !self.fk_signature_eq(c, fk)
                        || c.on_update != fk.on_update
                        || c.on_delete != fk.on_delete
                        || c.deferrable != fk.deferrable
                        || c.match_full != fk.match_full
                        || names_differ
                    {
                        out.push(TableChange::ModifyForeignKey {
                            from: c.clone(),
                            to: fk.clone(),
                        });
                    }
                }
            }
        }
        for (i, c) in from.foreign_keys.iter().enumerate() {
            if !used[i] {
                out.push(TableChange::DropForeignKey { fk: c.clone() });
            }
        }
    }

    fn policies(&self, from: &Table, to: &Table, out: &mut Vec<TableChange>) {
        let same = |a: &Policy, b: &Policy| {
            a.command == b.command
                && a.permissive == b.permissive
                && a.roles == b.roles
                && a.using.as_deref().map(normalize) == b.using.as_deref().map(normalize)
                && a.check.as_deref().map(normalize) == b.check.as_deref().map(normalize)
        };
        for p in &to.policies {
            match from.policies.iter().find(|f| f.name == p.name) {
                None => out.push(TableChange::AddPolicy { policy: p.clone() }),
                Some(f) if !same(f, p) => out.push(TableChange::ModifyPolicy {
                    from: f.clone(),
                    to: p.clone(),
                }),
                Some(_) => {}
            }
        }
        for f in &from.policies {
            if !to.policies.iter().any(|p| p.name == f.name) {
                out.push(TableChange::DropPolicy { policy: f.clone() });
            }
        }
    }

    fn checks(&self, from: &Table, to: &Table, out: &mut Vec<TableChange>) {
        let mut used = vec![false; from.checks.len()];
        for ck in &to.checks {
            let found = from
                .checks
                .iter()
                .enumerate()
                .position(|(i, c)| !used[i] && expr_eq(&c.expr, &ck.expr))
                .or_else(|| {
                    from.checks
                        .iter()
                        .enumerate()
                        .position(|(i, c)| !used[i] && c.name.is_some() && c.name == ck.name)
                });
            match found {
                None => out.push(TableChange::AddCheck { check: ck.clone() }),
                Some(i) => {
                    used[i] = true;
                    let c = &from.checks[i];
                    let names_differ = c.name.is_some() && ck.name.is_some() && c.name != ck.name;
                    if !expr_eq(&c.expr, &ck.expr) || names_differ {
                        out.push(TableChange::ModifyCheck {
                            from: c.clone(),
                            to: ck.clone(),
                        });
                    }
                }
            }
        }
        for (i, c) in from.checks.iter().enumerate() {
            if !used[i] {
                out.push(TableChange::DropCheck { check: c.clone() });
            }
        }
    }
}

/// Types compare by spelling, ignoring case and spacing: `VARCHAR( 255 )` = `varchar(255)`.
pub fn type_eq(a: &str, b: &str) -> bool {
    a == b || canonical_type(a) == canonical_type(b)
}

/// The spelling [`type_eq`] compares: lower case, single spaces, none inside
/// parentheses. The fingerprint hashes it, so both agree on what is equal.
pub(crate) fn canonical_type(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    words
        .join(" ")
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(", ", ",")
}

fn default_eq(a: Option<&str>, b: Option<&str>) -> bool {
    a == b || canonical_default(a) == canonical_default(b)
}

/// The form [`default_eq`] compares: a canonical expression, `NULL` as none.
pub(crate) fn canonical_default(d: Option<&str>) -> Option<String> {
    d.map(canonical).filter(|s| s != "null")
}

/// Expressions compare by canonical spelling; identical text needs no work.
fn expr_eq(a: &str, b: &str) -> bool {
    a == b || canonical(a) == canonical(b)
}

/// The spelling expressions compare by (spacing, case, quotes and outer
/// parentheses aside); the fingerprint hashes it.
pub(crate) fn canonical(e: &str) -> String {
    normalize(&crate::sql::lex::at_time_zone(e))
}

fn opt_eq_ci(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    }
}

impl Change {
    /// The schema and object name this change is about, for display and lenses.
    pub fn object(&self) -> (&str, &str) {
        match self {
            Change::AddSchema { schema, .. }
            | Change::DropSchema { schema }
            | Change::ModifySchemaComment { schema, .. } => (schema, schema),
            Change::AddExtension { extension } | Change::DropExtension { extension } => {
                ("", &extension.name)
            }
            Change::AddEnum { schema, enum_type } | Change::DropEnum { schema, enum_type } => {
                (schema, &enum_type.name)
            }
            Change::ModifyEnum { schema, to, .. } => (schema, &to.name),
            Change::AddDomain { schema, domain } | Change::DropDomain { schema, domain } => {
                (schema, &domain.name)
            }
            Change::ModifyDomain { schema, to, .. } => (schema, &to.name),
            Change::AddSequence { schema, sequence }
            | Change::DropSequence { schema, sequence } => (schema, &sequence.name),
            Change::ModifySequence { schema, to, .. } => (schema, &to.name),
            Change::AddRoutine { schema, routine } | Change::DropRoutine { schema, routine } => {
                (schema, &routine.name)
            }
            Change::ModifyRoutine { schema, to, .. } => (schema, &to.name),
            Change::AddTable { schema, table } | Change::DropTable { schema, table } => {
                (schema, &table.name)
            }
            Change::RenameTable { schema, to, .. } => (schema, to),
            Change::ModifyTable { schema, to, .. } => (schema, &to.name),
            Change::AddView { schema, view } | Change::DropView { schema, view } => {
                (schema, &view.name)
            }
            Change::ModifyView { schema, to, .. } => (schema, &to.name),
            Change::AddTrigger { schema, trigger } | Change::DropTrigger { schema, trigger } => {
                (schema, &trigger.name)
            }
            Change::ModifyTrigger { schema, to, .. } => (schema, &to.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, ty: &str) -> Column {
        Column {
            name: name.into(),
            ty: ty.into(),
            ..Column::default()
        }
    }

    fn realm(tables: Vec<Table>) -> Realm {
        Realm {
            schemas: vec![Schema {
                name: "main".into(),
                tables,
                ..Schema::default()
            }],
            ..Realm::default()
        }
    }

    fn table(name: &str, cols: Vec<Column>) -> Table {
        Table {
            name: name.into(),
            columns: cols,
            ..Table::default()
        }
    }

    #[test]
    fn equal_realms_have_no_changes() {
        let a = realm(vec![table(
            "t",
            vec![col("a", "INTEGER"), col("b", "varchar( 10 )")],
        )]);
        let b = realm(vec![table(
            "t",
            vec![col("a", "integer"), col("b", "VARCHAR(10)")],
        )]);
        assert!(diff(&a, &b, Dialect::Sqlite, &DiffOptions::default()).is_empty());
    }

    #[test]
    fn triggers_are_named_per_table() {
        let trigger = |table: &str| {
            Trigger {
            name: "last_updated".into(),
            table: table.into(),
            def: format!("CREATE TRIGGER last_updated BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION touch()"),
            ..Trigger::default()
        }
        };
        let mut both = realm(vec![table("a", vec![]), table("b", vec![])]);
        both.schemas[0].triggers = vec![trigger("a"), trigger("b")];
        assert!(diff(&both, &both, Dialect::Postgres, &DiffOptions::default()).is_empty());
        let mut only_b = both.clone();
        only_b.schemas[0].triggers.remove(0);
        let changes = diff(&both, &only_b, Dialect::Postgres, &DiffOptions::default());
        assert!(
            matches!(&changes[..], [Change::DropTrigger { trigger, .. }] if trigger.table == "a"),
            "{changes:?}"
        );
    }

    #[test]
    fn renames_come_only_from_renamed_from() {
        let a = realm(vec![table("t", vec![col("old", "int")])]);
        let guess = realm(vec![table("t", vec![col("new", "int")])]);
        let changes = diff(&a, &guess, Dialect::Sqlite, &DiffOptions::default());
        let Change::ModifyTable { changes, .. } = &changes[0] else {
            panic!()
        };
        assert!(matches!(changes[0], TableChange::AddColumn { .. }));
        assert!(matches!(changes[1], TableChange::DropColumn { .. }));

        let mut renamed = col("new", "int");
        renamed.renamed_from = Some("old".into());
        let mut t = table("t2", vec![renamed]);
        t.renamed_from = Some("t".into());
        let changes = diff(
            &a,
            &realm(vec![t]),
            Dialect::Sqlite,
            &DiffOptions::default(),
        );
        assert!(
            matches!(&changes[0], Change::RenameTable { from, to, .. } if from == "t" && to == "t2")
        );
        let Change::ModifyTable { changes, .. } = &changes[1] else {
            panic!("{changes:?}")
        };
        assert!(
            matches!(&changes[0], TableChange::RenameColumn { from, to } if from == "old" && to == "new")
        );
        assert_eq!(changes.len(), 1);
    }

    #[test]
    fn modify_records_which_aspects_changed() {
        let mut a = col("a", "int");
        a.nullable = true;
        let mut b = col("a", "bigint");
        b.default = Some("0".into());
        let changes = diff(
            &realm(vec![table("t", vec![a])]),
            &realm(vec![table("t", vec![b])]),
            Dialect::Sqlite,
            &DiffOptions::default(),
        );
        let Change::ModifyTable { changes, .. } = &changes[0] else {
            panic!()
        };
        let TableChange::ModifyColumn { aspects, .. } = &changes[0] else {
            panic!()
        };
        assert_eq!(
            aspects,
            &[
                ColumnAspect::Type,
                ColumnAspect::Null,
                ColumnAspect::Default
            ]
        );
    }

    #[test]
    fn skip_policy_drops_changes() {
        let a = realm(vec![table("t", vec![col("a", "int")])]);
        let b = realm(vec![]);
        let opts = DiffOptions {
            skip: SkipPolicy {
                drop_table: true,
                ..SkipPolicy::default()
            },
            ..DiffOptions::default()
        };
        assert!(diff(&a, &b, Dialect::Sqlite, &opts).is_empty());
    }

    #[test]
    fn skip_policy_covers_routines_objects_and_policies() {
        let mut current = realm(vec![table("t", vec![col("a", "int")])]);
        let s = &mut current.schemas[0];
        s.routines.push(Routine {
            name: "f".into(),
            def: "CREATE FUNCTION f() ...".into(),
            ..Routine::default()
        });
        s.routines.push(Routine {
            name: "p".into(),
            procedure: true,
            def: "CREATE PROCEDURE p() ...".into(),
            ..Routine::default()
        });
        s.enums.push(EnumType {
            name: "e".into(),
            values: vec!["x".into()],
            ..EnumType::default()
        });
        s.tables[0].policies.push(Policy {
            name: "pol".into(),
            command: "ALL".into(),
            permissive: true,
            ..Policy::default()
        });
        s.tables[0].attrs.set_flag("row_security", true);
        current.extensions.push(Extension {
            name: "pgcrypto".into(),
            ..Extension::default()
        });
        let desired = realm(vec![table("t", vec![col("a", "int")])]);
        let all = diff(
            &current,
            &desired,
            Dialect::Postgres,
            &DiffOptions::default(),
        );
        assert_eq!(all.len(), 5, "{all:?}");
        let opts = |skip: SkipPolicy| DiffOptions {
            skip,
            ..DiffOptions::default()
        };
        let keep_all = opts(SkipPolicy {
            drop_func: true,
            drop_proc: true,
            drop_object: true,
            drop_policy: true,
            ..SkipPolicy::default()
        });
        assert!(diff(&current, &desired, Dialect::Postgres, &keep_all).is_empty());
        // Functions only: the procedure still goes.
        let funcs = diff(
            &current,
            &desired,
            Dialect::Postgres,
            &opts(SkipPolicy {
                drop_func: true,
                ..SkipPolicy::default()
            }),
        );
        assert_eq!(funcs.len(), 4);
        assert!(funcs
            .iter()
            .any(|c| matches!(c, Change::DropRoutine { routine, .. } if routine.procedure)));
    }
}
