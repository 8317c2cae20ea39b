//! The whole GitHub clone app (`asym_clone_kit::serve::app`) on a temporary SQLite
//! database seeded with `acme`, driven with `oneshot`, and a local webhook
//! receiver — shared by the router tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use asym_clone_kit::serve::{ServeSettings, app};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

pub const BASE: &str = "http://gh.test";

/// What a webhook receiver got: headers and the exact body of each POST.
pub type Deliveries = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

pub struct Clone {
    pub app: Router,
    pub token: String,
    _dir: tempfile::TempDir,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

pub async fn clone() -> Clone {
    let dir = tempfile::tempdir().unwrap();
    let s = ServeSettings {
        clone_id: "github-test".into(),
        template: "github".into(),
        service: "api".into(),
        port: 0,
        bind: "127.0.0.1".into(),
        database_url: format!("sqlite://{}", dir.path().join("clone.db").display()),
        kv_url: "memory".into(),
        kv_prefix: "github-test:".into(),
        admin_token: "admin-secret".into(),
        golden_dir: dir.path().join("golden"),
        seed: vec!["acme".into()],
        public_url: BASE.into(),
        state_dir: dir.path().join("state"),
        rate_limits: true,
    };
    let (app, _ctx) = app(asym_template_github::template(), &s).await.expect("the clone app builds");
    let req = Request::builder()
        .method("POST")
        .uri("/_asym/admin/provision")
        .header("x-asym-admin-token", "admin-secret")
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let token = body["tokens"]["token"].as_str().expect("provision returns `token`").to_string();
    assert!(token.starts_with("ghp_") && token.len() == 40, "{token}");
    Clone { app, token, _dir: dir }
}

impl Clone {
    pub async fn send(&self, method: &str, path: &str, body: Option<&str>, headers: &[(&str, &str)]) -> Resp {
        let mut req = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = self.app.clone().oneshot(req.body(Body::from(body.unwrap_or("").to_string())).unwrap()).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Resp { status, headers, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let auth = format!("token {}", self.token);
        let text = body.map(|b| b.to_string());
        self.send(method, path, text.as_deref(), &[("authorization", &auth), ("content-type", "application/json")]).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None).await
    }

    /// A token for another seeded user, through the control plane.
    pub async fn login(&self, login: &str) -> String {
        let r = self
            .send(
                "POST",
                "/api/login",
                Some(&json!({ "login": login, "password": "password123" }).to_string()),
                &[("content-type", "application/json")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["token"].as_str().unwrap().to_string()
    }
}

/// A local webhook receiver recording every POST to `/hook`.
pub async fn receiver() -> (std::net::SocketAddr, Deliveries) {
    let seen: Deliveries = Arc::default();
    let sink = seen.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push((headers, body.to_vec()));
                "ok"
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, seen)
}

pub async fn wait_for(seen: &Deliveries, event: &str, action: &str) -> Value {
    for _ in 0..100 {
        let hit = seen.lock().unwrap().iter().find_map(|(h, b)| {
            let v: Value = serde_json::from_slice(b).ok()?;
            (h["x-github-event"] == event && v["action"] == action).then_some(v)
        });
        if let Some(v) = hit {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no {event}/{action} delivery");
}
