//! The live plan seen from the editor: its summary per table for code lenses.
//! Pure: the plan itself is computed by core's pipeline in the server layer
//! (`server/plan.rs`), exactly as `strata schema apply` computes it.

use super::{Analysis, DefKind, FileId};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use strata_core::diff::{Change, TableChange};
use strata_core::lint::Finding;
use strata_core::plan::Plan;

/// `a/./b/../c` → `a/c`, without touching the file system.
pub fn normalize_path(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A plan boiled down for code lenses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanView {
    /// Per table or view, by lower-cased (schema, name): a one-line summary.
    pub objects: HashMap<(String, String), String>,
    /// The whole plan in one line.
    pub total: String,
    pub in_sync: bool,
    /// Objects the plan drops (they are in no file, so no lens sits above them).
    pub drops: Vec<String>,
}

fn key(schema: &str, name: &str) -> (String, String) {
    (schema.to_lowercase(), name.to_lowercase())
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else if one.ends_with('x') {
        format!("{n} {one}es")
    } else {
        format!("{n} {one}s")
    }
}

/// Summarizes `plan`: `+2 columns · ~1 index · drops column bio` per table.
pub fn view(plan: &Plan, findings: &[Finding]) -> PlanView {
    let mut v = PlanView {
        in_sync: plan.is_empty(),
        ..PlanView::default()
    };
    v.total = if plan.is_empty() {
        "schema in sync: nothing to apply".into()
    } else {
        let warnings = findings
            .iter()
            .filter(|f| f.severity == strata_core::Severity::Warning)
            .count();
        let mut s = format!("plan: {}", plan.summary());
        if warnings > 0 {
            s.push_str(&format!(" · ⚠ {}", plural(warnings, "warning")));
        }
        s
    };
    let mut renamed: HashMap<(String, String), String> = HashMap::new();
    for c in &plan.changes {
        match c {
            Change::AddTable { schema, table } => {
                let mut s = format!("new table · {}", plural(table.columns.len(), "column"));
                if !table.indexes.is_empty() {
                    s.push_str(&format!(" · {}", plural(table.indexes.len(), "index")));
                }
                v.objects.insert(key(schema, &table.name), s);
            }
            Change::DropTable { table, .. } => v.drops.push(format!("drops table {}", table.name)),
            Change::RenameTable { schema, from, to } => {
                renamed.insert(key(schema, to), format!("renamed from {from}"));
            }
            Change::ModifyTable {
                schema,
                to,
                changes,
                ..
            } => {
                v.objects
                    .insert(key(schema, &to.name), table_changes(changes));
            }
            Change::AddView { schema, view } => {
                v.objects.insert(key(schema, &view.name), "new view".into());
            }
            Change::DropView { view, .. } => v.drops.push(format!("drops view {}", view.name)),
            Change::ModifyView { schema, to, .. } => {
                v.objects
                    .insert(key(schema, &to.name), "query changes".into());
            }
            Change::AddTrigger { schema, trigger }
            | Change::ModifyTrigger {
                schema,
                to: trigger,
                ..
            } => {
                let k = key(schema, &trigger.table);
                let verb = if matches!(c, Change::AddTrigger { .. }) {
                    "+"
                } else {
                    "~"
                };
                let e = v.objects.entry(k).or_default();
                if !e.is_empty() {
                    e.push_str(" · ");
                }
                e.push_str(&format!("{verb}trigger {}", trigger.name));
            }
            Change::DropTrigger { trigger, .. } => {
                v.drops.push(format!("drops trigger {}", trigger.name))
            }
            // Schema-level objects (schemas, enums, extensions…) have no table to sit on.
            _ => {}
        }
    }
    for (k, r) in renamed {
        let e = v.objects.entry(k).or_default();
        if e.is_empty() || e == "no changes" {
            *e = r;
        } else {
            *e = format!("{r} · {e}");
        }
    }
    v
}

fn table_changes(changes: &[TableChange]) -> String {
    let mut counts: Vec<(&str, &str, usize)> = Vec::new();
    let mut bump = |sign: &'static str, what: &'static str| match counts
        .iter_mut()
        .find(|c| c.0 == sign && c.1 == what)
    {
        Some(c) => c.2 += 1,
        None => counts.push((sign, what, 1)),
    };
    let mut named = Vec::new();
    for tc in changes {
        // Core may grow new kinds of change; they count as settings.
        #[allow(unreachable_patterns)]
        match tc {
            TableChange::AddColumn { .. } => bump("+", "column"),
            TableChange::ModifyColumn { .. } => bump("~", "column"),
            TableChange::AddIndex { .. } => bump("+", "index"),
            TableChange::ModifyIndex { .. } => bump("~", "index"),
            TableChange::AddForeignKey { .. } => bump("+", "foreign key"),
            TableChange::ModifyForeignKey { .. } => bump("~", "foreign key"),
            TableChange::AddCheck { .. } => bump("+", "check"),
            TableChange::ModifyCheck { .. } => bump("~", "check"),
            TableChange::ModifyPrimaryKey { .. } => bump("~", "primary key"),
            TableChange::ModifyAttr { .. } => bump("~", "option"),
            TableChange::ModifyComment { .. } => bump("~", "comment"),
            TableChange::DropColumn { column } => {
                named.push(format!("drops column {}", column.name))
            }
            TableChange::DropIndex { index } => named.push(format!("drops index {}", index.name)),
            TableChange::DropForeignKey { fk } => named.push(format!(
                "drops foreign key {}",
                fk.name.clone().unwrap_or_else(|| fk.columns.join(","))
            )),
            TableChange::DropCheck { check } => named.push(format!(
                "drops check {}",
                check.name.clone().unwrap_or_default()
            )),
            TableChange::RenameColumn { from, to } => {
                named.push(format!("renames column {from} → {to}"))
            }
            _ => bump("~", "setting"),
        }
    }
    let mut parts: Vec<String> = counts
        .into_iter()
        .map(|(sign, what, n)| format!("{sign}{}", plural(n, what)))
        .collect();
    parts.extend(named);
    if parts.is_empty() {
        "no changes".into()
    } else {
        parts.join(" · ")
    }
}

/// A code lens: a title above a definition (or the top of the file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lens {
    pub offset: usize,
    pub title: String,
}

/// Lenses for `file`: one above each table and view, one at the top.
pub fn lenses(a: &Analysis, file: FileId, view: &PlanView) -> Vec<Lens> {
    let Some(f) = a.file(file) else {
        return Vec::new();
    };
    let mut out = vec![Lens {
        offset: 0,
        title: {
            let mut t = view.total.clone();
            for d in &view.drops {
                t.push_str(" · ");
                t.push_str(d);
            }
            t
        },
    }];
    for (_, d, base) in f.defs() {
        if !matches!(d.kind, DefKind::Table | DefKind::View) {
            continue;
        }
        let title = view
            .objects
            .get(&key(&d.schema, &d.name))
            .cloned()
            .unwrap_or_else(|| "in sync".into());
        out.push(Lens {
            offset: base + d.full_range.start,
            title,
        });
    }
    out
}
