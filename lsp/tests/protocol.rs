//! In-process protocol tests: the real server on duplex pipes, spoken to with
//! framed JSON-RPC.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::Duration;
use strata_lsp::server::Options;

fn fast() -> Options {
    Options {
        debounce: Duration::from_millis(5),
        plan_debounce: Duration::from_millis(10),
        ..Options::default()
    }
}

const SCHEMA: &str = r#"schema "main" {}

table "users" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "email" {
    type = text
  }
  primary_key {
    columns = [column.id]
  }
}
"#;

const URI: &str = "file:///virtual/schema.hcl";

#[tokio::test]
async fn negotiates_utf8_when_offered_else_utf16() {
    let mut c = TestClient::in_process(fast());
    let r = c.initialize(None, json!({})).await;
    assert_eq!(r["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(r["capabilities"]["textDocumentSync"]["change"], 2);
    assert_eq!(r["serverInfo"]["name"], "strata");

    let mut c = TestClient::in_process(fast());
    let r = c
        .request(
            "initialize",
            json!({"capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}}),
        )
        .await;
    assert_eq!(r["capabilities"]["positionEncoding"], "utf-8");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_diagnostics_with_the_document_version() {
    let mut c = TestClient::in_process(fast());
    c.initialize(None, json!({})).await;
    let broken = SCHEMA.replace("[column.id]", "[column.idd]");
    c.open(URI, "strata-hcl", &broken).await;
    let d = c
        .wait_for("textDocument/publishDiagnostics", |p| p["uri"] == URI)
        .await;
    assert_eq!(d["params"]["version"], 1);
    let diags = d["params"]["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1);
    assert!(diags[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("table `users` has no column `idd`"));
    let (line, col) = find(&broken, "idd]", 0);
    assert_eq!(diags[0]["range"]["start"], pos(line, col));
    // Fix it with an incremental edit: diagnostics clear, tagged version 2.
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": URI, "version": 2},
            "contentChanges": [{"range": {"start": pos(line, col + 2), "end": pos(line, col + 3)}, "text": ""}]
        }),
    )
    .await;
    let d = c
        .wait_for("textDocument/publishDiagnostics", |p| p["version"] == 2)
        .await;
    assert_eq!(d["params"]["diagnostics"], json!([]));
}

/// 50 edits interleaved with hovers, all sent before reading any answer: each
/// hover must see exactly the text of the edits before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hovers_see_the_latest_text_under_interleaved_edits() {
    let mut c = TestClient::in_process(fast());
    c.initialize(None, json!({})).await;
    let text = SCHEMA.replace("\"users\"", "\"t0\"");
    c.open(URI, "strata-hcl", &text).await;
    let (line, col) = find(&text, "t0\"", 0);
    let mut ids = Vec::new();
    let mut current = "t0".to_string();
    for i in 1..=50 {
        let next = format!("t{i}");
        c.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": URI, "version": i + 1},
                "contentChanges": [{
                    "range": {"start": pos(line, col), "end": pos(line, col + current.len() as u32)},
                    "text": next
                }]
            }),
        )
        .await;
        current = next;
        ids.push(
            c.send_request("textDocument/hover", at(URI, line, col + 1))
                .await,
        );
    }
    for (i, id) in ids.into_iter().enumerate() {
        let r = c.response(id).await;
        let md = r["result"]["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            md.starts_with(&format!("**table** `t{}`", i + 1)),
            "hover {i}: {md}"
        );
    }
}

#[tokio::test]
async fn positions_are_utf16_on_lines_with_non_ascii_text() {
    for (enc, utf8) in [("utf-16", false), ("utf-8", true)] {
        let mut c = TestClient::in_process(fast());
        c.request(
            "initialize",
            json!({"capabilities": {"general": {"positionEncodings": [enc]}}}),
        )
        .await;
        c.notify("initialized", json!({})).await;
        let text = SCHEMA.replace(
            "    columns = [column.id]",
            "    /* clé 𝄞 */ columns = [column.id]",
        );
        c.open(URI, "strata-hcl", &text).await;
        let i = text.find("column.id]").unwrap() + "column.".len();
        let line = text[..i].matches('\n').count() as u32;
        let start = text[..i].rfind('\n').unwrap() + 1;
        let col = if utf8 {
            (i - start) as u32
        } else {
            text[start..i].encode_utf16().count() as u32
        };
        let h = c.request("textDocument/hover", at(URI, line, col)).await;
        assert!(
            h["contents"]["value"]
                .as_str()
                .unwrap()
                .starts_with("**column** `users.id`"),
            "{enc}: {h}"
        );
        assert_eq!(h["range"]["start"], pos(line, col), "{enc}");
        assert_eq!(h["range"]["end"], pos(line, col + 2), "{enc}");
        // An edit after the non-ASCII text lands where the client meant it.
        c.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": URI, "version": 2},
                "contentChanges": [{"range": {"start": pos(line, col), "end": pos(line, col + 2)}, "text": "email"}]
            }),
        )
        .await;
        let h = c
            .request("textDocument/hover", at(URI, line, col + 1))
            .await;
        assert!(
            h["contents"]["value"]
                .as_str()
                .unwrap()
                .starts_with("**column** `users.email`"),
            "{enc}: {h}"
        );
    }
}

#[tokio::test]
async fn completion_definition_references_and_rename() {
    let mut c = TestClient::in_process(fast());
    c.initialize(None, json!({})).await;
    let sql_uri = "file:///virtual/posts.sql";
    let sql = "CREATE TABLE posts (\n  id INTEGER PRIMARY KEY,\n  author INTEGER REFERENCES users (id)\n);\n";
    c.open(URI, "strata-hcl", SCHEMA).await;
    c.open(sql_uri, "strata-sql", sql).await;

    // Completion of types, with a snippet and a replace range.
    let typed = SCHEMA.replace("type = text", "type = va");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"text": typed}]}),
    )
    .await;
    let (line, col) = find(&typed, "= va", 4);
    let r = c
        .request("textDocument/completion", at(URI, line, col))
        .await;
    let first = &r["items"][0];
    assert_eq!(first["label"], "varchar");
    assert_eq!(first["insertTextFormat"], 2);
    assert_eq!(first["textEdit"]["newText"], "varchar(${1:255})");
    assert_eq!(first["textEdit"]["range"]["start"], pos(line, col - 2));
    assert_eq!(r["isIncomplete"], false);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI, "version": 3}, "contentChanges": [{"text": SCHEMA}]}),
    )
    .await;

    // From SQL into HCL.
    let (line, col) = find(sql, "users (id)", 1);
    let d = c
        .request("textDocument/definition", at(sql_uri, line, col))
        .await;
    assert_eq!(d[0]["uri"], URI);
    let (dl, dc) = find(SCHEMA, "users\"", 0);
    assert_eq!(d[0]["range"]["start"], pos(dl, dc));

    // References to users.id: the definition, the primary key, the SQL FK.
    let (line, col) = find(SCHEMA, "id\" {", 0);
    let refs = c
        .request(
            "textDocument/references",
            json!({"textDocument": {"uri": URI}, "position": pos(line, col), "context": {"includeDeclaration": true}}),
        )
        .await;
    assert_eq!(refs.as_array().unwrap().len(), 3, "{refs}");

    // Rename users → accounts: both files, plus an annotated renamed_from.
    let (line, col) = find(SCHEMA, "users\"", 1);
    let prep = c
        .request("textDocument/prepareRename", at(URI, line, col))
        .await;
    assert_eq!(prep["placeholder"], "users");
    let edit = c
        .request(
            "textDocument/rename",
            json!({"textDocument": {"uri": URI}, "position": pos(line, col), "newName": "accounts"}),
        )
        .await;
    let docs = edit["documentChanges"].as_array().unwrap();
    assert_eq!(docs.len(), 2, "{edit}");
    let hcl = docs
        .iter()
        .find(|d| d["textDocument"]["uri"] == URI)
        .unwrap();
    assert_eq!(hcl["textDocument"]["version"], 3);
    let annotated: Vec<&Value> = hcl["edits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e.get("annotationId").is_some())
        .collect();
    assert_eq!(annotated.len(), 1);
    assert_eq!(annotated[0]["newText"], "  renamed_from = \"users\"\n");
    assert_eq!(
        edit["changeAnnotations"]["renamed_from"]["needsConfirmation"],
        true
    );
    let sqld = docs
        .iter()
        .find(|d| d["textDocument"]["uri"] == sql_uri)
        .unwrap();
    assert_eq!(sqld["edits"][0]["newText"], "accounts");
}

#[tokio::test]
async fn symbols_folding_tokens_hints_and_formatting() {
    let mut c = TestClient::in_process(fast());
    let init = c.initialize(None, json!({})).await;
    let legend = &init["capabilities"]["semanticTokensProvider"]["legend"]["tokenTypes"];
    assert_eq!(legend[1], "class");
    let ugly = "table \"t\" {\ncolumn \"a\" {\ntype=int\n}\n}\n";
    c.open(URI, "strata-hcl", ugly).await;
    let s = c
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": URI}}),
        )
        .await;
    assert_eq!(s[0]["name"], "t");
    assert_eq!(s[0]["children"][0]["name"], "a");
    assert_eq!(s[0]["children"][0]["detail"], "int");
    let f = c
        .request(
            "textDocument/foldingRange",
            json!({"textDocument": {"uri": URI}}),
        )
        .await;
    assert_eq!(f.as_array().unwrap().len(), 2);
    let t = c
        .request(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": URI}}),
        )
        .await;
    let data = t["data"].as_array().unwrap();
    assert_eq!(data.len() % 5, 0);
    assert!(!data.is_empty());
    let e = c
        .request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}}),
        )
        .await;
    assert_eq!(e.as_array().unwrap().len(), 1);
    let w = c.request("workspace/symbol", json!({"query": "t"})).await;
    assert_eq!(w[0]["name"], "t");
    let h = c
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": URI}, "range": {"start": pos(0, 0), "end": pos(10, 0)}}),
        )
        .await;
    assert_eq!(h, json!([]));
}

#[tokio::test]
async fn closing_a_document_falls_back_to_the_disk() {
    let dir = temp_dir("close");
    let path = dir.join("schema.hcl");
    std::fs::write(&path, SCHEMA).unwrap();
    let uri = format!("file://{}", path.display());
    let mut c = TestClient::in_process(fast());
    c.initialize(Some(&dir), json!({})).await;
    let edited = SCHEMA.replace("\"users\"", "\"people\"");
    c.open(&uri, "strata-hcl", &edited).await;
    let w = c
        .request("workspace/symbol", json!({"query": "people"}))
        .await;
    assert_eq!(w[0]["name"], "people");
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    )
    .await;
    let w = c
        .request("workspace/symbol", json!({"query": "people"}))
        .await;
    assert_eq!(w, json!([]));
    let w = c
        .request("workspace/symbol", json!({"query": "users"}))
        .await;
    assert_eq!(w[0]["name"], "users");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_connection_failure_is_shown_once() {
    let dir = temp_dir("conn");
    std::fs::write(dir.join("schema.hcl"), SCHEMA).unwrap();
    std::fs::write(
        dir.join("strata.hcl"),
        "env \"prod\" {\n  src = [\"file://schema.hcl\"]\n  url = \"postgres://nobody@127.0.0.1:1/none\"\n}\n",
    )
    .unwrap();
    let uri = format!("file://{}", dir.join("schema.hcl").display());
    let mut c = TestClient::in_process(fast());
    c.initialize(Some(&dir), json!({})).await;
    c.open(&uri, "strata-hcl", SCHEMA).await;
    let m = c.wait_for("window/showMessage", |_| true).await;
    assert_eq!(m["params"]["type"], 2);
    assert!(m["params"]["message"]
        .as_str()
        .unwrap()
        .contains("env \"prod\""));
    for v in 2..5 {
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"text": format!("{SCHEMA}\n")}]}),
        )
        .await;
        c.wait_for("textDocument/publishDiagnostics", |p| p["version"] == v)
            .await;
    }
    // Give the plan task time to run after the last edit, then look for repeats.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let lens = c
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert!(lens[0]["command"]["title"]
        .as_str()
        .unwrap()
        .starts_with("plan unavailable"));
    assert!(!c.inbox.iter().any(|m| m["method"] == "window/showMessage"));
    std::fs::remove_dir_all(dir).ok();
}

// ----- files joining and leaving the workspace -----

const POSTS: &str = "table \"posts\" {\n  column \"author\" {\n    type = integer\n  }\n  foreign_key \"f\" {\n    columns     = [column.author]\n    ref_columns = [table.users.column.id]\n  }\n}\n";
const USERS: &str = "table \"users\" {\n  column \"id\" {\n    type = integer\n  }\n}\n";
const UNRESOLVED: &str = "table `users` is not defined";

fn quiet() -> Options {
    Options {
        live_plan: false,
        ..fast()
    }
}

fn uri(p: &std::path::Path) -> String {
    format!("file://{}", p.display())
}

fn project(dir: &std::path::Path, src: &[&str]) {
    let src: Vec<String> = src.iter().map(|s| format!("\"file://{s}\"")).collect();
    std::fs::write(
        dir.join("strata.hcl"),
        format!("env \"dev\" {{\n  src = [{}]\n}}\n", src.join(", ")),
    )
    .unwrap();
}

/// Waits for diagnostics of `uri` whose messages satisfy `pred`.
async fn diags_until(c: &mut TestClient, uri: &str, pred: impl Fn(&[String]) -> bool) {
    let msgs = |p: &Value| -> Vec<String> {
        p["diagnostics"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|d| d["message"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    c.wait_for("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri && pred(&msgs(p))
    })
    .await;
}

fn unresolved(m: &[String]) -> bool {
    m.iter().any(|m| m == UNRESOLVED)
}

fn clean(m: &[String]) -> bool {
    m.is_empty()
}

/// Where `textDocument/definition` on `users` in POSTS leads (a file URI).
async fn users_definition(c: &mut TestClient, posts: &str) -> Value {
    let (line, col) = find(POSTS, "table.users", "table.u".len() as u32);
    let r = c
        .request("textDocument/definition", at(posts, line, col))
        .await;
    r[0]["uri"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watched_files_join_and_leave_the_env_sources() {
    let dir = temp_dir("watch");
    std::fs::create_dir_all(dir.join("schema")).unwrap();
    std::fs::create_dir_all(dir.join("other")).unwrap();
    std::fs::write(dir.join("schema/posts.hcl"), POSTS).unwrap();
    project(&dir, &["schema"]);
    let mut c = TestClient::in_process(quiet());
    c.initialize_with(
        Some(&dir),
        json!({}),
        json!({"didChangeWatchedFiles": {"dynamicRegistration": true}}),
    )
    .await;
    // The server asks to watch schema and project files.
    let reg = c.wait_for("client/registerCapability", |_| true).await;
    let r = &reg["params"]["registrations"][0];
    assert_eq!(r["method"], "workspace/didChangeWatchedFiles");
    let globs: Vec<&str> = r["registerOptions"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["globPattern"].as_str().unwrap())
        .collect();
    assert_eq!(
        globs,
        ["**/*.hcl", "**/*.sql", "**/strata.hcl", "**/atlas.hcl"]
    );
    let posts = uri(&dir.join("schema/posts.hcl"));
    c.open(&posts, "strata-hcl", POSTS).await;
    diags_until(&mut c, &posts, unresolved).await;

    // A new file in the env's src joins; one outside it does not.
    let users = dir.join("schema/users.hcl");
    std::fs::write(&users, USERS).unwrap();
    let stray = dir.join("other/accounts.hcl");
    std::fs::write(&stray, USERS.replace("users", "accounts")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&users), "type": 1}, {"uri": uri(&stray), "type": 1}]}),
    )
    .await;
    diags_until(&mut c, &posts, clean).await;
    assert_eq!(users_definition(&mut c, &posts).await, uri(&users));
    let w = c
        .request("workspace/symbol", json!({"query": "accounts"}))
        .await;
    assert_eq!(w, json!([]));

    // A change on disk is read again.
    std::fs::write(&users, USERS.replace("\"id\"", "\"key\"")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&users), "type": 2}]}),
    )
    .await;
    diags_until(&mut c, &posts, |m| {
        m.iter().any(|m| m == "table `users` has no column `id`")
    })
    .await;

    // Deleted: references to its table are unresolved again.
    std::fs::remove_file(&users).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&users), "type": 3}]}),
    )
    .await;
    diags_until(&mut c, &posts, unresolved).await;
    let w = c
        .request("workspace/symbol", json!({"query": "users"}))
        .await;
    assert_eq!(w, json!([]));
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_operations_and_project_changes_update_the_sources() {
    let dir = temp_dir("fileops");
    std::fs::create_dir_all(dir.join("schema")).unwrap();
    std::fs::create_dir_all(dir.join("extra")).unwrap();
    std::fs::write(dir.join("schema/posts.hcl"), POSTS).unwrap();
    project(&dir, &["schema"]);
    let mut c = TestClient::in_process(quiet());
    let init = c.initialize(Some(&dir), json!({})).await;
    let ops = &init["capabilities"]["workspace"]["fileOperations"];
    for op in ["didCreate", "didDelete", "didRename"] {
        assert_eq!(ops[op]["filters"][0]["pattern"]["glob"], "**/*.{hcl,sql}");
    }
    let posts = uri(&dir.join("schema/posts.hcl"));
    c.open(&posts, "strata-hcl", POSTS).await;
    diags_until(&mut c, &posts, unresolved).await;

    // Created in the editor: a SQL file defines the table.
    let users = dir.join("schema/users.sql");
    std::fs::write(&users, "CREATE TABLE users (id INTEGER PRIMARY KEY);\n").unwrap();
    c.notify(
        "workspace/didCreateFiles",
        json!({"files": [{"uri": uri(&users)}]}),
    )
    .await;
    diags_until(&mut c, &posts, clean).await;
    assert_eq!(users_definition(&mut c, &posts).await, uri(&users));

    // Renamed: the table now lives in the new file.
    let people = dir.join("schema/people.sql");
    std::fs::rename(&users, &people).unwrap();
    c.notify(
        "workspace/didRenameFiles",
        json!({"files": [{"oldUri": uri(&users), "newUri": uri(&people)}]}),
    )
    .await;
    assert_eq!(users_definition(&mut c, &posts).await, uri(&people));

    // Deleted: gone.
    std::fs::remove_file(&people).unwrap();
    c.notify(
        "workspace/didDeleteFiles",
        json!({"files": [{"uri": uri(&people)}]}),
    )
    .await;
    diags_until(&mut c, &posts, unresolved).await;
    assert_eq!(users_definition(&mut c, &posts).await, Value::Null);

    // The project's env gains a source folder that defines the table.
    std::fs::write(dir.join("extra/users.hcl"), USERS).unwrap();
    project(&dir, &["schema", "extra"]);
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&dir.join("strata.hcl")), "type": 2}]}),
    )
    .await;
    diags_until(&mut c, &posts, clean).await;
    assert_eq!(
        users_definition(&mut c, &posts).await,
        uri(&dir.join("extra/users.hcl"))
    );
    // And loses it again.
    project(&dir, &["schema"]);
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&dir.join("strata.hcl")), "type": 2}]}),
    )
    .await;
    diags_until(&mut c, &posts, unresolved).await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_file_watching_a_save_finds_new_files() {
    let dir = temp_dir("save");
    std::fs::create_dir_all(dir.join("schema")).unwrap();
    std::fs::write(dir.join("schema/posts.hcl"), POSTS).unwrap();
    project(&dir, &["schema"]);
    let mut c = TestClient::in_process(quiet());
    c.initialize(Some(&dir), json!({})).await;
    let posts = uri(&dir.join("schema/posts.hcl"));
    c.open(&posts, "strata-hcl", POSTS).await;
    diags_until(&mut c, &posts, unresolved).await;
    let users = dir.join("schema/users.hcl");
    std::fs::write(&users, USERS).unwrap();
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": posts}}),
    )
    .await;
    diags_until(&mut c, &posts, clean).await;
    assert_eq!(users_definition(&mut c, &posts).await, uri(&users));
    // The client cannot watch: nothing was registered.
    assert!(!c
        .inbox
        .iter()
        .any(|m| m["method"] == "client/registerCapability"));
    std::fs::remove_dir_all(dir).ok();
}
