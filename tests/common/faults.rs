//! Fault injection for end-to-end tests: a seeded PRNG for kill points, and
//! signals sent to a running `strata`.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// splitmix64, so a seed names the same kill points everywhere.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The seed of a campaign: `STRATA_FAULT_SEED`, or a fixed one.
pub fn seed() -> u64 {
    std::env::var("STRATA_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x4b49_4c4c)
}

/// `n` kill points spread at random over `0..span`, sorted.
pub fn kill_points(rng: &mut Rng, n: usize, span: Duration) -> Vec<Duration> {
    let ms = span.as_millis().max(1) as u64;
    let mut out: Vec<Duration> = (0..n)
        .map(|_| Duration::from_millis(rng.next() % ms))
        .collect();
    out.sort();
    out
}

/// Starts `strata` with `args` in `dir`, no terminal, output discarded.
pub fn spawn(dir: &std::path::Path, args: &[&str]) -> Child {
    // Without the normalization cache: the kill points spread over a whole
    // run, the dev database's replay included.
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .env("STRATA_NO_CACHE", "1")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Sends `sig` (`KILL`, `TERM`, `HUP`) to `pid`.
pub fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig} {pid}");
}

/// Runs `strata args` and sends `sig` after `after`: whether it was still
/// running then (the signal landed mid-run), and its pid.
pub fn interrupt(dir: &std::path::Path, args: &[&str], sig: &str, after: Duration) -> (bool, u32) {
    let mut child = spawn(dir, args);
    std::thread::sleep(after);
    let running = child.try_wait().unwrap().is_none();
    if running {
        signal(child.id(), sig);
    }
    child.wait().unwrap();
    (running, child.id())
}
