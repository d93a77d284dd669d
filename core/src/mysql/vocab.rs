//! MySQL/MariaDB's facts and HCL vocabulary: Atlas's common blocks and
//! MySQL's column types (the dialect's own attributes, `engine`, `charset`,
//! `on_update`…, are [`super::HCL_ATTRS`]).

use crate::dialect::{Rules, SqlSyntax};
use crate::hcl::vocab::{TypeSpec, Vocabulary, COMMON_BLOCKS, COMMON_SYNONYMS};

/// MySQL's facts for shared code.
pub const RULES: Rules = Rules {
    name: "mysql",
    title: "MySQL/MariaDB",
    default_schema: "",
    quote: '`',
    fold_case: true,
    schemas_are_objects: false,
    keeps_unique_names: true,
    keeps_fk_names: true,
    hcl_suffixes: &["my", "ma"],
    content_markers: &[
        "auto_increment",
        "engine=",
        "engine =",
        "unsigned",
        "charset",
    ],
    triggers_per_table: false,
    sql: SqlSyntax {
        hash_comments: true,
        dash_comment_needs_space: true,
        nested_block_comments: false,
        delimiter_directive: true,
        backslash_escapes: true,
        backtick_quotes: true,
        bracket_quotes: false,
        dollar_quotes: false,
        escape_strings: false,
        compound_bodies: &["TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"],
    },
    vocab: &VOCAB,
};

const fn ty(name: &'static str, params: Option<&'static str>, doc: &'static str) -> TypeSpec {
    TypeSpec { name, params, doc }
}

/// MySQL's vocabulary: Atlas's common blocks and MySQL's types.
pub const VOCAB: Vocabulary = Vocabulary {
    blocks: &COMMON_BLOCKS,
    types: &[
        ty("int", None, "4-byte integer"),
        ty("integer", None, "alias of int"),
        ty("bigint", None, "8-byte integer"),
        ty("smallint", None, "2-byte integer"),
        ty("tinyint", None, "1-byte integer"),
        ty("mediumint", None, "3-byte integer"),
        ty(
            "varchar",
            Some("varchar(${1:255})"),
            "variable-length text (length required)",
        ),
        ty("char", Some("char(${1:1})"), "fixed-length text"),
        ty("text", None, "text up to 64 KiB"),
        ty("tinytext", None, "text up to 255 bytes"),
        ty("mediumtext", None, "text up to 16 MiB"),
        ty("longtext", None, "text up to 4 GiB"),
        ty("blob", None, "binary up to 64 KiB"),
        ty("tinyblob", None, "binary up to 255 bytes"),
        ty("mediumblob", None, "binary up to 16 MiB"),
        ty("longblob", None, "binary up to 4 GiB"),
        ty("binary", Some("binary(${1:16})"), "fixed-length binary"),
        ty(
            "varbinary",
            Some("varbinary(${1:255})"),
            "variable-length binary",
        ),
        ty("decimal", Some("decimal(${1:10},${2:2})"), "exact number"),
        ty("numeric", Some("numeric(${1:10},${2:2})"), "exact number"),
        ty("float", None, "4-byte float"),
        ty("double", None, "8-byte float"),
        ty("real", None, "alias of double"),
        ty("bool", None, "alias of tinyint(1)"),
        ty("boolean", None, "alias of tinyint(1)"),
        ty("date", None, "calendar date"),
        ty("datetime", None, "date and time"),
        ty("timestamp", None, "date and time, UTC-converted"),
        ty("time", None, "time of day"),
        ty("year", None, "year"),
        ty("json", None, "JSON document"),
        ty(
            "enum",
            Some("enum(\"${1:a}\", \"${2:b}\")"),
            "one of a list of strings",
        ),
        ty(
            "set",
            Some("set(\"${1:a}\", \"${2:b}\")"),
            "a set of strings",
        ),
        ty("bit", Some("bit(${1:1})"), "bit field"),
        ty("geometry", None, "spatial value"),
        ty("point", None, "spatial point"),
    ],
    type_aliases: &["unsigned"],
    array_types: false,
    open_types: false,
    spaced_types: &[],
    bool_literals: ["0", "1"],
    type_refs: false,
    type_synonyms: &[&[("integer", "int")], COMMON_SYNONYMS],
};
