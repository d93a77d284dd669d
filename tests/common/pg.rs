#![allow(dead_code)]
//! A uniquely named PostgreSQL database per test, dropped afterwards.
//! Without a server the tests skip loudly; under CI=true they fail.

use std::sync::atomic::{AtomicU32, Ordering};

pub const ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable";

static SEQ: AtomicU32 = AtomicU32::new(0);

pub struct PgDb {
    pub name: String,
}

impl PgDb {
    /// A fresh database, or `None` (after a loud message) when no server runs here.
    pub fn create(tag: &str) -> Option<PgDb> {
        let mut admin = match postgres::Client::connect(ADMIN, postgres::NoTls) {
            Ok(c) => c,
            Err(e) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("PostgreSQL is required in CI but {ADMIN} is unreachable: {e}");
                }
                eprintln!("\n!!! SKIPPING PostgreSQL test {tag}: no server at {ADMIN} ({e}) !!!\n");
                return None;
            }
        };
        let name = format!(
            "strata_test_{tag}_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        Some(PgDb { name })
    }

    pub fn url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:5432/{}?sslmode=disable&search_path=public",
            self.name
        )
    }

    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(
            &format!("postgres://postgres@127.0.0.1:5432/{}", self.name),
            postgres::NoTls,
        )
        .unwrap()
    }

    /// First column of every row, as text.
    pub fn column(&self, sql: &str) -> Vec<String> {
        self.client()
            .simple_query(sql)
            .unwrap()
            .into_iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(r) => {
                    Some(r.get(0).unwrap_or("NULL").to_string())
                }
                _ => None,
            })
            .collect()
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(ADMIN, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Scratch dev databases a strata process with this pid left behind.
pub fn leftover_scratch(pid: u32) -> Vec<String> {
    let mut admin = postgres::Client::connect(ADMIN, postgres::NoTls).unwrap();
    admin
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE $1",
            &[&format!("strata_dev_{pid}_%")],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}
