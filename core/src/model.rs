//! The schema model shared by every dialect: realm → schemas → tables, views, triggers.
//!
//! Objects keep the [`Span`] they were read from (none when inspected from a
//! database) and an optional `renamed_from`, the only source of renames.
//! Dialect-specific settings live in [`Attrs`] so the shared model stays small.
//!
//! The model serializes to JSON (`schema inspect --format json`) and reads
//! back from it losslessly except for spans, which is how normalized realms
//! are kept in the on-disk cache ([`crate::cache`]).

use crate::span::Span;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Realm {
    pub schemas: Vec<Schema>,
    /// Database-wide objects (PostgreSQL extensions).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<Extension>,
}

/// A PostgreSQL extension (`CREATE EXTENSION name SCHEMA s`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Extension {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

/// An enumerated type (PostgreSQL `CREATE TYPE … AS ENUM`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EnumType {
    pub name: String,
    pub values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

/// A domain: a base type with a default, NOT NULL and checks (PostgreSQL).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Domain {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub nullable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

/// A standalone sequence (PostgreSQL `CREATE SEQUENCE`). Sequences behind serial
/// and identity columns belong to their column and are not listed here.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Sequence {
    pub name: String,
    #[serde(flatten)]
    pub options: SequenceOptions,
    /// `table.column` the sequence is OWNED BY (dropped with it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

/// What a sequence generates: its type, bounds, step, cache and cycling.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceOptions {
    /// `smallint`, `integer` or `bigint`.
    #[serde(rename = "type")]
    pub ty: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
}

impl Default for SequenceOptions {
    fn default() -> Self {
        SequenceOptions::defaults("bigint", 1)
    }
}

impl SequenceOptions {
    /// PostgreSQL's defaults for a sequence of `ty` stepping by `increment`:
    /// ascending ones run from 1 to the type's maximum, descending ones from -1
    /// down to its minimum, and start at the end they leave from.
    pub fn defaults(ty: &str, increment: i64) -> SequenceOptions {
        let (lo, hi) = match ty {
            "smallint" | "int2" => (i16::MIN as i64, i16::MAX as i64),
            "integer" | "int" | "int4" => (i32::MIN as i64, i32::MAX as i64),
            _ => (i64::MIN, i64::MAX),
        };
        let ty = match ty {
            "smallint" | "int2" => "smallint",
            "integer" | "int" | "int4" => "integer",
            _ => "bigint",
        };
        let (min, max) = if increment < 0 { (lo, -1) } else { (1, hi) };
        SequenceOptions {
            ty: ty.into(),
            start: if increment < 0 { max } else { min },
            increment,
            min,
            max,
            cache: 1,
            cycle: false,
        }
    }

    /// The options that differ from the defaults for this type and step, by
    /// name (`start`, `increment`, `min_value`, `max_value`, `cache`, `cycle`).
    pub fn non_default(&self) -> Vec<(&'static str, i64)> {
        let d = SequenceOptions::defaults(&self.ty, self.increment);
        let mut out = Vec::new();
        for (name, v, dv) in [
            ("start", self.start, d.start),
            ("increment", self.increment, 1),
            ("min_value", self.min, d.min),
            ("max_value", self.max, d.max),
            ("cache", self.cache, d.cache),
            ("cycle", self.cycle as i64, 0),
        ] {
            if v != dv {
                out.push((name, v));
            }
        }
        out
    }

    /// The options as `CREATE SEQUENCE`/`GENERATED … AS IDENTITY (…)` clauses;
    /// `all` lists every option, otherwise only those off their defaults.
    pub fn clauses(&self, all: bool) -> Vec<String> {
        let d = SequenceOptions::defaults(&self.ty, self.increment);
        let mut out = Vec::new();
        if all || self.increment != 1 {
            out.push(format!("INCREMENT BY {}", self.increment));
        }
        if all || self.min != d.min {
            out.push(format!("MINVALUE {}", self.min));
        }
        if all || self.max != d.max {
            out.push(format!("MAXVALUE {}", self.max));
        }
        if all || self.start != d.start {
            out.push(format!("START WITH {}", self.start));
        }
        if all || self.cache != 1 {
            out.push(format!("CACHE {}", self.cache));
        }
        if all || self.cycle {
            out.push(if self.cycle { "CYCLE" } else { "NO CYCLE" }.into());
        }
        out
    }

    /// Reads an option from its attribute name, as `non_default` names them.
    pub fn set(&mut self, name: &str, v: i64) -> bool {
        match name {
            "start" => self.start = v,
            "increment" => self.increment = v,
            "min_value" => self.min = v,
            "max_value" => self.max = v,
            "cache" => self.cache = v,
            "cycle" => self.cycle = v != 0,
            _ => return false,
        }
        true
    }
}

/// A function or procedure, kept as its complete definition.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Routine {
    pub name: String,
    /// Identity arguments, e.g. `integer, text`: with the name, what identifies it.
    pub args: String,
    pub procedure: bool,
    /// The complete `CREATE OR REPLACE FUNCTION|PROCEDURE …` statement.
    pub def: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Schema {
    pub name: String,
    pub tables: Vec<Table>,
    pub views: Vec<View>,
    pub triggers: Vec<Trigger>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub enums: Vec<EnumType>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<Domain>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routines: Vec<Routine>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sequences: Vec<Sequence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Attrs::is_empty")]
    pub attrs: Attrs,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Row-level security policies (PostgreSQL).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Policy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Attrs::is_empty")]
    pub attrs: Attrs,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

/// A row-level security policy (`CREATE POLICY`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    pub name: String,
    /// ALL, SELECT, INSERT, UPDATE or DELETE.
    pub command: String,
    pub permissive: bool,
    /// Roles it applies to; empty means PUBLIC.
    pub roles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Column {
    pub name: String,
    /// The type as the dialect spells it after normalization, e.g. `varchar(255)`.
    #[serde(rename = "type")]
    pub ty: String,
    pub nullable: bool,
    /// Default as a SQL expression, exactly as the database prints it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated: Option<Generated>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub auto_increment: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Attrs::is_empty")]
    pub attrs: Attrs,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    pub expr: String,
    pub stored: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PrimaryKey {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub parts: Vec<IndexPart>,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    pub parts: Vec<IndexPart>,
    /// Partial index predicate.
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Attrs::is_empty")]
    pub attrs: Attrs,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexKey {
    Column(String),
    Expr(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexPart {
    pub key: IndexKey,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub desc: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// A non-default operator class (PostgreSQL), e.g. `text_pattern_ops`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ops: Option<String>,
}

impl IndexPart {
    pub fn column(name: impl Into<String>) -> IndexPart {
        IndexPart {
            key: IndexKey::Column(name.into()),
            desc: false,
            collation: None,
            ops: None,
        }
    }

    pub fn column_name(&self) -> Option<&str> {
        match &self.key {
            IndexKey::Column(c) => Some(c),
            IndexKey::Expr(_) => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl RefAction {
    pub fn sql(self) -> &'static str {
        match self {
            RefAction::NoAction => "NO ACTION",
            RefAction::Restrict => "RESTRICT",
            RefAction::Cascade => "CASCADE",
            RefAction::SetNull => "SET NULL",
            RefAction::SetDefault => "SET DEFAULT",
        }
    }

    /// The HCL spelling Atlas uses: `CASCADE`, `SET_NULL`, …
    pub fn hcl(self) -> &'static str {
        match self {
            RefAction::NoAction => "NO_ACTION",
            RefAction::Restrict => "RESTRICT",
            RefAction::Cascade => "CASCADE",
            RefAction::SetNull => "SET_NULL",
            RefAction::SetDefault => "SET_DEFAULT",
        }
    }

    pub fn parse(s: &str) -> Option<RefAction> {
        let norm = s.trim().to_ascii_uppercase().replace(['_', '-'], " ");
        Some(
            match norm
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .as_str()
            {
                "NO ACTION" => RefAction::NoAction,
                "RESTRICT" => RefAction::Restrict,
                "CASCADE" => RefAction::Cascade,
                "SET NULL" => RefAction::SetNull,
                "SET DEFAULT" => RefAction::SetDefault,
                _ => return None,
            },
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Deferrable {
    #[default]
    NotDeferrable,
    InitiallyImmediate,
    InitiallyDeferred,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ForeignKey {
    /// Constraint name; `None` when the database has none (SQLite allows that).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub columns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ref_schema: Option<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_update: RefAction,
    pub on_delete: RefAction,
    pub deferrable: Deferrable,
    /// `MATCH FULL`: a row with some key columns NULL must have all of them NULL.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub match_full: bool,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Check {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub expr: String,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct View {
    pub name: String,
    /// The query (`SELECT …`), without `CREATE VIEW … AS`.
    pub def: String,
    /// Indexes of a materialized view (PostgreSQL).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Attrs::is_empty")]
    pub attrs: Attrs,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Trigger {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The table (or view) the trigger fires on.
    pub table: String,
    /// The complete `CREATE TRIGGER` statement.
    pub def: String,
    #[serde(skip)]
    pub span: Option<Span>,
}

/// Dialect-specific settings, e.g. `without_rowid` and `strict` on a SQLite table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Attrs(pub BTreeMap<String, AttrValue>);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttrValue {
    Bool(bool),
    Int(i64),
    Str(String),
}

impl Attrs {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.0.get(key), Some(AttrValue::Bool(true)))
    }

    pub fn set_flag(&mut self, key: &str, on: bool) {
        if on {
            self.0.insert(key.to_string(), AttrValue::Bool(true));
        } else {
            self.0.remove(key);
        }
    }
}

impl Realm {
    pub fn schema(&self, name: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.name == name)
    }

    pub fn schema_mut(&mut self, name: &str) -> Option<&mut Schema> {
        self.schemas.iter_mut().find(|s| s.name == name)
    }

    /// The schema named `name`, created when missing.
    pub fn schema_entry(&mut self, name: &str) -> &mut Schema {
        if let Some(i) = self.schemas.iter().position(|s| s.name == name) {
            return &mut self.schemas[i];
        }
        self.schemas.push(Schema {
            name: name.to_string(),
            ..Schema::default()
        });
        self.schemas.last_mut().unwrap()
    }

    pub fn table_count(&self) -> usize {
        self.schemas.iter().map(|s| s.tables.len()).sum()
    }
}

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    pub fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        self.tables.iter_mut().find(|t| t.name == name)
    }

    pub fn view(&self, name: &str) -> Option<&View> {
        self.views.iter().find(|v| v.name == name)
    }
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// Whether `column` is covered by the primary key or an index as a leading part,
    /// which is what makes a foreign key cheap to check.
    pub fn is_indexed_prefix(&self, columns: &[String]) -> bool {
        let covers = |parts: &[IndexPart]| {
            parts.len() >= columns.len()
                && parts
                    .iter()
                    .zip(columns)
                    .all(|(p, c)| p.column_name() == Some(c.as_str()))
        };
        self.primary_key
            .as_ref()
            .is_some_and(|pk| covers(&pk.parts))
            || self.indexes.iter().any(|i| covers(&i.parts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_defaults_follow_type_and_direction() {
        let up = SequenceOptions::defaults("integer", 1);
        assert_eq!((up.min, up.max, up.start), (1, i32::MAX as i64, 1));
        let down = SequenceOptions::defaults("smallint", -1);
        assert_eq!((down.min, down.max, down.start), (i16::MIN as i64, -1, -1));
        assert!(down.non_default() == vec![("increment", -1)]);
        let mut o = SequenceOptions::defaults("bigint", 5);
        o.set("start", 100);
        assert_eq!(o.non_default(), vec![("start", 100), ("increment", 5)]);
        assert_eq!(o.clauses(false), ["INCREMENT BY 5", "START WITH 100"]);
    }
}
