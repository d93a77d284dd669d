#![allow(dead_code)]
//! A uniquely named MariaDB/MySQL database per test, dropped afterwards.
//! Without a server the tests skip loudly; under CI=true they fail.

use mysql::prelude::Queryable;
use std::sync::atomic::{AtomicU32, Ordering};

/// The server, as `--dev-url` takes it.
pub const SERVER: &str = "mysql://root@127.0.0.1:3306/";

static SEQ: AtomicU32 = AtomicU32::new(0);

pub struct MyDb {
    pub name: String,
}

fn admin() -> Result<mysql::Conn, mysql::Error> {
    mysql::Conn::new(mysql::Opts::from_url(SERVER).unwrap())
}

impl MyDb {
    /// A fresh database, or `None` (after a loud message) when no server runs here.
    pub fn create(tag: &str) -> Option<MyDb> {
        let mut admin = match admin() {
            Ok(c) => c,
            Err(e) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("MariaDB is required in CI but {SERVER} is unreachable: {e}");
                }
                eprintln!("\n!!! SKIPPING MariaDB test {tag}: no server at {SERVER} ({e}) !!!\n");
                return None;
            }
        };
        let name = format!(
            "strata_test_{tag}_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        admin
            .query_drop(format!("CREATE DATABASE `{name}`"))
            .unwrap();
        Some(MyDb { name })
    }

    pub fn url(&self) -> String {
        format!("mysql://root@127.0.0.1:3306/{}", self.name)
    }

    pub fn conn(&self) -> mysql::Conn {
        let mut c = admin().unwrap();
        c.query_drop(format!("USE `{}`", self.name)).unwrap();
        c
    }

    pub fn exec(&self, sql: &str) {
        self.conn().query_drop(sql).unwrap();
    }

    /// First column of every row, as text.
    pub fn column(&self, sql: &str) -> Vec<String> {
        let rows: Vec<mysql::Row> = self.conn().query(sql).unwrap();
        rows.into_iter()
            .map(|r| match r.as_ref(0) {
                Some(mysql::Value::NULL) | None => "NULL".to_string(),
                Some(mysql::Value::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
                Some(v) => v.as_sql(true),
            })
            .collect()
    }

    /// `SHOW CREATE TABLE` of every table, AUTO_INCREMENT counters stripped.
    pub fn show_create(&self) -> Vec<String> {
        let mut out = Vec::new();
        for t in self.column(&format!(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{}' AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> 'strata_apply_progress' ORDER BY 1",
            self.name
        )) {
            let rows: Vec<mysql::Row> = self
                .conn()
                .query(format!("SHOW CREATE TABLE `{t}`"))
                .unwrap();
            let text: String = rows[0].get(1).unwrap();
            let stripped: Vec<&str> = text
                .split(' ')
                .filter(|w| !w.starts_with("AUTO_INCREMENT="))
                .collect();
            out.push(stripped.join(" "));
        }
        out
    }
}

impl Drop for MyDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = admin() {
            let _ = admin.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name));
        }
    }
}

/// Scratch dev databases a strata process with this pid left behind.
pub fn leftover_scratch(pid: u32) -> Vec<String> {
    let rows: Vec<String> = admin()
        .unwrap()
        .query(format!(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'strata\\_dev\\_{pid}\\_%'"
        ))
        .unwrap();
    rows
}
