//! The project file's `lint { … }` block as the analyzers use it: a level per
//! analyzer, the naming rule, and the review policy.
//!
//! ```hcl
//! lint {
//!   review = WARNING                       # ERROR | WARNING | ALWAYS
//!   destructive      { error = true }      # Atlas's spelling
//!   data_depend      { level = "warning" }
//!   concurrent_index { skip = true }       # off
//!   naming { match = "^[a-z_]+$" }
//! }
//! ```

use super::{Family, Finding};
use crate::diag::Severity;
use serde::Serialize;
use std::collections::BTreeMap;

/// How loud an analyzer's findings are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Off,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Some(Level::Error),
            "warning" | "warn" => Some(Level::Warning),
            "off" | "skip" | "none" => Some(Level::Off),
            _ => None,
        }
    }
}

/// When `schema apply` asks for approval (`lint { review = … }`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Review {
    /// Every plan is shown and confirmed (strata's behaviour without a policy).
    #[default]
    Always,
    /// Only plans with a warning or an error need approval.
    Warning,
    /// Only plans with an error need approval.
    Error,
}

impl Review {
    pub fn parse(s: &str) -> Option<Review> {
        match s.to_ascii_uppercase().as_str() {
            "ALWAYS" => Some(Review::Always),
            "WARNING" => Some(Review::Warning),
            "ERROR" => Some(Review::Error),
            _ => None,
        }
    }

    /// Whether findings like these need a person's approval under this policy.
    pub fn needs_approval(self, findings: &[Finding]) -> bool {
        let worst = findings.iter().map(|f| f.severity).fold(None, |w, s| {
            Some(match (w, s) {
                (Some(Severity::Error), _) | (_, Severity::Error) => Severity::Error,
                (Some(Severity::Warning), _) | (_, Severity::Warning) => Severity::Warning,
                _ => Severity::Info,
            })
        });
        match self {
            Review::Always => true,
            Review::Warning => matches!(worst, Some(Severity::Error | Severity::Warning)),
            Review::Error => worst == Some(Severity::Error),
        }
    }
}

/// A naming rule: names must match `pattern`; `message` explains it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NamingRule {
    pub pattern: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `naming { match = … }` with optional per-object rules
/// (`table { match = … }`, `column`, `index`, `foreign_key`, `check`, `schema`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Naming {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all: Option<NamingRule>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub objects: BTreeMap<String, NamingRule>,
}

impl Naming {
    pub fn is_empty(&self) -> bool {
        self.all.is_none() && self.objects.is_empty()
    }

    /// The rule for an object kind (`table`, `column`, …): its own, else the general one.
    pub fn rule(&self, kind: &str) -> Option<&NamingRule> {
        self.objects.get(kind).or(self.all.as_ref())
    }
}

/// The lint configuration of an env.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Config {
    /// A level per analyzer (by [`Family::name`]); absent: each code's own severity.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub levels: BTreeMap<String, Level>,
    #[serde(skip_serializing_if = "Naming::is_empty")]
    pub naming: Naming,
    pub review: Review,
}

impl Config {
    pub fn level(&self, family: Family) -> Option<Level> {
        self.levels.get(family.name()).copied()
    }

    pub fn set(&mut self, family: Family, level: Level) {
        self.levels.insert(family.name().to_string(), level);
    }

    /// Raises or lowers findings to their analyzer's configured level and drops
    /// the ones switched off. A pre-check error (rows that make a statement
    /// certain to fail) is never lowered: it is a fact, not an opinion.
    pub fn apply(&self, findings: &mut Vec<Finding>) {
        findings.retain_mut(|f| match self.level(f.code.family()) {
            None => true,
            Some(Level::Off) => false,
            Some(Level::Error) => {
                f.severity = Severity::Error;
                true
            }
            Some(Level::Warning) => {
                if f.severity == Severity::Info {
                    f.severity = Severity::Warning;
                }
                true
            }
        });
    }

    /// Whether the analyzers the configuration makes errors report any.
    pub fn has_policy_errors(&self, findings: &[Finding]) -> bool {
        findings.iter().any(|f| {
            f.severity == Severity::Error && self.level(f.code.family()) == Some(Level::Error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::Code;

    fn finding(code: Code, severity: Severity) -> Finding {
        Finding::new(code, severity, String::new(), 0, None)
    }

    #[test]
    fn levels_raise_lower_and_silence_whole_analyzers() {
        let mut c = Config::default();
        c.set(Family::Destructive, Level::Error);
        c.set(Family::BackwardIncompatible, Level::Off);
        c.set(Family::DataDependent, Level::Warning);
        let mut f = vec![
            finding(Code::DS102, Severity::Warning),
            finding(Code::BC101, Severity::Info),
            finding(Code::MF105, Severity::Info),
            finding(Code::CD101, Severity::Warning),
        ];
        c.apply(&mut f);
        let got: Vec<(Code, Severity)> = f.iter().map(|f| (f.code, f.severity)).collect();
        assert_eq!(
            got,
            vec![
                (Code::DS102, Severity::Error),
                (Code::MF105, Severity::Warning),
                (Code::CD101, Severity::Warning),
            ]
        );
        assert!(c.has_policy_errors(&f));
    }

    #[test]
    fn review_asks_exactly_at_its_threshold() {
        let warn = [finding(Code::DS102, Severity::Warning)];
        let info = [finding(Code::BC101, Severity::Info)];
        let err = [finding(Code::MF103, Severity::Error)];
        assert!(Review::Always.needs_approval(&[]));
        assert!(Review::Warning.needs_approval(&warn));
        assert!(!Review::Warning.needs_approval(&info));
        assert!(Review::Warning.needs_approval(&err));
        assert!(!Review::Error.needs_approval(&warn));
        assert!(Review::Error.needs_approval(&err));
        assert!(!Review::Error.needs_approval(&[]));
    }
}
