//! Narrowing type changes on PostgreSQL: which ones can lose data, and how a
//! row that would lose some is found before anything runs.
//!
//! What the server does with `ALTER COLUMN … TYPE` (checked on PostgreSQL 15):
//! an explicit `USING c::varchar(5)` truncates `'0123456789'` to `'01234'`,
//! while the implicit assignment cast refuses with "value too long"; numeric
//! scale is rounded and a timestamp's time part or a float's fraction dropped
//! by either form, and out-of-range integers fail either way. So the planner
//! leaves the cast implicit where that makes the server refuse
//! ([`assignment_cast_suffices`]), and [`loss_condition`] gives the pre-check a
//! `WHERE` condition that matches the rows that would still lose data.

/// What a PostgreSQL type name says about the values it can hold.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// `text`, `varchar(n)`, `char(n)`: `None` is unbounded.
    Text(Option<u32>),
    /// `numeric(p, s)`; `None` is unconstrained.
    Numeric(Option<(i32, i32)>),
    /// smallint, integer, bigint by width in bits.
    Int(u8),
    /// real (32) or double precision (64).
    Float(u8),
    /// timestamp [with time zone], with its fractional-second precision.
    Timestamp(Option<u32>),
    Date,
    Time,
    Other,
}

fn kind(ty: &str) -> Kind {
    let t = ty.trim().to_ascii_lowercase();
    let (base, args) = match t.find('(') {
        Some(i) => (
            t[..i].trim(),
            t[i + 1..]
                .split(')')
                .next()
                .unwrap_or("")
                .split(',')
                .map(|a| a.trim().parse::<i64>().ok())
                .collect::<Vec<_>>(),
        ),
        None => (t.as_str(), Vec::new()),
    };
    // `timestamp(3) with time zone` keeps its words after the parentheses.
    let rest = t.split(')').nth(1).unwrap_or("").trim();
    let arg = |k: usize| args.get(k).copied().flatten();
    if t.ends_with("[]") {
        return Kind::Other;
    }
    match base {
        "text" => Kind::Text(None),
        "character varying" | "varchar" | "character" | "char" | "bpchar" => {
            // A bare `character` is char(1); a bare varchar is unbounded.
            let default = if base.starts_with("char") && !base.contains("var") || base == "bpchar" {
                Some(1)
            } else {
                None
            };
            let n = arg(0).map(|n| n as u32).or(default);
            Kind::Text(if base == "bpchar" && args.is_empty() {
                None
            } else {
                n
            })
        }
        "numeric" | "decimal" => {
            Kind::Numeric(arg(0).map(|p| (p as i32, arg(1).unwrap_or(0) as i32)))
        }
        "smallint" | "int2" | "smallserial" | "serial2" => Kind::Int(16),
        "integer" | "int" | "int4" | "serial" | "serial4" => Kind::Int(32),
        "bigint" | "int8" | "bigserial" | "serial8" => Kind::Int(64),
        "real" | "float4" => Kind::Float(32),
        "double precision" | "float8" => Kind::Float(64),
        "float" => match arg(0) {
            Some(p) if p <= 24 => Kind::Float(32),
            _ => Kind::Float(64),
        },
        "timestamp"
        | "timestamptz"
        | "timestamp with time zone"
        | "timestamp without time zone" => Kind::Timestamp(arg(0).map(|p| p as u32)),
        "date" => Kind::Date,
        "time" | "time without time zone" if !rest.contains("with time zone") => Kind::Time,
        _ => Kind::Other,
    }
}

/// Whether `ALTER COLUMN … TYPE to` needs no `USING` from `from`, and leaving
/// it out makes the server refuse values that do not fit instead of cutting
/// them: a bounded character type (every type has an assignment cast to the
/// string types), or numeric from a number.
pub fn assignment_cast_suffices(from: &str, to: &str) -> bool {
    matches!(
        (kind(from), kind(to)),
        (_, Kind::Text(Some(_)))
            | (
                Kind::Numeric(_) | Kind::Int(_) | Kind::Float(_),
                Kind::Numeric(_)
            )
    )
}

/// A `WHERE` condition on column expression `col` (already quoted) that
/// matches the rows losing data when the column's type goes from `from` to
/// `to`, with a few words saying what is lost; `None` when the change cannot
/// lose data (or is not one this module knows).
pub fn loss_condition(col: &str, from: &str, to: &str) -> Option<(String, String)> {
    let (a, b) = (kind(from), kind(to));
    let num = format!("{col}::numeric");
    match b {
        Kind::Text(Some(n)) => {
            if matches!(a, Kind::Text(Some(m)) if m <= n) {
                return None;
            }
            Some((
                format!("char_length({col}::text) > {n}"),
                format!("values longer than {n} characters would be cut or refused"),
            ))
        }
        Kind::Numeric(Some((p, s))) => {
            let fits = match a {
                Kind::Numeric(Some((p1, s1))) => s1 <= s && p1 - s1 <= p - s,
                Kind::Int(bits) => s >= 0 && int_digits(bits) <= p - s,
                _ => false,
            };
            if fits
                || !matches!(
                    a,
                    Kind::Numeric(_) | Kind::Int(_) | Kind::Float(_) | Kind::Text(_)
                )
            {
                return None;
            }
            Some((
                format!(
                    "({num} <> round({num}, {s}) OR abs(round({num}, {s})) >= 10::numeric ^ {})",
                    p - s
                ),
                format!("values would be rounded to {s} decimal places or exceed numeric({p},{s})"),
            ))
        }
        Kind::Int(bits) => {
            let (lo, hi) = int_range(bits);
            let range = format!("{num} < {lo} OR {num} > {hi}");
            match a {
                Kind::Int(from_bits) if from_bits <= bits => None,
                Kind::Int(_) => Some((
                    format!("({range})"),
                    format!("values outside {lo}..{hi} do not fit"),
                )),
                Kind::Numeric(_) | Kind::Float(_) => Some((
                    format!("({num} <> trunc({num}) OR {range})"),
                    "fractional parts would be rounded away, or values do not fit".into(),
                )),
                _ => None,
            }
        }
        Kind::Float(bits) => {
            let wider = matches!(a, Kind::Float(f) if f <= bits)
                || matches!(a, Kind::Int(i) if i <= 16 || (i <= 32 && bits == 64));
            if wider || !matches!(a, Kind::Numeric(_) | Kind::Int(_) | Kind::Float(_)) {
                return None;
            }
            let target = if bits == 32 {
                "real"
            } else {
                "double precision"
            };
            Some((
                format!("{col}::{target}::text::numeric <> {num}"),
                format!("values would change when stored as {target}"),
            ))
        }
        Kind::Date => match a {
            Kind::Timestamp(_) => Some((
                format!("{col} <> date_trunc('day', {col})"),
                "the time of day would be dropped".into(),
            )),
            _ => None,
        },
        Kind::Time => match a {
            Kind::Timestamp(_) => Some((
                format!("{col} IS NOT NULL"),
                "the date would be dropped".into(),
            )),
            _ => None,
        },
        Kind::Timestamp(Some(p)) => match a {
            Kind::Timestamp(q) if q.is_none_or(|q| q > p) => Some((
                format!("{col}::{to} <> {col}"),
                format!("fractional seconds would be rounded to {p} digits"),
            )),
            _ => None,
        },
        _ => None,
    }
}

fn int_range(bits: u8) -> (i64, i64) {
    match bits {
        16 => (i16::MIN as i64, i16::MAX as i64),
        32 => (i32::MIN as i64, i32::MAX as i64),
        _ => (i64::MIN, i64::MAX),
    }
}

fn int_digits(bits: u8) -> i32 {
    match bits {
        16 => 5,
        32 => 10,
        _ => 19,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_spellings_format_type_and_users_write() {
        assert_eq!(kind("character varying(5)"), Kind::Text(Some(5)));
        assert_eq!(kind("varchar(5)"), Kind::Text(Some(5)));
        assert_eq!(kind("character varying"), Kind::Text(None));
        assert_eq!(kind("character(3)"), Kind::Text(Some(3)));
        assert_eq!(kind("char"), Kind::Text(Some(1)));
        assert_eq!(kind("numeric(5,1)"), Kind::Numeric(Some((5, 1))));
        assert_eq!(kind("numeric"), Kind::Numeric(None));
        assert_eq!(kind("integer"), Kind::Int(32));
        assert_eq!(kind("double precision"), Kind::Float(64));
        assert_eq!(kind("timestamp with time zone"), Kind::Timestamp(None));
        assert_eq!(
            kind("timestamp(0) with time zone"),
            Kind::Timestamp(Some(0))
        );
        assert_eq!(kind("time with time zone"), Kind::Other);
        assert_eq!(kind("integer[]"), Kind::Other);
    }

    #[test]
    fn widening_needs_no_check_and_narrowing_does() {
        assert!(loss_condition("\"v\"", "varchar(5)", "varchar(10)").is_none());
        assert!(loss_condition("\"v\"", "varchar(10)", "varchar(5)").is_some());
        assert!(loss_condition("\"v\"", "text", "varchar(5)").is_some());
        assert!(loss_condition("\"n\"", "numeric(5,1)", "numeric(12,2)").is_none());
        assert!(loss_condition("\"n\"", "numeric(12,2)", "numeric(5,1)").is_some());
        assert!(loss_condition("\"i\"", "integer", "bigint").is_none());
        assert!(loss_condition("\"i\"", "bigint", "integer").is_some());
        assert!(loss_condition("\"i\"", "integer", "numeric(10,0)").is_none());
        assert!(loss_condition("\"i\"", "integer", "numeric(9,0)").is_some());
        assert!(loss_condition("\"f\"", "real", "double precision").is_none());
        assert!(loss_condition("\"f\"", "double precision", "integer").is_some());
        assert!(loss_condition("\"t\"", "timestamp with time zone", "date").is_some());
        assert!(loss_condition("\"t\"", "date", "timestamp with time zone").is_none());
        assert!(loss_condition("\"x\"", "integer", "text").is_none());
    }

    #[test]
    fn only_bounded_text_and_numeric_targets_drop_the_explicit_cast() {
        assert!(assignment_cast_suffices(
            "character varying(10)",
            "character varying(5)"
        ));
        assert!(assignment_cast_suffices("text", "character(5)"));
        assert!(assignment_cast_suffices("numeric(12,2)", "numeric(5,1)"));
        assert!(!assignment_cast_suffices("text", "numeric(5,1)"));
        assert!(!assignment_cast_suffices("text", "integer"));
        assert!(!assignment_cast_suffices("character varying(5)", "text"));
    }
}
