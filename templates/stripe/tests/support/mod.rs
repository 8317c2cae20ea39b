//! The whole Stripe clone app (`asym_clone_kit::serve::app`) on a temporary SQLite
//! database seeded with `acct`, driven with `oneshot` — shared by the router tests.
#![allow(dead_code)]

use std::sync::Arc;

use asym_clone_kit::serve::{ServeSettings, app};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const KEY: &str = "sk_test_asymmetric000000000000stripe";

pub struct Clone {
    pub app: Router,
    _dir: tempfile::TempDir,
}

/// A seeded clone named `id` whose public URL is `public_url`.
pub async fn clone_at(id: &str, public_url: &str) -> Clone {
    let dir = tempfile::tempdir().unwrap();
    let s = ServeSettings {
        clone_id: id.into(),
        template: "stripe".into(),
        service: "api".into(),
        port: 0,
        bind: "127.0.0.1".into(),
        database_url: format!("sqlite://{}", dir.path().join("clone.db").display()),
        kv_url: "memory".into(),
        kv_prefix: format!("{id}:"),
        admin_token: "admin".into(),
        golden_dir: dir.path().join("golden"),
        seed: vec!["acct".into()],
        public_url: public_url.into(),
        state_dir: dir.path().join("state"),
        rate_limits: false,
    };
    let template = asym_template_stripe::template();
    let (app, _ctx) = app(Arc::clone(&template), &s).await.expect("the clone app builds");
    Clone { app, _dir: dir }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

impl Clone {
    pub async fn send(&self, method: &str, path: &str, body: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = Request::builder().method(method).uri(path).header("content-type", "application/x-www-form-urlencoded");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = self.app.clone().oneshot(req.body(Body::from(body.to_string())).unwrap()).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp { status, headers, body }
    }

    /// A form post with the seeded key, as the SDKs send it.
    pub async fn post(&self, path: &str, body: &str) -> Resp {
        self.send("POST", path, body, &[("authorization", &format!("Bearer {KEY}"))]).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send("GET", path, "", &[("authorization", &format!("Bearer {KEY}"))]).await
    }

    /// A browser's form post (no key) to a hosted page.
    pub async fn browser(&self, method: &str, path: &str, body: &str) -> Resp {
        self.send(method, path, body, &[]).await
    }
}
