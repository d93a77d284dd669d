//! Atlas-dialect HCL: reading into the model, writing from it, formatting.

pub mod chunks;
pub mod fmt;
pub mod layout;
pub mod read;
pub mod vars;
pub mod vocab;
pub mod write;
