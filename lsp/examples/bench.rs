//! Language server benchmark:
//! `cargo run --release -p strata-lsp --example bench [-- SIZES] [file|files|sql]`
//!
//! Generates workspaces of N tables (default 1000 and 5000), laid out as one
//! HCL file, as one HCL file per table and as one SQL file (`CREATE TABLE` and
//! `CREATE INDEX` statements), and replays a scripted session against the
//! real server in-process (framed JSON-RPC over pipes, as an editor would):
//! initialize (which indexes the folder), didOpen, 200 keystrokes each followed
//! by a completion, then waiting for that version's diagnostics, hovers,
//! definitions, references and a rename. Reports p50/p95/p99 per request kind
//! and peak RSS (VmHWM). The diagnostics debounce is set to 0 so that
//! "keystroke → diagnostics" measures the analysis, not the deliberate pause.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};

struct Client {
    r: BufReader<DuplexStream>,
    w: DuplexStream,
    id: i64,
    inbox: Vec<Value>,
}

impl Client {
    async fn send(&mut self, v: &Value) {
        let body = serde_json::to_string(v).unwrap();
        let msg = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.w.write_all(msg.as_bytes()).await.unwrap();
    }

    async fn read(&mut self) -> Value {
        let mut len = 0;
        loop {
            let mut line = String::new();
            self.r.read_line(&mut line).await.unwrap();
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some(v) = l.strip_prefix("Content-Length: ") {
                len = v.parse().unwrap();
            }
        }
        let mut buf = vec![0; len];
        self.r.read_exact(&mut buf).await.unwrap();
        // A big answer (semantic tokens of a whole file) is only checked for its
        // id: parsing it into a tree would count the client's memory as the server's.
        let v: Value = if len > 1 << 20 {
            #[derive(serde::Deserialize)]
            struct Head {
                id: Option<Value>,
                method: Option<String>,
            }
            let h: Head = serde_json::from_slice(&buf).unwrap();
            json!({"id": h.id, "method": h.method, "result": {"big": len}})
        } else {
            serde_json::from_slice(&buf).unwrap()
        };
        let v = match v.get("method") {
            Some(Value::Null) => {
                let mut v = v;
                v.as_object_mut().unwrap().remove("method");
                v
            }
            _ => v,
        };
        if v.get("method").is_some() && v.get("id").is_some() {
            self.send(&json!({"jsonrpc": "2.0", "id": v["id"], "result": null}))
                .await;
        }
        v
    }

    async fn request(&mut self, method: &str, params: Value) -> Value {
        self.id += 1;
        let id = self.id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let m = self.read().await;
            if m.get("id") == Some(&json!(id)) && m.get("method").is_none() {
                return m["result"].clone();
            }
            self.inbox.push(m);
        }
    }

    async fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    async fn diagnostics_for(&mut self, uri: &str, version: i64) -> Value {
        let hit = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        };
        if let Some(i) = self.inbox.iter().position(hit) {
            return self.inbox.remove(i);
        }
        loop {
            let m = self.read().await;
            if hit(&m) {
                self.inbox.clear();
                return m;
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// One HCL file.
    File,
    /// One HCL file per table.
    Files,
    /// One SQL file.
    Sql,
}

impl Layout {
    fn describe(self) -> &'static str {
        match self {
            Layout::File => "one file",
            Layout::Files => "one file per table",
            Layout::Sql => "one SQL file",
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Layout::File => "file",
            Layout::Files => "files",
            Layout::Sql => "sql",
        }
    }
}

fn parent_of(i: usize, n: usize) -> usize {
    if i == 0 {
        n - 1
    } else if i.is_multiple_of(10) {
        1
    } else {
        (i.wrapping_mul(2_654_435_761) >> 7) % i
    }
}

/// The SQL twin of [`table`]: the same columns, key, foreign key and index.
fn sql_table(i: usize, n: usize) -> String {
    let parent = parent_of(i, n);
    let index = if i.is_multiple_of(2) {
        format!("CREATE INDEX t{i}_parent ON t{i} (parent_id);\n")
    } else {
        String::new()
    };
    format!(
        "CREATE TABLE t{i} (\n  id INTEGER NOT NULL PRIMARY KEY,\n  name VARCHAR(255) NOT NULL,\n  created_at DATETIME,\n  parent_id INTEGER,\n  note TEXT,\n  CONSTRAINT t{i}_parent FOREIGN KEY (parent_id) REFERENCES t{parent} (id)\n);\n{index}\n"
    )
}

fn table(i: usize, n: usize) -> String {
    let parent = parent_of(i, n);
    let index = if i.is_multiple_of(2) {
        format!("  index \"t{i}_parent\" {{\n    columns = [column.parent_id]\n  }}\n")
    } else {
        String::new()
    };
    format!(
        "table \"t{i}\" {{\n  schema = schema.main\n  column \"id\" {{\n    type = integer\n  }}\n  column \"name\" {{\n    type = varchar(255)\n  }}\n  column \"created_at\" {{\n    type = datetime\n    null = true\n  }}\n  column \"parent_id\" {{\n    type = integer\n    null = true\n  }}\n  column \"note\" {{\n    type = text\n    null = true\n  }}\n  primary_key {{\n    columns = [column.id]\n  }}\n  foreign_key \"t{i}_parent\" {{\n    columns     = [column.parent_id]\n    ref_columns = [table.t{parent}.column.id]\n  }}\n{index}}}\n\n"
    )
}

/// Writes the workspace; returns the file to open and its text.
fn generate(dir: &Path, n: usize, layout: Layout) -> (PathBuf, String) {
    std::fs::create_dir_all(dir).unwrap();
    let target = n / 2;
    if layout == Layout::Sql {
        let s: String = (0..n).map(|i| sql_table(i, n)).collect();
        let p = dir.join("schema.sql");
        std::fs::write(&p, &s).unwrap();
        (p, s)
    } else if layout == Layout::Files {
        std::fs::write(dir.join("schema.hcl"), "schema \"main\" {}\n").unwrap();
        let mut open = None;
        for i in 0..n {
            let p = dir.join(format!("t{i}.hcl"));
            let t = table(i, n);
            std::fs::write(&p, &t).unwrap();
            if i == target {
                open = Some((p, t));
            }
        }
        open.unwrap()
    } else {
        let mut s = String::from("schema \"main\" {}\n\n");
        for i in 0..n {
            s.push_str(&table(i, n));
        }
        let p = dir.join("schema.hcl");
        std::fs::write(&p, &s).unwrap();
        (p, s)
    }
}

fn pos_of(text: &str, offset: usize) -> Value {
    let line = text[..offset].matches('\n').count();
    let start = text[..offset].rfind('\n').map_or(0, |p| p + 1);
    json!({"line": line, "character": text[start..offset].encode_utf16().count()})
}

fn peak_rss_mb() -> f64 {
    rss("VmHWM:")
}

fn rss(field: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[derive(Default)]
struct Stats(Vec<(&'static str, Vec<Duration>)>);

impl Stats {
    fn add(&mut self, kind: &'static str, d: Duration) {
        match self.0.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, v)) => v.push(d),
            None => self.0.push((kind, vec![d])),
        }
    }

    fn print(&mut self) {
        println!("| request | n | p50 ms | p95 ms | p99 ms | max ms |");
        println!("|---|---|---|---|---|---|");
        for (k, v) in &mut self.0 {
            v.sort();
            let p = |q: f64| {
                let i = ((v.len() as f64 - 1.0) * q).round() as usize;
                v[i].as_secs_f64() * 1000.0
            };
            println!(
                "| {k} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
                v.len(),
                p(0.5),
                p(0.95),
                p(0.99),
                p(1.0)
            );
        }
    }
}

async fn session(n: usize, layout: Layout) {
    let per_file = layout == Layout::Files;
    let sql = layout == Layout::Sql;
    let dir = std::env::temp_dir().join(format!(
        "strata-lsp-bench-{}-{n}-{}",
        std::process::id(),
        layout.tag()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let (path, text) = generate(&dir, n, layout);
    let dir = dir.canonicalize().unwrap();
    let path = dir.join(path.file_name().unwrap());
    let uri = format!("file://{}", path.display());
    let (cw, sr) = tokio::io::duplex(1 << 24);
    let (sw, cr) = tokio::io::duplex(1 << 24);
    let opts = strata_lsp::server::Options {
        debounce: Duration::ZERO,
        live_plan: false,
        ..Default::default()
    };
    tokio::spawn(strata_lsp::server::serve(sr, sw, opts));
    let mut c = Client {
        r: BufReader::new(cr),
        w: cw,
        id: 0,
        inbox: Vec::new(),
    };
    let mut stats = Stats::default();
    println!(
        "\n### {n} tables, {} ({:.1} MB of {})\n",
        layout.describe(),
        if per_file { text.len() * n } else { text.len() } as f64 / 1e6,
        if sql { "SQL" } else { "HCL" }
    );
    let t = Instant::now();
    c.request(
        "initialize",
        json!({
            "rootUri": format!("file://{}", dir.display()),
            "capabilities": {"textDocument": {"completion": {"completionItem": {"snippetSupport": true}}}},
        }),
    )
    .await;
    let index_time = t.elapsed();
    let rss_index = peak_rss_mb();
    c.notify("initialized", json!({})).await;
    let t = Instant::now();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": if sql { "strata-sql" } else { "strata-hcl" }, "version": 1, "text": text}}),
    )
    .await;
    c.diagnostics_for(&uri, 1).await;
    stats.add("didOpen → diagnostics", t.elapsed());

    // Type a foreign key into the middle table, a character at a time, asking
    // for completions after each keystroke.
    let anchor = if sql {
        format!("CREATE TABLE t{} (\n", n / 2)
    } else {
        format!("table \"t{}\" {{\n", n / 2)
    };
    let mut doc = text.clone();
    let mut at = doc.find(&anchor).unwrap() + anchor.len();
    let script = if sql {
        format!(
            "  other_id INTEGER REFERENCES t{} (id),\n  extra VARCHAR(64) CHECK (extra <> ''),\n",
            n / 3
        )
    } else {
        format!(
            "  foreign_key \"fk_a\" {{\n    columns = [column.parent_id]\n    ref_columns = [table.t{}.column.id]\n  }}\n  column \"extra\" {{\n    type = varchar(64)\n    null = true\n  }}\n",
            n / 3
        )
    };
    let keys: Vec<char> = script.chars().cycle().take(200).collect();
    let mut version = 1;
    let mut items_total = 0;
    for ch in keys {
        version += 1;
        let p = pos_of(&doc, at);
        let t = Instant::now();
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": {"start": p, "end": p}, "text": ch.to_string()}]}),
        )
        .await;
        doc.insert(at, ch);
        at += ch.len_utf8();
        let tc = Instant::now();
        let r = c
            .request(
                "textDocument/completion",
                json!({"textDocument": {"uri": uri}, "position": pos_of(&doc, at)}),
            )
            .await;
        stats.add("completion", tc.elapsed());
        items_total += r["items"].as_array().map_or(0, Vec::len);
        c.diagnostics_for(&uri, version).await;
        stats.add("keystroke → diagnostics", t.elapsed());
    }

    let rss_typing = peak_rss_mb();
    // Hovers and definitions on table references spread over the file (the
    // few of a one-table file are visited repeatedly).
    let marker = if sql { "REFERENCES t" } else { "[table.t" };
    let all: Vec<usize> = doc
        .match_indices(marker)
        .map(|(i, _)| i + marker.len())
        .collect();
    let refs: Vec<usize> = all
        .iter()
        .copied()
        .step_by((all.len() / 100).max(1))
        .cycle()
        .take(100)
        .collect();
    let open_path = path.clone();
    for &o in &refs {
        let p = pos_of(&doc, o);
        let t = Instant::now();
        let h = c
            .request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": p}),
            )
            .await;
        stats.add("hover", t.elapsed());
        assert!(h.get("contents").is_some(), "hover found nothing");
        let t = Instant::now();
        c.request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": p}),
        )
        .await;
        stats.add("definition", t.elapsed());
    }
    for &o in refs.iter().take(10) {
        let t = Instant::now();
        c.request(
            "textDocument/references",
            json!({"textDocument": {"uri": uri}, "position": pos_of(&doc, o), "context": {"includeDeclaration": true}}),
        )
        .await;
        stats.add("references", t.elapsed());
    }
    // Rename the most referenced table: t1 is every odd table's parent.
    let t1 = if sql { "REFERENCES t1 " } else { "[table.t1." };
    let name_at = doc.find(t1).map_or_else(
        || doc.find(&anchor).unwrap() + anchor.find(&format!("t{}", n / 2)).unwrap() + 1,
        |i| i + t1.find(" t1").map_or("[table.".len(), |p| p + 1) + 1,
    );
    let t = Instant::now();
    let edit = c
        .request(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri}, "position": pos_of(&doc, name_at), "newName": "renamed_table"}),
        )
        .await;
    stats.add("rename", t.elapsed());
    let files = edit["changes"].as_object().map_or(0, |m| m.len());
    let edits: usize = edit["changes"].as_object().map_or(0, |m| {
        m.values().map(|v| v.as_array().map_or(0, Vec::len)).sum()
    });
    let t = Instant::now();
    c.request(
        "textDocument/semanticTokens/range",
        json!({"textDocument": {"uri": uri}, "range": {"start": pos_of(&doc, at), "end": pos_of(&doc, (at + 4000).min(doc.len()))}}),
    )
    .await;
    stats.add("semanticTokens/range (100 lines)", t.elapsed());
    let t = Instant::now();
    c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri}}),
    )
    .await;
    stats.add("semanticTokens/full", t.elapsed());
    let t = Instant::now();
    c.request("workspace/symbol", json!({"query": "t42"})).await;
    stats.add("workspace/symbol", t.elapsed());
    println!(
        "initial index (initialize, {} file(s)): {:.0} ms; rename: {edits} edit(s) in {files} file(s); {:.1} completion items on average",
        if per_file { n + 1 } else { 1 },
        index_time.as_secs_f64() * 1000.0,
        items_total as f64 / 200.0
    );
    println!(
        "peak RSS (VmHWM) after indexing {rss_index:.0} MB, after typing {rss_typing:.0} MB (current {:.0} MB)",
        rss("VmRSS:")
    );
    println!();
    stats.print();
    println!(
        "\npeak RSS at the end (VmHWM, semantic tokens of the whole file included): {:.0} MB",
        peak_rss_mb()
    );
    c.request("shutdown", Value::Null).await;
    c.notify("exit", Value::Null).await;
    let _ = open_path;
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    // Arguments: table counts, and `file` or `files` to run one layout only.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        vec![1000, 5000]
    } else {
        sizes
    };
    let all = [Layout::File, Layout::Files, Layout::Sql];
    let mut layouts: Vec<Layout> = all
        .into_iter()
        .filter(|l| args.iter().any(|a| a == l.tag()))
        .collect();
    if layouts.is_empty() {
        layouts = all.to_vec();
    }
    // The runtime `strata lsp` runs on (server::run_stdio).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(4)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "# strata-lsp bench ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for n in sizes {
        for &layout in &layouts {
            rt.block_on(session(n, layout));
        }
    }
}
