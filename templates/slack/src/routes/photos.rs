//! `GET /avatars/<user>/<hash>_<size>.<ext>`: the profile photos users.setPhoto
//! stored, public like Slack's avatar CDN. A hash that is not the member's
//! current photo is 404.

use asym_store::Db;
use axum::Extension;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::store::photos;

pub async fn serve(Extension(db): Extension<Db>, Path((user, file)): Path<(String, String)>) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "Not Found").into_response();
    let Some((hash, _size)) = file.split_once('.').map(|(stem, _)| stem).and_then(|s| s.split_once('_')) else {
        return not_found();
    };
    match photos::content(&*db, &user, hash).await {
        Ok(Some((mimetype, bytes))) => (StatusCode::OK, [(header::CONTENT_TYPE, mimetype)], bytes).into_response(),
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!("avatar: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal_error").into_response()
        }
    }
}
