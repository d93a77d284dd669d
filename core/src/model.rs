//! The schema model shared by every dialect: realm → schemas → tables, views, triggers.
//!
//! Objects keep the [`Span`] they were read from (none when inspected from a
//! database) and an optional `renamed_from`, the only source of renames.
//! Dialect-specific settings live in [`Attrs`] so the shared model stays small.

use crate::span::Span;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Realm {
    pub schemas: Vec<Schema>,
    /// Database-wide objects (PostgreSQL extensions).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<Extension>,
}

/// A PostgreSQL extension (`CREATE EXTENSION name SCHEMA s`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Extension {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

/// An enumerated type (PostgreSQL `CREATE TYPE … AS ENUM`).
#[derive(Clone, Debug, Default, Serialize)]
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
#[derive(Clone, Debug, Default, Serialize)]
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

/// A function or procedure, kept as its complete definition.
#[derive(Clone, Debug, Default, Serialize)]
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

#[derive(Clone, Debug, Default, Serialize)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Attrs::is_empty")]
    pub attrs: Attrs,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Default, Serialize)]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
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

#[derive(Clone, Debug, Default, Serialize)]
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

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Generated {
    pub expr: String,
    pub stored: bool,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct PrimaryKey {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub parts: Vec<IndexPart>,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Default, Serialize)]
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

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexKey {
    Column(String),
    Expr(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IndexPart {
    pub key: IndexKey,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub desc: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// A non-default operator class (PostgreSQL), e.g. `text_pattern_ops`.
    #[serde(skip_serializing_if = "Option::is_none")]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Deferrable {
    #[default]
    NotDeferrable,
    InitiallyImmediate,
    InitiallyDeferred,
}

#[derive(Clone, Debug, Default, Serialize)]
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
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Check {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub expr: String,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct View {
    pub name: String,
    /// The query (`SELECT …`), without `CREATE VIEW … AS`.
    pub def: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Attrs::is_empty")]
    pub attrs: Attrs,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(skip)]
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Default, Serialize)]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Attrs(pub BTreeMap<String, AttrValue>);

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
