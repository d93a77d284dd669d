//! What people see: colored on a terminal, plain when piped.

use crate::args::ColorChoice;
use anstream::{eprintln, println};
use anstyle::{AnsiColor, Style};
use strata_core::diag::{Diagnostic, Error, Files};
use strata_core::lint::Finding;
use strata_core::plan::Plan;
use strata_core::Severity;

pub const DIM: Style = Style::new().dimmed();
pub const BOLD: Style = Style::new().bold();
pub const RED: Style = AnsiColor::Red.on_default();
pub const GREEN: Style = AnsiColor::Green.on_default();
pub const YELLOW: Style = AnsiColor::Yellow.on_default();
pub const CYAN: Style = AnsiColor::Cyan.on_default();

pub fn init_color(choice: ColorChoice) {
    let c = match choice {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    c.write_global();
}

/// A CLI failure: usage errors exit 2, everything else 1.
#[derive(Debug)]
pub struct CliError {
    pub usage: bool,
    pub message: String,
    pub diagnostics: Vec<Diagnostic>,
    pub files: Files,
}

impl CliError {
    pub fn usage(msg: impl Into<String>) -> CliError {
        CliError {
            usage: true,
            message: msg.into(),
            diagnostics: Vec::new(),
            files: Files::default(),
        }
    }

    pub fn failure(msg: impl Into<String>) -> CliError {
        CliError {
            usage: false,
            message: msg.into(),
            diagnostics: Vec::new(),
            files: Files::default(),
        }
    }

    pub fn exit_code(&self) -> u8 {
        if self.usage {
            2
        } else {
            1
        }
    }

    pub fn with_files(mut self, files: &Files) -> CliError {
        self.files = files.clone();
        self
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> CliError {
        match e {
            Error::Diagnostics(d) => {
                let n = d.iter().filter(|d| d.is_error()).count();
                CliError {
                    usage: false,
                    message: format!("{n} error(s) in the schema; nothing was changed"),
                    diagnostics: d,
                    files: Files::default(),
                }
            }
            Error::Usage(m) => CliError::usage(m),
            Error::Database(m) | Error::Io(m) => CliError::failure(m),
        }
    }
}

pub fn print_error(e: &CliError) {
    print_diagnostics(&e.diagnostics, &e.files);
    eprintln!("{RED}{BOLD}error{BOLD:#}{RED:#}: {}", e.message);
}

static JSON_REPORTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A command printed its own JSON document for a failure (a refused plan with
/// its findings): the generic error object is not printed after it, so stdout
/// stays one JSON document.
pub fn json_failure_reported() {
    JSON_REPORTED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// The error as one JSON object on stdout, for `--format json` callers that
/// read only stdout (the text still goes to stderr).
pub fn print_error_json(e: &CliError) {
    if JSON_REPORTED.load(std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let diagnostics: Vec<serde_json::Value> = e
        .diagnostics
        .iter()
        .map(|d| {
            serde_json::json!({
                "severity": format!("{:?}", d.severity).to_lowercase(),
                "code": d.code,
                "message": d.message,
                "at": d.span.as_ref().map(|s| e.files.location(s)),
                "help": d.help,
            })
        })
        .collect();
    let v = serde_json::json!({
        "error": {
            "message": e.message,
            "exit_code": e.exit_code(),
            "diagnostics": diagnostics,
        }
    });
    println!("{v}");
}

/// Prints diagnostics as `file:line:col: level: message` with the source line.
pub fn print_diagnostics(diags: &[Diagnostic], files: &Files) {
    let mut files = files.clone();
    for d in diags {
        // Files not loaded by this run (e.g. from a dev database error) are read now.
        if let Some(span) = &d.span {
            if files.get(&span.file).is_none() {
                if let Ok(text) = std::fs::read_to_string(&*span.file) {
                    files.add(strata_core::SourceFile::new(span.file.clone(), text));
                }
            }
        }
        let text = files.render(d);
        let style = match d.severity {
            Severity::Error => RED,
            Severity::Warning => YELLOW,
            Severity::Info => CYAN,
        };
        let mut lines = text.lines();
        if let Some(first) = lines.next() {
            eprintln!("{style}{first}{style:#}");
        }
        for l in lines {
            eprintln!("{l}");
        }
    }
}

/// The plan for review: each statement under its comment, destructive ones in
/// red, then lint findings and a summary.
pub fn print_plan(plan: &Plan, findings: &[Finding]) {
    for s in &plan.pre {
        println!("{DIM}{s};{DIM:#}");
    }
    for step in &plan.steps {
        let style = if step.destructive || step.sql.starts_with("DROP") {
            RED
        } else if step.sql.starts_with("CREATE") {
            GREEN
        } else {
            YELLOW
        };
        println!("{DIM}-- {}{DIM:#}", step.comment);
        println!("{style}{};{style:#}", step.sql);
    }
    for s in &plan.post {
        println!("{DIM}{s};{DIM:#}");
    }
    print_findings(findings);
    println!();
    println!("{BOLD}Plan:{BOLD:#} {}.", plan.summary());
}

pub fn print_findings(findings: &[Finding]) {
    if findings.is_empty() {
        return;
    }
    println!();
    println!("{BOLD}Lint:{BOLD:#}");
    let mut locator = crate::report::Locator::default();
    crate::report::print_text(&crate::report::items(findings, &mut locator));
}

/// Says once per run what serves an Atlas `docker://` dev URL (no Docker runs:
/// local binaries do), so the substitution is never silent.
pub fn announce_dev(dev: Option<&str>) {
    static SAID: std::sync::Once = std::sync::Once::new();
    if let Some(text) = dev.and_then(strata_core::docker::notice) {
        SAID.call_once(|| eprintln!("{DIM}{text}{DIM:#}"));
    }
}
