//! Input variables in schema files, as Atlas has them:
//!
//! ```hcl
//! variable "tenant" {
//!   type    = string
//!   default = "acme"
//! }
//! schema "tenant" {
//!   name    = var.tenant
//!   comment = "schema of ${var.tenant}"
//! }
//! ```
//!
//! Values come from `--var tenant=x` (schema files given directly) or from the
//! project file (`data "hcl_schema" { vars = {…} }`), else the default.
//!
//! This is a pre-pass over each parsed block, before the reader sees it: every
//! `var.x` (alone or inside `"${…}"`) becomes the literal value, and a block's
//! `name = …` attribute (Atlas's way to name an object apart from its label)
//! becomes its label, with references to the old label (`schema.tenant`)
//! rewritten to match. The reader itself knows nothing of variables.

use super::chunks::split_top_level;
use crate::diag::Diagnostic;
use crate::span::{SourceFile, Span};
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::Element;
use hcl_edit::visit_mut::{visit_block_mut, visit_expr_mut, VisitMut};
use hcl_edit::{Decorated, Ident, Span as _};
use std::collections::HashMap;

/// The values of the variables the files declare, by name.
#[derive(Clone, Debug, Default)]
pub struct Values {
    values: HashMap<String, String>,
    /// Declared without a value: the declaration's label, for the error at a use.
    unset: HashMap<String, Option<Span>>,
    /// Top-level blocks named apart from their label: (kind, label, name).
    renames: Vec<(String, String, String)>,
}

impl Values {
    /// Reads every `variable` block of `files` and gives each its value: from
    /// `inputs`, else its default. Inputs naming no declared variable, and
    /// defaults that are not plain values, are errors.
    /// `strict`: an input no file declares is an error (`--var` typed for these
    /// files); otherwise it is ignored (an env passes all its extra attributes).
    pub fn collect(
        files: &[SourceFile],
        inputs: &[(String, String)],
        strict: bool,
    ) -> (Values, Vec<Diagnostic>) {
        let mut out = Values::default();
        let mut diags = Vec::new();
        let mut declared = Vec::new();
        for f in files.iter().filter(|f| f.text.contains("variable")) {
            for chunk in split_top_level(&f.text) {
                let Ok(body) = hcl_edit::parser::parse_body(&f.text[chunk.range.clone()]) else {
                    continue;
                };
                let at = |r: Option<std::ops::Range<usize>>| {
                    r.map(|r| {
                        Span::new(
                            &f.name,
                            chunk.range.start + r.start..chunk.range.start + r.end,
                        )
                    })
                };
                for block in body.get_blocks("variable") {
                    let Some(label) = block.labels.first() else {
                        continue;
                    };
                    let name = label.as_str().to_string();
                    declared.push(name.clone());
                    if let Some((_, v)) = inputs.iter().rev().find(|(k, _)| *k == name) {
                        out.values.insert(name, v.clone());
                        continue;
                    }
                    match block.body.get_attribute("default").map(|a| &a.value) {
                        Some(default) => match literal(default) {
                            Some(v) => {
                                out.values.insert(name, v);
                            }
                            None => diags.push(Diagnostic::error(
                                "variable",
                                format!("the default of variable \"{name}\" must be a string, number or bool"),
                                at(default.span()),
                            )),
                        },
                        None => {
                            out.unset.insert(name, at(label.span()));
                        }
                    }
                }
            }
        }
        out.renames = named_blocks(files, &out);
        for (name, _) in inputs.iter().filter(|_| strict) {
            if !declared.contains(name) {
                diags.push(
                    Diagnostic::error(
                        "unknown-variable",
                        format!("--var {name}: no schema file declares variable \"{name}\""),
                        None,
                    )
                    .with_help(format!(
                        "declare it: variable \"{name}\" {{ type = string }}"
                    )),
                );
            }
        }
        (out, diags)
    }

    /// Whether a chunk of text may need [`Values::apply`]: most schema files
    /// use no variables, and the pass is skipped for them.
    pub fn applies_to(&self, text: &str) -> bool {
        text.contains("var.") || !self.renames.is_empty() || has_name_attribute(text)
    }

    /// Substitutes values into one parsed top-level chunk of `file` starting
    /// at byte `base`; every problem is a diagnostic at the exact use.
    pub fn apply(&self, body: &mut Body, file: &SourceFile, base: usize) -> Vec<Diagnostic> {
        let mut sub = Substitute {
            values: self,
            file,
            base,
            diags: Vec::new(),
        };
        sub.visit_body_mut(body);
        self.rename(body);
        sub.diags
    }
}

/// A plain value written in the file, as text.
fn literal(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.value().to_string()),
        Expression::Number(n) => Some(n.to_string()),
        Expression::Bool(b) => Some(b.value().to_string()),
        _ => None,
    }
}

/// `var.NAME` → `NAME`.
fn var_name(e: &Expression) -> Option<&str> {
    let Expression::Traversal(t) = e else {
        return None;
    };
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    match (root.as_str(), t.operators.as_slice()) {
        ("var", [op]) => match op.value() {
            TraversalOperator::GetAttr(id) => Some(id.as_str()),
            _ => None,
        },
        _ => None,
    }
}

struct Substitute<'a> {
    values: &'a Values,
    file: &'a SourceFile,
    base: usize,
    diags: Vec<Diagnostic>,
}

impl Substitute<'_> {
    /// The value of `var.NAME` at `e`, or a diagnostic there.
    fn value(&mut self, name: &str, e: &Expression) -> Option<String> {
        if let Some(v) = self.values.values.get(name) {
            return Some(v.clone());
        }
        let span = e
            .span()
            .map(|r| Span::new(&self.file.name, self.base + r.start..self.base + r.end));
        let d = match self.values.unset.get(name) {
            Some(_) => Diagnostic::error(
                "missing-variable",
                format!("missing value for required variable \"{name}\""),
                span,
            )
            .with_help(format!(
                "pass --var {name}=value, set it in the project file's data \"hcl_schema\" vars, or give it a default"
            )),
            None => Diagnostic::error(
                "unknown-variable",
                format!("no variable \"{name}\" is declared"),
                span,
            )
            .with_help(format!("declare it: variable \"{name}\" {{ type = string }}")),
        };
        self.diags.push(d);
        None
    }
}

impl VisitMut for Substitute<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expression) {
        if let Some(name) = var_name(expr).map(str::to_string) {
            // A missing value is reported once, here; an empty string stands
            // in so that the reader does not report the same use again.
            let v = self.value(&name, expr).unwrap_or_default();
            *expr = Expression::String(Decorated::new(v));
            return;
        }
        visit_expr_mut(self, expr);
        // `"a ${var.x} b"`: interpolations of variables become text; a template
        // left with text only becomes a plain string, as the reader expects.
        let template = match expr {
            Expression::StringTemplate(t) => &mut **t,
            Expression::HeredocTemplate(h) => &mut h.template,
            _ => return,
        };
        let mut changed = false;
        let mut elements: Vec<Element> = Vec::new();
        for el in template.iter() {
            if let Element::Interpolation(i) = el {
                // Already substituted by the recursion above.
                if let Expression::String(text) = &i.expr {
                    elements.push(Element::Literal(hcl_edit::Spanned::new(
                        text.value().clone(),
                    )));
                    changed = true;
                    continue;
                }
                if let Some(name) = var_name(&i.expr).map(str::to_string) {
                    if let Some(v) = self.value(&name, &i.expr) {
                        elements.push(Element::Literal(hcl_edit::Spanned::new(v)));
                        changed = true;
                        continue;
                    }
                }
            }
            elements.push(el.clone());
        }
        if !changed {
            return;
        }
        let all_text = elements.iter().all(|e| matches!(e, Element::Literal(_)));
        match expr {
            Expression::StringTemplate(_) if all_text => {
                let text: String = elements
                    .iter()
                    .filter_map(|e| match e {
                        Element::Literal(l) => Some(l.value().as_str()),
                        _ => None,
                    })
                    .collect();
                *expr = Expression::String(Decorated::new(text));
            }
            Expression::StringTemplate(t) => **t = elements.into_iter().collect(),
            Expression::HeredocTemplate(h) => h.template = elements.into_iter().collect(),
            _ => {}
        }
    }

    fn visit_block_mut(&mut self, block: &mut Block) {
        if block.ident.as_str() == "variable" {
            return;
        }
        visit_block_mut(self, block);
    }
}

/// Top-level blocks with a `name = …` attribute of a known value: (kind, label, name).
fn named_blocks(files: &[SourceFile], values: &Values) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for f in files.iter().filter(|f| has_name_attribute(&f.text)) {
        for chunk in split_top_level(&f.text) {
            let Ok(body) = hcl_edit::parser::parse_body(&f.text[chunk.range.clone()]) else {
                continue;
            };
            for block in body.blocks() {
                let Some(value) = block.body.get_attribute("name").map(|a| &a.value) else {
                    continue;
                };
                let name = match var_name(value) {
                    Some(v) => values.values.get(v).cloned(),
                    None => literal(value),
                };
                if let (Some(name), Some(label)) = (name, block.labels.first()) {
                    if label.as_str() != name {
                        out.push((
                            block.ident.as_str().to_string(),
                            label.as_str().to_string(),
                            name,
                        ));
                    }
                }
            }
        }
    }
    out
}

impl Values {
    /// `schema "tenant" { name = "acme" }` reads as `schema "acme" {}`, and
    /// references to `schema.tenant` in any file follow.
    fn rename(&self, body: &mut Body) {
        for mut s in body.iter_mut() {
            let Some(block) = s.as_block_mut() else {
                continue;
            };
            let name = match block.body.get_attribute("name").map(|a| &a.value) {
                Some(Expression::String(name)) if !name.is_empty() => name.value().to_string(),
                Some(Expression::String(_)) => {
                    // A variable without a value: already reported at its use.
                    block.body.remove_attribute("name");
                    continue;
                }
                _ => continue,
            };
            block.body.remove_attribute("name");
            if block.labels.first().is_some_and(|l| l.as_str() != name) {
                block.labels[0] = hcl_edit::structure::BlockLabel::String(Decorated::new(name));
            }
        }
        if !self.renames.is_empty() {
            RenameRefs {
                renames: &self.renames,
            }
            .visit_body_mut(body);
        }
    }
}

struct RenameRefs<'a> {
    /// (block kind, old label, new name)
    renames: &'a [(String, String, String)],
}

impl VisitMut for RenameRefs<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expression) {
        if let Expression::Traversal(t) = expr {
            if let (Expression::Variable(root), Some(first)) = (&t.expr, t.operators.first_mut()) {
                let kind = root.as_str().to_string();
                if let TraversalOperator::GetAttr(id) = first.value() {
                    let hit = self
                        .renames
                        .iter()
                        .find(|(k, old, _)| *k == kind && old == id.as_str());
                    if let Some((_, _, new)) = hit {
                        *first = Decorated::new(match Ident::try_new(new.as_str()) {
                            Ok(ident) => TraversalOperator::GetAttr(Decorated::new(ident)),
                            Err(_) => TraversalOperator::Index(Expression::String(Decorated::new(
                                new.clone(),
                            ))),
                        });
                    }
                }
            }
        }
        visit_expr_mut(self, expr);
    }
}

/// True for top-level structures the reader should skip (`variable` blocks).
pub fn is_declaration(s: &Structure) -> bool {
    s.as_block().is_some_and(|b| b.ident.as_str() == "variable")
}

/// A line that starts with `name =` (cheap test before parsing for renames).
fn has_name_attribute(text: &str) -> bool {
    text.lines().any(|l| {
        l.trim_start()
            .strip_prefix("name")
            .is_some_and(|r| r.trim_start().starts_with('=') && !r.trim_start().starts_with("=="))
    })
}

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::hcl::read::read_with_vars;
    use crate::span::SourceFile;

    const TENANT: &str = r#"variable "tenant" {
  type = string
}

variable "status" {
  type    = string
  default = "active"
}

schema "tenant" {
  name    = var.tenant
  comment = "schema of ${var.tenant}"
}

table "users" {
  schema = schema.tenant
  column "status" {
    type    = text
    default = var.status
    comment = "starts ${var.status} for ${var.tenant}"
  }
}
"#;

    fn read(text: &str, vars: &[(&str, &str)], strict: bool) -> crate::hcl::read::HclSchema {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        read_with_vars(
            &[SourceFile::new("s.pg.hcl", text)],
            Dialect::Postgres,
            &vars,
            strict,
        )
    }

    #[test]
    fn variables_fill_names_defaults_and_comments() {
        let out = read(TENANT, &[("tenant", "acme")], true);
        assert!(out.diagnostics.is_empty(), "{:#?}", out.diagnostics);
        let names: Vec<_> = out.realm.schemas.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["acme"]);
        let schema = &out.realm.schemas[0];
        assert_eq!(schema.comment.as_deref(), Some("schema of acme"));
        let column = &schema.tables[0].columns[0];
        assert_eq!(column.default.as_deref(), Some("'active'"));
        assert_eq!(column.comment.as_deref(), Some("starts active for acme"));

        let out = read(TENANT, &[("tenant", "b"), ("status", "new")], true);
        assert_eq!(out.realm.schemas[0].name, "b");
        let column = &out.realm.schemas[0].tables[0].columns[0];
        assert_eq!(column.default.as_deref(), Some("'new'"));
    }

    #[test]
    fn a_missing_value_is_an_error_at_each_use() {
        let out = read(TENANT, &[], true);
        let file = SourceFile::new("s.pg.hcl", TENANT);
        let at: Vec<_> = out
            .diagnostics
            .iter()
            .map(|d| {
                assert_eq!(d.code, "missing-variable");
                assert!(d.message.contains("\"tenant\""), "{}", d.message);
                let lc = file.line_col(d.span.as_ref().unwrap().start);
                (lc.line, lc.col)
            })
            .collect();
        assert_eq!(at, [(11, 13), (12, 26), (20, 43)], "{:#?}", out.diagnostics);
    }

    #[test]
    fn undeclared_names_are_errors() {
        let out = read(TENANT, &[("tenant", "a"), ("nope", "1")], true);
        assert_eq!(out.diagnostics.len(), 1, "{:#?}", out.diagnostics);
        assert_eq!(out.diagnostics[0].code, "unknown-variable");
        // From an env, extra values are the env's other attributes: ignored.
        assert!(read(TENANT, &[("tenant", "a"), ("nope", "1")], false)
            .diagnostics
            .is_empty());
        let out = read("table \"t\" {\n  comment = var.x\n}\n", &[], true);
        assert_eq!(out.diagnostics[0].code, "unknown-variable");
        assert!(out.diagnostics[0].message.contains("\"x\""));
    }
}
