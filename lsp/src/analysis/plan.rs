//! The live plan: the project env's target and sources, the plan from core's
//! one planner ([`workspace::plan_for`], exactly what `strata schema apply`
//! runs), and its summary per table for code lenses. Unsaved editor buffers
//! take the place of the files on disk.

use super::{Analysis, DefKind, FileId};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use strata_core::dialect::Dialect;
use strata_core::diff::{Change, DiffOptions, TableChange};
use strata_core::driver::{self, Scope};
use strata_core::lint::Finding;
use strata_core::plan::Plan;
use strata_core::project::{Env, Project};
use strata_core::url::{self, DbKind, Url};
use strata_core::workspace::{self, Desired, Planned};
use strata_core::{Error, SourceFile};

/// An env with its URLs resolved against the project file's directory, the way
/// the CLI's `--env` resolves them.
#[derive(Clone, Debug)]
pub struct EnvInfo {
    pub name: String,
    pub project_file: String,
    pub dir: PathBuf,
    pub url: Option<String>,
    pub dev: Option<String>,
    pub src: Vec<String>,
    pub env: Env,
}

impl EnvInfo {
    pub fn new(project: &Project, name: Option<&str>) -> Option<EnvInfo> {
        let env = match name {
            Some(n) => project.env(n)?,
            None => project.envs.first()?,
        };
        let dir = Path::new(&*project.file)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let resolve = |raw: &str| resolve_url(&dir, raw);
        Some(EnvInfo {
            name: env.name.clone(),
            project_file: project.file.to_string(),
            url: env.url.as_deref().map(resolve),
            // The CLI passes `dev` as written.
            dev: env.dev.clone(),
            src: env.src.iter().map(|s| resolve(s)).collect(),
            dir,
            env: env.clone(),
        })
    }

    /// The target's dialect, from its URL scheme.
    pub fn dialect(&self) -> Option<Dialect> {
        match url::parse(self.url.as_deref()?).ok()? {
            Url::Database(db) => Some(db.dialect),
            Url::Files(_) => None,
        }
    }

    /// The schema files of `src`, in the order the CLI reads them.
    pub fn src_paths(&self) -> Result<Vec<PathBuf>, Error> {
        let paths = workspace::file_paths(&self.src)?;
        strata_core::source::expand(&paths)
    }
}

/// A relative `file://` or `sqlite://` path is relative to the project file.
pub fn resolve_url(dir: &Path, raw: &str) -> String {
    for scheme in ["file://", "sqlite://"] {
        if let Some(rest) = raw.strip_prefix(scheme) {
            let path = Path::new(rest.split('?').next().unwrap_or(rest));
            if path.is_relative() && !dir.as_os_str().is_empty() && !rest.starts_with('?') {
                return format!("{scheme}{}", dir.join(rest).display());
            }
        }
    }
    raw.to_string()
}

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

/// The env's schema files, each with the editor's text when the workspace
/// has the file, else the text on disk.
pub fn desired_files(a: &Analysis, env: &EnvInfo) -> Result<Vec<SourceFile>, Error> {
    let mut out = Vec::new();
    for p in env.src_paths()? {
        let name = p.to_string_lossy().to_string();
        let norm = normalize_path(&p).to_string_lossy().to_string();
        let text = match a
            .file_id(&name)
            .or_else(|| a.file_id(&norm))
            .and_then(|id| a.file(id))
        {
            Some(f) => f.text.to_string(),
            None => std::fs::read_to_string(&p)
                .map_err(|e| Error::Io(format!("cannot read {}: {e}", p.display())))?,
        };
        out.push(SourceFile::new(name, text));
    }
    Ok(out)
}

/// The files of the workspace that belong to the env's sources.
pub fn src_file_ids(a: &Analysis, env: &EnvInfo) -> Vec<FileId> {
    let Ok(paths) = env.src_paths() else {
        return Vec::new();
    };
    paths
        .iter()
        .filter_map(|p| {
            a.file_id(&p.to_string_lossy())
                .or_else(|| a.file_id(&normalize_path(p).to_string_lossy()))
        })
        .collect()
}

/// Runs the pipeline `strata schema apply --env NAME --dry-run` runs: read the
/// files (with the editor's text), normalize on the dev database, inspect the
/// target, plan, lint. A SQLite target file that does not exist yet counts as
/// an empty database and is not created.
pub fn compute(a: &Analysis, env: &EnvInfo) -> Result<Planned, Error> {
    let url = env
        .url
        .as_deref()
        .ok_or_else(|| Error::Usage(format!("env \"{}\" has no `url`", env.name)))?;
    let target_url = workspace::parse_db(url)?;
    let files = desired_files(a, env)?;
    let desired = Desired::read(files, target_url.dialect);
    if desired.has_errors() {
        return Err(Error::Diagnostics(desired.diagnostics.clone()));
    }
    let mut target = match &target_url.kind {
        DbKind::SqliteFile(p) if !p.exists() => {
            Box::new(strata_core::sqlite::SqliteDriver::memory()?)
        }
        _ => driver::open(&target_url, false)?,
    };
    let dev_url = env.dev.as_deref().map(workspace::parse_db).transpose()?;
    let mut dev = driver::open_dev(dev_url.as_ref(), desired.dialect)?;
    workspace::plan_for(
        target.as_mut(),
        &desired,
        dev.as_mut(),
        &scope(env),
        &diff_options(env),
    )
}

/// Applies the plan `strata schema apply --env NAME --auto-approve` would:
/// the target is opened (a missing SQLite file is created, as the CLI does),
/// re-planned, checked against `expected_sql` (what the user confirmed), then
/// applied in one transaction.
pub fn apply(
    a: &Analysis,
    env: &EnvInfo,
    expected_sql: Option<&str>,
) -> Result<serde_json::Value, Error> {
    let url = env
        .url
        .as_deref()
        .ok_or_else(|| Error::Usage(format!("env \"{}\" has no `url`", env.name)))?;
    let target_url = workspace::parse_db(url)?;
    let desired = Desired::read(desired_files(a, env)?, target_url.dialect);
    if desired.has_errors() {
        return Err(Error::Diagnostics(desired.diagnostics.clone()));
    }
    let dev_url = env.dev.as_deref().map(workspace::parse_db).transpose()?;
    let mut dev = driver::open_dev(dev_url.as_ref(), desired.dialect)?;
    let mut target = driver::open(&target_url, true)?;
    let planned = workspace::plan_for(
        target.as_mut(),
        &desired,
        dev.as_mut(),
        &scope(env),
        &diff_options(env),
    )?;
    let sql = planned.plan.to_sql();
    if let Some(expected) = expected_sql {
        if expected != sql {
            return Err(Error::Usage(
                "the plan changed since it was previewed: nothing was applied; preview it again"
                    .into(),
            ));
        }
    }
    if env.env.lint.destructive_error && planned.findings.iter().any(|f| f.is_destructive()) {
        return Err(Error::Usage(
            "the plan destroys data and the env's lint policy (destructive { error = true }) forbids it; nothing was changed".into(),
        ));
    }
    let steps = planned.plan.steps.len();
    if steps > 0 {
        target
            .apply(&planned.plan, &mut |_| {})
            .map_err(|e| Error::Database(e.to_string()))?;
    }
    Ok(serde_json::json!({
        "applied": steps,
        "sql": sql,
        "summary": planned.plan.summary(),
    }))
}

pub fn scope(env: &EnvInfo) -> Scope {
    Scope {
        schemas: env.env.schemas.clone(),
        exclude: env.env.exclude.clone(),
    }
}

pub fn diff_options(env: &EnvInfo) -> DiffOptions {
    DiffOptions {
        skip: env.env.diff.skip.clone(),
        concurrent_index: env.env.diff.concurrent_index.clone(),
    }
}

/// What `strata.previewPlan` returns.
pub fn preview_json(env: &EnvInfo, p: &Planned) -> serde_json::Value {
    serde_json::json!({
        "env": env.name,
        "url": env.url.as_deref().map(url::redact),
        "sql": p.plan.to_sql(),
        "summary": p.plan.summary(),
        "summaryText": p.plan.summary().to_string(),
        "lint": p.findings,
        "steps": p.plan.steps.len(),
        "destructive": p.plan.steps.iter().filter(|s| s.destructive).count(),
        "inSync": p.plan.is_empty(),
    })
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
