//! SQLite: connection, inspection, and the planner's SQL.

pub mod conn;
pub mod ddl;
pub mod inspect;
pub mod partition;
pub mod plan;

pub use conn::SqliteDriver;
