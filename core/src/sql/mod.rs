//! SQL DDL sources: statement splitting and static reading without a database.

pub mod lex;
pub mod split;
pub mod static_read;
