//! Rows before and after a plan: what was seeded must survive in every table
//! and column that is still there, following the case's `@renamed`
//! annotations.

use std::collections::BTreeMap;
use strata_core::sql::lex::tokenize;

/// The rows of one table: how many, and each column's values as text
/// (`None` for NULL), sorted.
pub(crate) struct TableData {
    pub(crate) rows: i64,
    pub(crate) columns: BTreeMap<String, Vec<Option<String>>>,
}

/// A database's rows by table (the dialect's own key: `schema.table`, or the
/// lowercased name where names fold).
pub(crate) type Rows = BTreeMap<String, TableData>;

/// Renames a case declares with sqldef's `@renamed from=old` annotations, so
/// that data-loss checks follow a renamed table or column (lowercased names).
#[derive(Default)]
pub(crate) struct Renames {
    /// old table → new table.
    pub(crate) tables: BTreeMap<String, String>,
    /// (new table, old column) → new column.
    pub(crate) columns: BTreeMap<(String, String), String>,
}

impl Renames {
    pub(crate) fn of(desired: &str) -> Renames {
        let mut out = Renames::default();
        let mut table: Option<String> = None;
        for line in desired.lines() {
            let toks = tokenize(line);
            let starts_create = toks.first().is_some_and(|t| t.is(line, "CREATE"));
            if starts_create {
                table = None;
                if let Some(at) = toks.iter().position(|t| t.is(line, "TABLE")) {
                    let mut i = at + 1;
                    if toks.get(i).is_some_and(|t| t.is(line, "IF")) {
                        i += 3;
                    }
                    table = toks.get(i).map(|t| t.ident(line).to_lowercase());
                    if let (Some(new), Some(old)) = (&table, renamed_from(line)) {
                        out.tables.insert(old, new.clone());
                    }
                }
                continue;
            }
            if let (Some(t), Some(old), Some(first)) = (&table, renamed_from(line), toks.first()) {
                out.columns
                    .insert((t.clone(), old), first.ident(line).to_lowercase());
            }
        }
        out
    }
}

/// The old name in a `@renamed from=old` annotation on this line.
fn renamed_from(line: &str) -> Option<String> {
    let rest = &line[line.find("@renamed")?..];
    let rest = rest[rest.find("from=")? + 5..].trim_start();
    let name = if let Some(q) = rest.strip_prefix('"') {
        q.split('"').next().unwrap_or("")
    } else {
        rest.split(|c: char| c.is_whitespace() || c == '*' || c == ',')
            .next()
            .unwrap_or("")
    };
    (!name.is_empty()).then(|| name.to_lowercase())
}

fn first_lost_value(
    label: &str,
    col: &str,
    before: &[Option<String>],
    now: &[Option<String>],
    same: impl Fn(&str, &str) -> bool,
) -> Option<String> {
    let mut pool: Vec<&str> = now.iter().flatten().map(String::as_str).collect();
    for v in before.iter().flatten() {
        match pool.iter().position(|x| same(v, x)) {
            Some(i) => {
                pool.remove(i);
            }
            None => {
                let shown: Vec<String> = now
                    .iter()
                    .map(|x| {
                        x.as_deref()
                            .map_or("NULL".to_string(), |s| format!("{s:?}"))
                    })
                    .collect();
                return Some(format!(
                    "{label}.{col}: value {v:?} lost (now {})",
                    shown.join(", ")
                ));
            }
        }
    }
    None
}

/// Values equal as text, or as numbers (an integer that a type change turned into 1.0).
pub(crate) fn same_value(a: &str, b: &str) -> bool {
    a == b || matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
}

/// What the plan lost: rows of a surviving table, or non-NULL values of a
/// surviving column; `survives(before, after)` says when a value read the
/// same. Renamed names match case-insensitively.
pub(crate) fn lost_data(
    before: &Rows,
    after: &Rows,
    renames: &Renames,
    survives: impl Fn(&str, &str) -> bool,
) -> Vec<String> {
    let mut lost = Vec::new();
    for (t, b) in before {
        let renamed = renames
            .tables
            .get(&t.to_lowercase())
            .and_then(|new| after.keys().find(|k| k.to_lowercase() == *new));
        let t2 = renamed.unwrap_or(t);
        let Some(a) = after.get(t2) else { continue };
        let label = if t2 == t {
            t.clone()
        } else {
            format!("{t} → {t2}")
        };
        if a.rows < b.rows {
            lost.push(format!("{label}: {} → {} rows", b.rows, a.rows));
            continue;
        }
        for (c, values) in &b.columns {
            let c2 = renames
                .columns
                .get(&(t2.to_lowercase(), c.to_lowercase()))
                .and_then(|new| a.columns.keys().find(|k| k.to_lowercase() == *new))
                .unwrap_or(c);
            let Some(now) = a.columns.get(c2) else {
                continue;
            };
            let col = if c2 == c {
                c.clone()
            } else {
                format!("{c} → {c2}")
            };
            lost.extend(first_lost_value(&label, &col, values, now, &survives));
        }
    }
    lost
}
