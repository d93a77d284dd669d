//! Semantic tokens: what each word means, from definitions and resolved
//! references (so a table name is colored the same in HCL and SQL).

use super::index::Resolution;
use super::syntax::{self, Node, TokKind};
use super::{Analysis, DefKind, FileId, FileKind, RefSpec};
use std::collections::HashMap;
use std::ops::Range;
use strata_core::sql::lex::{tokenize, Kind};

/// Token types, in the order of the legend the server announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SemKind {
    Namespace,
    Class,
    Struct,
    Property,
    Variable,
    EnumMember,
    Event,
    Function,
    Keyword,
    Type,
    String,
    Number,
    Comment,
}

impl SemKind {
    pub const ALL: [SemKind; 13] = [
        SemKind::Namespace,
        SemKind::Class,
        SemKind::Struct,
        SemKind::Property,
        SemKind::Variable,
        SemKind::EnumMember,
        SemKind::Event,
        SemKind::Function,
        SemKind::Keyword,
        SemKind::Type,
        SemKind::String,
        SemKind::Number,
        SemKind::Comment,
    ];

    pub fn index(self) -> u32 {
        SemKind::ALL.iter().position(|k| *k == self).unwrap_or(0) as u32
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemToken {
    pub range: Range<usize>,
    pub kind: SemKind,
    /// A definition (the `declaration` modifier).
    pub declaration: bool,
}

fn def_kind(k: DefKind) -> SemKind {
    match k {
        DefKind::Schema => SemKind::Namespace,
        DefKind::Table => SemKind::Class,
        DefKind::View => SemKind::Struct,
        DefKind::Column => SemKind::Property,
        DefKind::Trigger => SemKind::Event,
        DefKind::Index | DefKind::ForeignKey | DefKind::Check | DefKind::PrimaryKey => {
            SemKind::EnumMember
        }
        DefKind::Env | DefKind::Variable | DefKind::Local | DefKind::Sequence => SemKind::Variable,
        DefKind::Enum | DefKind::Domain => SemKind::Type,
        DefKind::Function => SemKind::Function,
        DefKind::Extension => SemKind::Namespace,
    }
}

pub fn semantic_tokens(a: &Analysis, file: FileId) -> Vec<SemToken> {
    semantic_tokens_in(a, file, None)
}

/// The tokens of the chunks that overlap `range` (all of them without one).
pub fn semantic_tokens_in(
    a: &Analysis,
    file: FileId,
    range: Option<Range<usize>>,
) -> Vec<SemToken> {
    let Some(f) = a.file(file) else {
        return Vec::new();
    };
    let mut out: Vec<SemToken> = Vec::new();
    for c in &f.chunks {
        if let Some(r) = &range {
            if c.base + c.data.len < r.start || c.base > r.end {
                continue;
            }
        }
        let src = &f.text[c.range()];
        // Names from definitions and references win over the lexical guess.
        let mut named: HashMap<usize, (usize, SemKind, bool)> = HashMap::new();
        for d in &c.data.defs {
            if d.kind != DefKind::PrimaryKey && d.kind != DefKind::Check {
                named.insert(
                    d.name_range.start,
                    (d.name_range.end, def_kind(d.kind), true),
                );
            }
        }
        for r in &c.data.refs {
            // A guess that names nothing (a CTE, a function argument) is not colored.
            if r.soft && !matches!(a.resolve(r), Resolution::Found { .. }) {
                continue;
            }
            let kind = match &r.spec {
                RefSpec::Schema(_) => SemKind::Namespace,
                RefSpec::Type { .. } => SemKind::Type,
                RefSpec::Column { .. } | RefSpec::AnyColumn { .. } => SemKind::Property,
                RefSpec::Table { .. } => match a.resolve(r) {
                    Resolution::Found { defs, .. }
                        if defs
                            .first()
                            .and_then(|l| a.def(*l))
                            .is_some_and(|d| d.kind == DefKind::View) =>
                    {
                        SemKind::Struct
                    }
                    _ => SemKind::Class,
                },
            };
            named.insert(r.range.start, (r.range.end, kind, false));
        }
        let mut push = |range: Range<usize>, kind: SemKind, declaration: bool| {
            out.push(SemToken {
                range: c.base + range.start..c.base + range.end,
                kind,
                declaration,
            })
        };
        match f.kind {
            FileKind::Sql => {
                for t in tokenize(src) {
                    let inner = if t.kind == Kind::QuotedIdent {
                        t.range.start + 1..t.range.end.saturating_sub(1).max(t.range.start + 1)
                    } else {
                        t.range.clone()
                    };
                    if let Some((end, kind, decl)) = named.get(&inner.start) {
                        push(inner.start..*end, *kind, *decl);
                        continue;
                    }
                    match t.kind {
                        Kind::Str => push(t.range, SemKind::String, false),
                        Kind::Number => push(t.range, SemKind::Number, false),
                        Kind::Word if is_sql_keyword(t.text(src)) => {
                            push(t.range, SemKind::Keyword, false)
                        }
                        _ => {}
                    }
                }
            }
            FileKind::Hcl | FileKind::Config => {
                let vocab = f.dialect.rules().vocab;
                let tree = syntax::parse(src);
                let mut roles: HashMap<usize, SemKind> = HashMap::new();
                let mut stack: Vec<&Node> = tree.nodes.iter().collect();
                while let Some(n) = stack.pop() {
                    match n {
                        Node::Block(b) => {
                            roles.insert(b.ident.start, SemKind::Keyword);
                            stack.extend(b.body.iter());
                        }
                        Node::Attr(at) => {
                            roles.insert(at.key.start, SemKind::Property);
                            let is_type = at.name == "type";
                            let toks = &tree.toks[at.value_toks.clone()];
                            for (i, t) in toks.iter().enumerate() {
                                if t.kind != TokKind::Ident {
                                    continue;
                                }
                                let w = t.text(src);
                                // `enum.status`, `function.f`: a block kind of the
                                // dialect's vocabulary starting a reference.
                                let root = toks.get(i + 1).is_some_and(|n| n.kind == TokKind::Dot)
                                    && vocab.top(w).is_some();
                                let role = match w {
                                    "true" | "false" | "null" => SemKind::Keyword,
                                    "table" | "column" | "schema" | "view" | "var" | "local" => {
                                        SemKind::Keyword
                                    }
                                    _ if root => SemKind::Keyword,
                                    "sql" => SemKind::Function,
                                    _ if is_type => SemKind::Type,
                                    _ if w.chars().all(|c| c.is_ascii_uppercase() || c == '_') => {
                                        SemKind::EnumMember
                                    }
                                    _ => continue,
                                };
                                roles.entry(t.range.start).or_insert(role);
                            }
                        }
                    }
                }
                for t in &tree.toks {
                    if let Some((end, kind, decl)) = named.get(&t.range.start) {
                        push(t.range.start..*end, *kind, *decl);
                        continue;
                    }
                    if t.kind == TokKind::Str {
                        // A quoted label: its name inside the quotes (not SQL in a string).
                        if let Some((end, kind, decl @ true)) = named.get(&(t.range.start + 1)) {
                            push(t.range.start + 1..*end, *kind, *decl);
                            continue;
                        }
                    }
                    let kind = match t.kind {
                        TokKind::Comment => SemKind::Comment,
                        TokKind::Str | TokKind::Heredoc => SemKind::String,
                        TokKind::Number => SemKind::Number,
                        TokKind::Ident => match roles.get(&t.range.start) {
                            Some(k) => *k,
                            None => continue,
                        },
                        _ => continue,
                    };
                    push(t.range.clone(), kind, false);
                }
            }
        }
    }
    out.sort_by_key(|t| t.range.start);
    out.dedup_by(|b, a| b.range.start < a.range.end);
    out
}

fn is_sql_keyword(w: &str) -> bool {
    const KW: &[&str] = &[
        "CREATE",
        "TABLE",
        "INDEX",
        "UNIQUE",
        "VIEW",
        "TRIGGER",
        "ON",
        "AS",
        "PRIMARY",
        "KEY",
        "FOREIGN",
        "REFERENCES",
        "NOT",
        "NULL",
        "DEFAULT",
        "CHECK",
        "CONSTRAINT",
        "IF",
        "EXISTS",
        "WITHOUT",
        "ROWID",
        "STRICT",
        "AUTOINCREMENT",
        "COLLATE",
        "SELECT",
        "FROM",
        "WHERE",
        "JOIN",
        "BEGIN",
        "END",
        "INSERT",
        "UPDATE",
        "DELETE",
        "BEFORE",
        "AFTER",
        "INSTEAD",
        "OF",
        "FOR",
        "EACH",
        "ROW",
        "CASCADE",
        "SET",
        "RESTRICT",
        "NO",
        "ACTION",
        "ALTER",
        "ADD",
        "COLUMN",
        "GENERATED",
        "ALWAYS",
        "STORED",
        "VIRTUAL",
        "DEFERRABLE",
        "INITIALLY",
        "DEFERRED",
        "IMMEDIATE",
        "AND",
        "OR",
        "IN",
        "IS",
        "LIKE",
        "ASC",
        "DESC",
        "WITH",
        "VALUES",
        "INTO",
        "TEMP",
        "TEMPORARY",
        "WHEN",
        "THEN",
        "ELSE",
        "CASE",
        "DROP",
    ];
    KW.iter().any(|k| k.eq_ignore_ascii_case(w))
}
