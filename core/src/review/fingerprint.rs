//! A schema state's fingerprint: a hash of its canonical form.
//!
//! A reviewed plan is pinned to the transition it was made for: the state it
//! starts from and the state it reaches. Both are named by fingerprint, so the
//! fingerprint must be
//! - stable: two inspections of one database agree, whatever order the catalog
//!   returned objects in;
//! - portable: the same schema applied to two databases (or two servers) gives
//!   the same fingerprint, so a plan made against staging matches production;
//! - faithful: any difference the planner would act on changes it.
//!
//! So it hashes exactly what the differ compares, spelled the way the differ
//! compares it (types, defaults and expressions through the differ's own
//! canonical forms), with every list of named objects sorted, and without what
//! the database makes up: names of unique constraints the dialect does not
//! keep (SQLite's `sqlite_autoindex_*`), primary key names
//! (the differ never compares them), spans and `renamed_from` (directives of
//! the source, not state). Column order is left out too: the differ matches
//! columns by name, and a column added by `ALTER TABLE` lands last.

use crate::dialect::Dialect;
use crate::diff::{canonical, canonical_default, canonical_type};
use crate::model::*;
use sha2::{Digest, Sha256};

/// The canonical form's version: bumped when the form changes, so that a plan
/// pinned by an older strata reads as stale (and is recomputed), never as a
/// match.
const VERSION: &str = "strata-fingerprint-1";

/// The fingerprint of `realm` as `dialect` compares it: `sha256:<hex>`.
pub fn fingerprint(realm: &Realm, dialect: Dialect) -> String {
    let canon = canonical_realm(realm, dialect);
    let json = serde_json::to_string(&canon).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(VERSION.as_bytes());
    h.update(b"\n");
    h.update(dialect.name().as_bytes());
    h.update(b"\n");
    h.update(json.as_bytes());
    format!("sha256:{}", hex(&h.finalize()))
}

/// The hash of some text (schema files, a plan's SQL): `sha256:<hex>`.
pub fn text_hash(parts: &[(&str, &str)]) -> String {
    let mut h = Sha256::new();
    for (name, text) in parts {
        // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    format!("sha256:{}", hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `realm` in canonical form (see the module doc).
pub fn canonical_realm(realm: &Realm, dialect: Dialect) -> Realm {
    let c = Canon {
        rules: dialect.rules(),
    };
    let mut r = realm.clone();
    for s in &mut r.schemas {
        c.schema(s);
    }
    r.schemas.sort_by(|a, b| a.name.cmp(&b.name));
    for e in &mut r.extensions {
        e.span = None;
    }
    r.extensions.sort_by(|a, b| a.name.cmp(&b.name));
    r
}

struct Canon {
    rules: &'static crate::dialect::Rules,
}

/// Sorts by `key` (a name, mostly unique), then by the whole item's JSON
/// when keys tie (unnamed checks, keys), so the order never depends on the
/// catalog's. The JSON is only built for ties.
fn sort_by_key_then_json<T: serde::Serialize>(v: &mut [T], key: impl Fn(&T) -> String) {
    let json = |x: &T| serde_json::to_string(x).unwrap_or_default();
    v.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| json(a).cmp(&json(b))));
}

impl Canon {
    /// An identifier as the dialect compares it.
    fn ident(&self, s: &str) -> String {
        if self.rules.fold_case {
            s.to_ascii_lowercase()
        } else {
            s.to_string()
        }
    }

    fn schema(&self, s: &mut Schema) {
        s.span = None;
        for t in &mut s.tables {
            self.table(t);
        }
        sort_by_key_then_json(&mut s.tables, |t| t.name.clone());
        for v in &mut s.views {
            v.name = self.ident(&v.name);
            v.def = canonical(&v.def);
            v.renamed_from = None;
            v.span = None;
            for i in &mut v.indexes {
                self.index(i);
            }
            sort_by_key_then_json(&mut v.indexes, |i| i.name.clone());
        }
        sort_by_key_then_json(&mut s.views, |v| v.name.clone());
        for tr in &mut s.triggers {
            tr.name = self.ident(&tr.name);
            tr.table = self.ident(&tr.table);
            tr.def = canonical(&tr.def);
            tr.span = None;
        }
        sort_by_key_then_json(&mut s.triggers, |t| format!("{}\0{}", t.table, t.name));
        for e in &mut s.enums {
            e.renamed_from = None;
            e.span = None;
        }
        sort_by_key_then_json(&mut s.enums, |e| e.name.clone());
        for d in &mut s.domains {
            d.ty = canonical_type(&d.ty);
            d.default = canonical_default(d.default.as_deref());
            d.collation = d.collation.as_deref().map(str::to_ascii_lowercase);
            self.checks(&mut d.checks);
            d.span = None;
        }
        sort_by_key_then_json(&mut s.domains, |d| d.name.clone());
        for r in &mut s.routines {
            r.args = canonical(&r.args);
            r.def = canonical(&r.def);
            r.span = None;
        }
        sort_by_key_then_json(&mut s.routines, |r| format!("{}\0{}", r.name, r.args));
        for q in &mut s.sequences {
            q.span = None;
        }
        sort_by_key_then_json(&mut s.sequences, |q| q.name.clone());
    }

    fn table(&self, t: &mut Table) {
        t.name = self.ident(&t.name);
        t.renamed_from = None;
        t.span = None;
        for c in &mut t.columns {
            c.name = self.ident(&c.name);
            c.ty = canonical_type(&c.ty);
            c.default = canonical_default(c.default.as_deref());
            if let Some(g) = &mut c.generated {
                g.expr = canonical(&g.expr);
            }
            c.collation = c.collation.as_deref().map(str::to_ascii_lowercase);
            c.renamed_from = None;
            c.span = None;
        }
        t.columns.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(pk) = &mut t.primary_key {
            // The differ compares primary keys by their parts only.
            pk.name = None;
            pk.span = None;
            self.parts(&mut pk.parts);
        }
        for i in &mut t.indexes {
            self.index(i);
        }
        sort_by_key_then_json(&mut t.indexes, |i| i.name.clone());
        for fk in &mut t.foreign_keys {
            // Names stay, even where the dialect matches keys by columns: the
            // differ still changes a key whose name changed. An unnamed key
            // reads back unnamed, so nothing is made up here.
            fk.columns = fk.columns.iter().map(|c| self.ident(c)).collect();
            fk.ref_table = self.ident(&fk.ref_table);
            fk.ref_columns = fk.ref_columns.iter().map(|c| self.ident(c)).collect();
            fk.span = None;
        }
        sort_by_key_then_json(&mut t.foreign_keys, |fk| {
            fk.name.clone().unwrap_or_default()
        });
        self.checks(&mut t.checks);
        for p in &mut t.policies {
            p.using = p.using.as_deref().map(canonical);
            p.check = p.check.as_deref().map(canonical);
            p.span = None;
        }
        sort_by_key_then_json(&mut t.policies, |p| p.name.clone());
    }

    fn index(&self, i: &mut Index) {
        // Where the dialect makes up unique constraints' names, they are noise:
        // the differ matches such constraints by their columns.
        if i.attrs.flag("constraint") && !self.rules.keeps_unique_names {
            i.name = String::new();
        }
        self.parts(&mut i.parts);
        i.predicate = i.predicate.as_deref().map(canonical);
        i.renamed_from = None;
        i.span = None;
    }

    fn parts(&self, parts: &mut [IndexPart]) {
        for p in parts {
            p.key = match &p.key {
                IndexKey::Column(c) => IndexKey::Column(self.ident(c)),
                IndexKey::Expr(e) => IndexKey::Expr(canonical(e)),
            };
            p.collation = p.collation.as_deref().map(str::to_ascii_lowercase);
        }
    }

    fn checks(&self, checks: &mut [Check]) {
        for c in checks.iter_mut() {
            c.expr = canonical(&c.expr);
            c.span = None;
        }
        sort_by_key_then_json(checks, |c| c.expr.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, ty: &str) -> Column {
        Column {
            name: name.into(),
            ty: ty.into(),
            nullable: true,
            ..Column::default()
        }
    }

    fn realm(tables: Vec<Table>) -> Realm {
        Realm {
            schemas: vec![Schema {
                name: "main".into(),
                tables,
                ..Schema::default()
            }],
            ..Realm::default()
        }
    }

    fn table(name: &str, columns: Vec<Column>) -> Table {
        Table {
            name: name.into(),
            columns,
            ..Table::default()
        }
    }

    #[test]
    fn object_and_column_order_do_not_matter() {
        let a = realm(vec![
            table("a", vec![col("x", "int"), col("y", "text")]),
            table("b", vec![col("z", "int")]),
        ]);
        let b = realm(vec![
            table("b", vec![col("z", "int")]),
            table("a", vec![col("y", "text"), col("x", "int")]),
        ]);
        assert_eq!(
            fingerprint(&a, Dialect::Sqlite),
            fingerprint(&b, Dialect::Sqlite)
        );
    }

    #[test]
    fn spelling_the_differ_ignores_is_ignored_and_everything_else_counts() {
        let base = realm(vec![table("t", vec![col("x", "varchar(10)")])]);
        let fp = |r: &Realm| fingerprint(r, Dialect::Postgres);
        let mut spaced = base.clone();
        spaced.schemas[0].tables[0].columns[0].ty = "VARCHAR( 10 )".into();
        assert_eq!(fp(&base), fp(&spaced));
        let mut renamed_from = base.clone();
        renamed_from.schemas[0].tables[0].renamed_from = Some("old".into());
        assert_eq!(fp(&base), fp(&renamed_from));
        let mut narrower = base.clone();
        narrower.schemas[0].tables[0].columns[0].ty = "varchar(5)".into();
        assert_ne!(fp(&base), fp(&narrower));
        let mut not_null = base.clone();
        not_null.schemas[0].tables[0].columns[0].nullable = false;
        assert_ne!(fp(&base), fp(&not_null));
        assert_ne!(fp(&base), fingerprint(&base, Dialect::Sqlite));
    }

    #[test]
    fn names_the_database_makes_up_are_noise_where_the_dialect_does_not_keep_them() {
        let with_unique = |name: &str| {
            let mut t = table("t", vec![col("x", "int")]);
            let mut i = Index {
                name: name.into(),
                unique: true,
                parts: vec![IndexPart::column("x")],
                ..Index::default()
            };
            i.attrs.set_flag("constraint", true);
            t.indexes.push(i);
            realm(vec![t])
        };
        let (a, b) = (with_unique("sqlite_autoindex_t_1"), with_unique("t_x_key"));
        assert_eq!(
            fingerprint(&a, Dialect::Sqlite),
            fingerprint(&b, Dialect::Sqlite)
        );
        // PostgreSQL keeps the names: renaming the constraint is a change.
        assert_ne!(
            fingerprint(&a, Dialect::Postgres),
            fingerprint(&b, Dialect::Postgres)
        );
    }

    #[test]
    fn a_renamed_foreign_key_is_a_change_even_where_keys_match_by_columns() {
        let with_fk = |name: &str| {
            let mut t = table("t", vec![col("p", "int")]);
            t.foreign_keys.push(ForeignKey {
                name: Some(name.into()),
                columns: vec!["p".into()],
                ref_table: "parent".into(),
                ref_columns: vec!["id".into()],
                ..ForeignKey::default()
            });
            realm(vec![t])
        };
        let (a, b) = (with_fk("fk_a"), with_fk("fk_b"));
        assert!(!crate::diff::diff(&a, &b, Dialect::Sqlite, &Default::default()).is_empty());
        assert_ne!(
            fingerprint(&a, Dialect::Sqlite),
            fingerprint(&b, Dialect::Sqlite)
        );
    }

    #[test]
    fn text_hashes_separate_names_from_contents() {
        assert_ne!(text_hash(&[("ab", "c")]), text_hash(&[("a", "bc")]));
        assert_eq!(text_hash(&[("a", "b")]), text_hash(&[("a", "b")]));
    }
}
