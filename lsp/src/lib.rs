//! strata's language server. `analysis` is free of protocol types and tested
//! with cursor-marker fixtures; `server` only translates to and from LSP.

pub mod analysis;
pub mod server;

/// Serves LSP over stdin/stdout until the client exits.
pub fn serve_stdio() -> std::io::Result<()> {
    server::run_stdio()
}
