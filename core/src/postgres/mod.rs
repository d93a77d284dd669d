//! PostgreSQL: connection, scratch dev databases, catalog inspection, and the
//! planner's SQL.

pub mod aggregate;
pub mod conn;
pub mod ephemeral;
pub mod exclude;
pub mod fingerprint;
pub mod inspect;
pub mod lint;
pub mod narrow;
pub mod order;
pub use crate::owner;
pub mod plan;
pub mod vocab;

pub use conn::PgDriver;

use crate::diag::{Error, Result};
use crate::dialect::{DialectImpl, Rules, SqlSyntax};
use crate::diff::DiffOptions;
use crate::driver::Driver;
use crate::model::{Index, Realm, Schema, Table};
use crate::url::{DbKind, DbUrl};

/// PostgreSQL's facts for shared code.
pub const RULES: Rules = Rules {
    name: "postgres",
    title: "PostgreSQL",
    default_schema: "public",
    quote: '"',
    fold_case: false,
    schemas_are_objects: true,
    keeps_unique_names: true,
    keeps_fk_names: true,
    hcl_suffixes: &["pg"],
    content_markers: &[
        "schema \"public\"",
        "\nenum \"",
        "\ndomain \"",
        "\nsequence \"",
        "\nextension \"",
        "\nmaterialized \"",
        "\nfunction \"",
        "\nprocedure \"",
        "\npolicy \"",
        "create type ",
        "create extension ",
        "create sequence ",
        "create domain ",
        "create materialized view ",
        "serial",
        "timestamptz",
        "jsonb",
        "plpgsql",
        "$$",
        "set_config('search_path'",
    ],
    triggers_per_table: true,
    sql: SqlSyntax {
        hash_comments: false,
        dash_comment_needs_space: false,
        nested_block_comments: true,
        delimiter_directive: false,
        backslash_escapes: false,
        backtick_quotes: false,
        bracket_quotes: false,
        dollar_quotes: true,
        escape_strings: true,
        // Bodies are usually dollar-quoted; `BEGIN ATOMIC … END` is not.
        compound_bodies: &["FUNCTION", "PROCEDURE"],
    },
    vocab: &vocab::VOCAB,
};

/// PostgreSQL behind the dialect seam.
pub struct Postgres;

impl DialectImpl for Postgres {
    /// `… CONCURRENTLY` and `VACUUM` refuse to run in a transaction block.
    fn runs_in_transaction(&self, sql: &str) -> bool {
        let head: Vec<String> = sql
            .split_whitespace()
            .take(6)
            .map(str::to_ascii_uppercase)
            .collect();
        !(head.iter().any(|w| w == "CONCURRENTLY") || head.first().is_some_and(|w| w == "VACUUM"))
    }

    fn plan(&self, p: &mut crate::plan::Plan, from: &Realm, to: &Realm, opts: &DiffOptions) {
        plan::plan(p, from, to);
        plan::concurrently(p, &opts.concurrent_index);
    }

    /// A fresh database has `public` already, with PostgreSQL's own comment;
    /// any other comment the desired state gives it is set by the plan.
    fn fresh_start(&self, desired: &Realm) -> Realm {
        let mut start = Realm::default();
        if let Some(public) = desired.schema("public") {
            start.schemas.push(Schema {
                name: public.name.clone(),
                comment: public
                    .comment
                    .clone()
                    .filter(|c| c == "standard public schema"),
                ..Default::default()
            });
        }
        start
    }

    fn analyzers(&self) -> &'static [&'static dyn crate::lint::Analyzer] {
        &[&lint::ConcurrentIndex, &lint::TableLock, &lint::Narrowing]
    }

    fn lint_facts(&self, target: &mut dyn Driver, _plan: &crate::plan::Plan) -> crate::lint::Facts {
        lint::facts(target)
    }

    fn create_table(&self, schema: &str, t: &Table) -> String {
        plan::create_table(schema, t)
    }

    fn create_index(&self, schema: &str, table: &str, i: &Index) -> String {
        plan::create_index(schema, table, i)
    }

    fn open(&self, url: &DbUrl, _create: bool) -> Result<Box<dyn Driver>> {
        if url.raw.starts_with("ephemeral://") || matches!(url.kind, DbKind::Docker(_)) {
            return Err(Error::Usage(format!(
                "{} serves only as a dev database (--dev-url)",
                crate::url::redact(&url.raw)
            )));
        }
        Ok(Box::new(PgDriver::open(&url.raw)?))
    }

    /// A scratch database on the given server, or a throwaway cluster.
    fn open_dev(&self, url: Option<&DbUrl>) -> Result<Box<dyn Driver>> {
        match url {
            Some(u) if u.raw.starts_with("ephemeral://") => Ok(Box::new(PgDriver::open_ephemeral()?)),
            Some(DbUrl { kind: DbKind::Docker(d), raw, .. }) => Ok(Box::new(PgDriver::open_docker(d, raw)?)),
            Some(u) => Ok(Box::new(PgDriver::open_scratch(&u.raw)?)),
            None => Err(Error::Usage(
                "postgres needs a dev database: pass --dev-url (a server, where strata creates and drops a scratch database, or ephemeral://postgres)".into(),
            )),
        }
    }

    fn serves_docker(&self) -> bool {
        true
    }

    /// An `ephemeral://` cluster is the local binaries' version; a server is
    /// its version and address (a short connection, no scratch database).
    fn dev_server(&self, url: Option<&DbUrl>) -> Result<String> {
        match url {
            Some(u) if u.raw.starts_with("ephemeral://") => ephemeral::version(),
            Some(u) => conn::server_identity(&u.raw),
            None => self.open_dev(None).map(|_| String::new()),
        }
    }

    fn url_schemas(&self, url: &DbUrl) -> Vec<String> {
        if let DbKind::Docker(d) = &url.kind {
            // Atlas: `?search_path=public` makes the dev database schema-scoped.
            return d
                .query
                .split('&')
                .filter_map(|kv| kv.strip_prefix("search_path="))
                .flat_map(|v| v.split(','))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
        conn::parse_url(&url.raw)
            .map(|(_, s)| s)
            .unwrap_or_default()
    }
}
