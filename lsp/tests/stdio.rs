//! End to end over stdio: the built `strata lsp` binary, spoken to with
//! Content-Length framed JSON-RPC.

mod common;

use common::*;
use serde_json::json;
use std::process::Stdio;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strata_lsp_over_stdio() {
    let bin = strata_bin().expect("cannot build the strata binary (cargo build -p strata-cli)");
    let dir = temp_dir("stdio");
    let users = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL\n);\n";
    std::fs::write(dir.join("users.sql"), users).unwrap();
    let schema = r#"schema "main" {}

table "posts" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "author_id" {
    type = integer
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "posts_author" {
    columns     = [column.author_id]
    ref_columns = [table.users.column.idd]
  }
}
"#;
    let path = dir.join("posts.hcl");
    std::fs::write(&path, schema).unwrap();
    let uri = format!("file://{}", path.display());

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

    let init = c.initialize(Some(&dir), json!({"debounceMs": 10})).await;
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["capabilities"]["hoverProvider"], true);

    c.open(&uri, "strata-hcl", schema).await;
    let d = c
        .wait_for("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri.as_str()
        })
        .await;
    assert_eq!(d["params"]["version"], 1);
    let diags = d["params"]["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{d}");
    assert!(diags[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("table `users` has no column `idd`"));

    // The SQL file was indexed from the workspace folder: hover crosses formats.
    let (line, col) = find(schema, "users.column", 2);
    let h = c.request("textDocument/hover", at(&uri, line, col)).await;
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(md.starts_with("**table** `users`"), "{md}");
    assert!(md.contains("CREATE TABLE \"users\""), "{md}");

    let (line, col) = find(schema, "column.author_id]", 7);
    let comp = c
        .request("textDocument/completion", at(&uri, line, col))
        .await;
    let labels: Vec<&str> = comp["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"author_id") && labels.contains(&"id"),
        "{labels:?}"
    );

    let def = c
        .request("textDocument/definition", at(&uri, line, col))
        .await;
    let (dl, dc) = find(schema, "author_id\" {", 0);
    assert_eq!(def[0]["uri"], uri.as_str());
    assert_eq!(def[0]["range"]["start"], pos(dl, dc));

    let (line, col) = find(schema, "table.users", 7);
    let def = c
        .request("textDocument/definition", at(&uri, line, col))
        .await;
    assert!(
        def[0]["uri"].as_str().unwrap().ends_with("/users.sql"),
        "{def}"
    );

    c.shutdown().await;
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the server did not exit")
        .unwrap();
    assert!(status.success(), "{status}");
    std::fs::remove_dir_all(dir).ok();
}
