//! Mutation fuzzing of the language server, seeded and bounded, in every
//! `cargo test` (core/tests/fuzz.rs does the readers):
//! - the analysis on mutated documents: diagnostics, completion, hover,
//!   inlay hints, semantic tokens, symbols, folding and navigation at random
//!   offsets must neither panic nor take longer than a bound;
//! - the message handling: real JSON-RPC messages mutated byte by byte (bad
//!   JSON, wrong params, lone surrogates, stale versions, ranges out of the
//!   document) sent to an in-process server behind its guard; after every few,
//!   a valid hover must still be answered in time.
//!
//! `STRATA_FUZZ_SEED` and `STRATA_FUZZ_ITERS` run a longer campaign.

mod common;

use common::*;
use serde_json::{json, Value};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use strata_lsp::analysis::{self, FileOpts, Workspace};
use strata_lsp::server::Options;

const BOUND: Duration = Duration::from_secs(10);
const DEFAULT_ITERS: usize = 2_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn seed() -> u64 {
    std::env::var("STRATA_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x4c53_5046_555a)
}

fn iters() -> usize {
    std::env::var("STRATA_FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_ITERS)
}

const TOKENS: &[&str] = &[
    "\"",
    "'",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "${",
    "--",
    "/*",
    "\\",
    "\\\"",
    "\\ud83d",
    "\\u0000",
    "\n",
    ";",
    ",",
    ".",
    "=",
    ":",
    "\u{FFFD}",
    "𝕏",
    "column.",
    "table.",
    "[\"x y\"]",
    "null",
    "-1",
    "4294967296",
    "1e309",
    "true",
    "[]",
    "{}",
    "CREATE TABLE ",
    "((((((((",
];

fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(rng: &mut Rng, input: &str) -> String {
    let mut s = input.to_string();
    for _ in 0..1 + rng.below(3) {
        let at = floor(&s, rng.below(s.len() + 1));
        match rng.below(5) {
            0 | 1 => s.insert_str(at, TOKENS[rng.below(TOKENS.len())]),
            2 => {
                let end = floor(&s, at + rng.below(30));
                s.replace_range(at..end, "");
            }
            3 => {
                let end = floor(&s, at + rng.below(40));
                let piece = s[at..end].to_string();
                s.insert_str(at, &piece);
            }
            _ => s.truncate(at),
        }
    }
    s
}

// ---- the analysis ----

const HCL: &str = r#"schema "main" {}
table "users" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "first name" {
    type = text
    null = true
  }
  primary_key {
    columns = [column.id]
  }
  index "users_name" {
    columns = [column["first name"]]
    where   = "id > 0"
  }
}
table "posts" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "uid" {
    type = integer
  }
  foreign_key "f" {
    columns     = [column.uid]
    ref_columns = [table.users.column.id]
    on_delete   = CASCADE
  }
  check "positive" {
    expr = "id > 0"
  }
}
view "v" {
  schema = schema.main
  as     = "SELECT id FROM users"
  depends_on = [table.users]
}
"#;

const SQL: &str = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL UNIQUE\n);\nCREATE INDEX users_email_idx ON users (email);\nCREATE TABLE posts (id int, uid int REFERENCES users (id), body text CHECK (length(body) < 10));\nCREATE VIEW v AS SELECT p.id, u.email FROM posts p JOIN users u ON u.id = p.uid;\nCREATE TRIGGER t AFTER INSERT ON posts BEGIN UPDATE users SET email = email WHERE id = NEW.uid; END;\n";

const PROJECT: &str = "env \"local\" {\n  src = [\"file://schema.hcl\", \"file://schema.sql\"]\n  url = \"sqlite://app.db\"\n  dev = \"sqlite://dev?mode=memory\"\n  migration {\n    dir = \"file://migrations\"\n  }\n}\n";

/// Every analysis feature on the mutated file, at a few random offsets.
fn analyze(name: &str, text: String, offsets: Vec<usize>) {
    let mut ws = Workspace::new();
    // The other documents stay intact, so references cross files.
    for (n, t) in [
        ("/ws/schema.hcl", HCL),
        ("/ws/schema.sql", SQL),
        ("/ws/atlas.hcl", PROJECT),
    ] {
        if n != name {
            ws.set_file(n, Arc::from(t), FileOpts::default());
        }
    }
    let len = text.len();
    let id = ws.set_file(
        name,
        Arc::from(text),
        FileOpts {
            open: true,
            ..FileOpts::default()
        },
    );
    let a = ws.snapshot();
    let _ = analysis::diagnostics::diagnostics(&a, id);
    let _ = analysis::semantic::semantic_tokens(&a, id);
    let _ = analysis::symbols::document_symbols(&a, id);
    let _ = analysis::symbols::folding_ranges(&a, id);
    let _ = analysis::inlay::inlay_hints(&a, id, 0..len);
    for o in offsets {
        let o = o.min(len);
        let _ = analysis::completion::completion(&a, id, o);
        let _ = analysis::hover::hover(&a, id, o);
        let _ = analysis::nav::goto_definition(&a, id, o);
        let _ = analysis::nav::references(&a, id, o, true);
        let _ = analysis::nav::highlight(&a, id, o);
        let _ = analysis::nav::prepare_rename(&a, id, o);
    }
}

#[test]
fn the_analysis_survives_mutated_documents() {
    let seed = seed();
    let mut rng = Rng(seed);
    let docs = [
        ("/ws/schema.hcl", HCL),
        ("/ws/schema.sql", SQL),
        ("/ws/atlas.hcl", PROJECT),
    ];
    let mut slowest = Duration::ZERO;
    let n = iters();
    for i in 0..n {
        let (name, base) = docs[i % docs.len()];
        let text = mutate(&mut rng, base);
        let offsets: Vec<usize> = (0..4).map(|_| rng.below(text.len() + 2)).collect();
        let (tx, rx) = mpsc::channel();
        let (t2, o2) = (text.clone(), offsets.clone());
        let started = Instant::now();
        std::thread::spawn(move || {
            let ok = std::panic::catch_unwind(|| analyze(name, t2, o2)).is_ok();
            let _ = tx.send(ok);
        });
        match rx.recv_timeout(BOUND) {
            Ok(true) => slowest = slowest.max(started.elapsed()),
            Ok(false) => {
                panic!("analysis panicked (seed {seed}) on {name} at {offsets:?}:\n{text:?}")
            }
            Err(_) => panic!(
                "analysis took over {BOUND:?} (seed {seed}) on {name} at {offsets:?}:\n{text:?}"
            ),
        }
    }
    eprintln!("analysis: {n} mutated documents (seed {seed}), slowest {slowest:?}");
}

// ---- the message handling ----

/// Real messages a client sends, as text, to be mutated.
fn messages(uri: &str) -> Vec<String> {
    let change = |v: i64, text: &str| {
        json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": v},
            "contentChanges": [{"range": {"start": {"line": 3, "character": 4}, "end": {"line": 3, "character": 8}}, "text": text}]
        }})
    };
    let req = |id: &str, method: &str, params: Value| json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    let p = |line: u32, ch: u32| json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": ch}});
    [
        change(2, "type"),
        change(3, "\"x y\""),
        req("fz-h", "textDocument/hover", p(3, 6)),
        req("fz-c", "textDocument/completion", p(13, 24)),
        req("fz-d", "textDocument/definition", p(22, 22)),
        req("fz-r", "textDocument/references", json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 8}, "context": {"includeDeclaration": true}})),
        req("fz-n", "textDocument/rename", json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 8}, "newName": "people"})),
        req("fz-s", "textDocument/semanticTokens/full", json!({"textDocument": {"uri": uri}})),
        req("fz-i", "textDocument/inlayHint", json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 40, "character": 0}}})),
        req("fz-f", "textDocument/formatting", json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}})),
        req("fz-a", "textDocument/codeAction", json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 26, "character": 4}, "end": {"line": 26, "character": 4}}, "context": {"diagnostics": []}})),
        req("fz-y", "textDocument/documentSymbol", json!({"textDocument": {"uri": uri}})),
        req("fz-w", "workspace/symbol", json!({"query": "us"})),
    ]
    .iter()
    .map(|m| m.to_string())
    .collect()
}

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_survives_mutated_messages() {
    let seed = seed();
    let mut rng = Rng(seed);
    let dir = temp_dir("fuzz");
    let path = dir.join("schema.hcl");
    std::fs::write(&path, HCL).unwrap();
    let uri = format!("file://{}", path.display());
    let mut c = TestClient::in_process(Options {
        debounce: Duration::from_millis(5),
        live_plan: false,
        ..Options::default()
    });
    c.initialize(Some(&dir), json!({"debounceMs": 5})).await;
    c.open(&uri, "hcl", HCL).await;
    let seeds = messages(&uri);
    let n = iters();
    let (mut sent, mut probes) = (0, 0);
    let mut slowest = Duration::ZERO;
    for i in 0..n {
        let m = mutate(&mut rng, &seeds[i % seeds.len()]);
        // A mutant must not end the session on purpose.
        if m.contains("exit") || m.contains("shutdown") {
            continue;
        }
        c.send_raw(&frame(&m)).await;
        sent += 1;
        if i % 10 == 9 {
            // Still serving: a valid request on the same document is answered.
            let started = Instant::now();
            let id = c.send_request("textDocument/hover", at(&uri, 1, 8)).await;
            let r = tokio::time::timeout(BOUND, c.response(id))
                .await
                .unwrap_or_else(|_| {
                    panic!("no answer within {BOUND:?} after mutant {i} (seed {seed}):\n{m}")
                });
            assert!(
                r.get("error").is_none() || r["error"]["code"] != -32700,
                "{r}"
            );
            slowest = slowest.max(started.elapsed());
            probes += 1;
            // Bring the document back to a known text now and then.
            c.notify(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": uri, "languageId": "hcl", "version": 1000 + i, "text": HCL}}),
            )
            .await;
        }
    }
    c.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "messages: {sent} mutated messages, {probes} probes answered (seed {seed}), slowest probe {slowest:?}"
    );
    assert!(probes >= n / 20, "too few probes ran: {probes}");
}
