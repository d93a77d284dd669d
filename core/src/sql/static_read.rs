//! Reads SQL DDL files into the model without a database.
//!
//! This static view serves navigation, hover and early feedback. The dev database
//! stays the authority on what the SQL means, so statements the parser does not
//! understand become warnings rather than errors, and statements that create no
//! schema objects (INSERT, PRAGMA, SET, …) are skipped silently.

use super::split::{split, trigger_head, Stmt};
use crate::diag::Diagnostic;
use crate::dialect::Dialect;
use crate::model::{
    AttrValue, Check, Column, Deferrable, ForeignKey, Generated, Index, IndexKey, IndexPart,
    PrimaryKey, Realm, RefAction, Table, Trigger, View,
};
use crate::span::{SourceFile, Span};
use sqlparser::ast::{
    AlterTable, AlterTableOperation, ColumnDef, ColumnOption, ColumnOptionDef, CommentDef,
    CommentObject, ConstraintCharacteristics, CreateIndex, CreateTable, CreateTableOptions,
    CreateTrigger, CreateView, DeferrableInitial, Expr, ForeignKeyConstraint, GeneratedAs,
    GeneratedExpressionMode, Ident, IndexColumn, ObjectName, OrderBySort, ReferentialAction,
    Spanned, SqlOption, Statement, TableConstraint,
};
use sqlparser::dialect::{
    Dialect as ParserDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Span as TokenSpan, Token, Tokenizer};
use std::ops::Range;

/// Reads every `CREATE TABLE`, `CREATE INDEX`, `CREATE VIEW` and `CREATE TRIGGER`
/// (plus simple `ALTER TABLE … ADD`) in `file` into a realm.
pub fn read(file: &SourceFile, dialect: Dialect) -> (Realm, Vec<Diagnostic>) {
    read_into(Realm::default(), file, dialect)
}

/// [`read`] on top of `realm`, which may already hold tables that the file's
/// `CREATE INDEX`, `ALTER TABLE` and `COMMENT ON` statements refer to (for tools
/// that read a file one statement at a time).
pub fn read_into(realm: Realm, file: &SourceFile, dialect: Dialect) -> (Realm, Vec<Diagnostic>) {
    let parser_dialect = parser_dialect(dialect);
    let mut reader = Reader {
        dialect,
        realm,
        diags: Vec::new(),
    };
    for stmt in split(&file.text, dialect) {
        let text = Text::new(file, &stmt, parser_dialect.as_ref());
        reader.statement(&text, parser_dialect.as_ref());
    }
    super::annotations::apply(&mut reader.realm, file);
    (reader.realm, reader.diags)
}

fn parser_dialect(dialect: Dialect) -> Box<dyn ParserDialect> {
    match dialect {
        Dialect::Sqlite => Box::new(SQLiteDialect {}),
        Dialect::Postgres => Box::new(PostgreSqlDialect {}),
        Dialect::Mysql => Box::new(MySqlDialect {}),
    }
}

/// Leading words of statements that create no schema objects. They are skipped
/// without parsing, so that a data load or a `PRAGMA` the parser does not know
/// does not produce warnings.
const IGNORED: &str = "INSERT UPDATE DELETE REPLACE MERGE UPSERT SELECT WITH VALUES \
    PRAGMA SET RESET USE SHOW EXPLAIN ANALYZE VACUUM REINDEX BEGIN START COMMIT END \
    ROLLBACK SAVEPOINT RELEASE LOCK UNLOCK ATTACH DETACH GRANT REVOKE DROP TRUNCATE COPY \
    DO CALL LOAD";

/// Accumulates the model and diagnostics over the statements of one file.
struct Reader {
    dialect: Dialect,
    realm: Realm,
    diags: Vec<Diagnostic>,
}

/// SQLite table options that sqlparser 0.63 rejects in combination
/// (`WITHOUT ROWID, STRICT`), stripped before parsing and applied afterwards.
#[derive(Default)]
struct SqliteOptions {
    /// Where the text handed to the parser ends, relative to the statement.
    parse_end: Option<usize>,
    without_rowid: bool,
    strict: bool,
}

impl Reader {
    fn statement(&mut self, t: &Text, d: &dyn ParserDialect) {
        if IGNORED.split_whitespace().any(|w| t.first_word_is(w)) {
            return;
        }
        if let Some(at) = too_deep(&t.tokens) {
            let span = t.span(at..at + 1);
            self.diags.push(
                Diagnostic::error(
                    "sql-nesting",
                    format!("this statement nests parentheses more than {MAX_NESTING} deep, more than strata's SQL reader accepts"),
                    Some(span),
                )
                .with_help("flatten the expression (an IN list or a chain of AND/OR needs no nesting); the limit keeps the reader, the editor and the dev database from running out of stack"),
            );
            return;
        }
        let opts = self.sqlite_options(t);
        let sql = &t.sql[..opts.parse_end.unwrap_or(t.sql.len())];
        let parsed = Parser::new(d)
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_statements());
        match parsed {
            Ok(stmts) => stmts.iter().for_each(|s| self.apply(t, s, &opts)),
            Err(e) => self.parse_failed(t, e),
        }
    }

    fn sqlite_options(&self, t: &Text) -> SqliteOptions {
        if self.dialect != Dialect::Sqlite || !t.first_word_is("CREATE") {
            return SqliteOptions::default();
        }
        let Some(close) = t.tokens.iter().rposition(|k| k.token == Token::RParen) else {
            return SqliteOptions::default();
        };
        let tail = &t.tokens[close + 1..];
        let is_option = |k: &Tok| {
            k.token == Token::Comma || ["WITHOUT", "ROWID", "STRICT"].iter().any(|w| k.is_word(w))
        };
        if tail.is_empty() || !tail.iter().all(is_option) {
            return SqliteOptions::default();
        }
        SqliteOptions {
            parse_end: Some(t.tokens[close].range.end),
            without_rowid: tail.iter().any(|k| k.is_word("ROWID")),
            strict: tail.iter().any(|k| k.is_word("STRICT")),
        }
    }

    fn apply(&mut self, t: &Text, stmt: &Statement, opts: &SqliteOptions) {
        match stmt {
            Statement::CreateTable(ct) => self.create_table(t, ct, opts),
            Statement::CreateIndex(ci) => self.create_index(t, ci),
            Statement::CreateView(cv) => self.create_view(t, cv),
            Statement::CreateTrigger(tr) => self.create_trigger(t, tr),
            Statement::AlterTable(at) => self.alter_table(t, at),
            Statement::Comment {
                object_type,
                object_name,
                comment,
                ..
            } => self.comment_on(t, object_type, object_name, comment.clone()),
            _ => {}
        }
    }

    /// Triggers get a token-scan fallback because their bodies use the most
    /// dialect-specific syntax; everything else becomes a warning.
    fn parse_failed(&mut self, t: &Text, err: ParserError) {
        if let Some(head) = trigger_head(t.sql, self.dialect) {
            let schema = head.schema.unwrap_or_else(|| self.default_schema());
            let trigger = Trigger {
                comment: None,
                name: head.name,
                table: head.table,
                def: t.sql.to_string(),
                span: Some(t.span(head.name_range)),
            };
            self.realm.schema_entry(&schema).triggers.push(trigger);
            return;
        }
        let (message, at) = split_error(&err);
        let offset = at.and_then(|loc| t.offset(loc)).unwrap_or(0);
        let span = t.span(offset..offset);
        self.diags.push(
            Diagnostic::warning("sql-parse", format!("cannot parse statement: {message}"), Some(span))
                .with_help("the statement is left out of the static read; the dev database decides whether it is valid"),
        );
    }

    fn default_schema(&self) -> String {
        self.dialect.default_schema().to_string()
    }

    /// The schema a qualified name lives in, the object's own name, and its identifier.
    fn qualified<'n>(&self, name: &'n ObjectName) -> (String, String, Option<&'n Ident>) {
        let (schema, ident) = name_parts(name);
        let schema = schema.unwrap_or_else(|| self.default_schema());
        let object = ident
            .map(|i| i.value.clone())
            .unwrap_or_else(|| name.to_string());
        (schema, object, ident)
    }

    fn create_table(&mut self, t: &Text, ct: &CreateTable, opts: &SqliteOptions) {
        let (schema, name, ident) = self.qualified(&ct.name);
        let mut table = Table {
            name,
            span: Some(t.ident_span(ident)),
            ..Table::default()
        };
        for col in &ct.columns {
            t.add_column(&mut table, col);
        }
        for c in &ct.constraints {
            t.add_constraint(&mut table, c);
        }
        primary_key_not_null(&mut table);
        table.comment = table_comment(ct);
        table
            .attrs
            .set_flag("without_rowid", ct.without_rowid || opts.without_rowid);
        table.attrs.set_flag("strict", ct.strict || opts.strict);
        self.realm.schema_entry(&schema).tables.push(table);
    }

    fn create_index(&mut self, t: &Text, ci: &CreateIndex) {
        let (table_schema, table_name, _) = self.qualified(&ci.table_name);
        let named = ci.name.as_ref().map(name_parts);
        // SQLite qualifies the index name; PostgreSQL and MySQL qualify the table.
        let schema = named
            .as_ref()
            .and_then(|(s, _)| s.clone())
            .unwrap_or(table_schema);
        let ident = named.and_then(|(_, i)| i);
        let parts: Vec<IndexPart> = ci.columns.iter().map(index_part).collect();
        let name = match ident {
            Some(i) => i.value.clone(),
            None => generated_name(&table_name, &parts, "idx"),
        };
        let index = Index {
            name,
            unique: ci.unique,
            parts,
            predicate: ci.predicate.as_ref().map(|p| p.to_string()),
            span: Some(t.ident_span(ident)),
            ..Index::default()
        };
        let what = format!("index `{}`", index.name);
        if let Some(table) = self.table_mut(t, &schema, &table_name, &what) {
            table.indexes.push(index);
        }
    }

    fn create_view(&mut self, t: &Text, cv: &CreateView) {
        let (schema, name, ident) = self.qualified(&cv.name);
        let def = ident
            .and_then(|i| t.end_of(i.span))
            .and_then(|end| t.query_after_as(end))
            .unwrap_or_else(|| cv.query.to_string());
        let mut view = View {
            name,
            def,
            comment: cv.comment.clone(),
            span: Some(t.ident_span(ident)),
            ..View::default()
        };
        view.attrs.set_flag("materialized", cv.materialized);
        self.realm.schema_entry(&schema).views.push(view);
    }

    fn create_trigger(&mut self, t: &Text, tr: &CreateTrigger) {
        let (name_schema, ident) = name_parts(&tr.name);
        let (table_schema, table_ident) = name_parts(&tr.table_name);
        let schema = name_schema
            .or(table_schema)
            .unwrap_or_else(|| self.default_schema());
        let trigger = Trigger {
            comment: None,
            name: ident.map_or_else(|| tr.name.to_string(), |i| i.value.clone()),
            table: table_ident.map_or_else(|| tr.table_name.to_string(), |i| i.value.clone()),
            def: t.sql.to_string(),
            span: Some(t.ident_span(ident)),
        };
        self.realm.schema_entry(&schema).triggers.push(trigger);
    }

    fn alter_table(&mut self, t: &Text, at: &AlterTable) {
        let (schema, name, _) = self.qualified(&at.name);
        let Some(table) = self.table_mut(t, &schema, &name, "ALTER TABLE") else {
            return;
        };
        for op in &at.operations {
            match op {
                AlterTableOperation::AddColumn { column_def, .. } => {
                    t.add_column(table, column_def)
                }
                AlterTableOperation::AddConstraint { constraint, .. } => {
                    t.add_constraint(table, constraint)
                }
                _ => {}
            }
        }
        primary_key_not_null(table);
    }

    /// PostgreSQL's `COMMENT ON TABLE | COLUMN`; other objects keep no comment.
    fn comment_on(
        &mut self,
        t: &Text,
        kind: &CommentObject,
        name: &ObjectName,
        text: Option<String>,
    ) {
        let idents: Vec<&Ident> = name.0.iter().filter_map(|p| p.as_ident()).collect();
        let (table_idents, column) = match kind {
            CommentObject::Table => (&idents[..], None),
            CommentObject::Column if idents.len() >= 2 => (
                &idents[..idents.len() - 1],
                idents.last().map(|i| i.value.as_str()),
            ),
            _ => return,
        };
        let Some((table_ident, schema)) = table_idents.split_last() else {
            return;
        };
        let schema = schema
            .last()
            .map_or_else(|| self.default_schema(), |s| s.value.clone());
        let Some(table) = self.table_mut(t, &schema, &table_ident.value, "COMMENT ON") else {
            return;
        };
        match column {
            None => table.comment = text,
            Some(c) => {
                if let Some(col) = table.column_mut(c) {
                    col.comment = text;
                }
            }
        }
    }

    /// The table a statement refers to; warns when no earlier statement created it,
    /// since the statement would fail when the file runs in order.
    fn table_mut(&mut self, t: &Text, schema: &str, name: &str, what: &str) -> Option<&mut Table> {
        let exists = self
            .realm
            .schema(schema)
            .is_some_and(|s| s.table(name).is_some());
        if !exists {
            self.diags.push(Diagnostic::warning(
                "sql-unknown-table",
                format!("{what} refers to table `{name}`, which no earlier statement in this file creates"),
                Some(t.span(0..t.sql.len())),
            ));
            return None;
        }
        self.realm.schema_mut(schema)?.table_mut(name)
    }
}

/// A name's explicit schema (when qualified) and its last identifier.
fn name_parts(name: &ObjectName) -> (Option<String>, Option<&Ident>) {
    let idents: Vec<&Ident> = name.0.iter().filter_map(|p| p.as_ident()).collect();
    let ident = idents.last().copied();
    let schema = idents.len().checked_sub(2).map(|i| idents[i].value.clone());
    (schema, ident)
}

/// A dotted name with quotes removed, e.g. a collation or character set.
fn plain_name(name: &ObjectName) -> String {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| {
            p.as_ident()
                .map_or_else(|| p.to_string(), |i| i.value.clone())
        })
        .collect();
    parts.join(".")
}

/// PostgreSQL-style names for unnamed indexes: `{table}_{cols}_{suffix}`, with
/// `expr` standing for expression parts.
fn generated_name(table: &str, parts: &[IndexPart], suffix: &str) -> String {
    let cols: Vec<&str> = parts
        .iter()
        .map(|p| p.column_name().unwrap_or("expr"))
        .collect();
    format!("{table}_{}_{suffix}", cols.join("_"))
}

/// MySQL keeps the table comment among the table options, others in `comment`.
fn table_comment(ct: &CreateTable) -> Option<String> {
    let text = |c: &CommentDef| match c {
        CommentDef::WithEq(s) | CommentDef::WithoutEq(s) => s.clone(),
    };
    if let Some(c) = &ct.comment {
        return Some(text(c));
    }
    let options = match &ct.table_options {
        CreateTableOptions::With(o)
        | CreateTableOptions::Options(o)
        | CreateTableOptions::Plain(o)
        | CreateTableOptions::TableProperties(o) => o,
        CreateTableOptions::None => return None,
    };
    options.iter().find_map(|o| match o {
        SqlOption::Comment(c) => Some(text(c)),
        _ => None,
    })
}

fn primary_key_not_null(table: &mut Table) {
    let Some(pk) = &table.primary_key else { return };
    for part in &pk.parts {
        if let Some(col) = part
            .column_name()
            .and_then(|c| table.columns.iter_mut().find(|x| x.name == c))
        {
            col.nullable = false;
        }
    }
}

fn index_part(ic: &IndexColumn) -> IndexPart {
    let (expr, collation) = match &ic.column.expr {
        Expr::Collate { expr, collation } => (expr.as_ref(), Some(plain_name(collation))),
        e => (e, None),
    };
    let key = match expr {
        Expr::Identifier(i) => IndexKey::Column(i.value.clone()),
        e => IndexKey::Expr(e.to_string()),
    };
    IndexPart {
        key,
        desc: matches!(ic.column.options.sort, Some(OrderBySort::Desc)),
        collation,
        ops: None,
    }
}

fn ref_action(a: Option<&ReferentialAction>) -> RefAction {
    match a {
        None | Some(ReferentialAction::NoAction) => RefAction::NoAction,
        Some(ReferentialAction::Restrict) => RefAction::Restrict,
        Some(ReferentialAction::Cascade) => RefAction::Cascade,
        Some(ReferentialAction::SetNull) => RefAction::SetNull,
        Some(ReferentialAction::SetDefault) => RefAction::SetDefault,
    }
}

/// `INITIALLY DEFERRED` implies `DEFERRABLE`, as in PostgreSQL and SQLite.
fn deferrable(c: Option<&ConstraintCharacteristics>) -> Deferrable {
    let Some(c) = c else {
        return Deferrable::NotDeferrable;
    };
    match (c.deferrable, c.initially) {
        (Some(false), _) => Deferrable::NotDeferrable,
        (_, Some(DeferrableInitial::Deferred)) => Deferrable::InitiallyDeferred,
        (Some(true), _) => Deferrable::InitiallyImmediate,
        _ => Deferrable::NotDeferrable,
    }
}

/// How deep parentheses and brackets may nest in one statement. SQLite's own
/// expression depth limit is 1000; nothing written by hand comes near it, and
/// deeper input only exhausts stacks (the parser's, the dev database's).
pub const MAX_NESTING: usize = 1000;

/// Where a statement first nests deeper than [`MAX_NESTING`].
fn too_deep(tokens: &[Tok]) -> Option<usize> {
    let mut depth = 0usize;
    for t in tokens {
        match t.token {
            Token::LParen | Token::LBracket => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(t.range.start);
                }
            }
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Splits a parser error into its message and the location it points at.
fn split_error(err: &ParserError) -> (String, Option<Location>) {
    let msg = match err {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s.clone(),
        ParserError::RecursionLimitExceeded => "nesting is too deep".to_string(),
    };
    let Some(i) = msg.rfind(" at Line: ") else {
        return (msg, None);
    };
    let mut nums = msg[i + " at Line: ".len()..]
        .split(", Column: ")
        .map(|n| n.trim().parse::<u64>());
    match (nums.next(), nums.next()) {
        (Some(Ok(line)), Some(Ok(column))) => {
            (msg[..i].to_string(), Some(Location { line, column }))
        }
        _ => (msg, None),
    }
}

/// Lowercases a type as written and collapses white space, leaving quoted parts
/// (enum labels, quoted type names) alone.
fn normalize_type(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' || c == '`' => quote = Some(c),
            None if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
                continue;
            }
            None => {}
        }
        if quote.is_none() && c != '\'' && c != '"' && c != '`' {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out.trim().to_string()
}

/// Words that end a column's type and start its constraints.
pub const TYPE_ENDS: &[&str] = &[
    "CONSTRAINT",
    "NOT",
    "NULL",
    "DEFAULT",
    "PRIMARY",
    "UNIQUE",
    "REFERENCES",
    "CHECK",
    "COLLATE",
    "GENERATED",
    "AS",
    "AUTOINCREMENT",
    "AUTO_INCREMENT",
    "COMMENT",
    "ON",
    "KEY",
    "INVISIBLE",
    "VISIBLE",
    "SRID",
    "STORAGE",
    "COLUMN_FORMAT",
    "ENGINE_ATTRIBUTE",
    "SECONDARY_ENGINE_ATTRIBUTE",
    "CHARSET",
];

/// Whether `t` starts the column's constraints; `CHARACTER` only does as
/// MySQL's `CHARACTER SET`, since it also starts types.
fn ends_type(t: &Tok, next: Option<&Tok>) -> bool {
    TYPE_ENDS.iter().any(|w| t.is_word(w))
        || (t.is_word("CHARACTER") && next.is_some_and(|n| n.is_word("SET")))
}

/// A non-space token of the statement with its byte range in the statement.
struct Tok {
    token: Token,
    range: Range<usize>,
}

impl Tok {
    fn is_word(&self, upper: &str) -> bool {
        matches!(&self.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(upper))
    }
}

/// One statement's text with what is needed to map parser positions back to the file.
struct Text<'a> {
    file: &'a SourceFile,
    sql: &'a str,
    /// Byte offset of `sql` in the file.
    base: usize,
    line_starts: Vec<usize>,
    /// Byte offset of every character, for statements that are not pure
    /// ASCII (where a character column is a byte column): built once, so a
    /// position maps to an offset in O(1) however long its line is.
    char_starts: Option<Vec<usize>>,
    /// For each line, the index in `char_starts` of its first character.
    line_chars: Vec<usize>,
    tokens: Vec<Tok>,
}

impl<'a> Text<'a> {
    fn new(file: &'a SourceFile, stmt: &Stmt, d: &dyn ParserDialect) -> Text<'a> {
        let sql = &file.text[stmt.range.clone()];
        let mut line_starts = vec![0];
        line_starts.extend(sql.match_indices('\n').map(|(i, _)| i + 1));
        let (char_starts, line_chars) = if sql.is_ascii() {
            (None, Vec::new())
        } else {
            let starts: Vec<usize> = sql.char_indices().map(|(i, _)| i).collect();
            let mut lines = vec![0];
            lines.extend(
                starts
                    .iter()
                    .enumerate()
                    .filter(|&(_, &b)| sql.as_bytes()[b] == b'\n')
                    .map(|(k, _)| k + 1),
            );
            (Some(starts), lines)
        };
        let mut text = Text {
            file,
            sql,
            base: stmt.range.start,
            line_starts,
            char_starts,
            line_chars,
            tokens: Vec::new(),
        };
        text.tokens = text.tokenize(d);
        text
    }

    /// The statement's tokens; empty when it does not tokenize, in which case the
    /// parser reports the problem.
    fn tokenize(&self, d: &dyn ParserDialect) -> Vec<Tok> {
        let Ok(tokens) = Tokenizer::new(d, self.sql).tokenize_with_location() else {
            return Vec::new();
        };
        tokens
            .into_iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
            .filter_map(|t| {
                let range = self.offset(t.span.start)?..self.offset(t.span.end)?;
                Some(Tok {
                    token: t.token,
                    range,
                })
            })
            .collect()
    }

    /// Byte offset in the statement of a 1-based line and character column.
    fn offset(&self, loc: Location) -> Option<usize> {
        let line = usize::try_from(loc.line).ok()?.checked_sub(1)?;
        let column = usize::try_from(loc.column).ok()?.checked_sub(1)?;
        // A column past the end of its line runs on into the next ones, as
        // counting characters from the line's start would.
        let (k, len) = match &self.char_starts {
            None => (self.line_starts.get(line)? + column, self.sql.len()),
            Some(starts) => (self.line_chars.get(line)? + column, starts.len()),
        };
        match k.cmp(&len) {
            std::cmp::Ordering::Less => Some(self.char_starts.as_ref().map_or(k, |s| s[k])),
            std::cmp::Ordering::Equal => Some(self.sql.len()),
            std::cmp::Ordering::Greater => None,
        }
    }

    fn end_of(&self, span: TokenSpan) -> Option<usize> {
        self.offset(span.end)
    }

    /// A file span for a range of the statement.
    fn span(&self, range: Range<usize>) -> Span {
        Span::new(
            &self.file.name,
            self.base + range.start..self.base + range.end,
        )
    }

    fn parser_span(&self, span: TokenSpan) -> Option<Span> {
        Some(self.span(self.offset(span.start)?..self.offset(span.end)?))
    }

    /// The identifier's span, or the whole statement when the parser gave none.
    fn ident_span(&self, ident: Option<&Ident>) -> Span {
        ident
            .and_then(|i| self.parser_span(i.span))
            .unwrap_or_else(|| self.span(0..self.sql.len()))
    }

    /// The first of `idents` with a known position, else the node's own span, else
    /// the statement.
    fn first_span<'i>(
        &self,
        idents: impl IntoIterator<Item = &'i Ident>,
        node: &impl Spanned,
    ) -> Span {
        idents
            .into_iter()
            .find_map(|i| self.parser_span(i.span))
            .or_else(|| self.parser_span(node.span()))
            .unwrap_or_else(|| self.span(0..self.sql.len()))
    }

    fn first_word_is(&self, upper: &str) -> bool {
        self.tokens.first().is_some_and(|k| k.is_word(upper))
    }

    /// The type as written after a column name, up to the first constraint keyword.
    fn type_after(&self, name_end: usize) -> Option<String> {
        let mut toks = self
            .tokens
            .iter()
            .skip_while(|t| t.range.start < name_end)
            .peekable();
        let mut depth = 0usize;
        let mut range: Option<Range<usize>> = None;
        while let Some(t) = toks.next() {
            match &t.token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket | Token::Comma if depth == 0 => break,
                Token::RParen | Token::RBracket => depth -= 1,
                Token::Word(_) if depth == 0 && ends_type(t, toks.peek().copied()) => break,
                _ => {}
            }
            range = Some(range.map_or(t.range.clone(), |r| r.start..t.range.end));
        }
        range.map(|r| normalize_type(&self.sql[r]))
    }

    /// A view's query: the text after the first top-level `AS` following its name.
    fn query_after_as(&self, name_end: usize) -> Option<String> {
        let mut depth = 0usize;
        let mut toks = self.tokens.iter().skip_while(|t| t.range.start < name_end);
        for t in toks.by_ref() {
            match &t.token {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                _ if depth == 0 && t.is_word("AS") => break,
                _ => {}
            }
        }
        let first = toks.next()?;
        Some(self.sql[first.range.start..].trim_end().to_string())
    }

    fn add_column(&self, table: &mut Table, def: &ColumnDef) {
        let ty = self
            .end_of(def.name.span)
            .and_then(|end| self.type_after(end))
            .unwrap_or_else(|| normalize_type(&def.data_type.to_string()));
        let mut col = Column {
            name: def.name.value.clone(),
            ty,
            nullable: true,
            span: Some(self.ident_span(Some(&def.name))),
            ..Column::default()
        };
        for opt in &def.options {
            self.column_option(table, &mut col, opt);
        }
        table.columns.push(col);
    }

    /// Applies one column option; constraints land on the table.
    fn column_option(&self, table: &mut Table, col: &mut Column, opt: &ColumnOptionDef) {
        let name = opt.name.as_ref().map(|i| i.value.clone());
        let part = || vec![IndexPart::column(col.name.clone())];
        match &opt.option {
            ColumnOption::Null => col.nullable = true,
            ColumnOption::NotNull => col.nullable = false,
            ColumnOption::Default(e) => col.default = Some(e.to_string()),
            ColumnOption::PrimaryKey(_) => {
                table.primary_key = Some(PrimaryKey {
                    name,
                    parts: part(),
                    span: col.span.clone(),
                });
            }
            ColumnOption::Unique(_) => table.indexes.push(Index {
                name: name.unwrap_or_else(|| generated_name(&table.name, &part(), "key")),
                unique: true,
                parts: part(),
                span: col.span.clone(),
                ..Index::default()
            }),
            ColumnOption::ForeignKey(fk) => {
                let columns = vec![col.name.clone()];
                let span = col.span.clone();
                table
                    .foreign_keys
                    .push(foreign_key(fk, name, columns, span));
            }
            ColumnOption::Check(c) => table.checks.push(Check {
                name: name.or_else(|| c.name.as_ref().map(|i| i.value.clone())),
                expr: c.expr.to_string(),
                span: col.span.clone(),
            }),
            ColumnOption::DialectSpecific(tokens) => {
                let auto = |t: &Token| matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case("AUTOINCREMENT") || w.value.eq_ignore_ascii_case("AUTO_INCREMENT"));
                col.auto_increment |= tokens.iter().any(auto);
            }
            ColumnOption::CharacterSet(n) => {
                col.attrs
                    .0
                    .insert("charset".into(), AttrValue::Str(plain_name(n)));
            }
            ColumnOption::Collation(n) => col.collation = Some(plain_name(n)),
            ColumnOption::Comment(c) => col.comment = Some(c.clone()),
            ColumnOption::OnUpdate(e) => {
                col.attrs
                    .0
                    .insert("on_update".into(), AttrValue::Str(e.to_string()));
            }
            ColumnOption::Generated {
                generated_as,
                generation_expr,
                generation_expr_mode,
                ..
            } => generated(
                col,
                generated_as,
                generation_expr.as_ref(),
                generation_expr_mode.as_ref(),
            ),
            _ => {}
        }
    }

    fn add_constraint(&self, table: &mut Table, c: &TableConstraint) {
        match c {
            TableConstraint::PrimaryKey(pk) => {
                table.primary_key = Some(PrimaryKey {
                    name: pk.name.as_ref().map(|i| i.value.clone()),
                    parts: pk.columns.iter().map(index_part).collect(),
                    span: Some(
                        self.first_span(pk.name.iter().chain(column_idents(&pk.columns)), pk),
                    ),
                });
            }
            TableConstraint::Unique(u) => {
                let ident = u.name.as_ref().or(u.index_name.as_ref());
                let index = self.table_index(table, ident, &u.columns, true, "key", c);
                table.indexes.push(index);
            }
            TableConstraint::Index(ic) => {
                let index = self.table_index(table, ic.name.as_ref(), &ic.columns, false, "idx", c);
                table.indexes.push(index);
            }
            TableConstraint::FulltextOrSpatial(f) => {
                let mut index = self.table_index(
                    table,
                    f.opt_index_name.as_ref(),
                    &f.columns,
                    false,
                    "idx",
                    c,
                );
                let kind = if f.fulltext { "FULLTEXT" } else { "SPATIAL" };
                index
                    .attrs
                    .0
                    .insert("type".into(), AttrValue::Str(kind.into()));
                table.indexes.push(index);
            }
            TableConstraint::ForeignKey(fk) => {
                let span = self.first_span(fk.name.iter().chain(&fk.columns), fk);
                let columns = fk.columns.iter().map(|i| i.value.clone()).collect();
                table
                    .foreign_keys
                    .push(foreign_key(fk, None, columns, Some(span)));
            }
            TableConstraint::Check(ck) => table.checks.push(Check {
                name: ck.name.as_ref().map(|i| i.value.clone()),
                expr: ck.expr.to_string(),
                span: Some(self.first_span(&ck.name, ck)),
            }),
            _ => {}
        }
    }

    /// An index declared inside `CREATE TABLE` (UNIQUE, or MySQL's KEY/INDEX).
    fn table_index(
        &self,
        table: &Table,
        ident: Option<&Ident>,
        columns: &[IndexColumn],
        unique: bool,
        suffix: &str,
        node: &TableConstraint,
    ) -> Index {
        let parts: Vec<IndexPart> = columns.iter().map(index_part).collect();
        Index {
            name: ident.map_or_else(
                || generated_name(&table.name, &parts, suffix),
                |i| i.value.clone(),
            ),
            unique,
            parts,
            span: Some(self.first_span(ident.into_iter().chain(column_idents(columns)), node)),
            ..Index::default()
        }
    }
}

fn column_idents(columns: &[IndexColumn]) -> impl Iterator<Item = &Ident> {
    columns.iter().filter_map(|c| match &c.column.expr {
        Expr::Identifier(i) => Some(i),
        _ => None,
    })
}

fn foreign_key(
    fk: &ForeignKeyConstraint,
    name: Option<String>,
    columns: Vec<String>,
    span: Option<Span>,
) -> ForeignKey {
    let (ref_schema, ref_ident) = name_parts(&fk.foreign_table);
    ForeignKey {
        name: name.or_else(|| fk.name.as_ref().map(|i| i.value.clone())),
        columns,
        ref_schema,
        ref_table: ref_ident.map_or_else(|| fk.foreign_table.to_string(), |i| i.value.clone()),
        ref_columns: fk
            .referred_columns
            .iter()
            .map(|i| i.value.clone())
            .collect(),
        on_update: ref_action(fk.on_update.as_ref()),
        on_delete: ref_action(fk.on_delete.as_ref()),
        deferrable: deferrable(fk.characteristics.as_ref()),
        match_full: matches!(
            fk.match_kind,
            Some(sqlparser::ast::ConstraintReferenceMatchKind::Full)
        ),
        span,
    }
}

/// `AS (expr) [STORED|VIRTUAL]` becomes a generated column; an identity column
/// (`GENERATED … AS IDENTITY`, no expression) is recorded as an attribute.
fn generated(
    col: &mut Column,
    generated_as: &GeneratedAs,
    expr: Option<&Expr>,
    mode: Option<&GeneratedExpressionMode>,
) {
    match expr {
        Some(e) => {
            let stored = matches!(mode, Some(GeneratedExpressionMode::Stored))
                || matches!(generated_as, GeneratedAs::ExpStored);
            col.generated = Some(Generated {
                expr: e.to_string(),
                stored,
            });
        }
        None => {
            let kind = match generated_as {
                GeneratedAs::ByDefault => "BY DEFAULT",
                _ => "ALWAYS",
            };
            col.attrs
                .0
                .insert("identity".into(), AttrValue::Str(kind.into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;
    use crate::model::Schema;

    fn read_str(sql: &str, dialect: Dialect) -> (SourceFile, Realm, Vec<Diagnostic>) {
        let file = SourceFile::new("schema.sql", sql);
        let (realm, diags) = read(&file, dialect);
        (file, realm, diags)
    }

    /// The source text a span covers.
    fn slice<'a>(file: &'a SourceFile, span: &Option<Span>) -> &'a str {
        let span = span.as_ref().expect("object has a span");
        assert_eq!(&*span.file, "schema.sql");
        &file.text[span.start..span.end]
    }

    fn schema<'a>(realm: &'a Realm, name: &str) -> &'a Schema {
        realm
            .schema(name)
            .unwrap_or_else(|| panic!("no schema {name:?} in {realm:#?}"))
    }

    const SQLITE: &str = r#"-- Users and their posts.
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email VARCHAR(255) NOT NULL UNIQUE COLLATE NOCASE,
  "display name" text DEFAULT 'anon',
  created_at datetime NOT NULL DEFAULT (datetime('now')),
  score int CHECK (score >= 0),
  email_lower text AS (lower(email)) VIRTUAL
);

CREATE TABLE [posts] (
  id integer NOT NULL,
  author_id integer REFERENCES users (id) ON DELETE CASCADE,
  title text,
  CONSTRAINT posts_pk PRIMARY KEY (id),
  CONSTRAINT fk_editor FOREIGN KEY (author_id, title) REFERENCES users (id, email)
    ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED,
  UNIQUE (author_id, title),
  CHECK (length(title) > 0)
) WITHOUT ROWID, STRICT;

CREATE UNIQUE INDEX users_email_idx ON users (email COLLATE NOCASE);
CREATE INDEX posts_recent ON posts (author_id, id DESC) WHERE title IS NOT NULL;
CREATE INDEX posts_title_lower ON posts (lower(title));

CREATE VIEW active_users AS
  SELECT id, email FROM users WHERE score > 0;

CREATE TRIGGER posts_touch AFTER UPDATE ON posts
BEGIN
  UPDATE users SET score = CASE WHEN score IS NULL THEN 1 ELSE score + 1 END
  WHERE id = new.author_id;
END;

INSERT INTO users (email) VALUES ('a@example.com');
PRAGMA foreign_keys = ON;
"#;

    #[test]
    fn spans_on_long_lines_with_multibyte_characters_point_at_the_names() {
        let sql =
            "-- café\nCREATE TABLE \"naïve\" (a int, \"über\" text DEFAULT 'ü', \"z\" int);\n\
                   CREATE TABLE t2 (x int, \"ÿ\" int); CREATE TABLE t3 (k int);";
        let (file, realm, diags) = read_str(sql, Dialect::Sqlite);
        assert!(diags.is_empty(), "{diags:#?}");
        let main = schema(&realm, "main");
        let naive = main.table("naïve").unwrap();
        assert_eq!(slice(&file, &naive.span), "\"naïve\"");
        assert_eq!(
            slice(&file, &naive.column("über").unwrap().span),
            "\"über\""
        );
        assert_eq!(slice(&file, &naive.column("z").unwrap().span), "\"z\"");
        let t2 = main.table("t2").unwrap();
        assert_eq!(slice(&file, &t2.column("ÿ").unwrap().span), "\"ÿ\"");
        assert_eq!(slice(&file, &main.table("t3").unwrap().span), "t3");
    }

    #[test]
    fn a_long_in_list_on_one_line_reads_in_linear_time() {
        let values: Vec<String> = (0..8000).map(|i| i.to_string()).collect();
        let sql = format!(
            "CREATE TABLE t (id int, CHECK (id IN ({})), z int);",
            values.join(",")
        );
        let started = std::time::Instant::now();
        let (file, realm, diags) = read_str(&sql, Dialect::Sqlite);
        let took = started.elapsed();
        assert!(diags.is_empty(), "{diags:#?}");
        let t = schema(&realm, "main").table("t").unwrap();
        assert_eq!(slice(&file, &t.column("z").unwrap().span), "z");
        // Quadratic offsets took 0.7 s here in a debug build; linear ones take milliseconds.
        assert!(took < std::time::Duration::from_millis(300), "{took:?}");
    }

    #[test]
    fn nesting_past_the_limit_is_an_error_that_names_the_reader() {
        let n = 40_000;
        let sql = format!(
            "CREATE TABLE t (id int, CHECK ({}id > 0{}));",
            "(".repeat(n),
            ")".repeat(n)
        );
        let (file, _, diags) = read_str(&sql, Dialect::Postgres);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        let d = &diags[0];
        assert!(d.is_error());
        assert_eq!(d.code, "sql-nesting");
        assert!(d.message.contains("strata's SQL reader"), "{}", d.message);
        assert!(!d.message.contains("dev database"), "{}", d.message);
        // The span is the first parenthesis past the limit.
        let at = d.span.as_ref().unwrap().start;
        assert_eq!(
            Some(at),
            sql.match_indices('(').nth(MAX_NESTING).map(|(i, _)| i)
        );
        assert_eq!(&file.text[at..at + 1], "(");
        // Just under the limit the statement reads (or at worst warns).
        let ok = format!(
            "CREATE TABLE t (id int, CHECK ({}id > 0{}));",
            "(".repeat(500),
            ")".repeat(500)
        );
        let (_, realm, diags) = read_str(&ok, Dialect::Postgres);
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
        let _ = realm;
    }

    #[test]
    fn sqlite_schema_tables_and_columns() {
        let (file, realm, diags) = read_str(SQLITE, Dialect::Sqlite);
        assert!(diags.is_empty(), "{diags:#?}");
        let main = schema(&realm, "main");
        assert_eq!(main.tables.len(), 2);

        let users = main.table("users").unwrap();
        assert_eq!(slice(&file, &users.span), "users");
        let id = users.column("id").unwrap();
        assert_eq!(
            (id.ty.as_str(), id.nullable, id.auto_increment),
            ("integer", false, true)
        );
        assert_eq!(slice(&file, &id.span), "id");
        let email = users.column("email").unwrap();
        assert_eq!(email.ty, "varchar(255)");
        assert!(!email.nullable);
        assert_eq!(email.collation.as_deref(), Some("NOCASE"));
        let display = users.column("display name").unwrap();
        assert_eq!(slice(&file, &display.span), "\"display name\"");
        assert_eq!(display.default.as_deref(), Some("'anon'"));
        assert!(display.nullable);
        let created = users.column("created_at").unwrap();
        assert_eq!(created.default.as_deref(), Some("(datetime('now'))"));
        let lower = users.column("email_lower").unwrap();
        assert_eq!(
            lower.generated,
            Some(Generated {
                expr: "lower(email)".into(),
                stored: false
            })
        );

        let pk = users.primary_key.as_ref().unwrap();
        assert_eq!(pk.parts, vec![IndexPart::column("id")]);
        assert_eq!(users.checks.len(), 1);
        assert_eq!(users.checks[0].expr, "score >= 0");
        let unique = users
            .index("users_email_key")
            .expect("generated unique name");
        assert!(unique.unique);
    }

    #[test]
    fn sqlite_schema_constraints_and_options() {
        let (file, realm, _) = read_str(SQLITE, Dialect::Sqlite);
        let posts = schema(&realm, "main").table("posts").unwrap();
        assert_eq!(slice(&file, &posts.span), "[posts]");
        assert!(posts.attrs.flag("without_rowid") && posts.attrs.flag("strict"));
        let pk = posts.primary_key.as_ref().unwrap();
        assert_eq!(pk.name.as_deref(), Some("posts_pk"));
        assert_eq!(slice(&file, &pk.span), "posts_pk");

        let [inline, named] = &posts.foreign_keys[..] else {
            panic!("{:#?}", posts.foreign_keys)
        };
        assert_eq!(
            (inline.columns.clone(), inline.ref_table.as_str()),
            (vec!["author_id".to_string()], "users")
        );
        assert_eq!(inline.on_delete, RefAction::Cascade);
        assert_eq!(slice(&file, &inline.span), "author_id");
        assert_eq!(named.name.as_deref(), Some("fk_editor"));
        assert_eq!(named.ref_columns, ["id", "email"]);
        assert_eq!(
            (named.on_update, named.deferrable),
            (RefAction::SetNull, Deferrable::InitiallyDeferred)
        );

        let unique = posts.index("posts_author_id_title_key").unwrap();
        assert!(unique.unique);
        assert_eq!(posts.checks[0].expr, "length(title) > 0");
    }

    #[test]
    fn sqlite_schema_indexes_views_triggers() {
        let (file, realm, _) = read_str(SQLITE, Dialect::Sqlite);
        let main = schema(&realm, "main");
        let users = main.table("users").unwrap();
        let by_email = users.index("users_email_idx").unwrap();
        assert!(by_email.unique);
        assert_eq!(by_email.parts[0].collation.as_deref(), Some("NOCASE"));
        assert_eq!(slice(&file, &by_email.span), "users_email_idx");

        let posts = main.table("posts").unwrap();
        let recent = posts.index("posts_recent").unwrap();
        assert_eq!(recent.predicate.as_deref(), Some("title IS NOT NULL"));
        assert_eq!((recent.parts[0].desc, recent.parts[1].desc), (false, true));
        let lower = posts.index("posts_title_lower").unwrap();
        assert_eq!(lower.parts[0].key, IndexKey::Expr("lower(title)".into()));

        let view = main.view("active_users").unwrap();
        assert_eq!(view.def, "SELECT id, email FROM users WHERE score > 0");
        assert_eq!(slice(&file, &view.span), "active_users");

        let trigger = &main.triggers[0];
        assert_eq!(
            (trigger.name.as_str(), trigger.table.as_str()),
            ("posts_touch", "posts")
        );
        assert!(trigger.def.starts_with("CREATE TRIGGER posts_touch"));
        assert!(trigger.def.ends_with("new.author_id;\nEND"));
        assert_eq!(slice(&file, &trigger.span), "posts_touch");
    }

    #[test]
    fn postgres_function_table_and_trigger() {
        let sql = "CREATE FUNCTION touch() RETURNS trigger AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n\n\
                   CREATE TABLE app.accounts (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  \
                   name character varying(100) NOT NULL,\n  tags text[] DEFAULT '{}',\n  price numeric(10, 2),\n  qty int,\n  \
                   total numeric(10, 2) GENERATED ALWAYS AS (price * qty) STORED,\n  updated_at timestamp with time zone\n);\n\
                   CREATE TRIGGER accounts_touch BEFORE UPDATE ON app.accounts FOR EACH ROW EXECUTE FUNCTION touch();\n\
                   CREATE TABLE plain (id serial);";
        let (file, realm, diags) = read_str(sql, Dialect::Postgres);
        assert!(diags.is_empty(), "{diags:#?}");
        let app = schema(&realm, "app");
        let accounts = app.table("accounts").unwrap();
        assert_eq!(slice(&file, &accounts.span), "accounts");
        let id = accounts.column("id").unwrap();
        assert_eq!((id.ty.as_str(), id.nullable), ("bigint", false));
        assert_eq!(
            id.attrs.0.get("identity"),
            Some(&AttrValue::Str("ALWAYS".into()))
        );
        assert_eq!(
            accounts.column("name").unwrap().ty,
            "character varying(100)"
        );
        assert_eq!(accounts.column("tags").unwrap().ty, "text[]");
        let total = accounts.column("total").unwrap();
        assert_eq!(total.ty, "numeric(10, 2)");
        assert_eq!(
            total.generated,
            Some(Generated {
                expr: "price * qty".into(),
                stored: true
            })
        );
        assert_eq!(
            accounts.column("updated_at").unwrap().ty,
            "timestamp with time zone"
        );
        let trigger = &app.triggers[0];
        assert_eq!(
            (trigger.name.as_str(), trigger.table.as_str()),
            ("accounts_touch", "accounts")
        );
        assert!(schema(&realm, "public").table("plain").is_some());
    }

    #[test]
    fn mysql_table_with_backticks() {
        let sql = "DELIMITER ;\nCREATE TABLE `orders` (\n  `id` INT UNSIGNED NOT NULL AUTO_INCREMENT,\n  \
                   `code` VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL COMMENT 'public code',\n  \
                   `status` ENUM('New','Paid') NOT NULL DEFAULT 'New',\n  PRIMARY KEY (`id`),\n  \
                   UNIQUE KEY `orders_code` (`code`),\n  KEY (`status`)\n) ENGINE=InnoDB;\n";
        let (file, realm, diags) = read_str(sql, Dialect::Mysql);
        assert!(diags.is_empty(), "{diags:#?}");
        let orders = schema(&realm, "").table("orders").unwrap();
        assert_eq!(slice(&file, &orders.span), "`orders`");
        let id = orders.column("id").unwrap();
        assert_eq!(
            (id.ty.as_str(), id.auto_increment, id.nullable),
            ("int unsigned", true, false)
        );
        assert_eq!(slice(&file, &id.span), "`id`");
        let code = orders.column("code").unwrap();
        assert_eq!(code.ty, "varchar(32)");
        assert_eq!(code.collation.as_deref(), Some("utf8mb4_bin"));
        assert_eq!(
            code.attrs.0.get("charset"),
            Some(&AttrValue::Str("utf8mb4".into()))
        );
        assert_eq!(code.comment.as_deref(), Some("public code"));
        assert_eq!(orders.column("status").unwrap().ty, "enum('New','Paid')");
        assert_eq!(
            orders.primary_key.as_ref().unwrap().parts,
            vec![IndexPart::column("id")]
        );
        assert!(orders.index("orders_code").unwrap().unique);
        assert!(!orders.index("orders_status_idx").unwrap().unique);
    }

    #[test]
    fn broken_statement_warns_at_the_reported_line() {
        let sql = "CREATE TABLE a (x int);\n\nCREATE TABLE t (\n a int,\n b int NOT NUL,\n c);\nCREATE TABLE z (y int);";
        let (file, realm, diags) = read_str(sql, Dialect::Sqlite);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        let d = &diags[0];
        assert_eq!((d.severity, d.code), (Severity::Warning, "sql-parse"));
        let at = file.line_col(d.span.as_ref().unwrap().start);
        assert_eq!((at.line, at.col), (5, 8));
        assert!(!d.message.contains("Line:"), "{}", d.message);
        let main = schema(&realm, "main");
        assert!(
            main.table("a").is_some() && main.table("z").is_some() && main.table("t").is_none()
        );
    }

    #[test]
    fn unparsable_trigger_falls_back_to_a_token_scan() {
        let sql =
            "CREATE TABLE v (x);\nCREATE TEMP TRIGGER IF NOT EXISTS \"guard\" BEFORE DELETE ON v\n\
                   BEGIN SELECT RAISE(IGNORE); END;";
        let (file, realm, diags) = read_str(sql, Dialect::Sqlite);
        assert!(diags.is_empty(), "{diags:#?}");
        let trigger = &schema(&realm, "main").triggers[0];
        assert_eq!(
            (trigger.name.as_str(), trigger.table.as_str()),
            ("guard", "v")
        );
        assert_eq!(slice(&file, &trigger.span), "\"guard\"");
        assert!(trigger.def.ends_with("END"));
    }

    #[test]
    fn alter_table_adds_columns_and_constraints() {
        let sql = "CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN name text NOT NULL;\n\
                   ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY (id);\n\
                   CREATE INDEX i ON missing (x);";
        let (file, realm, diags) = read_str(sql, Dialect::Postgres);
        let t = schema(&realm, "public").table("t").unwrap();
        assert_eq!(t.columns.len(), 2);
        assert!(
            !t.column("id").unwrap().nullable,
            "primary key columns are not null"
        );
        assert_eq!(slice(&file, &t.column("name").unwrap().span), "name");
        assert_eq!(
            t.primary_key.as_ref().unwrap().name.as_deref(),
            Some("t_pk")
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "sql-unknown-table");
    }

    #[test]
    fn spans_count_bytes_after_non_ascii_text() {
        let sql =
            "/* schéma ✓ */ CREATE TABLE \"tâble\" (\n  \"naïve\" text, -- 😀\n  über int\n);";
        let (file, realm, diags) = read_str(sql, Dialect::Sqlite);
        assert!(diags.is_empty(), "{diags:#?}");
        let t = schema(&realm, "main").table("tâble").unwrap();
        assert_eq!(slice(&file, &t.span), "\"tâble\"");
        assert_eq!(slice(&file, &t.column("naïve").unwrap().span), "\"naïve\"");
        assert_eq!(slice(&file, &t.column("über").unwrap().span), "über");
        assert_eq!(t.column("über").unwrap().ty, "int");
    }

    #[test]
    fn comments_and_unnamed_indexes() {
        let sql = "CREATE TABLE s.t (a int, b int);\nCOMMENT ON TABLE s.t IS 'things';\n\
                   COMMENT ON COLUMN s.t.a IS 'the a';\nCREATE UNIQUE INDEX ON s.t (a, (b + 1));\n\
                   INSERT INTO s.t VALUES (1, 2);";
        let (_, realm, diags) = read_str(sql, Dialect::Postgres);
        assert!(diags.is_empty(), "{diags:#?}");
        let t = schema(&realm, "s").table("t").unwrap();
        assert_eq!(t.comment.as_deref(), Some("things"));
        assert_eq!(t.column("a").unwrap().comment.as_deref(), Some("the a"));
        let index = t.index("t_a_expr_idx").unwrap();
        assert_eq!(index.parts[1].key, IndexKey::Expr("(b + 1)".into()));

        let my = "CREATE TABLE m (a int) COMMENT='mine';";
        let (_, realm, _) = read_str(my, Dialect::Mysql);
        let m = schema(&realm, "").table("m").unwrap();
        assert_eq!(m.comment.as_deref(), Some("mine"));
    }

    #[test]
    fn types_keep_quoted_parts_and_collapse_space() {
        assert_eq!(normalize_type("ENUM('A', 'b')"), "enum('A', 'b')");
        assert_eq!(normalize_type("DOUBLE\n   PRECISION"), "double precision");
        assert_eq!(normalize_type("\"MyType\""), "\"MyType\"");
    }
}
