//! A minimal LSP client speaking JSON-RPC with Content-Length framing, over any
//! byte streams: an in-process server (duplex pipes) or `strata lsp` (stdio).

#![allow(dead_code)]

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

pub type Reader = BufReader<Box<dyn AsyncRead + Unpin + Send>>;
pub type Writer = Box<dyn AsyncWrite + Unpin + Send>;

pub struct TestClient {
    reader: Reader,
    writer: Writer,
    next_id: i64,
    /// Notifications and server requests received while waiting for something else.
    pub inbox: Vec<Value>,
}

pub const TIMEOUT: Duration = Duration::from_secs(30);

impl TestClient {
    pub fn new(reader: Box<dyn AsyncRead + Unpin + Send>, writer: Writer) -> TestClient {
        TestClient {
            reader: BufReader::new(reader),
            writer,
            next_id: 1,
            inbox: Vec::new(),
        }
    }

    /// An in-process server on duplex pipes.
    pub fn in_process(opts: strata_lsp::server::Options) -> TestClient {
        let (client_w, server_r) = tokio::io::duplex(1 << 22);
        let (server_w, client_r) = tokio::io::duplex(1 << 22);
        tokio::spawn(strata_lsp::server::serve(server_r, server_w, opts));
        TestClient::new(Box::new(client_r), Box::new(client_w))
    }

    pub async fn send(&mut self, msg: &Value) {
        let body = serde_json::to_string(msg).unwrap();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.writer.write_all(frame.as_bytes()).await.unwrap();
        self.writer.flush().await.unwrap();
    }

    /// Writes bytes as they are: for malformed frames.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.unwrap();
        self.writer.flush().await.unwrap();
    }

    async fn read_raw(&mut self) -> Value {
        let mut len = None;
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).await.unwrap();
            assert!(n > 0, "the server closed the stream");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = Some(v.parse::<usize>().unwrap());
            }
        }
        let mut buf = vec![0; len.expect("no Content-Length")];
        self.reader.read_exact(&mut buf).await.unwrap();
        serde_json::from_slice(&buf).unwrap()
    }

    /// Reads one message, answering server requests (registrations, refreshes)
    /// with an empty result. Returns every message, requests included.
    pub async fn read(&mut self) -> Value {
        let msg = tokio::time::timeout(TIMEOUT, self.read_raw())
            .await
            .expect("timed out waiting for the server");
        if msg.get("method").is_some() && msg.get("id").is_some() {
            let reply = json!({"jsonrpc": "2.0", "id": msg["id"], "result": null});
            self.send(&reply).await;
        }
        msg
    }

    /// Sends a request and returns its id without waiting.
    pub async fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        id
    }

    /// Waits for the response to `id`, keeping everything else in the inbox.
    pub async fn response(&mut self, id: i64) -> Value {
        if let Some(i) = self
            .inbox
            .iter()
            .position(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
        {
            return self.inbox.remove(i);
        }
        loop {
            let msg = self.read().await;
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return msg;
            }
            self.inbox.push(msg);
        }
    }

    /// Waits for a response (no method) matching `pred`, keeping everything else.
    pub async fn wait_for_response(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            let msg = self.read().await;
            if msg.get("method").is_none() && pred(&msg) {
                return msg;
            }
            self.inbox.push(msg);
        }
    }

    /// A request's result (panics on an error response).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params).await;
        let r = self.response(id).await;
        assert!(r.get("error").is_none(), "{method} failed: {r}");
        r["result"].clone()
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Waits for a notification (or server request) `method` matching `pred`.
    pub async fn wait_for(&mut self, method: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self
            .inbox
            .iter()
            .position(|m| m["method"] == method && pred(&m["params"]))
        {
            return self.inbox.remove(i);
        }
        loop {
            let msg = self.read().await;
            if msg["method"] == method && pred(&msg["params"]) {
                return msg;
            }
            self.inbox.push(msg);
        }
    }

    pub async fn initialize(&mut self, root: Option<&Path>, options: Value) -> Value {
        self.initialize_with(root, options, json!({})).await
    }

    /// [`Self::initialize`] with `workspace` capabilities added (e.g. file watching).
    pub async fn initialize_with(
        &mut self,
        root: Option<&Path>,
        options: Value,
        workspace: Value,
    ) -> Value {
        let root_uri = root.map(|r| format!("file://{}", r.display()));
        let mut caps = json!({
            "general": {"positionEncodings": ["utf-16"]},
            "textDocument": {
                "completion": {"completionItem": {"snippetSupport": true}},
                "definition": {"linkSupport": false}
            },
            "workspace": {
                "workspaceEdit": {"documentChanges": true, "changeAnnotationSupport": {}},
                "codeLens": {"refreshSupport": true}
            }
        });
        if let Value::Object(extra) = workspace {
            for (k, v) in extra {
                caps["workspace"][k] = v;
            }
        }
        let r = self
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": root_uri,
                    "capabilities": caps,
                    "initializationOptions": options,
                }),
            )
            .await;
        self.notify("initialized", json!({})).await;
        r
    }

    pub async fn open(&mut self, uri: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        )
        .await;
    }

    pub async fn shutdown(&mut self) {
        self.request("shutdown", Value::Null).await;
        self.notify("exit", Value::Null).await;
    }
}

pub fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

pub fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": pos(line, character)})
}

/// A fresh directory under the system's temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let dir = std::env::temp_dir().join(format!(
        "strata-lsp-{tag}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    // Canonical, so that file URIs and project paths agree (macOS /tmp is a link).
    dir.canonicalize().unwrap()
}

/// The position (line, UTF-16 column) of the first `needle` in `text`, plus `delta` characters.
pub fn find(text: &str, needle: &str, delta: u32) -> (u32, u32) {
    let i = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in text"));
    let line = text[..i].matches('\n').count() as u32;
    let start = text[..i].rfind('\n').map_or(0, |p| p + 1);
    let col = text[start..i].encode_utf16().count() as u32;
    (line, col + delta)
}

/// The `strata` binary, built if missing or stale (`cargo build -p strata-cli`).
pub fn strata_bin() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("STRATA_BIN") {
        return Some(PathBuf::from(p));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()?
        .to_path_buf();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["build", "-q", "-p", "strata-cli"])
        .current_dir(&root)
        .status()
        .ok()?;
    if !status.success() {
        return None;
    }
    let bin = root.join("target/debug/strata");
    bin.exists().then_some(bin)
}
