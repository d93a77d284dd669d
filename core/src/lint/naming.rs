//! `naming`: names of new objects checked against the project's rule
//! (`lint { naming { match = "^[a-z_]+$" } }`, with optional per-kind rules
//! such as `naming { index { match = "_idx$" } }`). Only what a plan creates or
//! renames is judged, so an old name never blocks an unrelated change; `schema
//! lint` judges every name of the desired schema ([`check_realm`]).

use super::config::Naming as NamingConfig;
use super::{Analyzer, Code, Context, Family, Finding};
use crate::diag::Severity;
use crate::diff::{Change, TableChange};
use crate::model::{Realm, Table};
use crate::span::Span;
use regex_automata::meta::Regex;

pub struct Naming;

/// Compiles a naming pattern; the error is the regex engine's message.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| e.to_string())
}

/// One name to judge.
struct Named<'a> {
    kind: &'static str,
    name: &'a str,
    span: Option<Span>,
}

fn judge(cfg: &NamingConfig, n: &Named, change: usize, out: &mut Vec<Finding>) {
    let Some(rule) = cfg.rule(n.kind) else {
        return;
    };
    let Ok(re) = compile(&rule.pattern) else {
        return; // the project loader reported it
    };
    if re.is_match(n.name) {
        return;
    }
    let why = rule
        .message
        .clone()
        .unwrap_or_else(|| format!("names must match {}", rule.pattern));
    out.push(Finding::new(
        Code::NM101,
        Severity::Warning,
        format!(
            "{} name \"{}\" breaks the naming rule: {why}",
            n.kind, n.name
        ),
        change,
        n.span.clone(),
    ));
}

fn table_names(t: &Table) -> Vec<Named<'_>> {
    let mut v = vec![Named {
        kind: "table",
        name: &t.name,
        span: t.span.clone(),
    }];
    v.extend(t.columns.iter().map(|c| Named {
        kind: "column",
        name: &c.name,
        span: c.span.clone(),
    }));
    v.extend(t.indexes.iter().map(|i| Named {
        kind: "index",
        name: &i.name,
        span: i.span.clone(),
    }));
    v.extend(t.foreign_keys.iter().filter_map(|f| {
        Some(Named {
            kind: "foreign_key",
            name: f.name.as_deref().filter(|n| !n.is_empty())?,
            span: f.span.clone(),
        })
    }));
    v.extend(t.checks.iter().filter_map(|c| {
        Some(Named {
            kind: "check",
            name: c.name.as_deref().filter(|n| !n.is_empty())?,
            span: c.span.clone(),
        })
    }));
    v
}

impl Analyzer for Naming {
    fn family(&self) -> Family {
        Family::Naming
    }

    fn analyze(&self, cx: &Context, out: &mut Vec<Finding>) {
        let cfg = &cx.config.naming;
        if cfg.is_empty() {
            return;
        }
        for (i, c) in cx.plan.changes.iter().enumerate() {
            let names: Vec<Named> = match c {
                Change::AddSchema { schema, .. } => vec![Named {
                    kind: "schema",
                    name: schema,
                    span: None,
                }],
                Change::AddTable { table, .. } => table_names(table),
                Change::RenameTable { to, .. } => vec![Named {
                    kind: "table",
                    name: to,
                    span: None,
                }],
                Change::AddView { view, .. } => vec![Named {
                    kind: "view",
                    name: &view.name,
                    span: view.span.clone(),
                }],
                Change::ModifyTable { to, changes, .. } => changes
                    .iter()
                    .filter_map(|tc| match tc {
                        TableChange::AddColumn { column } => Some(Named {
                            kind: "column",
                            name: &column.name,
                            span: column.span.clone(),
                        }),
                        TableChange::RenameColumn { to: new, .. } => Some(Named {
                            kind: "column",
                            name: new,
                            span: to.column(new).and_then(|c| c.span.clone()),
                        }),
                        TableChange::AddIndex { index } => Some(Named {
                            kind: "index",
                            name: &index.name,
                            span: index.span.clone(),
                        }),
                        TableChange::AddForeignKey { fk } => Some(Named {
                            kind: "foreign_key",
                            name: fk.name.as_deref().filter(|n| !n.is_empty())?,
                            span: fk.span.clone(),
                        }),
                        TableChange::AddCheck { check } => Some(Named {
                            kind: "check",
                            name: check.name.as_deref().filter(|n| !n.is_empty())?,
                            span: check.span.clone(),
                        }),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for n in &names {
                let before = out.len();
                judge(cfg, n, i, out);
                if out.len() > before {
                    let stmt = cx.statement(i, n.name).map(|s| s.sql.clone());
                    out.last_mut().unwrap().statement = stmt;
                }
            }
        }
    }
}

/// Every name of `realm` judged against the rule (for `schema lint`).
pub fn check_realm(cfg: &NamingConfig, realm: &Realm, out: &mut Vec<Finding>) {
    if cfg.is_empty() {
        return;
    }
    for s in &realm.schemas {
        for t in &s.tables {
            for n in table_names(t) {
                judge(cfg, &n, 0, out);
            }
        }
        for v in &s.views {
            let n = Named {
                kind: "view",
                name: &v.name,
                span: v.span.clone(),
            };
            judge(cfg, &n, 0, out);
        }
    }
}
