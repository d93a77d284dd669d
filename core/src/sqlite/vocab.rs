//! SQLite's HCL vocabulary: Atlas's common blocks, a table's SQLite options,
//! and SQLite's type names (each maps to one of five affinities).

use crate::hcl::vocab::*;

const TABLE_OPTIONS: &[AttrSpec] = &[
    AttrSpec {
        name: "without_rowid",
        value: Value::Bool,
        doc: "SQLite WITHOUT ROWID table",
        snippet: "",
    },
    AttrSpec {
        name: "strict",
        value: Value::Bool,
        doc: "SQLite STRICT table: types are enforced",
        snippet: "",
    },
];

const TABLE: BlockSpec = BlockSpec {
    attrs: &[TABLE_ATTRS, TABLE_OPTIONS],
    ..crate::hcl::vocab::TABLE
};

const fn t(name: &'static str, doc: &'static str) -> TypeSpec {
    TypeSpec {
        name,
        params: None,
        doc,
    }
}

const fn p(name: &'static str, params: &'static str, doc: &'static str) -> TypeSpec {
    TypeSpec {
        name,
        params: Some(params),
        doc,
    }
}

const TYPES: &[TypeSpec] = &[
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

/// SQLite's vocabulary, for [`super::RULES`].
pub const VOCAB: Vocabulary = Vocabulary {
    blocks: &[&TABLE, &SCHEMA, &VIEW, &TRIGGER],
    types: TYPES,
    type_aliases: &["unsigned_big_int", "varying_character", "native_character"],
    array_types: false,
    open_types: true,
    spaced_types: &[],
    // SQLite stores booleans as integers.
    bool_literals: ["0", "1"],
    type_refs: false,
    type_synonyms: &[INTEGER_SYNONYMS, COMMON_SYNONYMS],
};
