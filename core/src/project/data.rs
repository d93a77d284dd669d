//! Atlas's `data` sources in a project file, each turned into a value that env
//! attributes read as `data.<kind>.<name>…`:
//!
//! - `hcl_schema` (`path`, `vars`): `.url` names the file; its `vars` reach the
//!   schema file's `variable` blocks when an env's `src` uses that URL;
//! - `composite_schema` (`schema "name" { url = … }` blocks): `.url` stands for
//!   every one of them;
//! - `external_schema` (`program = ["cmd", "arg"…]`): runs the program in the
//!   project directory and reads the SQL it prints. It runs only when the
//!   caller trusts the project (the CLI: the user typed the command; the
//!   language server: a trusted workspace); otherwise it is skipped, and said so;
//! - `sql` (`url`, `query`, `args`): `.values` (the first column of every row)
//!   and `.value` (the first one) — a database is read, so trusted only too;
//! - `runtimevar` (`url = "env://NAME"` or `"file://path"`): the text.
//!
//! `template_dir` is refused with a clear error.

use ::hcl::{Map, Value};
use std::path::Path;

/// Synthetic URL schemes for schema sources that are not files.
pub const EXTERNAL: &str = "external-schema://";
pub const COMPOSITE: &str = "composite-schema://";

/// What a data source produced besides its value.
#[derive(Default, Debug)]
pub struct Produced {
    /// `external_schema`'s SQL: (source name, text).
    pub inline: Vec<(String, String)>,
    /// `hcl_schema`'s vars, by the URL its `.url` gives.
    pub vars: Vec<(String, Vec<(String, String)>)>,
    /// `composite_schema`'s members, by its `.url`.
    pub composite: Vec<(String, Vec<String>)>,
    /// A source that was not run, and why (untrusted).
    pub skipped: Option<String>,
}

/// Attributes of a data block, evaluated; nested blocks (composite's
/// `schema "x" { url = … }`) as (label, attributes).
pub struct Evaluated {
    pub attrs: Map<String, Value>,
    pub blocks: Vec<(String, Map<String, Value>)>,
}

/// Runs one data source. `Err` is the message for the block's position.
pub fn run(
    kind: &str,
    name: &str,
    e: &Evaluated,
    dir: &Path,
    trusted: bool,
    out: &mut Produced,
) -> Result<Value, String> {
    match kind {
        "hcl_schema" => hcl_schema(name, e, dir, out),
        "composite_schema" => composite(name, e, out),
        "external_schema" => external(name, e, dir, trusted, out),
        "sql" => sql(e, dir, trusted, out),
        "runtimevar" => runtimevar(e, dir),
        "template_dir" => Err(
            "data \"template_dir\" is not supported by strata yet: render the templates into a plain migration directory"
                .into(),
        ),
        other => Err(format!("unknown data source `{other}`")),
    }
}

fn string(e: &Evaluated, key: &str) -> Result<String, String> {
    match e.attrs.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!("`{key}` must be a string, got `{other}`")),
        None => Err(format!("`{key}` is required")),
    }
}

fn object(url: String) -> Value {
    let mut m = Map::new();
    m.insert("url".to_string(), Value::from(url));
    Value::Object(m)
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn hcl_schema(name: &str, e: &Evaluated, dir: &Path, out: &mut Produced) -> Result<Value, String> {
    let path = string(e, "path")?;
    let full = dir.join(&path);
    if !full.exists() {
        return Err(format!(
            "data.hcl_schema.{name}: {} does not exist",
            full.display()
        ));
    }
    let url = format!("file://{}", full.display());
    let mut vars = Vec::new();
    match e.attrs.get("vars") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                match (v, scalar(v)) {
                    (Value::Array(items), _) => {
                        for item in items {
                            let s = scalar(item).ok_or("`vars` values must be plain values")?;
                            vars.push((k.clone(), s));
                        }
                    }
                    (_, Some(s)) => vars.push((k.clone(), s)),
                    _ => return Err(format!("`vars.{k}` must be a string, number, bool or list")),
                }
            }
        }
        Some(other) => return Err(format!("`vars` must be an object, got `{other}`")),
    }
    out.vars.push((url.clone(), vars));
    Ok(object(url))
}

fn composite(name: &str, e: &Evaluated, out: &mut Produced) -> Result<Value, String> {
    let mut members = Vec::new();
    for (label, attrs) in &e.blocks {
        match attrs.get("url") {
            Some(Value::String(u)) => members.push(u.clone()),
            _ => return Err(format!("schema \"{label}\" needs `url`")),
        }
    }
    if members.is_empty() {
        return Err(
            "composite_schema needs at least one `schema \"name\" { url = … }` block".into(),
        );
    }
    let url = format!("{COMPOSITE}{name}");
    out.composite.push((url.clone(), members));
    Ok(object(url))
}

fn external(
    name: &str,
    e: &Evaluated,
    dir: &Path,
    trusted: bool,
    out: &mut Produced,
) -> Result<Value, String> {
    let program: Vec<String> = match e.attrs.get("program") {
        Some(Value::Array(items)) => items.iter().filter_map(scalar).collect(),
        _ => return Err("`program` must be a list: [\"command\", \"arg\"…]".into()),
    };
    let Some((cmd, args)) = program.split_first() else {
        return Err("`program` is empty".into());
    };
    let url = format!("{EXTERNAL}{name}");
    if !trusted {
        out.skipped = Some(format!(
            "data.external_schema.{name} was not run (it would run `{}`): the workspace is not trusted",
            program.join(" ")
        ));
        return Ok(object(url));
    }
    let output = std::process::Command::new(cmd)
        .args(args)
        .current_dir(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|err| format!("cannot run `{cmd}`: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "`{}` failed ({}): {}",
            program.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let sql = String::from_utf8(output.stdout)
        .map_err(|_| format!("`{}` printed text that is not UTF-8", program.join(" ")))?;
    out.inline
        .push((format!("external_schema.{name}.sql"), sql));
    Ok(object(url))
}

fn sql(e: &Evaluated, dir: &Path, trusted: bool, out: &mut Produced) -> Result<Value, String> {
    let url = string(e, "url")?;
    let query = string(e, "query")?;
    if e.attrs
        .get("args")
        .is_some_and(|a| !matches!(a, Value::Null))
    {
        return Err(
            "`args` are not supported by strata yet: write the values into the query".into(),
        );
    }
    let shown = crate::url::redact(&url);
    if !trusted {
        out.skipped = Some(format!(
            "a data \"sql\" source was not run (it would query {shown}): the workspace is not trusted"
        ));
        let mut m = Map::new();
        m.insert("values".to_string(), Value::Array(Vec::new()));
        m.insert("value".to_string(), Value::Null);
        return Ok(Value::Object(m));
    }
    let resolved = crate::env::resolve_url(dir, &url);
    let db = crate::workspace::parse_db(&resolved).map_err(|e| e.to_string())?;
    let mut driver = crate::driver::open(&db, false).map_err(|e| e.to_string())?;
    let rows = driver
        .query(&query)
        .map_err(|e| format!("the query on {shown} failed: {e}"))?;
    let values: Vec<Value> = rows
        .into_iter()
        .filter_map(|r| r.into_iter().next())
        .map(|v| v.map(Value::from).unwrap_or(Value::Null))
        .collect();
    let mut m = Map::new();
    m.insert(
        "value".to_string(),
        values.first().cloned().unwrap_or(Value::Null),
    );
    m.insert("values".to_string(), Value::Array(values));
    Ok(Value::Object(m))
}

fn runtimevar(e: &Evaluated, dir: &Path) -> Result<Value, String> {
    let url = string(e, "url")?;
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("`{url}` is not a URL: use env://NAME or file://path"))?;
    let rest = rest.split('?').next().unwrap_or(rest);
    match scheme {
        "env" => std::env::var(rest)
            .map(Value::from)
            .map_err(|_| format!("runtimevar env://{rest}: the environment variable {rest} is not set")),
        "file" => {
            let path = dir.join(rest);
            std::fs::read_to_string(&path)
                .map(|s| Value::from(s.trim_end_matches('\n').to_string()))
                .map_err(|err| format!("runtimevar: cannot read {}: {err}", path.display()))
        }
        other => Err(format!(
            "runtimevar {other}:// is not supported by strata: use env://NAME or file://path (cloud secret stores are not read)"
        )),
    }
}
