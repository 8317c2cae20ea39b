//! Slack's error codes, rendered once as `{"ok":false,"error":…}` at HTTP 200.

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    #[error("not_authed")]
    NotAuthed,
    #[error("invalid_auth")]
    InvalidAuth,
    #[error("missing_scope")]
    MissingScope { needed: String, provided: String },
    #[error("unknown_method")]
    UnknownMethod { method: String },
    #[error("not_implemented")]
    NotImplemented { method: String },
    #[error("invalid_arguments")]
    InvalidArguments { messages: Vec<String> },
    /// dialog.open: the dialog failed validation; the messages say where.
    #[error("validation_errors")]
    ValidationErrors { messages: Vec<String> },
    #[error("invalid_arg_name")]
    InvalidArgName,
    #[error("channel_not_found")]
    ChannelNotFound,
    #[error("user_not_found")]
    UserNotFound,
    #[error("users_not_found")]
    UsersNotFound,
    #[error("not_in_channel")]
    NotInChannel,
    #[error("is_archived")]
    IsArchived,
    #[error("no_text")]
    NoText,
    #[error("msg_too_long")]
    MsgTooLong,
    #[error("invalid_blocks")]
    InvalidBlocks,
    #[error("invalid_attachments")]
    InvalidAttachments,
    #[error("invalid_cursor")]
    InvalidCursor,
    #[error("invalid_limit")]
    InvalidLimit,
    #[error("invalid_ts_latest")]
    InvalidTsLatest,
    #[error("invalid_ts_oldest")]
    InvalidTsOldest,
    #[error("thread_not_found")]
    ThreadNotFound,
    /// Any other of Slack's error strings (`cant_invite_self`, `name_taken`, …).
    #[error("{0}")]
    Code(&'static str),
    /// `api.test` asked to fail with this code.
    #[error("{error}")]
    Echo { error: String, args: Value },
    #[error("internal_error")]
    Internal(String),
}

impl SlackError {
    pub fn code(&self) -> String {
        self.to_string()
    }
}

impl From<sqlx::Error> for SlackError {
    fn from(e: sqlx::Error) -> Self {
        SlackError::Internal(e.to_string())
    }
}

impl IntoResponse for SlackError {
    fn into_response(self) -> Response {
        let mut body = json!({ "ok": false, "error": self.code() });
        match &self {
            SlackError::MissingScope { needed, provided } => {
                body["needed"] = Value::from(needed.clone());
                body["provided"] = Value::from(provided.clone());
            }
            SlackError::UnknownMethod { method } | SlackError::NotImplemented { method } => {
                body["req_method"] = Value::from(method.clone());
            }
            SlackError::InvalidArguments { messages } | SlackError::ValidationErrors { messages } => {
                body["response_metadata"] = json!({ "messages": messages });
            }
            SlackError::Echo { args, .. } => {
                body["args"] = args.clone();
            }
            SlackError::Internal(detail) => tracing::error!("internal error: {detail}"),
            _ => {}
        }
        Json(body).into_response()
    }
}

pub type SlackResult<T> = Result<T, SlackError>;
