//! The project file: `strata.hcl`, or Atlas's `atlas.hcl` so that Atlas users can
//! bring theirs unchanged. It names environments (`env "local" { ... }`), each with
//! its schema sources, database URLs and diff/lint policies, and may declare input
//! variables and locals used in those attributes.
//!
//! hcl-edit parses the file so that every diagnostic can point at the exact block or
//! expression; hcl-rs evaluates the expressions (templates, `var.*`, `local.*`,
//! `getenv()`, `file()`).

use crate::diag::Diagnostic;
use crate::span::{SourceFile, Span};
use ::hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use ::hcl::{Map, Number, Value};
use hcl_edit::expr::Expression as EditExpr;
use hcl_edit::structure::{Attribute, Block, Body, Structure};
use hcl_edit::Span as _;
use serde::Serialize;
use std::cell::RefCell;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod data;
mod funcs;

/// strata's own name wins over Atlas's when both files exist.
const PROJECT_FILES: [&str; 2] = ["strata.hcl", "atlas.hcl"];

/// The project file in `dir` (not its parents: the project is where the user runs).
pub fn find_project_file(dir: &Path) -> Option<PathBuf> {
    PROJECT_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

/// An evaluated project file. `warnings` holds what was ignored (Atlas-only blocks,
/// unknown attributes) so that the CLI can show it even when loading succeeds.
#[derive(Clone, Debug, Serialize)]
pub struct Project {
    pub file: Arc<str>,
    pub envs: Vec<Env>,
    pub variables: Vec<Variable>,
    pub warnings: Vec<Diagnostic>,
}

impl Project {
    pub fn env(&self, name: &str) -> Option<&Env> {
        self.envs.iter().find(|env| env.name == name)
    }
}

/// One `env "name" { ... }` block, with every expression evaluated.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Env {
    pub name: String,
    /// Schema source URLs such as `file://schema.hcl`.
    pub src: Vec<String>,
    pub url: Option<String>,
    pub dev: Option<String>,
    pub schemas: Vec<String>,
    pub exclude: Vec<String>,
    pub diff: DiffPolicy,
    pub lint: LintPolicy,
    /// `migration { dir = "file://migrations" … }`: versioned migrations.
    pub migration: MigrationPolicy,
    /// `plan { dir = "file://plans" }`: where reviewed plans live.
    pub plan: PlanPolicy,
    /// Values for the schema files' input variables: the env's attributes
    /// that are not settings (Atlas passes them on) and `data "hcl_schema" { vars }`.
    pub schema_vars: Vec<(String, String)>,
    /// Schema text no file holds (`data "external_schema"`'s output): (name, SQL).
    pub inline_src: Vec<(String, String)>,
    /// `for_each` envs: one env per element (`each.value`), each a target of
    /// its own; empty for a plain env.
    pub instances: Vec<Env>,
    /// The env block's label.
    pub span: Option<Span>,
}

/// `migration { dir, format, revisions_schema, baseline, allow_down, allow_drift }`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MigrationPolicy {
    pub dir: Option<String>,
    pub format: Option<String>,
    pub revisions_schema: Option<String>,
    pub baseline: Option<String>,
    /// `migrate apply` may go down when handed an older directory.
    pub allow_down: bool,
    /// Going down by intent may revert changes made outside migrations.
    pub allow_drift: bool,
}

/// `plan { dir }`: the directory of reviewed plans (`strata schema plan`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct PlanPolicy {
    pub dir: Option<String>,
}

/// `diff { skip { ... } concurrent_index { ... } }`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DiffPolicy {
    pub skip: SkipPolicy,
    pub concurrent_index: ConcurrentIndex,
}

/// Change kinds that the diff leaves out of plans (`diff { skip { drop_table = true } }`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct SkipPolicy {
    pub add_schema: bool,
    pub drop_schema: bool,
    pub modify_schema: bool,
    pub add_table: bool,
    pub drop_table: bool,
    pub modify_table: bool,
    pub rename_table: bool,
    pub add_column: bool,
    pub drop_column: bool,
    pub modify_column: bool,
    pub rename_column: bool,
    pub add_index: bool,
    pub drop_index: bool,
    pub modify_index: bool,
    pub rename_index: bool,
    pub add_foreign_key: bool,
    pub drop_foreign_key: bool,
    pub modify_foreign_key: bool,
    pub add_view: bool,
    pub drop_view: bool,
    pub modify_view: bool,
    pub add_trigger: bool,
    pub drop_trigger: bool,
    pub modify_trigger: bool,
    pub add_func: bool,
    pub drop_func: bool,
    pub modify_func: bool,
    pub add_proc: bool,
    pub drop_proc: bool,
    pub modify_proc: bool,
    /// Enums, domains, sequences and extensions (Atlas calls them objects).
    pub add_object: bool,
    pub drop_object: bool,
    pub modify_object: bool,
    pub add_check: bool,
    pub drop_check: bool,
    pub modify_check: bool,
    /// Row-level security policies; `drop_policy` also keeps RLS enabled.
    pub add_policy: bool,
    pub drop_policy: bool,
    pub modify_policy: bool,
}

impl SkipPolicy {
    /// The flag an attribute of `skip { ... }` sets, by its Atlas name.
    fn flag(&mut self, name: &str) -> Option<&mut bool> {
        Some(match name {
            "add_schema" => &mut self.add_schema,
            "drop_schema" => &mut self.drop_schema,
            "modify_schema" => &mut self.modify_schema,
            "add_table" => &mut self.add_table,
            "drop_table" => &mut self.drop_table,
            "modify_table" => &mut self.modify_table,
            "rename_table" => &mut self.rename_table,
            "add_column" => &mut self.add_column,
            "drop_column" => &mut self.drop_column,
            "modify_column" => &mut self.modify_column,
            "rename_column" => &mut self.rename_column,
            "add_index" => &mut self.add_index,
            "drop_index" => &mut self.drop_index,
            "modify_index" => &mut self.modify_index,
            "rename_index" => &mut self.rename_index,
            "add_foreign_key" => &mut self.add_foreign_key,
            "drop_foreign_key" => &mut self.drop_foreign_key,
            "modify_foreign_key" => &mut self.modify_foreign_key,
            "add_view" => &mut self.add_view,
            "drop_view" => &mut self.drop_view,
            "modify_view" => &mut self.modify_view,
            "add_trigger" => &mut self.add_trigger,
            "drop_trigger" => &mut self.drop_trigger,
            "modify_trigger" => &mut self.modify_trigger,
            "add_func" => &mut self.add_func,
            "drop_func" => &mut self.drop_func,
            "modify_func" => &mut self.modify_func,
            "add_proc" => &mut self.add_proc,
            "drop_proc" => &mut self.drop_proc,
            "modify_proc" => &mut self.modify_proc,
            "add_object" => &mut self.add_object,
            "drop_object" => &mut self.drop_object,
            "modify_object" => &mut self.modify_object,
            "add_check" => &mut self.add_check,
            "drop_check" => &mut self.drop_check,
            "modify_check" => &mut self.modify_check,
            "add_policy" => &mut self.add_policy,
            "drop_policy" => &mut self.drop_policy,
            "modify_policy" => &mut self.modify_policy,
            _ => return None,
        })
    }
}

/// `diff { concurrent_index { create = true drop = true } }` (PostgreSQL).
#[derive(Clone, Debug, Default, Serialize)]
pub struct ConcurrentIndex {
    pub create: bool,
    pub drop: bool,
}

/// The part of Atlas's `lint { ... }` that strata honours.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LintPolicy {
    /// `lint { destructive { error = true } }`: destructive changes fail the lint.
    pub destructive_error: bool,
    /// Levels per analyzer, the naming rule and the review policy.
    pub config: crate::lint::Config,
}

/// A declared input variable (`variable "name" { type = string default = "x" }`).
#[derive(Clone, Debug, Serialize)]
pub struct Variable {
    pub name: String,
    pub ty: VarType,
    /// The default rendered for display (strings unquoted).
    pub default: Option<String>,
    pub description: Option<String>,
    /// The block's label.
    pub span: Option<Span>,
}

/// Variable types strata understands: Atlas's primitives and lists of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VarType {
    String,
    Number,
    Bool,
    /// `list(T)` or `set(T)`; given on the command line by repeating `--var`.
    List(Box<VarType>),
    /// No `type`: values are taken as written.
    Any,
}

impl fmt::Display for VarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VarType::String => f.write_str("string"),
            VarType::Number => f.write_str("number"),
            VarType::Bool => f.write_str("bool"),
            VarType::List(inner) => write!(f, "list({inner})"),
            VarType::Any => f.write_str("any"),
        }
    }
}

/// How to load a project file.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions<'a> {
    /// `--var name=value` pairs; a name may repeat for list variables.
    pub vars: &'a [(String, String)],
    /// The env asked for (`--env X`): `atlas.env` in the file.
    pub env: Option<&'a str>,
    /// Whether data sources that run programs or read databases
    /// (`external_schema`, `sql`) may run: the CLI (the user typed the command)
    /// and a trusted editor workspace say yes; otherwise they are skipped
    /// with a warning that says so.
    pub trusted: bool,
}

/// Parses and evaluates the project file, untrusted (see [`LoadOptions`]).
/// On failure every diagnostic is returned, warnings included.
pub fn load(file: &SourceFile, vars: &[(String, String)]) -> Result<Project, Vec<Diagnostic>> {
    load_with(
        file,
        &LoadOptions {
            vars,
            ..LoadOptions::default()
        },
    )
}

/// [`load`] with every option.
pub fn load_with(file: &SourceFile, opts: &LoadOptions) -> Result<Project, Vec<Diagnostic>> {
    let vars = opts.vars;
    let _base = BaseDir::set(base_dir(&file.name));
    let body = match hcl_edit::parser::parse_body(&file.text) {
        Ok(body) => body,
        Err(err) => return Err(vec![syntax_error(file, &err)]),
    };
    let mut loader = Loader {
        file,
        diags: Vec::new(),
        atlas_env: opts.env.map(str::to_string),
        trusted: opts.trusted,
        dir: base_dir(&file.name),
        produced: data::Produced::default(),
    };
    let project = loader.project(&body, vars);
    match project {
        Some(project) if !loader.has_errors() => Ok(Project {
            warnings: loader.diags,
            ..project
        }),
        _ => Err(loader.diags),
    }
}

/// The directory `file()` paths are relative to.
fn base_dir(file_name: &str) -> PathBuf {
    match Path::new(file_name).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn syntax_error(file: &SourceFile, err: &hcl_edit::parser::Error) -> Diagnostic {
    let start = err.location().offset().min(file.text.len());
    let end = (start + 1).min(file.text.len());
    let loc = err.location();
    Diagnostic::error(
        "syntax",
        format!(
            "syntax error at {}:{}: {}",
            loc.line(),
            loc.column(),
            err.message()
        ),
        Some(Span::new(&file.name, start..end)),
    )
}

thread_local! {
    /// hcl-rs functions are plain `fn` pointers and cannot capture the project's
    /// directory, so `load` publishes it here for `file()` while it evaluates.
    static BASE_DIR: RefCell<PathBuf> = RefCell::new(PathBuf::from("."));
}

/// Restores the previous base directory when `load` returns, even on panic.
struct BaseDir(PathBuf);

impl BaseDir {
    fn set(dir: PathBuf) -> BaseDir {
        BaseDir(BASE_DIR.with(|d| d.replace(dir)))
    }
}

impl Drop for BaseDir {
    fn drop(&mut self) {
        let previous = std::mem::take(&mut self.0);
        BASE_DIR.with(|d| *d.borrow_mut() = previous);
    }
}

/// `getenv("NAME")`: Atlas returns an empty string for unset variables.
fn getenv(args: FuncArgs) -> Result<Value, String> {
    let name = args[0].as_str().unwrap_or_default();
    Ok(Value::from(std::env::var(name).unwrap_or_default()))
}

/// `file("path")`: the file's text, relative to the project file's directory.
fn read_file(args: FuncArgs) -> Result<Value, String> {
    let name = args[0].as_str().unwrap_or_default();
    let path = BASE_DIR.with(|d| d.borrow().join(name));
    std::fs::read_to_string(&path)
        .map(Value::from)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The evaluation scope of env attributes, locals and data sources.
fn context(
    vars: &Map<String, Value>,
    locals: &Map<String, Value>,
    data: &Map<String, Value>,
    atlas_env: Option<&str>,
) -> Context<'static> {
    let mut ctx = Context::new();
    ctx.declare_var("var", Value::Object(vars.clone()));
    ctx.declare_var("local", Value::Object(locals.clone()));
    if !data.is_empty() {
        ctx.declare_var("data", Value::Object(data.clone()));
    }
    if let Some(env) = atlas_env {
        let mut atlas = Map::new();
        atlas.insert("env".to_string(), Value::from(env));
        ctx.declare_var("atlas", Value::Object(atlas));
    }
    ctx.declare_func("getenv", FuncDef::new(getenv, [ParamType::String]));
    ctx.declare_func("file", FuncDef::new(read_file, [ParamType::String]));
    funcs::declare(&mut ctx);
    ctx
}

/// A declared variable plus what resolving its value needs.
struct VarDecl {
    var: Variable,
    default: Option<Value>,
    /// Where a bad `--var` value is reported: the `type` expression, else the label.
    type_span: Option<Span>,
}

/// Walks the parsed file, collecting diagnostics as it goes.
struct Loader<'a> {
    file: &'a SourceFile,
    diags: Vec<Diagnostic>,
    /// `atlas.env`: the env asked for.
    atlas_env: Option<String>,
    /// Data sources may run programs and read databases.
    trusted: bool,
    /// The project file's directory.
    dir: PathBuf,
    /// What data sources produced besides their values.
    produced: data::Produced,
}

impl Loader<'_> {
    fn has_errors(&self) -> bool {
        self.diags.iter().any(Diagnostic::is_error)
    }

    fn span(&self, range: Option<Range<usize>>) -> Option<Span> {
        range.map(|r| Span::new(&self.file.name, r))
    }

    fn error(&mut self, code: &'static str, msg: impl Into<String>, at: Option<Range<usize>>) {
        let span = self.span(at);
        self.diags.push(Diagnostic::error(code, msg, span));
    }

    fn warn(&mut self, code: &'static str, msg: impl Into<String>, at: Option<Range<usize>>) {
        let span = self.span(at);
        self.diags.push(Diagnostic::warning(code, msg, span));
    }

    /// Adds help to the diagnostic just pushed.
    fn help(&mut self, help: impl Into<String>) {
        if let Some(last) = self.diags.pop() {
            self.diags.push(last.with_help(help));
        }
    }

    /// Variables and locals first, since envs depend on them; errors there stop
    /// before the envs so that one missing variable is not reported once per use.
    fn project(&mut self, body: &Body, cli: &[(String, String)]) -> Option<Project> {
        let top = self.top_level(body);
        let decls: Vec<VarDecl> = top
            .variables
            .iter()
            .filter_map(|b| self.variable(b))
            .collect();
        if self.has_errors() {
            // A broken declaration would make its `--var` look unknown.
            return None;
        }
        let vars = self.resolve_vars(&decls, cli);
        if self.has_errors() {
            return None;
        }
        let (locals, data) = self.locals_and_data(&top.locals, &top.data, &vars);
        if self.has_errors() {
            return None;
        }
        let ctx = context(&vars, &locals, &data, self.atlas_env.as_deref());
        let mut diff = DiffPolicy::default();
        let mut lint = LintPolicy::default();
        top.diff.iter().for_each(|b| self.diff(b, &ctx, &mut diff));
        top.lint.iter().for_each(|b| self.lint(b, &ctx, &mut lint));
        let envs = self.envs(&top.envs, &ctx, &diff, &lint);
        Some(Project {
            file: self.file.name.clone(),
            envs,
            variables: decls.into_iter().map(|d| d.var).collect(),
            warnings: Vec::new(),
        })
    }

    /// Sorts the top-level blocks by kind and warns about the rest.
    fn top_level<'b>(&mut self, body: &'b Body) -> TopLevel<'b> {
        let mut top = TopLevel::default();
        for structure in body.iter() {
            let block = match structure {
                Structure::Block(block) => block,
                Structure::Attribute(attr) => {
                    self.unknown_attribute(attr, "at the top level");
                    continue;
                }
            };
            match block.ident.as_str() {
                "variable" => top.variables.push(block),
                "locals" => top.locals.push(block),
                "env" => top.envs.push(block),
                "diff" => top.diff.push(block),
                "lint" => top.lint.push(block),
                "data" => top.data.push(block),
                kind @ "docker" => self.warn(
                    "unsupported",
                    format!("`{kind}` blocks are not supported by strata, ignored"),
                    block.ident.span(),
                ),
                other => self.warn(
                    "unknown-block",
                    format!("unknown block `{other}` in the project file, ignored"),
                    block.ident.span(),
                ),
            }
        }
        top
    }

    fn unknown_attribute(&mut self, attr: &Attribute, place: &str) {
        let key = attr.key.as_str();
        self.warn(
            "unknown-attribute",
            format!("unknown attribute `{key}` {place}, ignored"),
            attr.key.span(),
        );
    }

    /// The single label of `kind "label" { ... }`, or an error on the block.
    fn label(&mut self, block: &Block, kind: &str) -> Option<(String, Option<Span>)> {
        match block.labels.as_slice() {
            [label] => Some((label.as_str().to_string(), self.span(label.span()))),
            _ => {
                self.error(
                    "block-label",
                    format!("`{kind}` blocks take exactly one name label"),
                    block.ident.span(),
                );
                None
            }
        }
    }

    fn variable(&mut self, block: &Block) -> Option<VarDecl> {
        let (name, span) = self.label(block, "variable")?;
        let mut decl = VarDecl {
            var: Variable {
                name,
                ty: VarType::Any,
                default: None,
                description: None,
                span: span.clone(),
            },
            default: None,
            type_span: span,
        };
        let ctx = context(&Map::new(), &Map::new(), &Map::new(), None);
        for attr in block.body.attributes() {
            match attr.key.as_str() {
                "type" => {
                    decl.var.ty = self.var_type(&attr.value)?;
                    decl.type_span = self.span(attr.value.span());
                }
                "default" => decl.default = Some(self.eval(&ctx, &attr.value)?),
                "description" => decl.var.description = self.string(&ctx, attr),
                _ => self.unknown_attribute(attr, "in a variable block"),
            }
        }
        self.check_default(&mut decl, block)?;
        Some(decl)
    }

    /// Type expressions are keywords, not values, so they are read, not evaluated.
    fn var_type(&mut self, expr: &EditExpr) -> Option<VarType> {
        let ty = match expr {
            EditExpr::Variable(name) => match name.as_str() {
                "string" => Some(VarType::String),
                "number" => Some(VarType::Number),
                "bool" => Some(VarType::Bool),
                "any" => Some(VarType::Any),
                _ => None,
            },
            EditExpr::FuncCall(call)
                if matches!(call.name.name.as_str(), "list" | "set") && call.args.len() == 1 =>
            {
                let inner = self.var_type(call.args.iter().next()?)?;
                Some(VarType::List(Box::new(inner)))
            }
            _ => None,
        };
        if ty.is_none() {
            self.error("variable-type", "unsupported variable type", expr.span());
            self.help("use string, number, bool, or list(...) of them");
        }
        ty
    }

    /// A default must fit the declared type, as a `--var` value must.
    fn check_default(&mut self, decl: &mut VarDecl, block: &Block) -> Option<()> {
        let Some(default) = &decl.default else {
            return Some(());
        };
        if !fits(&decl.var.ty, default) {
            let at = block
                .body
                .get_attribute("default")
                .and_then(|a| a.value.span());
            let msg = format!(
                "the default of variable \"{}\" is not a {}",
                decl.var.name, decl.var.ty
            );
            self.error("variable-type", msg, at);
            return None;
        }
        decl.var.default = Some(display_value(default));
        Some(())
    }

    /// The `var` object: `--var` values converted to each declared type, else defaults.
    fn resolve_vars(&mut self, decls: &[VarDecl], cli: &[(String, String)]) -> Map<String, Value> {
        for (name, _) in cli {
            if !decls.iter().any(|d| &d.var.name == name) {
                let msg = format!(
                    "--var {name}: no variable \"{name}\" is declared in {}",
                    self.file.name
                );
                self.error("unknown-variable", msg, None);
                self.help(format!(
                    "declare it: variable \"{name}\" {{ type = string }}"
                ));
            }
        }
        let mut vars = Map::new();
        for decl in decls {
            if let Some(value) = self.var_value(decl, cli) {
                vars.insert(decl.var.name.clone(), value);
            }
        }
        vars
    }

    fn var_value(&mut self, decl: &VarDecl, cli: &[(String, String)]) -> Option<Value> {
        let name = &decl.var.name;
        let given: Vec<&str> = cli
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        if given.is_empty() {
            if decl.default.is_none() {
                let span = decl.var.span.clone();
                let msg = format!("variable \"{name}\" has no value");
                self.diags.push(
                    Diagnostic::error("missing-variable", msg, span)
                        .with_help(format!("pass --var {name}=value, or give it a default")),
                );
            }
            return decl.default.clone();
        }
        match parse_cli_value(&decl.var.ty, &given) {
            Ok(value) => Some(value),
            Err(why) => {
                let msg = format!("--var {name}={}: {why}", given.join(","));
                let span = decl.type_span.clone();
                self.diags
                    .push(Diagnostic::error("variable-type", msg, span));
                None
            }
        }
    }

    /// Locals and data sources may refer to each other in any order: evaluate
    /// in rounds until no more succeed, then report the ones that still fail.
    /// A data source runs once, when its attributes first evaluate.
    fn locals_and_data(
        &mut self,
        blocks: &[&Block],
        data_blocks: &[&Block],
        vars: &Map<String, Value>,
    ) -> (Map<String, Value>, Map<String, Value>) {
        let mut pending: Vec<&Attribute> = Vec::new();
        for attr in blocks.iter().flat_map(|b| b.body.attributes()) {
            if pending.iter().any(|a| a.key.as_str() == attr.key.as_str()) {
                let msg = format!("local \"{}\" is defined twice", attr.key.as_str());
                self.error("duplicate-local", msg, attr.key.span());
            } else {
                pending.push(attr);
            }
        }
        let mut pending_data: Vec<&Block> = Vec::new();
        for block in data_blocks {
            if block.labels.len() == 2 {
                pending_data.push(block);
            } else {
                self.error(
                    "block-label",
                    "`data` blocks take a kind and a name: data \"sql\" \"tenants\" { … }",
                    block.ident.span(),
                );
            }
        }
        let mut locals = Map::new();
        let mut data: Map<String, Value> = Map::new();
        loop {
            let ctx = context(vars, &locals, &data, self.atlas_env.as_deref());
            let before = pending.len() + pending_data.len();
            let mut failed = Vec::new();
            for attr in pending {
                match to_hcl(&attr.value).evaluate(&ctx) {
                    Ok(value) => {
                        locals.insert(attr.key.as_str().to_string(), value);
                    }
                    Err(err) => failed.push((attr, err)),
                }
            }
            let mut failed_data = Vec::new();
            for block in pending_data {
                match self.data_source(block, &ctx) {
                    Ok((kind, name, value)) => {
                        let entry = data
                            .entry(kind)
                            .or_insert_with(|| Value::Object(Map::new()));
                        if let Value::Object(m) = entry {
                            m.insert(name, value);
                        }
                    }
                    Err(fail) => failed_data.push((block, fail)),
                }
            }
            let after = failed.len() + failed_data.len();
            if after == 0 || after == before {
                for (attr, err) in failed {
                    self.eval_error(&err, &attr.value);
                }
                for (_, (err, expr)) in failed_data {
                    self.eval_error(&err, expr);
                }
                return (locals, data);
            }
            pending = failed.into_iter().map(|(attr, _)| attr).collect();
            pending_data = failed_data.into_iter().map(|(b, _)| b).collect();
        }
    }

    /// Evaluates a data block's attributes and runs it. An attribute that does
    /// not evaluate yet is returned (another round may define what it needs);
    /// a source that fails to run is an error here and a null value.
    #[allow(clippy::type_complexity)]
    fn data_source<'b>(
        &mut self,
        block: &'b Block,
        ctx: &Context,
    ) -> Result<(String, String, Value), (::hcl::eval::Error, &'b EditExpr)> {
        let kind = block.labels[0].as_str().to_string();
        let name = block.labels[1].as_str().to_string();
        let mut evaluated = data::Evaluated {
            attrs: Map::new(),
            blocks: Vec::new(),
        };
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let v = to_hcl(&attr.value)
                        .evaluate(ctx)
                        .map_err(|e| (e, &attr.value))?;
                    evaluated.attrs.insert(attr.key.as_str().to_string(), v);
                }
                Structure::Block(inner) => {
                    let mut attrs = Map::new();
                    for attr in inner.body.attributes() {
                        let v = to_hcl(&attr.value)
                            .evaluate(ctx)
                            .map_err(|e| (e, &attr.value))?;
                        attrs.insert(attr.key.as_str().to_string(), v);
                    }
                    let label = inner
                        .labels
                        .first()
                        .map(|l| l.as_str().to_string())
                        .unwrap_or_default();
                    evaluated.blocks.push((label, attrs));
                }
            }
        }
        let at = block.labels[1].span().or(block.ident.span());
        let value = match data::run(
            &kind,
            &name,
            &evaluated,
            &self.dir,
            self.trusted,
            &mut self.produced,
        ) {
            Ok(v) => v,
            Err(msg) => {
                self.error(
                    "data-source",
                    format!("data \"{kind}\" \"{name}\": {msg}"),
                    at.clone(),
                );
                Value::Null
            }
        };
        if let Some(skipped) = self.produced.skipped.take() {
            self.warn("untrusted", skipped, at);
            self.help(
                "trust the workspace (or run the strata CLI, which runs what you type) to run it",
            );
        }
        Ok((kind, name, value))
    }

    fn envs(
        &mut self,
        blocks: &[&Block],
        ctx: &Context,
        diff: &DiffPolicy,
        lint: &LintPolicy,
    ) -> Vec<Env> {
        let mut envs: Vec<Env> = Vec::new();
        // A named env wins over `env { name = atlas.env }` for its name.
        let named: Vec<&str> = blocks
            .iter()
            .filter_map(|b| b.labels.first().map(|l| l.as_str()))
            .collect();
        for block in blocks {
            let Some(env) = self.env(block, ctx, diff, lint) else {
                continue;
            };
            if block.labels.is_empty() && named.contains(&env.name.as_str()) {
                continue;
            }
            if envs.iter().any(|e| e.name == env.name) {
                let msg = format!("env \"{}\" is defined twice", env.name);
                self.diags
                    .push(Diagnostic::error("duplicate-env", msg, env.span.clone()));
            }
            envs.push(env);
        }
        envs
    }

    fn env(
        &mut self,
        block: &Block,
        ctx: &Context,
        diff: &DiffPolicy,
        lint: &LintPolicy,
    ) -> Option<Env> {
        let (name, span) = if block.labels.is_empty() {
            self.unlabeled_env_name(block, ctx)?
        } else {
            self.label(block, "env")?
        };
        let base = Env {
            name,
            span,
            diff: diff.clone(),
            lint: lint.clone(),
            ..Env::default()
        };
        let Some(for_each) = block.body.get_attribute("for_each") else {
            return Some(self.env_body(block, ctx, base));
        };
        // One env per element, each with `each.key` and `each.value`.
        let items: Vec<(Value, Value)> = match self.eval(ctx, &for_each.value)? {
            Value::Array(items) => items.into_iter().map(|v| (v.clone(), v)).collect(),
            Value::Object(m) => m.into_iter().map(|(k, v)| (Value::from(k), v)).collect(),
            other => {
                self.type_error(for_each, "a list, set or object", &other);
                return None;
            }
        };
        let mut instances = Vec::new();
        for (key, value) in items {
            let mut each = Map::new();
            each.insert("key".to_string(), key);
            each.insert("value".to_string(), value);
            let mut c = ctx.clone();
            c.declare_var("each", Value::Object(each));
            instances.push(self.env_body(block, &c, base.clone()));
        }
        let mut env = instances.first().cloned().unwrap_or(base);
        env.instances = instances;
        Some(env)
    }

    /// `env { name = atlas.env … }`: the env is the one `--env` asks for.
    fn unlabeled_env_name(
        &mut self,
        block: &Block,
        ctx: &Context,
    ) -> Option<(String, Option<Span>)> {
        let Some(attr) = block.body.get_attribute("name") else {
            self.error(
                "env-name",
                "env blocks need a name label",
                block.ident.span(),
            );
            self.help("write `env \"local\" { ... }`, or `env { name = atlas.env }` to take the name --env gives");
            return None;
        };
        // No env was asked for (the editor reads every env): nothing to name it.
        self.atlas_env.as_ref()?;
        let name = self.string(ctx, attr)?;
        Some((name, self.span(attr.value.span())))
    }

    fn env_body(&mut self, block: &Block, ctx: &Context, mut env: Env) -> Env {
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(attr) => self.env_attribute(attr, ctx, &mut env),
                Structure::Block(inner) => self.env_block(inner, ctx, &mut env),
            }
        }
        self.expand_src(&mut env);
        env
    }

    /// Schema sources data sources stand for: a composite's members, an
    /// external program's SQL, an `hcl_schema`'s variables.
    fn expand_src(&mut self, env: &mut Env) {
        let mut src = Vec::new();
        let mut queue: Vec<String> = env.src.drain(..).rev().collect();
        while let Some(url) = queue.pop() {
            if let Some((_, members)) = self.produced.composite.iter().find(|(u, _)| *u == url) {
                queue.extend(members.iter().rev().cloned());
                continue;
            }
            if let Some(name) = url.strip_prefix(data::EXTERNAL) {
                let file = format!("external_schema.{name}.sql");
                if let Some((n, text)) = self.produced.inline.iter().find(|(n, _)| *n == file) {
                    env.inline_src.push((n.clone(), text.clone()));
                }
                continue;
            }
            if let Some((_, vars)) = self.produced.vars.iter().find(|(u, _)| *u == url) {
                env.schema_vars.extend(vars.iter().cloned());
            }
            src.push(url);
        }
        env.src = src;
    }

    fn env_attribute(&mut self, attr: &Attribute, ctx: &Context, env: &mut Env) {
        match attr.key.as_str() {
            "src" => env.src = self.strings(ctx, attr),
            "url" => env.url = self.string(ctx, attr),
            "dev" => env.dev = self.string(ctx, attr),
            "schemas" => env.schemas = self.strings(ctx, attr),
            "exclude" => env.exclude = self.strings(ctx, attr),
            // Read by `env` itself.
            "for_each" | "name" => {}
            // Atlas passes an env's other attributes to the schema files as
            // input variables (`env "local" { tenant = "acme" }`).
            key => match self.eval(ctx, &attr.value) {
                Some(value)
                    if scalar_string(&value).is_some()
                        || matches!(&value, Value::Array(items) if items.iter().all(|i| scalar_string(i).is_some())) =>
                {
                    // Said, so that a misspelt setting does not pass unseen.
                    let msg = format!(
                        "`{key}` is not an env setting: the schema files get it as variable \"{key}\" (as in Atlas)"
                    );
                    let span = self.span(attr.key.span());
                    self.diags.push(Diagnostic {
                        severity: crate::diag::Severity::Info,
                        ..Diagnostic::warning("schema-variable", msg, span)
                    });
                    self.schema_var(env, key, value);
                }
                Some(_) => self.unknown_attribute(attr, "in env block"),
                None => {}
            },
        }
    }

    fn env_block(&mut self, block: &Block, ctx: &Context, env: &mut Env) {
        match block.ident.as_str() {
            "diff" => self.diff(block, ctx, &mut env.diff),
            "lint" => self.lint(block, ctx, &mut env.lint),
            // Atlas's newer spelling of `src`.
            "schema" => {
                if let Some(src) = block.body.get_attribute("src") {
                    env.src = self.strings(ctx, src);
                }
            }
            // Atlas settings with no strata meaning; accepted so Atlas files load.
            "migration" => {
                for attr in block.body.attributes() {
                    let m = &mut env.migration;
                    match attr.key.as_str() {
                        "dir" => m.dir = self.string(ctx, attr),
                        "format" => m.format = self.string(ctx, attr),
                        "revisions_schema" => m.revisions_schema = self.string(ctx, attr),
                        "baseline" => m.baseline = self.string(ctx, attr),
                        "allow_down" => self.set_bool(ctx, attr, &mut m.allow_down),
                        "allow_drift" => self.set_bool(ctx, attr, &mut m.allow_drift),
                        // Atlas's other settings (lock_timeout, exec_order, …).
                        _ => {}
                    }
                }
            }
            "plan" => {
                for attr in block.body.attributes() {
                    match attr.key.as_str() {
                        "dir" => env.plan.dir = self.string(ctx, attr),
                        _ => self.unknown_attribute(attr, "in plan block"),
                    }
                }
            }
            "format" | "test" => {}
            other => self.warn(
                "unknown-block",
                format!("unknown block `{other}` in env block, ignored"),
                block.ident.span(),
            ),
        }
    }

    /// Applies a `diff` block over `policy`, so env blocks refine the top-level one.
    fn diff(&mut self, block: &Block, ctx: &Context, policy: &mut DiffPolicy) {
        for structure in block.body.iter() {
            let Structure::Block(inner) = structure else {
                self.unknown_structure(structure, "in diff block");
                continue;
            };
            match inner.ident.as_str() {
                "skip" => self.skip(inner, ctx, &mut policy.skip),
                "concurrent_index" => {
                    for attr in inner.body.attributes() {
                        let flag = match attr.key.as_str() {
                            "create" => &mut policy.concurrent_index.create,
                            "drop" => &mut policy.concurrent_index.drop,
                            _ => {
                                self.unknown_attribute(attr, "in concurrent_index block");
                                continue;
                            }
                        };
                        self.set_bool(ctx, attr, flag);
                    }
                }
                _ => self.unknown_structure(structure, "in diff block"),
            }
        }
    }

    fn skip(&mut self, block: &Block, ctx: &Context, skip: &mut SkipPolicy) {
        for attr in block.body.attributes() {
            match skip.flag(attr.key.as_str()) {
                Some(flag) => self.set_bool(ctx, attr, flag),
                None => self.unknown_attribute(attr, "in skip block"),
            }
        }
    }

    /// `lint { … }`: a level per analyzer (Atlas's `error = true`, or
    /// `level = "error" | "warning" | "off"`, or `skip = true`), the naming
    /// rule, and `review = ERROR | WARNING | ALWAYS`. A later block (the env's
    /// own) overrides what an earlier one (the top-level one) set.
    fn lint(&mut self, block: &Block, ctx: &Context, policy: &mut LintPolicy) {
        use crate::lint::{Family, Level, Review};
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(attr) if attr.key.as_str() == "review" => {
                    // Atlas writes the policy as a bare word: `review = ERROR`.
                    let word = match &attr.value {
                        EditExpr::Variable(v) => Some(v.as_str().to_string()),
                        _ => self.string(ctx, attr),
                    };
                    match word.as_deref().and_then(Review::parse) {
                        Some(r) => policy.config.review = r,
                        None => {
                            self.error(
                                "lint-review",
                                format!(
                                    "`review` must be ERROR, WARNING or ALWAYS, got `{}`",
                                    word.unwrap_or_default()
                                ),
                                attr.value.span(),
                            );
                        }
                    }
                }
                Structure::Attribute(attr) => self.unknown_attribute(attr, "in lint block"),
                Structure::Block(inner) if inner.ident.as_str() == "naming" => {
                    self.naming(inner, ctx, &mut policy.config.naming);
                    if policy.config.level(Family::Naming).is_none() {
                        policy.config.set(Family::Naming, Level::Warning);
                    }
                    self.analyzer_level(inner, ctx, Family::Naming, policy);
                }
                Structure::Block(inner) => match Family::parse(inner.ident.as_str()) {
                    Some(family) => self.analyzer_level(inner, ctx, family, policy),
                    // Atlas's other analyzers and settings (git, latest, …).
                    None => self.warn(
                        "unknown-block",
                        format!(
                            "unknown lint analyzer `{}`, ignored (strata knows {})",
                            inner.ident.as_str(),
                            Family::ALL.map(|f| f.name()).join(", ")
                        ),
                        inner.ident.span(),
                    ),
                },
            }
        }
    }

    fn analyzer_level(
        &mut self,
        block: &Block,
        ctx: &Context,
        family: crate::lint::Family,
        policy: &mut LintPolicy,
    ) {
        use crate::lint::Level;
        for attr in block.body.attributes() {
            let mut flag = false;
            let level = match attr.key.as_str() {
                "error" => {
                    self.set_bool(ctx, attr, &mut flag);
                    Some(if flag { Level::Error } else { Level::Warning })
                }
                "skip" | "off" => {
                    self.set_bool(ctx, attr, &mut flag);
                    flag.then_some(Level::Off)
                }
                "level" => {
                    let word = self.string(ctx, attr);
                    let level = word.as_deref().and_then(Level::parse);
                    if level.is_none() {
                        self.error(
                            "lint-level",
                            format!(
                                "`level` must be \"error\", \"warning\" or \"off\", got `{}`",
                                word.unwrap_or_default()
                            ),
                            attr.value.span(),
                        );
                    }
                    level
                }
                // naming's own attributes, and Atlas options strata does not use
                // (`check_drop`, `force`, …).
                _ => None,
            };
            if let Some(level) = level {
                policy.config.set(family, level);
                if family == crate::lint::Family::Destructive {
                    policy.destructive_error = level == Level::Error;
                }
            }
        }
    }

    /// `naming { match = "…" message = "…" table { match = "…" } … }`; a
    /// pattern that does not compile is an error at its position.
    fn naming(&mut self, block: &Block, ctx: &Context, naming: &mut crate::lint::config::Naming) {
        if let Some(rule) = self.naming_rule(block, ctx) {
            naming.all = Some(rule);
        }
        for inner in block.body.blocks() {
            let kind = inner.ident.as_str();
            const KINDS: [&str; 7] = [
                "schema",
                "table",
                "column",
                "index",
                "foreign_key",
                "check",
                "view",
            ];
            if !KINDS.contains(&kind) {
                self.warn(
                    "unknown-block",
                    format!(
                        "unknown naming block `{kind}`, ignored (use {})",
                        KINDS.join(", ")
                    ),
                    inner.ident.span(),
                );
                continue;
            }
            if let Some(rule) = self.naming_rule(inner, ctx) {
                naming.objects.insert(kind.to_string(), rule);
            }
        }
    }

    fn naming_rule(
        &mut self,
        block: &Block,
        ctx: &Context,
    ) -> Option<crate::lint::config::NamingRule> {
        let attr = block.body.get_attribute("match")?;
        let pattern = self.string(ctx, attr)?;
        if let Err(e) = crate::lint::naming::compile(&pattern) {
            self.error(
                "lint-naming",
                format!("`match` is not a valid regular expression: {e}"),
                attr.value.span(),
            );
            return None;
        }
        let message = block
            .body
            .get_attribute("message")
            .and_then(|m| self.string(ctx, m));
        Some(crate::lint::config::NamingRule { pattern, message })
    }

    fn unknown_structure(&mut self, structure: &Structure, place: &str) {
        match structure {
            Structure::Attribute(attr) => self.unknown_attribute(attr, place),
            Structure::Block(block) => self.warn(
                "unknown-block",
                format!("unknown block `{}` {place}, ignored", block.ident.as_str()),
                block.ident.span(),
            ),
        }
    }

    fn eval(&mut self, ctx: &Context, expr: &EditExpr) -> Option<Value> {
        match to_hcl(expr).evaluate(ctx) {
            Ok(value) => Some(value),
            Err(err) => {
                self.eval_error(&err, expr);
                None
            }
        }
    }

    fn eval_error(&mut self, err: &::hcl::eval::Error, expr: &EditExpr) {
        self.error("eval", err.to_string(), expr.span());
        if let Some(help) = eval_help(err.kind()) {
            self.help(help);
        }
    }

    fn set_bool(&mut self, ctx: &Context, attr: &Attribute, flag: &mut bool) {
        match self.eval(ctx, &attr.value) {
            Some(Value::Bool(b)) => *flag = b,
            Some(other) => self.type_error(attr, "a bool", &other),
            None => {}
        }
    }

    /// A string attribute; numbers and bools convert, as HCL does; null is unset.
    fn string(&mut self, ctx: &Context, attr: &Attribute) -> Option<String> {
        match self.eval(ctx, &attr.value)? {
            Value::Null => None,
            value => match scalar_string(&value) {
                Some(s) => Some(s),
                None => {
                    self.type_error(attr, "a string", &value);
                    None
                }
            },
        }
    }

    /// A list of strings; a single string is taken as a list of one (Atlas's `src`).
    fn strings(&mut self, ctx: &Context, attr: &Attribute) -> Vec<String> {
        let value = match self.eval(ctx, &attr.value) {
            Some(Value::Null) | None => return Vec::new(),
            Some(value) => value,
        };
        let items = match &value {
            Value::Array(items) => items.iter().map(scalar_string).collect(),
            single => scalar_string(single).map(|s| vec![s]),
        };
        items.unwrap_or_else(|| {
            self.type_error(attr, "a string or a list of strings", &value);
            Vec::new()
        })
    }

    /// An env attribute passed to the schema files: a list gives one value per item.
    fn schema_var(&mut self, env: &mut Env, key: &str, value: Value) {
        match value {
            Value::Array(items) => env.schema_vars.extend(
                items
                    .iter()
                    .filter_map(scalar_string)
                    .map(|v| (key.to_string(), v)),
            ),
            other => env
                .schema_vars
                .extend(scalar_string(&other).map(|v| (key.to_string(), v))),
        }
    }

    fn type_error(&mut self, attr: &Attribute, expected: &str, got: &Value) {
        let key = attr.key.as_str();
        let msg = format!("`{key}` must be {expected}, got `{got}`");
        self.error("type", msg, attr.value.span());
    }
}

/// The top-level blocks strata reads, by kind.
#[derive(Default)]
struct TopLevel<'b> {
    variables: Vec<&'b Block>,
    locals: Vec<&'b Block>,
    envs: Vec<&'b Block>,
    diff: Vec<&'b Block>,
    lint: Vec<&'b Block>,
    data: Vec<&'b Block>,
}

fn to_hcl(expr: &EditExpr) -> ::hcl::Expression {
    ::hcl::Expression::from(expr.clone())
}

/// Hints for names Atlas files commonly use but strata does not provide.
fn eval_help(kind: &::hcl::eval::ErrorKind) -> Option<&'static str> {
    use ::hcl::eval::ErrorKind;
    match kind {
        ErrorKind::UndefinedVar(name) => Some(match name.as_str() {
            "data" => "declare the data source: data \"<kind>\" \"<name>\" { … }",
            "atlas" => "`atlas.env` is the env --env names",
            "each" => "`each.key` and `each.value` exist only in an env with `for_each`",
            _ => "available names are `var.<name>`, `local.<name>` and `data.<kind>.<name>`",
        }),
        ErrorKind::UndefinedFunc(_) => Some(
            "strata provides getenv, env, file, urlsetpath, urlescape, urlqueryset, urluserinfo, jsondecode and toset",
        ),
        _ => None,
    }
}

fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Strings unquoted, everything else as HCL writes it.
fn display_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn fits(ty: &VarType, value: &Value) -> bool {
    match (ty, value) {
        (VarType::Any, _) => true,
        (VarType::String, Value::String(_)) => true,
        (VarType::Number, Value::Number(_)) => true,
        (VarType::Bool, Value::Bool(_)) => true,
        (VarType::List(inner), Value::Array(items)) => items.iter().all(|v| fits(inner, v)),
        _ => false,
    }
}

/// Converts `--var` text to the declared type; lists take every repeated value.
fn parse_cli_value(ty: &VarType, given: &[&str]) -> Result<Value, String> {
    match (ty, given) {
        (VarType::List(inner), _) => given
            .iter()
            .map(|s| parse_scalar(inner, s))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        (_, [one]) => parse_scalar(ty, one),
        _ => Err(format!(
            "given {} times, but the variable is a {ty}",
            given.len()
        )),
    }
}

fn parse_scalar(ty: &VarType, text: &str) -> Result<Value, String> {
    let bad = || format!("expected a {ty}, got `{text}`");
    match ty {
        VarType::String | VarType::Any => Ok(Value::from(text)),
        VarType::Number => parse_number(text).map(Value::Number).ok_or_else(bad),
        VarType::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(bad()),
        },
        VarType::List(_) => Err("nested lists cannot be given with --var".to_string()),
    }
}

fn parse_number(text: &str) -> Option<Number> {
    let text = text.trim();
    if let Ok(i) = text.parse::<i64>() {
        return Some(Number::from(i));
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;

    fn source(text: &str) -> SourceFile {
        SourceFile::new("atlas.hcl", text)
    }

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn load_ok(text: &str, pairs: &[(&str, &str)]) -> Project {
        match load(&source(text), &vars(pairs)) {
            Ok(project) => project,
            Err(diags) => panic!("load failed: {diags:#?}"),
        }
    }

    fn load_err(text: &str, pairs: &[(&str, &str)]) -> Vec<Diagnostic> {
        match load(&source(text), &vars(pairs)) {
            Ok(project) => panic!("expected errors, got {project:#?}"),
            Err(diags) => diags,
        }
    }

    /// The text a diagnostic's span covers.
    fn spanned<'t>(text: &'t str, d: &Diagnostic) -> &'t str {
        let span = d.span.as_ref().expect("diagnostic has a span");
        &text[span.start..span.end]
    }

    const ATLAS: &str = r#"
variable "db_password" {
  type        = string
  default     = "secret"
  description = "password of the app user"
}

variable "port" {
  type    = number
  default = 5432
}

variable "destructive" {
  type    = bool
  default = false
}

locals {
  host   = "db.${local.domain}"
  domain = "example.com"
  dsn    = "postgres://app:${var.db_password}@${local.host}:${var.port}/app"
}

lint {
  destructive {
    error = true
  }
}

env "local" {
  src = "file://schema.hcl"
  url = "postgres://localhost:${var.port}/app?sslmode=disable"
  dev = "docker://postgres/16/dev?search_path=public"
  schemas = ["public", "audit"]
  exclude = ["public.schema_migrations"]
  migration {
    dir        = "file://migrations"
    allow_down = true
  }
  format {
    migrate {
      diff = "{{ sql . \"  \" }}"
    }
  }
}

env "prod" {
  src = ["file://schema/tables.hcl", "file://schema/views.sql"]
  url = local.dsn
  diff {
    skip {
      drop_table  = true
      drop_schema = var.destructive ? false : true
    }
    concurrent_index {
      create = true
    }
  }
  lint {
    destructive {
      error = var.destructive
    }
  }
}
"#;

    #[test]
    fn atlas_file_with_two_envs() {
        let p = load_ok(ATLAS, &[]);
        assert_eq!(&*p.file, "atlas.hcl");
        assert!(p.warnings.is_empty(), "{:#?}", p.warnings);
        let names: Vec<_> = p.envs.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["local", "prod"]);

        let local = p.env("local").unwrap();
        assert_eq!(local.src, ["file://schema.hcl"]);
        assert_eq!(
            local.url.as_deref(),
            Some("postgres://localhost:5432/app?sslmode=disable")
        );
        assert_eq!(
            local.dev.as_deref(),
            Some("docker://postgres/16/dev?search_path=public")
        );
        assert_eq!(local.schemas, ["public", "audit"]);
        assert_eq!(local.exclude, ["public.schema_migrations"]);
        assert_eq!(local.migration.dir.as_deref(), Some("file://migrations"));
        assert!(local.migration.allow_down);
        assert!(!local.diff.skip.drop_table);
        // The top-level lint block applies to every env.
        assert!(local.lint.destructive_error);
        let span = local.span.as_ref().unwrap();
        assert_eq!(&ATLAS[span.start..span.end], "\"local\"");

        let prod = p.env("prod").unwrap();
        assert_eq!(
            prod.src,
            ["file://schema/tables.hcl", "file://schema/views.sql"]
        );
        assert_eq!(
            prod.url.as_deref(),
            Some("postgres://app:secret@db.example.com:5432/app")
        );
        assert!(prod.diff.skip.drop_table);
        assert!(prod.diff.skip.drop_schema);
        assert!(!prod.diff.skip.drop_column);
        assert!(prod.diff.concurrent_index.create);
        assert!(!prod.diff.concurrent_index.drop);
        // The env's own lint block overrides the top-level one.
        assert!(!prod.lint.destructive_error);
        assert!(p.env("staging").is_none());
    }

    #[test]
    fn variables_are_listed_with_defaults() {
        let p = load_ok(ATLAS, &[]);
        let pw = &p.variables[0];
        assert_eq!(pw.name, "db_password");
        assert_eq!(pw.ty, VarType::String);
        assert_eq!(pw.default.as_deref(), Some("secret"));
        assert_eq!(pw.description.as_deref(), Some("password of the app user"));
        assert_eq!(p.variables[1].ty, VarType::Number);
        assert_eq!(p.variables[1].default.as_deref(), Some("5432"));
        assert_eq!(p.variables[2].default.as_deref(), Some("false"));
    }

    #[test]
    fn cli_vars_override_defaults() {
        let p = load_ok(
            ATLAS,
            &[
                ("port", "6543"),
                ("destructive", "true"),
                ("db_password", "pw"),
            ],
        );
        let prod = p.env("prod").unwrap();
        assert_eq!(
            prod.url.as_deref(),
            Some("postgres://app:pw@db.example.com:6543/app")
        );
        assert!(!prod.diff.skip.drop_schema);
        assert!(prod.lint.destructive_error);
    }

    #[test]
    fn getenv_reads_the_environment() {
        // PATH is read, not set: tests run in parallel threads.
        let path = std::env::var("PATH").unwrap_or_default();
        let text = r#"
env "ci" {
  url = getenv("PATH")
  dev = "x${getenv("STRATA_PROJECT_TEST_SURELY_UNSET")}y"
}
"#;
        let p = load_ok(text, &[]);
        let ci = p.env("ci").unwrap();
        assert_eq!(ci.url.as_deref(), Some(path.as_str()));
        assert_eq!(ci.dev.as_deref(), Some("xy"));
    }

    #[test]
    fn file_reads_relative_to_the_project_file() {
        let dir = std::env::temp_dir().join(format!("strata-project-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("url.txt"), "sqlite://from-file.db").unwrap();
        let name = dir.join("strata.hcl").to_string_lossy().into_owned();
        let file = SourceFile::new(name, "env \"a\" {\n  url = file(\"url.txt\")\n}\n");
        let p = load(&file, &[]).unwrap();
        assert_eq!(
            p.env("a").unwrap().url.as_deref(),
            Some("sqlite://from-file.db")
        );
        assert_eq!(find_project_file(&dir), None);
        std::fs::write(dir.join("atlas.hcl"), "").unwrap();
        assert_eq!(find_project_file(&dir), Some(dir.join("atlas.hcl")));
        std::fs::write(dir.join("strata.hcl"), "").unwrap();
        assert_eq!(find_project_file(&dir), Some(dir.join("strata.hcl")));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_variable_points_at_its_declaration() {
        let text = "variable \"tenant\" {\n  type = string\n}\n\nenv \"local\" {\n  url = \"sqlite://${var.tenant}.db\"\n}\n";
        let diags = load_err(text, &[]);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        let d = &diags[0];
        assert_eq!(d.code, "missing-variable");
        assert!(d.message.contains("\"tenant\""), "{}", d.message);
        assert!(d.help.as_deref().unwrap().contains("--var tenant=value"));
        assert_eq!(spanned(text, d), "\"tenant\"");
        let p = load_ok(text, &[("tenant", "acme")]);
        assert_eq!(
            p.env("local").unwrap().url.as_deref(),
            Some("sqlite://acme.db")
        );
    }

    #[test]
    fn cli_var_of_the_wrong_type() {
        let diags = load_err(ATLAS, &[("port", "fifty")]);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert_eq!(diags[0].code, "variable-type");
        assert!(
            diags[0].message.contains("expected a number, got `fifty`"),
            "{}",
            diags[0].message
        );
        assert_eq!(spanned(ATLAS, &diags[0]), "number");

        let diags = load_err(ATLAS, &[("destructive", "yes")]);
        assert!(
            diags[0].message.contains("expected a bool"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn unknown_cli_var_is_an_error() {
        let diags = load_err(ATLAS, &[("nope", "1")]);
        assert_eq!(diags[0].code, "unknown-variable");
        assert!(diags[0].message.contains("\"nope\""));
    }

    #[test]
    fn list_variables_take_repeated_values() {
        let text = "variable \"schemas\" {\n  type = list(string)\n  default = [\"public\"]\n}\nenv \"a\" {\n  schemas = var.schemas\n}\n";
        assert_eq!(load_ok(text, &[]).envs[0].schemas, ["public"]);
        let p = load_ok(text, &[("schemas", "a"), ("schemas", "b")]);
        assert_eq!(p.envs[0].schemas, ["a", "b"]);
        assert_eq!(p.variables[0].ty.to_string(), "list(string)");
    }

    #[test]
    fn unknown_blocks_warn_and_extra_env_attributes_are_schema_variables() {
        let text = r#"
docker "postgres" "dev" {
  image = "postgres:15"
}

env "local" {
  url     = "sqlite://a.db"
  tenant  = "acme"
  regions = ["eu", "us"]
  diff {
    skip {
      drop_everything = true
    }
  }
}
"#;
        let p = load_ok(text, &[]);
        let said: Vec<_> = p
            .warnings
            .iter()
            .map(|d| (d.severity, d.code, spanned(text, d)))
            .collect();
        assert_eq!(
            said,
            [
                (Severity::Warning, "unsupported", "docker"),
                (Severity::Info, "schema-variable", "tenant"),
                (Severity::Info, "schema-variable", "regions"),
                (Severity::Warning, "unknown-attribute", "drop_everything"),
            ]
        );
        let local = p.env("local").unwrap();
        assert_eq!(local.url.as_deref(), Some("sqlite://a.db"));
        // Atlas hands an env's other attributes to the schema files.
        assert_eq!(
            local.schema_vars,
            vars(&[("tenant", "acme"), ("regions", "eu"), ("regions", "us")])
        );
    }

    fn load_opts(text: &str, env: Option<&str>, trusted: bool) -> Result<Project, Vec<Diagnostic>> {
        load_with(
            &source(text),
            &LoadOptions {
                vars: &[],
                env,
                trusted,
            },
        )
    }

    #[test]
    fn unlabelled_env_takes_the_name_env_asks_for() {
        let text = "env {\n  name = atlas.env\n  url = \"sqlite://${atlas.env}.db\"\n}\n";
        let p = load_opts(text, Some("staging"), false).unwrap();
        let env = p.env("staging").expect("the env --env names");
        assert_eq!(env.url.as_deref(), Some("sqlite://staging.db"));
        // The editor asks for no env: there is nothing to name it, and no error.
        assert!(load_opts(text, None, false).unwrap().envs.is_empty());
        // A named env wins over the unlabelled one.
        let both = format!("{text}env \"staging\" {{\n  url = \"sqlite://named.db\"\n}}\n");
        let p = load_opts(&both, Some("staging"), false).unwrap();
        assert_eq!(p.envs.len(), 1);
        assert_eq!(p.envs[0].url.as_deref(), Some("sqlite://named.db"));
    }

    #[test]
    fn unlabelled_env_without_a_name_is_an_error() {
        let text = "env {\n  url = \"sqlite://a.db\"\n}\n";
        let diags = load_err(text, &[]);
        assert_eq!(diags[0].code, "env-name");
        assert!(diags[0].help.as_deref().unwrap().contains("atlas.env"));
        assert_eq!(spanned(text, &diags[0]), "env");
    }

    #[test]
    fn for_each_env_is_one_target_per_element() {
        let text = r#"
variable "tenants" {
  type    = list(string)
  default = ["a", "b", "a"]
}
env "tenants" {
  for_each = toset(var.tenants)
  url      = urlqueryset("postgres://h/db", "search_path", each.value)
  tenant   = each.value
}
"#;
        let p = load_ok(text, &[]);
        let env = p.env("tenants").unwrap();
        let urls: Vec<_> = env
            .instances
            .iter()
            .map(|e| e.url.clone().unwrap())
            .collect();
        assert_eq!(
            urls,
            [
                "postgres://h/db?search_path=a",
                "postgres://h/db?search_path=b"
            ]
        );
        assert_eq!(env.instances[1].schema_vars, vars(&[("tenant", "b")]));
        // `each` outside a for_each env is an error with a hint.
        let diags = load_err("env \"x\" {\n  url = each.value\n}\n", &[]);
        assert!(diags[0].help.as_deref().unwrap().contains("for_each"));
    }

    /// A project directory with the given files, removed on drop.
    struct Dir(PathBuf);

    impl Dir {
        fn new(tag: &str, files: &[(&str, &str)]) -> Dir {
            let dir =
                std::env::temp_dir().join(format!("strata-project-{tag}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            for (name, text) in files {
                std::fs::write(dir.join(name), text).unwrap();
            }
            Dir(dir)
        }

        fn load(&self, text: &str, trusted: bool) -> Result<Project, Vec<Diagnostic>> {
            let name = self.0.join("atlas.hcl").to_string_lossy().into_owned();
            load_with(
                &SourceFile::new(name, text),
                &LoadOptions {
                    vars: &[],
                    env: None,
                    trusted,
                },
            )
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn hcl_schema_and_composite_schema_feed_src_and_variables() {
        let d = Dir::new("hcl", &[("a.hcl", ""), ("b.sql", "")]);
        let text = r#"
data "hcl_schema" "app" {
  path = "a.hcl"
  vars = {
    tenant = "acme"
  }
}
data "composite_schema" "all" {
  schema "app" {
    url = data.hcl_schema.app.url
  }
  schema "extra" {
    url = "file://b.sql"
  }
}
env "local" {
  src = data.composite_schema.all.url
}
"#;
        let p = d.load(text, false).unwrap();
        let env = p.env("local").unwrap();
        assert_eq!(
            env.src,
            [
                format!("file://{}", d.0.join("a.hcl").display()),
                "file://b.sql".to_string()
            ]
        );
        assert_eq!(env.schema_vars, vars(&[("tenant", "acme")]));
        // A missing file is an error at the data source's name.
        let diags = d
            .load(&text.replace("a.hcl", "nope.hcl"), false)
            .unwrap_err();
        assert_eq!(diags[0].code, "data-source");
        assert!(
            diags[0].message.contains("does not exist"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn external_schema_runs_only_when_trusted() {
        let d = Dir::new("ext", &[]);
        let marker = d.0.join("ran");
        let text = format!(
            r#"
data "external_schema" "orm" {{
  program = ["sh", "-c", "touch {}; echo 'CREATE TABLE t (id int);'"]
}}
env "local" {{
  src = [data.external_schema.orm.url]
}}
"#,
            marker.display()
        );
        let p = d.load(&text, false).unwrap();
        assert!(!marker.exists(), "an untrusted project ran a program");
        assert!(p.env("local").unwrap().inline_src.is_empty());
        let w = &p.warnings[0];
        assert_eq!(w.code, "untrusted");
        assert!(w.message.contains("was not run"), "{}", w.message);
        assert_eq!(spanned(&text, w), "\"orm\"");

        let p = d.load(&text, true).unwrap();
        assert!(marker.exists());
        let env = p.env("local").unwrap();
        assert_eq!(
            env.inline_src,
            [(
                "external_schema.orm.sql".to_string(),
                "CREATE TABLE t (id int);\n".to_string()
            )]
        );
        assert!(env.src.is_empty());

        // A failing program is an error that says what failed.
        let bad = text.replace("touch", "exit 3; touch");
        let diags = d.load(&bad, true).unwrap_err();
        assert!(diags[0].message.contains("failed"), "{}", diags[0].message);
    }

    #[test]
    fn sql_data_source_reads_values_from_a_database() {
        let d = Dir::new("sql", &[]);
        let db = d.0.join("t.db");
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "CREATE TABLE tenants (name text); INSERT INTO tenants VALUES ('t1'), ('t2');",
        )
        .unwrap();
        drop(conn);
        let text = r#"
data "sql" "tenants" {
  url   = "sqlite://t.db"
  query = "SELECT name FROM tenants ORDER BY name"
}
env "local" {
  for_each = toset(data.sql.tenants.values)
  url      = "sqlite://${each.value}.db"
}
"#;
        let p = d.load(text, true).unwrap();
        let urls: Vec<_> = p.envs[0]
            .instances
            .iter()
            .map(|e| e.url.clone().unwrap())
            .collect();
        assert_eq!(urls, ["sqlite://t1.db", "sqlite://t2.db"]);
        // Untrusted: no database is read, and the warning says so.
        let p = d.load(text, false).unwrap();
        assert!(p.envs[0].instances.is_empty());
        assert_eq!(p.warnings[0].code, "untrusted");
        let diags = d
            .load(&text.replace("FROM tenants", "FROM nope"), true)
            .unwrap_err();
        assert!(
            diags[0].message.contains("no such table"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn runtimevar_reads_env_and_file_only() {
        let d = Dir::new("rv", &[("secret.txt", "s3cret\n")]);
        let path = std::env::var("PATH").unwrap_or_default();
        let text = r#"
data "runtimevar" "path" {
  url = "env://PATH"
}
data "runtimevar" "pass" {
  url = "file://secret.txt"
}
env "local" {
  url = data.runtimevar.path
  dev = data.runtimevar.pass
}
"#;
        let p = d.load(text, false).unwrap();
        assert_eq!(p.envs[0].url.as_deref(), Some(path.as_str()));
        assert_eq!(p.envs[0].dev.as_deref(), Some("s3cret"));
        let bad = text.replace("env://PATH", "awssecretsmanager://x");
        let diags = d.load(&bad, false).unwrap_err();
        assert!(
            diags[0].message.contains("env://NAME or file://path"),
            "{}",
            diags[0].message
        );
        assert_eq!(spanned(&bad, &diags[0]), "\"path\"");
    }

    #[test]
    fn evaluation_errors_point_at_the_expression() {
        let text = "env \"a\" {\n  url = var.missing\n  dev = [1, 2]\n  src = data.sql.x\n}\n";
        let diags = load_err(text, &[]);
        let found: Vec<_> = diags.iter().map(|d| (d.code, spanned(text, d))).collect();
        assert_eq!(
            found,
            [
                ("eval", "var.missing"),
                ("type", "[1, 2]"),
                ("eval", "data.sql.x")
            ]
        );
        assert!(diags[2]
            .help
            .as_deref()
            .unwrap()
            .contains("data \"<kind>\""));
    }

    #[test]
    fn bad_default_and_type_are_errors() {
        let text = "variable \"n\" {\n  type = number\n  default = \"x\"\n}\nvariable \"m\" {\n  type = map(string)\n}\n";
        let diags = load_err(text, &[]);
        let found: Vec<_> = diags.iter().map(|d| (d.code, spanned(text, d))).collect();
        assert_eq!(
            found,
            [("variable-type", "\"x\""), ("variable-type", "map(string)")]
        );
    }

    #[test]
    fn syntax_error_has_a_position() {
        let text = "env \"local\" {\n  url = \"sqlite://a.db\"\n  schemas = [\"a\",\n}\n";
        let file = source(text);
        let diags = load(&file, &[]).unwrap_err();
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "syntax");
        let at = file.line_col(diags[0].span.as_ref().unwrap().start);
        assert_eq!(at.line, 4, "{:?}", diags[0]);
        assert!(
            diags[0]
                .message
                .contains(&format!("{}:{}", at.line, at.col)),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn duplicate_envs_are_errors() {
        let text = "env \"a\" {}\nenv \"a\" {}\n";
        let diags = load_err(text, &[]);
        assert_eq!(diags[0].code, "duplicate-env");
        assert_eq!(
            diags[0].span.as_ref().unwrap().start,
            text.rfind("\"a\"").unwrap()
        );
    }
}
