//! `conformance --dialect postgres`: the round-trip runner on a live PostgreSQL
//! server (see `shared/corpora/README.md`).
//!
//! Per case: `current` is loaded into database A and `desired` into database B;
//! one row is seeded into each table of A; strata plans A → desired (realm
//! mode: every non-system schema) on a scratch dev database and applies the
//! plan to A; then `pg_dump --schema-only` of A and B must hold the same
//! statements, seeded rows must survive, and a re-plan must be empty.
//!
//! Speed: `CREATE DATABASE` costs about half a second here and `DROP DATABASE`
//! a forced checkpoint (about a second), which for 838 cases would take over
//! half an hour. So each worker creates its A and B once (from a template
//! database made for the run) and resets them between cases by dropping every
//! user schema and extension; a catalog fingerprint then proves the database is
//! as fresh as a new one, and if it is not, the database is dropped and created
//! again from the template. Everything is dropped `WITH (FORCE)` at the end.
//!
//! Files: [`server`] (setup and teardown, the [`super::Dialect`]),
//! [`worker`] (databases A, B and dev, the [`super::Worker`]), [`load`]
//! (loading a case and what it presupposes), [`seed`] (rows), [`dump`]
//! (canonical `pg_dump` text).

mod dump;
mod load;
mod seed;
mod server;
mod worker;

#[cfg(test)]
mod tests;

pub(crate) use server::Postgres;
