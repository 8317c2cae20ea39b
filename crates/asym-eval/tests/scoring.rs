//! Scoring over hand-made facts: the three runs the issue names (correct, one
//! harmless extra write, the wrong target) and the bookkeeping around them.

use std::collections::BTreeMap;

use asym_contract::diff::{Changed, CloneDiff, FieldChange, ResourceDiff, Row};
use asym_contract::journal::JournalEntry;
use asym_eval::{CloneFacts, Report, evaluate, plan};
use serde_json::{Value, json};

fn row(v: Value) -> Row {
    serde_json::from_value(v).unwrap()
}

const CHECKS: &str = r#"
checks:
  - name: posted the release note in #releases
    expect: added
    resource: messages
    where: {channel_id: C_REL, text: {contains: "v1.4"}}
    count: 1
    weight: 3
  - name: set the topic of #releases
    expect: changed
    resource: channels
    where: {id: C_REL}
    fields:
      topic: {to: {contains: "v1.4"}}
  - name: left #general alone
    expect: unchanged
    resource: messages
    where: {channel_id: C_GEN}
  - name: no collateral damage
    strict: true
    ignore: {fields: {channels: [updated]}}
  - name: never used the user token
    journal: {token: "xoxp-1111-2222-secretsecret"}
    count: 0
"#;

struct Run {
    added_messages: Vec<Row>,
    channel_changes: Vec<Changed>,
    journal: Vec<JournalEntry>,
}

fn facts(run: Run) -> BTreeMap<String, CloneFacts> {
    let mut resources = BTreeMap::new();
    if !run.added_messages.is_empty() {
        resources.insert(
            "messages".to_string(),
            ResourceDiff { key: vec!["channel_id".into(), "ts".into()], added: run.added_messages.clone(), ..Default::default() },
        );
    }
    if !run.channel_changes.is_empty() {
        resources.insert(
            "channels".to_string(),
            ResourceDiff { key: vec!["id".into()], changed: run.channel_changes.clone(), ..Default::default() },
        );
    }
    let mut channels = vec![row(json!({"id": "C_GEN", "name": "general", "topic": "", "updated": 1}))];
    let rel_topic = run.channel_changes.iter().find(|c| c.key["id"] == "C_REL").map(|c| c.fields["topic"].to.clone()).unwrap_or(json!(""));
    channels.push(row(json!({"id": "C_REL", "name": "releases", "topic": rel_topic, "updated": 2})));
    let mut messages = vec![row(json!({"channel_id": "C_GEN", "ts": "1.000001", "text": "hello"}))];
    messages.extend(run.added_messages);
    let state = BTreeMap::from([("channels".to_string(), channels), ("messages".to_string(), messages)]);
    let f = CloneFacts {
        diff: CloneDiff { since: "reset".into(), resources },
        state,
        known: vec!["channels".into(), "messages".into(), "reactions".into()],
        journal: run.journal,
    };
    BTreeMap::from([("slack-1".to_string(), f)])
}

fn topic_change(channel: &str, to: &str) -> Changed {
    Changed {
        key: row(json!({"id": channel})),
        fields: BTreeMap::from([
            ("topic".to_string(), FieldChange { from: json!(""), to: json!(to) }),
            ("updated".to_string(), FieldChange { from: json!(1), to: json!(9) }),
        ]),
    }
}

fn entry(path: &str, principal: &str) -> JournalEntry {
    JournalEntry {
        seq: 1,
        time: "2026-01-01T00:00:00.000Z".into(),
        method: "POST".into(),
        path: path.into(),
        query: None,
        principal: Some(principal.into()),
        status: 200,
        error: None,
        latency_ms: 1.0,
        via: None,
        request: None,
        response: None,
    }
}

fn score(text: &str, facts: &BTreeMap<String, CloneFacts>) -> Report {
    let checks = asym_spec::parse_checks("checks.yaml", text).unwrap();
    let members = vec![("slack-1".to_string(), "slack".to_string())];
    let p = plan("checks.yaml", &checks, &members).unwrap();
    evaluate("checks.yaml", &checks, &p, facts).unwrap()
}

fn correct() -> Run {
    Run {
        added_messages: vec![row(json!({"channel_id": "C_REL", "ts": "2.000001", "text": "Shipped v1.4"}))],
        channel_changes: vec![topic_change("C_REL", "Current: v1.4")],
        journal: vec![entry("/api/chat.postMessage", "Bearer xoxb-…abcd")],
    }
}

#[test]
fn a_correct_run_scores_full_marks() {
    let r = score(CHECKS, &facts(correct()));
    assert!(r.passed, "{r:#?}");
    assert_eq!((r.score, r.total), (7.0, 7.0));
    assert!(r.checks.iter().all(|c| c.passed));
    assert_eq!(r.checks[3].detail, "no unexpected changes (2 expected)");
}

#[test]
fn one_harmless_extra_write_fails_only_the_strict_check() {
    let mut run = correct();
    run.added_messages.push(row(json!({"channel_id": "C_RANDOM", "ts": "3.000001", "text": "also, hi"})));
    let r = score(CHECKS, &facts(run));
    let failed: Vec<&str> = r.checks.iter().filter(|c| !c.passed).map(|c| c.name.as_str()).collect();
    assert_eq!(failed, ["no collateral damage"]);
    assert!(!r.passed);
    assert_eq!(r.score, 6.0);
    assert!(
        r.checks[3].evidence[0].contains("messages added") && r.checks[3].evidence[0].contains("C_RANDOM"),
        "{:?}",
        r.checks[3].evidence
    );
    // Not required: the run passes on its expectations and loses the strict points only.
    let lenient = CHECKS.replace("    strict: true\n", "    strict: true\n    required: false\n");
    let r = score(
        &lenient,
        &facts({
            let mut run = correct();
            run.added_messages.push(row(json!({"channel_id": "C_RANDOM", "ts": "3.000001", "text": "also, hi"})));
            run
        }),
    );
    assert!(r.passed);
    assert_eq!(r.score, 6.0);
}

#[test]
fn the_wrong_channel_fails_with_a_message_naming_it() {
    let run = Run {
        added_messages: vec![row(json!({"channel_id": "C_GEN", "ts": "2.000001", "text": "Shipped v1.4"}))],
        channel_changes: vec![topic_change("C_GEN", "Current: v1.4")],
        journal: vec![],
    };
    let r = score(CHECKS, &facts(run));
    assert!(!r.passed);
    let posted = &r.checks[0];
    assert!(!posted.passed);
    assert!(posted.detail.contains("expected exactly 1 messages added matching channel_id = \"C_REL\""), "{}", posted.detail);
    assert!(posted.evidence[0].contains("channel_id=\"C_GEN\""), "{:?}", posted.evidence);
    assert!(r.checks[1].evidence[0].contains("id=\"C_GEN\""), "{:?}", r.checks[1].evidence);
    let general = &r.checks[2];
    assert!(!general.passed && general.detail.starts_with("1 messages matching channel_id = \"C_GEN\" changed"), "{}", general.detail);
}

#[test]
fn forbidden_token_is_found_in_the_journal() {
    let mut run = correct();
    run.journal.push(entry("/api/chat.postMessage", "Bearer xoxp-…cret"));
    let r = score(CHECKS, &facts(run));
    let token = &r.checks[4];
    assert!(!token.passed);
    assert!(token.detail.contains("expected exactly 0 requests made with xoxp-…cret, found 1"), "{}", token.detail);
    assert!(token.evidence[0].contains("/api/chat.postMessage"), "{:?}", token.evidence);
}

#[test]
fn partial_credit_and_weights() {
    let text = "checks:\n- name: three posts\n  expect: added\n  resource: messages\n  count: {min: 3}\n  weight: 4\n  partial: true\n";
    let r = score(text, &facts(correct()));
    assert!(!r.passed);
    assert_eq!((r.score, r.total), (1.333, 4.0));
}

#[test]
fn typos_in_resources_and_fields_are_errors_not_failures() {
    let checks = asym_spec::parse_checks("c", "checks:\n- {name: a, expect: added, resource: mesages}\n").unwrap();
    let members = vec![("slack-1".to_string(), "slack".to_string())];
    let p = plan("c", &checks, &members).unwrap();
    let e = evaluate("c", &checks, &p, &facts(correct())).unwrap_err();
    assert_eq!(e.code(), "RESOURCE_NOT_FOUND");
    assert!(e.hint().unwrap().contains("did you mean `messages`?"), "{:?}", e.hint());

    let checks = asym_spec::parse_checks("c", "checks:\n- {name: a, expect: added, resource: messages, where: {chanel_id: C1}}\n").unwrap();
    let e = evaluate("c", &checks, &p, &facts(correct())).unwrap_err();
    assert_eq!(e.code(), "CHECKS_INVALID");
    assert!(e.to_string().contains("no field 'chanel_id' (did you mean 'channel_id'?)"), "{e}");
}
