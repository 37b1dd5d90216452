//! The process's own metrics, with the names Prometheus client libraries
//! use (`process_*`), read from `/proc/self` when scraped: nothing is
//! counted on the request path. Elsewhere than Linux there are none.

use std::fmt::Write;

/// Clock ticks per second of `/proc/self/stat`'s CPU times: 100 on every
/// Linux architecture Roster builds for (USER_HZ; `sysconf` would need libc).
const TICKS_PER_SECOND: f64 = 100.0;

pub fn render(out: &mut String) {
    if let Some(seconds) = cpu_seconds() {
        let _ = writeln!(
            out,
            "# HELP process_cpu_seconds_total User and system CPU time spent, in seconds."
        );
        let _ = writeln!(out, "# TYPE process_cpu_seconds_total counter");
        let _ = writeln!(out, "process_cpu_seconds_total {seconds}");
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(kib) = status_field(&status, "VmRSS:") {
        let _ =
            writeln!(out, "# HELP process_resident_memory_bytes Resident memory size in bytes.");
        let _ = writeln!(out, "# TYPE process_resident_memory_bytes gauge");
        let _ = writeln!(out, "process_resident_memory_bytes {}", kib * 1024);
    }
    if let Some(threads) = status_field(&status, "Threads:") {
        let _ = writeln!(out, "# HELP process_threads Threads of the process.");
        let _ = writeln!(out, "# TYPE process_threads gauge");
        let _ = writeln!(out, "process_threads {threads}");
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        let _ =
            writeln!(out, "# HELP process_open_fds Open file descriptors (connections included).");
        let _ = writeln!(out, "# TYPE process_open_fds gauge");
        let _ = writeln!(out, "process_open_fds {}", fds.count());
    }
}

/// utime + stime (fields 14 and 15), counted after the command name, which
/// may itself hold spaces and parentheses.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): utime is field 14, stime 15.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}

/// The first number of a `/proc/self/status` line such as `VmRSS:  1234 kB`.
fn status_field(status: &str, name: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_line_gives_its_number() {
        let status = "Name:\troster\nVmRSS:\t  2048 kB\nThreads:\t9\n";
        assert_eq!(status_field(status, "VmRSS:"), Some(2048));
        assert_eq!(status_field(status, "Threads:"), Some(9));
        assert_eq!(status_field(status, "VmSwap:"), None);
    }
}
