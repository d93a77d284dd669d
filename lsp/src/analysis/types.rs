//! Column types each dialect knows, for completion and the unknown-type check.

use strata_core::dialect::Dialect;

/// A type name and whether it takes arguments (`varchar(255)`), with a snippet.
pub struct TypeInfo {
    pub name: &'static str,
    pub snippet: Option<&'static str>,
    pub doc: &'static str,
}

const fn t(name: &'static str, doc: &'static str) -> TypeInfo {
    TypeInfo {
        name,
        snippet: None,
        doc,
    }
}

const fn p(name: &'static str, snippet: &'static str, doc: &'static str) -> TypeInfo {
    TypeInfo {
        name,
        snippet: Some(snippet),
        doc,
    }
}

const SQLITE: &[TypeInfo] = &[
    t(
        "integer",
        "INTEGER affinity; an `integer` primary key is the rowid",
    ),
    t("int", "INTEGER affinity"),
    t("bigint", "INTEGER affinity"),
    t("smallint", "INTEGER affinity"),
    t("tinyint", "INTEGER affinity"),
    t("mediumint", "INTEGER affinity"),
    t("text", "TEXT affinity"),
    p(
        "varchar",
        "varchar(${1:255})",
        "TEXT affinity (the length is not enforced)",
    ),
    p(
        "char",
        "char(${1:1})",
        "TEXT affinity (the length is not enforced)",
    ),
    p("nvarchar", "nvarchar(${1:255})", "TEXT affinity"),
    p("nchar", "nchar(${1:1})", "TEXT affinity"),
    t("clob", "TEXT affinity"),
    t("blob", "BLOB affinity: stored as given"),
    t("real", "REAL affinity: 8-byte float"),
    t("double", "REAL affinity"),
    t("float", "REAL affinity"),
    t("numeric", "NUMERIC affinity"),
    p("decimal", "decimal(${1:10},${2:2})", "NUMERIC affinity"),
    t("boolean", "NUMERIC affinity: 0 or 1"),
    t("bool", "NUMERIC affinity: 0 or 1"),
    t(
        "date",
        "NUMERIC affinity: store ISO-8601 text or a Julian/Unix number",
    ),
    t(
        "datetime",
        "NUMERIC affinity: store ISO-8601 text or a Julian/Unix number",
    ),
    t("timestamp", "NUMERIC affinity"),
    t("time", "NUMERIC affinity"),
    t("json", "TEXT affinity; use the JSON functions"),
    t("uuid", "NUMERIC affinity by name; store as text or blob"),
    t("any", "STRICT tables: any value"),
];

const POSTGRES: &[TypeInfo] = &[
    t("integer", "4-byte signed integer"),
    t("int", "alias of integer"),
    t("int4", "alias of integer"),
    t("bigint", "8-byte signed integer"),
    t("int8", "alias of bigint"),
    t("smallint", "2-byte signed integer"),
    t("int2", "alias of smallint"),
    t("serial", "auto-incrementing integer"),
    t("bigserial", "auto-incrementing bigint"),
    t("smallserial", "auto-incrementing smallint"),
    t("text", "variable-length text"),
    p(
        "varchar",
        "varchar(${1:255})",
        "variable-length text with a limit",
    ),
    p(
        "character_varying",
        "character_varying(${1:255})",
        "variable-length text with a limit",
    ),
    p("char", "char(${1:1})", "fixed-length text"),
    p("character", "character(${1:1})", "fixed-length text"),
    t("boolean", "true/false"),
    t("bool", "alias of boolean"),
    p("numeric", "numeric(${1:10},${2:2})", "exact number"),
    p("decimal", "decimal(${1:10},${2:2})", "exact number"),
    t("real", "4-byte float"),
    t("float4", "alias of real"),
    t("double_precision", "8-byte float"),
    t("float8", "alias of double precision"),
    t("money", "currency amount"),
    t("date", "calendar date"),
    t("time", "time of day"),
    t("timetz", "time of day with time zone"),
    t("timestamp", "date and time"),
    t("timestamptz", "date and time with time zone"),
    t("interval", "time span"),
    t("uuid", "UUID"),
    t("json", "JSON text"),
    t("jsonb", "binary JSON"),
    t("bytea", "binary data"),
    t("inet", "IP address"),
    t("cidr", "IP network"),
    t("macaddr", "MAC address"),
    t("xml", "XML"),
    t("tsvector", "text search document"),
    t("tsquery", "text search query"),
    p("bit", "bit(${1:1})", "bit string"),
    p("varbit", "varbit(${1:8})", "variable bit string"),
    t("point", "geometric point"),
    t("hstore", "key/value pairs (extension)"),
    t("citext", "case-insensitive text (extension)"),
];

const MYSQL: &[TypeInfo] = &[
    t("int", "4-byte integer"),
    t("integer", "alias of int"),
    t("bigint", "8-byte integer"),
    t("smallint", "2-byte integer"),
    t("tinyint", "1-byte integer"),
    t("mediumint", "3-byte integer"),
    p(
        "varchar",
        "varchar(${1:255})",
        "variable-length text (length required)",
    ),
    p("char", "char(${1:1})", "fixed-length text"),
    t("text", "text up to 64 KiB"),
    t("tinytext", "text up to 255 bytes"),
    t("mediumtext", "text up to 16 MiB"),
    t("longtext", "text up to 4 GiB"),
    t("blob", "binary up to 64 KiB"),
    t("tinyblob", "binary up to 255 bytes"),
    t("mediumblob", "binary up to 16 MiB"),
    t("longblob", "binary up to 4 GiB"),
    p("binary", "binary(${1:16})", "fixed-length binary"),
    p("varbinary", "varbinary(${1:255})", "variable-length binary"),
    p("decimal", "decimal(${1:10},${2:2})", "exact number"),
    p("numeric", "numeric(${1:10},${2:2})", "exact number"),
    t("float", "4-byte float"),
    t("double", "8-byte float"),
    t("real", "alias of double"),
    t("bool", "alias of tinyint(1)"),
    t("boolean", "alias of tinyint(1)"),
    t("date", "calendar date"),
    t("datetime", "date and time"),
    t("timestamp", "date and time, UTC-converted"),
    t("time", "time of day"),
    t("year", "year"),
    t("json", "JSON document"),
    p(
        "enum",
        "enum(\"${1:a}\", \"${2:b}\")",
        "one of a list of strings",
    ),
    p("set", "set(\"${1:a}\", \"${2:b}\")", "a set of strings"),
    p("bit", "bit(${1:1})", "bit field"),
    t("geometry", "spatial value"),
    t("point", "spatial point"),
];

pub fn types(d: Dialect) -> &'static [TypeInfo] {
    match d {
        Dialect::Sqlite => SQLITE,
        Dialect::Postgres => POSTGRES,
        Dialect::Mysql => MYSQL,
    }
}

/// Whether `name` (a type's base word, any case) is a type of dialect `d`.
pub fn is_known(d: Dialect, name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let base = lower.split('(').next().unwrap_or("").trim();
    if d == Dialect::Postgres && base.ends_with("[]") {
        return is_known(d, base.trim_end_matches("[]"));
    }
    // Atlas spells multi-word types with underscores or spaces.
    let base = base.replace(' ', "_");
    types(d).iter().any(|t| t.name == base)
        || matches!(
            (d, base.as_str()),
            (
                Dialect::Postgres,
                "double" | "timestamp_with_time_zone" | "timestamp_without_time_zone"
            ) | (
                Dialect::Sqlite,
                "unsigned_big_int" | "varying_character" | "native_character"
            ) | (Dialect::Mysql, "unsigned")
        )
}

pub fn doc(d: Dialect, name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let base = lower.split('(').next().unwrap_or("").trim();
    types(d).iter().find(|t| t.name == base).map(|t| t.doc)
}

/// The known type nearest to `word` by edit distance, if close.
pub fn closest(d: Dialect, word: &str) -> Option<&'static str> {
    let w = word.to_ascii_lowercase();
    types(d)
        .iter()
        .map(|t| (edit_distance(&w, t.name), t.name))
        .filter(|(dist, _)| *dist <= 2)
        .min()
        .map(|(_, n)| n)
}

pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A type reduced for comparing an FK column with the column it references:
/// lower case, no spaces, common aliases folded.
pub fn canonical(d: Dialect, ty: &str) -> String {
    let t: String = ty
        .to_ascii_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let (base, args) = match t.find('(') {
        Some(i) => (t[..i].trim().to_string(), t[i..].replace(' ', "")),
        None => (t.clone(), String::new()),
    };
    let base = match (d, base.as_str()) {
        (_, "int" | "int4") if d != Dialect::Mysql => "integer",
        (Dialect::Mysql, "integer") => "int",
        (_, "int8") => "bigint",
        (_, "int2") => "smallint",
        (_, "bool") => "boolean",
        (_, "character varying" | "character_varying") => "varchar",
        (_, "float8" | "double precision" | "double_precision") => "double",
        (_, "float4") => "real",
        (Dialect::Postgres, "serial") => "integer",
        (Dialect::Postgres, "bigserial") => "bigint",
        (_, b) => b,
    };
    format!("{base}{args}")
}
