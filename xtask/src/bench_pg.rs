//! `cargo run --release -p xtask -- bench-pg [--tables 1000,5000] [--url URL]`:
//! PostgreSQL inspection and normalization on generated schemas (12 columns,
//! an FK chain and 2 indexes per table), on the local server.

use anyhow::{Context, Result};
use std::time::{Duration, Instant};
use strata_core::dialect::Dialect;
use strata_core::driver::{Driver, Scope};
use strata_core::postgres::PgDriver;
use strata_core::workspace::{self, Desired};
use strata_core::SourceFile;

const ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable";

fn schema_sql(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let prev = if i == 0 {
            String::new()
        } else {
            format!(", CONSTRAINT t{i}_prev FOREIGN KEY (prev_id) REFERENCES t{} (id) ON DELETE CASCADE", i - 1)
        };
        s.push_str(&format!(
            "CREATE TABLE t{i} (id bigint PRIMARY KEY, prev_id bigint, a text NOT NULL, b varchar(255), c numeric(10,2) DEFAULT 0, \
             d boolean NOT NULL DEFAULT false, e timestamptz DEFAULT now(), f integer, g jsonb, h real, k text, m date{prev});\n\
             CREATE UNIQUE INDEX t{i}_a ON t{i} (a);\nCREATE INDEX t{i}_b ON t{i} (lower(b)) WHERE f > 0;\n"
        ));
    }
    s
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let v = f();
    (v, t.elapsed())
}

pub fn main(args: &[String]) -> Result<()> {
    let mut sizes = vec![1000, 5000];
    let mut url = ADMIN.to_string();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--tables" => {
                sizes = it
                    .next()
                    .context("--tables N,M")?
                    .split(',')
                    .map(|x| x.parse())
                    .collect::<Result<_, _>>()?
            }
            "--url" => url = it.next().context("--url URL")?.clone(),
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    println!("| tables | load script (batches of 500 tables) | inspect (best of 3) | normalize (scratch db) | tables read |");
    println!("|---:|---:|---:|---:|---:|");
    for n in sizes {
        let sql = schema_sql(n);
        let mut db = PgDriver::open_scratch(&url).map_err(|e| anyhow::anyhow!("{e}"))?;
        // In batches of 500 tables: one transaction for 5,000 would exceed the lock table.
        let stmts: Vec<&str> = sql.split_inclusive(";\n").collect();
        let (r, load) = timed(|| -> Result<(), String> {
            for chunk in stmts.chunks(1500) {
                db.execute(&format!("BEGIN;\n{}\nCOMMIT;", chunk.concat()))?;
            }
            Ok(())
        });
        r.map_err(|e| anyhow::anyhow!(e))?;
        let mut best = Duration::MAX;
        let mut count = 0;
        for _ in 0..3 {
            let (realm, took) = timed(|| db.inspect(&Scope::default()));
            count = realm.map_err(|e| anyhow::anyhow!("{e}"))?.table_count();
            best = best.min(took);
        }
        // Normalization of a desired schema this size, as `schema apply` does it.
        let norm = if n <= 5000 {
            let desired = Desired::read(
                vec![SourceFile::new("bench.sql", sql.clone())],
                Dialect::Postgres,
            );
            let mut dev = PgDriver::open_scratch(&url).map_err(|e| anyhow::anyhow!("{e}"))?;
            let (r, took) = timed(|| workspace::normalize(&desired, &mut dev, &Scope::default()));
            r.map_err(|e| anyhow::anyhow!("{e}"))?;
            format!("{took:.2?}")
        } else {
            "–".into()
        };
        println!("| {n} | {load:.2?} | {best:.2?} | {norm} | {count} |");
    }
    Ok(())
}
