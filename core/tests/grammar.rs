//! The TextMate grammar (grammars/strata-hcl.tmLanguage.json) keeps up with
//! the dialects' vocabulary (core's `hcl::vocab`): a block a dialect adds is
//! highlighted as a reference root (`enum.status`), and every dialect's file
//! suffix opens with the grammar. The grammar is hand-written JSON for the
//! editors; this test is what ties it to the data.

use std::path::Path;
use strata_core::dialect::Dialect;

fn grammar() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../grammars/strata-hcl.tmLanguage.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The words of the grammar's reference rule: `\b(column|table|…)(…)`.
fn reference_roots(g: &serde_json::Value) -> Vec<String> {
    let re = g["repository"]["reference"]["match"].as_str().unwrap();
    let inner = re
        .strip_prefix("\\b(")
        .and_then(|r| r.split_once(')'))
        .map(|(alt, _)| alt)
        .expect("the reference rule starts with \\b(word|word…)");
    inner.split('|').map(str::to_string).collect()
}

#[test]
fn every_top_level_block_is_a_highlighted_reference_root() {
    let roots = reference_roots(&grammar());
    // Nothing refers to a policy by name.
    let never_referenced = ["policy"];
    let mut missing = Vec::new();
    for d in Dialect::all() {
        for b in d.rules().vocab.blocks {
            if !never_referenced.contains(&b.name) && !roots.iter().any(|r| r == b.name) {
                missing.push(format!("{} ({})", b.name, d.name()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "add these blocks to the `reference` rule of grammars/strata-hcl.tmLanguage.json: {missing:?}"
    );
}

#[test]
fn every_dialects_file_suffix_opens_with_the_grammar() {
    let g = grammar();
    let types: Vec<&str> = g["fileTypes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for d in Dialect::all() {
        for s in d.rules().hcl_suffixes {
            let want = format!("{s}.hcl");
            assert!(types.contains(&want.as_str()), "fileTypes lacks {want}");
        }
    }
}
