//! `strata` against the real MariaDB server: a schema with every supported
//! feature round-trips through inspected HCL and SQL, rows survive type
//! changes and renames, a plan that fails halfway says how far it got and a
//! rerun finishes it, applies serialize on GET_LOCK, and no scratch database
//! is left behind.

mod common;
#[path = "common/my.rs"]
mod my;

use common::*;
use my::{MyDb, SERVER};

const V1: &str = "\
CREATE TABLE users (
  id int unsigned NOT NULL AUTO_INCREMENT,
  parent_id int unsigned NULL,
  email varchar(255) NOT NULL,
  name varchar(100) CHARACTER SET latin1 COLLATE latin1_swedish_ci DEFAULT NULL COMMENT 'display name',
  status enum('new','active','gone') NOT NULL DEFAULT 'new',
  flags set('a','b','c') NOT NULL DEFAULT '',
  score decimal(10,2) unsigned zerofill DEFAULT 0.00,
  bio text,
  created_at timestamp NOT NULL DEFAULT current_timestamp(),
  updated_at timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  email_domain varchar(255) AS (substring_index(email, '@', -1)) VIRTUAL,
  name_len int AS (char_length(name)) STORED,
  PRIMARY KEY (id),
  UNIQUE KEY users_email (email),
  KEY users_name_prefix (name(10), created_at DESC),
  FULLTEXT KEY users_bio (bio),
  CONSTRAINT users_parent FOREIGN KEY (parent_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT users_score CHECK (score >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='people';
CREATE TABLE orders (
  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id int unsigned NOT NULL,
  total decimal(10,2) NOT NULL CHECK (total >= 0),
  note varchar(50) DEFAULT 'it''s',
  CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE ON UPDATE RESTRICT
);
CREATE TABLE places (
  id int NOT NULL PRIMARY KEY,
  pos point NOT NULL,
  SPATIAL INDEX places_pos (pos)
);
CREATE TABLE audit (
  id int NOT NULL,
  `what's ``odd``` varchar(20) NOT NULL DEFAULT 'x'
) ENGINE=Aria;
CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
CREATE TRIGGER orders_note BEFORE INSERT ON orders FOR EACH ROW SET NEW.note = coalesce(NEW.note, 'x');
";

fn apply(s: &Scratch, db: &MyDb, to: &str) -> Run {
    s.strata(&[
        "schema",
        "apply",
        "--url",
        &db.url(),
        "--to",
        to,
        "--dev-url",
        SERVER,
        "--auto-approve",
    ])
}

fn file(s: &Scratch, name: &str) -> String {
    s.file_url(name)
}

#[track_caller]
fn plans_nothing(s: &Scratch, db: &MyDb, to: &str) {
    let r = apply(s, db, to);
    r.ok();
    assert!(
        r.stdout.contains("nothing to do"),
        "a second plan must be empty:\n{}",
        r.stdout
    );
}

#[test]
fn every_feature_round_trips_through_inspected_hcl_and_sql() {
    let (Some(a), Some(b), Some(c)) = (
        MyDb::create("rt_src"),
        MyDb::create("rt_hcl"),
        MyDb::create("rt_sql"),
    ) else {
        return;
    };
    let s = Scratch::new();
    s.write("v1.sql", V1);
    apply(&s, &a, &file(&s, "v1.sql")).ok();
    plans_nothing(&s, &a, &file(&s, "v1.sql"));

    let hcl = s.strata(&["schema", "inspect", "--url", &a.url()]);
    hcl.ok();
    let flat = hcl.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "engine = Aria",
        "charset = \"latin1\"",
        "collate = \"utf8mb4_unicode_ci\"",
        "on_update = sql(\"current_timestamp()\")",
        "type = FULLTEXT",
        "type = SPATIAL",
        "prefix = 10",
        "desc = true",
        "auto_increment = true",
        "type = STORED",
        "comment = \"people\"",
        "on_delete = SET_NULL",
        "enum('new','active','gone')",
    ] {
        assert!(
            flat.contains(needle),
            "inspected HCL lacks `{needle}`:\n{}",
            hcl.stdout
        );
    }
    assert!(
        !hcl.stdout.contains("AUTO_INCREMENT="),
        "counters are not state"
    );
    s.write("inspected.my.hcl", &hcl.stdout);
    apply(&s, &b, &file(&s, "inspected.my.hcl")).ok();
    plans_nothing(&s, &b, &file(&s, "inspected.my.hcl"));

    let sql = s.strata(&["schema", "inspect", "--url", &a.url(), "--format", "sql"]);
    sql.ok();
    s.write("inspected.sql", &sql.stdout);
    apply(&s, &c, &file(&s, "inspected.sql")).ok();
    plans_nothing(&s, &c, &file(&s, "inspected.sql"));

    let original = a.show_create();
    assert_eq!(original.len(), 4);
    assert_eq!(b.show_create(), original, "HCL copy differs");
    assert_eq!(c.show_create(), original, "SQL copy differs");
    for db in [&b, &c] {
        assert_eq!(
            db.column("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"),
            ["orders_note"]
        );
        assert_eq!(
            db.column(
                "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"
            ),
            ["big_orders"]
        );
    }
    // Each copy is the same database as far as strata can tell.
    let r = s.strata(&["schema", "diff", "--from", &a.url(), "--to", &b.url()]);
    r.ok();
    assert_eq!(r.stdout.trim(), "", "{}", r.stdout);
}

#[test]
fn rows_survive_a_type_change_and_a_rename() {
    let Some(db) = MyDb::create("data") else {
        return;
    };
    let s = Scratch::new();
    s.write("v1.sql", V1);
    apply(&s, &db, &file(&s, "v1.sql")).ok();
    db.exec(
        "INSERT INTO users (email, name) VALUES ('a@x.org', 'Ann'), ('b@y.org', 'Bob');
         INSERT INTO orders (user_id, total, note) VALUES (1, 250.5, 'big'), (2, 3, NULL);",
    );
    let v2 = V1
        .replace(
            "  note varchar(50) DEFAULT 'it''s',",
            "  remark varchar(200) DEFAULT 'it''s', -- @renamed from=note",
        )
        .replace(
            "  total decimal(10,2) NOT NULL",
            "  total decimal(14,4) NOT NULL",
        )
        .replace("coalesce(NEW.note, 'x')", "coalesce(NEW.remark, 'x')")
        .replace("SET NEW.note", "SET NEW.remark");
    s.write("v2.sql", &v2);
    let r = apply(&s, &db, &file(&s, "v2.sql"));
    r.ok();
    assert!(
        r.stdout
            .contains("CHANGE COLUMN `note` `remark` varchar(200)"),
        "a rename is CHANGE COLUMN:\n{}",
        r.stdout
    );
    assert_eq!(
        db.column("SELECT concat(remark, ':', total) FROM orders ORDER BY id"),
        ["big:250.5000", "x:3.0000"]
    );
    assert_eq!(
        db.column("SELECT name FROM users ORDER BY id"),
        ["Ann", "Bob"]
    );
    plans_nothing(&s, &db, &file(&s, "v2.sql"));
}

#[test]
fn a_plan_failing_halfway_says_how_far_it_got_and_a_rerun_finishes_it() {
    let Some(db) = MyDb::create("midplan") else {
        return;
    };
    let s = Scratch::new();
    let v1 = "CREATE TABLE a (id int PRIMARY KEY);
CREATE TABLE b (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, code varchar(10) NOT NULL);";
    s.write("v1.sql", v1);
    apply(&s, &db, &file(&s, "v1.sql")).ok();
    db.exec("INSERT INTO c VALUES (1, 'ok'), (2, 'too long')");
    // Narrowing `code` fails on the second row, after two other statements
    // that MariaDB has committed by then.
    let v2 = "CREATE TABLE a (id int PRIMARY KEY, x int);
CREATE TABLE b (id int PRIMARY KEY, y int);
CREATE TABLE c (id int PRIMARY KEY, code varchar(3) NOT NULL);";
    s.write("v2.sql", v2);
    let r = apply(&s, &db, &file(&s, "v2.sql"));
    r.fails_with(1, "statements 1–2 of 3 applied; the 3rd failed");
    assert!(
        r.stderr.contains("at statement 3") && r.stderr.contains("MODIFY COLUMN `code` varchar(3)"),
        "the error names the statement: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("Data truncated for column 'code'"),
        "MariaDB's message: {}",
        r.stderr
    );
    assert_eq!(
        db.column("SELECT concat(state, ' ', applied, '/', total) FROM strata_apply_progress"),
        ["failed 2/3"]
    );
    assert_eq!(
        db.column("SELECT statement FROM strata_apply_progress"),
        ["ALTER TABLE `c` MODIFY COLUMN `code` varchar(3) NOT NULL"]
    );
    // The first two stay applied; the rerun plans only what is left.
    assert_eq!(
        db.column("SELECT count(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME IN ('x', 'y')"),
        ["2"]
    );
    db.exec("UPDATE c SET code = 'fix' WHERE id = 2");
    let r = apply(&s, &db, &file(&s, "v2.sql"));
    r.ok();
    assert!(
        !r.stdout.contains("`a`"),
        "only the rest runs:\n{}",
        r.stdout
    );
    assert_eq!(
        db.column("SELECT concat(state, ' ', applied, '/', total) FROM strata_apply_progress"),
        ["done 1/1"]
    );
    assert_eq!(db.column("SELECT code FROM c ORDER BY id"), ["ok", "fix"]);
    plans_nothing(&s, &db, &file(&s, "v2.sql"));
}

/// What the rows make certain to fail never starts: a unique index over
/// duplicates is refused by the pre-check, with nothing applied.
#[test]
fn a_unique_index_over_duplicates_is_refused_before_anything_runs() {
    let Some(db) = MyDb::create("dups") else {
        return;
    };
    let s = Scratch::new();
    s.write("v1.sql", "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE c (id int PRIMARY KEY, code varchar(10));");
    apply(&s, &db, &file(&s, "v1.sql")).ok();
    db.exec("INSERT INTO c VALUES (1, 'dup'), (2, 'dup')");
    s.write(
        "v2.sql",
        "CREATE TABLE a (id int PRIMARY KEY, x int);\nCREATE TABLE c (id int PRIMARY KEY, code varchar(10), UNIQUE KEY c_code (code));",
    );
    let r = apply(&s, &db, &file(&s, "v2.sql"));
    r.fails_with(1, "nothing was changed");
    assert!(r.stdout.contains("MF101"), "{}", r.stdout);
    assert_eq!(
        db.column("SELECT count(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME = 'x'"),
        ["0"]
    );
}

#[test]
fn a_second_apply_waits_for_the_lock_then_gives_up_cleanly() {
    let Some(db) = MyDb::create("lock") else {
        return;
    };
    let s = Scratch::new();
    s.write("v1.sql", V1);
    let mut holder = db.conn();
    let lock = format!("strata_apply:{}", db.name);
    let got: Vec<String> = mysql::prelude::Queryable::query(
        &mut holder,
        format!("SELECT CAST(GET_LOCK('{lock}', 5) AS CHAR)"),
    )
    .unwrap();
    assert_eq!(got, ["1"]);
    let started = std::time::Instant::now();
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &db.url(),
        "--to",
        &file(&s, "v1.sql"),
        "--dev-url",
        SERVER,
        "--auto-approve",
        "--lock-timeout",
        "1s",
    ]);
    r.fails_with(1, "another strata apply holds the lock");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(
        db.column("SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"),
        ["0"]
    );
    drop(holder);
    // Two applies at once: one does the work, the other finds nothing to do.
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            .args([
                "schema",
                "apply",
                "--url",
                &db.url(),
                "--to",
                &file(&s, "v1.sql"),
                "--dev-url",
                SERVER,
                "--auto-approve",
                "--color",
                "never",
            ])
            .current_dir(s.dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|t| {
        let a = t.spawn(spawn);
        let b = t.spawn(spawn);
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let outs = [
        String::from_utf8_lossy(&a.stdout).to_string(),
        String::from_utf8_lossy(&b.stdout).to_string(),
    ];
    assert_eq!(
        outs.iter().filter(|o| o.contains("nothing to do")).count(),
        1,
        "exactly one of them found work: {outs:?}"
    );
}

#[test]
fn no_scratch_database_is_left_behind() {
    let Some(db) = MyDb::create("scratch") else {
        return;
    };
    let s = Scratch::new();
    s.write("v1.sql", V1);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        .args([
            "schema",
            "diff",
            "--from",
            &db.url(),
            "--to",
            &file(&s, "v1.sql"),
            "--dev-url",
            SERVER,
        ])
        .current_dir(s.dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("CREATE TABLE `users`"));
    assert_eq!(my::leftover_scratch(pid), Vec::<String>::new());
    // A bad statement in a schema file: an error with file:line:col, nothing left either.
    s.write(
        "bad.sql",
        "CREATE TABLE t (id int);\nCREATE TABLE u (id nosuchtype);\n",
    );
    let r = s.strata(&[
        "schema",
        "apply",
        "--url",
        &db.url(),
        "--to",
        &file(&s, "bad.sql"),
        "--dev-url",
        SERVER,
        "--auto-approve",
    ]);
    r.fails_with(1, "bad.sql:2:1");
    assert_eq!(
        db.column("SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"),
        ["0"]
    );
}

#[test]
fn passwords_in_urls_are_never_printed() {
    let s = Scratch::new();
    for scheme in ["mysql", "maria", "mariadb"] {
        let r = s.strata(&[
            "schema",
            "inspect",
            "--url",
            &format!("{scheme}://app:s3cret-pw@127.0.0.1:1/x"),
        ]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("xxxxx"), "{}", r.stderr);
        assert!(!r.stderr.contains("s3cret-pw") && !r.stdout.contains("s3cret-pw"));
    }
}
