//! The corpus index (INDEX.jsonl) and what each case expects.

use super::Options;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The cases of `--dialect` in the index, from the chosen corpus, matching
/// `--filter`.
pub(crate) fn load(index: &Path, corpus: Option<&str>, opts: &Options) -> Result<Vec<Case>> {
    let text =
        std::fs::read_to_string(index).with_context(|| format!("reading {}", index.display()))?;
    let mut cases = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: Case = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a case", index.display(), n + 1))?;
        let wanted = case.dialect == opts.dialect
            && corpus.is_none_or(|c| case.corpus == c)
            && opts
                .filter
                .as_ref()
                .is_none_or(|f| case.id.contains(f.as_str()));
        if wanted {
            cases.push(case);
        }
    }
    if cases.is_empty() {
        bail!(
            "conformance: no {} cases in {}{}",
            opts.dialect,
            index.display(),
            opts.filter
                .as_deref()
                .map(|f| format!(" match --filter {f:?}"))
                .unwrap_or_default()
        );
    }
    Ok(cases)
}

/// Finds INDEX.jsonl from `--corpus`: the corpora root, a corpus folder inside
/// it (then only that corpus's cases count), or the index file itself.
pub(crate) fn locate_index(corpus: &Path) -> Result<(PathBuf, Option<String>)> {
    if corpus.is_file() {
        return Ok((corpus.to_path_buf(), None));
    }
    let here = corpus.join("INDEX.jsonl");
    if here.is_file() {
        return Ok((here, None));
    }
    let parent = corpus.join("..").join("INDEX.jsonl");
    if parent.is_file() {
        let name = corpus
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        return Ok((parent, name));
    }
    bail!(
        "conformance: no INDEX.jsonl in {} or its parent (pass --corpus pointing at the corpora root or the sqldef folder)",
        corpus.display()
    )
}

#[derive(Deserialize)]
pub(crate) struct Case {
    #[serde(default)]
    pub(crate) corpus: String,
    pub(crate) id: String,
    pub(crate) dialect: String,
    #[serde(default)]
    pub(crate) current: Option<String>,
    #[serde(default)]
    pub(crate) desired: Option<String>,
    #[serde(default)]
    pub(crate) expected_up: Option<String>,
    #[serde(default)]
    pub(crate) expected_error: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) expect: String,
    #[serde(default)]
    pub(crate) options: serde_json::Value,
    #[serde(default)]
    pub(crate) portable: bool,
}

impl Case {
    pub(crate) fn enable_drop(&self) -> bool {
        self.options
            .get("enable_drop")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(true)
    }

    pub(crate) fn expects_error(&self) -> bool {
        match &self.expected_error {
            None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false)) => false,
            Some(serde_json::Value::String(s)) => !s.trim().is_empty(),
            Some(_) => true,
        }
    }

    /// The statements of the expected `up` once comments (`-- Skipped: …`) are gone.
    pub(crate) fn expected_statements(&self) -> Option<String> {
        let up = self.expected_up.as_deref()?;
        Some(
            up.lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
                .trim()
                .to_string(),
        )
    }

    /// Whether the case says the first plan must run nothing.
    pub(crate) fn expects_empty_plan(&self) -> bool {
        let current = self.current.as_deref().unwrap_or("").trim();
        let desired = self.desired.as_deref().unwrap_or("").trim();
        self.expect == "empty"
            || self.expected_statements().is_some_and(|s| s.is_empty())
            || (!current.is_empty() && current == desired)
    }

    /// With drops disabled and an `up` made only of `-- Skipped:` lines, the
    /// database must stay as it was.
    pub(crate) fn ends_at_current(&self) -> bool {
        !self.enable_drop()
            && self
                .expected_up
                .as_deref()
                .is_some_and(|up| up.lines().any(|l| l.trim_start().starts_with("-- Skipped")))
            && self.expected_statements().is_some_and(|s| s.is_empty())
    }
}
