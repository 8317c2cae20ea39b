//! Stripe's errors, rendered once as `{"error":{type,code,decline_code,message,param,doc_url}}`
//! with Stripe's HTTP statuses: 400 invalid request, 401 bad key, 402 card error,
//! 404 missing resource, 409 idempotency conflict, 500 api error.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// No key, or a key the account does not have (401).
    #[error("{message}")]
    Authentication { message: String },
    /// `invalid_request_error` at 400, with an optional code and param.
    #[error("{message}")]
    InvalidRequest { message: String, code: Option<&'static str>, param: Option<String> },
    /// `resource_missing` at 404: `No such customer: 'cus_x'`.
    #[error("No such {what}: '{id}'")]
    NoSuch { what: &'static str, id: String, param: String },
    /// `invoice_upcoming_none` at 404: the customer has nothing to preview.
    #[error("No upcoming invoices for customer: {customer}")]
    NoSuchUpcoming { customer: String },
    /// A URL Stripe does not have, or one this clone has not built (404).
    #[error("Unrecognized request URL ({method}: {path})")]
    UnrecognizedUrl { method: String, path: String, built: bool },
    /// `card_error` at 402, with the object whose confirmation failed.
    #[error("{message}")]
    Card {
        message: String,
        code: &'static str,
        decline_code: Option<&'static str>,
        param: Option<&'static str>,
        charge: Option<String>,
        extra: Map<String, Value>,
    },
    /// `idempotency_error`: 400 for a reused key with other parameters, 409 while
    /// the first request is still running.
    #[error("{message}")]
    Idempotency { message: String, conflict: bool },
    /// An object in a status the operation does not accept (400, with the object).
    #[error("{message}")]
    UnexpectedState { message: String, code: &'static str, param: Option<String>, extra: Map<String, Value> },
    #[error("api_error")]
    Api(String),
}

impl StripeError {
    pub fn invalid(message: impl Into<String>) -> Self {
        StripeError::InvalidRequest { message: message.into(), code: None, param: None }
    }

    pub fn invalid_param(message: impl Into<String>, param: impl Into<String>) -> Self {
        StripeError::InvalidRequest { message: message.into(), code: None, param: Some(param.into()) }
    }

    pub fn coded(code: &'static str, message: impl Into<String>, param: Option<&str>) -> Self {
        StripeError::InvalidRequest { message: message.into(), code: Some(code), param: param.map(String::from) }
    }

    pub fn missing(param: &str) -> Self {
        Self::coded("parameter_missing", format!("Missing required param: {param}."), Some(param))
    }

    pub fn unknown(param: &str) -> Self {
        Self::coded("parameter_unknown", format!("Received unknown parameter: {param}"), Some(param))
    }

    /// A parameter Stripe accepts that this clone does not act on yet: refused by
    /// name rather than accepted and ignored.
    pub fn not_built(param: &str) -> Self {
        Self::invalid_param(format!("The `{param}` parameter is not implemented by this clone yet."), param)
    }

    pub fn no_such(what: &'static str, id: &str, param: &str) -> Self {
        StripeError::NoSuch { what, id: id.to_string(), param: param.to_string() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            StripeError::Authentication { .. } => StatusCode::UNAUTHORIZED,
            StripeError::InvalidRequest { .. } | StripeError::UnexpectedState { .. } => StatusCode::BAD_REQUEST,
            StripeError::NoSuch { .. } | StripeError::UnrecognizedUrl { .. } | StripeError::NoSuchUpcoming { .. } => StatusCode::NOT_FOUND,
            StripeError::Card { .. } => StatusCode::PAYMENT_REQUIRED,
            StripeError::Idempotency { conflict: true, .. } => StatusCode::CONFLICT,
            StripeError::Idempotency { .. } => StatusCode::BAD_REQUEST,
            StripeError::Api(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `error` object of the response body.
    pub fn body(&self) -> Value {
        let mut e = Map::new();
        let mut put = |k: &str, v: Value| {
            e.insert(k.to_string(), v);
        };
        match self {
            StripeError::Authentication { message } => {
                put("type", json!("invalid_request_error"));
                put("message", json!(message));
            }
            StripeError::InvalidRequest { message, code, param } => {
                put("type", json!("invalid_request_error"));
                put("message", json!(message));
                if let Some(c) = code {
                    put("code", json!(c));
                    put("doc_url", json!(doc_url(c)));
                }
                if let Some(p) = param {
                    put("param", json!(p));
                }
            }
            StripeError::NoSuch { param, .. } => {
                put("type", json!("invalid_request_error"));
                put("code", json!("resource_missing"));
                put("doc_url", json!(doc_url("resource_missing")));
                put("message", json!(self.to_string()));
                put("param", json!(param));
            }
            StripeError::NoSuchUpcoming { .. } => {
                put("type", json!("invalid_request_error"));
                put("code", json!("invoice_upcoming_none"));
                put("doc_url", json!(doc_url("invoice_upcoming_none")));
                put("message", json!(self.to_string()));
            }
            StripeError::UnrecognizedUrl { method, path, built } => {
                put("type", json!("invalid_request_error"));
                let tail = if *built {
                    "Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
                } else {
                    "This Stripe endpoint is not implemented by the asymmetric clone yet (see its COVERAGE.md)."
                };
                put("message", json!(format!("Unrecognized request URL ({method}: {path}). {tail}")));
            }
            StripeError::Card { message, code, decline_code, param, charge, extra } => {
                put("type", json!("card_error"));
                put("code", json!(code));
                put("doc_url", json!(doc_url(code)));
                put("message", json!(message));
                if let Some(d) = decline_code {
                    put("decline_code", json!(d));
                }
                if let Some(p) = param {
                    put("param", json!(p));
                }
                if let Some(c) = charge {
                    put("charge", json!(c));
                }
                for (k, v) in extra {
                    put(k, v.clone());
                }
            }
            StripeError::Idempotency { message, .. } => {
                put("type", json!("idempotency_error"));
                put("message", json!(message));
            }
            StripeError::UnexpectedState { message, code, param, extra } => {
                put("type", json!("invalid_request_error"));
                put("code", json!(code));
                put("doc_url", json!(doc_url(code)));
                put("message", json!(message));
                if let Some(p) = param {
                    put("param", json!(p));
                }
                for (k, v) in extra {
                    put(k, v.clone());
                }
            }
            StripeError::Api(detail) => {
                tracing::error!("internal error: {detail}");
                put("type", json!("api_error"));
                put("message", json!("An unknown error occurred"));
            }
        }
        json!({ "error": Value::Object(e) })
    }
}

/// Stripe's error-code documentation URL (`card_declined` → `…/error-codes/card-declined`).
pub fn doc_url(code: &str) -> String {
    format!("https://stripe.com/docs/error-codes/{}", code.replace('_', "-"))
}

impl From<sqlx::Error> for StripeError {
    fn from(e: sqlx::Error) -> Self {
        StripeError::Api(e.to_string())
    }
}

impl From<asym_store::StoreError> for StripeError {
    fn from(e: asym_store::StoreError) -> Self {
        StripeError::Api(e.to_string())
    }
}

impl IntoResponse for StripeError {
    fn into_response(self) -> Response {
        (self.status(), Json(self.body())).into_response()
    }
}

pub type StripeResult<T> = Result<T, StripeError>;
