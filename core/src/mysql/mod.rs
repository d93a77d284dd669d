//! MySQL/MariaDB: connection and scratch dev databases, `information_schema`
//! inspection, the planner's SQL, and the progress record that makes a
//! non-transactional apply resumable.
//!
//! One database is one schema. A URL that names a database (`mysql://u@h/app`)
//! manages that database; one without manages every non-system database. Plans
//! name tables unqualified when they touch one database (they run inside it)
//! and qualified (`` `db`.`t` ``) when they touch several.
//!
//! Dialect extras in [`crate::model::Attrs`]:
//! - schema: `charset`, `collate` (the database's defaults);
//! - table: `engine` (only when not the server's default), `charset`,
//!   `collate` (only where they differ from the database's);
//! - column: `charset` (only where it differs from the table's; the
//!   collation is `Column::collation`, likewise), `on_update`
//!   (`current_timestamp()`), the type keeps `unsigned`/`zerofill` and
//!   `enum(…)`/`set(…)` values as MariaDB prints them;
//! - index: `type` (`FULLTEXT`, `SPATIAL`, `HASH`), `prefix_<n>` (the prefix
//!   length of part `n`).

pub mod conn;
pub mod inspect;
pub mod plan;
pub mod progress;
pub mod vocab;

pub use conn::MyDriver;

use crate::diag::{Error, Result};
use crate::dialect::{DialectImpl, HclAttr, HclKind};
use crate::diff::DiffOptions;
use crate::driver::{Driver, Scope};
use crate::model::{Index, Realm, Table};
use crate::url::DbUrl;

pub use vocab::RULES;

/// Atlas's MySQL attributes beyond the shared vocabulary, as data: the HCL
/// reader and writer store them in the objects' `Attrs`.
const HCL_ATTRS: &[HclAttr] = &[
    HclAttr {
        block: "table",
        key: "engine",
        kind: HclKind::Word,
    },
    HclAttr {
        block: "table",
        key: "charset",
        kind: HclKind::Str,
    },
    HclAttr {
        block: "table",
        key: "collate",
        kind: HclKind::Str,
    },
    HclAttr {
        block: "column",
        key: "charset",
        kind: HclKind::Str,
    },
    HclAttr {
        block: "column",
        key: "on_update",
        kind: HclKind::Sql,
    },
    HclAttr {
        block: "column",
        key: "unsigned",
        kind: HclKind::Bool,
    },
    HclAttr {
        block: "index",
        key: "type",
        kind: HclKind::Word,
    },
    HclAttr {
        block: "on",
        key: "prefix",
        kind: HclKind::Int,
    },
    HclAttr {
        block: "view",
        key: "algorithm",
        kind: HclKind::Word,
    },
    HclAttr {
        block: "view",
        key: "security",
        kind: HclKind::Word,
    },
    HclAttr {
        block: "view",
        key: "check_option",
        kind: HclKind::Word,
    },
];

/// MySQL/MariaDB behind the dialect seam.
pub struct Mysql;

impl DialectImpl for Mysql {
    fn plan(&self, p: &mut crate::plan::Plan, from: &Realm, to: &Realm, _opts: &DiffOptions) {
        plan::plan(p, from, to);
    }

    fn create_table(&self, _schema: &str, t: &Table) -> String {
        plan::create_table(None, t)
    }

    fn create_index(&self, _schema: &str, table: &str, i: &Index) -> String {
        plan::create_index(None, table, i)
    }

    fn open(&self, url: &DbUrl, _create: bool) -> Result<Box<dyn Driver>> {
        Ok(Box::new(MyDriver::open(&url.raw)?))
    }

    /// A scratch database on the given server.
    fn open_dev(&self, url: Option<&DbUrl>) -> Result<Box<dyn Driver>> {
        match url {
            Some(u) => Ok(Box::new(MyDriver::open_scratch(&u.raw)?)),
            None => Err(Error::Usage(
                "mysql needs a dev database: pass --dev-url mysql://user@host:3306/ (a server, where strata creates and drops a scratch database)".into(),
            )),
        }
    }

    /// A server's version and address (the normalization cache's key).
    fn dev_server(&self, url: Option<&DbUrl>) -> Result<String> {
        match url {
            Some(u) => conn::server_identity(&u.raw),
            None => self.open_dev(None).map(|_| String::new()),
        }
    }

    fn hcl_attrs(&self) -> &'static [HclAttr] {
        HCL_ATTRS
    }

    fn url_schemas(&self, url: &DbUrl) -> Vec<String> {
        conn::url_database(&url.raw).into_iter().collect()
    }

    /// The dev database is one database: it reads back under the one name the
    /// target or the desired files give (a scratch name otherwise), and a
    /// desired state spanning several databases cannot be normalized there.
    fn dev_scope(&self, scope: &Scope, desired: &Realm) -> Result<Scope> {
        if !scope.schemas.is_empty() {
            return Ok(scope.clone());
        }
        let named: Vec<&str> = desired
            .schemas
            .iter()
            .map(|s| s.name.as_str())
            .filter(|n| !n.is_empty())
            .collect();
        if named.len() > 1 {
            return Err(Error::Usage(format!(
                "the desired state spans {} MySQL databases ({}); a dev database normalizes one: name the database in the target URL or split the files",
                named.len(),
                named.join(", ")
            )));
        }
        Ok(Scope {
            schemas: named.iter().map(|s| s.to_string()).collect(),
            exclude: scope.exclude.clone(),
        })
    }

    /// Refuses a plan between unrelated databases: a desired database against
    /// a server-wide target holding only others would otherwise read as
    /// "drop everything there, create everything here". (One database on
    /// each side is the same database, whatever their names.)
    fn check_plan(&self, from: &Realm, to: &Realm) -> Result<()> {
        let names = |r: &Realm| -> Vec<String> {
            r.schemas
                .iter()
                .filter(|s| !s.tables.is_empty() || !s.views.is_empty())
                .map(|s| s.name.to_ascii_lowercase())
                .collect()
        };
        if from.schemas.len() <= 1 && to.schemas.len() <= 1 {
            return Ok(());
        }
        let (f, t) = (names(from), names(to));
        if !f.is_empty() && !t.is_empty() && !t.iter().any(|n| f.contains(n)) {
            return Err(Error::Usage(format!(
                "the desired state is database `{}` but the target holds {}: name the database in the target URL (mysql://user@host/{}) so both sides are the same database",
                t.join("`, `"),
                f.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                t[0]
            )));
        }
        Ok(())
    }
}
