//! `asym eval` and `asym api`: a scripted agent works on a seeded environment, then
//! the run is scored: correct, correct plus one harmless write, and the wrong channel.

mod support;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Home, slack};

const ENGINEERING: &str = "C0ACMEENGR";
const RANDOM: &str = "C0ACMERAND";

const CHECKS: &str = r#"
checks:
  - name: "announced v1.4 in #engineering"
    expect: added
    resource: messages
    where: {channel_id: C0ACMEENGR, subtype: null, text: {contains: "v1.4"}}
    count: 1
    weight: 3
  - name: "made it the topic of #engineering"
    expect: changed
    resource: channels
    where: {id: C0ACMEENGR}
    fields:
      topic: {to: {contains: "v1.4"}}
    weight: 2
  - name: "left #general alone"
    expect: unchanged
    resource: messages
    where: {channel_id: C0ACMEGNRL}
  - name: no collateral damage
    strict: true
    ignore:
      where:
        messages: {subtype: channel_topic}
  - name: used the bot token only
    journal: {principal: "xoxp-"}
    count: 0
"#;

struct Env {
    home: Home,
    id: String,
    api: String,
    bot: String,
    checks: String,
}

fn spin(test: &str) -> Env {
    let home = Home::new(test);
    // Clone names are unique per test: on the shared backends they name databases.
    let spec = home.write(
        "ev.env.yaml",
        &format!("name: ev\nclones:\n  - template: slack\n    seed: acme-corp\n    name: {test}\n    rateLimits: false\n"),
    );
    let report = home.json(&["env", "spin", spec.to_str().unwrap()]);
    let clone = &report["members"][0]["clone"];
    let (api, bot) = (clone["api"].as_str().unwrap().to_string(), clone["tokens"]["bot"].as_str().unwrap().to_string());
    let checks = home.write("checks.yaml", CHECKS).to_str().unwrap().to_string();
    Env { home, id: test.to_string(), api, bot, checks }
}

/// The task, done the way an agent would: post the note, then set the topic.
fn agent(e: &Env, channel: &str) {
    let posted = slack(&e.api, "chat.postMessage", &e.bot, json!({"channel": channel, "text": "Release v1.4 is out :rocket:"}));
    assert_eq!(posted["ok"], true, "{posted}");
    let topic = slack(&e.api, "conversations.setTopic", &e.bot, json!({"channel": channel, "topic": "Current release: v1.4"}));
    assert_eq!(topic["ok"], true, "{topic}");
}

fn eval(e: &Env) -> (Option<i32>, Value) {
    let out = e.home.run(&["eval", "ev", &e.checks, "--json"]);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), report)
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no check {name}: {report}"))
}

#[test]
fn scripted_agent_runs_are_scored_full_forgiving_and_precise() {
    let e = spin("eval-runs");

    agent(&e, ENGINEERING);
    let (code, r) = eval(&e);
    assert_eq!(code, Some(0), "{r:#}");
    assert_eq!((r["score"].as_f64(), r["total"].as_f64()), (Some(8.0), Some(8.0)), "{r:#}");
    let human = e.home.ok(&["eval", "ev", &e.checks]);
    assert!(human.lines().last().unwrap().starts_with("score 8/8 (100%): passed"), "{human}");

    // One harmless extra write: every expectation still holds; only strict fails.
    e.home.ok(&["env", "reset", "ev"]);
    agent(&e, ENGINEERING);
    slack(&e.api, "chat.postMessage", &e.bot, json!({"channel": RANDOM, "text": "fyi: v1.4 shipped"}));
    let (code, r) = eval(&e);
    assert_eq!(code, Some(1), "{r:#}");
    let failed: Vec<&str> =
        r["checks"].as_array().unwrap().iter().filter(|c| c["passed"] == false).map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(failed, ["no collateral damage"], "{r:#}");
    assert!(check(&r, "no collateral damage")["evidence"][0].as_str().unwrap().contains(RANDOM), "{r:#}");

    // The wrong channel: the message names the channel the agent used.
    e.home.ok(&["env", "reset", "ev"]);
    agent(&e, RANDOM);
    let (code, r) = eval(&e);
    assert_eq!(code, Some(1));
    let posted = check(&r, "announced v1.4 in #engineering");
    assert_eq!(posted["passed"], false);
    assert!(posted["detail"].as_str().unwrap().contains("found 0"), "{posted}");
    assert!(posted["evidence"].to_string().contains(RANDOM), "{posted}");
    let topic = check(&r, "made it the topic of #engineering");
    assert!(topic["evidence"].to_string().contains(RANDOM), "{topic}");
}

#[test]
fn journal_checks_see_the_token_an_agent_used() {
    let e = spin("eval-journal");
    let report = e.home.json(&["tokens", &e.id]);
    let user = report["tokens"]["user"].as_str().unwrap_or_else(|| panic!("{report}")).to_string();
    slack(&e.api, "chat.postMessage", &user, json!({"channel": ENGINEERING, "text": "Release v1.4 is out"}));
    slack(&e.api, "conversations.setTopic", &e.bot, json!({"channel": ENGINEERING, "topic": "v1.4"}));
    let (code, r) = eval(&e);
    assert_eq!(code, Some(1));
    let token = check(&r, "used the bot token only");
    assert_eq!(token["passed"], false);
    assert!(token["evidence"][0].as_str().unwrap().contains("chat.postMessage"), "{token}");
    assert_eq!(check(&r, "announced v1.4 in #engineering")["passed"], true);
}

#[test]
fn bad_checks_files_and_targets_exit_2_with_a_named_error() {
    let e = spin("eval-bad");
    let cases = [
        ("checks:\n- name: a\n  expect: added\n  resorce: messages\n", "CHECKS_INVALID", "did you mean 'resource'?"),
        ("checks:\n- {name: a, expect: added, resource: mesages}\n", "RESOURCE_NOT_FOUND", "did you mean `messages`?"),
        ("checks:\n- {name: a, expect: present, resource: channels, where: {nme: general}}\n", "CHECKS_INVALID", "did you mean 'name'?"),
        ("checks: [\n", "CHECKS_INVALID", "line"),
        ("checks:\n- {name: a, clone: stripe, expect: added, resource: customers}\n", "CHECKS_INVALID", "no member clone 'stripe'"),
    ];
    for (text, code, says) in cases {
        let path = e.home.write("bad.yaml", text);
        let out = e.home.run(&["eval", "ev", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(err.starts_with(&format!("error[{code}]")) && err.contains(says), "{text}: {err}");
    }
    let out = e.home.run(&["eval", "nope", &e.checks]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error[ENV_NOT_FOUND]"));
    let out = e.home.run(&["eval", "ev", "/nonexistent/checks.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let schema: Value = serde_json::from_str(&e.home.ok(&["eval", "--schema"])).unwrap();
    assert_eq!(schema["title"], "asymmetric checks");
}

struct Api(Child);

impl Drop for Api {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_trainer_api_runs_episodes_without_the_cli() {
    let e = spin("eval-api");
    let port = portpicker(&e);
    let mut cmd = e.home.command(&["api", "--port", &port.to_string()]);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let _api = Api(cmd.spawn().unwrap());
    let base = format!("http://127.0.0.1:{port}/v1");
    let client = reqwest::blocking::Client::builder().no_proxy().timeout(Duration::from_secs(20)).build().unwrap();
    let started = Instant::now();
    while client.get(format!("{base}/health")).send().is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "asym api did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    for episode in 0..3 {
        let reset: Value = client.post(format!("{base}/envs/ev/reset")).send().unwrap().json().unwrap();
        assert!(reset["members"].as_array().unwrap().iter().all(|m| m["ok"] == true), "{reset}");
        let diff: Value = client.get(format!("{base}/envs/ev/diff")).send().unwrap().json().unwrap();
        assert_eq!(diff[&e.id]["resources"], json!({}), "episode {episode} starts clean: {diff}");
        agent(&e, if episode == 1 { RANDOM } else { ENGINEERING });
        let report: Value = client.post(format!("{base}/envs/ev/eval")).body(CHECKS).send().unwrap().json().unwrap();
        assert_eq!(report["passed"], episode != 1, "episode {episode}: {report:#}");
        let trace: Value = client.get(format!("{base}/envs/ev/trace?method=chat.postMessage")).send().unwrap().json().unwrap();
        assert_eq!(trace.as_array().unwrap().len(), 1, "{trace}");
    }
    let missing = client.post(format!("{base}/envs/nope/reset")).send().unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    let body: Value = missing.json().unwrap();
    assert_eq!(body["error"]["code"], "ENV_NOT_FOUND");
    let bad = client.post(format!("{base}/envs/ev/eval")).body("checks: 3\n").send().unwrap();
    assert_eq!(bad.status().as_u16(), 422);
    let unknown = client.get(format!("{base}/envs/ev/trace?methd=chat.postMessage")).send().unwrap();
    assert_eq!(unknown.status().as_u16(), 422);
    let body: Value = unknown.json().unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("methd"), "{body}");
}

/// A port from the test's own slice, above the ones clones take first.
fn portpicker(e: &Env) -> u16 {
    let config: Value = serde_json::from_slice(&std::fs::read(e.home.path().join("config.json")).unwrap()).unwrap();
    config["portRange"]["end"].as_u64().unwrap() as u16
}
