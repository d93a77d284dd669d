//! What Atlas users bring works unchanged: `docker://` dev URLs (served from
//! local binaries, no Docker), project files with Atlas's functions, data
//! sources and `for_each` envs, and input variables in schema files.

mod common;
use common::Scratch;

/// The major version of the local PostgreSQL server binaries, if any.
fn local_pg_major() -> Option<u32> {
    let dir = strata_core::postgres::ephemeral::find_bin_dir();
    let major = dir.and_then(|d| {
        let out = std::process::Command::new(d.join("postgres"))
            .arg("--version")
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        text.split(')')
            .nth(1)?
            .trim()
            .split('.')
            .next()?
            .parse()
            .ok()
    });
    if major.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no PostgreSQL server binaries for docker:// dev URLs"
        );
        eprintln!("\n!!! SKIPPING docker:// test: no initdb/postgres binaries here !!!\n");
    }
    major
}

#[test]
fn docker_postgres_dev_url_is_served_locally_with_a_database_named_dev() {
    let Some(major) = local_pg_major() else {
        return;
    };
    let s = Scratch::new();
    // Fails on any database not named `dev`, as Atlas's container names it.
    s.write(
        "a.sql",
        "DO $$ BEGIN IF current_database() <> 'dev' THEN RAISE EXCEPTION 'dev database is %', current_database(); END IF; END $$;\n\
         CREATE SCHEMA other;\nCREATE TABLE other.x (id int);\nCREATE TABLE t (id int PRIMARY KEY);\n",
    );
    s.write("b.sql", "CREATE TABLE t (id int PRIMARY KEY, name text);\n");
    let dev = format!("docker://postgres/{major}/dev?search_path=public");
    let r = s.strata(&[
        "schema",
        "diff",
        "--from",
        "file://a.sql",
        "--to",
        "file://b.sql",
        "--dev-url",
        &dev,
    ]);
    r.ok();
    assert!(
        r.stderr.contains(&format!(
            "docker://postgres/{major}/dev served by a local PostgreSQL {major} cluster (ephemeral://)"
        )),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.matches("served by").count(), 1, "said once");
    assert!(
        r.stdout.contains("ADD COLUMN \"name\" text"),
        "{}",
        r.stdout
    );
    // `search_path=public` scopes the dev database to one schema, as in Atlas.
    assert!(!r.stdout.contains("other"), "{}", r.stdout);

    // Without search_path the dev database is realm-scoped: `other` is seen.
    let realm = format!("docker://postgres/{major}/dev");
    let r = s.strata(&[
        "schema",
        "diff",
        "--from",
        "file://a.sql",
        "--to",
        "file://b.sql",
        "--dev-url",
        &realm,
    ]);
    r.ok();
    assert!(r.stdout.contains("DROP SCHEMA \"other\""), "{}", r.stdout);

    // Another path names another database, and the DO block sees it.
    let other = format!("docker://postgres/{major}/elsewhere");
    s.strata(&[
        "schema",
        "diff",
        "--from",
        "file://a.sql",
        "--to",
        "file://b.sql",
        "--dev-url",
        &other,
    ])
    .fails_with(1, "dev database is elsewhere");
}

#[test]
fn docker_dev_url_of_an_engine_not_installed_names_ephemeral_and_what_to_install() {
    let Some(major) = local_pg_major() else {
        return;
    };
    let s = Scratch::new();
    s.write("a.sql", "CREATE TABLE t (id int);\n");
    let missing = major + 40;
    let dev = format!("docker://postgres/{missing}/dev");
    let r = s.strata(&[
        "schema",
        "inspect",
        "--url",
        "file://a.sql",
        "--dev-url",
        &dev,
    ]);
    r.fails_with(2, &format!("needs PostgreSQL {missing}'s server binaries"));
    assert!(
        r.stderr.contains(&format!("installed: PostgreSQL {major}")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("ephemeral://postgres"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("postgresql-{missing}")),
        "{}",
        r.stderr
    );

    let r = s.strata(&[
        "schema",
        "inspect",
        "--url",
        "file://a.sql",
        "--dev-url",
        "docker://mysql/8/dev",
    ]);
    r.fails_with(2, "cannot be served yet");
    let r = s.strata(&[
        "schema",
        "inspect",
        "--url",
        "file://a.sql",
        "--dev-url",
        "docker://oracle/23/dev",
    ]);
    r.fails_with(2, "`oracle` is not one of them");
}

const TENANT_SCHEMA: &str = r#"variable "status_default" {
  type = string
}

schema "main" {}

table "users" {
  schema = schema.main
  column "id" {
    type = int
  }
  column "status" {
    type    = text
    null    = true
    default = var.status_default
  }
}
"#;

#[test]
fn for_each_env_applies_to_each_sqlite_file_in_turn() {
    let s = Scratch::new();
    s.write("schema.hcl", TENANT_SCHEMA);
    s.write(
        "atlas.hcl",
        r#"
variable "tenants" {
  type = list(string)
}
data "hcl_schema" "app" {
  path = "schema.hcl"
  vars = {
    status_default = "active"
  }
}
env {
  name     = atlas.env
  for_each = toset(var.tenants)
  url      = "sqlite://${each.value}.db"
  src      = data.hcl_schema.app.url
}
"#,
    );
    let r = s.strata(&[
        "schema",
        "apply",
        "--env",
        "tenants",
        "--var",
        "tenants=acme",
        "--var",
        "tenants=globex",
        "--auto-approve",
    ]);
    r.ok();
    assert!(
        r.stdout.contains("[1/2] sqlite://") && r.stdout.contains("acme.db"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("[2/2] sqlite://") && r.stdout.contains("globex.db"),
        "{}",
        r.stdout
    );
    for db in ["acme.db", "globex.db"] {
        let sql = common::column(
            &s.sqlite(db),
            "SELECT sql FROM sqlite_master WHERE name = 'users'",
        );
        assert!(sql[0].contains("DEFAULT 'active'"), "{db}: {sql:?}");
    }
    // Re-applying finds both in sync.
    let r = s.strata(&[
        "schema",
        "apply",
        "--env",
        "tenants",
        "--var",
        "tenants=acme",
        "--var",
        "tenants=globex",
        "--auto-approve",
    ]);
    r.ok();
    assert_eq!(
        r.stdout.matches("Schema is in sync").count(),
        2,
        "{}",
        r.stdout
    );

    // One target that fails (a file that cannot be created) is reported,
    // the other still applied, and the run fails.
    std::fs::create_dir(s.path("broken.db")).unwrap();
    let r = s.strata(&[
        "schema",
        "apply",
        "--env",
        "tenants",
        "--var",
        "tenants=broken",
        "--var",
        "tenants=fresh",
        "--auto-approve",
    ]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("1 of 2 targets"), "{}", r.stderr);
    assert_eq!(common::tables(&s.sqlite("fresh.db")), ["users"]);
}

#[test]
fn schema_variables_from_var_flags_env_attributes_and_their_errors() {
    let s = Scratch::new();
    s.write("1.hcl", TENANT_SCHEMA);
    // Without --env, --var sets the schema files' variables.
    s.strata(&[
        "schema",
        "apply",
        "--url",
        "sqlite://a.db",
        "--to",
        "file://1.hcl",
        "--var",
        "status_default=hello",
        "--auto-approve",
    ])
    .ok();
    let sql = common::column(
        &s.sqlite("a.db"),
        "SELECT sql FROM sqlite_master WHERE name = 'users'",
    );
    assert!(sql[0].contains("DEFAULT 'hello'"), "{sql:?}");

    // Missing: an error at the use, nothing created.
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        "sqlite://b.db",
        "--to",
        "file://1.hcl",
        "--auto-approve",
    ]);
    r.fails_with(
        1,
        "1.hcl:15:15: error: missing value for required variable \"status_default\"",
    );
    assert!(!s.path("b.db").exists());
    // Undeclared: an error naming it.
    s.strata(&[
        "schema",
        "apply",
        "--url",
        "sqlite://b.db",
        "--to",
        "file://1.hcl",
        "--var",
        "status_default=x",
        "--var",
        "typo=1",
        "--auto-approve",
    ])
    .fails_with(1, "no schema file declares variable \"typo\"");

    // Atlas's own case: an env's extra attribute is the schema's variable.
    s.write(
        "atlas.hcl",
        "env \"local\" {\n  url = \"sqlite://c.db\"\n  src = \"./1.hcl\"\n  status_default = \"from-env\"\n}\n",
    );
    s.strata(&["schema", "apply", "--env", "local", "--auto-approve"])
        .ok();
    let sql = common::column(
        &s.sqlite("c.db"),
        "SELECT sql FROM sqlite_master WHERE name = 'users'",
    );
    assert!(sql[0].contains("DEFAULT 'from-env'"), "{sql:?}");
}

#[test]
fn external_schema_runs_from_the_cli() {
    let s = Scratch::new();
    s.write(
        "atlas.hcl",
        r#"
data "external_schema" "orm" {
  program = ["sh", "-c", "echo 'CREATE TABLE pets (id integer PRIMARY KEY, name text);'"]
}
env "local" {
  url = "sqlite://app.db"
  src = data.external_schema.orm.url
}
"#,
    );
    s.strata(&["schema", "apply", "--env", "local", "--auto-approve"])
        .ok();
    assert_eq!(common::tables(&s.sqlite("app.db")), ["pets"]);
}
