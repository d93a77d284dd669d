//! `strata`: schema as code for SQLite, PostgreSQL and MySQL. This binary is a
//! thin shell over `strata_core`; every decision lives there.

mod args;
mod commands;
mod env;
mod output;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    // Destructors do not run on a signal: clean up dev databases by hand. With
    // the "termination" feature this handles SIGTERM (timeout, CI
    // cancellation, docker stop, systemd) and SIGHUP (a closed terminal) as
    // well as SIGINT; what SIGKILL leaves, the next run removes (see
    // strata_core::postgres::owner).
    let _ = ctrlc::set_handler(|| {
        strata_core::postgres::conn::cleanup_on_interrupt();
        eprintln!("\ninterrupted: dev databases cleaned up");
        std::process::exit(130);
    });
    output::init_color(cli.color);
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            output::print_error(&e);
            ExitCode::from(e.exit_code())
        }
    }
}
