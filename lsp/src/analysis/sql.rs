//! SQL DDL files, one statement at a time.
//!
//! A file is cut into statements by core's splitter; each chunk is a statement
//! with its delimiter and the blank lines and comments after it, analyzed on
//! its own (so an edit re-reads one statement). A statement that is still being
//! typed has no `;` yet and would run into the next one: a `CREATE` or `ALTER`
//! at the start of a line starts a new chunk, so the half-typed statement
//! stays alone and the ones after it keep their tables.
//!
//! Core's static reader gives each statement's model and diagnostics. A
//! statement that adds to a table created by another one (`CREATE INDEX`,
//! `ALTER TABLE … ADD`, `COMMENT ON`) is read onto a stand-in table and kept as
//! an [`Attached`]: the index finds it by the table's name and the table's
//! model merges it. References come from a token scan ([`super::sqlrefs`]).

use super::hcl::widen;
use super::sqlrefs::{Embed, OffsetMap, QTable, SqlText};
use super::{Attached, ChunkData, Def, DefKind, LocalDiag, ModelRef, Ref, RefSpec};
use std::ops::Range;
use std::sync::Arc;
use strata_core::dialect::Dialect;
use strata_core::model::{Column, Realm, Table};
use strata_core::sql::lex::{tokenize, Kind};
use strata_core::sql::split::split;
use strata_core::sql::static_read;
use strata_core::sql::static_read::TYPE_ENDS;
use strata_core::SourceFile;

/// The chunks of a SQL file: statements with what follows them up to the
/// next one. The flag says whether the next chunk starts a statement of its
/// own after a delimiter (rather than one cut out of an unterminated statement).
pub fn chunks(text: &str, dialect: Dialect) -> Vec<(Range<usize>, bool)> {
    chunks_checked(text, dialect).0
}

/// [`chunks`], and whether the text ends cleanly: its last statement has its
/// delimiter and every comment after it is closed, so text appended after it
/// would split on its own.
pub fn chunks_checked(text: &str, dialect: Dialect) -> (Vec<(Range<usize>, bool)>, bool) {
    let stmts = split(text, dialect);
    let mut starts: Vec<(usize, bool)> = Vec::with_capacity(stmts.len());
    for s in &stmts {
        starts.push((s.range.start, true));
        resync(text, s.range.clone(), dialect, &mut starts);
    }
    let tail_ok = match stmts.last() {
        Some(s) => s.full.end > s.range.end && trivia_ok(&text[s.full.end..], dialect),
        None => trivia_ok(text, dialect),
    };
    if starts.is_empty() {
        return (vec![(0..text.len(), tail_ok)], tail_ok);
    }
    let out = (0..starts.len())
        .map(|k| {
            let begin = if k == 0 { 0 } else { starts[k].0 };
            let end = starts.get(k + 1).map_or(text.len(), |s| s.0);
            let complete = starts.get(k + 1).map_or(tail_ok, |s| s.1);
            (begin..end, complete)
        })
        .collect();
    (out, tail_ok)
}

/// Cuts an unterminated statement before each `CREATE` or `ALTER` that starts
/// a line (outside strings and comments): no statement has one there, but a
/// half-typed statement followed by the next one does.
fn resync(text: &str, r: Range<usize>, dialect: Dialect, starts: &mut Vec<(usize, bool)>) {
    let s = &text[r.clone()];
    let b = s.as_bytes();
    let at_line_start = |i: usize| {
        let rest = &b[i..];
        ["create", "alter"].iter().any(|w| {
            rest.len() > w.len()
                && rest[..w.len()].eq_ignore_ascii_case(w.as_bytes())
                && !(rest[w.len()].is_ascii_alphanumeric() || rest[w.len()] == b'_')
        })
    };
    if !s.match_indices('\n').any(|(i, _)| at_line_start(i + 1)) {
        return;
    }
    // A dollar-quoted body may hold any text.
    if dialect == Dialect::Postgres && s.contains('$') {
        return;
    }
    for t in tokenize(s).iter().skip(1) {
        let line_start = t.range.start > 0 && b[t.range.start - 1] == b'\n';
        if line_start && t.kind == Kind::Word && (t.is(s, "CREATE") || t.is(s, "ALTER")) {
            starts.push((r.start + t.range.start, false));
        }
    }
}

/// Whether `s` is only white space and closed comments.
fn trivia_ok(s: &str, dialect: Dialect) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            return true;
        }
        if b[i..].starts_with(b"--") || (dialect == Dialect::Mysql && b[i] == b'#') {
            match b[i..].iter().position(|&c| c == b'\n') {
                Some(j) => i += j + 1,
                None => return false,
            }
        } else if b[i..].starts_with(b"/*") {
            let nests = dialect == Dialect::Postgres;
            let mut depth = 0usize;
            loop {
                if i + 1 >= b.len() {
                    return false;
                }
                if b[i] == b'/' && b[i + 1] == b'*' && (depth == 0 || nests) {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b[i + 1] == b'/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else {
            return false;
        }
    }
}

/// Whether a MySQL file uses the client's `DELIMITER` directive.
pub fn has_delimiter_directive(text: &str) -> bool {
    text.lines().any(|l| {
        l.trim_start()
            .as_bytes()
            .get(..10)
            .is_some_and(|w| w[..9].eq_ignore_ascii_case(b"delimiter") && w[9] == b' ')
    })
}

/// The table a statement adds to: `CREATE INDEX … ON t`, `ALTER TABLE t`,
/// `COMMENT ON TABLE t` / `COMMENT ON COLUMN t.c`.
struct Target {
    schema: Option<String>,
    table: String,
    column: Option<String>,
    comment: bool,
}

fn dependent_target(src: &str, dialect: Dialect) -> Option<Target> {
    let s = SqlText::new(src, dialect, OffsetMap::Shift(0), "", Embed::Plain);
    let name = |i: usize| s.chain(i);
    let qualified = |parts: &[(String, Range<usize>)]| -> Option<(Option<String>, String)> {
        match parts {
            [(t, _)] => Some((None, t.clone())),
            [.., (sc, _), (t, _)] => Some((Some(sc.clone()), t.clone())),
            [] => None,
        }
    };
    if s.is(0, "CREATE") {
        let mut i = 1;
        while ["UNIQUE", "FULLTEXT", "SPATIAL"].iter().any(|k| s.is(i, k)) {
            i += 1;
        }
        if !s.is(i, "INDEX") {
            return None;
        }
        i += 1;
        if s.is(i, "CONCURRENTLY") {
            i += 1;
        }
        i = skip_if_not_exists(&s, i);
        let mut index_schema = None;
        if !s.is(i, "ON") {
            let (parts, after) = name(i)?;
            index_schema = qualified(&parts)?.0;
            i = after;
        }
        if !s.is(i, "ON") {
            return None;
        }
        i += 1;
        if s.is(i, "ONLY") {
            i += 1;
        }
        let (parts, _) = name(i)?;
        let (schema, table) = qualified(&parts)?;
        return Some(Target {
            schema: index_schema.or(schema),
            table,
            column: None,
            comment: false,
        });
    }
    if s.is(0, "ALTER") && s.is(1, "TABLE") {
        let mut i = 2;
        if s.is(i, "IF") && s.is(i + 1, "EXISTS") {
            i += 2;
        }
        if s.is(i, "ONLY") {
            i += 1;
        }
        let (parts, _) = name(i)?;
        let (schema, table) = qualified(&parts)?;
        return Some(Target {
            schema,
            table,
            column: None,
            comment: false,
        });
    }
    if s.is(0, "COMMENT") && s.is(1, "ON") {
        let (parts, _) = name(3)?;
        if s.is(2, "TABLE") {
            let (schema, table) = qualified(&parts)?;
            return Some(Target {
                schema,
                table,
                column: None,
                comment: true,
            });
        }
        if s.is(2, "COLUMN") && parts.len() >= 2 {
            let (table_parts, col) = parts.split_at(parts.len() - 1);
            let (schema, table) = qualified(table_parts)?;
            return Some(Target {
                schema,
                table,
                column: Some(col[0].0.clone()),
                comment: false,
            });
        }
    }
    None
}

fn skip_if_not_exists(s: &SqlText, i: usize) -> usize {
    if s.is(i, "IF") && s.is(i + 1, "NOT") && s.is(i + 2, "EXISTS") {
        i + 3
    } else {
        i
    }
}

/// Analyzes one chunk (normally one statement).
pub fn analyze(name: &Arc<str>, text: &str, dialect: Dialect) -> ChunkData {
    let stmts: Vec<Range<usize>> = split(text, dialect).into_iter().map(|s| s.range).collect();
    let default_schema = dialect.default_schema();
    let target = stmts
        .first()
        .and_then(|r| dependent_target(&text[r.clone()], dialect));
    let mut realm = Realm::default();
    let stub_schema = target.as_ref().map(|t| {
        t.schema
            .clone()
            .unwrap_or_else(|| default_schema.to_string())
    });
    if let (Some(t), Some(schema)) = (&target, &stub_schema) {
        let mut stub = Table {
            name: t.table.clone(),
            ..Table::default()
        };
        if let Some(c) = &t.column {
            stub.columns.push(Column {
                name: c.clone(),
                ..Column::default()
            });
        }
        realm.schema_entry(schema).tables.push(stub);
    }
    let (realm, diags) =
        static_read::read_into(realm, &SourceFile::new(name.clone(), text), dialect);
    let mut out = ChunkData {
        len: text.len(),
        realm,
        ..ChunkData::default()
    };
    for d in diags {
        // Whether a table exists is decided workspace-wide (it may live in HCL).
        if d.code == "sql-unknown-table" {
            continue;
        }
        let range = d
            .span
            .as_ref()
            .map_or(0..0, |s| widen(text, s.start..s.end));
        out.diags.push(LocalDiag {
            range,
            severity: d.severity,
            code: d.code.to_string(),
            message: d.message,
            help: d.help,
        });
    }
    let stmt_of = |at: usize| -> Range<usize> {
        let i = stmts.partition_point(|r| r.end < at);
        stmts
            .get(i)
            .filter(|r| r.start <= at)
            .cloned()
            .unwrap_or(at..at)
    };
    let stub = match (&target, &stub_schema) {
        (Some(t), Some(schema)) => out
            .realm
            .schemas
            .iter()
            .position(|s| s.name == *schema)
            .map(|si| (si, t)),
        _ => None,
    };
    defs_from_model(&mut out, text, &stmt_of, stub);
    if !out.defs.iter().any(|d| d.kind.is_relation()) {
        if let Some(r) = stmts.first() {
            sketch_table(&mut out, text, r.clone(), dialect);
        }
    }
    for r in &stmts {
        scan_statement(&mut out, text, r.clone(), dialect);
    }
    out
}

/// Words that start a table constraint rather than a column.
const CONSTRAINT_WORDS: &[&str] = &[
    "CONSTRAINT",
    "PRIMARY",
    "FOREIGN",
    "UNIQUE",
    "CHECK",
    "KEY",
    "INDEX",
    "FULLTEXT",
    "SPATIAL",
    "EXCLUDE",
    "LIKE",
    "PERIOD",
];

/// A `CREATE TABLE` the reader could not parse (being typed) still defines
/// its table and the columns written so far, from its tokens, so that what
/// refers to it keeps resolving.
fn sketch_table(out: &mut ChunkData, text: &str, stmt: Range<usize>, dialect: Dialect) {
    let src = &text[stmt.clone()];
    let s = SqlText::new(
        src,
        dialect,
        OffsetMap::Shift(stmt.start),
        dialect.default_schema(),
        Embed::Plain,
    );
    if !s.is(0, "CREATE") {
        return;
    }
    let mut i = 1;
    while [
        "TEMP",
        "TEMPORARY",
        "UNLOGGED",
        "GLOBAL",
        "LOCAL",
        "VIRTUAL",
    ]
    .iter()
    .any(|k| s.is(i, k))
    {
        i += 1;
    }
    if !s.is(i, "TABLE") {
        return;
    }
    let i = skip_if_not_exists(&s, i + 1);
    let Some((parts, open)) = s.chain(i) else {
        return;
    };
    let Some(QTable { schema, name }) = qtable(&parts) else {
        return;
    };
    let name_range = parts.last().map(|p| p.1.clone()).unwrap_or_default();
    let schema = schema.unwrap_or_else(|| dialect.default_schema().to_string());
    let mut def = Def::new(DefKind::Table, name.clone(), name_range);
    def.full_range = stmt.clone();
    def.schema = schema.clone();
    let parent = out.push_def(def);
    if s.punct(open, "(") {
        for Range {
            start: item,
            end: j,
        } in s.items(open).0
        {
            let constraint = CONSTRAINT_WORDS.iter().any(|k| s.is(item, k));
            if let (false, Some((col, range))) = (constraint, s.ident(item)) {
                let ty_end = (item + 1..j)
                    .find(|&k| TYPE_ENDS.iter().any(|w| s.is(k, w)))
                    .unwrap_or(j);
                let mut d = Def::new(DefKind::Column, col, range);
                d.full_range = d.name_range.clone();
                d.schema = schema.clone();
                d.table = Some(name.clone());
                d.parent = Some(parent);
                if ty_end > item + 1 {
                    let r = s.toks[item + 1].range.start..s.toks[ty_end - 1].range.end;
                    d.detail = Some(src[r].to_ascii_lowercase());
                }
                out.defs.push(d);
            }
        }
    }
    let end = out.defs.len() as u32;
    out.defs[parent as usize].children = parent + 1..end;
}

/// The name inside an identifier's quotes.
fn unquote_range(text: &str, r: Range<usize>) -> Range<usize> {
    let s = &text[r.clone()];
    let quoted = s.len() >= 2
        && matches!(
            (s.as_bytes()[0], s.as_bytes()[s.len() - 1]),
            (b'"', b'"') | (b'`', b'`') | (b'[', b']')
        );
    if quoted {
        r.start + 1..r.end - 1
    } else {
        r
    }
}

/// The definitions of a table's columns, indexes and foreign keys, under
/// `parent` (`None`: added to a table of another statement).
fn table_children(
    out: &mut ChunkData,
    text: &str,
    (si, ti): (usize, usize),
    t: &Table,
    schema: &str,
    parent: Option<u32>,
    skip_columns: usize,
) {
    let mut child = |kind, name: &str, span: Option<&strata_core::Span>, model, detail| {
        let Some(span) = span else { return };
        let mut d = Def::new(kind, name, unquote_range(text, span.start..span.end));
        d.full_range = d.name_range.clone();
        d.schema = schema.to_string();
        d.table = Some(t.name.clone());
        d.parent = parent;
        d.model = Some(model);
        d.detail = detail;
        out.defs.push(d);
    };
    let (s, tt) = (si as u32, ti as u32);
    for (ci, c) in t.columns.iter().enumerate().skip(skip_columns) {
        let m = ModelRef::Column {
            schema: s,
            table: tt,
            column: ci as u32,
        };
        child(
            DefKind::Column,
            &c.name,
            c.span.as_ref(),
            m,
            Some(c.ty.clone()),
        );
    }
    for (ii, i) in t.indexes.iter().enumerate() {
        // Inline UNIQUE constraints point at their column: not a definition.
        if t.columns.iter().any(|c| c.span == i.span) {
            continue;
        }
        let m = ModelRef::Index {
            schema: s,
            table: tt,
            index: ii as u32,
        };
        child(DefKind::Index, &i.name, i.span.as_ref(), m, None);
    }
    for (fi, fk) in t.foreign_keys.iter().enumerate() {
        if t.columns.iter().any(|c| c.span == fk.span) && fk.name.is_none() {
            continue;
        }
        let m = ModelRef::ForeignKey {
            schema: s,
            table: tt,
            fk: fi as u32,
        };
        let name = fk
            .name
            .clone()
            .unwrap_or_else(|| format!("{}({})", fk.ref_table, fk.ref_columns.join(", ")));
        child(DefKind::ForeignKey, &name, fk.span.as_ref(), m, None);
    }
}

fn defs_from_model(
    out: &mut ChunkData,
    text: &str,
    stmt_of: &dyn Fn(usize) -> Range<usize>,
    stub: Option<(usize, &Target)>,
) {
    let realm = std::mem::take(&mut out.realm);
    for (si, s) in realm.schemas.iter().enumerate() {
        for (ti, t) in s.tables.iter().enumerate() {
            if let Some((stub_si, target)) = stub {
                if (si, ti) == (stub_si, 0) {
                    attach(out, text, stmt_of, (si, t), &s.name, target);
                    continue;
                }
            }
            let Some(span) = &t.span else { continue };
            let name_range = unquote_range(text, span.start..span.end);
            let mut def = Def::new(DefKind::Table, t.name.clone(), name_range);
            def.full_range = stmt_of(span.start);
            def.schema = s.name.clone();
            def.model = Some(ModelRef::Table {
                schema: si as u32,
                table: ti as u32,
            });
            let parent = out.push_def(def);
            table_children(out, text, (si, ti), t, &s.name, Some(parent), 0);
            let end = out.defs.len() as u32;
            out.defs[parent as usize].children = parent + 1..end;
            // Indexes created by statements of their own span those statements.
            let table_stmt = stmt_of(span.start);
            for i in parent + 1..end {
                let d = &mut out.defs[i as usize];
                if d.kind == DefKind::Index {
                    let stmt = stmt_of(d.name_range.start);
                    if stmt != table_stmt {
                        d.full_range = stmt;
                    }
                }
            }
        }
        for (vi, v) in s.views.iter().enumerate() {
            let Some(span) = &v.span else { continue };
            let mut def = Def::new(
                DefKind::View,
                v.name.clone(),
                unquote_range(text, span.start..span.end),
            );
            def.full_range = stmt_of(span.start);
            def.schema = s.name.clone();
            def.model = Some(ModelRef::View {
                schema: si as u32,
                view: vi as u32,
            });
            let i = out.push_def(def);
            out.defs[i as usize].children = i + 1..i + 1;
        }
        for (ti, tr) in s.triggers.iter().enumerate() {
            let Some(span) = &tr.span else { continue };
            let mut def = Def::new(
                DefKind::Trigger,
                tr.name.clone(),
                unquote_range(text, span.start..span.end),
            );
            def.full_range = stmt_of(span.start);
            def.schema = s.name.clone();
            def.detail = Some(tr.table.clone());
            def.model = Some(ModelRef::Trigger {
                schema: si as u32,
                trigger: ti as u32,
            });
            let i = out.push_def(def);
            out.defs[i as usize].children = i + 1..i + 1;
        }
    }
    out.realm = realm;
}

/// Records what a statement added to the stand-in table of another
/// statement's table.
fn attach(
    out: &mut ChunkData,
    text: &str,
    stmt_of: &dyn Fn(usize) -> Range<usize>,
    (si, t): (usize, &Table),
    schema: &str,
    target: &Target,
) {
    let seeded = usize::from(target.column.is_some());
    let start = out.defs.len() as u32;
    table_children(out, text, (si, 0), t, schema, None, seeded);
    let end = out.defs.len() as u32;
    for d in &mut out.defs[start as usize..] {
        d.full_range = stmt_of(d.name_range.start);
    }
    let adds = end > start
        || t.primary_key.is_some()
        || !t.checks.is_empty()
        || t.columns.len() > seeded
        || target.comment
        || t.columns[..seeded].iter().any(|c| c.comment.is_some());
    if adds {
        out.attached.push(Attached {
            schema: schema.to_string(),
            table: t.name.clone(),
            key: Arc::from(t.name.to_ascii_lowercase()),
            defs: start..end,
            model: (si as u32, 0),
            seeded: seeded as u32,
            comment: target.comment,
        });
    }
}

/// Scans one statement's tokens for references.
fn scan_statement(out: &mut ChunkData, text: &str, stmt: Range<usize>, dialect: Dialect) {
    let src = &text[stmt.clone()];
    let s = SqlText::new(
        src,
        dialect,
        OffsetMap::Shift(stmt.start),
        dialect.default_schema(),
        Embed::Plain,
    );
    let mut scan = Scan {
        s: &s,
        refs: &mut out.refs,
    };
    scan.run();
}

struct Scan<'a, 'b> {
    s: &'a SqlText<'b>,
    refs: &'a mut Vec<Ref>,
}

fn qtable(parts: &[(String, Range<usize>)]) -> Option<QTable> {
    match parts {
        [(t, _)] => Some(QTable {
            schema: None,
            name: t.clone(),
        }),
        [.., (s, _), (t, _)] => Some(QTable {
            schema: Some(s.clone()),
            name: t.clone(),
        }),
        [] => None,
    }
}

impl Scan<'_, '_> {
    fn column(&mut self, table: &QTable, (c, r): (String, Range<usize>), implicit: bool) {
        self.s.push(
            self.refs,
            r,
            RefSpec::Column {
                schema: table.schema.clone(),
                table: table.name.clone(),
                column: c,
                implicit,
            },
            false,
        );
    }

    /// `( a, b DESC, lower(c) )` at `i` (the `(`): a plain column name is a
    /// column of `table`; an expression's names go through
    /// [`SqlText::table_expr`]. Returns the index after `)`.
    fn column_list(&mut self, i: usize, table: &QTable, implicit: bool) -> usize {
        let s = self.s;
        if !s.punct(i, "(") {
            return i;
        }
        let (items, close) = s.items(i);
        for Range {
            start: item,
            end: j,
        } in items
        {
            if item < j {
                let plain = item + 1 == j
                    || ["ASC", "DESC", "COLLATE", "NULLS"]
                        .iter()
                        .any(|k| s.is(item + 1, k));
                match s.ident(item).filter(|_| plain) {
                    Some(p) => self.column(table, p, implicit),
                    None => s.table_expr(item, j, table, self.refs),
                }
            }
        }
        close + 1
    }

    fn run(&mut self) {
        let s = self.s;
        let n = s.len();
        if n == 0 {
            return;
        }
        if s.is(0, "CREATE") {
            let mut i = 1;
            while [
                "TEMP",
                "TEMPORARY",
                "UNIQUE",
                "OR",
                "REPLACE",
                "VIRTUAL",
                "MATERIALIZED",
                "RECURSIVE",
                "FULLTEXT",
                "SPATIAL",
                "UNLOGGED",
                "CONSTRAINT",
                "AGGREGATE",
            ]
            .iter()
            .any(|k| s.is(i, k))
            {
                i += 1;
            }
            if s.is(i, "TABLE") {
                let i = skip_if_not_exists(s, i + 1);
                if let Some((parts, after)) = s.chain(i) {
                    if let Some(t) = qtable(&parts) {
                        self.table_body(after, &t, true);
                    }
                }
            } else if s.is(i, "INDEX") {
                self.index(i + 1);
            } else if s.is(i, "VIEW") {
                self.view(i + 1);
            } else if s.is(i, "TRIGGER") {
                self.trigger(i + 1);
            } else if s.is(i, "FUNCTION") || s.is(i, "PROCEDURE") {
                s.query(i + 1, n, None, self.refs);
            }
        } else if s.is(0, "ALTER") && s.is(1, "TABLE") {
            let mut i = 2;
            if s.is(i, "IF") && s.is(i + 1, "EXISTS") {
                i += 2;
            }
            if s.is(i, "ONLY") {
                i += 1;
            }
            if let Some((parts, after)) = s.chain(i) {
                s.table_ref(self.refs, &parts, false);
                if let Some(t) = qtable(&parts) {
                    self.table_body(after, &t, false);
                }
            }
        } else if s.is(0, "COMMENT") && s.is(1, "ON") {
            let Some((parts, _)) = s.chain(3) else { return };
            if s.is(2, "TABLE") {
                s.table_ref(self.refs, &parts, false);
            } else if s.is(2, "COLUMN") && parts.len() >= 2 {
                let (tp, col) = parts.split_at(parts.len() - 1);
                s.table_ref(self.refs, tp, false);
                if let Some(t) = qtable(tp) {
                    self.column(&t, col[0].clone(), false);
                }
            }
        }
    }

    /// The body of `CREATE TABLE t …` or `ALTER TABLE t …` from token `lo`.
    fn table_body(&mut self, lo: usize, cur: &QTable, create: bool) {
        let s = self.s;
        let n = s.len();
        let mut depth = 0usize;
        let mut i = lo;
        while i < n {
            if s.is(i, "REFERENCES") {
                if let Some((parts, after)) = s.chain(i + 1) {
                    s.table_ref(self.refs, &parts, false);
                    if let Some(t) = qtable(&parts) {
                        i = self.column_list(after, &t, false);
                        continue;
                    }
                }
            } else if (s.is(i, "FOREIGN") || s.is(i, "PRIMARY")) && s.is(i + 1, "KEY") {
                i = self.column_list(i + 2, cur, true);
                continue;
            } else if s.is(i, "UNIQUE") && s.punct(i + 1, "(") {
                i = self.column_list(i + 1, cur, true);
                continue;
            } else if (s.is(i, "CHECK") || s.is(i, "AS"))
                && s.punct(i + 1, "(")
                && (depth > 0 || !create)
            {
                // A CHECK, or a generated column's expression.
                let close = s.close(i + 1, n);
                s.table_expr(i + 2, close, cur, self.refs);
                i = close + 1;
                continue;
            } else if create && depth == 0 && s.is(i, "AS") {
                // CREATE TABLE … AS SELECT.
                s.query(i + 1, n, None, self.refs);
                return;
            } else if s.punct(i, "(") {
                depth += 1;
            } else if s.punct(i, ")") {
                depth = depth.saturating_sub(1);
            }
            i += 1;
        }
    }

    /// `CREATE INDEX [name] ON t (parts) [INCLUDE (…)] [WHERE …]` after `INDEX`.
    fn index(&mut self, mut i: usize) {
        let s = self.s;
        let n = s.len();
        if s.is(i, "CONCURRENTLY") {
            i += 1;
        }
        i = skip_if_not_exists(s, i);
        if !s.is(i, "ON") {
            if let Some((_, after)) = s.chain(i) {
                i = after;
            }
        }
        if !s.is(i, "ON") {
            return;
        }
        i += 1;
        if s.is(i, "ONLY") {
            i += 1;
        }
        let Some((parts, mut i)) = s.chain(i) else {
            return;
        };
        s.table_ref(self.refs, &parts, false);
        let Some(t) = qtable(&parts) else { return };
        if s.is(i, "USING") {
            i += 2;
        }
        i = self.column_list(i, &t, false);
        while i < n {
            if s.is(i, "INCLUDE") {
                i = self.column_list(i + 1, &t, false);
                continue;
            }
            if s.is(i, "WHERE") {
                s.table_expr(i + 1, n, &t, self.refs);
                return;
            }
            if s.punct(i, "(") {
                i = s.close(i, n);
            }
            i += 1;
        }
    }

    /// `CREATE VIEW name [(cols)] AS query` after `VIEW`.
    fn view(&mut self, i: usize) {
        let s = self.s;
        let i = skip_if_not_exists(s, i);
        let Some((_, mut i)) = s.chain(i) else { return };
        if s.punct(i, "(") {
            i = s.close(i, s.len()) + 1;
        }
        while i < s.len() && !s.is(i, "AS") {
            i += 1;
        }
        s.query(i + 1, s.len(), None, self.refs);
    }

    /// `CREATE TRIGGER name … [UPDATE OF a, b] … ON t … body` after `TRIGGER`.
    fn trigger(&mut self, i: usize) {
        let s = self.s;
        let n = s.len();
        let i = skip_if_not_exists(s, i);
        let Some((_, mut i)) = s.chain(i) else { return };
        let mut of_columns = Vec::new();
        while i < n && !s.is(i, "ON") {
            if s.is(i, "OF") && i > 0 && s.is(i - 1, "UPDATE") {
                let mut j = i + 1;
                while let Some(p) = s.ident(j) {
                    if s.is(j, "ON") || s.is(j, "OR") {
                        break;
                    }
                    of_columns.push(p);
                    if !s.punct(j + 1, ",") {
                        break;
                    }
                    j += 2;
                }
            }
            i += 1;
        }
        let Some((parts, after)) = s.chain(i + 1) else {
            return;
        };
        s.table_ref(self.refs, &parts, false);
        let Some(t) = qtable(&parts) else { return };
        for p in of_columns {
            self.column(&t, p, false);
        }
        s.query(after, n, Some(&t), self.refs);
    }
}
