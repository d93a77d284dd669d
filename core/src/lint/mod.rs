//! Findings on a plan before it runs: what destroys data, what may fail on a
//! table that has rows, what breaks applications reading the old names, what
//! locks or rewrites a busy table.
//!
//! One framework serves every front end (`schema apply`, `schema diff`,
//! `migrate lint`, the language server's live plan): an [`Analyzer`] looks at a
//! [`Context`] (the plan's changes and statements, plus what is known about the
//! target) and pushes [`Finding`]s. The shared analyzers live in this folder,
//! one file per rule family; the ones that only make sense for one database
//! (PostgreSQL's lock levels, SQLite's table rebuilds) live behind the dialect
//! seam (`DialectImpl::analyzers`) so that this module never asks which
//! dialect it has. [`config::Config`] (the project file's `lint { … }` block)
//! then raises, lowers or silences whole analyzers.
//!
//! Codes follow the ones Atlas users know where Atlas has the same check
//! (DS = destructive, MF = may fail, BC = backward incompatible, CD =
//! constraint deletion, PG101/PG102 = Atlas's `concurrent_index`); strata's own
//! checks use ranges Atlas leaves free (PG5xx, SQ, ST).

pub mod config;
mod constraints;
mod data_dependent;
pub mod design;
mod destructive;
mod incompatible;
pub mod naming;

use crate::diag::Severity;
use crate::dialect::Dialect;
use crate::plan::{Plan, Step};
use crate::span::Span;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub use config::{Config, Level, Review};

/// A finding's code. What a code means (destructive, data-dependent, …) is a
/// property of the code ([`Code::family`]), not of its spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// Drops a schema and everything in it.
    DS101,
    /// Drops a table.
    DS102,
    /// Drops a (non-virtual) column.
    DS103,
    /// Adds a unique index over existing rows.
    MF101,
    /// Adds or changes a unique constraint over existing rows.
    MF102,
    /// Adds a NOT NULL column without default to a table that may have rows.
    MF103,
    /// Makes a nullable column NOT NULL.
    MF104,
    /// Changes a column's type: values are converted.
    MF105,
    /// Adds a check that rows may break.
    MF106,
    /// Adds a foreign key that rows may break.
    MF107,
    /// A narrowing type change that fails on or truncates existing rows.
    MF108,
    /// Renames a table.
    BC101,
    /// Renames a column.
    BC102,
    /// Drops a foreign key.
    CD101,
    /// Drops a check constraint.
    CD102,
    /// Drops a primary key.
    CD103,
    /// PostgreSQL: `CREATE INDEX` without `CONCURRENTLY` on an existing table.
    PG101,
    /// PostgreSQL: `DROP INDEX` without `CONCURRENTLY` on an existing table.
    PG102,
    /// PostgreSQL: `ADD PRIMARY KEY` / `ADD UNIQUE` builds its index under ACCESS EXCLUSIVE.
    PG501,
    /// PostgreSQL: a column type change that rewrites the table.
    PG502,
    /// PostgreSQL: `ADD COLUMN` with a volatile default rewrites the table.
    PG503,
    /// PostgreSQL: `SET NOT NULL` scans the whole table under ACCESS EXCLUSIVE.
    PG504,
    /// PostgreSQL: `ADD FOREIGN KEY` without `NOT VALID` validates every row under lock.
    PG505,
    /// PostgreSQL: `ADD CHECK` without `NOT VALID` scans every row under ACCESS EXCLUSIVE.
    PG506,
    /// PostgreSQL before 12: `ALTER TYPE … ADD VALUE` cannot run in a transaction.
    PG507,
    /// SQLite: a change that rebuilds a big table (copies every row).
    SQ101,
    /// A name that breaks the project's naming rule.
    NM101,
    /// Desired schema: a table without a primary key.
    ST101,
    /// Desired schema: a foreign key whose columns no index starts with.
    ST102,
    /// Desired schema: a unique index or constraint over a nullable column.
    ST103,
}

/// What kind of risk a code names; each family is one configurable analyzer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// Loses data (`destructive`).
    Destructive,
    /// May fail or lose data depending on the rows (`data_depend`).
    DataDependent,
    /// Breaks applications that use the old names (`incompatible`).
    BackwardIncompatible,
    /// Drops a constraint applications may rely on (`condrop`).
    ConstraintDrop,
    /// Builds or drops an index without CONCURRENTLY (`concurrent_index`).
    ConcurrentIndex,
    /// Takes a heavy lock or rewrites a table (`table_lock`).
    TableLock,
    /// Rebuilds a table (`table_rebuild`).
    TableRebuild,
    /// Breaks the naming rule (`naming`).
    Naming,
    /// A design problem of the desired schema itself (`schema_design`).
    Design,
}

impl Family {
    pub const ALL: [Family; 9] = [
        Family::Destructive,
        Family::DataDependent,
        Family::BackwardIncompatible,
        Family::ConstraintDrop,
        Family::ConcurrentIndex,
        Family::TableLock,
        Family::TableRebuild,
        Family::Naming,
        Family::Design,
    ];

    /// The analyzer's name in the project file and in `nolint` (Atlas's where it has one).
    pub fn name(self) -> &'static str {
        match self {
            Family::Destructive => "destructive",
            Family::DataDependent => "data_depend",
            Family::BackwardIncompatible => "incompatible",
            Family::ConstraintDrop => "condrop",
            Family::ConcurrentIndex => "concurrent_index",
            Family::TableLock => "table_lock",
            Family::TableRebuild => "table_rebuild",
            Family::Naming => "naming",
            Family::Design => "schema_design",
        }
    }

    /// A family by any of its accepted spellings.
    pub fn parse(s: &str) -> Option<Family> {
        let s = s.to_ascii_lowercase();
        let alias = match s.as_str() {
            "data_dependent" | "datadepend" => "data_depend",
            "backward_incompatible" => "incompatible",
            "constraint_drop" | "constraints" => "condrop",
            "lock" | "locks" | "pg_locks" => "table_lock",
            "rebuild" | "sqlite_rebuild" => "table_rebuild",
            "design" => "schema_design",
            other => other,
        };
        Family::ALL.into_iter().find(|f| f.name() == alias)
    }
}

impl Code {
    pub const ALL: [Code; 30] = [
        Code::DS101,
        Code::DS102,
        Code::DS103,
        Code::MF101,
        Code::MF102,
        Code::MF103,
        Code::MF104,
        Code::MF105,
        Code::MF106,
        Code::MF107,
        Code::MF108,
        Code::BC101,
        Code::BC102,
        Code::CD101,
        Code::CD102,
        Code::CD103,
        Code::PG101,
        Code::PG102,
        Code::PG501,
        Code::PG502,
        Code::PG503,
        Code::PG504,
        Code::PG505,
        Code::PG506,
        Code::PG507,
        Code::SQ101,
        Code::NM101,
        Code::ST101,
        Code::ST102,
        Code::ST103,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::DS101 => "DS101",
            Code::DS102 => "DS102",
            Code::DS103 => "DS103",
            Code::MF101 => "MF101",
            Code::MF102 => "MF102",
            Code::MF103 => "MF103",
            Code::MF104 => "MF104",
            Code::MF105 => "MF105",
            Code::MF106 => "MF106",
            Code::MF107 => "MF107",
            Code::MF108 => "MF108",
            Code::BC101 => "BC101",
            Code::BC102 => "BC102",
            Code::CD101 => "CD101",
            Code::CD102 => "CD102",
            Code::CD103 => "CD103",
            Code::PG101 => "PG101",
            Code::PG102 => "PG102",
            Code::PG501 => "PG501",
            Code::PG502 => "PG502",
            Code::PG503 => "PG503",
            Code::PG504 => "PG504",
            Code::PG505 => "PG505",
            Code::PG506 => "PG506",
            Code::PG507 => "PG507",
            Code::SQ101 => "SQ101",
            Code::NM101 => "NM101",
            Code::ST101 => "ST101",
            Code::ST102 => "ST102",
            Code::ST103 => "ST103",
        }
    }

    /// A code by its spelling, in any case.
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }

    pub fn family(self) -> Family {
        use Code::*;
        match self {
            DS101 | DS102 | DS103 => Family::Destructive,
            BC101 | BC102 => Family::BackwardIncompatible,
            CD101 | CD102 | CD103 => Family::ConstraintDrop,
            PG101 | PG102 => Family::ConcurrentIndex,
            PG501 | PG502 | PG503 | PG504 | PG505 | PG506 | PG507 => Family::TableLock,
            SQ101 => Family::TableRebuild,
            NM101 => Family::Naming,
            ST101 | ST102 | ST103 => Family::Design,
            MF101 | MF102 | MF103 | MF104 | MF105 | MF106 | MF107 | MF108 => Family::DataDependent,
        }
    }

    /// Atlas's analyzer name for the family (`nolint destructive`).
    pub fn analyzer(self) -> &'static str {
        self.family().name()
    }

    /// One line on what the rule checks, for SARIF rule metadata and `--help`.
    pub fn summary(self) -> &'static str {
        use Code::*;
        match self {
            DS101 => "schema dropped",
            DS102 => "table dropped",
            DS103 => "non-virtual column dropped",
            MF101 => "unique index added over existing rows",
            MF102 => "unique index or constraint modified over existing rows",
            MF103 => "NOT NULL column added without a default",
            MF104 => "nullable column made NOT NULL",
            MF105 => "column type changed: values are converted",
            MF106 => "check added that rows may violate",
            MF107 => "foreign key added that rows may violate",
            MF108 => "narrowing type change that fails on or truncates rows",
            BC101 => "table renamed",
            BC102 => "column renamed",
            CD101 => "foreign key dropped",
            CD102 => "check constraint dropped",
            CD103 => "primary key dropped",
            PG101 => "index created without CONCURRENTLY on an existing table",
            PG102 => "index dropped without CONCURRENTLY on an existing table",
            PG501 => "primary key or unique constraint added: index built under ACCESS EXCLUSIVE",
            PG502 => "column type change rewrites the table",
            PG503 => "column added with a volatile default rewrites the table",
            PG504 => "SET NOT NULL scans the table under ACCESS EXCLUSIVE",
            PG505 => "foreign key added without NOT VALID",
            PG506 => "check added without NOT VALID",
            PG507 => "enum value added inside a transaction on PostgreSQL before 12",
            SQ101 => "change rebuilds a big table",
            NM101 => "name breaks the naming rule",
            ST101 => "table without a primary key",
            ST102 => "foreign key without an index on its columns",
            ST103 => "unique index or constraint over a nullable column",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A suggested fix, as data: what to do, and the statements that do it where
/// they can be written down.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sql: Vec<String>,
}

impl Fix {
    pub fn new(description: impl Into<String>, sql: Vec<String>) -> Fix {
        Fix {
            description: description.into(),
            sql,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Index into [`Plan::changes`].
    pub change: usize,
    /// The source position: the schema object that asked for the change, or
    /// the migration file statement that makes it. Front ends render it as
    /// `file:line:col` (it is a byte range, so it is not serialized here).
    #[serde(skip)]
    pub span: Option<Span>,
    /// The statement that makes the change, when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// The target's rows make the statement certain to fail or lose data (set
    /// by the row pre-checks): no review can approve that.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub certain: bool,
}

impl Finding {
    pub fn new(
        code: Code,
        severity: Severity,
        message: String,
        change: usize,
        span: Option<Span>,
    ) -> Finding {
        Finding {
            code,
            severity,
            message,
            change,
            span,
            statement: None,
            fix: None,
            certain: false,
        }
    }

    pub fn with_fix(mut self, fix: Fix) -> Finding {
        self.fix = Some(fix);
        self
    }

    pub fn with_statement(mut self, sql: Option<String>) -> Finding {
        self.statement = sql;
        self
    }

    pub fn is_destructive(&self) -> bool {
        self.code.family() == Family::Destructive
    }
}

/// What is known about the target beyond its schema, gathered by the dialect
/// (`DialectImpl::lint_facts`) when a database is at hand. Empty when linting
/// without one: the rules that need a fact then stay silent.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// `server_version_num` (PostgreSQL), e.g. 110022.
    pub server_version: Option<u32>,
    /// Row counts by (schema, table), capped at what the rule needs to know.
    pub rows: BTreeMap<(String, String), u64>,
}

impl Facts {
    pub fn rows(&self, schema: &str, table: &str) -> Option<u64> {
        self.rows
            .get(&(schema.to_string(), table.to_string()))
            .copied()
    }
}

/// What an analyzer looks at.
pub struct Context<'a> {
    pub plan: &'a Plan,
    pub facts: &'a Facts,
    pub config: &'a Config,
    /// Tables that are new to the unit being linted (created earlier in the
    /// same migration file): changes to them lock nobody out.
    pub created: &'a BTreeSet<(String, String)>,
}

impl<'a> Context<'a> {
    pub fn dialect(&self) -> Dialect {
        self.plan.dialect
    }

    /// The statements that implement change `i`.
    pub fn steps(&self, i: usize) -> impl Iterator<Item = &'a Step> {
        self.plan.steps.iter().filter(move |s| s.change == i)
    }

    /// The statement of change `i` that mentions `name` (quoted), else its first.
    pub fn statement(&self, i: usize, name: &str) -> Option<&'a Step> {
        let quoted = self.dialect().quote(name);
        self.steps(i)
            .find(|s| s.sql.contains(&quoted))
            .or_else(|| self.steps(i).next())
    }

    /// Whether `schema.table` was created in the unit being linted.
    pub fn is_new(&self, schema: &str, table: &str) -> bool {
        self.created
            .contains(&(schema.to_string(), table.to_string()))
    }
}

/// One rule family: looks at a context and reports findings.
pub trait Analyzer: Sync {
    fn family(&self) -> Family;
    fn analyze(&self, cx: &Context, out: &mut Vec<Finding>);
}

/// The analyzers shared by every dialect.
const SHARED: [&dyn Analyzer; 5] = [
    &destructive::Destructive,
    &data_dependent::DataDependent,
    &incompatible::Incompatible,
    &constraints::ConstraintDrop,
    &naming::Naming,
];

/// Every analyzer that runs for `dialect`: the shared ones, then the dialect's own.
pub fn analyzers(dialect: Dialect) -> Vec<&'static dyn Analyzer> {
    let mut out: Vec<&'static dyn Analyzer> = SHARED.to_vec();
    if let Ok(imp) = dialect.imp() {
        out.extend_from_slice(imp.analyzers());
    }
    out
}

/// Lints a plan with the default configuration and no facts about the target.
pub fn lint(plan: &Plan) -> Vec<Finding> {
    run(&Context {
        plan,
        facts: &Facts::default(),
        config: &Config::default(),
        created: &BTreeSet::new(),
    })
}

/// Runs every analyzer on `cx` and applies the configuration's levels.
pub fn run(cx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for a in analyzers(cx.dialect()) {
        if cx.config.level(a.family()) == Some(Level::Off) {
            continue;
        }
        a.analyze(cx, &mut out);
    }
    cx.config.apply(&mut out);
    out
}

/// Whether a `nolint` list names a finding: by code (`DS102`), by analyzer
/// name (`destructive`, `incompatible`, `data_depend`, …), or by being empty
/// (everything).
pub fn silenced(list: &[String], f: &Finding) -> bool {
    list.is_empty()
        || list.iter().any(|n| {
            n.eq_ignore_ascii_case(f.code.as_str())
                || Family::parse(n).is_some_and(|fam| fam == f.code.family())
        })
}

/// The `-- strata:nolint CODE …` / `-- atlas:nolint CODE …` directive in the
/// comment lines right before a statement (inside `text`, which ends where the
/// statement starts): `Some(list)` when there is one (empty: everything).
pub fn statement_nolint(before: &str) -> Option<Vec<String>> {
    let mut found = None;
    for line in before.lines().rev() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix("--") else {
            break;
        };
        let comment = comment.trim();
        let rest = comment
            .strip_prefix("strata:nolint")
            .or_else(|| comment.strip_prefix("atlas:nolint"));
        if let Some(rest) = rest {
            if rest.is_empty() || rest.starts_with(char::is_whitespace) {
                let mut list: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
                if let Some(prev) = found.take() {
                    list.extend::<Vec<String>>(prev);
                }
                found = Some(list);
            }
        }
    }
    found
}

/// Quotes `name` for `dialect` (for fixes).
pub(crate) fn q(d: Dialect, name: &str) -> String {
    d.quote(name)
}

/// `"schema"."name"`, or just `"name"` where the dialect has no schemas to qualify.
pub(crate) fn qn(d: Dialect, schema: &str, name: &str) -> String {
    if d.rules().schemas_are_objects && !schema.is_empty() {
        format!("{}.{}", d.quote(schema), d.quote(name))
    } else {
        d.quote(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back_and_belongs_to_a_family_with_a_name() {
        for c in Code::ALL {
            assert_eq!(Code::parse(c.as_str()), Some(c));
            assert_eq!(Family::parse(c.family().name()), Some(c.family()));
        }
    }

    #[test]
    fn statement_nolint_reads_only_the_comments_right_before_the_statement() {
        let text = "-- strata:nolint DS102\n-- a note\n";
        assert_eq!(statement_nolint(text), Some(vec!["DS102".to_string()]));
        let text = "-- atlas:nolint DS103 destructive\n";
        assert_eq!(
            statement_nolint(text),
            Some(vec!["DS103".to_string(), "destructive".to_string()])
        );
        assert_eq!(statement_nolint("-- atlas:nolint\n"), Some(vec![]));
        // A statement in between ends the comment block.
        assert_eq!(
            statement_nolint("-- strata:nolint DS102\nDROP TABLE a;\n"),
            None
        );
        assert_eq!(statement_nolint("-- strata:nolintx DS102\n"), None);
    }
}
