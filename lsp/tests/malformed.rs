//! One malformed message must not end the session: `strata lsp` over stdio
//! answers a body that is not JSON with a parse error and keeps serving, and
//! reads a lone surrogate escape (what `JSON.stringify` writes for half a
//! surrogate pair) as U+FFFD.

mod common;

use common::*;
use serde_json::json;
use std::process::Stdio;
use std::time::Duration;

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_message_is_answered_and_the_server_keeps_serving() {
    let bin = strata_bin().expect("cannot build the strata binary (cargo build -p strata-cli)");
    let dir = temp_dir("malformed");
    let mut child = tokio::process::Command::new(&bin)
        .arg("lsp")
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn strata lsp");
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut c = TestClient::new(Box::new(stdout), Box::new(stdin));
    c.initialize(Some(&dir), json!({"debounceMs": 10})).await;

    // A body cut short: not JSON. Answered with a parse error, id null.
    c.send_raw(&frame(
        r#"{"jsonrpc":"2.0","id":99,"method":"textDocument/hov"#,
    ))
    .await;
    let err = c.wait_for_response(|m| m["id"].is_null()).await;
    assert_eq!(err["error"]["code"], -32700, "{err}");

    // A lone surrogate escape in a document's text: accepted, read as U+FFFD.
    let path = dir.join("users.sql");
    let uri = format!("file://{}", path.display());
    let text = "-- x\u{FFFD}\nCREATE TABLE users (id int PRIMARY KEY, email text);\n";
    let open = format!(
        r#"{{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{{"textDocument":{{"uri":{},"languageId":"sql","version":1,"text":"-- x\ud83d\nCREATE TABLE users (id int PRIMARY KEY, email text);\n"}}}}}}"#,
        json!(uri)
    );
    c.send_raw(&frame(&open)).await;

    // Still serving: a valid hover on that document is answered.
    let (line, col) = find(text, "users", 1);
    let h = c.request("textDocument/hover", at(&uri, line, col)).await;
    let md = h["contents"]["value"].as_str().unwrap_or_default();
    assert!(md.contains("users"), "{h}");

    c.shutdown().await;
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the server did not exit")
        .unwrap();
    assert!(status.success(), "{status}");
    std::fs::remove_dir_all(dir).ok();
}

/// Framing faults, in process: a Content-Length shorter than its body (the
/// tail runs into the next header), a body that is not JSON, a header block
/// without Content-Length, invalid UTF-8. Each is answered or skipped, and the
/// requests after them are answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framing_faults_do_not_end_the_session() {
    let dir = temp_dir("framing");
    let mut c = TestClient::in_process(strata_lsp::server::Options::default());
    c.initialize(Some(&dir), json!({"debounceMs": 10})).await;

    let long = r#"{"jsonrpc":"2.0","method":"$/ignored","params":{"pad":"xxxxxxxxxx"}}"#;
    let mut bytes = format!("Content-Length: {}\r\n\r\n{long}", long.len() - 8).into_bytes();
    bytes.extend_from_slice(b"Content-Type: text/plain\r\n\r\n");
    bytes.extend_from_slice(b"Content-Length: 9\r\n\r\n{\"a\":\"\xff\"}");
    bytes.extend_from_slice(&frame("[1, 2"));
    c.send_raw(&bytes).await;
    // The body cut at its Content-Length is not JSON; the next is JSON once
    // the bad byte is replaced, but no JSON-RPC message; the last is not JSON.
    let mut codes = Vec::new();
    for _ in 0..3 {
        let reply = c.wait_for_response(|m| m["id"].is_null()).await;
        codes.push(reply["error"]["code"].as_i64().unwrap());
    }
    assert_eq!(codes, [-32700, -32600, -32700]);

    let path = dir.join("t.sql");
    let uri = format!("file://{}", path.display());
    let text = "CREATE TABLE t (id int);\n";
    c.open(&uri, "sql", text).await;
    let h = c.request("textDocument/hover", at(&uri, 0, 14)).await;
    assert!(h.to_string().contains("t"), "{h}");
    c.shutdown().await;
    std::fs::remove_dir_all(dir).ok();
}
