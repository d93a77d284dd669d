//! Transactions around migration files and down plans, on a [`Driver`].
//!
//! SQLite ignores `PRAGMA foreign_keys` inside a transaction, so, as its
//! driver does for plans, foreign keys are switched off before `BEGIN` (a
//! table rebuild's DROP must not cascade into child rows) and
//! `foreign_key_check` proves the result consistent before `COMMIT`. The
//! check reads every table, so migration files (one transaction each) run it
//! only where the connection enforces foreign keys at all; a down plan, one
//! transaction, always runs it.

use crate::dialect::Dialect;
use crate::driver::Driver;

pub struct Tx {
    dialect: Dialect,
    /// SQLite: foreign keys were on before the transaction.
    fk_on: bool,
    /// SQLite: run `foreign_key_check` before COMMIT.
    check: bool,
}

impl Tx {
    /// A transaction that always proves foreign keys before COMMIT (plans).
    pub fn begin(db: &mut dyn Driver) -> Result<Tx, String> {
        Tx::open(db, true)
    }

    /// A transaction for migration files: foreign keys are proved when the
    /// connection enforces them.
    pub fn begin_file(db: &mut dyn Driver) -> Result<Tx, String> {
        Tx::open(db, false)
    }

    fn open(db: &mut dyn Driver, always_check: bool) -> Result<Tx, String> {
        let dialect = db.dialect();
        let mut fk_on = false;
        if dialect == Dialect::Sqlite {
            fk_on = db
                .query("PRAGMA foreign_keys")?
                .first()
                .and_then(|r| r[0].as_deref())
                == Some("1");
            db.execute("PRAGMA foreign_keys = off")?;
            // IMMEDIATE: take the write lock now, so checks read what stays.
            db.execute("BEGIN IMMEDIATE")?;
        } else {
            db.execute("BEGIN")?;
        }
        Ok(Tx {
            dialect,
            fk_on,
            check: always_check || fk_on,
        })
    }

    pub fn commit(self, db: &mut dyn Driver) -> Result<(), String> {
        if self.dialect == Dialect::Sqlite && self.check {
            let bad = db.query("PRAGMA foreign_key_check")?;
            if !bad.is_empty() {
                let sample: Vec<String> = bad
                    .iter()
                    .take(3)
                    .map(|r| {
                        format!(
                            "{} rowid {} → {}",
                            r[0].as_deref().unwrap_or("?"),
                            r[1].as_deref().unwrap_or("?"),
                            r[2].as_deref().unwrap_or("?")
                        )
                    })
                    .collect();
                let msg = format!(
                    "{} row(s) would break foreign keys ({})",
                    bad.len(),
                    sample.join(", ")
                );
                self.rollback(db);
                return Err(msg);
            }
        }
        let r = db.execute("COMMIT");
        if r.is_err() {
            let _ = db.execute("ROLLBACK");
        }
        self.restore(db);
        r
    }

    pub fn rollback(self, db: &mut dyn Driver) {
        let _ = db.execute("ROLLBACK");
        self.restore(db);
    }

    fn restore(&self, db: &mut dyn Driver) {
        if self.fk_on {
            let _ = db.execute("PRAGMA foreign_keys = on");
        }
    }
}
