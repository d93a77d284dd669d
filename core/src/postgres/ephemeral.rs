//! `ephemeral://postgres`: a throwaway PostgreSQL cluster started from local
//! binaries on a unix socket in a temporary directory — the dev database that
//! needs no Docker and no server. It is stopped and deleted on drop, and
//! [`cleanup_all`] does the same from a Ctrl-C handler.

use crate::diag::{Error, Result};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Clusters alive in this process: (postmaster pid, directory).
static LIVE: Mutex<Vec<(u32, PathBuf)>> = Mutex::new(Vec::new());

pub struct Ephemeral {
    child: Child,
    dir: PathBuf,
    /// Cleans up after this process if it dies without doing so itself.
    watchdog: Option<Child>,
    pub url: String,
}

/// Where `initdb` and `postgres` are: `STRATA_PG_BIN`, then PATH, then the
/// newest /usr/lib/postgresql/*/bin.
pub fn find_bin_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("STRATA_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            if d.join("initdb").is_file() && d.join("postgres").is_file() {
                return Some(d);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, p): &(u32, PathBuf)| p.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p)
}

/// The local server binaries' version (`postgres --version`), which is what
/// an `ephemeral://` cluster would run, without starting one.
pub fn version() -> Result<String> {
    let bin = find_bin_dir().ok_or_else(|| {
        Error::Usage("ephemeral://postgres needs PostgreSQL's initdb and postgres binaries".into())
    })?;
    let out = Command::new(bin.join("postgres"))
        .arg("--version")
        .output()
        .map_err(|e| Error::Io(format!("cannot run postgres --version: {e}")))?;
    Ok(format!(
        "ephemeral {} {}",
        bin.display(),
        String::from_utf8_lossy(&out.stdout).trim()
    ))
}

/// The major version of the server binaries in `dir` (`postgres --version`).
fn binary_major(dir: &Path) -> Option<u32> {
    let out = Command::new(dir.join("postgres"))
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "postgres (PostgreSQL) 15.20 (Debian …)"
    let version = text.split(')').nth(1)?.split_whitespace().next()?;
    version.split('.').next()?.parse().ok()
}

/// Where the server binaries of PostgreSQL `major` are: `STRATA_PG_BIN` or
/// PATH when they are that version, else /usr/lib/postgresql/<major>/bin.
/// The error says what is installed and what to install.
pub fn find_bin_dir_for(major: u32, asked: &str) -> Result<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(dir) = std::env::var("STRATA_PG_BIN") {
        candidates.push(PathBuf::from(dir));
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).filter(|d| d.join("initdb").is_file()));
    }
    candidates.push(PathBuf::from(format!("/usr/lib/postgresql/{major}/bin")));
    let mut installed = Vec::new();
    for dir in candidates {
        if !(dir.join("initdb").is_file() && dir.join("postgres").is_file()) {
            continue;
        }
        match binary_major(&dir) {
            Some(m) if m == major => return Ok(dir),
            Some(m) if !installed.contains(&m) => installed.push(m),
            _ => {}
        }
    }
    let have = if installed.is_empty() {
        "no PostgreSQL server binaries are installed".to_string()
    } else {
        let list: Vec<String> = installed.iter().map(u32::to_string).collect();
        format!("installed: PostgreSQL {}", list.join(", "))
    };
    Err(Error::Usage(format!(
        "{asked} needs PostgreSQL {major}'s server binaries ({have}); strata serves docker:// dev URLs \
         without Docker, from local binaries as ephemeral://postgres does: install PostgreSQL {major} \
         (e.g. apt-get install postgresql-{major}) or set STRATA_PG_BIN to its bin directory, \
         or use --dev-url ephemeral://postgres for the installed version"
    )))
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A command that runs as the `postgres` user when we are root (initdb
/// refuses to run as root).
fn command(bin: &Path, args: &[&str]) -> Command {
    if running_as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin).args(args);
        c
    } else {
        let mut c = Command::new(bin);
        c.args(args);
        c
    }
}

impl Ephemeral {
    pub fn start() -> Result<Ephemeral> {
        let bin = find_bin_dir().ok_or_else(|| {
            Error::Usage(
                "ephemeral://postgres needs PostgreSQL's initdb and postgres binaries: install the server package \
                 (e.g. apt-get install postgresql) or set STRATA_PG_BIN to their directory"
                    .into(),
            )
        })?;
        Ephemeral::start_with(&bin)
    }

    /// A cluster from the binaries in `bin`.
    pub fn start_with(bin: &Path) -> Result<Ephemeral> {
        remove_stale();
        let dir = std::env::temp_dir().join(format!(
            "{DIR_PREFIX}{}-{}",
            super::owner::Owner::me().tag('-'),
            nanos()
        ));
        // Registered before it exists, so an interrupt at any point cleans up.
        LIVE.lock().unwrap().push((0, dir.clone()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
        let watchdog = watchdog(&dir);
        if running_as_root() {
            let status = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status();
            if !status.is_ok_and(|s| s.success()) {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(Error::Io(
                    "running as root: cannot hand the cluster directory to the postgres user"
                        .into(),
                ));
            }
        }
        let data = dir.join("data");
        let d = data.to_string_lossy().to_string();
        let out = command(
            &bin.join("initdb"),
            &[
                "-D",
                &d,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
        )
        .stdout(Stdio::null())
        .output()
        .map_err(|e| Error::Io(format!("cannot run initdb: {e}")))?;
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(Error::Database(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let port = 20000 + (nanos() % 30000) as u16;
        let sock = dir.to_string_lossy().to_string();
        let child = command(
            &bin.join("postgres"),
            &[
                "-D",
                &d,
                "-k",
                &sock,
                "-p",
                &port.to_string(),
                "-c",
                "listen_addresses=",
                "-c",
                "fsync=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "synchronous_commit=off",
            ],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| Error::Io(format!("cannot start postgres: {e}")))?;
        let url = format!("host={sock} port={port} user=postgres dbname=postgres");
        let mut e = Ephemeral {
            child,
            dir,
            watchdog,
            url,
        };
        e.wait_ready()?;
        Ok(e)
    }

    fn wait_ready(&mut self) -> Result<()> {
        let started = Instant::now();
        loop {
            if postgres::Client::connect(&self.url, postgres::NoTls).is_ok() {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(Error::Database(format!(
                    "the ephemeral postgres exited during startup ({status})"
                )));
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err(Error::Database(
                    "the ephemeral postgres did not accept connections within 30s".into(),
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Cluster directories: this prefix (in the temp dir), the owner
/// ([`super::owner`]) and nanoseconds.
const DIR_PREFIX: &str = "strata-ephemeral-";

/// Stops and removes the clusters whose owning strata process is gone
/// (killed with SIGKILL together with its watchdog). Only directories named by
/// this module, with an owner on this boot and pid namespace, qualify.
fn remove_stale() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(rest) = name.strip_prefix(DIR_PREFIX) else {
            continue;
        };
        let parts: Vec<&str> = rest.split('-').collect();
        let ours = parts.len() == 4 && parts[3].parse::<u32>().is_ok();
        if ours && super::owner::Owner::parse(rest, '-').is_some_and(|o| o.is_gone()) {
            stop(&e.path());
        }
    }
}

/// A watchdog for the cluster in `dir`: a shell that waits on a pipe only this
/// process holds open. When the process ends in any way, SIGKILL included, the
/// kernel closes the pipe and the shell stops the postmaster (pid from
/// `postmaster.pid`), kills whatever else names the directory or works in it
/// (an initdb cut short, its bootstrap backend) and removes it. It ignores the terminal's and a supervisor's
/// SIGINT/SIGTERM/SIGHUP so that it outlives the process it watches.
///
/// Why not `PR_SET_PDEATHSIG` on the postmaster: as root the server runs under
/// `runuser`, and the kernel clears the parent-death signal on a change of
/// user (and it does not pass to a grandchild); it would also leave the
/// directory behind. A pipe needs no polling and cannot mistake a recycled pid.
fn watchdog(dir: &Path) -> Option<Child> {
    const SCRIPT: &str = r#"trap '' INT TERM HUP
read -r _
pidfile="$1/data/postmaster.pid"
if [ -f "$pidfile" ]; then
  pid=$(head -n 1 "$pidfile")
  kill -INT "$pid" 2>/dev/null
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
  kill -KILL "$pid" 2>/dev/null
fi
i=0
while [ -e "$1" ] && [ $i -lt 300 ]; do
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$$" ] && continue
    cmd=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)
    cwd=$(readlink "$p/cwd" 2>/dev/null)
    case "$cmd $cwd" in *"$1"*) kill -KILL "${p#/proc/}" 2>/dev/null ;; esac
  done
  rm -rf -- "$1" 2>/dev/null
  sleep 0.05
  i=$((i+1))
done
"#;
    Command::new("sh")
        .args(["-c", SCRIPT, "strata-ephemeral-watchdog"])
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

/// Fast shutdown of the postmaster (its pid is in `postmaster.pid`, which
/// also covers the `runuser` case where our child is not the server), then
/// remove the directory.
fn stop(dir: &Path) {
    let pid = std::fs::read_to_string(dir.join("data/postmaster.pid"))
        .ok()
        .and_then(|s| s.lines().next().and_then(|l| l.trim().parse::<u32>().ok()));
    if let Some(pid) = pid {
        let alive = || {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
        };
        let _ = Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status();
        let started = Instant::now();
        while alive() && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        if alive() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
    // Anything else still working in the directory (an initdb cut short, which
    // may start one more child while we look): kill and remove until it's gone.
    for _ in 0..40 {
        kill_users_of(dir);
        if std::fs::remove_dir_all(dir).is_ok() || !dir.exists() {
            break;
        }
    }
}

/// SIGKILLs every process whose command line names `dir`.
fn kill_users_of(dir: &Path) {
    let needle = dir.to_string_lossy().to_string();
    let me = std::process::id().to_string();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return;
    };
    for p in procs.filter_map(|e| e.ok()) {
        let pid = p.file_name().to_string_lossy().to_string();
        if pid == me || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let uses = std::fs::read(p.path().join("cmdline"))
            .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&needle));
        if uses {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
    }
    std::thread::sleep(Duration::from_millis(50));
}

impl Drop for Ephemeral {
    fn drop(&mut self) {
        stop(&self.dir);
        let _ = self.child.wait();
        if let Some(mut w) = self.watchdog.take() {
            // Closing its stdin wakes it; the directory is already gone.
            drop(w.stdin.take());
            let _ = w.wait();
        }
        LIVE.lock().unwrap().retain(|(_, d)| *d != self.dir);
    }
}

/// Stops every ephemeral cluster of this process (for a Ctrl-C handler).
pub fn cleanup_all() {
    let live = std::mem::take(&mut *LIVE.lock().unwrap());
    for (_, dir) in live {
        stop(&dir);
    }
}
