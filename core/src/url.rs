//! Parses the URLs users pass: databases (`sqlite://`, `postgres://`, `mysql://`,
//! `ephemeral://`, Atlas's `docker://` dev URLs) and schema sources (`file://`). Passwords never reach output:
//! [`redact`] is what every message uses.

use crate::diag::{Error, Result};
use crate::dialect::Dialect;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Url {
    /// A live database.
    Database(DbUrl),
    /// Schema files: one file or a directory of `.hcl`/`.sql` files.
    Files(Vec<PathBuf>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbUrl {
    pub dialect: Dialect,
    /// The URL as given; print it only through [`redact`].
    pub raw: String,
    pub kind: DbKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbKind {
    SqliteFile(PathBuf),
    SqliteMemory(String),
    /// A server URL, handled by the dialect's driver.
    Server,
    /// Atlas's `docker://image/tag/db` dev URL, served without Docker by the
    /// dialect's local engine (see [`crate::docker`]).
    Docker(crate::docker::DockerUrl),
}

pub fn parse(raw: &str) -> Result<Url> {
    let (scheme, rest) = raw.split_once("://").ok_or_else(|| {
        Error::Usage(format!(
            "`{}` is not a URL: use e.g. sqlite://app.db, postgres://user@host/db or file://schema.hcl",
            redact(raw)
        ))
    })?;
    let db = |dialect, kind| {
        Ok(Url::Database(DbUrl {
            dialect,
            raw: raw.to_string(),
            kind,
        }))
    };
    match scheme {
        "sqlite" | "sqlite3" => {
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            let memory = path == ":memory:" || query.split('&').any(|kv| kv == "mode=memory");
            if path.is_empty() && !memory {
                return Err(Error::Usage(
                    "sqlite URL needs a file: sqlite://app.db".into(),
                ));
            }
            if memory {
                db(Dialect::Sqlite, DbKind::SqliteMemory(path.to_string()))
            } else {
                db(Dialect::Sqlite, DbKind::SqliteFile(PathBuf::from(path)))
            }
        }
        "postgres" | "postgresql" => db(Dialect::Postgres, DbKind::Server),
        "mysql" | "mariadb" | "maria" => db(Dialect::Mysql, DbKind::Server),
        "ephemeral" => match rest.trim_end_matches('/') {
            "postgres" | "postgresql" => db(Dialect::Postgres, DbKind::Server),
            other => Err(Error::Usage(format!(
                "ephemeral://{other} is not supported; use ephemeral://postgres"
            ))),
        },
        "docker" => {
            let docker = crate::docker::parse(raw)?;
            let dialect = Dialect::from_docker_image(&docker.image).ok_or_else(|| {
                Error::Usage(format!(
                    "{}: strata serves docker:// dev URLs for the postgres image (from local binaries, as ephemeral://postgres); `{}` is not one of them",
                    redact(raw),
                    docker.image
                ))
            })?;
            if !dialect.imp().is_ok_and(|i| i.serves_docker()) {
                return Err(Error::Usage(format!(
                    "{}: {} dev databases cannot be served yet (there is no ephemeral://{} in this strata); \
                     pass a server you run as --dev-url ({}://user@host/dev)",
                    redact(raw),
                    dialect.name(),
                    docker.image,
                    docker.image
                )));
            }
            db(dialect, DbKind::Docker(docker))
        }
        "file" => {
            let path = PathBuf::from(rest);
            Ok(Url::Files(vec![path]))
        }
        other => Err(Error::Usage(format!(
            "unknown URL scheme `{other}://`: use sqlite://, postgres://, mysql:// or file://"
        ))),
    }
}

/// The URL with any password replaced by `xxxxx`.
pub fn redact(raw: &str) -> String {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return raw.to_string();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let redacted_authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:xxxxx@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    let tail = redact_query_password(tail);
    format!("{scheme}://{redacted_authority}{tail}")
}

fn redact_query_password(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_string();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=xxxxx"),
            _ => kv.to_string(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db?sslmode=disable"),
            "postgres://u:xxxxx@h:5432/db?sslmode=disable"
        );
        assert_eq!(
            redact("mysql://root@localhost/x?password=p"),
            "mysql://root@localhost/x?password=xxxxx"
        );
        assert_eq!(redact("sqlite://app.db"), "sqlite://app.db");
    }

    #[test]
    fn parses_sqlite_and_files() {
        let Url::Database(d) = parse("sqlite://dir/app.db").unwrap() else {
            panic!()
        };
        assert_eq!(d.kind, DbKind::SqliteFile("dir/app.db".into()));
        let Url::Database(d) = parse("sqlite://dev?mode=memory").unwrap() else {
            panic!()
        };
        assert_eq!(d.kind, DbKind::SqliteMemory("dev".into()));
        assert_eq!(
            parse("file://schema.hcl").unwrap(),
            Url::Files(vec!["schema.hcl".into()])
        );
        assert!(parse("schema.hcl").is_err());
        assert!(parse("oracle://x").is_err());
    }
}
