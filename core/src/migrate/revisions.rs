//! The revision history kept in the target database.
//!
//! `atlas_schema_revisions` has Atlas's columns, so a database Atlas has been
//! migrating is adopted without re-applying anything, and the reverse. Beside
//! it, `strata_revision_files` keeps the text of every applied file and a
//! fingerprint of the schema after it (`Driver::fingerprint`): what lets
//! `migrate down` replay versions whose files are gone from an older
//! directory, and notice a database that drifted since.
//!
//! PostgreSQL keeps both tables in the revisions schema (Atlas's default
//! `atlas_schema_revisions`); SQLite keeps them in the database file itself.

use super::dir::compare_versions;
use crate::dialect::Dialect;
use crate::driver::Driver;
use crate::model::Realm;

pub const TABLE: &str = "atlas_schema_revisions";
pub const FILES_TABLE: &str = "strata_revision_files";
/// Atlas's default schema for the table on PostgreSQL.
pub const DEFAULT_SCHEMA: &str = "atlas_schema_revisions";

/// Atlas's revision types (bit flags).
pub const TYPE_BASELINE: i64 = 1;
pub const TYPE_EXECUTE: i64 = 2;
pub const TYPE_RESOLVED: i64 = 4;

type DbResult<T> = std::result::Result<T, String>;

/// One row of `atlas_schema_revisions`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Revision {
    pub version: String,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: i64,
    /// Statements applied so far.
    pub applied: i64,
    /// Statements in the file.
    pub total: i64,
    pub executed_at: String,
    /// Nanoseconds, as Atlas records them.
    pub execution_time: i64,
    pub error: Option<String>,
    pub error_stmt: Option<String>,
    /// The file's row in the sum file (`h1:…`).
    pub hash: String,
    /// `h1:` hashes of each applied statement.
    pub partial_hashes: Vec<String>,
    pub operator_version: String,
}

impl Revision {
    /// Every statement ran and nothing failed.
    pub fn is_complete(&self) -> bool {
        self.error.is_none() && self.applied >= self.total
    }
}

/// What strata keeps of an applied file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileRecord {
    pub version: String,
    pub name: String,
    pub content: String,
    /// The schema's fingerprint after this version (`Driver::fingerprint`),
    /// recorded in the file's own transaction; none where Atlas applied it.
    pub fingerprint: Option<String>,
}

/// Where the history lives in one target database.
#[derive(Clone, Debug)]
pub struct Store {
    pub dialect: Dialect,
    /// PostgreSQL: the schema holding both tables.
    pub schema: Option<String>,
}

/// A SQL string literal.
pub fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn opt_lit(s: &Option<String>) -> String {
    s.as_deref().map_or("NULL".to_string(), lit)
}

impl Store {
    pub fn new(dialect: Dialect, schema: Option<&str>) -> Store {
        Store {
            dialect,
            schema: (dialect == Dialect::Postgres)
                .then(|| schema.unwrap_or(DEFAULT_SCHEMA).to_string()),
        }
    }

    fn q(&self, name: &str) -> String {
        match &self.schema {
            Some(s) => format!("{}.{}", self.dialect.quote(s), self.dialect.quote(name)),
            None => self.dialect.quote(name),
        }
    }

    pub fn table(&self) -> String {
        self.q(TABLE)
    }

    pub fn files_table(&self) -> String {
        self.q(FILES_TABLE)
    }

    /// Whether the revisions table exists (reading never creates it).
    pub fn exists(&self, db: &mut dyn Driver) -> DbResult<bool> {
        let sql = match &self.schema {
            Some(s) => format!(
                "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = {} AND tablename = {}",
                lit(s),
                lit(TABLE)
            ),
            None => format!(
                "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = {}",
                lit(TABLE)
            ),
        };
        db.has_rows(&sql)
    }

    fn files_exist(&self, db: &mut dyn Driver) -> DbResult<bool> {
        let sql = match &self.schema {
            Some(s) => format!(
                "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = {} AND tablename = {}",
                lit(s),
                lit(FILES_TABLE)
            ),
            None => format!(
                "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = {}",
                lit(FILES_TABLE)
            ),
        };
        db.has_rows(&sql)
    }

    /// Creates what is missing (both tables, and the schema on PostgreSQL).
    pub fn ensure(&self, db: &mut dyn Driver) -> DbResult<()> {
        let sql = match &self.schema {
            Some(s) => format!(
                "CREATE SCHEMA IF NOT EXISTS {s_q};\n\
                 CREATE TABLE IF NOT EXISTS {t} (\"version\" character varying NOT NULL, \"description\" character varying NOT NULL, \
                 \"type\" bigint NOT NULL DEFAULT 2, \"applied\" bigint NOT NULL DEFAULT 0, \"total\" bigint NOT NULL DEFAULT 0, \
                 \"executed_at\" timestamptz NOT NULL, \"execution_time\" bigint NOT NULL, \"error\" text NULL, \"error_stmt\" text NULL, \
                 \"hash\" character varying NOT NULL, \"partial_hashes\" jsonb NULL, \"operator_version\" character varying NOT NULL, \
                 PRIMARY KEY (\"version\"));\n\
                 CREATE TABLE IF NOT EXISTS {f} (\"version\" character varying NOT NULL PRIMARY KEY, \"name\" character varying NOT NULL, \
                 \"content\" text NOT NULL, \"fingerprint\" character varying NULL);",
                s_q = self.dialect.quote(s),
                t = self.table(),
                f = self.files_table()
            ),
            None => format!(
                "CREATE TABLE IF NOT EXISTS {t} (`version` text NOT NULL, `description` text NOT NULL, \
                 `type` integer NOT NULL DEFAULT 2, `applied` integer NOT NULL DEFAULT 0, `total` integer NOT NULL DEFAULT 0, \
                 `executed_at` datetime NOT NULL, `execution_time` integer NOT NULL, `error` text NULL, `error_stmt` text NULL, \
                 `hash` text NOT NULL, `partial_hashes` json NULL, `operator_version` text NOT NULL, PRIMARY KEY (`version`));\n\
                 CREATE TABLE IF NOT EXISTS {f} (`version` text NOT NULL PRIMARY KEY, `name` text NOT NULL, \
                 `content` text NOT NULL, `fingerprint` text NULL);",
                t = self.table(),
                f = self.files_table()
            ),
        };
        db.execute(&sql)
    }

    /// Every revision, in version order; Atlas's bookkeeping rows (versions
    /// starting with `.`) are left out.
    pub fn read(&self, db: &mut dyn Driver) -> DbResult<Vec<Revision>> {
        if !self.exists(db)? {
            return Ok(Vec::new());
        }
        let rows = db.query(&format!(
            "SELECT version, description, type, applied, total, executed_at, execution_time, error, error_stmt, hash, partial_hashes, operator_version FROM {}",
            self.table()
        ))?;
        let int = |v: &Option<String>| v.as_deref().and_then(|s| s.parse().ok()).unwrap_or(0);
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut out: Vec<Revision> = rows
            .iter()
            .map(|r| Revision {
                version: text(&r[0]),
                description: text(&r[1]),
                kind: int(&r[2]),
                applied: int(&r[3]),
                total: int(&r[4]),
                executed_at: text(&r[5]),
                execution_time: int(&r[6]),
                error: r[7].clone(),
                error_stmt: r[8].clone(),
                hash: text(&r[9]),
                partial_hashes: r[10]
                    .as_deref()
                    .and_then(|j| serde_json::from_str(j).ok())
                    .unwrap_or_default(),
                operator_version: text(&r[11]),
            })
            .filter(|r| !r.version.starts_with('.'))
            .collect();
        out.sort_by(|a, b| compare_versions(&a.version, &b.version));
        Ok(out)
    }

    /// How many statements of `version` the history says ran (`None`: no row).
    pub fn applied(&self, db: &mut dyn Driver, version: &str) -> DbResult<Option<i64>> {
        let rows = db.query(&format!(
            "SELECT applied FROM {} WHERE version = {}",
            self.table(),
            lit(version)
        ))?;
        Ok(rows
            .first()
            .map(|r| r[0].as_deref().and_then(|v| v.parse().ok()).unwrap_or(0)))
    }

    fn now(&self) -> &'static str {
        match self.dialect {
            Dialect::Postgres => "clock_timestamp()",
            _ => "strftime('%Y-%m-%d %H:%M:%f', 'now')",
        }
    }

    /// Writes a revision, replacing the row of the same version.
    pub fn save(&self, db: &mut dyn Driver, r: &Revision) -> DbResult<()> {
        let hashes = serde_json::to_string(&r.partial_hashes).unwrap();
        let executed_at = if r.executed_at.is_empty() {
            self.now().to_string()
        } else {
            lit(&r.executed_at)
        };
        db.execute(&format!(
            "DELETE FROM {t} WHERE version = {v};\n\
             INSERT INTO {t} (version, description, type, applied, total, executed_at, execution_time, error, error_stmt, hash, partial_hashes, operator_version) \
             VALUES ({v}, {d}, {k}, {a}, {n}, {executed_at}, {et}, {e}, {es}, {h}, {ph}, {ov})",
            t = self.table(),
            v = lit(&r.version),
            d = lit(&r.description),
            k = r.kind,
            a = r.applied,
            n = r.total,
            et = r.execution_time,
            e = opt_lit(&r.error),
            es = opt_lit(&r.error_stmt),
            h = lit(&r.hash),
            ph = lit(&hashes),
            ov = lit(&r.operator_version),
        ))
    }

    /// Removes revisions (and their kept files).
    pub fn delete(&self, db: &mut dyn Driver, versions: &[String]) -> DbResult<()> {
        if versions.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = versions.iter().map(|v| lit(v)).collect();
        let list = list.join(", ");
        db.execute(&format!(
            "DELETE FROM {} WHERE version IN ({list});\nDELETE FROM {} WHERE version IN ({list})",
            self.table(),
            self.files_table()
        ))
    }

    pub fn save_file(&self, db: &mut dyn Driver, f: &FileRecord) -> DbResult<()> {
        db.execute(&format!(
            "DELETE FROM {t} WHERE version = {v};\nINSERT INTO {t} (version, name, content, fingerprint) VALUES ({v}, {n}, {c}, {fp})",
            t = self.files_table(),
            v = lit(&f.version),
            n = lit(&f.name),
            c = lit(&f.content),
            fp = opt_lit(&f.fingerprint),
        ))
    }

    /// Records the schema's fingerprint after `version`.
    pub fn set_fingerprint(&self, db: &mut dyn Driver, version: &str, fp: &str) -> DbResult<()> {
        db.execute(&format!(
            "UPDATE {} SET fingerprint = {} WHERE version = {}",
            self.files_table(),
            lit(fp),
            lit(version)
        ))
    }

    /// The kept files, in version order (none on a database Atlas migrated).
    pub fn files(&self, db: &mut dyn Driver) -> DbResult<Vec<FileRecord>> {
        if !self.files_exist(db)? {
            return Ok(Vec::new());
        }
        let rows = db.query(&format!(
            "SELECT version, name, content, fingerprint FROM {}",
            self.files_table()
        ))?;
        let mut out: Vec<FileRecord> = rows
            .into_iter()
            .map(|r| FileRecord {
                version: r[0].clone().unwrap_or_default(),
                name: r[1].clone().unwrap_or_default(),
                content: r[2].clone().unwrap_or_default(),
                fingerprint: r[3].clone(),
            })
            .collect();
        out.sort_by(|a, b| compare_versions(&a.version, &b.version));
        Ok(out)
    }

    /// Leaves the history's own tables (and schema) out of an inspected realm,
    /// so they are never planned away or counted as drift.
    pub fn strip(&self, realm: &mut Realm) {
        for s in &mut realm.schemas {
            if self.schema.as_deref().is_none_or(|x| x == s.name) {
                s.tables
                    .retain(|t| t.name != TABLE && t.name != FILES_TABLE);
            }
        }
        if let Some(own) = &self.schema {
            realm.schemas.retain(|s| {
                &s.name != own
                    || !s.tables.is_empty()
                    || !s.views.is_empty()
                    || !s.enums.is_empty()
                    || !s.routines.is_empty()
            });
        }
    }
}
