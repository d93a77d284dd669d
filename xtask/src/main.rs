//! Project tasks: `cargo run -p xtask -- conformance …` and `… bench …`.

mod atlas_txtar;
mod bench;
mod bench_pg;
mod conformance;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("conformance") => conformance::main(&args[1..]),
        Some("bench") => bench::main(&args[1..]),
        Some("bench-pg") => bench_pg::main(&args[1..]),
        Some("atlas-txtar") => atlas_txtar::main(&args[1..]),
        _ => {
            eprintln!("usage: cargo run -p xtask -- <conformance|bench|bench-pg|atlas-txtar> [options]\n  conformance --dialect sqlite --corpus ../shared/corpora/sqldef [--min-pass 95] [--filter NAME] [--verbose]\n  bench [--tables 1000,10000] [--out docs/benchmarks.md]\n  atlas-txtar [--dialect sqlite|postgres] [--filter NAME] [--verbose]");
            std::process::exit(2);
        }
    }
}
