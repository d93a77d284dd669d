//! The HCL vocabulary as data: which blocks and attributes a dialect's schema
//! files may hold, what each attribute's value is, and the dialect's column
//! types, with the snippets and docs the editor shows.
//!
//! One table serves every consumer: the reader (core's `hcl::read`) accepts
//! exactly what the vocabulary lists and suggests the nearest name for what it
//! does not; the language server's completion, hover, type check and value
//! lists read the same entries. A dialect provides its [`Vocabulary`] through
//! [`crate::dialect::Rules::vocab`], built in its folder (`sqlite/vocab.rs`,
//! `postgres/vocab.rs`) from the shared pieces below plus its own.
//!
//! Everything is `'static` data: lookups walk small slices and never allocate,
//! so completion and hover stay as cheap as hand-written matches.

/// One block kind at one place in a file (`table`, `column` inside a table…).
#[derive(Debug)]
pub struct BlockSpec {
    pub name: &'static str,
    pub doc: &'static str,
    /// What completion inserts (an LSP snippet with `${1:…}` placeholders).
    pub snippet: &'static str,
    pub labels: Labels,
    /// Attribute groups: the shared ones and the dialect's own, in the order
    /// completion offers them.
    pub attrs: &'static [&'static [AttrSpec]],
    /// Blocks that may appear inside this one.
    pub blocks: &'static [&'static BlockSpec],
}

/// How many labels a block takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Labels {
    /// `primary_key { … }`, `on { … }`.
    None,
    /// An optional name: `check "positive" { … }` or `check { … }`.
    Optional,
    /// `column "id" { … }`.
    Name,
    /// `table "users"` or `table "main" "users"` (schema first).
    SchemaAndName,
}

/// One attribute of a block.
#[derive(Debug)]
pub struct AttrSpec {
    pub name: &'static str,
    pub value: Value,
    pub doc: &'static str,
    /// What completion inserts; empty means `name = <value's default snippet>`.
    pub snippet: &'static str,
}

/// What an attribute's value is, for checking and for offering values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    Bool,
    Int,
    /// A quoted string.
    Str,
    /// SQL text: a string or a heredoc.
    Sql,
    /// A list of strings.
    Strings,
    /// One of these words (upper case as Atlas writes them).
    Word(&'static [&'static str]),
    /// A column type: a word from the catalog, a call (`varchar(255)`) or `sql("…")`.
    Type,
    /// A literal or `sql("expression")`.
    Default,
    /// `column.x` references of the owning table (one or a list).
    Columns,
    /// `table.t.column.c` references.
    ForeignColumns,
    /// A `table.t` (or `view.v`) reference, or a list of them.
    Relation,
    /// A `schema.s` reference.
    Schema,
    /// A previous name: a string or a reference whose last part counts.
    Name,
}

impl Value {
    /// The values completion offers for this kind when they are fixed words.
    pub fn words(self) -> &'static [&'static str] {
        match self {
            Value::Bool => &["true", "false"],
            Value::Word(w) => w,
            _ => &[],
        }
    }
}

/// A column type of the dialect's catalog.
#[derive(Debug)]
pub struct TypeSpec {
    /// The name as written in HCL (Atlas spells multi-word types with `_`).
    pub name: &'static str,
    /// What completion inserts for a type that takes parameters
    /// (`varchar(${1:255})`); `None` for a bare word.
    pub params: Option<&'static str>,
    pub doc: &'static str,
}

/// A dialect's HCL vocabulary.
#[derive(Debug)]
pub struct Vocabulary {
    /// The top-level blocks of a schema file.
    pub blocks: &'static [&'static BlockSpec],
    /// The type catalog, in the order completion offers it.
    pub types: &'static [TypeSpec],
    /// Further spellings the type check accepts without offering them
    /// (`double`, `unsigned_big_int`).
    pub type_aliases: &'static [&'static str],
    /// `text[]`: array types of any known type.
    pub array_types: bool,
    /// The database takes any type name (SQLite's affinity rules): a type
    /// outside the catalog is a warning, not an error.
    pub open_types: bool,
    /// Types Atlas spells with underscores that SQL spells with spaces
    /// (`double_precision` → `double precision`).
    pub spaced_types: &'static [&'static str],
    /// How the reader writes an HCL `false`/`true` default in SQL.
    pub bool_literals: [&'static str; 2],
    /// Whether a column's type may name a schema's `enum.x` or `domain.x`
    /// (and is written back with Atlas's short spellings of long type names).
    pub type_refs: bool,
    /// Spellings of one type, folded to one name when two columns' types are
    /// compared (`int4` → `integer`): groups, the first match wins.
    pub type_synonyms: &'static [&'static [(&'static str, &'static str)]],
}

/// The block with no attributes or blocks: what [`Vocabulary::get`] returns
/// for a path the dialect does not have.
pub static EMPTY: BlockSpec = BlockSpec {
    name: "",
    doc: "",
    snippet: "",
    labels: Labels::None,
    attrs: &[],
    blocks: &[],
};

impl BlockSpec {
    /// Every attribute, in order.
    pub fn attrs(&self) -> impl Iterator<Item = &'static AttrSpec> + '_ {
        self.attrs.iter().flat_map(|g| g.iter())
    }

    pub fn attr(&self, name: &str) -> Option<&'static AttrSpec> {
        self.attrs().find(|a| a.name == name)
    }

    pub fn has_attr(&self, name: &str) -> bool {
        self.attr(name).is_some()
    }

    pub fn block(&self, name: &str) -> Option<&'static BlockSpec> {
        self.blocks.iter().copied().find(|b| b.name == name)
    }

    pub fn has_block(&self, name: &str) -> bool {
        self.block(name).is_some()
    }

    /// The nested block `name`, or [`EMPTY`].
    pub fn child(&self, name: &str) -> &'static BlockSpec {
        self.block(name).unwrap_or(&EMPTY)
    }

    /// The attribute nearest to a misspelt `name`, for "did you mean".
    pub fn closest_attr(&self, name: &str) -> Option<&'static str> {
        crate::suggest::closest(name, self.attrs().map(|a| a.name))
    }

    /// The nested block nearest to a misspelt `name`.
    pub fn closest_block(&self, name: &str) -> Option<&'static str> {
        crate::suggest::closest(name, self.blocks.iter().map(|b| b.name))
    }
}

impl Vocabulary {
    /// The top-level block `name`.
    pub fn top(&self, name: &str) -> Option<&'static BlockSpec> {
        self.blocks.iter().copied().find(|b| b.name == name)
    }

    /// The block at `path` (`["table", "index", "on"]`), or [`EMPTY`] when the
    /// dialect has no such block there.
    pub fn get(&self, path: &[&str]) -> &'static BlockSpec {
        let Some((first, rest)) = path.split_first() else {
            return &EMPTY;
        };
        let mut b = match self.top(first) {
            Some(b) => b,
            None => return &EMPTY,
        };
        for name in rest {
            b = match b.block(name) {
                Some(c) => c,
                None => return &EMPTY,
            };
        }
        b
    }

    /// The top-level block nearest to a misspelt `name`.
    pub fn closest_block(&self, name: &str) -> Option<&'static str> {
        crate::suggest::closest(name, self.blocks.iter().map(|b| b.name))
    }

    /// The base word of a type as written (`VARCHAR(255)` → `varchar`,
    /// `double precision` → `double_precision`), without allocating when it
    /// is already in catalog form.
    fn base(word: &str) -> std::borrow::Cow<'_, str> {
        let base = word.split('(').next().unwrap_or("").trim();
        if base.bytes().any(|b| b.is_ascii_uppercase() || b == b' ') {
            std::borrow::Cow::Owned(base.to_ascii_lowercase().replace(' ', "_"))
        } else {
            std::borrow::Cow::Borrowed(base)
        }
    }

    /// The catalog entry of a type as written (any case, with or without arguments).
    pub fn type_spec(&self, word: &str) -> Option<&'static TypeSpec> {
        let base = Self::base(word);
        self.types.iter().find(|t| t.name == base)
    }

    /// Whether `word` names a type of the dialect (its catalog, its aliases,
    /// and arrays of them where the dialect has arrays).
    pub fn is_type(&self, word: &str) -> bool {
        let base = Self::base(word);
        let base = match base.strip_suffix("[]") {
            Some(elem) if self.array_types => elem.trim_end(),
            _ => &base,
        };
        self.types.iter().any(|t| t.name == base) || self.type_aliases.contains(&base)
    }

    /// The catalog type nearest to a misspelt `word`.
    pub fn closest_type(&self, word: &str) -> Option<&'static str> {
        crate::suggest::closest(word, self.types.iter().map(|t| t.name))
    }

    /// A type word as SQL spells it: `double_precision` → `double precision`.
    pub fn sql_type_word<'w>(&self, word: &'w str) -> std::borrow::Cow<'w, str> {
        if self.spaced_types.contains(&word) {
            std::borrow::Cow::Owned(word.replace('_', " "))
        } else {
            std::borrow::Cow::Borrowed(word)
        }
    }

    /// A type's name with its synonyms folded (`int8` → `bigint`), for
    /// comparing types; lower case, arguments kept without spaces.
    pub fn canonical_type(&self, ty: &str) -> String {
        let t: String = ty
            .to_ascii_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let (base, args) = match t.find('(') {
            Some(i) => (t[..i].trim(), t[i..].replace(' ', "")),
            None => (t.as_str(), String::new()),
        };
        let base = self
            .type_synonyms
            .iter()
            .flat_map(|g| g.iter())
            .find(|(from, _)| *from == base)
            .map_or(base, |(_, to)| to);
        format!("{base}{args}")
    }

    /// The SQL literal of an HCL boolean default.
    pub fn bool_literal(&self, v: bool) -> &'static str {
        self.bool_literals[usize::from(v)]
    }
}

// ----- shared pieces (Atlas's HCL as every dialect reads it) -----

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

/// The referential actions of `on_delete`/`on_update`.
pub const REF_ACTIONS: &[&str] = &[
    "NO_ACTION",
    "CASCADE",
    "SET_NULL",
    "RESTRICT",
    "SET_DEFAULT",
];

pub const SCHEMA_REF: AttrSpec = s(
    "schema",
    Value::Schema,
    "schema = schema.${1:main}",
    "the schema it belongs to",
);
pub const COMMENT: AttrSpec = s("comment", Value::Str, "comment = \"$1\"", "");
const RENAMED_FROM: AttrSpec = s(
    "renamed_from",
    Value::Name,
    "renamed_from = \"$1\"",
    "the previous name: the plan renames instead of dropping and creating",
);

pub const SCHEMA: BlockSpec = BlockSpec {
    name: "schema",
    doc: "a schema (SQLite: `main`)",
    snippet: "schema \"${1:main}\" {\n}",
    labels: Labels::Name,
    attrs: &[&[
        COMMENT,
        s("charset", Value::Str, "charset = \"$1\"", ""),
        s("collate", Value::Str, "collate = \"$1\"", ""),
    ]],
    blocks: &[],
};

pub const TABLE_ATTRS: &[AttrSpec] = &[
    SCHEMA_REF,
    COMMENT,
    s(
        "renamed_from",
        Value::Name,
        "renamed_from = \"$1\"",
        "the table's previous name: the plan renames it instead of dropping it and creating a new one",
    ),
];

pub const COLUMN_ATTRS: &[AttrSpec] = &[
    s("type", Value::Type, "type = $1", "the column's type"),
    a(
        "null",
        Value::Bool,
        "whether the column accepts NULL (default false)",
    ),
    s(
        "default",
        Value::Default,
        "default = $1",
        "a literal, or sql(\"expression\")",
    ),
    a("auto_increment", Value::Bool, ""),
    COMMENT,
    s("collate", Value::Str, "collate = \"$1\"", ""),
    s(
        "renamed_from",
        Value::Name,
        "renamed_from = \"$1\"",
        "the column's previous name: the plan renames it instead of dropping it and adding a new one",
    ),
    s(
        "as",
        Value::Sql,
        "as = \"$1\"",
        "a generated column's expression (VIRTUAL)",
    ),
];

/// `as { expr type }`: a generated column.
pub const GENERATED: BlockSpec = BlockSpec {
    name: "as",
    doc: "a generated column",
    snippet: "as {\n\texpr = \"$1\"\n\ttype = ${2|VIRTUAL,STORED|}\n}",
    labels: Labels::None,
    attrs: &[&[
        s("expr", Value::Sql, "expr = \"$1\"", ""),
        a("type", Value::Word(&["VIRTUAL", "STORED"]), ""),
    ]],
    blocks: &[],
};

pub const COLUMN: BlockSpec = BlockSpec {
    name: "column",
    doc: "a column",
    snippet: "column \"${1:name}\" {\n\ttype = ${2:text}\n}",
    labels: Labels::Name,
    attrs: &[COLUMN_ATTRS],
    blocks: &[&GENERATED],
};

pub const PRIMARY_KEY: BlockSpec = BlockSpec {
    name: "primary_key",
    doc: "the primary key",
    snippet: "primary_key {\n\tcolumns = [column.${1:id}]\n}",
    labels: Labels::Optional,
    attrs: &[&[
        s("columns", Value::Columns, "columns = [column.$1]", ""),
        COMMENT,
    ]],
    blocks: &[],
};

/// The attributes of an index part (`on { … }`).
pub const INDEX_PART_ATTRS: &[AttrSpec] = &[
    s("column", Value::Columns, "column = column.$1", ""),
    s("expr", Value::Sql, "expr = \"$1\"", ""),
    a("desc", Value::Bool, ""),
    s("collate", Value::Str, "collate = \"$1\"", ""),
    s(
        "ops",
        Value::Str,
        "ops = $1",
        "a non-default operator class",
    ),
];

pub const INDEX_PART: BlockSpec = BlockSpec {
    name: "on",
    doc: "an index part: a column or an expression, with desc/collate",
    snippet: "on {\n\tcolumn = column.$1\n}",
    labels: Labels::None,
    attrs: &[INDEX_PART_ATTRS],
    blocks: &[],
};

/// What `index` and `unique` share.
pub const INDEX_ATTRS: &[AttrSpec] = &[
    s("columns", Value::Columns, "columns = [column.$1]", ""),
    s(
        "where",
        Value::Sql,
        "where = \"$1\"",
        "partial index predicate",
    ),
    COMMENT,
    s(
        "renamed_from",
        Value::Name,
        "renamed_from = \"$1\"",
        "the index's previous name",
    ),
];

/// `unique = true` on an `index` (a `unique` block is unique already).
pub const INDEX_UNIQUE: &[AttrSpec] = &[a("unique", Value::Bool, "")];

pub const INDEX: BlockSpec = BlockSpec {
    name: "index",
    doc: "an index",
    snippet: "index \"${1:name}\" {\n\tcolumns = [column.${2}]\n}",
    labels: Labels::Name,
    attrs: &[INDEX_ATTRS, INDEX_UNIQUE],
    blocks: &[&INDEX_PART],
};

pub const UNIQUE: BlockSpec = BlockSpec {
    name: "unique",
    doc: "a UNIQUE constraint",
    snippet: "unique \"${1:name}\" {\n\tcolumns = [column.${2}]\n}",
    labels: Labels::Name,
    attrs: &[INDEX_ATTRS],
    blocks: &[&INDEX_PART],
};

pub const FOREIGN_KEY: BlockSpec = BlockSpec {
    name: "foreign_key",
    doc: "a foreign key",
    snippet: "foreign_key \"${1:name}\" {\n\tcolumns     = [column.${2}]\n\tref_columns = [table.${3}.column.${4}]\n\ton_delete   = ${5|NO_ACTION,CASCADE,SET_NULL,RESTRICT,SET_DEFAULT|}\n}",
    labels: Labels::Name,
    attrs: &[&[
        s(
            "columns",
            Value::Columns,
            "columns = [column.$1]",
            "the referencing columns of this table",
        ),
        s(
            "ref_columns",
            Value::ForeignColumns,
            "ref_columns = [table.$1.column.$2]",
            "the referenced columns",
        ),
        a("on_delete", Value::Word(REF_ACTIONS), ""),
        a("on_update", Value::Word(REF_ACTIONS), ""),
        a(
            "deferrable",
            Value::Word(&["true", "false", "INITIALLY_DEFERRED", "INITIALLY_IMMEDIATE"]),
            "",
        ),
        a(
            "match",
            Value::Word(&["FULL", "SIMPLE"]),
            "FULL: all key columns NULL or none",
        ),
    ]],
    blocks: &[],
};

pub const CHECK: BlockSpec = BlockSpec {
    name: "check",
    doc: "a CHECK constraint",
    snippet: "check \"${1:name}\" {\n\texpr = \"${2}\"\n}",
    labels: Labels::Optional,
    attrs: &[&[s("expr", Value::Sql, "expr = \"$1\"", "")]],
    blocks: &[],
};

/// What a table holds in every dialect.
pub const TABLE_BLOCKS: [&BlockSpec; 6] =
    [&COLUMN, &PRIMARY_KEY, &INDEX, &FOREIGN_KEY, &UNIQUE, &CHECK];

pub const TABLE_SNIPPET: &str = "table \"${1:name}\" {\n\tschema = schema.${2:main}\n\tcolumn \"${3:id}\" {\n\t\ttype = ${4:integer}\n\t}\n\tprimary_key {\n\t\tcolumns = [column.${3:id}]\n\t}\n}";

/// A table as every dialect reads it; dialects with table options build their own.
pub const TABLE: BlockSpec = BlockSpec {
    name: "table",
    doc: "a table",
    snippet: TABLE_SNIPPET,
    labels: Labels::SchemaAndName,
    attrs: &[TABLE_ATTRS],
    blocks: &TABLE_BLOCKS,
};

/// A view's `column` blocks document its shape; the query decides it.
pub const VIEW_COLUMN: BlockSpec = BlockSpec {
    name: "column",
    doc: "a column of the view (documentation: the query decides)",
    snippet: "column \"${1:name}\" {\n\ttype = $2\n}",
    labels: Labels::Name,
    attrs: &[&[
        s("type", Value::Type, "type = $1", ""),
        a("null", Value::Bool, ""),
        COMMENT,
    ]],
    blocks: &[],
};

pub const VIEW_ATTRS: &[AttrSpec] = &[
    SCHEMA_REF,
    s(
        "as",
        Value::Sql,
        "as = <<-SQL\n\t$1\nSQL",
        "the view's query",
    ),
    COMMENT,
    RENAMED_FROM,
    s("depends_on", Value::Relation, "depends_on = [table.$1]", ""),
];

pub const VIEW: BlockSpec = BlockSpec {
    name: "view",
    doc: "a view",
    snippet: "view \"${1:name}\" {\n\tschema = schema.${2:main}\n\tas     = <<-SQL\n\t\t${3:SELECT 1}\n\tSQL\n}",
    labels: Labels::SchemaAndName,
    attrs: &[VIEW_ATTRS],
    blocks: &[&VIEW_COLUMN],
};

const TRIGGER_EVENTS: &[AttrSpec] = &[
    a("insert", Value::Bool, ""),
    a("update", Value::Bool, ""),
    a("delete", Value::Bool, ""),
    s(
        "update_of",
        Value::ForeignColumns,
        "update_of = [column.$1]",
        "",
    ),
    a("truncate", Value::Bool, ""),
];

const fn timing(name: &'static str, snippet: &'static str) -> BlockSpec {
    BlockSpec {
        name,
        doc: "",
        snippet,
        labels: Labels::None,
        attrs: &[TRIGGER_EVENTS],
        blocks: &[],
    }
}

pub const TRIGGER: BlockSpec = BlockSpec {
    name: "trigger",
    doc: "a trigger",
    snippet: "trigger \"${1:name}\" {\n\ton = table.${2:t}\n\tafter {\n\t\tinsert = true\n\t}\n\tas = <<-SQL\n\t\tBEGIN\n\t\t\t${3}\n\t\tEND\n\tSQL\n}",
    labels: Labels::SchemaAndName,
    attrs: &[&[
        s("on", Value::Relation, "on = table.$1", "the table the trigger fires on"),
        a("for", Value::Word(&["ROW", "STATEMENT"]), ""),
        a("foreach", Value::Word(&["ROW", "STATEMENT"]), "alias of `for`"),
        s("when", Value::Sql, "when = \"$1\"", ""),
        s(
            "as",
            Value::Sql,
            "as = <<-SQL\n\tBEGIN\n\t\t$1\n\tEND\nSQL",
            "the body, or a whole CREATE TRIGGER statement",
        ),
        SCHEMA_REF,
    ]],
    blocks: &[
        &timing("after", "after {\n\t${1|insert,update,delete|} = true\n}"),
        &timing("before", "before {\n\t${1|insert,update,delete|} = true\n}"),
        &timing(
            "instead_of",
            "instead_of {\n\t${1|insert,update,delete|} = true\n}",
        ),
        &BlockSpec {
            name: "execute",
            doc: "the trigger function to run (EXECUTE FUNCTION)",
            snippet: "execute {\n\tfunction = function.$1\n}",
            labels: Labels::None,
            attrs: &[&[s(
                "function",
                Value::Name,
                "function = function.$1",
                "",
            )]],
            blocks: &[],
        },
    ],
};

/// Synonyms every dialect folds alike.
pub const COMMON_SYNONYMS: &[(&str, &str)] = &[
    ("int8", "bigint"),
    ("int2", "smallint"),
    ("bool", "boolean"),
    ("character varying", "varchar"),
    ("character_varying", "varchar"),
    ("float8", "double"),
    ("double precision", "double"),
    ("double_precision", "double"),
    ("float4", "real"),
];

/// `int` and `int4` are `integer` (everywhere but MySQL, where `integer` is `int`).
pub const INTEGER_SYNONYMS: &[(&str, &str)] = &[("int", "integer"), ("int4", "integer")];

/// The top-level blocks every dialect has.
pub const COMMON_BLOCKS: [&BlockSpec; 4] = [&TABLE, &SCHEMA, &VIEW, &TRIGGER];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Dialect;

    #[test]
    fn every_dialect_has_the_common_blocks() {
        for d in Dialect::all() {
            let v = d.rules().vocab;
            for b in COMMON_BLOCKS {
                assert!(v.top(b.name).is_some(), "{d:?} lacks `{}`", b.name);
            }
            assert!(v.get(&["table", "column"]).has_attr("type"));
            assert!(v.get(&["table", "index", "on"]).has_attr("desc"));
        }
    }

    #[test]
    fn names_are_unique_at_every_level() {
        fn walk(b: &BlockSpec, path: &str) {
            let mut attrs: Vec<_> = b.attrs().map(|a| a.name).collect();
            attrs.sort();
            let n = attrs.len();
            attrs.dedup();
            assert_eq!(n, attrs.len(), "duplicate attribute in {path}");
            let mut blocks: Vec<_> = b.blocks.iter().map(|c| c.name).collect();
            blocks.sort();
            let n = blocks.len();
            blocks.dedup();
            assert_eq!(n, blocks.len(), "duplicate block in {path}");
            for c in b.blocks {
                walk(c, &format!("{path}.{}", c.name));
            }
        }
        for d in Dialect::all() {
            for b in d.rules().vocab.blocks {
                walk(b, &format!("{d:?}:{}", b.name));
            }
        }
    }

    #[test]
    fn unknown_paths_are_empty_and_misspellings_find_their_block() {
        let v = Dialect::Sqlite.rules().vocab;
        assert!(std::ptr::eq(v.get(&["table", "nope"]), &EMPTY));
        assert!(std::ptr::eq(v.get(&[]), &EMPTY));
        assert_eq!(v.closest_block("tabel"), Some("table"));
        assert_eq!(v.get(&["table"]).closest_attr("comnent"), Some("comment"));
        assert_eq!(v.get(&["table"]).closest_block("colum"), Some("column"));
    }

    #[test]
    fn types_are_found_in_any_case_and_with_arguments() {
        let pg = Dialect::Postgres.rules().vocab;
        assert!(pg.is_type("VARCHAR(255)"));
        assert!(pg.is_type("double precision"));
        assert!(pg.is_type("text[]"));
        assert!(!pg.is_type("tetx"));
        assert_eq!(pg.closest_type("tetx"), Some("text"));
        assert_eq!(pg.sql_type_word("double_precision"), "double precision");
        let lt = Dialect::Sqlite.rules().vocab;
        assert!(!lt.is_type("text[]"));
        assert_eq!(lt.bool_literal(true), "1");
        assert_eq!(pg.bool_literal(false), "false");
    }
}
