//! The canonical dump: `SHOW CREATE TABLE` of every table (without the
//! AUTO_INCREMENT counter, which seeding moves), then views and triggers as
//! the catalog prints them, without the scratch database's name.

use super::seed::tables;
use strata_core::dialect::Dialect;
use strata_core::mysql::conn::rows;
use strata_core::mysql::MyDriver;

pub(super) fn dump(d: &mut MyDriver) -> std::result::Result<Vec<String>, String> {
    let db = rows(d.conn(), "SELECT DATABASE()")?
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .ok_or("no current database")?;
    let mut out = Vec::new();
    for t in tables(d)? {
        let r = rows(
            d.conn(),
            &format!("SHOW CREATE TABLE {}", Dialect::Mysql.quote(&t)),
        )?;
        let text = r
            .first()
            .and_then(|r| r.get(1).cloned().flatten())
            .ok_or_else(|| format!("SHOW CREATE TABLE {t} printed nothing"))?;
        out.push(
            text.split(' ')
                .filter(|w| !w.starts_with("AUTO_INCREMENT="))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    let unqualified = |s: String| s.replace(&format!("`{db}`."), "");
    let joined = |r: Vec<Option<String>>| {
        r.into_iter()
            .map(Option::unwrap_or_default)
            .collect::<Vec<_>>()
            .join(" | ")
    };
    for r in rows(
        d.conn(),
        "SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE FROM information_schema.VIEWS \
         WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1",
    )? {
        out.push(unqualified(joined(r)));
    }
    for r in rows(
        d.conn(),
        "SELECT TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_STATEMENT \
         FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY 1",
    )? {
        out.push(unqualified(joined(r)));
    }
    Ok(out)
}
