//! SQL DDL sources: statement splitting and static reading without a database.

pub mod annotations;
pub mod lex;
pub mod split;
pub mod static_read;
