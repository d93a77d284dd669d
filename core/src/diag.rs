//! Diagnostics: what went wrong, where, and what to do next.

use crate::span::{SourceFile, Span};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub span: Option<Span>,
    /// A hint on how to fix it, printed after the message.
    pub help: Option<String>,
    /// A stable code, e.g. `unknown-attribute`, for tooling and lint ignores.
    pub code: &'static str,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>, span: Option<Span>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            help: None,
            code,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>, span: Option<Span>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The files diagnostics point into, so that byte offsets can become `file:line:col`.
#[derive(Clone, Debug, Default)]
pub struct Files {
    files: HashMap<Arc<str>, SourceFile>,
}

impl Files {
    pub fn add(&mut self, file: SourceFile) {
        self.files.insert(file.name.clone(), file);
    }

    pub fn get(&self, name: &str) -> Option<&SourceFile> {
        self.files.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.values()
    }

    /// `file:line:col` for a span, or just the file name when it is not loaded.
    pub fn location(&self, span: &Span) -> String {
        match self.files.get(&span.file) {
            Some(f) => format!("{}:{}", span.file, f.line_col(span.start)),
            None => span.file.to_string(),
        }
    }

    /// Renders a diagnostic the way compilers do: `file:line:col: error: message`,
    /// then the source line with a caret, then the help.
    pub fn render(&self, d: &Diagnostic) -> String {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let mut out = String::new();
        match &d.span {
            Some(span) => {
                out.push_str(&format!(
                    "{}: {level}: {}\n",
                    self.location(span),
                    d.message
                ));
                if let Some(f) = self.files.get(&span.file) {
                    let lc = f.line_col(span.start);
                    let start = f.lines().line_start(lc.line - 1);
                    let line_text = f.text[start..].lines().next().unwrap_or("");
                    out.push_str(&format!("  {:>4} | {}\n", lc.line, line_text));
                    out.push_str(&format!("       | {}^\n", " ".repeat(lc.col - 1)));
                }
            }
            None => out.push_str(&format!("{level}: {}\n", d.message)),
        }
        if let Some(help) = &d.help {
            out.push_str(&format!("  help: {help}\n"));
        }
        out
    }
}

/// The core's error type: either diagnostics on the user's files or a failure
/// talking to a database or the file system.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{} error(s) in the schema", .0.iter().filter(|d| d.is_error()).count())]
    Diagnostics(Vec<Diagnostic>),
    #[error("{0}")]
    Database(String),
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Usage(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn db(msg: impl fmt::Display) -> Error {
        Error::Database(msg.to_string())
    }
}
