//! Detached service processes: spawned in their own process group (so they outlive
//! the CLI and a terminal's signals), identified by pid *and* start time (so a
//! recycled pid is never mistaken for our clone), stopped with SIGTERM then SIGKILL.

use std::fs::OpenOptions;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessId {
    pub pid: u32,
    /// Clock ticks since boot when the process started (`/proc/<pid>/stat` field 22).
    pub start_time: u64,
}

pub struct Spawn<'a> {
    pub program: &'a Path,
    pub args: &'a [String],
    pub cwd: Option<&'a Path>,
    pub env: Vec<(String, String)>,
    pub log: &'a Path,
}

pub fn spawn(s: Spawn<'_>) -> std::io::Result<(Child, ProcessId)> {
    let log = OpenOptions::new().create(true).append(true).open(s.log)?;
    let mut cmd = Command::new(s.program);
    cmd.args(s.args).envs(s.env).stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log).process_group(0);
    if let Some(cwd) = s.cwd {
        cmd.current_dir(cwd);
    }
    let child = cmd.spawn()?;
    let pid = child.id();
    let start_time = start_time(pid).unwrap_or(0);
    Ok((child, ProcessId { pid, start_time }))
}

/// `(state, start time)` from `/proc/<pid>/stat`. The command name may hold spaces
/// and parentheses, so fields are counted after the last `)`.
fn stat(pid: u32) -> Option<(char, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: field 3 (state) is index 0, field 22 (starttime) is index 19.
    let state = fields.first()?.chars().next()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((state, start))
}

fn start_time(pid: u32) -> Option<u64> {
    stat(pid).map(|(_, t)| t)
}

/// True when `id` is our process and it has not exited (zombies count as exited).
pub fn alive(id: &ProcessId) -> bool {
    match stat(id.pid) {
        Some((state, start)) => state != 'Z' && state != 'X' && (id.start_time == 0 || start == id.start_time),
        None => false,
    }
}

/// SIGTERM to the process group, then SIGKILL after `grace`.
pub fn stop(id: &ProcessId, grace: Duration) {
    if !alive(id) {
        return;
    }
    let group = Pid::from_raw(id.pid as i32);
    let _ = killpg(group, Signal::SIGTERM);
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if !alive(id) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = killpg(group, Signal::SIGKILL);
    let deadline = Instant::now() + Duration::from_secs(2);
    while alive(id) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}

pub fn log_path(clone_dir: &Path, service: &str) -> PathBuf {
    clone_dir.join("logs").join(format!("{service}.log"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spawned_process_is_alive_until_stopped_and_pid_reuse_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("x.log");
        let (mut child, id) =
            spawn(Spawn { program: Path::new("sleep"), args: &["30".to_string()], cwd: None, env: vec![], log: &log }).unwrap();
        assert!(id.start_time > 0);
        assert!(alive(&id));
        let impostor = ProcessId { pid: id.pid, start_time: id.start_time + 1 };
        assert!(!alive(&impostor), "same pid, other start time: not ours");
        stop(&id, Duration::from_secs(2));
        let _ = child.wait();
        assert!(!alive(&id));
    }
}
