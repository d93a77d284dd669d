//! Creation order from what statements mention, for what fixed phases cannot
//! order: PostgreSQL parses and checks a `LANGUAGE sql` function's body when
//! it is created, so such a function comes after the tables and views it
//! reads and the SQL functions it calls; a table whose default or check calls
//! it comes after it in turn. Any function comes after the tables whose row
//! type its signature names. PL/pgSQL bodies are not checked at creation and
//! do not count.
//!
//! Names are matched by token, schema-agnostic and case-insensitive: a false
//! match only moves a statement later among its peers, never drops one.

use crate::diff::Change;
use crate::plan::Step;
use crate::sql::lex::{tokenize, Kind, Token};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Lowercased identifiers (words and quoted names) a statement mentions.
pub fn idents(sql: &str) -> HashSet<String> {
    tokenize(sql)
        .iter()
        .filter(|t| matches!(t.kind, Kind::Word | Kind::QuotedIdent))
        .map(|t| t.ident(sql).to_ascii_lowercase())
        .collect()
}

/// Whether a routine's body is checked when it is created: `LANGUAGE sql`
/// (including SQL-standard `BEGIN ATOMIC` / `RETURN` bodies).
pub fn body_checked(def: &str) -> bool {
    let toks = tokenize(def);
    toks.windows(2).any(|w| {
        w[0].is(def, "LANGUAGE")
            && matches!(w[1].kind, Kind::Word | Kind::QuotedIdent | Kind::Str)
            && w[1].ident(def).eq_ignore_ascii_case("sql")
    })
}

/// The identifiers that must name existing objects when the routine is
/// created: all of a checked body's, else its signature's (up to `AS`).
pub fn routine_needs(def: &str) -> HashSet<String> {
    if body_checked(def) {
        return idents(def);
    }
    let toks = tokenize(def);
    let mut depth = 0usize;
    let mut header: Vec<&Token> = Vec::new();
    for t in &toks {
        if t.is_punct(def, "(") {
            depth += 1;
        } else if t.is_punct(def, ")") {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && t.is(def, "AS") {
            break;
        }
        header.push(t);
    }
    header
        .into_iter()
        .filter(|t| matches!(t.kind, Kind::Word | Kind::QuotedIdent))
        .map(|t| t.ident(def).to_ascii_lowercase())
        .collect()
}

/// The name a `CREATE [OR REPLACE] [MATERIALIZED|UNLOGGED] TABLE|VIEW|FUNCTION|
/// PROCEDURE` statement creates, lowercased and without its schema.
pub fn created_name(sql: &str) -> Option<String> {
    let toks = tokenize(sql);
    if !toks.first()?.is(sql, "CREATE") {
        return None;
    }
    let kw = toks.iter().take(6).position(|t| {
        ["TABLE", "VIEW", "FUNCTION", "PROCEDURE"]
            .iter()
            .any(|k| t.is(sql, k))
    })?;
    let mut name = toks.get(kw + 1)?;
    if toks.get(kw + 2).is_some_and(|t| t.is_punct(sql, ".")) {
        name = toks.get(kw + 3)?;
    }
    Some(name.ident(sql).to_ascii_lowercase())
}

/// A statement to order: the name it creates (if any) and the names it needs.
pub struct Node {
    pub provides: Option<String>,
    pub needs: HashSet<String>,
    /// Nodes of the same group never wait for each other (tables, which have
    /// no order among themselves at creation).
    pub group: u8,
}

/// A stable topological order of `nodes`: each waits for the nodes providing a
/// name it needs (other than its own); among ready nodes, the first given
/// goes first. A cycle is broken at its first node, in the given order.
pub fn order(nodes: &[Node]) -> Vec<usize> {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if let Some(p) = &n.provides {
            by_name.entry(p.as_str()).or_default().push(i);
        }
    }
    let mut waits_for: Vec<usize> = vec![0; nodes.len()];
    let mut unblocks: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        let mut deps = BTreeSet::new();
        for name in &n.needs {
            if n.provides.as_deref() == Some(name.as_str()) {
                continue;
            }
            for &j in by_name.get(name.as_str()).into_iter().flatten() {
                if j != i && !(n.group != 0 && nodes[j].group == n.group) {
                    deps.insert(j);
                }
            }
        }
        waits_for[i] = deps.len();
        for j in deps {
            unblocks[j].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = (0..nodes.len()).filter(|&i| waits_for[i] == 0).collect();
    let mut pending: BTreeSet<usize> = (0..nodes.len()).collect();
    let mut out = Vec::with_capacity(nodes.len());
    while let Some(&first) = pending.iter().next() {
        let i = ready.pop_first().unwrap_or(first);
        pending.remove(&i);
        out.push(i);
        for &k in &unblocks[i] {
            waits_for[k] = waits_for[k].saturating_sub(1);
            if waits_for[k] == 0 && pending.contains(&k) {
                ready.insert(k);
            }
        }
    }
    out
}

/// Reorders `steps` by [`order`], given each step's node.
fn reorder(steps: Vec<Step>, node: impl Fn(&Step) -> Node) -> Vec<Step> {
    let nodes: Vec<Node> = steps.iter().map(node).collect();
    let mut slots: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    order(&nodes)
        .into_iter()
        .filter_map(|i| slots[i].take())
        .collect()
}

/// Where each routine's `CREATE` goes. `routines` (the early phase) keeps the
/// ones that need nothing made in this plan, ordered among themselves; the
/// others move next to what they need: among the new tables when a table
/// statement calls them, else among the views, after everything tables go
/// through.
pub struct Placed {
    pub routines: Vec<Step>,
    pub create_tables: Vec<Step>,
    pub create_views: Vec<Step>,
}

/// `made`: lowercased names of the tables and views this plan creates or
/// changes. `pinned`: names that statements before the tables call (domain
/// checks and defaults); such routines stay early, as nothing later would
/// do. `table_sql`: statements of the table phases (create, alter, indexes,
/// foreign keys), whose calls pull a routine among the new tables.
pub fn place_routines<'a>(
    changes: &[Change],
    made: &HashSet<String>,
    pinned: &HashSet<String>,
    routines: Vec<Step>,
    create_tables: Vec<Step>,
    table_sql: impl Iterator<Item = &'a Step>,
    create_views: Vec<Step>,
) -> Placed {
    // The CREATE step of a routine, with what it needs.
    let routine_of = |s: &Step| match &changes[s.change] {
        Change::AddRoutine { routine, .. } | Change::ModifyRoutine { to: routine, .. }
            if s.sql == routine.def =>
        {
            Some(routine)
        }
        _ => None,
    };
    let needs: Vec<Option<(String, HashSet<String>)>> = routines
        .iter()
        .map(|s| routine_of(s).map(|r| (r.name.to_ascii_lowercase(), routine_needs(&r.def))))
        .collect();
    // Late: needs something made here, or a late routine (to a fixpoint).
    let mut late_names: HashSet<String> = HashSet::new();
    let mut late = vec![false; routines.len()];
    loop {
        let mut more = false;
        for (i, n) in needs.iter().enumerate() {
            let Some((name, needs)) = n else { continue };
            if late[i] || pinned.contains(name) {
                continue;
            }
            if needs
                .iter()
                .any(|x| x != name && (made.contains(x) || late_names.contains(x)))
            {
                late[i] = true;
                late_names.insert(name.clone());
                more = true;
            }
        }
        if !more {
            break;
        }
    }
    let routine_node = |s: &Step| match routine_of(s) {
        Some(r) => Node {
            provides: Some(r.name.to_ascii_lowercase()),
            needs: routine_needs(&r.def),
            group: 0,
        },
        None => Node {
            provides: None,
            needs: HashSet::new(),
            group: 0,
        },
    };
    if late_names.is_empty() {
        return Placed {
            routines: reorder(routines, routine_node),
            create_tables,
            create_views,
        };
    }
    // Late routines a table statement calls go among the tables, and so do
    // the late routines those call.
    let mut table_idents: HashSet<String> = table_sql.flat_map(|s| idents(&s.sql)).collect();
    table_idents.extend(create_tables.iter().flat_map(|s| idents(&s.sql)));
    let mut with_tables: HashSet<String> = late_names
        .iter()
        .filter(|n| table_idents.contains(*n))
        .cloned()
        .collect();
    loop {
        let mut more = false;
        for (name, needs) in needs.iter().flatten() {
            if with_tables.contains(name) {
                for x in needs {
                    if late_names.contains(x) && with_tables.insert(x.clone()) {
                        more = true;
                    }
                }
            }
        }
        if !more {
            break;
        }
    }
    let (mut early, mut to_tables, mut to_views) = (Vec::new(), Vec::new(), Vec::new());
    for (i, s) in routines.into_iter().enumerate() {
        match &needs[i] {
            Some((name, _)) if late[i] && with_tables.contains(name) => to_tables.push(s),
            Some(_) if late[i] => to_views.push(s),
            _ => early.push(s),
        }
    }
    let table_node = |s: &Step| match routine_of(s) {
        Some(_) => routine_node(s),
        None => Node {
            provides: created_name(&s.sql),
            needs: idents(&s.sql),
            group: 1,
        },
    };
    let view_node = |s: &Step| match routine_of(s) {
        Some(_) => routine_node(s),
        None => Node {
            provides: created_name(&s.sql),
            needs: idents(&s.sql),
            group: 0,
        },
    };
    Placed {
        routines: reorder(early, routine_node),
        create_tables: if to_tables.is_empty() {
            create_tables
        } else {
            reorder([create_tables, to_tables].concat(), table_node)
        },
        create_views: reorder([create_views, to_views].concat(), view_node),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_bodies_count_whole_other_languages_by_signature() {
        let sql = "CREATE FUNCTION public.n() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM inventory $$";
        assert!(body_checked(sql));
        assert!(routine_needs(sql).contains("inventory"));
        let pl = "CREATE FUNCTION public.r(m integer) RETURNS SETOF public.customer LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY SELECT * FROM rental; END $$";
        assert!(!body_checked(pl));
        let needs = routine_needs(pl);
        assert!(needs.contains("customer") && !needs.contains("rental"));
    }

    #[test]
    fn created_names() {
        assert_eq!(
            created_name("CREATE UNLOGGED TABLE \"public\".\"T\" (a int)").as_deref(),
            Some("t")
        );
        assert_eq!(
            created_name("CREATE OR REPLACE FUNCTION public.f() RETURNS int").as_deref(),
            Some("f")
        );
        assert_eq!(created_name("CREATE INDEX i ON t (a)"), None);
    }

    /// The statements of a plan from `from` to `to`, in order.
    fn plan_sql(from: &crate::model::Realm, to: &crate::model::Realm) -> Vec<String> {
        let p = crate::plan::plan(
            from,
            to,
            crate::dialect::Dialect::Postgres,
            &crate::diff::DiffOptions::default(),
        );
        p.unwrap().steps.into_iter().map(|s| s.sql).collect()
    }

    #[test]
    fn routines_go_where_what_they_read_and_what_calls_them_allow() {
        use crate::model::*;
        let routine = |name: &str, body: &str| {
            Routine {
            name: name.into(),
            def: format!("CREATE OR REPLACE FUNCTION public.{name}() RETURNS bigint LANGUAGE sql AS $$ {body} $$"),
            ..Routine::default()
        }
        };
        let table = |name: &str, default: Option<&str>| Table {
            name: name.into(),
            columns: vec![Column {
                name: "n".into(),
                ty: "bigint".into(),
                nullable: true,
                default: default.map(String::from),
                ..Column::default()
            }],
            ..Table::default()
        };
        let mut s = Schema {
            name: "public".into(),
            // `b` calls `a_next`, which reads table `a`; table `c` calls
            // `a_next`; `v_count` reads view `v`; `a_count` reads table `a`,
            // which exists, but a domain calls it.
            routines: vec![
                routine("a_next", "SELECT max(n) + 1 FROM a"),
                routine("b", "SELECT a_next()"),
                routine("a_count", "SELECT count(*) FROM a"),
                routine("v_count", "SELECT count(*) FROM v"),
            ],
            tables: vec![table("a", None), table("c", Some("a_next()"))],
            views: vec![View {
                name: "v".into(),
                def: "SELECT n FROM a".into(),
                ..View::default()
            }],
            ..Schema::default()
        };
        s.domains.push(Domain {
            name: "d".into(),
            ty: "bigint".into(),
            nullable: true,
            checks: vec![Check {
                name: None,
                expr: "VALUE < a_count()".into(),
                span: None,
            }],
            ..Domain::default()
        });
        let to = Realm {
            schemas: vec![s],
            ..Realm::default()
        };
        // Table `a` exists and gains a column.
        let mut from = Realm::default();
        from.schemas.push(Schema {
            name: "public".into(),
            tables: vec![table("a", None)],
            ..Schema::default()
        });
        let mut to = to;
        to.schemas[0].tables[0].columns.push(Column {
            name: "m".into(),
            ty: "int".into(),
            nullable: true,
            ..Column::default()
        });
        let sql = plan_sql(&from, &to);
        let at = |needle: &str| {
            sql.iter()
                .position(|s| s.contains(needle))
                .unwrap_or_else(|| panic!("{needle} missing from {sql:#?}"))
        };
        assert!(at("FUNCTION public.a_count") < at("CREATE DOMAIN"));
        assert!(at("FUNCTION public.a_next") < at("TABLE \"public\".\"c\""));
        assert!(at("FUNCTION public.a_next") < at("FUNCTION public.b"));
        assert!(at("VIEW \"public\".\"v\"") < at("FUNCTION public.v_count"));
    }

    #[test]
    fn order_is_stable_and_breaks_cycles() {
        let node = |p: &str, needs: &[&str]| Node {
            provides: Some(p.into()),
            needs: needs.iter().map(|s| s.to_string()).collect(),
            group: 0,
        };
        // f reads v, v calls g: g, v, f whatever order they come in.
        let nodes = [
            node("f", &["v"]),
            node("v", &["g"]),
            node("g", &[]),
            node("x", &[]),
        ];
        assert_eq!(order(&nodes), [2, 1, 0, 3]);
        let cycle = [node("a", &["b"]), node("b", &["a"])];
        assert_eq!(order(&cycle), [0, 1]);
    }
}
