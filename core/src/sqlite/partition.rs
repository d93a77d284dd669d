//! Replaying a big desired schema into one SQLite database is quadratic: each
//! CREATE re-reads `sqlite_schema` (it has no index on names), so 10,000 tables
//! take the sqlite3 shell itself most of a minute. SQLite checks neither
//! foreign-key targets nor view bodies when they are created, so independent
//! groups of tables can be replayed into separate databases (one after the
//! other, in the same dev connection) and their inspections put together.
//!
//! A group keeps together what must meet in one database: a table (or view)
//! with its indexes and triggers. Foreign keys may cross groups: the implicit
//! parent columns of `REFERENCES parent` are filled in once the groups' realms
//! are put together. Anything that is not a plain CREATE, or a name defined
//! twice, keeps the one-database path, so its errors are found and reported as
//! before.

use crate::diag::Result;
use crate::driver::{Driver, Scope};
use crate::model::Realm;
use crate::span::Span;

use crate::sql::lex::{self, tokenize, Kind};
use std::collections::HashMap;

/// Below this many tables one database is fast enough.
pub const MIN_TABLES: usize = 1000;
/// Tables per database: small enough that the quadratic part stays cheap.
pub const TABLES_PER_PART: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Created {
    Table,
    View,
    Index,
    Trigger,
}

/// What a statement creates and the table or view it belongs to (lowercase):
/// `None` for anything but a plain `CREATE TABLE|VIEW|INDEX|TRIGGER`.
pub fn owner(sql: &str) -> Option<(Created, String)> {
    // The name comes within the first few tokens; don't lex a long body.
    let head = &sql[..sql.len().min(600)];
    let toks = tokenize(head);
    let mut i = 0;
    let word = |i: usize, w: &str| toks.get(i).is_some_and(|t| t.is(head, w));
    if !word(i, "CREATE") {
        return None;
    }
    i += 1;
    if word(i, "UNIQUE") {
        i += 1;
    }
    let kind = match toks.get(i)?.text(head).to_ascii_uppercase().as_str() {
        "TABLE" => Created::Table,
        "VIEW" => Created::View,
        "INDEX" => Created::Index,
        "TRIGGER" => Created::Trigger,
        _ => return None,
    };
    i += 1;
    if word(i, "IF") {
        i += 3;
    }
    let (name, next) = name_at(head, &toks, i)?;
    match kind {
        Created::Table | Created::View => Some((kind, name)),
        Created::Index => {
            if !word(next, "ON") {
                return None;
            }
            name_at(head, &toks, next + 1).map(|(t, _)| (kind, t))
        }
        Created::Trigger => lex::trigger_table(sql).map(|t| (kind, t.to_ascii_lowercase())),
    }
}

/// A possibly qualified name at `i`: its last part, lowercase, and the index after it.
fn name_at(src: &str, toks: &[lex::Token], i: usize) -> Option<(String, usize)> {
    let is_name = |t: &lex::Token| matches!(t.kind, Kind::Word | Kind::QuotedIdent | Kind::Str);
    let first = toks.get(i).filter(|t| is_name(t))?;
    if toks.get(i + 1).is_some_and(|t| t.is_punct(src, ".")) {
        let second = toks.get(i + 2).filter(|t| is_name(t))?;
        return Some((second.ident(src).to_ascii_lowercase(), i + 3));
    }
    Some((first.ident(src).to_ascii_lowercase(), i + 1))
}

/// Statement indices per database, or `None` to replay into one database.
pub fn partitions<'a>(script: impl IntoIterator<Item = &'a str>) -> Option<Vec<Vec<usize>>> {
    let owners: Vec<(Created, String)> = script.into_iter().map(owner).collect::<Option<_>>()?;
    let mut id: HashMap<&str, usize> = HashMap::new();
    let mut tables = 0;
    for (kind, name) in &owners {
        if matches!(kind, Created::Table | Created::View) {
            if id.insert(name, id.len()).is_some() {
                return None;
            }
            tables += (*kind == Created::Table) as usize;
        }
    }
    if tables < MIN_TABLES {
        return None;
    }
    // Groups in the order their first statement comes, packed into databases.
    let mut group_of_root: HashMap<usize, usize> = HashMap::new();
    let mut groups: Vec<(Vec<usize>, usize)> = Vec::new();
    for (i, (kind, name)) in owners.iter().enumerate() {
        // An index or trigger on something not created here fails either way:
        // one database reports it best.
        let &n = id.get(name.as_str())?;
        let g = *group_of_root.entry(n).or_insert_with(|| {
            groups.push((Vec::new(), 0));
            groups.len() - 1
        });
        groups[g].0.push(i);
        groups[g].1 += (*kind == Created::Table) as usize;
    }
    let mut parts: Vec<Vec<usize>> = Vec::new();
    let mut count = usize::MAX;
    for (stmts, n) in groups {
        if count >= TABLES_PER_PART {
            parts.push(Vec::new());
            count = 0;
        }
        parts.last_mut().unwrap().extend(stmts);
        count += n;
    }
    for p in &mut parts {
        p.sort_unstable();
    }
    Some(parts)
}

/// The SQLite dialect's grouped normalization: a big schema replayed in independent groups, one clean database each
/// (see [`crate::sqlite::partition`]), and read back as one realm in the order
/// the statements come. `None`: replay it into one database instead (small, or
/// unusual, or some statement was refused and must be located).
pub fn replay(
    dev: &mut dyn Driver,
    script: &[(String, Option<Span>, bool)],
    scope: &Scope,
) -> Result<Option<Realm>> {
    let Some(parts) = partitions(script.iter().map(|s| s.0.as_str())) else {
        return Ok(None);
    };
    let mut realm = Realm::default();
    for part in &parts {
        dev.reset()?;
        let mut batch = String::from("BEGIN;\n");
        for &i in part {
            batch.push_str(&script[i].0);
            batch.push_str(";\n");
        }
        batch.push_str("COMMIT;");
        if dev.execute(&batch).is_err() {
            dev.reset()?;
            return Ok(None);
        }
        let got = dev.inspect(scope)?;
        for s in got.schemas {
            let into = realm.schema_entry(&s.name);
            into.tables.extend(s.tables);
            into.views.extend(s.views);
            into.triggers.extend(s.triggers);
        }
    }
    // The order one database would have listed them in: by creating statement.
    let order: std::collections::HashMap<String, usize> = script
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let (kind, name) = owner(&s.0)?;
            matches!(kind, Created::Table | Created::View).then_some((name, i))
        })
        .collect();
    let at = |name: &str| order.get(&name.to_ascii_lowercase()).copied();
    for s in &mut realm.schemas {
        s.tables.sort_by_key(|t| at(&t.name));
        s.views.sort_by_key(|v| at(&v.name));
        super::inspect::fill_implicit_parent_keys(s);
    }
    Ok(Some(realm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_of_statements() {
        assert_eq!(
            owner("CREATE TABLE IF NOT EXISTS \"main\".\"Users\" (id int)"),
            Some((Created::Table, "users".into()))
        );
        assert_eq!(
            owner("CREATE UNIQUE INDEX i ON users (email)"),
            Some((Created::Index, "users".into()))
        );
        assert_eq!(
            owner("CREATE TRIGGER t AFTER INSERT ON posts BEGIN SELECT 1; END"),
            Some((Created::Trigger, "posts".into()))
        );
        assert_eq!(
            owner("CREATE VIEW v AS SELECT 1"),
            Some((Created::View, "v".into()))
        );
        assert_eq!(owner("CREATE TEMP TABLE t (x)"), None);
        assert_eq!(owner("INSERT INTO t VALUES (1)"), None);
    }

    fn script(n: usize) -> Vec<String> {
        let mut s = Vec::new();
        for i in 0..n {
            s.push(format!("CREATE TABLE t{i} (id int, p int)"));
            s.push(format!("CREATE INDEX i{i} ON t{i} (p)"));
        }
        s
    }

    #[test]
    fn small_schemas_use_one_database() {
        let s = script(MIN_TABLES - 1);
        assert!(partitions(s.iter().map(String::as_str)).is_none());
    }

    #[test]
    fn tables_keep_their_indexes_and_triggers() {
        let mut s = script(1200);
        s.push("CREATE TRIGGER late AFTER INSERT ON t3 BEGIN SELECT 1; END".into());
        let parts = partitions(s.iter().map(String::as_str)).unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.iter().map(Vec::len).sum::<usize>(), s.len());
        for stmt in [6, 7, 2400] {
            assert!(parts[0].contains(&stmt), "{stmt}");
        }
    }

    #[test]
    fn anything_unusual_keeps_one_database() {
        let mut s = script(1200);
        s.push("CREATE TABLE t5 (again int)".into());
        assert!(partitions(s.iter().map(String::as_str)).is_none());
        let mut s = script(1200);
        s.push("PRAGMA foreign_keys = on".into());
        assert!(partitions(s.iter().map(String::as_str)).is_none());
        let mut s = script(1200);
        s.push("CREATE INDEX x ON nowhere (a)".into());
        assert!(partitions(s.iter().map(String::as_str)).is_none());
    }
}
