//! Lint findings rendered for their readers: `text` for people, `json` for
//! machines, SARIF 2.1.0 for code-scanning uploads, and `github` (workflow
//! command annotations plus a Markdown summary for the pull request). The
//! findings themselves come from core; this module only resolves their
//! source positions to `file:line:col` and prints.

use crate::output::{BOLD, CYAN, DIM, RED, YELLOW};
use anstream::println;
use clap::ValueEnum;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use strata_core::lint::{Code, Finding};
use strata_core::span::LineIndex;
use strata_core::Severity;

/// `--format` of the commands that report findings.
#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq, Default)]
pub enum ReportFormat {
    /// For people.
    #[default]
    Text,
    /// One JSON document.
    Json,
    /// SARIF 2.1.0, for code-scanning uploads.
    Sarif,
    /// GitHub Actions annotations and a Markdown summary.
    Github,
}

/// A 1-based position in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// A finding with its position resolved.
pub struct Item<'a> {
    pub finding: &'a Finding,
    pub location: Option<Location>,
    /// The unit it belongs to (a migration file name), when there are several.
    pub group: Option<String>,
}

/// Reads each file once to turn byte spans into lines and columns.
#[derive(Default)]
pub struct Locator {
    files: HashMap<String, Option<(String, LineIndex)>>,
}

impl Locator {
    pub fn locate(&mut self, f: &Finding) -> Option<Location> {
        let span = f.span.as_ref()?;
        let entry = self.files.entry(span.file.to_string()).or_insert_with(|| {
            let text = std::fs::read_to_string(&*span.file).ok()?;
            let index = LineIndex::new(&text);
            Some((text, index))
        });
        let (text, index) = entry.as_ref()?;
        let start = index.line_col(text, span.start);
        let end = index.line_col(text, span.end.max(span.start));
        Some(Location {
            file: relative(&span.file),
            line: start.line,
            column: start.col,
            end_line: end.line,
            end_column: end.col,
        })
    }
}

/// A path relative to the working directory when it is under it (what code
/// scanning and annotations expect), else as given.
fn relative(path: &str) -> String {
    let p = std::path::Path::new(path);
    if let Ok(cwd) = std::env::current_dir() {
        if let Ok(rel) = p.strip_prefix(&cwd) {
            return rel.to_string_lossy().into_owned();
        }
    }
    path.strip_prefix("./").unwrap_or(path).to_string()
}

/// The JSON form of one finding: core's fields plus the resolved position.
pub fn finding_json(item: &Item) -> Value {
    let f = item.finding;
    let mut v = serde_json::to_value(f).unwrap();
    v["analyzer"] = json!(f.code.analyzer());
    if let Some(l) = &item.location {
        v["location"] = json!({"file": l.file, "line": l.line, "column": l.column});
    }
    if let Some(g) = &item.group {
        v["file"] = json!(g);
    }
    v
}

pub fn json(items: &[Item]) -> Value {
    Value::Array(items.iter().map(finding_json).collect())
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF 2.1.0: one run of the `strata` tool, a rule per code that appears,
/// a result per finding. Fixes and statements travel in `properties` (SARIF's
/// own `fixes` need byte-exact replacements, which a plan does not have).
/// `fallback` locates findings without a position of their own (a dropped
/// table is in no desired file): code scanning needs a location for each.
pub fn sarif(items: &[Item], fallback: Option<&str>) -> Value {
    let mut rules: BTreeMap<Code, usize> = BTreeMap::new();
    for i in items {
        let n = rules.len();
        rules.entry(i.finding.code).or_insert(n);
    }
    let mut ordered: Vec<(Code, usize)> = rules.iter().map(|(c, i)| (*c, *i)).collect();
    ordered.sort_by_key(|(_, i)| *i);
    let rule_objects: Vec<Value> = ordered
        .iter()
        .map(|(c, _)| {
            json!({
                "id": c.as_str(),
                "name": c.analyzer(),
                "shortDescription": {"text": c.summary()},
                "properties": {"analyzer": c.analyzer()},
            })
        })
        .collect();
    let results: Vec<Value> = items
        .iter()
        .map(|i| {
            let f = i.finding;
            let mut r = json!({
                "ruleId": f.code.as_str(),
                "ruleIndex": rules[&f.code],
                "level": sarif_level(f.severity),
                "message": {"text": f.message},
            });
            let loc = i.location.clone().or_else(|| {
                fallback.map(|file| Location {
                    file: relative(file),
                    line: 1,
                    column: 1,
                    end_line: 1,
                    end_column: 1,
                })
            });
            if let Some(l) = loc {
                r["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&l.file)},
                        "region": {
                            "startLine": l.line,
                            "startColumn": l.column,
                            "endLine": l.end_line.max(l.line),
                            "endColumn": if l.end_line > l.line { l.end_column } else { l.end_column.max(l.column) },
                        }
                    }
                }]);
            }
            let mut props = serde_json::Map::new();
            if let Some(s) = &f.statement {
                props.insert("statement".into(), json!(s));
            }
            if let Some(fix) = &f.fix {
                props.insert("fix".into(), serde_json::to_value(fix).unwrap());
            }
            if !props.is_empty() {
                r["properties"] = Value::Object(props);
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "strata",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_objects,
            }},
            "results": results,
        }]
    })
}

/// A relative path as a URI reference (spaces and `%` escaped).
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// GitHub's workflow-command escaping: data escapes `%`, CR and LF;
/// properties also `:` and `,`.
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn gh_prop(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `::error file=…,line=…,col=…,title=CODE::message` per finding.
pub fn github_annotations(items: &[Item]) -> String {
    let mut out = String::new();
    for i in items {
        let f = i.finding;
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(l) = &i.location {
            props.push(format!("file={}", gh_prop(&l.file)));
            props.push(format!("line={}", l.line));
            props.push(format!("col={}", l.column));
        }
        props.push(format!("title={}", gh_prop(&format!("strata {}", f.code))));
        let mut msg = f.message.clone();
        if let Some(fix) = &f.fix {
            msg.push_str(&format!("\nfix: {}", fix.description));
        }
        out.push_str(&format!("::{cmd} {}::{}\n", props.join(","), gh_data(&msg)));
    }
    out
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown summary for the job page or a pull-request comment.
pub fn markdown(title: &str, items: &[Item]) -> String {
    let count = |s| items.iter().filter(|i| i.finding.severity == s).count();
    let mut out = format!(
        "### {title}\n\n{} error(s), {} warning(s), {} note(s)\n",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    );
    if items.is_empty() {
        out.push_str("\nNo findings.\n");
        return out;
    }
    out.push_str("\n| | code | where | finding |\n|---|---|---|---|\n");
    for i in items {
        let f = i.finding;
        let icon = match f.severity {
            Severity::Error => "🔴",
            Severity::Warning => "🟡",
            Severity::Info => "🔵",
        };
        let at = match (&i.location, &i.group) {
            (Some(l), _) => format!("`{}:{}`", l.file, l.line),
            (None, Some(g)) => format!("`{g}`"),
            _ => String::new(),
        };
        let mut text = md_cell(&f.message);
        if let Some(fix) = &f.fix {
            text.push_str(&format!("<br>**fix:** {}", md_cell(&fix.description)));
            for sql in &fix.sql {
                text.push_str(&format!("<br>`{}`", md_cell(sql)));
            }
        }
        out.push_str(&format!("| {icon} | {} | {at} | {text} |\n", f.code));
    }
    out
}

/// Prints the annotations, and the Markdown summary to the job summary file
/// when GitHub provides one (`$GITHUB_STEP_SUMMARY`), else after them.
pub fn print_github(title: &str, items: &[Item]) {
    print!("{}", github_annotations(items));
    let md = markdown(title, items);
    match std::env::var_os("GITHUB_STEP_SUMMARY") {
        Some(path) if !path.is_empty() => {
            use std::io::Write;
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(md.as_bytes()));
            if written.is_err() {
                print!("{md}");
            }
        }
        _ => print!("{md}"),
    }
}

/// The text form: `file:line:col: severity CODE: message`, fix indented.
pub fn print_text(items: &[Item]) {
    for i in items {
        let f = i.finding;
        let (style, word) = match f.severity {
            Severity::Error => (RED, "error"),
            Severity::Warning => (YELLOW, "warning"),
            Severity::Info => (CYAN, "info"),
        };
        let at = i
            .location
            .as_ref()
            .map(|l| format!("{}:{}:{}: ", l.file, l.line, l.column))
            .unwrap_or_default();
        println!("  {at}{style}{word} {}{style:#}: {}", f.code, f.message);
        if let Some(fix) = &f.fix {
            println!("    {DIM}fix: {}{DIM:#}", fix.description);
            for sql in &fix.sql {
                println!("    {DIM}  {sql};{DIM:#}");
            }
        }
    }
}

/// Prints `items` in `format` (text prints a heading first).
pub fn print(format: ReportFormat, title: &str, items: &[Item], fallback: Option<&str>) {
    match format {
        ReportFormat::Text => {
            println!("{BOLD}{title}{BOLD:#}");
            if items.is_empty() {
                println!("  no findings");
            }
            print_text(items);
        }
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "findings": json(items) })).unwrap()
        ),
        ReportFormat::Sarif => println!(
            "{}",
            serde_json::to_string_pretty(&sarif(items, fallback)).unwrap()
        ),
        ReportFormat::Github => print_github(title, items),
    }
}

/// Resolves the positions of `findings`.
pub fn items<'a>(findings: &'a [Finding], locator: &mut Locator) -> Vec<Item<'a>> {
    findings
        .iter()
        .map(|f| Item {
            finding: f,
            location: locator.locate(f),
            group: None,
        })
        .collect()
}
