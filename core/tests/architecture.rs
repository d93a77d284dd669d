//! Architecture invariants from docs/architecture.md, checked on the source
//! text so that a change that breaks one fails `cargo test`.
//!
//! 1. Shared modules do not ask which dialect they have. Today's matches are a
//!    budget per file that may only shrink (a ratchet): a new match, or a
//!    match in a new shared file, fails. Dialect folders (`sqlite/`,
//!    `postgres/`) and the registry (`dialect.rs`) are exempt; test code is
//!    not counted.
//! 2. The language server's analysis layer does no I/O: no files, databases,
//!    processes or network.
//! 3. Front ends plan and apply `schema` changes only through core's pipeline:
//!    the row pre-check and the apply lock are taken there, never by a front end.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Matches of `Dialect::Sqlite|Postgres|Mysql` allowed per shared file.
/// Lower a number when you remove matches; never raise one.
const DIALECT_BUDGET: &[(&str, usize)] = &[
    ("core/src/url.rs", 5),
    ("core/src/sql/static_read.rs", 4),
    ("lsp/src/analysis/sqlrefs.rs", 4),
    ("lsp/src/server/mod.rs", 3),
    ("lsp/src/analysis/sql.rs", 3),
    ("cli/src/commands/migrate.rs", 2),
    ("core/src/migrate/revisions.rs", 2),
    ("core/src/migrate/tx.rs", 2),
    ("core/src/precheck.rs", 1),
    ("core/src/migrate/down.rs", 1),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The file's text before its `#[cfg(test)]` module (test files: nothing).
fn non_test_code(path: &Path) -> String {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn shared_sources() -> Vec<(String, String)> {
    let root = repo();
    let mut files = Vec::new();
    for d in ["core/src", "lsp/src", "cli/src"] {
        rust_files(&root.join(d), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, non_test_code(&p))
        })
        .collect()
}

fn is_dialect_folder(rel: &str) -> bool {
    ["/sqlite/", "/postgres/", "/mysql/"]
        .iter()
        .any(|d| rel.contains(d))
        || rel == "core/src/dialect.rs"
}

#[test]
fn shared_modules_do_not_grow_dialect_matches() {
    let budget: BTreeMap<&str, usize> = DIALECT_BUDGET.iter().copied().collect();
    let mut over = Vec::new();
    let mut total = 0;
    for (rel, code) in shared_sources() {
        if is_dialect_folder(&rel) {
            continue;
        }
        let n = ["Dialect::Sqlite", "Dialect::Postgres", "Dialect::Mysql"]
            .iter()
            .map(|v| code.matches(v).count())
            .sum::<usize>();
        total += n;
        let allowed = budget.get(rel.as_str()).copied().unwrap_or(0);
        if n > allowed {
            over.push(format!("{rel}: {n} matches, budget {allowed}"));
        }
    }
    eprintln!("dialect matches in shared modules: {total}");
    assert!(
        over.is_empty(),
        "shared modules must ask the dialect (Dialect::rules / Dialect::imp), not match on it:\n{}",
        over.join("\n")
    );
}

#[test]
fn the_analysis_layer_does_no_io() {
    let forbidden = [
        "std::fs",
        "std::process",
        "std::net",
        "strata_core::driver",
        "strata_core::pipeline",
        "tokio::",
    ];
    let mut found = Vec::new();
    for (rel, code) in shared_sources() {
        if !rel.starts_with("lsp/src/analysis/") {
            continue;
        }
        for f in forbidden {
            if code.contains(f) {
                found.push(format!("{rel} uses {f}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "lsp/src/analysis must stay pure (I/O belongs in lsp/src/server or core's pipeline):\n{}",
        found.join("\n")
    );
}

#[test]
fn front_ends_plan_and_apply_schemas_only_through_the_pipeline() {
    let mut found = Vec::new();
    for (rel, code) in shared_sources() {
        let front_end = rel.starts_with("lsp/src/") || rel == "cli/src/commands/schema.rs";
        if !front_end {
            continue;
        }
        for f in [
            "check_rows(",
            ".lock(timeout",
            ".lock(a.lock_timeout",
            "driver::open(",
        ] {
            if code.contains(f) {
                found.push(format!("{rel} calls {f}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the CLI's schema commands and the language server go through strata_core::pipeline:\n{}",
        found.join("\n")
    );
}
