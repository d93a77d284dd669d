//! Column types each dialect knows, for completion and the unknown-type check:
//! the dialect's type catalog in core's vocabulary (`strata_core::hcl::vocab`),
//! so the editor and the reader agree on what a type is.

use strata_core::dialect::Dialect;
use strata_core::hcl::vocab::TypeSpec;

pub use strata_core::suggest::edit_distance;

/// The dialect's catalog, in completion order.
pub fn types(d: Dialect) -> &'static [TypeSpec] {
    d.rules().vocab.types
}

/// Whether `name` (a type's base word, any case) is a type of dialect `d`.
pub fn is_known(d: Dialect, name: &str) -> bool {
    d.rules().vocab.is_type(name)
}

pub fn doc(d: Dialect, name: &str) -> Option<&'static str> {
    d.rules().vocab.type_spec(name).map(|t| t.doc)
}

/// The known type nearest to `word` by edit distance, if close.
pub fn closest(d: Dialect, word: &str) -> Option<&'static str> {
    d.rules().vocab.closest_type(word)
}

/// A type reduced for comparing an FK column with the column it references:
/// lower case, no spaces, common aliases folded.
pub fn canonical(d: Dialect, ty: &str) -> String {
    d.rules().vocab.canonical_type(ty)
}
