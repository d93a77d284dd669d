//! The one reference resolver: what `table.users`, `table.main.users`,
//! `column.id`, `table.users.column.id` and `schema.main` point at, and the
//! words used when they point at nothing ("did you mean `users`?").
//!
//! Core's HCL reader and the language server keep their names differently
//! (the reader: the realm it just read; the editor: a workspace index over
//! HCL and SQL files), so each implements [`Names`] over its own store and
//! both call the functions here. The rules (schema filtering, preferring the
//! reference's own schema, ambiguity) and the messages live only here, so the
//! CLI's errors and the editor's diagnostics say the same thing.

use crate::suggest;

/// A store of relation (table and view) names a reference can resolve against.
pub trait Names {
    /// A handle to one relation definition.
    type Rel: Copy;

    /// The relations named `name` (as the store matches names), each with
    /// the schema it lives in.
    fn relations<'s>(&'s self, name: &str) -> impl Iterator<Item = (Self::Rel, &'s str)> + 's;

    /// Whether two schema names are the same schema.
    fn same_schema(&self, a: &str, b: &str) -> bool {
        a == b
    }

    /// Every relation name, for suggestions (only asked on a failure).
    fn relation_names(&self) -> Vec<&str>;

    /// Whether `rel` has a column `column`.
    fn has_column(&self, rel: Self::Rel, column: &str) -> bool;

    /// Whether `rel`'s columns are known; a view's may not be (its query
    /// decides), and then a column reference is not checked.
    fn columns_known(&self, _rel: Self::Rel) -> bool {
        true
    }

    /// `rel`'s column names, for suggestions (only asked on a failure).
    fn column_names(&self, rel: Self::Rel) -> Vec<&str>;
}

/// Why a reference did not resolve: the diagnostic's message and help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    pub message: String,
    pub help: Option<String>,
    /// Several schemas define the name and none is the reference's own.
    pub ambiguous: bool,
}

impl Unresolved {
    fn not_found(message: String, help: Option<String>) -> Unresolved {
        Unresolved {
            message,
            help,
            ambiguous: false,
        }
    }
}

/// The relations `name` (in `schema` when given) resolves to, written in
/// `owner_schema`: all definitions in one schema, preferring the owner's when
/// several schemas define it.
pub fn relation<N: Names>(
    names: &N,
    schema: Option<&str>,
    name: &str,
    owner_schema: &str,
) -> Result<Vec<N::Rel>, Unresolved> {
    let mut found: Vec<(N::Rel, &str)> = names
        .relations(name)
        .filter(|(_, s)| schema.is_none_or(|want| names.same_schema(s, want)))
        .collect();
    let Some(&(_, first)) = found.first() else {
        let written = match schema {
            Some(s) => format!("{s}.{name}"),
            None => name.to_string(),
        };
        return Err(Unresolved::not_found(
            format!("table `{written}` is not defined"),
            suggest::did_you_mean(name, names.relation_names()),
        ));
    };
    if !found.iter().all(|(_, s)| names.same_schema(s, first)) {
        found.retain(|(_, s)| names.same_schema(s, owner_schema));
        if found.is_empty() {
            return Err(Unresolved {
                message: format!(
                    "`{name}` is ambiguous: it is defined in more than one schema; qualify it as `table.SCHEMA.{name}`"
                ),
                help: None,
                ambiguous: true,
            });
        }
    }
    Ok(found.into_iter().map(|(r, _)| r).collect())
}

/// Checks that `column` is a column of the relations `rels` (what
/// [`relation`] found for `table`). `Ok(true)` when it is, `Ok(false)` when
/// the relations' columns are not known (views), and the problem otherwise.
pub fn column<N: Names>(
    names: &N,
    rels: &[N::Rel],
    table: &str,
    column: &str,
) -> Result<bool, Unresolved> {
    if rels.iter().any(|r| names.has_column(*r, column)) {
        return Ok(true);
    }
    if rels.iter().all(|r| !names.columns_known(*r)) {
        return Ok(false);
    }
    let help = rels
        .first()
        .and_then(|r| suggest::did_you_mean(column, names.column_names(*r)));
    Err(Unresolved::not_found(
        format!("table `{table}` has no column `{column}`"),
        help,
    ))
}

/// Checks a `schema.name` reference against the declared schemas.
pub fn schema<'a>(
    declared: impl IntoIterator<Item = &'a str> + Clone,
    name: &str,
    same: impl Fn(&str, &str) -> bool,
) -> Result<(), Unresolved> {
    if declared.clone().into_iter().any(|d| same(d, name)) {
        return Ok(());
    }
    let help = suggest::did_you_mean(name, declared)
        .unwrap_or_else(|| format!("add `schema \"{name}\" {{}}`"));
    Err(Unresolved::not_found(
        format!("schema `{name}` is not defined"),
        Some(help),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A realm in miniature: (schema, table, columns, columns known).
    struct Fake(Vec<(&'static str, &'static str, Vec<&'static str>, bool)>);

    impl Names for Fake {
        type Rel = usize;
        fn relations<'s>(&'s self, name: &str) -> impl Iterator<Item = (usize, &'s str)> + 's {
            let name = name.to_string();
            self.0
                .iter()
                .enumerate()
                .filter(move |(_, t)| t.1 == name)
                .map(|(i, t)| (i, t.0))
        }
        fn relation_names(&self) -> Vec<&str> {
            self.0.iter().map(|t| t.1).collect()
        }
        fn has_column(&self, rel: usize, column: &str) -> bool {
            self.0[rel].2.contains(&column)
        }
        fn columns_known(&self, rel: usize) -> bool {
            self.0[rel].3
        }
        fn column_names(&self, rel: usize) -> Vec<&str> {
            self.0[rel].2.clone()
        }
    }

    fn realm() -> Fake {
        Fake(vec![
            ("main", "users", vec!["id", "email"], true),
            ("main", "posts", vec!["id", "user_id"], true),
            ("audit", "posts", vec!["id"], true),
            ("main", "active", vec![], false),
        ])
    }

    #[test]
    fn a_misspelt_table_suggests_the_nearest() {
        let e = relation(&realm(), None, "user", "main").unwrap_err();
        assert_eq!(e.message, "table `user` is not defined");
        assert_eq!(e.help.as_deref(), Some("did you mean `users`?"));
        let e = relation(&realm(), Some("audit"), "users", "main").unwrap_err();
        assert_eq!(e.message, "table `audit.users` is not defined");
    }

    #[test]
    fn a_name_in_two_schemas_prefers_the_references_own() {
        assert_eq!(relation(&realm(), None, "posts", "main").unwrap(), vec![1]);
        assert_eq!(relation(&realm(), None, "posts", "audit").unwrap(), vec![2]);
        assert_eq!(
            relation(&realm(), Some("audit"), "posts", "main").unwrap(),
            vec![2]
        );
        let e = relation(&realm(), None, "posts", "other").unwrap_err();
        assert!(e.ambiguous);
        assert!(e.message.starts_with("`posts` is ambiguous"), "{e:?}");
    }

    #[test]
    fn a_misspelt_column_suggests_the_nearest_of_its_table() {
        let r = realm();
        assert_eq!(column(&r, &[0], "users", "email"), Ok(true));
        let e = column(&r, &[0], "users", "emial").unwrap_err();
        assert_eq!(e.message, "table `users` has no column `emial`");
        assert_eq!(e.help.as_deref(), Some("did you mean `email`?"));
        assert_eq!(column(&r, &[0], "users", "zzz").unwrap_err().help, None);
        // A view's columns come from its query: not checked.
        assert_eq!(column(&r, &[3], "active", "anything"), Ok(false));
    }

    #[test]
    fn an_undeclared_schema_suggests_a_declared_one_or_declaring_it() {
        let same = |a: &str, b: &str| a == b;
        assert!(schema(["main", "audit"], "main", same).is_ok());
        let e = schema(["main", "audit"], "mian", same).unwrap_err();
        assert_eq!(e.message, "schema `mian` is not defined");
        assert_eq!(e.help.as_deref(), Some("did you mean `main`?"));
        let e = schema(["main"], "billing", same).unwrap_err();
        assert_eq!(e.help.as_deref(), Some("add `schema \"billing\" {}`"));
    }
}
