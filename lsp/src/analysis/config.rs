//! The project file (`strata.hcl` / `atlas.hcl`): core's loader for envs and
//! diagnostics, the tolerant tree for symbols.

use super::hcl::widen;
use super::syntax::{self, Node};
use super::{ChunkData, Def, DefKind, LocalDiag};
use std::sync::Arc;
use strata_core::project;
use strata_core::{Severity, SourceFile};

/// What the project file is loaded with (see `Workspace::set_project_inputs`).
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub vars: Vec<(String, String)>,
    /// The env the client asked for: `atlas.env`.
    pub env: Option<String>,
    /// The client trusts the workspace (VS Code's workspace trust, the Neovim
    /// plugin's per-project answer): `external_schema` programs and `sql`
    /// queries may run. Untrusted, they are skipped and a warning says so.
    pub trusted: bool,
}

pub fn analyze(name: &Arc<str>, text: &str, inputs: &Inputs) -> ChunkData {
    let mut out = ChunkData {
        len: text.len(),
        ..ChunkData::default()
    };
    let file = SourceFile::new(name.clone(), text);
    let opts = project::LoadOptions {
        vars: &inputs.vars,
        env: inputs.env.as_deref(),
        trusted: inputs.trusted,
    };
    let diags = match project::load_with(&file, &opts) {
        Ok(p) => {
            let w = p.warnings.clone();
            out.project = Some(p);
            w
        }
        Err(d) => d,
    };
    for d in diags {
        let mut severity = d.severity;
        let mut help = d.help;
        if d.code == "missing-variable" {
            // The editor has no command line: values come from the client's settings.
            severity = Severity::Warning;
            help = Some(
                "give it a default, or set it in the client's initializationOptions.vars".into(),
            );
        }
        out.diags.push(LocalDiag {
            range: d
                .span
                .as_ref()
                .map_or(0..0, |s| widen(text, s.start..s.end)),
            severity,
            code: d.code.to_string(),
            message: d.message,
            help,
        });
    }
    let tree = syntax::parse(text);
    for n in &tree.nodes {
        let Node::Block(b) = n else { continue };
        match b.name.as_str() {
            "env" | "variable" => {
                let Some(l) = b.label() else { continue };
                let kind = if b.name == "env" {
                    DefKind::Env
                } else {
                    DefKind::Variable
                };
                let mut d = Def::new(kind, l.text.clone(), l.inner.clone());
                d.full_range = b.range.clone();
                if kind == DefKind::Env {
                    d.detail = b.attr("url").map(|a| text[a.value.clone()].to_string());
                }
                let i = out.push_def(d);
                out.defs[i as usize].children = i + 1..i + 1;
            }
            "locals" => {
                for a in b.attrs() {
                    let mut d = Def::new(DefKind::Local, a.name.clone(), a.key.clone());
                    d.full_range = a.key.start..a.value.end.max(a.key.end);
                    let i = out.push_def(d);
                    out.defs[i as usize].children = i + 1..i + 1;
                }
            }
            _ => {}
        }
    }
    out
}
