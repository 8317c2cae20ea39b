//! Every bad-input path gets a named error, exit 1, one line and a hint, and
//! loses nothing.

mod support;

use serde_json::json;
use support::Home;

#[test]
fn unknown_env_keys_name_the_key_line_and_a_suggestion_before_anything_is_spun() {
    let home = Home::new("env-unknown");
    let spec = home.write("bad.yaml", "name: acme\nclone:\n  - template: slack\n");
    let err = home.fails(&["env", "spin", spec.to_str().unwrap()], "ENV_SPEC_INVALID");
    assert!(err.contains("'clone'") && err.contains("did you mean 'clones'"), "{err}");
    assert!(err.contains("line 2"), "{err}");
    assert_eq!(home.json(&["status"])["clones"], json!([]));
}

#[test]
fn env_spec_errors_are_named_and_spin_nothing() {
    let home = Home::new("env-bad");
    let cases = [
        ("empty.yaml", "", "ENV_SPEC_INVALID"),
        ("zero.yaml", "name: acme\nclones: []\n", "ENV_SPEC_INVALID"),
        ("identity.yaml", "name: acme\nclones:\n  - template: slack\nidentity:\n  users: []\n", "ENV_SPEC_INVALID"),
        ("data.yaml", "name: acme\nclones:\n  - template: slack\ndata:\n  url: x\n", "ENV_SPEC_INVALID"),
        ("malformed.yaml", "name: [acme\n", "ENV_SPEC_INVALID"),
        ("type.yaml", "name: acme\nclones: 3\n", "ENV_SPEC_INVALID"),
        ("template.yaml", "name: acme\nclones:\n  - template: slak\n", "TEMPLATE_NOT_FOUND"),
        ("mode.yaml", "name: acme\nclones:\n  - template: slack\n    mode: turbo\n", "MODE_NOT_FOUND"),
        ("fixture.yaml", "name: acme\nclones:\n  - template: slack\n    seed: nope\n", "FIXTURE_NOT_FOUND"),
    ];
    for (file, text, code) in cases {
        let spec = home.write(file, text);
        home.fails(&["env", "spin", spec.to_str().unwrap()], code);
    }
    home.fails(&["env", "spin", "/no/such/file.yaml"], "ENV_SPEC_INVALID");
    assert_eq!(home.json(&["status"])["clones"], json!([]), "nothing was spun");
    assert_eq!(home.json(&["env", "ls"])["environments"], json!([]));
}

#[test]
fn unknown_template_suggests_the_close_one() {
    let home = Home::new("template");
    let err = home.fails(&["spin", "slak"], "TEMPLATE_NOT_FOUND");
    assert!(err.contains("did you mean `slack`"), "{err}");
}

#[test]
fn unknown_clone_and_env_are_named() {
    let home = Home::new("unknown");
    for verb in ["start", "stop", "reset", "destroy", "tokens", "logs"] {
        home.fails(&[verb, "slack-ffff"], "CLONE_NOT_FOUND");
    }
    home.fails(&["seed", "slack-ffff", "--fixture", "acme-corp"], "CLONE_NOT_FOUND");
    home.fails(&["seed", "slack-ffff"], "CLONE_NOT_FOUND");
    home.fails(&["env", "reset", "nope"], "ENV_NOT_FOUND");
    home.fails(&["env", "destroy", "nope"], "ENV_NOT_FOUND");
    home.fails(&["spin", "slack", "--name", "Bad Name"], "INVALID_NAME");
}

#[test]
fn a_taken_name_is_refused() {
    let home = Home::new("taken");
    home.json(&["spin", "slack", "--name", "dup"]);
    home.fails(&["spin", "slack", "--name", "dup"], "CLONE_EXISTS");
    assert_eq!(home.json(&["status"])["clones"].as_array().unwrap().len(), 1);
}

#[test]
fn a_corrupt_registry_is_named_and_doctor_rebuilds_it() {
    let home = Home::new("corrupt");
    home.json(&["spin", "slack", "--name", "keep"]);
    std::fs::write(home.path().join("registry.json"), "{ this is not json").unwrap();
    let err = home.fails(&["status"], "REGISTRY_CORRUPT");
    assert!(err.contains("asym doctor"), "the hint says how to recover: {err}");
    home.run(&["doctor"]);
    let status = home.json(&["status"]);
    assert_eq!(status["clones"][0]["id"], "keep");
    assert_eq!(status["clones"][0]["state"], "running");
    let kept =
        std::fs::read_dir(home.path()).unwrap().flatten().any(|e| e.file_name().to_string_lossy().starts_with("registry.json.corrupt-"));
    assert!(kept, "the corrupt file is kept beside the rebuilt one");
}

#[test]
fn a_registry_from_a_newer_binary_is_refused_not_downgraded() {
    let home = Home::new("newer");
    let text = "{\"schemaVersion\": 99, \"clones\": {}, \"environments\": {}}\n";
    std::fs::write(home.path().join("registry.json"), text).unwrap();
    home.fails(&["status"], "REGISTRY_TOO_NEW");
    home.fails(&["spin", "slack"], "REGISTRY_TOO_NEW");
    assert_eq!(std::fs::read_to_string(home.path().join("registry.json")).unwrap(), text);
}

#[test]
fn an_old_registry_is_upgraded_on_the_next_write() {
    let home = Home::new("old");
    let v1 = json!({"version": 1, "clones": [], "environments": []});
    std::fs::write(home.path().join("registry.json"), v1.to_string()).unwrap();
    assert_eq!(home.json(&["status"])["clones"], json!([]));
    home.json(&["spin", "slack", "--name", "up"]);
    let raw: serde_json::Value = serde_json::from_slice(&std::fs::read(home.path().join("registry.json")).unwrap()).unwrap();
    assert_eq!(raw["schemaVersion"], 2);
    assert!(raw["clones"]["up"].is_object());
}

#[test]
fn bad_config_is_named_with_a_suggestion() {
    let home = Home::new("config");
    std::fs::write(home.path().join("config.json"), "{\"portrange\": {\"start\": 3000, \"end\": 3999}}").unwrap();
    let err = home.fails(&["status"], "CONFIG_INVALID");
    assert!(err.contains("portRange"), "{err}");
}

#[test]
fn an_unreachable_shared_backend_is_named_with_a_fix_and_spins_nothing() {
    let home = Home::new("pg-down");
    // Nothing listens on port 1.
    let pg = [("ASYM_DATABASE_URL", "postgres://u:secret@127.0.0.1:1/x"), ("ASYM_REDIS_URL", "")];
    let out = home.run_env(&["spin", "slack"], &pg);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.starts_with("error[BACKEND_UNREACHABLE]: PostgreSQL"), "{err}");
    assert!(err.contains("hint:") && err.contains("postgresql"), "{err}");
    assert!(!err.contains("secret"), "the password is not printed: {err}");
    let redis = [("ASYM_DATABASE_URL", ""), ("ASYM_REDIS_URL", "redis://127.0.0.1:1/")];
    let out = home.run_env(&["spin", "slack"], &redis);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Redis") && out.status.code() == Some(1), "{err}");
    assert_eq!(home.json_env(&["status"], &redis)["clones"], json!([]), "failed spins are rolled back");
    let doctor = home.run_env(&["doctor"], &pg);
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert!(!doctor.status.success() && text.contains("service postgresql start"), "{text}");
}

#[test]
fn a_full_port_range_is_no_free_ports() {
    let home = Home::new("ports");
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    std::fs::write(home.path().join("config.json"), json!({"portRange": {"start": port, "end": port}}).to_string()).unwrap();
    home.fails(&["spin", "slack"], "NO_FREE_PORTS");
    assert_eq!(home.json(&["status"])["clones"], json!([]));
}

#[test]
fn unbuilt_parts_fail_loudly_with_a_named_error() {
    let home = Home::new("unbuilt");
    home.json(&["spin", "slack", "--name", "u"]);
    home.fails(&["seed", "u", "--generate"], "NOT_IMPLEMENTED");
    home.fails(&["verify", "slack"], "NOT_IMPLEMENTED");
    home.fails(&["mcp", "nope"], "CLONE_NOT_FOUND");
    let err = home.fails(&["mcp", "u", "--credential", "admin"], "INVALID_NAME");
    assert!(err.contains("bot") && err.contains("user"), "{err}");
    let err = home.fails(&["spin", "slack", "--mode", "full"], "CLONE_START_FAILED");
    assert!(err.contains("web"), "{err}");
    assert_eq!(home.json(&["status"])["clones"].as_array().unwrap().len(), 1, "the failed spin was rolled back");
}

#[test]
fn admin_routes_refuse_callers_without_the_clone_admin_token() {
    let home = Home::new("admin-token");
    let spun = home.json(&["spin", "slack", "--name", "guarded"]);
    let api = spun["clone"]["api"].as_str().unwrap();
    let origin = api.trim_end_matches("/api");
    let client = reqwest::blocking::Client::new();
    for (token, body) in [(None, "{\"seed\":{\"fixtures\":[]},\"tokens\":{}}"), (Some("wrong"), "{"), (None, "not json")] {
        let mut req = client.post(format!("{origin}/_asym/admin/reset")).header("content-type", "application/json").body(body);
        if let Some(t) = token {
            req = req.header("x-asym-admin-token", t);
        }
        let resp = req.send().unwrap();
        assert_eq!(resp.status().as_u16(), 401, "token {token:?}, body {body:?}");
        assert_eq!(resp.json::<serde_json::Value>().unwrap()["code"], "ADMIN_UNAUTHORIZED");
    }
}
