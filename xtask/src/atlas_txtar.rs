//! `cargo run -p xtask -- atlas-txtar [--dialect sqlite|postgres] [--filter NAME] [--verbose]`
//!
//! Runs Atlas's own integration scripts (`internal/integration/testdata/
//! {sqlite,postgres}/*.txtar` in ../shared/corpora/atlas) against the `strata`
//! binary, as far as strata's commands can express them. This is a reader of
//! Atlas's test *data*; none of Atlas's code is used.
//!
//! Each script line maps to strata or is skipped (and counted):
//! - `apply F` / `! apply F`: `strata schema apply --url URL --to file://F
//!   --auto-approve` must succeed / fail; after a success a re-plan must be empty;
//! - `cmpshow T F`: the table as the database itself describes it must match
//!   Atlas's expectation — PostgreSQL: `psql -c '\d T'` text, compared line by
//!   line; SQLite: the expected `CREATE TABLE` is run on a fresh database and
//!   both tables are compared through PRAGMA table_xinfo, index_list/index_info
//!   and foreign_key_list;
//! - `cmphcl F`: `strata schema diff --from URL --to file://F` must be empty;
//! - `execsql 'SQL'`: run on the database (sqlite3 / psql);
//! - `clearSchema`: the database emptied;
//! - `atlas schema apply|inspect|diff|clean …` (and `!`): the same strata
//!   command with Atlas's flags mapped (`-u`, `-f`, `--to`, `--env`, `--var`,
//!   `--auto-approve`, `--dev-url`, `> file`); a Go-template `--format` is skipped;
//! - `stdout`/`stderr` (Atlas's messages), `cmp` (Atlas's output format),
//!   `exec`: skipped.
//!
//! Scripts about versioned migrations (`atlas migrate`, `cmpmig`) are skipped whole.
//! A script *fully passes* when every line ran (none skipped) and passed.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Default)]
struct Tally {
    scripts_full_pass: usize,
    scripts_run: usize,
    scripts_skipped: usize,
    lines_pass: usize,
    lines_fail: usize,
    lines_skipped: usize,
}

pub fn main(args: &[String]) -> Result<()> {
    let mut dialects = vec![Dialect::Sqlite, Dialect::Postgres];
    let mut filter = None;
    let mut verbose = false;
    let mut corpus = PathBuf::from("../shared/corpora/atlas/internal/integration/testdata");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--dialect" => {
                dialects = match it.next().map(String::as_str) {
                    Some("sqlite") => vec![Dialect::Sqlite],
                    Some("postgres") => vec![Dialect::Postgres],
                    other => bail!("--dialect sqlite|postgres, got {other:?}"),
                }
            }
            "--filter" => filter = it.next().cloned(),
            "--corpus" => corpus = PathBuf::from(it.next().context("--corpus DIR")?),
            "--verbose" => verbose = true,
            other => bail!("unknown option {other}"),
        }
    }
    if !corpus.is_dir() {
        bail!("no Atlas corpus at {}", corpus.display());
    }
    let bin = strata_bin()?;
    for d in dialects {
        let dir = corpus.join(match d {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        });
        let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txtar"))
            .filter(|p| {
                filter
                    .as_ref()
                    .is_none_or(|f| p.to_string_lossy().contains(f.as_str()))
            })
            .collect();
        scripts.sort();
        let pg = match d {
            Dialect::Postgres => match PgServer::create() {
                Some(s) => Some(s),
                None => {
                    eprintln!("!!! SKIPPING postgres scripts: no server at 127.0.0.1:5432");
                    continue;
                }
            },
            Dialect::Sqlite => None,
        };
        let mut t = Tally::default();
        for script in &scripts {
            run_script(&bin, d, script, pg.as_ref(), &mut t, verbose)?;
        }
        drop(pg);
        let name = if d == Dialect::Sqlite {
            "sqlite"
        } else {
            "postgres"
        };
        println!(
            "atlas-txtar {name}: scripts fully passed {}/{} run ({} skipped of {}); lines passed {}, failed {}, skipped {}",
            t.scripts_full_pass,
            t.scripts_run,
            t.scripts_skipped,
            scripts.len(),
            t.lines_pass,
            t.lines_fail,
            t.lines_skipped
        );
    }
    Ok(())
}

fn strata_bin() -> Result<PathBuf> {
    if let Ok(b) = std::env::var("STRATA_BIN") {
        return Ok(PathBuf::from(b));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let b = root.join("target/debug/strata");
    if !b.is_file() {
        bail!("build the CLI first (cargo build -p strata-cli) or set STRATA_BIN");
    }
    Ok(b)
}

/// A throwaway database on the local server for all PostgreSQL scripts.
struct PgServer {
    db: String,
}

const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable";

impl PgServer {
    fn create() -> Option<PgServer> {
        let mut c = postgres::Client::connect(PG_ADMIN, postgres::NoTls).ok()?;
        let db = format!("strata_txtar_{}", std::process::id());
        c.batch_execute(&format!("CREATE DATABASE \"{db}\"")).ok()?;
        Some(PgServer { db })
    }

    fn url(&self, schema: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:5432/{}?sslmode=disable&search_path={schema}",
            self.db
        )
    }

    fn conninfo(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:5432/{}?sslmode=disable",
            self.db
        )
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(PG_ADMIN, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.db
            ));
        }
    }
}

/// `(commands, files)` of a txtar archive.
fn parse_txtar(text: &str) -> (Vec<String>, Vec<(String, String)>) {
    let mut commands = Vec::new();
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("-- ").and_then(|l| l.strip_suffix(" --")) {
            files.push((name.trim().to_string(), String::new()));
        } else if let Some((_, body)) = files.last_mut() {
            body.push_str(line);
            body.push('\n');
        } else {
            commands.push(line.to_string());
        }
    }
    (commands, files)
}

/// Splits a command line into words, keeping 'single quoted' text whole
/// (`''` inside is one quote, as testscript reads it).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut any = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' if quoted && chars.peek() == Some(&'\'') => {
                chars.next();
                cur.push('\'');
            }
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

enum Outcome {
    Pass,
    Fail(String),
    Skip,
}

struct Script<'a> {
    bin: &'a Path,
    dialect: Dialect,
    dir: PathBuf,
    url: String,
    dev: Option<String>,
    schema: String,
    pg: Option<&'a PgServer>,
}

fn run_script(
    bin: &Path,
    dialect: Dialect,
    path: &Path,
    pg: Option<&PgServer>,
    t: &mut Tally,
    verbose: bool,
) -> Result<()> {
    let text = std::fs::read_to_string(path)?;
    let stem = path.file_stem().unwrap().to_string_lossy().to_string();
    let (commands, files) = parse_txtar(&text);
    let migrate = commands
        .iter()
        .any(|c| c.contains("atlas migrate") || c.trim_start().starts_with("cmpmig"));
    let only_other = commands.iter().any(|c| {
        let w = words(c);
        w.first().map(String::as_str) == Some("only")
            && !w[1..].iter().any(|v| {
                v.split('|')
                    .any(|x| x == "sqlite" || x.starts_with("postgres15") || x == "postgres")
            })
    });
    if migrate || only_other {
        t.scripts_skipped += 1;
        if verbose {
            println!(
                "skip {stem}: {}",
                if migrate {
                    "versioned migrations"
                } else {
                    "`only` another version"
                }
            );
        }
        return Ok(());
    }
    let dir = std::env::temp_dir().join(format!("strata-txtar-{}-{stem}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let schema = format!("script_{}", stem.replace('-', "_"));
    let (url, dev) = match (dialect, pg) {
        (Dialect::Postgres, Some(pg)) => {
            let mut c = postgres::Client::connect(&pg.conninfo(), postgres::NoTls)?;
            c.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE; CREATE SCHEMA \"{schema}\""
            ))?;
            (
                pg.url(&schema),
                Some(format!("{}&search_path={schema}", PG_ADMIN)),
            )
        }
        _ => (format!("sqlite://{}", dir.join("main.db").display()), None),
    };
    let s = Script {
        bin,
        dialect,
        dir: dir.clone(),
        url,
        dev,
        schema: schema.clone(),
        pg,
    };
    for (name, body) in &files {
        let body = body
            .replace("$db", &schema)
            .replace("\"URL\"", &format!("\"{}\"", s.url));
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, body)?;
    }
    let (mut pass, mut fail, mut skip) = (0, 0, 0);
    for line in &commands {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("only ") {
            continue;
        }
        match s.run(line) {
            Outcome::Pass => pass += 1,
            Outcome::Skip => skip += 1,
            Outcome::Fail(why) => {
                fail += 1;
                if verbose {
                    println!("FAIL {stem}: `{line}`: {why}");
                }
            }
        }
    }
    if let (Dialect::Postgres, Some(pg)) = (dialect, pg) {
        if let Ok(mut c) = postgres::Client::connect(&pg.conninfo(), postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    t.lines_pass += pass;
    t.lines_fail += fail;
    t.lines_skipped += skip;
    if pass + fail > 0 {
        t.scripts_run += 1;
        if fail == 0 && skip == 0 {
            t.scripts_full_pass += 1;
        }
    } else {
        t.scripts_skipped += 1;
    }
    if verbose {
        println!("{stem}: {pass} passed, {fail} failed, {skip} skipped");
    }
    Ok(())
}

impl Script<'_> {
    fn strata(&self, args: &[String]) -> (bool, String, String) {
        let out = Command::new(self.bin)
            .args(args)
            .current_dir(&self.dir)
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run strata");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn dev_args(&self) -> Vec<String> {
        self.dev
            .iter()
            .flat_map(|d| ["--dev-url".to_string(), d.clone()])
            .collect()
    }

    fn run(&self, line: &str) -> Outcome {
        let (negate, line) = match line.strip_prefix("! ") {
            Some(rest) => (true, rest.trim()),
            None => (false, line),
        };
        let w = words(line);
        let expect = |ok: bool, err: &str| match (ok, negate) {
            (true, false) | (false, true) => Outcome::Pass,
            (true, true) => Outcome::Fail("succeeded, expected a failure".into()),
            (false, false) => Outcome::Fail(err.lines().take(3).collect::<Vec<_>>().join(" / ")),
        };
        match w.first().map(String::as_str) {
            Some("apply") if w.len() == 2 => {
                let mut args: Vec<String> = ["schema", "apply", "--url", &self.url, "--to"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                args.push(format!("file://{}", w[1]));
                args.push("--auto-approve".into());
                args.extend(self.dev_args());
                let (ok, _, err) = self.strata(&args);
                if ok && !negate {
                    // strata's own promise on top: the applied schema re-plans empty.
                    let mut diff: Vec<String> = ["schema", "diff", "--from", &self.url, "--to"]
                        .iter()
                        .map(|s| s.to_string())
                        .collect();
                    diff.push(format!("file://{}", w[1]));
                    diff.extend(self.dev_args());
                    let (dok, out, derr) = self.strata(&diff);
                    if !dok {
                        return Outcome::Fail(format!("re-plan failed: {derr}"));
                    }
                    if !out.trim().is_empty() {
                        return Outcome::Fail(format!("re-plan not empty: {out}"));
                    }
                }
                expect(ok, &err)
            }
            Some("cmphcl") if w.len() == 2 => {
                let mut diff: Vec<String> = ["schema", "diff", "--from", &self.url, "--to"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                diff.push(format!("file://{}", w[1]));
                diff.extend(self.dev_args());
                let (ok, out, err) = self.strata(&diff);
                if !ok {
                    return Outcome::Fail(err);
                }
                match (out.trim().is_empty(), negate) {
                    (true, false) | (false, true) => Outcome::Pass,
                    _ => Outcome::Fail(format!("differs: {out}")),
                }
            }
            Some("cmpshow") if w.len() == 3 => self.cmpshow(&w[1], &w[2], negate),
            Some("execsql") if w.len() == 2 => {
                let sql = w[1].replace("$db", &self.schema);
                let ok = match self.dialect {
                    Dialect::Sqlite => rusqlite::Connection::open(self.dir.join("main.db"))
                        .and_then(|c| c.execute_batch(&sql))
                        .is_ok(),
                    Dialect::Postgres => self.pg_exec(&sql).is_ok(),
                };
                expect(ok, "execsql failed")
            }
            Some("clearSchema") => {
                let ok = match self.dialect {
                    Dialect::Sqlite => {
                        let _ = std::fs::remove_file(self.dir.join("main.db"));
                        true
                    }
                    Dialect::Postgres => self
                        .pg_exec(&format!(
                            "DROP SCHEMA IF EXISTS \"{0}\" CASCADE; CREATE SCHEMA \"{0}\"",
                            self.schema
                        ))
                        .is_ok(),
                };
                expect(ok, "clearSchema failed")
            }
            Some("atlas") if w.get(1).map(String::as_str) == Some("schema") => {
                self.atlas_schema(&w[2..], negate)
            }
            _ => Outcome::Skip,
        }
    }

    fn pg_exec(&self, sql: &str) -> Result<()> {
        let pg = self.pg.context("no server")?;
        let mut c = postgres::Client::connect(&pg.conninfo(), postgres::NoTls)?;
        c.batch_execute(&format!("SET search_path = \"{}\"; {sql}", self.schema))?;
        Ok(())
    }

    /// `atlas schema <sub> [flags…] [> file]` as strata.
    fn atlas_schema(&self, w: &[String], negate: bool) -> Outcome {
        let Some(sub) = w.first() else {
            return Outcome::Skip;
        };
        if !matches!(sub.as_str(), "apply" | "inspect" | "diff" | "clean") {
            return Outcome::Skip;
        }
        let mut args = vec!["schema".to_string(), sub.clone()];
        let mut redirect = None;
        let mut i = 1;
        let url = |v: &str| match v {
            "URL" => self.url.clone(),
            "DEV_URL" => self
                .dev
                .clone()
                .unwrap_or_else(|| "sqlite://dev?mode=memory".to_string()),
            _ => v.to_string(),
        };
        while i < w.len() {
            let a = w[i].as_str();
            let val = w.get(i + 1).cloned();
            match a {
                ">" => {
                    redirect = val;
                    i += 2;
                    continue;
                }
                "-u" | "--url" => args.extend(["--url".into(), url(&val.unwrap_or_default())]),
                "--from" | "--to"
                    if val
                        .as_deref()
                        .is_some_and(|v| v.contains("://") || v == "URL") =>
                {
                    args.extend([a.to_string(), url(&val.unwrap_or_default())])
                }
                "-f" | "--file" | "--to" => {
                    args.extend(["--to".into(), format!("file://{}", val.unwrap_or_default())])
                }
                "--env" | "--var" | "-c" | "--config" | "--dev-url" | "--exclude" | "-s"
                | "--schema" => {
                    let flag = match a {
                        "-c" => "--config",
                        "-s" => "--schema",
                        other => other,
                    };
                    args.extend([flag.to_string(), url(&val.unwrap_or_default())])
                }
                "--auto-approve" => {
                    args.push(a.to_string());
                    i += 1;
                    continue;
                }
                _ => return Outcome::Skip,
            }
            i += 2;
        }
        let takes_dev = sub != "clean";
        if takes_dev && !args.iter().any(|a| a == "--dev-url") && !args.iter().any(|a| a == "--env")
        {
            args.extend(self.dev_args());
        }
        let (ok, out, err) = self.strata(&args);
        if let Some(file) = redirect {
            let _ = std::fs::write(self.dir.join(file), &out);
        }
        match (ok, negate) {
            (true, false) | (false, true) => Outcome::Pass,
            (true, true) => Outcome::Fail("succeeded, expected a failure".into()),
            (false, false) => Outcome::Fail(err.lines().take(3).collect::<Vec<_>>().join(" / ")),
        }
    }

    fn cmpshow(&self, table: &str, file: &str, negate: bool) -> Outcome {
        let Ok(want) = std::fs::read_to_string(self.dir.join(file)) else {
            return Outcome::Fail(format!("no file {file}"));
        };
        let same = match self.dialect {
            Dialect::Postgres => {
                let Some(pg) = self.pg else {
                    return Outcome::Skip;
                };
                let out = Command::new("psql")
                    .args([
                        &pg.conninfo(),
                        "-c",
                        &format!("\\d {}.{table}", self.schema),
                    ])
                    .output();
                let Ok(out) = out else { return Outcome::Skip };
                let got = String::from_utf8_lossy(&out.stdout).to_string();
                let norm = |s: &str| -> Vec<String> {
                    s.lines()
                        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                        .filter(|l| !l.is_empty())
                        .collect()
                };
                let (g, wnt) = (norm(&got), norm(&want));
                if g != wnt {
                    return self.verdict(
                        false,
                        negate,
                        format!("psql \\d differs:\n got: {g:?}\nwant: {wnt:?}"),
                    );
                }
                true
            }
            Dialect::Sqlite => {
                let expected = rusqlite::Connection::open_in_memory().unwrap();
                // Atlas prints one statement per line, without semicolons.
                let sql = want.replace('`', "\"").replace("\nCREATE ", ";\nCREATE ");
                if let Err(e) = expected.execute_batch(&sql) {
                    return Outcome::Fail(format!("expected SQL does not run: {e}"));
                }
                let Ok(actual) = rusqlite::Connection::open(self.dir.join("main.db")) else {
                    return Outcome::Fail("no database".into());
                };
                let (a, e) = (sqlite_shape(&actual, table), sqlite_shape(&expected, table));
                if a != e {
                    return self.verdict(
                        false,
                        negate,
                        format!("table differs:\n got: {a:?}\nwant: {e:?}"),
                    );
                }
                true
            }
        };
        self.verdict(same, negate, String::new())
    }

    fn verdict(&self, same: bool, negate: bool, why: String) -> Outcome {
        if same != negate {
            Outcome::Pass
        } else {
            Outcome::Fail(why)
        }
    }
}

/// A SQLite table as PRAGMAs describe it: columns (name, type, not null,
/// default, pk, hidden), indexes (unique, origin, partial, columns) and
/// foreign keys — what Atlas's `CREATE TABLE` text means, without its spelling.
fn sqlite_shape(c: &rusqlite::Connection, table: &str) -> Vec<String> {
    let q = |sql: &str| -> Vec<String> {
        let Ok(mut st) = c.prepare(sql) else {
            return vec![format!("error: {sql}")];
        };
        let n = st.column_count();
        st.query_map([table], |r| {
            Ok((0..n)
                .map(|i| {
                    r.get::<_, rusqlite::types::Value>(i)
                        .map(|v| format!("{v:?}").to_lowercase())
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join("|"))
        })
        .map(|rows| rows.filter_map(|r| r.ok()).collect())
        .unwrap_or_default()
    };
    let mut out = q("SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1) ORDER BY cid");
    let mut idx = q("SELECT i.\"unique\", i.origin, i.partial, (SELECT group_concat(coalesce(name, '<expr>'), ',') FROM pragma_index_info(i.name)) FROM pragma_index_list(?1) i");
    idx.sort();
    out.extend(idx);
    let mut fks = q(
        "SELECT \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?1)",
    );
    fks.sort();
    out.extend(fks);
    let autoinc: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = ?1 AND sql LIKE '%AUTOINCREMENT%'",
            [table],
            |r| r.get(0),
        )
        .unwrap_or(0);
    out.push(format!("autoincrement={autoinc}"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_txtar_and_quoted_words() {
        let (c, f) = parse_txtar("apply 1.hcl\n! apply 2.hcl\n-- 1.hcl --\na\nb\n-- 2.hcl --\nc\n");
        assert_eq!(c, ["apply 1.hcl", "! apply 2.hcl"]);
        assert_eq!(
            f,
            [
                ("1.hcl".to_string(), "a\nb\n".to_string()),
                ("2.hcl".to_string(), "c\n".to_string())
            ]
        );
        assert_eq!(
            words("execsql 'INSERT INTO t VALUES (''x'')'  "),
            ["execsql", "INSERT INTO t VALUES ('x')"]
        );
        assert_eq!(words("stderr ''"), ["stderr", ""]);
    }
}
