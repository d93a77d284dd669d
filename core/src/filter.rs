//! Atlas-style `--exclude` globs. A pattern's depth picks what it matches:
//! `users` excludes tables/views/triggers by name, `users.col*` excludes columns,
//! indexes, foreign keys and checks of matching tables. In a realm with several
//! schemas, a leading `schema.` segment is expected.

use crate::diag::{Error, Result};
use crate::model::Realm;
use globset::{Glob, GlobMatcher};

pub struct Exclude {
    patterns: Vec<Vec<GlobMatcher>>,
}

impl Exclude {
    pub fn new(patterns: &[String]) -> Result<Exclude> {
        let mut out = Vec::new();
        for p in patterns {
            let mut segs = Vec::new();
            for seg in p.split('.') {
                let g = Glob::new(seg)
                    .map_err(|e| Error::Usage(format!("bad --exclude pattern `{p}`: {e}")))?;
                segs.push(g.compile_matcher());
            }
            out.push(segs);
        }
        Ok(Exclude { patterns: out })
    }

    fn hit(&self, path: &[&str]) -> bool {
        self.patterns
            .iter()
            .any(|p| p.len() == path.len() && p.iter().zip(path).all(|(g, s)| g.is_match(s)))
    }

    /// Removes what the patterns match. `qualified` says whether patterns start
    /// with a schema name (a realm of several schemas).
    pub fn apply(&self, realm: &mut Realm, qualified: bool) {
        if self.patterns.is_empty() {
            return;
        }
        for s in &mut realm.schemas {
            let sname = s.name.clone();
            let path = |rest: &[&str]| -> Vec<String> {
                let mut v = Vec::new();
                if qualified {
                    v.push(sname.clone());
                }
                v.extend(rest.iter().map(|x| x.to_string()));
                v
            };
            let hit = |p: Vec<String>| self.hit(&p.iter().map(String::as_str).collect::<Vec<_>>());
            s.tables.retain(|t| !hit(path(&[&t.name])));
            s.views.retain(|v| !hit(path(&[&v.name])));
            s.triggers
                .retain(|t| !hit(path(&[&t.name])) && !hit(path(&[&t.table])));
            for t in &mut s.tables {
                let tn = t.name.clone();
                t.columns.retain(|c| !hit(path(&[&tn, &c.name])));
                t.indexes.retain(|i| !hit(path(&[&tn, &i.name])));
                t.foreign_keys
                    .retain(|f| f.name.as_ref().is_none_or(|n| !hit(path(&[&tn, n]))));
                t.checks
                    .retain(|c| c.name.as_ref().is_none_or(|n| !hit(path(&[&tn, n]))));
            }
        }
    }
}
