//! PostgreSQL's HCL vocabulary (Atlas's PostgreSQL HCL): the common blocks
//! with PostgreSQL's table, column and index options, and its own objects
//! (enums, domains, sequences, extensions, routines, materialized views,
//! policies), plus its type catalog.

use crate::hcl::vocab::*;

const fn a(name: &'static str, value: Value, doc: &'static str) -> AttrSpec {
    AttrSpec {
        name,
        value,
        doc,
        snippet: "",
    }
}

const fn s(name: &'static str, value: Value, snippet: &'static str, doc: &'static str) -> AttrSpec {
    AttrSpec {
        name,
        value,
        doc,
        snippet,
    }
}

const SCHEMA_REF: AttrSpec = s("schema", Value::Schema, "schema = schema.${1:public}", "");

const SEQUENCE_OPTIONS: &[AttrSpec] = &[
    s("start", Value::Int, "start = ${1:1}", "the first value"),
    s(
        "increment",
        Value::Int,
        "increment = ${1:1}",
        "the step (negative counts down)",
    ),
    s(
        "min_value",
        Value::Int,
        "min_value = $1",
        "the lowest value",
    ),
    s(
        "max_value",
        Value::Int,
        "max_value = $1",
        "the highest value",
    ),
    s(
        "cache",
        Value::Int,
        "cache = ${1:1}",
        "values handed out ahead per session",
    ),
    a("cycle", Value::Bool, "start over after the last value"),
];

const IDENTITY: BlockSpec = BlockSpec {
    name: "identity",
    doc: "an identity column (GENERATED … AS IDENTITY)",
    snippet: "identity {\n\tgenerated = ${1|ALWAYS,BY_DEFAULT|}\n}",
    labels: Labels::None,
    attrs: &[
        &[a("generated", Value::Word(&["ALWAYS", "BY_DEFAULT"]), "")],
        SEQUENCE_OPTIONS,
    ],
    blocks: &[],
};

const COLUMN: BlockSpec = BlockSpec {
    blocks: &[&GENERATED, &IDENTITY],
    ..crate::hcl::vocab::COLUMN
};

const INDEX_PART: BlockSpec = BlockSpec {
    attrs: &[
        INDEX_PART_ATTRS,
        &[
            a("nulls_first", Value::Bool, ""),
            a("nulls_last", Value::Bool, ""),
        ],
    ],
    ..crate::hcl::vocab::INDEX_PART
};

const INDEX_OPTIONS: &[AttrSpec] = &[
    a(
        "type",
        Value::Word(&["BTREE", "GIN", "GIST", "BRIN", "HASH", "SPGIST"]),
        "the index method",
    ),
    s(
        "include",
        Value::Columns,
        "include = [column.$1]",
        "INCLUDE: columns stored, not keyed",
    ),
    a("nulls_distinct", Value::Bool, "false: NULLS NOT DISTINCT"),
];

const INDEX: BlockSpec = BlockSpec {
    attrs: &[INDEX_ATTRS, INDEX_UNIQUE, INDEX_OPTIONS],
    blocks: &[&INDEX_PART],
    ..crate::hcl::vocab::INDEX
};

const UNIQUE: BlockSpec = BlockSpec {
    attrs: &[INDEX_ATTRS, INDEX_OPTIONS],
    blocks: &[&INDEX_PART],
    ..crate::hcl::vocab::UNIQUE
};

const PARTITION: BlockSpec = BlockSpec {
    name: "partition",
    doc: "partition this table",
    snippet: "partition {\n\ttype    = ${1|RANGE,LIST,HASH|}\n\tcolumns = [column.$2]\n}",
    labels: Labels::None,
    attrs: &[&[
        a("type", Value::Word(&["RANGE", "LIST", "HASH"]), ""),
        s("columns", Value::Columns, "columns = [column.$1]", ""),
    ]],
    blocks: &[&BlockSpec {
        name: "by",
        doc: "a partition key: a column or an expression",
        snippet: "by {\n\tcolumn = column.$1\n}",
        labels: Labels::None,
        attrs: &[&[
            s("column", Value::Columns, "column = column.$1", ""),
            s("expr", Value::Sql, "expr = \"$1\"", ""),
        ]],
        blocks: &[],
    }],
};

const EXCLUDE: BlockSpec = BlockSpec {
    name: "exclude",
    doc: "an exclusion constraint",
    snippet: "exclude \"${1:name}\" {\n\ttype = ${2:GIST}\n\ton {\n\t\tcolumn = column.$3\n\t\top     = \"${4:&&}\"\n\t}\n}",
    labels: Labels::Name,
    attrs: &[&[
        s("type", Value::Word(&["GIST", "SPGIST", "BTREE", "HASH"]), "type = ${1:GIST}", "the index method"),
        s("where", Value::Sql, "where = \"$1\"", "rows it applies to"),
    ]],
    blocks: &[&BlockSpec {
        name: "on",
        doc: "an element and its operator",
        snippet: "on {\n\tcolumn = column.$1\n\top     = \"${2:&&}\"\n}",
        labels: Labels::None,
        attrs: &[&[
            s("column", Value::Columns, "column = column.$1", ""),
            s("expr", Value::Sql, "expr = \"$1\"", ""),
            s(
                "op",
                Value::Str,
                "op = \"$1\"",
                "the operator rows must not satisfy together",
            ),
        ]],
        blocks: &[],
    }],
};

const TABLE_OPTIONS: &[AttrSpec] = &[
    a("unlogged", Value::Bool, "UNLOGGED: faster, not crash-safe"),
    a("row_security", Value::Bool, "enable row-level security"),
    s(
        "partition_of",
        Value::Relation,
        "partition_of = table.$1",
        "this table is a partition of another",
    ),
    s(
        "partition_bound",
        Value::Str,
        "partition_bound = \"FOR VALUES $1\"",
        "the partition's bound",
    ),
];

const TABLE: BlockSpec = BlockSpec {
    attrs: &[TABLE_ATTRS, TABLE_OPTIONS],
    blocks: &[
        &COLUMN,
        &PRIMARY_KEY,
        &INDEX,
        &FOREIGN_KEY,
        &UNIQUE,
        &CHECK,
        &PARTITION,
        &EXCLUDE,
    ],
    ..crate::hcl::vocab::TABLE
};

const ENUM: BlockSpec = BlockSpec {
    name: "enum",
    doc: "an enumerated type",
    snippet: "enum \"${1:name}\" {\n\tschema = schema.${2:public}\n\tvalues = [\"${3:a}\", \"${4:b}\"]\n}",
    labels: Labels::SchemaAndName,
    attrs: &[&[
        SCHEMA_REF,
        s("values", Value::Strings, "values = [\"$1\"]", "the labels, in order"),
        COMMENT,
        s("renamed_from", Value::Name, "renamed_from = \"$1\"", ""),
    ]],
    blocks: &[],
};

const DOMAIN: BlockSpec = BlockSpec {
    name: "domain",
    doc: "a type with constraints",
    snippet: "domain \"${1:name}\" {\n\tschema = schema.${2:public}\n\ttype   = ${3:text}\n}",
    labels: Labels::SchemaAndName,
    attrs: &[&[
        SCHEMA_REF,
        s("type", Value::Type, "type = $1", "the base type"),
        a("null", Value::Bool, ""),
        s("default", Value::Default, "default = $1", ""),
        s("collate", Value::Str, "collate = \"$1\"", ""),
        COMMENT,
    ]],
    blocks: &[&CHECK],
};

const SEQUENCE: BlockSpec = BlockSpec {
    name: "sequence",
    doc: "a sequence",
    snippet: "sequence \"${1:name}\" {\n\tschema = schema.${2:public}\n}",
    labels: Labels::SchemaAndName,
    attrs: &[
        &[
            SCHEMA_REF,
            a(
                "type",
                Value::Word(&["bigint", "integer", "smallint"]),
                "the sequence's type (default bigint)",
            ),
            a(
                "as",
                Value::Word(&["bigint", "integer", "smallint"]),
                "alias of `type`",
            ),
            s(
                "owner",
                Value::ForeignColumns,
                "owner = table.$1.column.$2",
                "OWNED BY: dropped with that column",
            ),
            s(
                "owned_by",
                Value::ForeignColumns,
                "owned_by = table.$1.column.$2",
                "alias of `owner`",
            ),
            COMMENT,
        ],
        SEQUENCE_OPTIONS,
    ],
    blocks: &[],
};

const EXTENSION: BlockSpec = BlockSpec {
    name: "extension",
    doc: "an extension (database-wide)",
    snippet: "extension \"${1:name}\" {\n\tschema = schema.${2:public}\n}",
    labels: Labels::Name,
    attrs: &[&[
        SCHEMA_REF,
        s("version", Value::Str, "version = \"$1\"", ""),
        COMMENT,
    ]],
    blocks: &[],
};

const ROUTINE_ATTRS: &[AttrSpec] = &[
    SCHEMA_REF,
    a("lang", Value::Word(&["PLpgSQL", "SQL"]), ""),
    s(
        "return",
        Value::Type,
        "return = $1",
        "what the function returns",
    ),
    s(
        "as",
        Value::Sql,
        "as = <<-SQL\n\t$1\nSQL",
        "the body, or a whole CREATE statement",
    ),
    a(
        "volatility",
        Value::Word(&["VOLATILE", "STABLE", "IMMUTABLE"]),
        "",
    ),
    a("security", Value::Word(&["INVOKER", "DEFINER"]), ""),
    a("leakproof", Value::Bool, ""),
    a("strict", Value::Bool, ""),
    a(
        "parallel",
        Value::Word(&["UNSAFE", "RESTRICTED", "SAFE"]),
        "",
    ),
    s(
        "cost",
        Value::Int,
        "cost = ${1:100}",
        "the planner's cost estimate",
    ),
    s(
        "rows",
        Value::Int,
        "rows = ${1:1000}",
        "rows a set-returning function yields",
    ),
];

const ARG: BlockSpec = BlockSpec {
    name: "arg",
    doc: "an argument",
    snippet: "arg \"${1:name}\" {\n\ttype = $2\n}",
    labels: Labels::Optional,
    attrs: &[&[
        s("type", Value::Type, "type = $1", ""),
        a("mode", Value::Word(&["IN", "OUT", "INOUT", "VARIADIC"]), ""),
    ]],
    blocks: &[],
};

const FUNCTION: BlockSpec = BlockSpec {
    name: "function",
    doc: "a function",
    snippet: "function \"${1:name}\" {\n\tschema = schema.${2:public}\n\tlang   = ${3|PLpgSQL,SQL|}\n\treturn = ${4:trigger}\n\tas     = <<-SQL\n\t\t$5\n\tSQL\n}",
    labels: Labels::SchemaAndName,
    attrs: &[ROUTINE_ATTRS],
    blocks: &[&ARG],
};

const PROCEDURE: BlockSpec = BlockSpec {
    name: "procedure",
    doc: "a procedure",
    snippet: "procedure \"${1:name}\" {\n\tschema = schema.${2:public}\n\tlang   = ${3|PLpgSQL,SQL|}\n\tas     = <<-SQL\n\t\t$4\n\tSQL\n}",
    ..FUNCTION
};

const MATERIALIZED: BlockSpec = BlockSpec {
    name: "materialized",
    doc: "a materialized view",
    snippet: "materialized \"${1:name}\" {\n\tschema = schema.${2:public}\n\tas     = <<-SQL\n\t\t${3:SELECT 1}\n\tSQL\n}",
    blocks: &[&VIEW_COLUMN, &INDEX],
    ..VIEW
};

const POLICY: BlockSpec = BlockSpec {
    name: "policy",
    doc: "a row-level security policy",
    snippet: "policy \"${1:name}\" {\n\ton    = table.${2}\n\tfor   = ${3|ALL,SELECT,INSERT,UPDATE,DELETE|}\n\tusing = \"${4:true}\"\n}",
    labels: Labels::Name,
    attrs: &[&[
        s("on", Value::Relation, "on = table.$1", "the table it guards"),
        a("for", Value::Word(&["ALL", "SELECT", "INSERT", "UPDATE", "DELETE"]), ""),
        a("as", Value::Word(&["PERMISSIVE", "RESTRICTIVE"]), ""),
        s("to", Value::Strings, "to = [\"${1:PUBLIC}\"]", "the roles"),
        s("using", Value::Sql, "using = \"$1\"", "rows it lets through"),
        s("check", Value::Sql, "check = \"$1\"", "rows it lets be written"),
        COMMENT,
    ]],
    blocks: &[],
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

/// PostgreSQL's vocabulary, for [`super::RULES`].
pub const VOCAB: Vocabulary = Vocabulary {
    blocks: &[
        &TABLE,
        &SCHEMA,
        &VIEW,
        &TRIGGER,
        &ENUM,
        &DOMAIN,
        &SEQUENCE,
        &EXTENSION,
        &FUNCTION,
        &PROCEDURE,
        &MATERIALIZED,
        &POLICY,
    ],
    types: TYPES,
    type_aliases: &[
        "double",
        "bit_varying",
        "timestamp_with_time_zone",
        "timestamp_without_time_zone",
        "time_with_time_zone",
        "time_without_time_zone",
    ],
    array_types: true,
    open_types: false,
    spaced_types: &[
        "double_precision",
        "character_varying",
        "bit_varying",
        "timestamp_with_time_zone",
        "timestamp_without_time_zone",
        "time_with_time_zone",
        "time_without_time_zone",
    ],
    bool_literals: ["false", "true"],
    type_refs: true,
    type_synonyms: &[
        INTEGER_SYNONYMS,
        COMMON_SYNONYMS,
        &[("serial", "integer"), ("bigserial", "bigint")],
    ],
};
