//! The plan: ordered statements that take a database from its current state to
//! the desired one. Every front end (CLI apply, CLI diff, the language server's
//! preview) goes through [`plan`] and prints with [`Plan::to_sql`], so what a
//! user previews is byte for byte what runs.

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

/// The one planner: diff `from` against `to` and turn the changes into statements.
pub fn plan(from: &Realm, to: &Realm, dialect: Dialect, opts: &DiffOptions) -> Plan {
    let changes = diff(from, to, dialect, opts);
    let mut p = plan_changes(changes, from, to, dialect);
    if dialect == Dialect::Postgres {
        concurrently(&mut p, &opts.concurrent_index);
    }
    p
}

/// `CREATE INDEX CONCURRENTLY` / `DROP INDEX CONCURRENTLY` for indexes of tables
/// that already exist (new tables are empty, nothing to wait for). Such
/// statements cannot run in a transaction; the driver runs them after it.
fn concurrently(plan: &mut Plan, policy: &crate::project::ConcurrentIndex) {
    for step in &mut plan.steps {
        // PostgreSQL refuses CONCURRENTLY on a partitioned table's indexes.
        let existing_leaf = matches!(&plan.changes[step.change],
            Change::ModifyTable { to, .. } if !to.attrs.0.contains_key("partition"));
        if !existing_leaf {
            continue;
        }
        let rewritten = if policy.create && step.sql.starts_with("CREATE INDEX ") {
            Some(
                step.sql
                    .replacen("CREATE INDEX ", "CREATE INDEX CONCURRENTLY ", 1),
            )
        } else if policy.create && step.sql.starts_with("CREATE UNIQUE INDEX ") {
            Some(step.sql.replacen(
                "CREATE UNIQUE INDEX ",
                "CREATE UNIQUE INDEX CONCURRENTLY ",
                1,
            ))
        } else if policy.drop && step.sql.starts_with("DROP INDEX ") {
            Some(
                step.sql
                    .replacen("DROP INDEX ", "DROP INDEX CONCURRENTLY ", 1),
            )
        } else {
            None
        };
        if let Some(sql) = rewritten {
            step.sql = sql;
            step.transactional = false;
            step.comment
                .push_str(" (concurrently, outside the transaction)");
        }
    }
}

pub fn plan_changes(changes: Vec<Change>, from: &Realm, to: &Realm, dialect: Dialect) -> Plan {
    let mut plan = Plan {
        dialect,
        changes,
        steps: Vec::new(),
        pre: Vec::new(),
        post: Vec::new(),
        transactional: true,
    };
    match dialect {
        Dialect::Sqlite => crate::sqlite::plan::plan(&mut plan, from, to),
        Dialect::Postgres => crate::postgres::plan::plan(&mut plan, from, to),
        // MySQL plugs in here when its planner lands.
        Dialect::Mysql => {}
    }
    plan
}

/// `CREATE TABLE` for `t` in `dialect` (hover, previews); `None` where no
/// planner speaks the dialect yet.
pub fn render_table(dialect: Dialect, schema: &str, t: &crate::model::Table) -> Option<String> {
    match dialect {
        Dialect::Sqlite => Some(crate::sqlite::plan::create_table(t, &t.name)),
        Dialect::Postgres => Some(crate::postgres::plan::create_table(schema, t)),
        Dialect::Mysql => None,
    }
}

/// `CREATE INDEX` for `i` on `table` in `dialect`.
pub fn render_index(
    dialect: Dialect,
    schema: &str,
    table: &str,
    i: &crate::model::Index,
) -> Option<String> {
    match dialect {
        Dialect::Sqlite => Some(crate::sqlite::plan::create_index(i, table)),
        Dialect::Postgres => Some(crate::postgres::plan::create_index(schema, table, i)),
        Dialect::Mysql => None,
    }
}

/// The plan that creates `realm` in a fresh database of `dialect` (where
/// PostgreSQL's `public` schema already exists).
pub fn create_plan(realm: &Realm, dialect: Dialect) -> Plan {
    let mut start = Realm::default();
    if dialect == Dialect::Postgres {
        if let Some(public) = realm.schema("public") {
            start.schemas.push(crate::model::Schema {
                name: public.name.clone(),
                comment: public.comment.clone(),
                ..Default::default()
            });
        }
    }
    plan(&start, realm, dialect, &DiffOptions::default())
}

/// Every statement that creates `realm`, in dependency order: what
/// `schema inspect --format sql` prints.
pub fn create_all(realm: &Realm, dialect: Dialect) -> Vec<String> {
    create_plan(realm, dialect)
        .steps
        .into_iter()
        .map(|s| s.sql)
        .collect()
}

impl Plan {
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
