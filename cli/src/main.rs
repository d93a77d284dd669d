//! `strata`: schema as code for SQLite and PostgreSQL (MySQL/MariaDB next). This binary is a
//! thin shell over `strata_core`; every decision lives there.

mod args;
mod commands;
mod env;
mod output;
mod report;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the signal handler: the process ends there, with status 130.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let json = wants_json();
    // Destructors do not run on a signal: clean up dev databases by hand. With
    // the "termination" feature this handles SIGTERM (timeout, CI
    // cancellation, docker stop, systemd) and SIGHUP (a closed terminal) as
    // well as SIGINT; what SIGKILL leaves, the next run removes (see
    // strata_core::postgres::owner).
    let _ = ctrlc::set_handler(|| {
        INTERRUPTED.store(true, Ordering::SeqCst);
        strata_core::postgres::conn::cleanup_on_interrupt();
        // Not `eprintln!`: an editor that ends the language server closes its
        // pipes before the SIGTERM, and a panic on the broken stderr would
        // end this thread before `exit`, leaving the process parked below.
        let _ = writeln!(std::io::stderr(), "\ninterrupted: dev databases cleaned up");
        std::process::exit(130);
    });
    output::init_color(cli.color);
    if cli.no_cache {
        strata_core::cache::disable();
    }
    let result = commands::run(cli);
    // The cleanup may have broken the command's connections: let the handler
    // finish and exit, rather than end the process under it.
    while INTERRUPTED.load(Ordering::SeqCst) {
        std::thread::park();
    }
    match result {
        Ok(code) => code,
        Err(e) => {
            output::print_error(&e);
            if json {
                output::print_error_json(&e);
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// Whether the command was asked for `--format json` (every command that
/// has `--format` spells it so).
fn wants_json() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--format=json")
        || args
            .windows(2)
            .any(|w| w[0] == "--format" && w[1] == "json")
}
