//! PostgreSQL: connection, scratch dev databases, catalog inspection, and the
//! planner's SQL.

pub mod conn;
pub mod ephemeral;
pub mod exclude;
pub mod inspect;
pub mod narrow;
pub mod owner;
pub mod plan;

pub use conn::PgDriver;
