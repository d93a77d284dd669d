//! The plan: ordered statements that take a database from its current state to
//! the desired one. Every front end (CLI apply, CLI diff, the language server's
//! preview) goes through [`plan`] and prints with [`Plan::to_sql`], so what a
//! user previews is byte for byte what runs.

use crate::diag::Result;
use crate::dialect::Dialect;
use crate::diff::{diff, Change, DiffOptions, TableChange};
use crate::model::Realm;
use crate::span::Span;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub dialect: Dialect,
    pub changes: Vec<Change>,
    pub steps: Vec<Step>,
    /// Statements that must run before the transaction (SQLite: foreign keys off).
    pub pre: Vec<String>,
    /// Statements that run after it.
    pub post: Vec<String>,
    pub transactional: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// One statement, without the trailing `;`.
    pub sql: String,
    /// The statement that undoes it, where one exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverse: Option<String>,
    /// What the step does, for humans: `create table "users"`.
    pub comment: String,
    /// Index into [`Plan::changes`] of the change this step implements.
    pub change: usize,
    pub transactional: bool,
    /// The step can lose data (drops a table or column, rewrites rows).
    pub destructive: bool,
    /// The source object that asked for this step, for errors during normalization.
    #[serde(skip)]
    pub span: Option<Span>,
}

impl Step {
    /// A transactional step that loses no data: what most statements are.
    pub fn new(
        change: usize,
        comment: String,
        sql: String,
        reverse: Option<String>,
        span: Option<Span>,
    ) -> Step {
        Step {
            sql,
            reverse,
            comment,
            change,
            transactional: true,
            destructive: false,
            span,
        }
    }
}

/// Counts for a one-line summary of the plan.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub add: usize,
    pub modify: usize,
    pub drop: usize,
    pub rename: usize,
}

/// The one planner: diff `from` against `to` and turn the changes into
/// statements with the dialect's planner. A dialect without a planner is an
/// error, never an empty plan that would read as "in sync".
pub fn plan(from: &Realm, to: &Realm, dialect: Dialect, opts: &DiffOptions) -> Result<Plan> {
    let imp = dialect.imp()?;
    imp.check_plan(from, to)?;
    let changes = diff(from, to, dialect, opts);
    let mut plan = Plan::empty(dialect);
    plan.changes = changes;
    imp.plan(&mut plan, from, to, opts);
    Ok(plan)
}

/// `CREATE TABLE` for `t` in `dialect` (hover, previews); `None` where no
/// planner speaks the dialect yet.
pub fn render_table(dialect: Dialect, schema: &str, t: &crate::model::Table) -> Option<String> {
    Some(dialect.imp().ok()?.create_table(schema, t))
}

/// `CREATE INDEX` for `i` on `table` in `dialect`.
pub fn render_index(
    dialect: Dialect,
    schema: &str,
    table: &str,
    i: &crate::model::Index,
) -> Option<String> {
    Some(dialect.imp().ok()?.create_index(schema, table, i))
}

/// The plan that creates `realm` in a fresh database of `dialect` (where
/// PostgreSQL's `public` schema already exists).
pub fn create_plan(realm: &Realm, dialect: Dialect) -> Result<Plan> {
    let start = dialect.imp()?.fresh_start(realm);
    plan(&start, realm, dialect, &DiffOptions::default())
}

/// Every statement that creates `realm`, in dependency order: what
/// `schema inspect --format sql` prints.
pub fn create_all(realm: &Realm, dialect: Dialect) -> Result<Vec<String>> {
    Ok(create_plan(realm, dialect)?
        .steps
        .into_iter()
        .map(|s| s.sql)
        .collect())
}

impl Plan {
    /// A plan with no changes yet.
    pub fn empty(dialect: Dialect) -> Plan {
        Plan {
            dialect,
            changes: Vec::new(),
            steps: Vec::new(),
            pre: Vec::new(),
            post: Vec::new(),
            transactional: true,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The plan as an executable SQL script: a `--` comment line per step and
    /// every statement ended with `;`.
    pub fn to_sql(&self) -> String {
        let mut out = String::new();
        if self.steps.is_empty() {
            return out;
        }
        for s in &self.pre {
            out.push_str(&format!("{s};\n"));
        }
        for step in &self.steps {
            out.push_str(&format!("-- {}\n{};\n", step.comment, step.sql));
        }
        for s in &self.post {
            out.push_str(&format!("{s};\n"));
        }
        out
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c {
                Change::AddSchema { .. }
                | Change::AddExtension { .. }
                | Change::AddEnum { .. }
                | Change::AddDomain { .. }
                | Change::AddSequence { .. }
                | Change::AddRoutine { .. } => s.add += 1,
                Change::DropDomain { .. } | Change::DropSequence { .. } => s.drop += 1,
                Change::ModifyDomain { .. } | Change::ModifySequence { .. } => s.modify += 1,
                Change::DropSchema { .. }
                | Change::DropExtension { .. }
                | Change::DropEnum { .. }
                | Change::DropRoutine { .. } => s.drop += 1,
                Change::ModifySchemaComment { .. }
                | Change::ModifyEnum { .. }
                | Change::ModifyRoutine { .. } => s.modify += 1,
                Change::AddTable { .. } | Change::AddView { .. } | Change::AddTrigger { .. } => {
                    s.add += 1
                }
                Change::DropTable { .. } | Change::DropView { .. } | Change::DropTrigger { .. } => {
                    s.drop += 1
                }
                Change::RenameTable { .. } => s.rename += 1,
                Change::ModifyView { .. } | Change::ModifyTrigger { .. } => s.modify += 1,
                Change::ModifyTable { changes, .. } => {
                    for tc in changes {
                        match tc {
                            TableChange::AddColumn { .. }
                            | TableChange::AddIndex { .. }
                            | TableChange::AddForeignKey { .. }
                            | TableChange::AddCheck { .. } => s.add += 1,
                            TableChange::DropColumn { .. }
                            | TableChange::DropIndex { .. }
                            | TableChange::DropForeignKey { .. }
                            | TableChange::DropCheck { .. } => s.drop += 1,
                            TableChange::RenameColumn { .. } => s.rename += 1,
                            _ => s.modify += 1,
                        }
                    }
                }
            }
        }
        s
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} to add, {} to change, {} to rename, {} to drop",
            self.add, self.modify, self.rename, self.drop
        )
    }
}
