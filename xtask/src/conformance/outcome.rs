//! A case's result: pass, fail (with every failure's class) or skip, and
//! the line the report prints for it.

use serde::Serialize;
use std::collections::BTreeMap;

use super::case::Case;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Pass,
    Fail,
    Skip,
}

#[derive(Serialize)]
pub(crate) struct CaseResult {
    pub(crate) id: String,
    pub(crate) portable: bool,
    pub(crate) expect: String,
    pub(crate) status: Status,
    /// The first failure's class; every failure is in `failures`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) class: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) reason: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) failures: Vec<Failure>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) notes: Vec<String>,
    /// Rows in each table of A before the plan ran.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) seeded_rows: BTreeMap<String, i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) plan: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) expected_up: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct Failure {
    pub(crate) class: &'static str,
    pub(crate) reason: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) details: Vec<String>,
}

impl CaseResult {
    pub(crate) fn new(case: &Case) -> CaseResult {
        CaseResult {
            id: case.id.clone(),
            portable: case.portable,
            expect: case.expect.clone(),
            status: Status::Pass,
            class: None,
            reason: String::new(),
            failures: Vec::new(),
            notes: Vec::new(),
            seeded_rows: BTreeMap::new(),
            plan: None,
            expected_up: case.expected_up.clone(),
        }
    }

    pub(crate) fn skip(mut self, reason: impl Into<String>) -> CaseResult {
        self.status = Status::Skip;
        self.reason = reason.into();
        self
    }

    pub(crate) fn fail(
        &mut self,
        class: &'static str,
        reason: impl Into<String>,
        details: Vec<String>,
    ) {
        let reason = one_line(&reason.into());
        if self.failures.is_empty() {
            self.status = Status::Fail;
            self.class = Some(class.to_string());
            self.reason = reason.clone();
        }
        self.failures.push(Failure {
            class,
            reason,
            details,
        });
    }

    pub(crate) fn short_id(&self) -> &str {
        self.id.rsplit('/').next().unwrap_or(&self.id)
    }
}

pub(crate) fn one_line(s: &str) -> String {
    let mut out = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.chars().count() > 220 {
        out = out.chars().take(217).collect::<String>() + "...";
    }
    out
}

/// The report line of one case (`--verbose`: also passes, skips and details).
pub(crate) fn report(r: &CaseResult, verbose: bool) {
    match r.status {
        Status::Pass => {
            if verbose {
                println!("PASS {}", r.short_id());
            }
        }
        Status::Skip => {
            if verbose {
                println!("SKIP {}: {}", r.short_id(), r.reason);
            }
        }
        Status::Fail => {
            let also: Vec<&str> = r.failures.iter().skip(1).map(|f| f.class).collect();
            let also = if also.is_empty() {
                String::new()
            } else {
                format!(" (also: {})", also.join(", "))
            };
            println!(
                "FAIL {} [{}] {}{}",
                r.short_id(),
                r.class.as_deref().unwrap_or("?"),
                r.reason,
                also
            );
            if verbose {
                for f in &r.failures {
                    if r.failures.len() > 1 {
                        println!("    [{}] {}", f.class, f.reason);
                    }
                    for d in &f.details {
                        for line in d.lines() {
                            println!("      {line}");
                        }
                    }
                }
                if let Some(plan) = &r.plan {
                    if !plan.trim().is_empty() {
                        println!("    plan:");
                        for line in plan.lines().filter(|l| !l.starts_with("-- ")) {
                            println!("      {line}");
                        }
                    }
                }
                for n in &r.notes {
                    println!("    note: {n}");
                }
            }
        }
    }
}
