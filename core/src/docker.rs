//! Atlas's `docker://` dev URLs (`docker://postgres/15/dev?search_path=public`),
//! read so that Atlas projects work unchanged. No Docker engine is needed:
//! the dialect serves them the way it serves `ephemeral://` (PostgreSQL: a
//! throwaway cluster from the local server binaries of the requested major
//! version). This module only parses the URL; [`notice`] is the one line a
//! front end prints so that the substitution is never silent.

use crate::diag::{Error, Result};

/// `docker://<image>[/<tag>[/<database>]][?query]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DockerUrl {
    /// `postgres`, `mysql`, `mariadb`, `postgis/postgis`…
    pub image: String,
    /// The image tag as written (`15`, `15.3-alpine`, `latest`); `None` when absent.
    pub tag: Option<String>,
    /// The database the path names (`dev`); Atlas's default database otherwise.
    pub database: Option<String>,
    /// The query string, kept as written (`search_path=public`).
    pub query: String,
}

impl DockerUrl {
    /// The major version the tag asks for: its leading digits (`15.3-alpine` → 15);
    /// `None` for `latest` or no tag (the newest installed serves).
    pub fn major(&self) -> Option<u32> {
        let tag = self.tag.as_deref()?;
        let digits: String = tag.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    }
}

/// Images whose name has a registry namespace (`postgis/postgis`).
const NAMESPACED: [&str; 1] = ["postgis"];

pub fn parse(raw: &str) -> Result<DockerUrl> {
    let rest = raw
        .strip_prefix("docker://")
        .ok_or_else(|| Error::Usage(format!("{raw} is not a docker:// URL")))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return Err(Error::Usage(
            "docker:// URL needs an image: docker://postgres/15/dev".into(),
        ));
    }
    let mut image = parts.remove(0).to_string();
    if NAMESPACED.contains(&image.as_str()) && !parts.is_empty() {
        image = format!("{image}/{}", parts.remove(0));
    }
    let tag = (!parts.is_empty()).then(|| parts.remove(0).to_string());
    let database = (!parts.is_empty()).then(|| parts.remove(0).to_string());
    if !parts.is_empty() {
        return Err(Error::Usage(format!(
            "{raw}: expected docker://<image>/<tag>/<database>"
        )));
    }
    Ok(DockerUrl {
        image,
        tag,
        database,
        query: query.to_string(),
    })
}

/// What serves a `docker://` dev URL, said once on stderr by the front end;
/// `None` for any other URL.
pub fn notice(raw: &str) -> Option<String> {
    let url = parse(raw).ok()?;
    let shown = raw.split('?').next().unwrap_or(raw);
    let version = url.major().map(|m| format!(" {m}")).unwrap_or_default();
    match url.image.as_str() {
        "postgres" | "postgis/postgis" => Some(format!(
            "{shown} served by a local PostgreSQL{version} cluster (ephemeral://)"
        )),
        "sqlite" => Some(format!("{shown} served by an in-memory SQLite database")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_image_tag_database_and_query() {
        let u = parse("docker://postgres/15/dev?search_path=public").unwrap();
        assert_eq!(u.image, "postgres");
        assert_eq!(u.tag.as_deref(), Some("15"));
        assert_eq!(u.major(), Some(15));
        assert_eq!(u.database.as_deref(), Some("dev"));
        assert_eq!(u.query, "search_path=public");

        let u = parse("docker://postgres").unwrap();
        assert_eq!((u.major(), u.tag, u.database), (None, None, None));

        let u = parse("docker://postgres/latest").unwrap();
        assert_eq!(u.major(), None);
        assert_eq!(
            parse("docker://postgres/16.2-alpine/dev").unwrap().major(),
            Some(16)
        );

        let u = parse("docker://postgis/postgis/15-3.4/dev").unwrap();
        assert_eq!(u.image, "postgis/postgis");
        assert_eq!(u.major(), Some(15));
        assert_eq!(u.database.as_deref(), Some("dev"));

        assert!(parse("docker://").is_err());
        assert!(parse("docker://postgres/15/dev/extra").is_err());
    }

    #[test]
    fn notice_names_the_engine_version_and_ephemeral() {
        assert_eq!(
            notice("docker://postgres/15/dev?search_path=public").unwrap(),
            "docker://postgres/15/dev served by a local PostgreSQL 15 cluster (ephemeral://)"
        );
    }
}
