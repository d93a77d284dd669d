//! strata's engine. No CLI or protocol types live here: the `strata` binary and
//! the language server are thin layers over these functions.
//!
//! Data flows one way: sources (HCL, SQL) → [`model::Realm`] → normalized on a dev
//! database → [`diff`] → [`plan`] → [`lint`] → applied through [`pipeline`].

pub mod cache;
pub mod diag;
pub mod dialect;
pub mod diff;
pub mod docker;
pub mod driver;
pub mod env;
pub mod filter;
pub mod hcl;
pub mod lint;
pub mod migrate;
pub mod model;
pub mod mysql;
pub mod owner;
pub mod pipeline;
pub mod plan;
pub mod postgres;
pub mod precheck;
pub mod project;
pub mod resolve;
pub mod review;
pub mod source;
pub mod span;
pub mod sql;
pub mod sqlite;
pub mod suggest;
pub mod url;
pub mod workspace;

pub use diag::{Diagnostic, Error, Files, Result, Severity};
pub use model::Realm;
pub use span::{SourceFile, Span};
