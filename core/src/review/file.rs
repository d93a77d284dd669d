//! The `.plan.hcl` file: one reviewed plan, kept in the repository next to the
//! schema so that the review is the pull request itself.
//!
//! ```hcl
//! plan "add_email" {
//!   dialect = "sqlite"
//!   created = "2026-12-07T14:15:19Z"
//!   from    = "sha256:…"   # the state the plan starts from
//!   to      = "sha256:…"   # the state it reaches (the schema files, normalized)
//!   schema  = "sha256:…"   # the schema files' text, for `plan list`/`show`
//!   status  = "pending"    # or "approved", with an `approved` block
//!   simulated = "sha256:…" # the hash of the SQL the simulation ran
//!   sql     = <<-SQL
//!     …
//!   SQL
//!   finding "DS103" { severity = "warning"  message = "…" }
//!   approved { by = "Ada <ada@example.com>"  at = "…"  sql = "sha256:…" }
//! }
//! ```
//!
//! Files are written as text through the project's HCL quoting and formatter;
//! approval edits the parsed file with hcl-edit, so whatever a reviewer wrote
//! (comments, an edited `sql`) stays byte for byte.

use super::fingerprint::text_hash;
use crate::diag::{Diagnostic, Error, Result};
use crate::dialect::Dialect;
use crate::hcl::write::string;
use crate::span::{SourceFile, Span};
use ::hcl::eval::Evaluate as _;
use hcl_edit::expr::Expression as EditExpr;
use hcl_edit::structure::{Attribute, Block, Body};
use hcl_edit::Span as _;
use std::fmt::Write as _;

/// Whether a plan may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Written, not yet approved: `schema apply` refuses it.
    Pending,
    /// Approved: `schema apply` runs it verbatim for its transition.
    Approved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
        }
    }
}

/// One lint finding as the plan file records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedFinding {
    pub code: String,
    pub severity: String,
    pub message: String,
}

/// Who approved the plan, when, and the SQL they approved (its hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    pub by: String,
    pub at: String,
    pub sql_hash: String,
}

/// A plan file's contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanFile {
    pub name: String,
    pub dialect: Dialect,
    /// When it was written (UTC, RFC 3339).
    pub created: String,
    /// The fingerprint of the state the plan starts from.
    pub from: String,
    /// The fingerprint of the state the plan reaches.
    pub to: String,
    /// The hash of the schema files it was made from.
    pub schema: String,
    pub status: Status,
    /// The statements, as reviewed (edits included).
    pub sql: String,
    /// The hash of the SQL that was simulated: approval refuses SQL that
    /// changed since.
    pub simulated: String,
    pub findings: Vec<RecordedFinding>,
    pub approval: Option<Approval>,
}

impl PlanFile {
    /// The hash approval pins: the SQL as it is now.
    pub fn sql_hash(&self) -> String {
        text_hash(&[("sql", &self.sql)])
    }

    /// Whether the SQL is the one the simulation ran.
    pub fn edited_since_simulation(&self) -> bool {
        self.simulated != self.sql_hash()
    }

    /// Whether the SQL is the one that was approved.
    pub fn edited_since_approval(&self) -> bool {
        self.approval
            .as_ref()
            .is_some_and(|a| a.sql_hash != self.sql_hash())
    }

    /// The file's text.
    pub fn to_hcl(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# A reviewed plan for `strata schema apply`. It runs verbatim, and only, when the\n\
             # database is in the `from` state and the schema files describe the `to` state.\n\
             # To change the SQL, plan again with `--edit`: edits are simulated on a dev\n\
             # database before they are written. Approve: `strata schema plan approve <file>`.\n",
        );
        let _ = writeln!(out, "plan {} {{", string(&self.name));
        for (k, v) in [
            ("dialect", self.dialect.name()),
            ("created", &self.created),
            ("from", &self.from),
            ("to", &self.to),
            ("schema", &self.schema),
            ("status", self.status.as_str()),
            ("simulated", &self.simulated),
        ] {
            let _ = writeln!(out, "{k} = {}", string(v));
        }
        let _ = writeln!(out, "sql = {}", sql_literal(&self.sql));
        for f in &self.findings {
            let _ = writeln!(
                out,
                "finding {} {{\nseverity = {}\nmessage = {}\n}}",
                string(&f.code),
                string(&f.severity),
                string(&f.message)
            );
        }
        if let Some(a) = &self.approval {
            let _ = writeln!(
                out,
                "approved {{\nby = {}\nat = {}\nsql = {}\n}}",
                string(&a.by),
                string(&a.at),
                string(&a.sql_hash)
            );
        }
        out.push_str("}\n");
        let file = SourceFile::new("plan.hcl", out.clone());
        crate::hcl::fmt::format(&file).unwrap_or(out)
    }

    /// Reads a plan file; errors point at the line and column.
    pub fn parse(file: &SourceFile) -> Result<PlanFile> {
        let err = |msg: String, range: Option<std::ops::Range<usize>>| {
            Error::Diagnostics(vec![Diagnostic::error(
                "plan-file",
                msg,
                Some(Span::new(&file.name, range.unwrap_or(0..0))),
            )])
        };
        let body = hcl_edit::parser::parse_body(&file.text).map_err(|e| {
            let at = e.location().offset().min(file.text.len());
            err(
                format!("not a plan file: {}", e.message()),
                Some(at..(at + 1).min(file.text.len())),
            )
        })?;
        let mut blocks = body.get_blocks("plan");
        let block = blocks.next().ok_or_else(|| {
            err(
                "not a plan file: no `plan \"name\" { … }` block".into(),
                None,
            )
        })?;
        let name = block
            .labels
            .first()
            .map(|l| l.as_str().to_string())
            .ok_or_else(|| {
                err(
                    "the plan block needs a name label".into(),
                    block.ident.span(),
                )
            })?;
        let b = &block.body;
        let text = |key: &str| -> Result<String> {
            let attr = b.get_attribute(key).ok_or_else(|| {
                err(
                    format!("plan \"{name}\" has no `{key}`"),
                    block.ident.span(),
                )
            })?;
            literal(attr).map_err(|m| err(m, attr.value.span()))
        };
        let dialect_name = text("dialect")?;
        let dialect = Dialect::all()
            .into_iter()
            .find(|d| d.name() == dialect_name)
            .ok_or_else(|| {
                err(
                    format!("unknown dialect \"{dialect_name}\""),
                    b.get_attribute("dialect").and_then(|a| a.value.span()),
                )
            })?;
        let status = match text("status")?.as_str() {
            "pending" => Status::Pending,
            "approved" => Status::Approved,
            other => {
                return Err(err(
                    format!("unknown status \"{other}\": a plan is \"pending\" or \"approved\""),
                    b.get_attribute("status").and_then(|a| a.value.span()),
                ))
            }
        };
        let mut findings = Vec::new();
        for f in b.get_blocks("finding") {
            let field = |key: &str| -> Result<String> {
                match f.body.get_attribute(key) {
                    Some(a) => literal(a).map_err(|m| err(m, a.value.span())),
                    None => Ok(String::new()),
                }
            };
            findings.push(RecordedFinding {
                code: f
                    .labels
                    .first()
                    .map(|l| l.as_str().to_string())
                    .unwrap_or_default(),
                severity: field("severity")?,
                message: field("message")?,
            });
        }
        let approval = match b.get_blocks("approved").next() {
            None => None,
            Some(a) => {
                let field = |key: &str| -> Result<String> {
                    let attr = a.body.get_attribute(key).ok_or_else(|| {
                        err(format!("the approved block has no `{key}`"), a.ident.span())
                    })?;
                    literal(attr).map_err(|m| err(m, attr.value.span()))
                };
                Some(Approval {
                    by: field("by")?,
                    at: field("at")?,
                    sql_hash: field("sql")?,
                })
            }
        };
        if status == Status::Approved && approval.is_none() {
            return Err(err(
                "status is \"approved\" but there is no `approved { by, at, sql }` block: approve with `strata schema plan approve`".into(),
                b.get_attribute("status").and_then(|a| a.value.span()),
            ));
        }
        Ok(PlanFile {
            name: name.clone(),
            dialect,
            created: text("created")?,
            from: text("from")?,
            to: text("to")?,
            schema: text("schema")?,
            status,
            sql: text("sql")?,
            simulated: text("simulated")?,
            findings,
            approval,
        })
    }

    /// `file`'s text with the plan marked approved by `by` at `at`: the rest of
    /// the file (comments, the SQL as edited) is kept as it is.
    pub fn approve_text(file: &SourceFile, by: &str, at: &str) -> Result<String> {
        let plan = PlanFile::parse(file)?;
        if plan.edited_since_simulation() {
            return Err(Error::Usage(format!(
                "{}: the SQL changed after it was simulated, so nobody knows it reaches the desired state: plan again with `strata schema plan --edit` (which simulates the edit); nothing was approved",
                file.name
            )));
        }
        let mut body: Body = hcl_edit::parser::parse_body(&file.text)
            .map_err(|e| Error::Usage(e.message().to_string()))?;
        let Some(block) = body.get_blocks_mut("plan").next() else {
            return Err(Error::Usage("no plan block".into()));
        };
        block.body.remove_blocks("approved");
        if let Some(mut status) = block.body.get_attribute_mut("status") {
            *status.value_mut() = EditExpr::from("approved");
        }
        let approved = Block::builder(hcl_edit::Ident::new("approved"))
            .attribute(Attribute::new(hcl_edit::Ident::new("by"), by))
            .attribute(Attribute::new(hcl_edit::Ident::new("at"), at))
            .attribute(Attribute::new(
                hcl_edit::Ident::new("sql"),
                plan.sql_hash().as_str(),
            ))
            .build();
        block.body.push(approved);
        let text = body.to_string();
        let out = SourceFile::new(file.name.clone(), text.clone());
        Ok(crate::hcl::fmt::format(&out).unwrap_or(text))
    }
}

/// A literal string attribute's value (a quoted string or a heredoc without
/// interpolations).
fn literal(attr: &Attribute) -> std::result::Result<String, String> {
    let value = ::hcl::Expression::from(attr.value.clone())
        .evaluate(&::hcl::eval::Context::new())
        .map_err(|e| format!("`{}` must be a plain string: {e}", attr.key.as_str()))?;
    match value {
        ::hcl::Value::String(s) => Ok(s),
        other => Err(format!(
            "`{}` must be a string, not {other}",
            attr.key.as_str()
        )),
    }
}

/// The SQL as a `<<-SQL` heredoc, so that reviewers read (and edit) it as
/// SQL; a plain string when a heredoc could not carry it exactly. The result
/// is read back before it is used, so the file always holds the SQL byte for
/// byte.
fn sql_literal(sql: &str) -> String {
    let heredoc = heredoc(sql);
    let check = format!("sql = {heredoc}\n");
    let roundtrips = hcl_edit::parser::parse_body(&check).ok().is_some_and(|b| {
        b.get_attribute("sql")
            .is_some_and(|a| literal(a).ok().as_deref() == Some(sql))
    });
    if roundtrips {
        heredoc
    } else {
        string(sql)
    }
}

fn heredoc(sql: &str) -> String {
    // A delimiter no line of the SQL is.
    let mut delim = "SQL".to_string();
    while sql.lines().any(|l| l.trim() == delim) {
        delim.push('_');
    }
    let mut out = format!("<<-{delim}\n");
    for line in sql.lines() {
        let escaped = line.replace("${", "$${").replace("%{", "%%{");
        if !escaped.is_empty() {
            out.push_str("    ");
        }
        out.push_str(&escaped);
        out.push('\n');
    }
    out.push_str("  ");
    out.push_str(&delim);
    out
}

/// Now, in UTC: `2026-12-07T14:15:19Z` and the file-name form `20261207141519`.
pub fn utc_now() -> (String, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil(days);
    let (hh, mm, ss) = (rem / 3600, rem % 3600 / 60, rem % 60);
    (
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z"),
        format!("{y:04}{m:02}{d:02}{hh:02}{mm:02}{ss:02}"),
    )
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(sql: &str) -> PlanFile {
        PlanFile {
            name: "add \"email\"".into(),
            dialect: Dialect::Sqlite,
            created: "2026-12-07T14:15:19Z".into(),
            from: "sha256:aa".into(),
            to: "sha256:bb".into(),
            schema: "sha256:cc".into(),
            status: Status::Pending,
            sql: sql.into(),
            simulated: text_hash(&[("sql", sql)]),
            findings: vec![RecordedFinding {
                code: "DS103".into(),
                severity: "warning".into(),
                message: "drops column \"x\" of \"t\"".into(),
            }],
            approval: None,
        }
    }

    #[test]
    fn a_plan_file_reads_back_as_written_whatever_the_sql_holds() {
        for sql in [
            "-- add column \"email\"\nALTER TABLE \"users\" ADD COLUMN \"email\" text;\n",
            "UPDATE t SET a = '${not_hcl}' || '%{x}';\n  indented\n\nSQL\n",
            "one line without newline",
            "",
            "tab\tand \\ backslash \"quote\"\n",
        ] {
            let p = sample(sql);
            let text = p.to_hcl();
            let back = PlanFile::parse(&SourceFile::new("p.plan.hcl", text.clone()))
                .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
            assert_eq!(back, p, "{text}");
        }
    }

    #[test]
    fn approval_keeps_the_reviewed_text_and_pins_the_sql() {
        let p = sample("UPDATE \"users\" SET \"email\" = '';\n");
        let text = p
            .to_hcl()
            .replace("status", "# reviewed by the team\n  status");
        let file = SourceFile::new("p.plan.hcl", text);
        let approved = PlanFile::approve_text(&file, "Ada <ada@example.com>", "now").unwrap();
        assert!(approved.contains("# reviewed by the team"), "{approved}");
        let back = PlanFile::parse(&SourceFile::new("p.plan.hcl", approved)).unwrap();
        assert_eq!(back.status, Status::Approved);
        assert_eq!(back.sql, p.sql);
        let a = back.approval.clone().unwrap();
        assert_eq!(a.by, "Ada <ada@example.com>");
        assert!(!back.edited_since_approval());
        let mut edited = back.clone();
        edited.sql.push_str("DROP TABLE \"users\";\n");
        assert!(edited.edited_since_approval());
    }

    #[test]
    fn sql_changed_after_the_simulation_cannot_be_approved() {
        let text = sample("UPDATE \"users\" SET \"email\" = '';\n")
            .to_hcl()
            .replace("SET", "SET \"name\" = 'x',");
        let file = SourceFile::new("p.plan.hcl", text);
        let Err(Error::Usage(m)) = PlanFile::approve_text(&file, "Ada", "now") else {
            panic!("approved SQL nobody simulated")
        };
        assert!(m.contains("changed after it was simulated"), "{m}");
    }

    #[test]
    fn a_broken_plan_file_is_an_error_with_a_position() {
        let text = sample("SELECT 1;")
            .to_hcl()
            .replace("\"pending\"", "\"done\"");
        let Err(Error::Diagnostics(d)) = PlanFile::parse(&SourceFile::new("p.plan.hcl", text))
        else {
            panic!("accepted")
        };
        assert!(d[0].message.contains("unknown status \"done\""));
        assert!(d[0].span.as_ref().is_some_and(|s| s.start > 0));
    }

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(20_794), (2026, 12, 7));
        assert_eq!(civil(11_016), (2000, 2, 29));
    }
}
