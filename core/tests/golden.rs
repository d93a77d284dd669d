//! Database-free golden tests of the planners and the linter.
//!
//! Every `golden/<dialect>/*.case` file holds a schema before, a schema after,
//! optional diff options, and the expected `Plan::to_sql()` and lint findings.
//! The test reads both schemas with the static readers (no database), runs
//! diff → plan → lint and compares. `UPDATE_GOLDEN=1 cargo test -p strata-core
//! --test golden` rewrites the expected sections; `GOLDEN_FILTER=word` runs only
//! the cases whose path contains `word`. The format is described in
//! `golden/README.md`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use strata_core::diag::{Files, Severity};
use strata_core::dialect::Dialect;
use strata_core::diff::{diff, DiffOptions};
use strata_core::model::Realm;
use strata_core::span::SourceFile;
use strata_core::{lint, plan};

const SECTIONS: [&str; 9] = [
    "before.hcl",
    "before.sql",
    "after.hcl",
    "after.sql",
    "options",
    "lint",
    "facts",
    "plan.sql",
    "findings",
];

/// One `-- name --` section of a case file.
struct Section {
    name: String,
    /// 1-based line of the `-- name --` header.
    line: usize,
    body: String,
}

/// A parsed case file: a free-text preamble (what the case shows), then sections.
struct Case {
    path: PathBuf,
    text: String,
    preamble: String,
    sections: Vec<Section>,
}

impl Case {
    fn parse(path: &Path) -> Result<Case, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let mut preamble = String::new();
        let mut sections: Vec<Section> = Vec::new();
        for (n, line) in text.split_inclusive('\n').enumerate() {
            let trimmed = line.trim_end_matches(['\n', '\r']);
            if let Some(name) = header(trimmed) {
                if !SECTIONS.contains(&name) {
                    return Err(format!(
                        "{}:{}: unknown section `{name}` (expected one of {})",
                        path.display(),
                        n + 1,
                        SECTIONS.join(", ")
                    ));
                }
                if sections.iter().any(|s| s.name == name) {
                    return Err(format!(
                        "{}:{}: section `{name}` appears twice",
                        path.display(),
                        n + 1
                    ));
                }
                sections.push(Section {
                    name: name.to_string(),
                    line: n + 1,
                    body: String::new(),
                });
            } else if let Some(s) = sections.last_mut() {
                s.body.push_str(line);
            } else {
                preamble.push_str(line);
            }
        }
        let case = Case {
            path: path.to_path_buf(),
            text,
            preamble,
            sections,
        };
        for side in ["before", "after"] {
            let n = ["hcl", "sql"]
                .iter()
                .filter(|ext| case.section(&format!("{side}.{ext}")).is_some())
                .count();
            if n != 1 {
                return Err(format!(
                    "{}:1: a case needs exactly one of `-- {side}.hcl --` and `-- {side}.sql --`",
                    path.display()
                ));
            }
        }
        Ok(case)
    }

    fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The section's body, padded with blank lines so that offsets into it
    /// land on the case file's own line numbers in diagnostics.
    fn padded(&self, s: &Section) -> String {
        format!("{}{}", "\n".repeat(s.line), s.body)
    }

    /// The case file with `plan.sql` and `findings` replaced (or appended).
    fn rewrite(&self, plan: &str, findings: &str) -> String {
        let mut out = self.preamble.clone();
        for s in &self.sections {
            if s.name == "plan.sql" || s.name == "findings" {
                continue;
            }
            let _ = writeln!(out, "-- {} --", s.name);
            out.push_str(&s.body);
        }
        let _ = writeln!(out, "-- plan.sql --");
        out.push_str(plan);
        let _ = writeln!(out, "-- findings --");
        out.push_str(findings);
        out
    }
}

fn header(line: &str) -> Option<&str> {
    let name = line.strip_prefix("-- ")?.strip_suffix(" --")?;
    (!name.is_empty() && !name.contains(' ')).then_some(name)
}

/// Reads one side of a case into a realm; diagnostics that are errors fail the case.
fn realm(case: &Case, side: &str, dialect: Dialect) -> Result<Realm, String> {
    let (section, hcl) = match case.section(&format!("{side}.hcl")) {
        Some(s) => (s, true),
        None => (case.section(&format!("{side}.sql")).unwrap(), false),
    };
    let file = SourceFile::new(
        case.path.display().to_string().as_str(),
        case.padded(section),
    );
    let (realm, diags) = if hcl {
        let read = strata_core::hcl::read::read(std::slice::from_ref(&file), dialect);
        (read.realm, read.diagnostics)
    } else {
        strata_core::sql::static_read::read(&file, dialect)
    };
    let mut files = Files::default();
    files.add(file);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error || !hcl)
        .map(|d| files.render(d))
        .collect();
    if errors.is_empty() {
        Ok(realm)
    } else {
        Err(errors.concat())
    }
}

/// The `-- options --` section is the body of a project file's `diff { ... }`
/// block (`skip { drop_table = true }`, `concurrent_index { create = true }`),
/// read by the project-file loader itself.
fn options(case: &Case) -> Result<DiffOptions, String> {
    let Some(s) = case.section("options") else {
        return Ok(DiffOptions::default());
    };
    // `diff {` on the header's own line keeps line numbers true.
    let text = format!(
        "{}env \"golden\" {{\ndiff {{\n{}}}\n}}\n",
        "\n".repeat(s.line.saturating_sub(2)),
        s.body
    );
    let file = SourceFile::new(case.path.display().to_string().as_str(), text);
    let project = strata_core::project::load(&file, &[]).map_err(|diags| {
        let mut files = Files::default();
        files.add(file.clone());
        diags.iter().map(|d| files.render(d)).collect::<String>()
    })?;
    if let Some(w) = project.warnings.first() {
        let mut files = Files::default();
        files.add(file.clone());
        return Err(files.render(w));
    }
    let env = project.env("golden").expect("the wrapper env");
    Ok(DiffOptions {
        skip: env.diff.skip.clone(),
        concurrent_index: env.diff.concurrent_index.clone(),
    })
}

/// The `-- lint --` section is the body of a project file's `lint { ... }`
/// block (`naming { match = "^[a-z_]+$" }`, `destructive { error = true }`).
fn lint_config(case: &Case) -> Result<lint::Config, String> {
    let Some(s) = case.section("lint") else {
        return Ok(lint::Config::default());
    };
    let text = format!(
        "{}env \"golden\" {{\nlint {{\n{}}}\n}}\n",
        "\n".repeat(s.line.saturating_sub(2)),
        s.body
    );
    let file = SourceFile::new(case.path.display().to_string().as_str(), text);
    let render = |diags: &[strata_core::Diagnostic]| {
        let mut files = Files::default();
        files.add(file.clone());
        diags.iter().map(|d| files.render(d)).collect::<String>()
    };
    let project = strata_core::project::load(&file, &[]).map_err(|d| render(&d))?;
    if !project.warnings.is_empty() {
        return Err(render(&project.warnings));
    }
    Ok(project.env("golden").unwrap().lint.config.clone())
}

/// The `-- facts --` section: what a database would tell the analyzers, one
/// fact a line: `server_version 110000`, `rows main.users 50000`.
fn facts(case: &Case) -> Result<lint::Facts, String> {
    let mut facts = lint::Facts::default();
    let Some(s) = case.section("facts") else {
        return Ok(facts);
    };
    for (n, line) in s.body.lines().enumerate() {
        let at = || format!("{}:{}", case.path.display(), s.line + 1 + n);
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [] => {}
            ["server_version", v] => {
                facts.server_version = Some(v.parse().map_err(|e| format!("{}: {e}", at()))?)
            }
            ["rows", table, count] => {
                let (schema, table) = table
                    .split_once('.')
                    .ok_or_else(|| format!("{}: write rows SCHEMA.TABLE COUNT", at()))?;
                let count = count.parse().map_err(|e| format!("{}: {e}", at()))?;
                facts
                    .rows
                    .insert((schema.to_string(), table.to_string()), count);
            }
            _ => {
                return Err(format!(
                    "{}: unknown fact `{line}` (server_version N, rows SCHEMA.TABLE N)",
                    at()
                ))
            }
        }
    }
    Ok(facts)
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// What one case produces: the plan's script, its findings, and the change kinds it exercised.
struct Outcome {
    plan: String,
    findings: String,
    kinds: BTreeSet<String>,
}

fn run(case: &Case, dialect: Dialect) -> Result<Outcome, String> {
    let before = realm(case, "before", dialect)?;
    let after = realm(case, "after", dialect)?;
    let opts = options(case)?;
    // The static readers must be stable: the desired schema is in sync with itself.
    let noise = diff(&after, &after, dialect, &DiffOptions::default());
    if !noise.is_empty() {
        return Err(format!(
            "{}: the after schema differs from itself: {noise:?}",
            case.path.display()
        ));
    }
    let p = plan::plan(&before, &after, dialect, &opts)
        .map_err(|e| format!("{}: {e}", case.path.display()))?;
    let config = lint_config(case)?;
    let facts = facts(case)?;
    let mut findings = String::new();
    let found = lint::run(&lint::Context {
        plan: &p,
        facts: &facts,
        config: &config,
        created: &BTreeSet::new(),
    });
    for f in found {
        let _ = writeln!(
            findings,
            "{} {} {}",
            f.code,
            severity(f.severity),
            f.message
        );
        if let Some(fix) = &f.fix {
            let _ = writeln!(findings, "  fix: {}", fix.description);
            for sql in &fix.sql {
                let _ = writeln!(findings, "    {sql}");
            }
        }
    }
    let mut kinds = BTreeSet::new();
    for c in serde_json::to_value(&p.changes)
        .unwrap()
        .as_array()
        .unwrap()
    {
        kinds.insert(c["change"].as_str().unwrap().to_string());
        if let Some(tcs) = c.get("changes").and_then(|v| v.as_array()) {
            for tc in tcs {
                kinds.insert(format!("table.{}", tc["change"].as_str().unwrap()));
            }
        }
    }
    Ok(Outcome {
        plan: p.to_sql(),
        findings,
        kinds,
    })
}

/// A line diff (longest common subsequence) for a readable mismatch report.
fn line_diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "   {}", a[i]);
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, " - {}", a[i]);
            i += 1;
        } else {
            let _ = writeln!(out, " + {}", b[j]);
            j += 1;
        }
    }
    out
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn cases(dialect: &str) -> Vec<PathBuf> {
    let dir = golden_dir().join(dialect);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "case"))
        .collect();
    out.sort();
    out
}

/// Runs every case of `dialect`; returns the change kinds covered and the lint codes seen.
fn check_dialect(name: &str, dialect: Dialect) -> (BTreeSet<String>, BTreeSet<String>) {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let filter = std::env::var("GOLDEN_FILTER").unwrap_or_default();
    let mut failures = Vec::new();
    let (mut kinds, mut codes) = (BTreeSet::new(), BTreeSet::new());
    let all = cases(name);
    assert!(!all.is_empty(), "no golden cases for {name}");
    for path in &all {
        if !path.to_string_lossy().contains(&filter) {
            continue;
        }
        let outcome = Case::parse(path).and_then(|case| {
            let o = run(&case, dialect)?;
            Ok((case, o))
        });
        let (case, o) = match outcome {
            Ok(x) => x,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        kinds.extend(o.kinds.iter().cloned());
        codes.extend(
            o.findings
                .lines()
                .filter(|l| !l.starts_with(' '))
                .filter_map(|l| l.split(' ').next())
                .map(String::from),
        );
        let expected_plan = case.section("plan.sql").map(|s| s.body.as_str());
        let expected_findings = case.section("findings").map(|s| s.body.as_str());
        if expected_plan == Some(o.plan.as_str()) && expected_findings == Some(o.findings.as_str())
        {
            continue;
        }
        if update {
            let new = case.rewrite(&o.plan, &o.findings);
            if new != case.text {
                std::fs::write(&case.path, new).unwrap();
                eprintln!("updated {}", case.path.display());
            }
            continue;
        }
        let mut msg = format!("{}: output differs from the case file", path.display());
        for (section, expected, actual) in [
            ("plan.sql", expected_plan, &o.plan),
            ("findings", expected_findings, &o.findings),
        ] {
            match expected {
                Some(e) if e == actual => {}
                Some(e) => {
                    let line = case.section(section).unwrap().line;
                    let _ = write!(
                        msg,
                        "\n  -- {section} -- (line {line}; - expected, + actual)\n{}",
                        line_diff(e, actual)
                    );
                }
                None => {
                    let _ = write!(msg, "\n  -- {section} -- missing; actual:\n{actual}");
                }
            }
        }
        failures.push(msg);
    }
    if !failures.is_empty() {
        panic!(
            "{} of {} {name} golden case(s) failed (UPDATE_GOLDEN=1 rewrites the expected sections):\n\n{}",
            failures.len(),
            all.len(),
            failures.join("\n\n")
        );
    }
    (kinds, codes)
}

/// The variant names of `enum <name>` in core/src/diff.rs, in snake_case as the
/// changes serialize, so a new variant without a golden case fails the coverage test.
fn variants(name: &str) -> Vec<String> {
    let src =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/diff.rs")).unwrap();
    let start = src
        .find(&format!("pub enum {name} {{"))
        .expect("enum in diff.rs");
    let body = &src[start..];
    let body = &body[..body.find("\n}\n").unwrap()];
    body.lines()
        .filter_map(|l| {
            let ident = l.strip_prefix("    ")?.strip_suffix(" {")?;
            ident
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
                .then(|| snake(ident))
        })
        .collect()
}

fn snake(ident: &str) -> String {
    let mut out = String::new();
    for (i, c) in ident.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The finding codes a plan of `dialect` can carry, each of which needs a
/// case: every `lint::Code` except the row pre-checks' own (MF106, MF107: they
/// need rows) and `schema lint`'s (ST1xx: they judge a schema, not a plan).
/// PostgreSQL's lock rules, narrowing and schema drops exist only there;
/// SQLite's rebuild rule only there.
fn lint_codes(dialect: Dialect) -> BTreeSet<String> {
    use lint::Code;
    lint::Code::ALL
        .into_iter()
        .filter(|c| !matches!(c, Code::MF106 | Code::MF107))
        .filter(|c| c.family() != lint::Family::Design)
        .filter(|c| {
            let pg_only = c.as_str().starts_with("PG") || matches!(c, Code::MF108 | Code::DS101);
            let sqlite_only = c.as_str().starts_with("SQ");
            match dialect {
                Dialect::Postgres => !sqlite_only,
                Dialect::Sqlite => !pg_only,
                _ => false,
            }
        })
        .map(|c| c.as_str().to_string())
        .collect()
}

/// Change kinds a dialect has no such object for: SQLite has no schemas to
/// create, no extensions, enums, domains, sequences, routines or policies.
const SQLITE_NOT_APPLICABLE: [&str; 20] = [
    "add_schema",
    "drop_schema",
    "modify_schema_comment",
    "add_extension",
    "drop_extension",
    "add_enum",
    "drop_enum",
    "modify_enum",
    "add_domain",
    "drop_domain",
    "modify_domain",
    "add_sequence",
    "drop_sequence",
    "modify_sequence",
    "add_routine",
    "drop_routine",
    "modify_routine",
    "table.add_policy",
    "table.drop_policy",
    "table.modify_policy",
];

fn coverage(
    dialect: Dialect,
    name: &str,
    kinds: &BTreeSet<String>,
    codes: &BTreeSet<String>,
    not_applicable: &[&str],
) {
    if std::env::var("GOLDEN_FILTER").is_ok_and(|f| !f.is_empty()) {
        return;
    }
    let mut missing: Vec<String> = variants("Change")
        .into_iter()
        .chain(
            variants("TableChange")
                .into_iter()
                .map(|v| format!("table.{v}")),
        )
        .filter(|v| !kinds.contains(v) && !not_applicable.contains(&v.as_str()))
        .collect();
    missing.extend(
        lint_codes(dialect)
            .into_iter()
            .filter(|c| !codes.contains(c))
            .map(|c| format!("lint {c}")),
    );
    assert!(
        missing.is_empty(),
        "{name} golden cases do not cover: {}",
        missing.join(", ")
    );
}

#[test]
fn sqlite() {
    let (kinds, codes) = check_dialect("sqlite", Dialect::Sqlite);
    coverage(
        Dialect::Sqlite,
        "sqlite",
        &kinds,
        &codes,
        &SQLITE_NOT_APPLICABLE,
    );
}

#[test]
fn postgres() {
    let (kinds, codes) = check_dialect("postgres", Dialect::Postgres);
    coverage(Dialect::Postgres, "postgres", &kinds, &codes, &[]);
}

#[test]
fn diff_reports_which_lines_changed() {
    let d = line_diff("a\nb\nc\n", "a\nx\nc\n");
    assert_eq!(d, "   a\n - b\n + x\n   c\n");
}

#[test]
fn a_bad_section_names_its_line() {
    let dir = std::env::temp_dir().join(format!("strata-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.case");
    std::fs::write(&path, "what\n-- before.hcl --\n-- afterr.hcl --\n").unwrap();
    let Err(err) = Case::parse(&path) else {
        panic!("an unknown section must fail the case");
    };
    assert!(err.ends_with("bad.case:3: unknown section `afterr.hcl` (expected one of before.hcl, before.sql, after.hcl, after.sql, options, lint, facts, plan.sql, findings)"), "{err}");
    std::fs::write(&path, "-- before.hcl --\ntable {\n-- after.hcl --\n").unwrap();
    let case = Case::parse(&path).unwrap();
    let Err(err) = realm(&case, "before", Dialect::Sqlite) else {
        panic!("a broken table block must fail the case");
    };
    assert!(err.contains("bad.case:2:"), "{err}");
    std::fs::write(
        &path,
        "-- before.hcl --\n-- after.hcl --\n-- options --\nskip {\n  drop_tabel = true\n}\n",
    )
    .unwrap();
    let case = Case::parse(&path).unwrap();
    let Err(err) = options(&case) else {
        panic!("an unknown skip flag must fail the case");
    };
    assert!(err.contains("bad.case:5:3:"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A reviewed plan is pinned to the fingerprints of the states it goes
/// between, so every case whose plan does something must change the
/// fingerprint (else a plan made for one state could run on another), and
/// reordering the objects of a state must not.
#[test]
fn every_planned_change_changes_the_fingerprint_and_order_does_not() {
    use strata_core::review::fingerprint;
    let mut planned = 0;
    let mut collisions = Vec::new();
    for (name, dialect) in [("sqlite", Dialect::Sqlite), ("postgres", Dialect::Postgres)] {
        for path in cases(name) {
            let case = Case::parse(&path).unwrap();
            let before = realm(&case, "before", dialect).unwrap();
            let after = realm(&case, "after", dialect).unwrap();
            let mut reordered = after.clone();
            reordered.schemas.reverse();
            for s in &mut reordered.schemas {
                s.tables.reverse();
                s.views.reverse();
                for t in &mut s.tables {
                    t.columns.reverse();
                    t.indexes.reverse();
                    t.checks.reverse();
                    t.foreign_keys.reverse();
                }
            }
            assert_eq!(
                fingerprint(&after, dialect),
                fingerprint(&reordered, dialect),
                "{}: reordering changed the fingerprint",
                path.display()
            );
            let p = plan::plan(&before, &after, dialect, &DiffOptions::default()).unwrap();
            if p.is_empty() {
                continue;
            }
            planned += 1;
            if fingerprint(&before, dialect) == fingerprint(&after, dialect) {
                collisions.push(path.display().to_string());
            }
        }
    }
    assert!(
        collisions.is_empty(),
        "plans that change the schema but not its fingerprint:\n{}",
        collisions.join("\n")
    );
    assert!(planned > 100, "only {planned} cases with a plan");
}
