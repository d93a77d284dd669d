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
