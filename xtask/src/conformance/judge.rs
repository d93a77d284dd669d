//! Judging, the same for every dialect: workers take cases in turn, each
//! case is loaded, seeded, planned, applied, compared, checked for lost rows
//! and re-planned (see the steps in [`super`]). A panic is one failed case,
//! not a crashed run.

use super::data::{lost_data, Renames};
use super::outcome::{one_line, report, CaseResult, Status};
use super::{ApplyFailed, Case, Compared, Dialect, Options, Seeding, Worker};
use anyhow::Result;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use strata_core::diff::DiffOptions;
use strata_core::project::SkipPolicy;
use strata_core::workspace::Desired;
use strata_core::Error as CoreError;

thread_local! {
    static PANIC_MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Every case, on up to `--jobs` workers; results in the cases' order.
pub(crate) fn run(
    dialect: &dyn Dialect,
    cases: &[Case],
    opts: &Options,
) -> Result<Vec<CaseResult>> {
    let jobs = opts.jobs.clamp(1, 8).min(cases.len().max(1));
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<CaseResult>>> =
        Mutex::new((0..cases.len()).map(|_| None).collect());
    let print = Mutex::new(());
    let previous = panic::take_hook();
    panic::set_hook(Box::new(record_panic));
    let outcome: Vec<Result<()>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs)
            .map(|n| {
                let (next, slots, print) = (&next, &slots, &print);
                s.spawn(move || -> Result<()> {
                    let mut w = dialect.worker(n)?;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(case) = cases.get(i) else { break };
                        let r = run_isolated(dialect, w.as_mut(), case);
                        {
                            let _guard = print.lock().unwrap_or_else(|p| p.into_inner());
                            report(&r, opts.verbose);
                        }
                        slots.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a worker panicked")))
            })
            .collect()
    });
    panic::set_hook(previous);
    for o in outcome {
        o?;
    }
    let slots = slots.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok(slots
        .into_iter()
        .zip(cases)
        .map(|(r, c)| {
            r.unwrap_or_else(|| CaseResult::new(c).skip("not run (a worker stopped early)"))
        })
        .collect())
}

/// The panic hook while cases run: the message is kept for the case's FAIL
/// line instead of a backtrace in the middle of the report.
fn record_panic(info: &panic::PanicHookInfo) {
    let payload = info.payload();
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-string payload".into());
    let at = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    PANIC_MESSAGE.with(|m| *m.borrow_mut() = Some(format!("{msg}{at}")));
}

fn run_isolated(dialect: &dyn Dialect, w: &mut dyn Worker, case: &Case) -> CaseResult {
    match panic::catch_unwind(AssertUnwindSafe(|| run_case(dialect, w, case))) {
        Ok(r) => r,
        Err(_) => {
            let msg = PANIC_MESSAGE
                .with(|m| m.borrow_mut().take())
                .unwrap_or_else(|| "panicked".into());
            w.recover();
            let mut r = CaseResult::new(case);
            r.fail("panic", msg, Vec::new());
            r
        }
    }
}

/// Loads and judges a case. When the apply fails on the seeded rows and the
/// dialect re-seeds, the case is judged again with plainer rows, then with
/// NULL wherever allowed, then with no rows: if the plan applies only on
/// empty tables, the desired state is unreachable with data in the way (or
/// the plan should have made room for it), a `data-conflict`.
fn run_case(dialect: &dyn Dialect, w: &mut dyn Worker, case: &Case) -> CaseResult {
    let r = CaseResult::new(case);
    if let Some(why) = w.begin(case) {
        return r.skip(why);
    }
    let load_notes = match w.load(case) {
        Ok(notes) => notes,
        Err(why) => return r.skip(why),
    };
    let with_notes = |mut r: CaseResult| {
        let mut notes = load_notes.clone();
        notes.append(&mut r.notes);
        r.notes = notes;
        r
    };
    let seeded = judge(w, case, Some(Seeding::Plausible));
    if seeded.class.as_deref() != Some("apply-error") || !dialect.reseeds() {
        return with_notes(seeded);
    }
    let rungs = [
        (
            Seeding::Plain,
            "seeded again with plain values after the first apply failed",
        ),
        (
            Seeding::Sparse,
            "seeded again with NULL in every nullable column after the first applies failed",
        ),
    ];
    for (how, note) in rungs {
        if let Err(why) = w.load(case) {
            return with_notes(seeded).skip(format!("reloading: {why}"));
        }
        let mut again = judge(w, case, Some(how));
        if again.class.as_deref() != Some("apply-error") {
            again.notes.insert(0, format!("{note} ({})", seeded.reason));
            return with_notes(again);
        }
    }
    if let Err(why) = w.load(case) {
        return with_notes(seeded).skip(format!("reloading without rows: {why}"));
    }
    let empty = judge(w, case, None);
    with_notes(data_conflict(seeded, empty))
}

/// The verdict once the plan failed with rows and was tried on empty tables:
/// still failing there, the seeded result stands; otherwise the seeded
/// failure becomes a `data-conflict` ahead of whatever else the empty run found.
fn data_conflict(seeded: CaseResult, mut empty: CaseResult) -> CaseResult {
    if empty
        .failures
        .iter()
        .any(|f| f.class == "apply-error" || f.class == "plan-error")
    {
        return seeded;
    }
    let first = &seeded.failures[0];
    let reason = format!("{} (the plan applies on empty tables)", first.reason);
    let details = first.details.clone();
    let rest = std::mem::take(&mut empty.failures);
    empty.status = Status::Pass;
    empty.class = None;
    empty.reason.clear();
    empty.fail("data-conflict", reason, details);
    for f in rest {
        empty.fail(f.class, f.reason, f.details);
    }
    empty.seeded_rows = seeded.seeded_rows;
    empty.notes.insert(
        0,
        "judged again without seeded rows after the seeded apply failed".into(),
    );
    empty
}

/// One judgement of a loaded case: `seeding` rows (or none) into A, plan,
/// apply, compare A with B, look for lost rows, and re-plan.
fn judge(w: &mut dyn Worker, case: &Case, seeding: Option<Seeding>) -> CaseResult {
    let mut r = CaseResult::new(case);
    let (desired, notes) = w.desired(case);
    r.notes.extend(notes);
    let opts = diff_options(case.enable_drop());
    if case.expects_error() {
        return refused(w, r, &desired, &opts);
    }
    if case.ends_at_current() {
        r.notes.push(
            "enable_drop: false and the expected plan only skips drops: A must end as current"
                .into(),
        );
    }
    // 2. Seed A.
    if let Some(how) = seeding {
        r.notes.extend(w.seed(case, how));
    }
    let before = match w.snapshot() {
        Ok(s) => s,
        Err(e) => return r.skip(format!("cannot read rows in A: {e}")),
    };
    r.seeded_rows = before.iter().map(|(t, d)| (t.clone(), d.rows)).collect();
    // 3. Plan and apply.
    let planned = match w.plan(&desired, &opts) {
        Ok(p) => p,
        Err(e) => {
            r.fail("plan-error", e, Vec::new());
            return r;
        }
    };
    let plan_sql = planned.plan.to_sql();
    r.plan = Some(plan_sql.clone());
    match w.apply(&planned.plan) {
        Ok(()) => {}
        Err(ApplyFailed::Unreachable(e)) => return r.skip(format!("cannot connect to A: {e}")),
        Err(ApplyFailed::Statement { message, sql }) => {
            r.fail(
                "apply-error",
                format!("{message} — in: {}", one_line(&sql)),
                vec![format!("failing statement:\n{sql}")],
            );
            return r;
        }
    }
    // 4. Compare canonical dumps.
    if let Some(skip) = compare(w, &mut r) {
        return r.skip(skip);
    }
    // 5. Seeded rows (and their values) must survive; nothing may be left to plan.
    rows_survive(w, case, &before, &mut r);
    if case.expects_empty_plan() && !planned.plan.is_empty() {
        r.fail(
            "not-idempotent",
            format!(
                "expected no changes, but strata planned: {}",
                one_line(&statements_of(&plan_sql))
            ),
            vec![format!("first plan:\n{plan_sql}")],
        );
    }
    replan(w, &desired, &opts, &mut r);
    r
}

/// A case that expects strata to refuse: planning must fail.
fn refused(
    w: &mut dyn Worker,
    mut r: CaseResult,
    desired: &Desired,
    opts: &DiffOptions,
) -> CaseResult {
    match w.plan(desired, opts) {
        Err(_) => r,
        Ok(p) => {
            let empty = p.plan.is_empty();
            r.plan = Some(p.plan.to_sql());
            r.fail(
                "accepted-invalid",
                if empty {
                    "the case expects strata to refuse, but it planned nothing"
                } else {
                    "the case expects strata to refuse, but it planned changes"
                },
                Vec::new(),
            );
            r
        }
    }
}

/// A against B; `Some(reason)` when the case must be skipped instead.
fn compare(w: &mut dyn Worker, r: &mut CaseResult) -> Option<String> {
    match w.compare() {
        Compared::Same => {}
        Compared::SameBut(note) => r.notes.push(note.into()),
        Compared::Differ { got, want } => {
            let (reason, details) = dump_diff(&got, &want);
            r.fail("state-mismatch", reason, details);
        }
        Compared::Broken(e) => r.fail("dump-error", e, Vec::new()),
        Compared::NoReference(e) => {
            return Some(format!("cannot dump the reference database: {e}"))
        }
    }
    None
}

/// Seeded rows and their values must survive in every table and column that
/// is still there (following the case's `@renamed` annotations).
fn rows_survive(w: &mut dyn Worker, case: &Case, before: &super::data::Rows, r: &mut CaseResult) {
    match w.snapshot() {
        Ok(after) => {
            let renames = Renames::of(case.desired.as_deref().unwrap_or(""));
            let lost = lost_data(before, &after, &renames, |a, b| w.survives(a, b));
            if !lost.is_empty() {
                let details = if lost.len() > 1 {
                    lost.clone()
                } else {
                    Vec::new()
                };
                r.fail("data-loss", lost.join("; "), details);
            }
        }
        Err(e) => r.fail(
            "dump-error",
            format!("cannot read rows in A: {e}"),
            Vec::new(),
        ),
    }
}

/// Planning again after the apply must find nothing left to do.
fn replan(w: &mut dyn Worker, desired: &Desired, opts: &DiffOptions, r: &mut CaseResult) {
    match w.plan(desired, opts) {
        Ok(again) if again.plan.is_empty() => {}
        Ok(again) => {
            let sql = again.plan.to_sql();
            r.fail(
                "not-idempotent",
                format!("re-plan is not empty: {}", one_line(&statements_of(&sql))),
                vec![format!("leftover plan:\n{sql}")],
            );
        }
        Err(e) => r.fail("plan-error", format!("re-plan failed: {e}"), Vec::new()),
    }
}

/// `enable_drop: false`: every kind of drop is skipped.
pub(crate) fn diff_options(enable_drop: bool) -> DiffOptions {
    let mut opts = DiffOptions::default();
    if !enable_drop {
        opts.skip = SkipPolicy {
            drop_schema: true,
            drop_table: true,
            drop_column: true,
            drop_index: true,
            drop_foreign_key: true,
            drop_view: true,
            drop_trigger: true,
            drop_func: true,
            drop_proc: true,
            drop_object: true,
            drop_policy: true,
            ..SkipPolicy::default()
        };
    }
    opts
}

pub(crate) fn core_error(e: &CoreError, desired: &Desired) -> String {
    match e {
        CoreError::Diagnostics(ds) => ds
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                let at = d
                    .span
                    .as_ref()
                    .map(|s| {
                        let snippet = desired
                            .files
                            .get(&s.file)
                            .and_then(|f| f.text.get(s.start..s.end))
                            .unwrap_or("");
                        format!(" [{}]", one_line(snippet))
                    })
                    .unwrap_or_default();
                format!("{}{at}", d.message)
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// The statements of a plan script without the `-- comment` lines.
fn statements_of(sql: &str) -> String {
    sql.lines()
        .filter(|l| !l.starts_with("-- "))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A compact diff of two dumps: the first difference as the reason, every
/// differing line as details.
fn dump_diff(got: &[String], want: &[String]) -> (String, Vec<String>) {
    let got_set: BTreeSet<&String> = got.iter().collect();
    let want_set: BTreeSet<&String> = want.iter().collect();
    let missing: Vec<&String> = want.iter().filter(|l| !got_set.contains(l)).collect();
    let extra: Vec<&String> = got.iter().filter(|l| !want_set.contains(l)).collect();
    let reason = match (missing.first(), extra.first()) {
        (Some(w), Some(g)) => format!("want `{w}`, got `{g}`"),
        (Some(w), None) => format!("missing `{w}`"),
        (None, Some(g)) => format!("unexpected `{g}`"),
        (None, None) => "same facts in a different order".to_string(),
    };
    let mut details = Vec::new();
    let mut text = String::from("dump diff (- desired state B, + database A after apply):");
    for l in &missing {
        text.push_str(&format!("\n- {l}"));
    }
    for l in &extra {
        text.push_str(&format!("\n+ {l}"));
    }
    details.push(text);
    (reason, details)
}

#[cfg(test)]
mod tests {
    //! The shared judging against a scripted dialect: a "database" whose
    //! plan adds a column, and whose apply fails for the seedings a test
    //! names.
    use super::*;
    use crate::conformance::data::{Rows, TableData};
    use crate::conformance::Planned;
    use std::collections::BTreeMap;
    use strata_core::model::Realm;
    use strata_core::plan::{Plan, Step};

    struct Scripted {
        reseeds: bool,
    }

    impl Dialect for Scripted {
        fn worker(&self, _n: usize) -> Result<Box<dyn Worker + '_>> {
            unreachable!("the tests drive one worker directly")
        }
        fn reseeds(&self) -> bool {
            self.reseeds
        }
    }

    #[derive(Default)]
    struct Db {
        /// The apply fails when A was seeded this way (`None`: not seeded).
        fails_when: Vec<Option<Seeding>>,
        /// The apply empties the table.
        loses_rows: bool,
        /// The apply leaves something for the next plan.
        incomplete: bool,
        applied: bool,
        rows: i64,
        seeded: Option<Seeding>,
        /// Every load and seeding, in order.
        log: Vec<String>,
    }

    impl Worker for Db {
        fn begin(&mut self, _case: &Case) -> Option<String> {
            None
        }
        fn load(&mut self, _case: &Case) -> std::result::Result<Vec<String>, String> {
            (self.applied, self.rows, self.seeded) = (false, 0, None);
            self.log.push("load".into());
            Ok(vec!["loaded".into()])
        }
        fn desired(&self, _case: &Case) -> (Desired, Vec<String>) {
            let d = Desired::read(Vec::new(), strata_core::dialect::Dialect::Sqlite);
            (d, Vec::new())
        }
        fn seed(&mut self, _case: &Case, how: Seeding) -> Vec<String> {
            (self.rows, self.seeded) = (1, Some(how));
            self.log.push(format!("seed {how:?}"));
            Vec::new()
        }
        fn snapshot(&mut self) -> std::result::Result<Rows, String> {
            let values = vec![Some("1".to_string()); self.rows as usize];
            let data = TableData {
                rows: self.rows,
                columns: BTreeMap::from([("a".to_string(), values)]),
            };
            Ok(BTreeMap::from([("t".to_string(), data)]))
        }
        fn plan(
            &mut self,
            _desired: &Desired,
            _opts: &DiffOptions,
        ) -> std::result::Result<Planned, String> {
            let mut plan = Plan::empty(strata_core::dialect::Dialect::Sqlite);
            if !self.applied {
                let sql = "ALTER TABLE t ADD b int NOT NULL".to_string();
                plan.steps
                    .push(Step::new(0, "add b".into(), sql, None, None));
            }
            let (current, desired) = (Realm::default(), Realm::default());
            Ok(Planned {
                current,
                desired,
                plan,
                findings: Vec::new(),
            })
        }
        fn apply(&mut self, plan: &Plan) -> std::result::Result<(), ApplyFailed> {
            if self.fails_when.contains(&self.seeded) {
                let sql = plan.steps[0].sql.clone();
                let message = "column b contains null values".to_string();
                return Err(ApplyFailed::Statement { message, sql });
            }
            self.applied = !self.incomplete;
            if self.loses_rows {
                self.rows = 0;
            }
            Ok(())
        }
        fn compare(&mut self) -> Compared {
            Compared::Same
        }
        fn survives(&self, before: &str, after: &str) -> bool {
            before == after
        }
    }

    fn case() -> Case {
        serde_json::from_str(
            r#"{"id": "tests.yml#AddColumn", "dialect": "scripted", "desired": "CREATE TABLE t (a int, b int NOT NULL);", "portable": true}"#,
        )
        .unwrap()
    }

    fn judged(reseeds: bool, db: &mut Db) -> CaseResult {
        run_case(&Scripted { reseeds }, db, &case())
    }

    #[test]
    fn a_plan_that_applies_and_keeps_the_rows_passes() {
        let mut db = Db::default();
        let r = judged(true, &mut db);
        assert_eq!(r.status, Status::Pass, "{:?}", r.reason);
        assert_eq!(r.seeded_rows.get("t"), Some(&1));
        assert_eq!(r.notes, ["loaded"]);
        assert_eq!(db.log, ["load", "seed Plausible"]);
    }

    #[test]
    fn plainer_rows_are_tried_before_the_plan_is_blamed() {
        let mut db = Db {
            fails_when: vec![Some(Seeding::Plausible)],
            ..Db::default()
        };
        let r = judged(true, &mut db);
        assert_eq!(r.status, Status::Pass);
        assert!(
            r.notes[1].starts_with("seeded again with plain values"),
            "{:?}",
            r.notes
        );
        assert_eq!(db.log, ["load", "seed Plausible", "load", "seed Plain"]);
    }

    #[test]
    fn a_plan_that_applies_only_on_empty_tables_is_a_data_conflict() {
        let mut db = Db {
            fails_when: vec![
                Some(Seeding::Plausible),
                Some(Seeding::Plain),
                Some(Seeding::Sparse),
            ],
            ..Db::default()
        };
        let r = judged(true, &mut db);
        assert_eq!(r.class.as_deref(), Some("data-conflict"));
        assert!(
            r.reason.ends_with("(the plan applies on empty tables)"),
            "{}",
            r.reason
        );
        assert_eq!(
            r.seeded_rows.get("t"),
            Some(&1),
            "the seeded run's rows are reported"
        );
        let loads = db.log.iter().filter(|l| *l == "load").count();
        assert_eq!(loads, 4, "{:?}", db.log);
    }

    #[test]
    fn a_plan_failing_on_empty_tables_too_keeps_its_apply_error() {
        let mut db = Db {
            fails_when: vec![
                Some(Seeding::Plausible),
                Some(Seeding::Plain),
                Some(Seeding::Sparse),
                None,
            ],
            ..Db::default()
        };
        let r = judged(true, &mut db);
        assert_eq!(r.class.as_deref(), Some("apply-error"));
        assert!(r.reason.contains("— in: ALTER TABLE t ADD b int NOT NULL"));
    }

    #[test]
    fn a_dialect_that_does_not_reseed_reports_the_first_apply_error() {
        let mut db = Db {
            fails_when: vec![Some(Seeding::Plausible)],
            ..Db::default()
        };
        let r = judged(false, &mut db);
        assert_eq!(r.class.as_deref(), Some("apply-error"));
        assert_eq!(db.log, ["load", "seed Plausible"]);
    }

    #[test]
    fn lost_rows_and_a_leftover_plan_are_both_failures() {
        let mut db = Db {
            loses_rows: true,
            incomplete: true,
            ..Db::default()
        };
        let r = judged(true, &mut db);
        let classes: Vec<&str> = r.failures.iter().map(|f| f.class).collect();
        assert_eq!(classes, ["data-loss", "not-idempotent"]);
        assert_eq!(r.reason, "t: 1 → 0 rows");
    }
}
