//! GitHub's errors, rendered once: `{"message", "documentation_url", "status"}`
//! with the product's HTTP status, and `422 Validation Failed` with an `errors`
//! array of `{resource, field, code}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const DOCS: &str = "https://docs.github.com/rest";

/// One entry of a 422's `errors` array.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub resource: &'static str,
    pub field: String,
    /// `missing_field`, `invalid`, `already_exists`, `missing`, `custom`.
    pub code: &'static str,
    pub message: Option<String>,
}

impl FieldError {
    pub fn new(resource: &'static str, field: impl Into<String>, code: &'static str) -> Self {
        FieldError { resource, field: field.into(), code, message: None }
    }
    pub fn custom(resource: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { resource, field: field.into(), code: "custom", message: Some(message.into()) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GhError {
    #[error("Bad credentials")]
    BadCredentials,
    #[error("Requires authentication")]
    RequiresAuthentication,
    #[error("Not Found")]
    NotFound,
    /// A 404 with GitHub's own message (`Branch not found`, `This repository is empty.`).
    #[error("{0}")]
    NotFoundMsg(String),
    /// A GitHub operation this clone does not build: 404 as GitHub answers unknown
    /// routes, with the operation named.
    #[error("Not Found")]
    NotImplemented { operation: String },
    #[error("{0}")]
    Forbidden(String),
    #[error("Problems parsing JSON")]
    BadJson,
    #[error("{0}")]
    BadRequest(String),
    #[error("Validation Failed")]
    Validation(Vec<FieldError>),
    /// A 422 with its own message (`Reference already exists`, `No commits between …`).
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Gone(String),
    #[error("API rate limit exceeded for {0}.")]
    RateLimited(String),
    #[error("Server Error")]
    Internal(String),
}

impl GhError {
    pub fn status(&self) -> StatusCode {
        match self {
            GhError::BadCredentials | GhError::RequiresAuthentication => StatusCode::UNAUTHORIZED,
            GhError::NotFound | GhError::NotFoundMsg(_) | GhError::NotImplemented { .. } => StatusCode::NOT_FOUND,
            GhError::Forbidden(_) | GhError::RateLimited(_) => StatusCode::FORBIDDEN,
            GhError::BadJson | GhError::BadRequest(_) => StatusCode::BAD_REQUEST,
            GhError::Validation(_) | GhError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            GhError::Conflict(_) => StatusCode::CONFLICT,
            GhError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            GhError::Gone(_) => StatusCode::GONE,
            GhError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn missing(resource: &'static str, field: &str) -> GhError {
        GhError::Validation(vec![FieldError::new(resource, field, "missing_field")])
    }

    pub fn invalid(resource: &'static str, field: &str) -> GhError {
        GhError::Validation(vec![FieldError::new(resource, field, "invalid")])
    }

    pub fn body(&self) -> Value {
        let status = self.status();
        let docs = match self {
            GhError::RateLimited(_) => "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api".to_string(),
            _ => DOCS.to_string(),
        };
        let mut body = json!({ "message": self.to_string(), "documentation_url": docs, "status": status.as_u16().to_string() });
        match self {
            GhError::Validation(errors) => {
                body["errors"] = errors
                    .iter()
                    .map(|e| {
                        let mut v = json!({ "resource": e.resource, "field": e.field, "code": e.code });
                        if let Some(m) = &e.message {
                            v["message"] = Value::from(m.clone());
                        }
                        v
                    })
                    .collect();
            }
            GhError::NotImplemented { operation } => {
                body["message"] = Value::from(format!("Not Found: `{operation}` is not implemented by this GitHub clone"));
            }
            GhError::Internal(detail) => tracing::error!("internal error: {detail}"),
            _ => {}
        }
        body
    }
}

impl From<sqlx::Error> for GhError {
    fn from(e: sqlx::Error) -> Self {
        GhError::Internal(e.to_string())
    }
}

impl From<asym_store::StoreError> for GhError {
    fn from(e: asym_store::StoreError) -> Self {
        GhError::Internal(e.to_string())
    }
}

impl IntoResponse for GhError {
    fn into_response(self) -> Response {
        (self.status(), Json(self.body())).into_response()
    }
}

pub type GhResult<T> = Result<T, GhError>;
