//! SQLite: connection, inspection, and the planner's SQL.

pub mod conn;
pub mod ddl;
pub mod inspect;
pub mod lint;
pub mod partition;
pub mod plan;
pub mod runlock;
pub mod vocab;

pub use conn::SqliteDriver;

use crate::diag::Result;
use crate::dialect::{DialectImpl, Rules, SqlSyntax};
use crate::diff::DiffOptions;
use crate::driver::{Driver, Scope};
use crate::model::{Index, Realm, Table};
use crate::span::Span;
use crate::url::{DbKind, DbUrl};

/// SQLite's facts for shared code.
pub const RULES: Rules = Rules {
    name: "sqlite",
    title: "SQLite",
    default_schema: "main",
    quote: '"',
    fold_case: true,
    schemas_are_objects: false,
    keeps_unique_names: false,
    keeps_fk_names: false,
    hcl_suffixes: &["lt"],
    content_markers: &[
        "schema \"main\"",
        "autoincrement",
        "without rowid",
        "without_rowid",
        "pragma ",
    ],
    triggers_per_table: false,
    sql: SqlSyntax {
        hash_comments: false,
        dash_comment_needs_space: false,
        nested_block_comments: false,
        delimiter_directive: false,
        backslash_escapes: false,
        backtick_quotes: true,
        bracket_quotes: true,
        dollar_quotes: false,
        escape_strings: false,
        compound_bodies: &["TRIGGER"],
    },
    vocab: &vocab::VOCAB,
};

/// SQLite behind the dialect seam.
pub struct Sqlite;

impl DialectImpl for Sqlite {
    fn plan(&self, plan: &mut crate::plan::Plan, from: &Realm, to: &Realm, _opts: &DiffOptions) {
        plan::plan(plan, from, to)
    }

    fn analyzers(&self) -> &'static [&'static dyn crate::lint::Analyzer] {
        &[&lint::Rebuild]
    }

    fn lint_facts(&self, target: &mut dyn Driver, plan: &crate::plan::Plan) -> crate::lint::Facts {
        lint::facts(target, plan)
    }

    fn create_table(&self, _schema: &str, t: &Table) -> String {
        plan::create_table(t, &t.name)
    }

    fn create_index(&self, _schema: &str, table: &str, i: &Index) -> String {
        plan::create_index(i, table)
    }

    fn open(&self, url: &DbUrl, create: bool) -> Result<Box<dyn Driver>> {
        match &url.kind {
            DbKind::SqliteFile(path) => Ok(Box::new(SqliteDriver::open_file(path, create)?)),
            _ => Ok(Box::new(SqliteDriver::memory()?)),
        }
    }

    /// The dev database is in memory unless a URL names one.
    fn open_dev(&self, url: Option<&DbUrl>) -> Result<Box<dyn Driver>> {
        match url {
            Some(u) => self.open(u, true),
            None => Ok(Box::new(SqliteDriver::memory()?)),
        }
    }

    fn serves_docker(&self) -> bool {
        true
    }

    /// The bundled library's version; a dev file is as good as memory.
    fn dev_server(&self, _url: Option<&DbUrl>) -> Result<String> {
        Ok(format!("sqlite {}", rusqlite::version()))
    }

    fn replay_grouped(
        &self,
        dev: &mut dyn Driver,
        script: &[(String, Option<Span>, bool)],
        scope: &Scope,
    ) -> Result<Option<Realm>> {
        partition::replay(dev, script, scope)
    }
}
