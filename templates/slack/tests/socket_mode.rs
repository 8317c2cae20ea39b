//! Socket Mode over a real socket: the whole clone app (`asym_clone_kit::serve::app`)
//! served on 127.0.0.1:4830, an app in Socket Mode made from a manifest, and a
//! WebSocket client (tokio-tungstenite) that leaves the first envelope
//! unacknowledged and must get it again, then acknowledges the retry.

use std::sync::Arc;
use std::time::Duration;

use asym_clone_kit::serve::{ServeSettings, app};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const PORT: u16 = 4830;

async fn next_json<S>(ws: &mut S, within: Duration) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(within, ws.next()).await.expect("a frame in time").expect("the socket is open").unwrap();
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unacknowledged_envelope_is_redelivered() {
    let dir = tempfile::tempdir().unwrap();
    let base = format!("http://127.0.0.1:{PORT}");
    let s = ServeSettings {
        clone_id: "slack-socket-test".into(),
        template: "slack".into(),
        service: "api".into(),
        port: PORT,
        bind: "127.0.0.1".into(),
        database_url: format!("sqlite://{}", dir.path().join("clone.db").display()),
        kv_url: "memory".into(),
        kv_prefix: "slack-socket-test:".into(),
        admin_token: "admin".into(),
        golden_dir: dir.path().join("golden"),
        seed: vec!["acme-corp".into()],
        public_url: format!("{base}/api"),
        state_dir: dir.path().join("state"),
        rate_limits: false,
    };
    let (router, _ctx) = app(Arc::clone(&asym_template_slack::template()), &s).await.expect("the clone app builds");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", PORT)).await.expect("port 4830 is free");
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let http = reqwest::Client::builder().no_proxy().build().unwrap();

    let provisioned: Value = http
        .post(format!("{base}/_asym/admin/provision"))
        .header("x-asym-admin-token", "admin")
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let owner = provisioned["tokens"]["user"].as_str().expect("a user token").to_string();
    let manifest = json!({
        "display_information": { "name": "Sockets" },
        "oauth_config": { "scopes": { "bot": ["channels:history", "chat:write"] } },
        "settings": { "socket_mode_enabled": true, "event_subscriptions": { "bot_events": ["message.channels"] } }
    });
    let created: Value =
        http.post(format!("{base}/api/_asym/apps")).bearer_auth(&owner).json(&manifest).send().await.unwrap().json().await.unwrap();
    assert_eq!(created["ok"], json!(true), "{created}");
    let app_token = created["app_token"].as_str().expect("an app-level token");
    let opened: Value =
        http.post(format!("{base}/api/apps.connections.open")).bearer_auth(app_token).send().await.unwrap().json().await.unwrap();
    let url = opened["url"].as_str().expect("a WebSocket URL").to_string();
    assert!(url.starts_with(&format!("ws://127.0.0.1:{PORT}/link/?ticket=")), "{url}");

    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.expect("the socket opens");
    let hello = next_json(&mut ws, Duration::from_secs(5)).await;
    assert_eq!(hello["type"], json!("hello"));
    assert_eq!(hello["connection_info"]["app_id"], created["app_id"]);
    // The ticket was good once.
    assert!(tokio_tungstenite::connect_async(&url).await.is_err());

    let posted: Value = http
        .post(format!("{base}/api/chat.postMessage"))
        .bearer_auth(&owner)
        .json(&json!({ "channel": "C0ACMEGNRL", "text": "over the socket" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(posted["ok"], json!(true), "{posted}");

    let first = next_json(&mut ws, Duration::from_secs(10)).await;
    assert_eq!(first["type"], json!("events_api"));
    assert_eq!((first["retry_attempt"].clone(), first["retry_reason"].clone()), (json!(0), json!("")));
    assert_eq!(first["payload"]["event"]["text"], json!("over the socket"));
    // Not acknowledged: the same body comes again after the timeout, as a retry.
    let retry = next_json(&mut ws, Duration::from_secs(10)).await;
    assert_eq!((retry["retry_attempt"].clone(), retry["retry_reason"].clone()), (json!(1), json!("timeout")));
    assert_eq!(retry["payload"], first["payload"]);
    assert_ne!(retry["envelope_id"], first["envelope_id"]);
    ws.send(Message::Text(json!({ "envelope_id": retry["envelope_id"] }).to_string().into())).await.unwrap();

    let event_id = first["payload"]["event_id"].as_str().unwrap().to_string();
    let mut log = Value::Null;
    for _ in 0..50 {
        log = http
            .get(format!("{base}/api/_asym/deliveries?event_id={event_id}"))
            .bearer_auth(&owner)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if log["deliveries"].as_array().is_some_and(|d| d.len() == 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let attempts: Vec<(i64, Value)> =
        log["deliveries"].as_array().expect("a log").iter().map(|d| (d["attempt"].as_i64().unwrap(), d["error"].clone())).collect();
    assert_eq!(attempts, [(0, json!("timeout")), (1, Value::Null)], "{log}");
    server.abort();
}
