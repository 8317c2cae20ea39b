//! A temporary `ASYM_HOME` with its own port range, and helpers to drive the binary.
#![allow(dead_code)]

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

pub struct Home {
    dir: tempfile::TempDir,
    /// Holds this test's port slice (an exclusive lock on a file per slice).
    _slice: std::fs::File,
}

/// Claims a free slice of 40 ports for this test process: tests run as parallel
/// processes, so slices are locked files, not a counter.
fn claim_slice(test: &str) -> (u16, std::fs::File) {
    let dir = std::env::temp_dir().join("asym-test-port-slices");
    std::fs::create_dir_all(&dir).unwrap();
    let mut h = DefaultHasher::new();
    test.hash(&mut h);
    let first = h.finish() % 450;
    for i in 0..450 {
        let slice = (first + i) % 450;
        let f = std::fs::File::options().create(true).truncate(false).write(true).open(dir.join(slice.to_string())).unwrap();
        if f.try_lock().is_ok() {
            return (20_000 + slice as u16 * 40, f);
        }
    }
    panic!("no free port slice for {test}");
}

impl Home {
    /// Each test gets its own slice of ports so parallel tests do not race for them.
    pub fn new(test: &str) -> Home {
        let dir = tempfile::tempdir().unwrap();
        let (start, slice) = claim_slice(test);
        std::fs::write(
            dir.path().join("config.json"),
            serde_json::json!({ "portRange": { "start": start, "end": start + 39 } }).to_string(),
        )
        .unwrap();
        Home { dir, _slice: slice }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin!("asym"));
        c.args(args).env("ASYM_HOME", self.path());
        // The suite runs twice in CI: on the embedded default, and with
        // ASYM_TEST_SHARED=1 on the shared PostgreSQL and Redis.
        match shared_backends() {
            Some((db, kv)) => c.env("ASYM_DATABASE_URL", db).env("ASYM_REDIS_URL", kv),
            None => c.env_remove("ASYM_DATABASE_URL").env_remove("ASYM_REDIS_URL"),
        };
        c.env_remove("ASYM_TEMPLATES_DIR").env("NO_COLOR", "1").stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        c
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = self.command(args);
        c.envs(env.iter().copied());
        c.output().unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    pub fn ok_env(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = self.run_env(args, env);
        assert!(
            out.status.success(),
            "asym {args:?} failed ({:?}):\n{}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_env(args, &[])
    }

    pub fn stdout(&self, args: &[&str]) -> String {
        self.ok(args)
    }

    pub fn json_env(&self, args: &[&str], env: &[(&str, &str)]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok_env(&all, env)).unwrap()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        self.json_env(args, &[])
    }

    /// Asserts exit 1 with `error[CODE]` as the first stderr line; returns stderr.
    pub fn fails(&self, args: &[&str], code: &str) -> String {
        let out = self.run(args);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "asym {args:?}: expected exit 1, stderr:\n{err}");
        assert!(err.starts_with(&format!("error[{code}]: ")), "asym {args:?}: expected {code}, got:\n{err}");
        assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{err}");
        err
    }

    fn registry(&self) -> Value {
        std::fs::read(self.path().join("registry.json")).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(Value::Null)
    }

    /// SIGKILL every process of one clone, as a crash would.
    pub fn kill_clone(&self, id: &str) {
        for pid in pids(&self.registry()["clones"][id]) {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The shared backends under test, when the suite runs in shared mode.
pub fn shared_backends() -> Option<(String, String)> {
    if std::env::var("ASYM_TEST_SHARED").ok().as_deref() != Some("1") {
        return None;
    }
    let db = std::env::var("ASYM_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let kv = std::env::var("ASYM_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    Some((db, kv))
}

fn pids(clone: &Value) -> Vec<i32> {
    clone["runtime"]["services"]
        .as_object()
        .map(|m| m.values().filter_map(|p| p["pid"].as_i64()).map(|p| p as i32).collect())
        .unwrap_or_default()
}

impl Drop for Home {
    /// Clones outlive the CLI by design; a test must not leave them running.
    fn drop(&mut self) {
        // On shared backends a clone leaves a database and keys behind: destroy what
        // the test did not, then make sure nothing keeps running.
        if shared_backends().is_some()
            && let Some(clones) = self.registry()["clones"].as_object()
        {
            for id in clones.keys() {
                let _ = self.run(&["destroy", id]);
            }
        }
        if let Some(clones) = self.registry()["clones"].as_object() {
            for c in clones.values() {
                for pid in pids(c) {
                    let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
                }
            }
        }
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap()
}

pub fn try_slack(api: &str, method: &str, token: &str, args: Value) -> Result<Value, reqwest::Error> {
    client().post(format!("{api}/{method}")).bearer_auth(token).json(&args).send()?.json()
}

/// Calls a Slack Web API method with a JSON body, as the official SDKs can.
pub fn slack(api: &str, method: &str, token: &str, args: Value) -> Value {
    try_slack(api, method, token, args).unwrap()
}

pub fn get_json(url: &str) -> Value {
    client().get(url).send().unwrap().json().unwrap()
}

pub fn unreachable(api: &str) -> bool {
    client().post(format!("{api}/api.test")).send().is_err()
}
