//! Versioned migrations: a directory of `<version>_<name>.sql` files with
//! Atlas's `atlas.sum`, a revision history in the target database, an executor
//! that records every statement it runs, and `down`, computed from what the
//! database actually holds.

pub mod apply;
pub mod dir;
pub mod down;
pub mod drift;
pub mod formats;
pub mod lint;
pub mod revisions;
pub mod sum;
pub mod tx;
