//! The built binary, driven as a user would, with a temporary `ASYM_HOME`.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Home, slack};

#[test]
fn spin_request_stop_start_reset_destroy() {
    let home = Home::new("lifecycle");
    let spun = home.json(&["spin", "slack", "--seed", "acme-corp"]);
    let clone = &spun["clone"];
    let id = clone["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("slack-") && id.len() == 10, "{id}");
    let api = clone["api"].as_str().unwrap().to_string();
    let bot = clone["tokens"]["bot"].as_str().unwrap().to_string();
    let user = clone["tokens"]["user"].as_str().unwrap().to_string();
    assert!(bot.starts_with("xoxb-") && user.starts_with("xoxp-"));

    let me = slack(&api, "auth.test", &bot, json!({}));
    assert_eq!(me["ok"], true, "{me}");
    assert_eq!(me["team_id"], "T0ACME0001");
    assert!(me["bot_id"].as_str().unwrap().starts_with('B'));
    let owner = slack(&api, "auth.test", &user, json!({}));
    assert_eq!(owner["user_id"], "U0ACMEDANA");

    let status = home.json(&["status"]);
    let listed = &status["clones"][0];
    assert_eq!(listed["state"], "running");
    assert_eq!(listed["tokens"]["bot"], "xoxb-…", "status redacts tokens");
    assert!(!home.stdout(&["status"]).contains(&bot), "human status redacts tokens too");

    let posted = slack(&api, "chat.postMessage", &bot, json!({"channel": "C0ACMEGNRL", "text": "written by the agent"}));
    assert_eq!(posted["ok"], true, "{posted}");
    let texts = || -> Vec<String> {
        let h = slack(&api, "conversations.history", &user, json!({"channel": "C0ACMEGNRL"}));
        h["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap().to_string()).collect()
    };
    assert!(texts().contains(&"written by the agent".to_string()));

    home.ok(&["stop", &id]);
    assert_eq!(home.json(&["status", &id])["state"], "stopped");
    assert!(support::unreachable(&api), "a stopped clone does not answer");

    home.ok(&["start", &id]);
    assert_eq!(home.json(&["status", &id])["state"], "running");
    assert!(texts().contains(&"written by the agent".to_string()), "start keeps the data");

    let reset = home.json(&["reset", &id]);
    assert_eq!(reset["reset"], true);
    let after = texts();
    assert!(!after.contains(&"written by the agent".to_string()), "reset removes rows written after the seed");
    assert_eq!(after.len(), 3, "the seeded #general messages are back: {after:?}");
    assert_eq!(slack(&api, "auth.test", &bot, json!({}))["ok"], true, "tokens minted at spin survive reset");

    home.ok(&["destroy", &id]);
    assert_eq!(home.json(&["status"])["clones"], json!([]));
    assert!(!home.path().join("clones").join(&id).exists(), "destroy removes the folder");
}

#[test]
fn env_spin_reset_destroy() {
    let home = Home::new("env");
    let spec =
        home.write("acme.env.yaml", "name: acme\nclones:\n  - template: slack\n    seed: acme-corp\n  - template: slack\n    mode: api\n");
    let report = home.json(&["env", "spin", spec.to_str().unwrap()]);
    assert_eq!(report["state"], "running", "{report}");
    let members = report["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    let first = &members[0]["clone"];
    let api = first["api"].as_str().unwrap();
    let bot = first["tokens"]["bot"].as_str().unwrap();
    slack(api, "chat.postMessage", bot, json!({"channel": "C0ACMERAND", "text": "temp"}));

    let status = home.json(&["env", "status", "acme"]);
    assert_eq!(status["members"].as_array().unwrap().len(), 2);
    assert_eq!(status["members"][0]["env"], "acme");
    assert!(status["spec"].as_str().unwrap().ends_with("acme.env.yaml"));

    let reset = home.json(&["env", "reset", "acme"]);
    assert!(reset["members"].as_array().unwrap().iter().all(|m| m["ok"] == true), "{reset}");
    let h = slack(api, "conversations.history", bot, json!({"channel": "C0ACMERAND"}));
    assert!(h["messages"].as_array().unwrap().iter().all(|m| m["text"] != "temp"));

    assert_eq!(home.json(&["env", "ls"])["environments"].as_array().unwrap().len(), 1);
    home.ok(&["env", "destroy", "acme"]);
    assert_eq!(home.json(&["env", "ls"])["environments"], json!([]));
    assert_eq!(home.json(&["status"])["clones"], json!([]));
}

#[test]
fn spin_group_makes_an_ad_hoc_env_that_goes_with_its_last_member() {
    let home = Home::new("group");
    let out = home.json(&["spin", "slack", "slack", "--group", "pair"]);
    assert_eq!(out["state"], "running");
    let env = home.json(&["env", "status", "pair"]);
    assert_eq!(env["spec"], Value::Null);
    let ids: Vec<String> = env["members"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect();
    home.ok(&["destroy", &ids[0]]);
    assert_eq!(home.json(&["env", "status", "pair"])["members"].as_array().unwrap().len(), 1);
    home.ok(&["destroy", &ids[1]]);
    home.fails(&["env", "status", "pair"], "ENV_NOT_FOUND");
}

#[test]
fn a_killed_clone_shows_as_crashed_and_start_recovers_its_data() {
    let home = Home::new("crash");
    let spun = home.json(&["spin", "slack", "--seed", "acme-corp", "--name", "crashy"]);
    let api = spun["clone"]["api"].as_str().unwrap().to_string();
    let bot = spun["clone"]["tokens"]["bot"].as_str().unwrap().to_string();
    slack(&api, "chat.postMessage", &bot, json!({"channel": "C0ACMEGNRL", "text": "before the crash"}));
    // Kill -9 while requests are in flight.
    let flood = {
        let (api, bot) = (api.clone(), bot.clone());
        std::thread::spawn(move || {
            for i in 0..200 {
                let _ = support::try_slack(&api, "chat.postMessage", &bot, json!({"channel": "C0ACMEGNRL", "text": format!("flood {i}")}));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(50));
    home.kill_clone("crashy");
    flood.join().unwrap();
    assert_eq!(home.json(&["status", "crashy"])["state"], "crashed");
    home.fails(&["reset", "crashy"], "CLONE_NOT_RUNNING");
    let doctor = home.run(&["doctor"]);
    assert!(!doctor.status.success());
    assert!(String::from_utf8_lossy(&doctor.stdout).contains("stale pid"));

    home.ok(&["start", "crashy"]);
    let h = slack(&api, "conversations.history", &bot, json!({"channel": "C0ACMEGNRL", "limit": 1000}));
    assert!(h["messages"].as_array().unwrap().iter().any(|m| m["text"] == "before the crash"), "data survives kill -9");
    home.ok(&["destroy", "crashy"]);
}

#[test]
fn tokens_reprovision_revokes_the_old_pair() {
    let home = Home::new("tokens");
    let spun = home.json(&["spin", "slack", "--name", "rot"]);
    let api = spun["clone"]["api"].as_str().unwrap().to_string();
    let old = spun["clone"]["tokens"]["bot"].as_str().unwrap().to_string();
    assert_eq!(home.json(&["tokens", "rot"])["tokens"]["bot"], old.as_str());
    let new = home.json(&["tokens", "rot", "--reprovision"])["tokens"]["bot"].as_str().unwrap().to_string();
    assert_ne!(old, new);
    assert_eq!(slack(&api, "auth.test", &old, json!({}))["error"], "invalid_auth");
    assert_eq!(slack(&api, "auth.test", &new, json!({}))["ok"], true);
    home.ok(&["reset", "rot"]);
    assert_eq!(slack(&api, "auth.test", &new, json!({}))["ok"], true, "rotated tokens survive reset");
    assert_eq!(slack(&api, "auth.test", &old, json!({}))["error"], "invalid_auth", "revoked tokens stay revoked");
}

#[test]
fn seed_applies_a_fixture_later_and_reset_replays_it() {
    let home = Home::new("seed");
    let spun = home.json(&["spin", "slack", "--name", "late"]);
    let api = spun["clone"]["api"].as_str().unwrap().to_string();
    let user = spun["clone"]["tokens"]["user"].as_str().unwrap().to_string();
    let out = home.run(&["seed", "late"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Nothing to seed. Pass --fixture <name>"));
    home.fails(&["seed", "late", "--fixture", "nope"], "FIXTURE_NOT_FOUND");
    let seeded = home.json(&["seed", "late", "--fixture", "acme-corp"]);
    assert_eq!(seeded["rows"]["users"], 6);
    assert_eq!(home.json(&["status", "late"])["seed"]["fixtures"], json!(["acme-corp"]));
    home.ok(&["reset", "late"]);
    let users = slack(&api, "users.list", &user, json!({}));
    assert!(users["members"].as_array().unwrap().iter().any(|u| u["profile"]["email"] == "dana@acme.test"), "{users}");
}

#[test]
fn logs_show_the_service_output() {
    let home = Home::new("logs");
    home.json(&["spin", "slack", "--name", "talky"]);
    let out = home.stdout(&["logs", "talky", "--tail", "5"]);
    assert!(out.contains("serving"), "{out}");
    home.fails(&["logs", "talky", "--service", "nope"], "SERVICE_NOT_FOUND");
}

#[test]
fn twenty_concurrent_spins_leave_a_whole_registry_with_distinct_ports() {
    let home = Home::new("concurrent");
    let children: Vec<_> = (0..20).map(|_| home.command(&["spin", "slack", "--json"]).spawn().unwrap()).collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let status = home.json(&["status"]);
    let clones = status["clones"].as_array().unwrap();
    assert_eq!(clones.len(), 20);
    let mut ports: Vec<u64> = clones.iter().map(|c| c["ports"]["api"].as_u64().unwrap()).collect();
    ports.sort();
    ports.dedup();
    assert_eq!(ports.len(), 20, "ports are distinct");
    assert!(clones.iter().all(|c| c["state"] == "running"));
    let raw: Value = serde_json::from_slice(&std::fs::read(home.path().join("registry.json")).unwrap()).unwrap();
    assert_eq!(raw["clones"].as_object().unwrap().len(), 20);
}

#[test]
fn an_external_command_template_is_spun_like_a_built_in_one() {
    let home = Home::new("external");
    let dir = home.path().join("templates/echo");
    std::fs::create_dir_all(dir.join("fixtures")).unwrap();
    std::fs::write(dir.join("fixtures/base.json"), "{}").unwrap();
    std::fs::write(
        dir.join("clone.manifest.json"),
        json!({
            "name": "echo", "displayName": "Echo", "realProduct": "https://example.test",
            "services": [{"name": "api", "port": 4000, "healthPath": "/api/health",
                          "command": ["python3", "server.py"]}],
            "modes": [{"name": "api", "services": ["api"]}],
            "database": {"migrations": "migrations"}, "redis": {}, "seed": {"fixtures": "fixtures/*.json"}
        })
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("server.py"),
        "import http.server, json, os\n\
         class H(http.server.BaseHTTPRequestHandler):\n\
         \x20   def do_GET(self):\n\
         \x20       body = json.dumps({'ok': True, 'prefix': os.environ['ASYM_KV_PREFIX'], 'db': os.environ['ASYM_DATABASE_URL']}).encode()\n\
         \x20       self.send_response(200); self.send_header('content-type', 'application/json'); self.end_headers(); self.wfile.write(body)\n\
         http.server.HTTPServer((os.environ['ASYM_BIND'], int(os.environ['ASYM_PORT'])), H).serve_forever()\n",
    )
    .unwrap();
    let templates = home.path().join("templates");
    let listed = home.json_env(&["ls", "--templates"], &[("ASYM_TEMPLATES_DIR", templates.to_str().unwrap())]);
    let names: Vec<&str> = listed["templates"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"echo") && names.contains(&"slack"), "{names:?}");
    assert!(names.is_sorted(), "the catalog is listed by name: {names:?}");
    let spun =
        home.json_env(&["spin", "echo", "--seed", "base", "--name", "echo-1"], &[("ASYM_TEMPLATES_DIR", templates.to_str().unwrap())]);
    let api = spun["clone"]["api"].as_str().unwrap();
    let health: Value = support::get_json(&format!("{api}/api/health"));
    assert_eq!(health["prefix"], "echo-1:");
    let db = health["db"].as_str().unwrap();
    match support::shared_backends() {
        None => assert!(db.starts_with("sqlite://"), "{db}"),
        Some(_) => assert!(db.starts_with("postgres://") && db.ends_with("/clone_echo_1"), "{db}"),
    }
    home.ok_env(&["destroy", "echo-1"], &[("ASYM_TEMPLATES_DIR", templates.to_str().unwrap())]);
}

#[test]
fn concurrent_writers_to_one_channel_all_land_with_distinct_increasing_ts() {
    let home = Home::new("writers");
    let spun = home.json(&["spin", "slack", "--seed", "acme-corp", "--name", "busy", "--no-rate-limits"]);
    let api = spun["clone"]["api"].as_str().unwrap().to_string();
    let bot = spun["clone"]["tokens"]["bot"].as_str().unwrap().to_string();
    let writers: Vec<_> = (0..16)
        .map(|w| {
            let (api, bot) = (api.clone(), bot.clone());
            std::thread::spawn(move || {
                (0..5)
                    .map(|i| slack(&api, "chat.postMessage", &bot, json!({"channel": "C0ACMERAND", "text": format!("w{w} m{i}")})))
                    .collect::<Vec<Value>>()
            })
        })
        .collect();
    let answers: Vec<Value> = writers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    assert!(
        answers.iter().all(|a| a["ok"] == true),
        "every write succeeds under contention: {:?}",
        answers.iter().find(|a| a["ok"] != true)
    );
    let h = slack(&api, "conversations.history", &bot, json!({"channel": "C0ACMERAND", "limit": 999}));
    let messages = h["messages"].as_array().unwrap();
    let ours = messages.iter().filter(|m| m["text"].as_str().is_some_and(|t| t.starts_with('w'))).count();
    assert_eq!(ours, 80);
    let ts: Vec<&str> = messages.iter().filter_map(|m| m["ts"].as_str()).collect();
    assert!(ts.windows(2).all(|w| w[0] > w[1]), "history is newest first with strictly increasing ts");
    home.ok(&["destroy", "busy"]);
}

#[test]
fn snapshots_restore_a_clone_and_an_environment_and_go_with_destroy() {
    let home = Home::new("snapshots");
    let spun = home.json(&["spin", "slack", "--seed", "acme-corp", "--name", "snappy", "--group", "snapenv"]);
    let clone = &spun["members"][0]["clone"];
    let api = clone["api"].as_str().unwrap().to_string();
    let bot = clone["tokens"]["bot"].as_str().unwrap().to_string();
    let texts = |token: &str| -> Vec<String> {
        let h = slack(&api, "conversations.history", token, json!({"channel": "C0ACMERAND"}));
        h["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap_or("").to_string()).collect()
    };
    slack(&api, "chat.postMessage", &bot, json!({"channel": "C0ACMERAND", "text": "kept by the snapshot"}));
    home.ok(&["snapshot", "snappy", "before-agent"]);
    slack(&api, "chat.postMessage", &bot, json!({"channel": "C0ACMERAND", "text": "after the snapshot"}));
    assert_eq!(home.json(&["snapshots", "snappy"])["snapshots"][0]["name"], "before-agent");

    home.ok(&["restore", "snappy", "before-agent"]);
    let now = texts(&bot);
    assert!(now.contains(&"kept by the snapshot".to_string()) && !now.contains(&"after the snapshot".to_string()), "{now:?}");

    // Rotated tokens stay valid across a restore of an older snapshot.
    let rotated = home.json(&["tokens", "snappy", "--reprovision"]);
    let new_bot = rotated["tokens"]["bot"].as_str().unwrap().to_string();
    home.ok(&["restore", "snappy", "before-agent"]);
    assert_eq!(slack(&api, "auth.test", &new_bot, json!({}))["ok"], true);
    assert_eq!(slack(&api, "auth.test", &bot, json!({}))["error"], "invalid_auth");

    // A snapshot survives stop and start.
    home.ok(&["stop", "snappy"]);
    home.ok(&["start", "snappy"]);
    home.ok(&["restore", "snappy", "before-agent"]);

    let err = home.fails(&["restore", "snappy", "nope"], "SNAPSHOT_NOT_FOUND");
    assert!(err.contains("before-agent"), "the hint lists the snapshots: {err}");
    home.fails(&["snapshot", "snappy", "Bad Name"], "INVALID_NAME");

    let env = home.json(&["env", "snapshot", "snapenv", "clean"]);
    assert!(env["members"].as_array().unwrap().iter().all(|m| m["ok"] == true), "{env}");
    slack(&api, "chat.postMessage", &new_bot, json!({"channel": "C0ACMERAND", "text": "env dirt"}));
    home.json(&["env", "restore", "snapenv", "clean"]);
    assert!(!texts(&new_bot).contains(&"env dirt".to_string()));

    home.ok(&["destroy", "snappy"]);
    assert!(!home.path().join("clones/snappy").exists(), "snapshots go with the clone");
    if let Some((db, _)) = support::shared_backends() {
        let out = std::process::Command::new("psql")
            .args([db.as_str(), "-Atc", "SELECT datname FROM pg_database WHERE datname LIKE 'clone_snappy%' OR datname LIKE 's_snappy%'"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "", "the clone and snapshot databases are dropped");
    }
}

#[test]
fn one_clone_never_accepts_another_clones_tokens() {
    let home = Home::new("isolation");
    let a = home.json(&["spin", "slack", "--seed", "acme-corp"]);
    let b = home.json(&["spin", "slack", "--seed", "acme-corp"]);
    let (a_api, a_bot) = (a["clone"]["api"].as_str().unwrap(), a["clone"]["tokens"]["bot"].as_str().unwrap());
    let (b_api, b_bot) = (b["clone"]["api"].as_str().unwrap(), b["clone"]["tokens"]["bot"].as_str().unwrap());
    assert_eq!(slack(b_api, "auth.test", a_bot, json!({}))["error"], "invalid_auth");
    assert_eq!(slack(a_api, "auth.test", b_bot, json!({}))["error"], "invalid_auth");
    slack(a_api, "chat.postMessage", a_bot, json!({"channel": "C0ACMERAND", "text": "only in a"}));
    let h = slack(b_api, "conversations.history", b_bot, json!({"channel": "C0ACMERAND"}));
    assert!(h["messages"].as_array().unwrap().iter().all(|m| m["text"] != "only in a"));
    home.ok(&["destroy", a["clone"]["id"].as_str().unwrap()]);
    assert_eq!(slack(b_api, "auth.test", b_bot, json!({}))["ok"], true, "destroying a leaves b serving");
    let h = slack(b_api, "conversations.history", b_bot, json!({"channel": "C0ACMEGNRL"}));
    assert_eq!(h["messages"].as_array().unwrap().len(), 3);
}

#[test]
fn slack_rate_limits_answer_429_with_retry_after_unless_turned_off() {
    let home = Home::new("ratelimits");
    let limited = home.json(&["spin", "slack", "--seed", "acme-corp", "--name", "limited"]);
    let (api, bot) = (limited["clone"]["api"].as_str().unwrap(), limited["clone"]["tokens"]["bot"].as_str().unwrap());
    let client = reqwest::blocking::Client::new();
    let call = |api: &str, token: &str| client.post(format!("{api}/users.list")).bearer_auth(token).send().unwrap();
    // users.list is Tier 2: 20 calls a minute per token.
    let statuses: Vec<u16> = (0..21).map(|_| call(api, bot).status().as_u16()).collect();
    if statuses[..20].iter().all(|s| *s == 200) {
        let over = call(api, bot);
        assert_eq!(over.status().as_u16(), 429, "{statuses:?}");
        let retry: u64 = over.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry));
        let body: Value = over.json().unwrap();
        assert_eq!(body, json!({"ok": false, "error": "ratelimited"}));
    } else {
        // The calls straddled a minute boundary; the limit still held within each window.
        assert!(statuses.iter().filter(|s| **s == 429).count() <= 1, "{statuses:?}");
    }
    let user = limited["clone"]["tokens"]["user"].as_str().unwrap();
    assert_eq!(call(api, user).status().as_u16(), 200, "another token has its own budget");
    home.ok(&["reset", "limited"]);
    assert_eq!(call(api, bot).status().as_u16(), 200, "reset clears the counters");

    let free = home.json(&["spin", "slack", "--seed", "acme-corp", "--name", "free", "--no-rate-limits"]);
    let (api, bot) = (free["clone"]["api"].as_str().unwrap(), free["clone"]["tokens"]["bot"].as_str().unwrap());
    assert!((0..40).all(|_| call(api, bot).status().as_u16() == 200), "--no-rate-limits turns them off");
}

#[test]
fn trace_shows_each_request_with_its_principal_and_error_and_reset_restarts_it() {
    let home = Home::new("trace");
    let spun = home.json(&["spin", "slack", "--seed", "acme-corp", "--name", "traced", "--group", "tracenv"]);
    let clone = &spun["members"][0]["clone"];
    let (api, bot) = (clone["api"].as_str().unwrap().to_string(), clone["tokens"]["bot"].as_str().unwrap().to_string());
    slack(&api, "chat.postMessage", &bot, json!({"channel": "C0ACMERAND", "text": "traced message"}));
    slack(&api, "conversations.history", &bot, json!({"channel": "C0NOSUCH"}));
    let client = reqwest::blocking::Client::new();
    client
        .post(format!("{api}/auth.test"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={bot}"))
        .send()
        .unwrap();

    // The journal is written in the background: give it a moment.
    let read = |args: &[&str]| -> Vec<Value> {
        let out = home.ok(args);
        out.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    for _ in 0..50 {
        if read(&["trace", "traced", "--json"]).len() >= 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let all = read(&["trace", "traced", "--json"]);
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(all[0]["path"], "/api/chat.postMessage");
    assert_eq!(all[0]["status"], 200);
    assert_eq!(all[0]["seq"], 1);
    let principal = all[0]["principal"].as_str().unwrap();
    assert!(principal.starts_with("Bearer xoxb-…") && !principal.contains(&bot[10..20]), "redacted: {principal}");
    assert!(all[0]["request"].as_str().unwrap().contains("traced message"));
    assert_eq!(all[1]["error"], "channel_not_found");
    let form = all[2]["principal"].as_str().unwrap();
    assert!(form.starts_with("token xoxb-…"), "a token form field is the principal too: {form}");
    assert!(!all[2]["request"].as_str().unwrap().contains(&bot), "the token never reaches the journal");

    let errors = read(&["trace", "traced", "--json", "--status", "error"]);
    assert_eq!(errors.len(), 1);
    assert_eq!(read(&["trace", "traced", "--json", "--method", "chat.*"]).len(), 1);
    let env = read(&["env", "trace", "tracenv", "--json"]);
    assert!(env.iter().all(|e| e["clone"] == "traced") && env.len() == 3);
    let human = home.ok(&["trace", "traced"]);
    assert!(human.contains("chat.postMessage") && human.contains("channel_not_found"), "{human}");
    home.fails(&["trace", "traced", "--status", "teapot"], "INVALID_NAME");

    home.ok(&["reset", "traced"]);
    assert_eq!(home.ok(&["trace", "traced", "--json"]).trim(), "", "reset restarts the journal");
}

#[test]
fn apps_from_a_manifest_get_exactly_their_scopes_and_deliveries_are_listed() {
    let home = Home::new("apps");
    let spun = home.json(&["spin", "slack", "--seed", "acme-corp", "--name", "appy", "--no-rate-limits"]);
    let api = spun["clone"]["api"].as_str().unwrap().to_string();
    let manifest = home.write(
        "reader.json",
        &json!({
            "display_information": {"name": "reader"},
            "oauth_config": {"scopes": {"bot": ["channels:read", "chat:write"]}}
        })
        .to_string(),
    );
    let app = home.json(&["apps", "create", "appy", "--manifest", manifest.to_str().unwrap()]);
    let token = app["bot_token"].as_str().unwrap();
    assert!(app["app_id"].as_str().unwrap().starts_with('A') && token.starts_with("xoxb-"), "{app}");
    assert_eq!(slack(&api, "conversations.list", token, json!({}))["ok"], true);
    let denied = slack(&api, "users.list", token, json!({}));
    assert_eq!(denied["error"], "missing_scope", "{denied}");
    assert_eq!(denied["provided"], "channels:read,chat:write");

    let listed = home.json(&["apps", "ls", "appy"]);
    assert!(listed["apps"].as_array().unwrap().iter().any(|a| a.to_string().contains(app["app_id"].as_str().unwrap())), "{listed}");
    assert_eq!(home.json(&["deliveries", "appy"])["deliveries"], json!([]));

    let bad = home.write("bad.json", r#"{"display_information": {"name": "x"}, "oauth_config": {"scopes": {"bot": ["not:a:scope"]}}}"#);
    let err = home.fails(&["apps", "create", "appy", "--manifest", bad.to_str().unwrap()], "CONTROL_REJECTED");
    assert!(err.contains("invalid_manifest"), "{err}");
    let not_json = home.write("notjson.json", "{");
    home.fails(&["apps", "create", "appy", "--manifest", not_json.to_str().unwrap()], "MANIFEST_INVALID");
    home.fails(&["apps", "ls", "nope"], "CLONE_NOT_FOUND");
    home.ok(&["stop", "appy"]);
    home.fails(&["apps", "ls", "appy"], "CLONE_NOT_RUNNING");
}

#[test]
fn diff_names_what_an_agent_added_changed_and_removed_since_reset_or_a_snapshot() {
    let home = Home::new("diff");
    let spun = home.json(&["spin", "slack", "--seed", "acme-corp", "--name", "differ", "--group", "diffenv", "--no-rate-limits"]);
    let clone = &spun["members"][0]["clone"];
    let (api, user) = (clone["api"].as_str().unwrap().to_string(), clone["tokens"]["user"].as_str().unwrap().to_string());
    assert_eq!(home.json(&["diff", "differ"])["resources"], json!({}), "a fresh clone has no changes");

    let posted = slack(&api, "chat.postMessage", &user, json!({"channel": "C0ACMERAND", "text": "agent was here"}));
    let ts = posted["ts"].as_str().unwrap().to_string();
    slack(&api, "chat.update", &user, json!({"channel": "C0ACMERAND", "ts": ts, "text": "agent was here, edited"}));
    slack(&api, "conversations.setTopic", &user, json!({"channel": "C0ACMESUPP", "topic": "ship it"}));
    let d = home.json(&["diff", "differ"]);
    assert_eq!(d["since"], "reset");
    let added = d["resources"]["messages"]["added"].as_array().unwrap_or_else(|| panic!("{d}"));
    assert!(added.iter().any(|m| m["ts"] == ts && m["text"] == "agent was here, edited"), "{d}");
    let topic = d["resources"]["channels"]["changed"].as_array().unwrap();
    assert!(topic.iter().any(|c| c["key"]["id"] == "C0ACMESUPP" && c["fields"]["topic"]["to"] == "ship it"), "{d}");
    assert!(d["resources"].get("tokens").is_none(), "credentials are not workspace state");

    home.ok(&["snapshot", "differ", "mid"]);
    slack(&api, "chat.delete", &user, json!({"channel": "C0ACMERAND", "ts": ts}));
    let since = home.json(&["diff", "differ", "--since", "mid"]);
    assert_eq!(since["since"], "mid");
    assert_eq!(since["resources"]["messages"]["removed"][0]["ts"], ts, "{since}");
    let human = home.ok(&["diff", "differ"]);
    assert!(human.contains("channels:") && human.contains("ship it"), "{human}");
    let env = home.json(&["env", "diff", "diffenv"]);
    assert!(env["differ"]["resources"]["channels"].is_object());
    home.fails(&["diff", "differ", "--since", "nope"], "SNAPSHOT_NOT_FOUND");

    home.ok(&["reset", "differ"]);
    assert_eq!(home.json(&["diff", "differ"])["resources"], json!({}), "reset leaves nothing to report");
}
