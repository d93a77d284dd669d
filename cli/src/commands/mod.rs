//! The `strata` commands, one file per command group: `schema` (schema.rs)
//! (with `schema plan` in plan.rs) and `migrate` (migrate.rs); `strata lsp` starts the language server.

pub mod migrate;
pub mod plan;
mod schema;

use crate::args::*;
use crate::output::CliError;
use std::process::ExitCode;

type Result<T> = std::result::Result<T, CliError>;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Schema(cmd) => match cmd {
            SchemaCommand::Inspect(a) => schema::inspect(a),
            SchemaCommand::Diff(a) => schema::diff(a),
            SchemaCommand::Apply(a) => schema::apply(a),
            SchemaCommand::Lint(a) => schema::lint(a),
            SchemaCommand::Fmt(a) => schema::fmt(a),
            SchemaCommand::Plan(a) => plan::run(a),
            SchemaCommand::Clean(a) => schema::clean(a),
        },
        Command::Migrate(cmd) => migrate::run(cmd),
        Command::Lsp => {
            strata_lsp::serve_stdio()
                .map_err(|e| CliError::failure(format!("language server: {e}")))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
