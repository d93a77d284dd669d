//! Which SQL dialect a schema or database speaks.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Sqlite,
    Postgres,
    Mysql,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
        }
    }

    /// The schema objects live in when a source names none.
    pub fn default_schema(self) -> &'static str {
        match self {
            Dialect::Sqlite => "main",
            Dialect::Postgres => "public",
            Dialect::Mysql => "",
        }
    }

    /// Quotes an identifier for this dialect, doubling embedded quote characters.
    pub fn quote(self, ident: &str) -> String {
        match self {
            Dialect::Mysql => format!("`{}`", ident.replace('`', "``")),
            _ => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }

    /// Guesses the dialect from an Atlas-style file suffix: `x.pg.hcl`, `x.my.hcl`,
    /// `x.ma.hcl`, `x.lt.hcl`.
    pub fn from_file_suffix(path: &str) -> Option<Dialect> {
        let stem = path.strip_suffix(".hcl")?;
        match stem.rsplit('.').next()? {
            "pg" => Some(Dialect::Postgres),
            "my" | "ma" => Some(Dialect::Mysql),
            "lt" => Some(Dialect::Sqlite),
            _ => None,
        }
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
