//! Analysis results → LSP types. Nothing here decides anything.

use super::convert::LineIndex;
use crate::analysis::completion::{Completions, ItemKind};
use crate::analysis::diagnostics::Diag;
use crate::analysis::semantic::{SemKind, SemToken};
use crate::analysis::symbols::{DocSymbol, Fold, FoldKind};
use crate::analysis::DefKind;
use strata_core::Severity;
use tower_lsp_server::ls_types::*;

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// A diagnostic; `related` locations are resolved by the caller.
pub fn diagnostic(
    d: &Diag,
    ix: &LineIndex,
    related: Vec<DiagnosticRelatedInformation>,
) -> Diagnostic {
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    Diagnostic {
        range: ix.range(&d.range),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.code.clone())),
        source: Some("strata".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        data: d.help.as_ref().map(|h| serde_json::json!({ "help": h })),
        ..Diagnostic::default()
    }
}

pub fn symbol_kind(k: DefKind) -> SymbolKind {
    match k {
        DefKind::Schema => SymbolKind::NAMESPACE,
        DefKind::Table => SymbolKind::CLASS,
        DefKind::View => SymbolKind::INTERFACE,
        DefKind::Trigger => SymbolKind::EVENT,
        DefKind::Column => SymbolKind::FIELD,
        DefKind::Index => SymbolKind::KEY,
        DefKind::ForeignKey => SymbolKind::INTERFACE,
        DefKind::PrimaryKey => SymbolKind::KEY,
        DefKind::Check => SymbolKind::BOOLEAN,
        DefKind::Env => SymbolKind::MODULE,
        DefKind::Variable | DefKind::Local => SymbolKind::VARIABLE,
        DefKind::Enum => SymbolKind::ENUM,
        DefKind::Domain => SymbolKind::TYPE_PARAMETER,
        DefKind::Sequence => SymbolKind::CONSTANT,
        DefKind::Function => SymbolKind::FUNCTION,
        DefKind::Extension => SymbolKind::PACKAGE,
    }
}

#[allow(deprecated)]
pub fn document_symbol(s: &DocSymbol, ix: &LineIndex) -> DocumentSymbol {
    let range = ix.range(&s.range);
    let mut selection = ix.range(&s.selection);
    // The selection must lie inside the range.
    if selection.start < range.start || selection.end > range.end {
        selection = range;
    }
    DocumentSymbol {
        name: if s.name.is_empty() {
            "?".into()
        } else {
            s.name.clone()
        },
        detail: s.detail.clone(),
        kind: symbol_kind(s.kind),
        tags: None,
        deprecated: None,
        range,
        selection_range: selection,
        children: (!s.children.is_empty())
            .then(|| s.children.iter().map(|c| document_symbol(c, ix)).collect()),
    }
}

pub fn folding_range(f: &Fold, ix: &LineIndex) -> Option<FoldingRange> {
    let start = ix.position(f.range.start).line;
    let mut end = ix.position(f.range.end).line;
    // Keep a closing brace visible.
    if f.kind == FoldKind::Region && ix.text[..f.range.end].ends_with('}') && end > start {
        end -= 1;
    }
    (end > start).then(|| FoldingRange {
        start_line: start,
        end_line: end,
        kind: Some(match f.kind {
            FoldKind::Region => FoldingRangeKind::Region,
            FoldKind::Comment => FoldingRangeKind::Comment,
        }),
        ..FoldingRange::default()
    })
}

fn item_kind(k: ItemKind) -> CompletionItemKind {
    match k {
        ItemKind::Keyword => CompletionItemKind::KEYWORD,
        ItemKind::Block => CompletionItemKind::MODULE,
        ItemKind::Attribute => CompletionItemKind::PROPERTY,
        ItemKind::Type => CompletionItemKind::TYPE_PARAMETER,
        ItemKind::Table => CompletionItemKind::CLASS,
        ItemKind::View => CompletionItemKind::INTERFACE,
        ItemKind::Column => CompletionItemKind::FIELD,
        ItemKind::Schema => CompletionItemKind::MODULE,
        ItemKind::Value => CompletionItemKind::ENUM_MEMBER,
        ItemKind::Env => CompletionItemKind::MODULE,
        ItemKind::Variable => CompletionItemKind::VARIABLE,
        ItemKind::File => CompletionItemKind::FILE,
    }
}

/// A snippet as plain text, for clients without snippet support:
/// `${1:name}` → `name`, `${1|a,b|}` → `a`, `$1` → ``.
pub fn strip_snippet(s: &str) -> String {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            out.push(b[i + 1] as char);
            i += 2;
        } else if b[i] == b'$' && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        } else if b[i] == b'$' && i + 1 < b.len() && b[i + 1] == b'{' {
            let close = s[i..].find('}').map_or(s.len(), |p| i + p);
            let inner = &s[i + 2..close];
            let body = inner.trim_start_matches(|c: char| c.is_ascii_digit());
            if let Some(rest) = body.strip_prefix(':') {
                out.push_str(rest);
            } else if let Some(rest) = body.strip_prefix('|') {
                out.push_str(rest.trim_end_matches('|').split(',').next().unwrap_or(""));
            }
            i = close + 1;
        } else {
            let ch = s[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

pub fn completion(c: Completions, ix: &LineIndex, snippets: bool) -> CompletionResponse {
    let range = ix.range(&c.range);
    let items = c
        .items
        .into_iter()
        .map(|i| {
            let (text, format) = if i.snippet && snippets {
                (i.insert, InsertTextFormat::SNIPPET)
            } else if i.snippet {
                (strip_snippet(&i.insert), InsertTextFormat::PLAIN_TEXT)
            } else {
                (i.insert, InsertTextFormat::PLAIN_TEXT)
            };
            let range = i.range.as_ref().map_or(range, |r| ix.range(r));
            CompletionItem {
                filter_text: Some(i.filter.clone().unwrap_or_else(|| i.label.clone())),
                label: i.label,
                kind: Some(item_kind(i.kind)),
                detail: i.detail,
                documentation: i.doc.map(|d| {
                    Documentation::MarkupContent(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value: d,
                    })
                }),
                sort_text: Some(i.sort),
                insert_text_format: Some(format),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(range, text))),
                ..CompletionItem::default()
            }
        })
        .collect();
    CompletionResponse::List(CompletionList {
        is_incomplete: c.incomplete,
        items,
    })
}

pub fn legend() -> SemanticTokensLegend {
    let ty = |k: SemKind| match k {
        SemKind::Namespace => SemanticTokenType::NAMESPACE,
        SemKind::Class => SemanticTokenType::CLASS,
        SemKind::Struct => SemanticTokenType::STRUCT,
        SemKind::Property => SemanticTokenType::PROPERTY,
        SemKind::Variable => SemanticTokenType::VARIABLE,
        SemKind::EnumMember => SemanticTokenType::ENUM_MEMBER,
        SemKind::Event => SemanticTokenType::EVENT,
        SemKind::Function => SemanticTokenType::FUNCTION,
        SemKind::Keyword => SemanticTokenType::KEYWORD,
        SemKind::Type => SemanticTokenType::TYPE,
        SemKind::String => SemanticTokenType::STRING,
        SemKind::Number => SemanticTokenType::NUMBER,
        SemKind::Comment => SemanticTokenType::COMMENT,
    };
    SemanticTokensLegend {
        token_types: SemKind::ALL.iter().map(|k| ty(*k)).collect(),
        token_modifiers: vec![SemanticTokenModifier::DECLARATION],
    }
}

/// Delta-encoded tokens; tokens spanning lines are split per line.
pub fn semantic_tokens(toks: &[SemToken], ix: &LineIndex) -> Vec<SemanticToken> {
    let mut out = Vec::with_capacity(toks.len());
    let (mut prev_line, mut prev_start) = (0u32, 0u32);
    let mut push = |line: u32, start: u32, len: u32, t: &SemToken| {
        if len == 0 {
            return;
        }
        let delta_line = line - prev_line;
        let delta_start = if delta_line == 0 {
            start - prev_start
        } else {
            start
        };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length: len,
            token_type: t.kind.index(),
            token_modifiers_bitset: u32::from(t.declaration),
        });
        prev_line = line;
        prev_start = start;
    };
    for t in toks {
        let s = ix.position(t.range.start);
        let e = ix.position(t.range.end);
        if s.line == e.line {
            push(s.line, s.character, e.character - s.character, t);
            continue;
        }
        for line in s.line..=e.line {
            let line_start = ix.line_start(line as usize);
            let next = ix.line_start(line as usize + 1);
            let start = if line == s.line { s.character } else { 0 };
            let end = if line == e.line {
                e.character
            } else {
                let mut end_off = next.min(ix.text.len());
                let bytes = ix.text.as_bytes();
                while end_off > line_start && matches!(bytes[end_off - 1], b'\n' | b'\r') {
                    end_off -= 1;
                }
                ix.position(end_off).character
            };
            if end > start {
                push(line, start, end - start, t);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_become_plain_text() {
        assert_eq!(
            strip_snippet("table \"${1:name}\" {\n\t$0\n}"),
            "table \"name\" {\n\t\n}"
        );
        assert_eq!(strip_snippet("null = ${1|true,false|}"), "null = true");
    }
}
