//! Atlas's functions for project files: URL helpers (`urlsetpath`,
//! `urlescape`, `urlqueryset`, `urluserinfo`), `jsondecode`, `env` (Atlas's
//! name for `getenv`) and `toset`, which `for_each` envs use.

use ::hcl::eval::{Context, FuncArgs, FuncDef, ParamType};
use ::hcl::Value;

pub fn declare(ctx: &mut Context) {
    ctx.declare_func(
        "urlsetpath",
        FuncDef::new(urlsetpath, [ParamType::String, ParamType::String]),
    );
    ctx.declare_func("urlescape", FuncDef::new(urlescape, [ParamType::String]));
    ctx.declare_func(
        "urlqueryset",
        FuncDef::new(
            urlqueryset,
            [ParamType::String, ParamType::String, ParamType::Any],
        ),
    );
    ctx.declare_func(
        "urluserinfo",
        FuncDef::builder()
            .param(ParamType::String)
            .param(ParamType::String)
            .variadic_param(ParamType::Any)
            .build(urluserinfo),
    );
    ctx.declare_func("jsondecode", FuncDef::new(jsondecode, [ParamType::String]));
    ctx.declare_func("env", FuncDef::new(getenv, [ParamType::String]));
    ctx.declare_func("toset", FuncDef::new(toset, [ParamType::Any]));
}

fn getenv(args: FuncArgs) -> Result<Value, String> {
    let name = args[0].as_str().unwrap_or_default();
    Ok(Value::from(std::env::var(name).unwrap_or_default()))
}

/// A URL cut into scheme, authority, path and query (no fragment support:
/// database URLs have none).
struct Parts<'a> {
    scheme: &'a str,
    authority: &'a str,
    path: &'a str,
    query: &'a str,
}

fn split(url: &str) -> Result<Parts<'_>, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("`{}` is not a URL", crate::url::redact(url)))?;
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    Ok(Parts {
        scheme,
        authority,
        path,
        query,
    })
}

impl Parts<'_> {
    fn join(&self, authority: &str, path: &str, query: &str) -> String {
        let q = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        format!("{}://{authority}{path}{q}", self.scheme)
    }
}

/// `urlsetpath("mysql://h:3306/", "tenant_1")` → `mysql://h:3306/tenant_1`.
fn urlsetpath(args: FuncArgs) -> Result<Value, String> {
    let url = args[0].as_str().unwrap_or_default();
    let path = args[1].as_str().unwrap_or_default();
    let p = split(url)?;
    let path = format!("/{}", path.trim_start_matches('/'));
    Ok(Value::from(p.join(p.authority, &path, p.query)))
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn urlescape(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::from(escape(args[0].as_str().unwrap_or_default())))
}

/// `urlqueryset(url, "search_path", "tenant")`: sets (or replaces) one
/// query parameter; a null value removes it.
fn urlqueryset(args: FuncArgs) -> Result<Value, String> {
    let url = args[0].as_str().unwrap_or_default();
    let key = args[1].as_str().unwrap_or_default();
    let p = split(url)?;
    let mut pairs: Vec<String> = p
        .query
        .split('&')
        .filter(|kv| !kv.is_empty() && kv.split('=').next() != Some(key))
        .map(str::to_string)
        .collect();
    match &args[2] {
        Value::Null => {}
        Value::String(v) => pairs.push(format!("{key}={}", escape(v))),
        other => pairs.push(format!("{key}={other}")),
    }
    Ok(Value::from(p.join(p.authority, p.path, &pairs.join("&"))))
}

/// `urluserinfo(url, "user", "pass")`: sets the URL's user (and password).
fn urluserinfo(args: FuncArgs) -> Result<Value, String> {
    let url = args[0].as_str().unwrap_or_default();
    let user = args[1].as_str().unwrap_or_default();
    let p = split(url)?;
    let host = p.authority.rsplit_once('@').map_or(p.authority, |(_, h)| h);
    let info = match args.get(2) {
        Some(Value::String(pass)) => format!("{}:{}", escape(user), escape(pass)),
        Some(Value::Null) | None => escape(user),
        Some(other) => {
            return Err(format!(
                "urluserinfo: the password must be a string, got {other}"
            ))
        }
    };
    Ok(Value::from(p.join(
        &format!("{info}@{host}"),
        p.path,
        p.query,
    )))
}

fn jsondecode(args: FuncArgs) -> Result<Value, String> {
    let text = args[0].as_str().unwrap_or_default();
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("jsondecode: {e}"))?;
    ::hcl::to_value(json).map_err(|e| format!("jsondecode: {e}"))
}

/// A list without repeats, in first-seen order.
fn toset(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Array(items) => {
            let mut out: Vec<Value> = Vec::new();
            for v in items {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
            Ok(Value::Array(out))
        }
        other => Err(format!("toset needs a list, got {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::hcl::eval::Evaluate;

    fn eval(expr: &str) -> Result<Value, String> {
        let mut ctx = Context::new();
        declare(&mut ctx);
        let body: ::hcl::Body = ::hcl::from_str(&format!("x = {expr}")).unwrap();
        let attr = body.attributes().next().unwrap();
        attr.expr.evaluate(&ctx).map_err(|e| e.to_string())
    }

    fn s(expr: &str) -> String {
        match eval(expr).unwrap() {
            Value::String(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn url_functions_behave_as_atlas_documents() {
        assert_eq!(
            s(r#"urlsetpath("mysql://root:pass@localhost:3306/?parseTime=true", "tenant_1")"#),
            "mysql://root:pass@localhost:3306/tenant_1?parseTime=true"
        );
        assert_eq!(s(r#"urlescape("p@ss word/1")"#), "p%40ss%20word%2F1");
        assert_eq!(
            s(
                r#"urlqueryset("postgres://h/db?sslmode=disable&search_path=a", "search_path", "t 1")"#
            ),
            "postgres://h/db?sslmode=disable&search_path=t%201"
        );
        assert_eq!(
            s(r#"urluserinfo("postgres://old@h:5432/db", "app", "s3cr@t")"#),
            "postgres://app:s3cr%40t@h:5432/db"
        );
        assert_eq!(
            s(r#"urluserinfo("postgres://h/db", "app")"#),
            "postgres://app@h/db"
        );
        assert_eq!(s(r#"jsondecode("{\"a\": [1, \"b\"]}").a[1]"#), "b");
        assert_eq!(
            eval(r#"toset(["a", "b", "a"])"#).unwrap(),
            Value::Array(vec![Value::from("a"), Value::from("b")])
        );
        assert!(eval(r#"jsondecode("{nope")"#)
            .unwrap_err()
            .contains("jsondecode"));
    }
}
