//! Who owns a scratch database or an ephemeral cluster directory (PostgreSQL
//! and MySQL alike), written into
//! its name, so that the next run can remove what a killed run left behind.
//!
//! SIGKILL cannot be handled, so leftovers are made self-cleaning: a name
//! carries its process's pid, that process's start time (from
//! `/proc/<pid>/stat`, so a recycled pid is not mistaken for the owner) and
//! a hash of the kernel's boot id and the pid namespace (so an object made on
//! another machine, in another container, or before a reboot, is never judged
//! by this process table). An object is stale only when all three say so:
//! same boot and namespace, and no process with that pid and start time.

/// The owner part of a name: `<pid>_<start>_<boot>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Owner {
    pub pid: u32,
    pub start: u64,
    pub boot: String,
}

impl Owner {
    /// This process.
    pub fn me() -> Owner {
        let pid = std::process::id();
        Owner {
            pid,
            start: start_time(pid).unwrap_or(0),
            boot: boot_id(),
        }
    }

    /// The owner as written in names, with `sep` between the parts.
    pub fn tag(&self, sep: char) -> String {
        format!("{}{sep}{}{sep}{}", self.pid, self.start, self.boot)
    }

    /// Reads the owner from the start of `rest` (what follows a name's
    /// prefix); `None` for anything not written by [`Owner::tag`].
    pub fn parse(rest: &str, sep: char) -> Option<Owner> {
        let mut parts = rest.split(sep);
        let pid = parts.next()?.parse().ok()?;
        let start = parts.next()?.parse().ok()?;
        let boot = parts.next()?;
        (boot.len() == 8 && boot.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Owner {
            pid,
            start,
            boot: boot.to_string(),
        })
    }

    /// Whether the owner is certainly gone: made on this boot and in this pid namespace,
    /// and no process has its pid and start time.
    pub fn is_gone(&self) -> bool {
        self.boot != "00000000"
            && self.boot == boot_id()
            && self.start != 0
            && start_time(self.pid) != Some(self.start)
    }
}

/// Start time of `pid` in clock ticks since boot (field 22 of
/// `/proc/<pid>/stat`); `None` when there is no such process.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold anything.
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // `after` starts at field 3 (the state); a zombie has not gone yet but is
    // as good as gone.
    if fields.first() == Some(&"Z") {
        return None;
    }
    fields.get(22 - 3)?.parse().ok()
}

/// 8 hex digits naming where pids mean something: this boot of this machine
/// (the kernel's boot id) and this pid namespace (a container sharing the
/// host's kernel has its own pids). FNV-1a of both; zeros when unknown, which
/// [`Owner::is_gone`] never trusts.
fn boot_id() -> String {
    let Ok(boot) = std::fs::read_to_string("/proc/sys/kernel/random/boot_id") else {
        return "00000000".into();
    };
    let ns = std::fs::read_link("/proc/self/ns/pid")
        .map(|p| p.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut h: u32 = 0x811c_9dc5;
    for b in boot.trim().bytes().chain([b'/']).chain(ns.bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("{h:08x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_finished_child_is_gone() {
        let me = Owner::me();
        assert!(me.start > 0);
        assert!(!me.is_gone());
        assert_eq!(Owner::parse(&me.tag('_'), '_'), Some(me.clone()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let owner = Owner {
            pid: child.id(),
            start: start_time(child.id()).unwrap_or(1),
            boot: me.boot.clone(),
        };
        child.wait().unwrap();
        assert!(owner.is_gone());
        // Another machine's (or boot's) objects are never judged here.
        let other = Owner {
            boot: "ffffffff".into(),
            ..owner
        };
        assert!(!other.is_gone() || me.boot == "ffffffff");
    }

    #[test]
    fn names_from_elsewhere_are_not_owners() {
        assert_eq!(Owner::parse("123_4_5", '_'), None);
        assert_eq!(Owner::parse("x_4_0123abcd", '_'), None);
        assert!(Owner::parse("123_456_0123abcd_7_8", '_').is_some());
    }
}
