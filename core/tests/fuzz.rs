//! Mutation fuzzing on stable Rust, seeded and bounded, so it runs in every
//! `cargo test`: each reader of user text is handed real inputs (the
//! project's fixtures and the shared corpora: Atlas's txtar scripts, pagila,
//! Sakila, Chinook) mutated at random, and must neither panic nor take longer
//! than a bound per input. The #12 reproducers are regression cases.
//!
//! Targets: the HCL reader and formatter, the SQL splitter, the static SQL
//! reader, the project file reader. (The language server's message handling
//! has its own target in lsp/tests/fuzz.rs.)
//!
//! `STRATA_FUZZ_SEED` and `STRATA_FUZZ_ITERS` (inputs per target) run a
//! longer campaign; a failure prints the seed and the input that broke.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use strata_core::dialect::Dialect;
use strata_core::span::SourceFile;

/// Longest a reader may take on one input (debug build, shared machine):
/// far above what any input takes, far below a hang.
const BOUND: Duration = Duration::from_secs(10);
/// Inputs per target in a plain `cargo test`.
const DEFAULT_ITERS: usize = 2_000;
/// Larger inputs are cut to a random window of this many bytes, so an
/// iteration stays cheap (whole big files are the regression cases' job).
const WINDOW: usize = 6_000;

/// splitmix64: small, fast, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn seed() -> u64 {
    std::env::var("STRATA_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5354_5241_5441)
}

fn iters() -> usize {
    std::env::var("STRATA_FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_ITERS)
}

/// Fragments that tend to break readers: quotes, comment and string
/// openers left unclosed, brackets, interpolation, escapes, surrogates'
/// replacement, long runs, deep nesting.
const TOKENS: &[&str] = &[
    "\"",
    "'",
    "`",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "${",
    "%{",
    "$$",
    "$tag$",
    "--",
    "/*",
    "*/",
    "#",
    "//",
    "\\",
    "\\\"",
    "\\u",
    "\n",
    "\r\n",
    "\t",
    ";",
    ",",
    ".",
    "=",
    "<<EOT\n",
    "EOT",
    "\u{FFFD}",
    "é",
    "𝕏",
    "\0",
    "column.",
    "table.",
    "[\"x y\"]",
    "schema.",
    "sql(\"",
    "NULL",
    "CREATE TABLE ",
    "CREATE TRIGGER t BEFORE INSERT ON x BEGIN ",
    "END",
    "DELIMITER //\n",
    "(((((((((((",
    ")))))))))))",
    "9999999999999999999999",
    "-1",
    "1e309",
    "var.",
    "local.",
    "env \"",
    "getenv(\"",
    "file(\"",
    "for_each",
    "dynamic",
];

/// A char boundary at or before `i`.
fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One to four random edits of `input`.
fn mutate(rng: &mut Rng, input: &str) -> String {
    let mut s = input.to_string();
    if s.len() > WINDOW {
        let start = floor(&s, rng.below(s.len() - WINDOW));
        let end = floor(&s, start + WINDOW);
        s = s[start..end].to_string();
    }
    for _ in 0..1 + rng.below(4) {
        let at = floor(&s, rng.below(s.len() + 1));
        match rng.below(7) {
            0 | 1 => s.insert_str(at, TOKENS[rng.below(TOKENS.len())]),
            2 => {
                let end = floor(&s, at + rng.below(40));
                s.replace_range(at..end, "");
            }
            3 => {
                let end = floor(&s, at + rng.below(60));
                let piece = s[at..end].to_string();
                s.insert_str(at, &piece);
            }
            4 => s.truncate(at),
            5 => {
                // Replace one character by a random printable ASCII one.
                let end = floor(&s, at + 1).max(at);
                let end = if end == at && at < s.len() {
                    at + s[at..].chars().next().map_or(0, char::len_utf8)
                } else {
                    end
                };
                let c = (b' ' + rng.below(95) as u8) as char;
                s.replace_range(at..end, &c.to_string());
            }
            _ => {
                let tok = TOKENS[rng.below(TOKENS.len())];
                s.insert_str(at, &tok.repeat(1 + rng.below(200)));
            }
        }
    }
    s
}

/// Runs `f(input)` on its own thread: a panic or a run over [`BOUND`] fails
/// the test with the input that caused it.
fn bounded(target: &str, seed: u64, input: &str, f: fn(&str)) -> Duration {
    let (tx, rx) = mpsc::channel();
    let owned = input.to_string();
    let started = Instant::now();
    let handle = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let r = std::panic::catch_unwind(|| f(&owned));
            let _ = tx.send(r.is_ok());
        })
        .unwrap();
    match rx.recv_timeout(BOUND) {
        Ok(true) => {
            let _ = handle.join();
            started.elapsed()
        }
        Ok(false) => panic!(
            "{target} panicked (seed {seed}) on this input ({} bytes):\n{}",
            input.len(),
            excerpt(input)
        ),
        Err(_) => panic!(
            "{target} took over {BOUND:?} (seed {seed}) on this input ({} bytes):\n{}",
            input.len(),
            excerpt(input)
        ),
    }
}

fn excerpt(s: &str) -> String {
    if s.len() <= 2_000 {
        format!("{s:?}")
    } else {
        format!(
            "{:?} … ({} bytes more)",
            &s[..floor(s, 2_000)],
            s.len() - 2_000
        )
    }
}

/// Mutates every corpus input in turn for `iters()` rounds; returns how many
/// inputs ran and the slowest.
fn campaign(target: &str, corpus: &[String], f: fn(&str)) -> (usize, Duration) {
    assert!(!corpus.is_empty(), "{target}: no corpus inputs found");
    let seed = seed();
    let mut rng = Rng(seed ^ target.len() as u64);
    let mut slowest = Duration::ZERO;
    for input in corpus.iter().take(40) {
        slowest = slowest.max(bounded(target, seed, input, f));
    }
    let n = iters();
    for i in 0..n {
        let input = mutate(&mut rng, &corpus[i % corpus.len()]);
        slowest = slowest.max(bounded(target, seed, &input, f));
    }
    eprintln!(
        "{target}: {} inputs ({n} mutated, seed {seed}), slowest {slowest:?}",
        n + corpus.len().min(40)
    );
    (n, slowest)
}

// ---- corpus ----

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shared() -> PathBuf {
    repo().join("../shared/corpora")
}

fn files_with(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_with(&p, ext, out);
        } else if p.to_string_lossy().ends_with(ext) {
            out.push(p);
        }
    }
}

/// Sections of Atlas's txtar scripts whose name ends with `suffix`.
fn txtar_sections(suffix: &str) -> Vec<String> {
    let mut scripts = Vec::new();
    files_with(
        &shared().join("atlas/internal/integration/testdata"),
        ".txtar",
        &mut scripts,
    );
    let mut out = Vec::new();
    for p in scripts {
        let text = std::fs::read_to_string(p).unwrap_or_default();
        let mut name: Option<String> = None;
        let mut body = String::new();
        for line in text.lines().chain(std::iter::once("-- end --")) {
            if let Some(n) = line.strip_prefix("-- ").and_then(|l| l.strip_suffix(" --")) {
                if name.as_deref().is_some_and(|n| n.ends_with(suffix)) {
                    out.push(std::mem::take(&mut body));
                }
                name = Some(n.to_string());
                body.clear();
            } else {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    out
}

fn read_all(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

fn hcl_corpus() -> Vec<String> {
    let mut paths = Vec::new();
    files_with(&repo().join("tests/fixtures"), ".hcl", &mut paths);
    files_with(&repo().join("examples"), ".hcl", &mut paths);
    let mut out = read_all(&paths);
    out.extend(
        txtar_sections(".hcl")
            .into_iter()
            .filter(|s| !s.contains("env \"")),
    );
    out
}

fn sql_corpus() -> Vec<String> {
    let mut paths = Vec::new();
    files_with(&shared().join("realworld"), ".sql", &mut paths);
    paths.retain(|p| !p.to_string_lossy().contains("data"));
    let mut out = read_all(&paths);
    out.extend(txtar_sections(".sql"));
    out
}

fn project_corpus() -> Vec<String> {
    let mut out: Vec<String> = txtar_sections("atlas.hcl");
    out.push(
        "variable \"url\" {\n  type    = string\n  default = getenv(\"DB\")\n}\nlocals {\n  dev = \"sqlite://dev?mode=memory\"\n}\nenv \"local\" {\n  src = [\"file://schema.hcl\"]\n  url = var.url\n  dev = local.dev\n  schemas = [\"main\"]\n  migration {\n    dir        = \"file://migrations\"\n    allow_down = true\n  }\n  lint {\n    destructive {\n      error = true\n    }\n  }\n  diff {\n    skip {\n      drop_table = true\n    }\n  }\n}\n"
            .to_string(),
    );
    out
}

/// Whether the shared corpora are here (they are in CI); without them the
/// project's own fixtures still run, and the test says so.
fn note_corpus() {
    if !shared().is_dir() {
        eprintln!(
            "\n!!! fuzz: {} is missing: fuzzing the project's own fixtures only !!!\n",
            shared().display()
        );
    }
}

// ---- targets ----

fn hcl_read(text: &str) {
    for d in [Dialect::Sqlite, Dialect::Postgres] {
        let f = SourceFile::new("fuzz.hcl", text);
        let _ = strata_core::hcl::read::read(std::slice::from_ref(&f), d);
        let _ = strata_core::hcl::fmt::format(&f);
    }
}

fn sql_split(text: &str) {
    for d in [Dialect::Sqlite, Dialect::Postgres] {
        for st in strata_core::sql::split::split(text, d) {
            // Every statement's range must slice the text.
            let _ = st.text(text);
        }
    }
}

fn sql_static_read(text: &str) {
    for d in [Dialect::Sqlite, Dialect::Postgres] {
        let f = SourceFile::new("fuzz.sql", text);
        let _ = strata_core::sql::static_read::read(&f, d);
    }
}

fn project_read(text: &str) {
    let f = SourceFile::new("/nonexistent/strata-fuzz/atlas.hcl", text);
    let _ = strata_core::project::load(&f, &[("url".into(), "sqlite://x.db".into())]);
}

#[test]
fn the_hcl_reader_and_formatter_survive_mutated_schemas() {
    note_corpus();
    campaign("hcl", &hcl_corpus(), hcl_read);
}

#[test]
fn the_sql_splitter_survives_mutated_scripts() {
    note_corpus();
    campaign("sql split", &sql_corpus(), sql_split);
}

#[test]
fn the_static_sql_reader_survives_mutated_scripts() {
    note_corpus();
    campaign("sql static read", &sql_corpus(), sql_static_read);
}

#[test]
fn the_project_file_reader_survives_mutated_project_files() {
    note_corpus();
    campaign("project", &project_corpus(), project_read);
}

// ---- the #12 reproducers ----

/// #12 item 8: an 8,000-value `IN (…)` on one line was quadratic (0.73 s),
/// 40,000 nested parentheses took 6.7 s; each must stay far under the bound.
#[test]
fn long_one_line_sql_and_deep_nesting_stay_fast() {
    let values: Vec<String> = (0..8_000).map(|i| i.to_string()).collect();
    let in_list = format!(
        "CREATE TABLE t (id int CHECK (id IN ({})));",
        values.join(", ")
    );
    let nested = format!(
        "CREATE TABLE t (id int CHECK ({}1{}));",
        "(".repeat(40_000),
        ")".repeat(40_000)
    );
    for (name, input) in [("8,000-value IN", &in_list), ("40,000 parens", &nested)] {
        let took = bounded(name, 0, input, |t| {
            sql_split(t);
            sql_static_read(t);
        });
        assert!(took < Duration::from_secs(5), "{name}: {took:?}");
    }
}

/// #12 item 5: names that are not HCL identifiers, in the forms `schema
/// inspect` writes, and broken variants of them.
#[test]
fn hostile_names_in_hcl_never_panic() {
    let cases = [
        "table \"x\" {\n  schema = schema.main\n  column \"first name\" {\n    type = text\n  }\n  index \"i\" {\n    columns = [column[\"first name\"]]\n  }\n}\nschema \"main\" {}\n",
        "table \"t\" {\n  schema = schema.main\n  column \"id\" {\n    type = int\n  }\n  foreign_key \"f\" {\n    columns = [column.id]\n    ref_columns = [table[\"x\\\"; DROP TABLE victims; --\"].column.id]\n  }\n}\n",
        "table \"t\" {\n  index \"i\" {\n    columns = [column[\"unterminated]\n  }\n}\n",
        "table \"t\" {\n  index \"i\" {\n    columns = [column[]]\n  }\n}\n",
        "table \"t\" {\n  index \"i\" {\n    columns = [column[0]]\n  }\n}\n",
        "table \"t\" {\n  index \"i\" {\n    columns = [column[\"a\"][\"b\"].c]\n  }\n}\n",
    ];
    for c in cases {
        bounded("hostile hcl", 0, c, hcl_read);
    }
}
