//! The strata run lock on a SQLite file.
//!
//! PostgreSQL has advisory locks; SQLite has only its own write lock, which
//! lives as long as one transaction. A `migrate apply` commits file by file,
//! so it cannot hold SQLite's lock for a whole run, yet a `schema apply` on the
//! same file must not plan between two of its files. The run lock is an
//! exclusive `flock` on the database file itself: it spans transactions, the
//! kernel releases it when the holder dies (even by `kill -9`), no file is
//! left behind, and it does not touch the POSIX record locks SQLite itself
//! uses on that file.

use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

/// Waits up to `timeout` for the run lock on `path`; the lock is held until
/// the returned file is dropped.
pub fn acquire(path: &Path, timeout: Duration) -> Result<File, String> {
    let file =
        File::open(path).map_err(|e| format!("cannot open {} to lock it: {e}", path.display()))?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => {
                return Err(format!("cannot lock {}: {e}", path.display()))
            }
        }
        if started.elapsed() >= timeout {
            return Err(format!(
                "another strata run (schema apply or migrate) holds the lock on {}; gave up after {timeout:?} (see --lock-timeout)",
                path.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_until_the_first_lets_go() {
        let dir = std::env::temp_dir().join(format!("strata_runlock_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.db");
        std::fs::write(&path, b"").unwrap();
        let first = acquire(&path, Duration::ZERO).unwrap();
        let err = acquire(&path, Duration::from_millis(60)).unwrap_err();
        assert!(err.contains("holds the lock"), "{err}");
        drop(first);
        let again = acquire(&path, Duration::ZERO);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(again.is_ok());
    }
}
