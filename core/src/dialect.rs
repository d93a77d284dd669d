//! Which SQL dialect a schema or database speaks, and the seam every dialect
//! implements.
//!
//! Shared code never asks *which* dialect it has; it asks the dialect a
//! question. Two kinds of answers:
//! - [`Rules`]: facts as data that every dialect has, even one without a
//!   planner yet (quoting, case folding, how the differ matches names);
//! - [`DialectImpl`]: the behaviour a dialect folder provides (planner, DDL
//!   rendering, drivers, normalization quirks). [`Dialect::imp`] is the
//!   registry: adding a dialect is one folder and one line there, and a
//!   dialect without an implementation is an error, never an empty plan.
//!
//! `core/tests/architecture.rs` keeps `Dialect::` variants out of shared modules.

use crate::diag::Result;
use crate::diff::DiffOptions;
use crate::driver::{Driver, Scope};
use crate::hcl::vocab::Vocabulary;
use crate::model::{Index, Realm, Table};
use crate::plan::Plan;
use crate::span::Span;
use crate::url::DbUrl;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Sqlite,
    Postgres,
    Mysql,
}

/// Facts about a dialect that shared code asks instead of matching on it.
#[derive(Debug)]
pub struct Rules {
    pub name: &'static str,
    /// The name users know it by, for messages ("PostgreSQL").
    pub title: &'static str,
    /// The schema objects live in when a source names none.
    pub default_schema: &'static str,
    /// The character that quotes identifiers (doubled inside them).
    pub quote: char,
    /// Identifiers compare ignoring ASCII case (SQLite, MySQL).
    pub fold_case: bool,
    /// Schemas and extensions are objects of the database that plans create
    /// and drop (PostgreSQL), not a fixed namespace (SQLite's `main`).
    pub schemas_are_objects: bool,
    /// The database keeps the names of unique constraints; where it does not
    /// (SQLite), they match by their columns.
    pub keeps_unique_names: bool,
    /// The database keeps foreign key names; where it does not, keys match by
    /// their columns and referenced table.
    pub keeps_fk_names: bool,
    /// Atlas's file suffixes for this dialect's HCL (`x.pg.hcl`).
    pub hcl_suffixes: &'static [&'static str],
    /// Lower-case text that only this dialect's schema files contain (HCL
    /// blocks, SQL keywords and types): how files without a suffix are told apart.
    pub content_markers: &'static [&'static str],
    /// Trigger names are unique per table (PostgreSQL), not per schema.
    pub triggers_per_table: bool,
    /// How the dialect's SQL scripts are lexed into statements.
    pub sql: SqlSyntax,
    /// The HCL blocks, attributes and column types of this dialect's schema
    /// files (see [`crate::hcl::vocab`]): what the reader accepts and the
    /// editor offers.
    pub vocab: &'static Vocabulary,
}

/// How a dialect's SQL scripts are lexed, as far as the statement splitter
/// (`sql/split.rs`) needs: quotes, comments, delimiters and compound bodies.
#[derive(Debug)]
pub struct SqlSyntax {
    /// `#` starts a line comment (MySQL).
    pub hash_comments: bool,
    /// `--` starts a comment only before whitespace or a control character (MySQL).
    pub dash_comment_needs_space: bool,
    /// Block comments nest: `/* a /* b */ c */` (PostgreSQL).
    pub nested_block_comments: bool,
    /// The client's `DELIMITER xx` line, which is not SQL, changes the
    /// statement delimiter (MySQL).
    pub delimiter_directive: bool,
    /// `'…'` and `"…"` take backslash escapes (MySQL).
    pub backslash_escapes: bool,
    /// `` `x` `` quotes an identifier.
    pub backtick_quotes: bool,
    /// `[x]` quotes an identifier (SQLite).
    pub bracket_quotes: bool,
    /// `$tag$ … $tag$` strings (PostgreSQL).
    pub dollar_quotes: bool,
    /// `E'…'` strings take backslash escapes (PostgreSQL).
    pub escape_strings: bool,
    /// Object kinds (`CREATE TRIGGER`) whose body may hold `;` inside `BEGIN … END`.
    pub compound_bodies: &'static [&'static str],
}

/// How an extra HCL attribute's value is spelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HclKind {
    Bool,
    Int,
    /// A bare word: `engine = InnoDB`.
    Word,
    /// A quoted string: `charset = "utf8mb4"`.
    Str,
    /// SQL text: `on_update = sql("current_timestamp()")` (a string reads too).
    Sql,
}

/// A dialect's extra HCL attribute: in which block (`schema`, `table`,
/// `column`, `index`, `on` for an index part, `view`) it may appear, and how
/// its value is spelled. It is kept in the object's `Attrs` under `key` (an
/// index part's as `<key>_<part number>` in the index's), so the reader and
/// the writer handle it without knowing the dialect.
#[derive(Clone, Copy, Debug)]
pub struct HclAttr {
    pub block: &'static str,
    pub key: &'static str,
    pub kind: HclKind,
}

/// What a dialect folder implements (see the module doc).
pub trait DialectImpl: Sync {
    /// Turns `plan.changes` (from → to) into statements.
    fn plan(&self, plan: &mut Plan, from: &Realm, to: &Realm, opts: &DiffOptions);

    /// The realm a fresh database starts from (PostgreSQL: `public` exists).
    fn fresh_start(&self, _desired: &Realm) -> Realm {
        Realm::default()
    }

    /// `CREATE TABLE` for hover and previews.
    fn create_table(&self, schema: &str, t: &Table) -> String;

    /// `CREATE INDEX` for hover and previews.
    fn create_index(&self, schema: &str, table: &str, i: &Index) -> String;

    /// Opens a database (`create` allows a new SQLite file).
    fn open(&self, url: &DbUrl, create: bool) -> Result<Box<dyn Driver>>;

    /// Opens a clean dev database: the given server URL, or the dialect's
    /// embedded default when there is one.
    fn open_dev(&self, url: Option<&DbUrl>) -> Result<Box<dyn Driver>>;

    /// What identifies the dev server for the normalization cache
    /// ([`crate::cache`]): its version and which server it is, found without
    /// creating a scratch database or starting a cluster.
    fn dev_server(&self, url: Option<&DbUrl>) -> Result<String>;

    /// Schemas the URL itself names (PostgreSQL `search_path`), without connecting.
    fn url_schemas(&self, _url: &DbUrl) -> Vec<String> {
        Vec::new()
    }

    /// The dialect's own analyzers (lock levels, rebuilds, narrowing), run
    /// after the shared ones by [`crate::lint::run`].
    fn analyzers(&self) -> &'static [&'static dyn crate::lint::Analyzer] {
        &[]
    }

    /// What the dialect's analyzers need to know about the target beyond its
    /// schema (server version, row counts of the tables a plan rebuilds).
    /// Cheap, bounded queries only; a failed query leaves the fact unknown.
    fn lint_facts(&self, _target: &mut dyn Driver, _plan: &Plan) -> crate::lint::Facts {
        crate::lint::Facts::default()
    }

    /// Whether this dialect serves Atlas's `docker://<image>/…` dev URLs
    /// (from local binaries or an embedded engine, since no Docker runs).
    fn serves_docker(&self) -> bool {
        false
    }

    /// Whether a statement of a hand-reviewed plan may run inside the plan's
    /// transaction (PostgreSQL: not `CREATE INDEX CONCURRENTLY` and the like).
    fn runs_in_transaction(&self, _sql: &str) -> bool {
        true
    }

    /// A dialect's faster way to normalize a big script: `Some(realm)` when it
    /// replayed and read back the whole script itself, `None` to let the
    /// shared replay do it (SQLite replays big schemas in groups).
    fn replay_grouped(
        &self,
        _dev: &mut dyn Driver,
        _script: &[(String, Option<Span>, bool)],
        _scope: &Scope,
    ) -> Result<Option<Realm>> {
        Ok(None)
    }

    /// Extra HCL attributes this dialect's blocks take (MySQL's `charset`,
    /// `engine`, `on_update`, index part `prefix`, …).
    fn hcl_attrs(&self) -> &'static [HclAttr] {
        &[]
    }

    /// The scope a dev database is read back with, given the desired state's
    /// static model: a dialect whose dev database holds one schema (MySQL)
    /// names it here, or refuses a desired state it cannot hold.
    fn dev_scope(&self, scope: &Scope, _desired: &Realm) -> Result<Scope> {
        Ok(scope.clone())
    }

    /// A last check before planning `from` → `to`: a dialect refuses pairs
    /// whose plan could only be wrong (MySQL: two unrelated databases).
    fn check_plan(&self, _from: &Realm, _to: &Realm) -> Result<()> {
        Ok(())
    }
}

const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql];

impl Dialect {
    /// The dialect's facts.
    pub fn rules(self) -> &'static Rules {
        match self {
            Dialect::Sqlite => &crate::sqlite::RULES,
            Dialect::Postgres => &crate::postgres::RULES,
            Dialect::Mysql => &crate::mysql::RULES,
        }
    }

    /// The dialect's implementation: the registry of planners and drivers.
    pub fn imp(self) -> Result<&'static dyn DialectImpl> {
        match self {
            Dialect::Sqlite => Ok(&crate::sqlite::Sqlite),
            Dialect::Postgres => Ok(&crate::postgres::Postgres),
            Dialect::Mysql => Ok(&crate::mysql::Mysql),
        }
    }

    pub fn name(self) -> &'static str {
        self.rules().name
    }

    /// The schema objects live in when a source names none.
    pub fn default_schema(self) -> &'static str {
        self.rules().default_schema
    }

    /// Quotes an identifier for this dialect, doubling embedded quote characters.
    pub fn quote(self, ident: &str) -> String {
        let q = self.rules().quote;
        let mut out = String::with_capacity(ident.len() + 2);
        out.push(q);
        for ch in ident.chars() {
            if ch == q {
                out.push(q);
            }
            out.push(ch);
        }
        out.push(q);
        out
    }

    /// Whether two identifiers name the same object in this dialect.
    pub fn ident_eq(self, a: &str, b: &str) -> bool {
        if self.rules().fold_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    }

    /// Guesses the dialect from an Atlas-style file suffix: `x.pg.hcl`, `x.my.hcl`,
    /// `x.ma.hcl`, `x.lt.hcl`.
    /// The dialect of schema files that show no sign of any: SQLite, which
    /// needs no server to normalize them.
    pub fn fallback() -> Dialect {
        Dialect::Sqlite
    }

    /// Every dialect, in registry order.
    pub fn all() -> [Dialect; 3] {
        ALL
    }

    /// The dialect an Atlas `docker://<image>` dev URL asks for.
    pub fn from_docker_image(image: &str) -> Option<Dialect> {
        match image {
            "postgres" | "postgis/postgis" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::Mysql),
            "sqlite" => Some(Dialect::Sqlite),
            _ => None,
        }
    }

    pub fn from_file_suffix(path: &str) -> Option<Dialect> {
        let stem = path.strip_suffix(".hcl")?;
        let suffix = stem.rsplit('.').next()?;
        ALL.into_iter()
            .find(|d| d.rules().hcl_suffixes.contains(&suffix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_double_embedded_quotes() {
        assert_eq!(Dialect::Sqlite.quote("a\"b"), "\"a\"\"b\"");
        assert_eq!(Dialect::Mysql.quote("a`b"), "`a``b`");
    }

    #[test]
    fn dialect_from_suffix() {
        assert_eq!(
            Dialect::from_file_suffix("s.pg.hcl"),
            Some(Dialect::Postgres)
        );
        assert_eq!(Dialect::from_file_suffix("s.lt.hcl"), Some(Dialect::Sqlite));
        assert_eq!(Dialect::from_file_suffix("schema.hcl"), None);
    }
}
