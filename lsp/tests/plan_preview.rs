//! The live plan: code lenses, `strata.previewPlan` and `strata.applyPlan`.
//! The preview must be byte for byte what `strata schema apply` would run: it
//! is compared with core's planner called directly and with the CLI's
//! `--dry-run --format json` output.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::Duration;
use strata_core::dialect::Dialect;
use strata_core::driver::{self, Scope};
use strata_core::workspace::{self, Desired};
use strata_lsp::server::Options;

const SCHEMA: &str = r#"schema "main" {}

table "users" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "name" {
    type = text
  }
  column "email" {
    type = text
    null = true
  }
  primary_key {
    columns = [column.id]
  }
}

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
    ref_columns = [table.users.column.id]
  }
  index "posts_author" {
    columns = [column.author_id]
  }
}
"#;

fn setup() -> std::path::PathBuf {
    let dir = temp_dir("plan");
    std::fs::write(dir.join("schema.hcl"), SCHEMA).unwrap();
    std::fs::write(
        dir.join("strata.hcl"),
        "env \"local\" {\n  src = [\"file://schema.hcl\"]\n  url = \"sqlite://app.db\"\n}\n",
    )
    .unwrap();
    let db = strata_core::url::DbUrl {
        dialect: Dialect::Sqlite,
        raw: format!("sqlite://{}", dir.join("app.db").display()),
        kind: strata_core::url::DbKind::SqliteFile(dir.join("app.db")),
    };
    let mut d = driver::open(&db, true).unwrap();
    d.execute("CREATE TABLE users (id integer NOT NULL PRIMARY KEY, name text NOT NULL, bio text)")
        .unwrap();
    dir
}

/// core's planner called directly, as `strata schema apply --env local` does.
fn core_sql(dir: &std::path::Path) -> String {
    let files = strata_core::source::read_files(&[dir.join("schema.hcl")]).unwrap();
    let desired = Desired::read(files, Dialect::Sqlite);
    let target_url =
        workspace::parse_db(&format!("sqlite://{}", dir.join("app.db").display())).unwrap();
    let mut target = driver::open(&target_url, false).unwrap();
    let mut dev = driver::open_dev(None, Dialect::Sqlite).unwrap();
    strata_core::pipeline::plan_on(
        target.as_mut(),
        &desired,
        dev.as_mut(),
        &Scope::default(),
        &Default::default(),
    )
    .unwrap()
    .plan
    .to_sql()
}

async fn lens_titles(c: &mut TestClient, uri: &str) -> Vec<String> {
    let lenses = c
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    lenses
        .as_array()
        .map(|l| {
            l.iter()
                .map(|x| x["command"]["title"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_equals_core_and_cli_then_apply() {
    let dir = setup();
    let uri = format!("file://{}", dir.join("schema.hcl").display());
    let mut c = TestClient::in_process(Options {
        debounce: Duration::from_millis(5),
        plan_debounce: Duration::from_millis(10),
        ..Options::default()
    });
    c.initialize(Some(&dir), json!({})).await;
    c.open(&uri, "strata-hcl", SCHEMA).await;

    // Lenses arrive after the background plan: one summary per table, one on top.
    c.wait_for("workspace/codeLens/refresh", |_| true).await;
    let titles = lens_titles(&mut c, &uri).await;
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(titles[0].starts_with("plan: 2 to add"), "{titles:?}");
    assert_eq!(titles[1], "+1 column · drops column bio");
    assert_eq!(titles[2], "new table · 2 columns · 1 index");

    let preview = c
        .request(
            "workspace/executeCommand",
            json!({"command": "strata.previewPlan"}),
        )
        .await;
    let sql = preview["sql"].as_str().unwrap().to_string();
    assert!(sql.contains("CREATE TABLE \"posts\""), "{sql}");
    assert_eq!(
        sql,
        core_sql(&dir),
        "the preview differs from core's planner"
    );
    assert!(preview["lint"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "DS103"));

    // The CLI, when it can be built: the same bytes.
    if let Some(bin) = strata_bin() {
        let out = std::process::Command::new(bin)
            .args([
                "schema",
                "apply",
                "--env",
                "local",
                "--dry-run",
                "--format",
                "json",
            ])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            v["sql"].as_str().unwrap(),
            sql,
            "the preview differs from the CLI"
        );
        eprintln!(
            "preview == `strata schema apply --dry-run --format json` ({} bytes)",
            sql.len()
        );
    } else {
        eprintln!("the strata binary could not be built: compared with core only");
    }

    // Apply refuses a plan other than the one previewed…
    let id = c
        .send_request(
            "workspace/executeCommand",
            json!({"command": "strata.applyPlan", "arguments": [{"expectedSql": "-- something else"}]}),
        )
        .await;
    let r = c.response(id).await;
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("changed since it was previewed"));
    // …and applies the one previewed.
    let applied = c
        .request(
            "workspace/executeCommand",
            json!({"command": "strata.applyPlan", "arguments": [{"expectedSql": sql}]}),
        )
        .await;
    assert!(applied["applied"].as_u64().unwrap() > 0);
    let again = c
        .request(
            "workspace/executeCommand",
            json!({"command": "strata.previewPlan"}),
        )
        .await;
    assert_eq!(again["inSync"], true);
    assert_eq!(again["sql"], "");
    c.wait_for("workspace/codeLens/refresh", |_| true).await;
    let titles = lens_titles(&mut c, &uri).await;
    assert_eq!(titles[1..], ["in sync", "in sync"]);

    // An unsaved edit shows up in the lens at once (the buffer, not the disk).
    let edited = SCHEMA.replace(
        "  column \"email\" {",
        "  column \"bio\" {\n    type = text\n    null = true\n  }\n  column \"email\" {",
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]}),
    )
    .await;
    c.wait_for("workspace/codeLens/refresh", |_| true).await;
    let titles = lens_titles(&mut c, &uri).await;
    assert_eq!(titles[1], "+1 column");
    std::fs::remove_dir_all(dir).ok();
}

/// What only the dev database can tell (here a CHECK that does not parse)
/// comes back as a diagnostic on the object, and in the lens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_database_errors_become_diagnostics() {
    let dir = temp_dir("devdb");
    let schema = "schema \"main\" {}\n\ntable \"t\" {\n  schema = schema.main\n  column \"id\" {\n    type = integer\n  }\n  check \"positive\" {\n    expr = \"id >\"\n  }\n}\n";
    std::fs::write(dir.join("schema.hcl"), schema).unwrap();
    std::fs::write(
        dir.join("strata.hcl"),
        "env \"local\" {\n  src = [\"file://schema.hcl\"]\n  url = \"sqlite://new.db\"\n}\n",
    )
    .unwrap();
    let uri = format!("file://{}", dir.join("schema.hcl").display());
    let mut c = TestClient::in_process(Options {
        debounce: Duration::from_millis(5),
        plan_debounce: Duration::from_millis(10),
        ..Options::default()
    });
    c.initialize(Some(&dir), json!({})).await;
    c.open(&uri, "strata-hcl", schema).await;
    let d = c
        .wait_for("textDocument/publishDiagnostics", |p| {
            p["diagnostics"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d["code"] == "dev-database"))
        })
        .await;
    let diag = d["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "dev-database")
        .unwrap()
        .clone();
    assert!(
        diag["message"]
            .as_str()
            .unwrap()
            .contains("the dev database refused"),
        "{diag}"
    );
    let (line, _) = find(schema, "\"t\"", 0);
    assert_eq!(diag["range"]["start"]["line"], line);
    let titles = lens_titles(&mut c, &uri).await;
    assert!(
        titles[0].starts_with("plan unavailable: 1 error(s)"),
        "{titles:?}"
    );
    // The target file was not created by planning.
    assert!(!dir.join("new.db").exists());
    std::fs::remove_dir_all(dir).ok();
}

/// The editor's apply is gated like the CLI's: it needs the previewed plan,
/// and the pipeline refuses, with the CLI's own words, a plan the target's
/// rows make certain to fail. Nothing changes in either case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_and_the_cli_refuse_the_same_plans() {
    let dir = setup();
    let uri = format!("file://{}", dir.join("schema.hcl").display());
    let db = |sql: &str| -> Vec<String> {
        let c = rusqlite_open(&dir.join("app.db"));
        let mut st = c.conn.prepare(sql).unwrap();
        st.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let columns = "SELECT name FROM pragma_table_info('users') ORDER BY cid";
    let mut c = TestClient::in_process(Options {
        debounce: Duration::from_millis(5),
        plan_debounce: Duration::from_millis(10),
        ..Options::default()
    });
    c.initialize(Some(&dir), json!({})).await;
    c.open(&uri, "strata-hcl", SCHEMA).await;

    // No previewed plan: refused, and the plan's DROP COLUMN did not run.
    let id = c
        .send_request(
            "workspace/executeCommand",
            json!({"command": "strata.applyPlan", "arguments": [{}]}),
        )
        .await;
    let r = c.response(id).await;
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("applies only a previewed plan"),
        "{r}"
    );
    assert_eq!(db(columns), ["id", "name", "bio"]);

    // A row, and a desired NOT NULL column without default: no plan can succeed.
    rusqlite_open(&dir.join("app.db"))
        .conn
        .execute_batch("INSERT INTO users (id, name, bio) VALUES (1, 'ada', 'x')")
        .unwrap();
    let schema = SCHEMA.replace(
        "  column \"email\" {",
        "  column \"age\" {\n    type = integer\n  }\n  column \"email\" {",
    );
    std::fs::write(dir.join("schema.hcl"), &schema).unwrap();
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": schema}]}),
    )
    .await;
    let preview = c
        .request(
            "workspace/executeCommand",
            json!({"command": "strata.previewPlan"}),
        )
        .await;
    let refusal = preview["refusal"].as_str().unwrap().to_string();
    assert!(
        refusal.contains("would fail on rows already in the database"),
        "{preview}"
    );
    let id = c
        .send_request(
            "workspace/executeCommand",
            json!({"command": "strata.applyPlan", "arguments": [{"expectedSql": preview["sql"]}]}),
        )
        .await;
    let r = c.response(id).await;
    assert_eq!(r["error"]["message"].as_str().unwrap(), refusal, "{r}");
    assert_eq!(db(columns), ["id", "name", "bio"]);

    // The CLI refuses the same plan with the same words.
    if let Some(bin) = strata_bin() {
        let out = std::process::Command::new(bin)
            .args(["schema", "apply", "--env", "local", "--auto-approve"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&refusal), "{stderr}");
        assert_eq!(db(columns), ["id", "name", "bio"]);
    }
    std::fs::remove_dir_all(dir).ok();
}

fn rusqlite_open(path: &std::path::Path) -> strata_core::sqlite::SqliteDriver {
    strata_core::sqlite::SqliteDriver::open_file(path, false).unwrap()
}

/// The editor honours reviewed plans exactly as `schema apply` does: the
/// pipeline looks them up for both. A pending plan for the transition is a
/// refusal in the preview and in the apply; once approved, the preview is the
/// reviewed SQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_honours_reviewed_plans_like_the_cli() {
    use strata_core::pipeline::{self, DesiredSource, Intent, PlanRequest};
    use strata_core::review::file::{PlanFile, Status};
    use strata_core::review::fingerprint::text_hash;
    let dir = setup();
    let uri = format!("file://{}", dir.join("schema.hcl").display());
    // The transition the editor will see, through core's pipeline.
    let files = strata_core::source::read_files(&[dir.join("schema.hcl")]).unwrap();
    let session = pipeline::plan(
        PlanRequest {
            target: format!("sqlite://{}", dir.join("app.db").display()),
            desired: DesiredSource::State(workspace::State::Files(Box::new(Desired::read(
                files,
                Dialect::Sqlite,
            )))),
            dev: None,
            scope: Scope::default(),
            diff: Default::default(),
            policy: Default::default(),
            intent: Intent::Preview,
            lock_timeout: Duration::from_secs(1),
            plans: None,
        },
        &mut |_| {},
    )
    .unwrap();
    let (from, to) = session.transition();
    let sql = format!(
        "{}UPDATE \"users\" SET \"name\" = 'reviewed';\n",
        session.plan().to_sql()
    );
    drop(session);
    let plan = PlanFile {
        name: "reviewed".into(),
        dialect: Dialect::Sqlite,
        created: "2026-12-07T00:00:00Z".into(),
        from,
        to,
        schema: String::new(),
        status: Status::Pending,
        simulated: text_hash(&[("sql", &sql)]),
        sql: sql.clone(),
        findings: Vec::new(),
        approval: None,
    };
    std::fs::create_dir_all(dir.join("plans")).unwrap();
    let path = dir.join("plans/20261207000000_reviewed.plan.hcl");
    std::fs::write(&path, plan.to_hcl()).unwrap();

    let mut c = TestClient::in_process(Options {
        debounce: Duration::from_millis(5),
        plan_debounce: Duration::from_millis(10),
        ..Options::default()
    });
    c.initialize(Some(&dir), json!({})).await;
    c.open(&uri, "strata-hcl", SCHEMA).await;
    let preview = c
        .request(
            "workspace/executeCommand",
            json!({"command": "strata.previewPlan"}),
        )
        .await;
    let refusal = preview["refusal"].as_str().unwrap_or_default().to_string();
    assert!(refusal.contains("is still pending"), "{preview}");

    // Approved: the preview is the reviewed SQL, verbatim.
    let source = strata_core::SourceFile::new(path.to_string_lossy().as_ref(), plan.to_hcl());
    std::fs::write(
        &path,
        PlanFile::approve_text(&source, "Ada", "now").unwrap(),
    )
    .unwrap();
    let preview = c
        .request(
            "workspace/executeCommand",
            json!({"command": "strata.previewPlan"}),
        )
        .await;
    assert!(preview["refusal"].is_null(), "{preview}");
    assert!(
        preview["sql"]
            .as_str()
            .unwrap()
            .contains("SET \"name\" = 'reviewed'"),
        "{preview}"
    );
    std::fs::remove_dir_all(dir).ok();
}
