//! Timestamps as RFC 3339 strings, the one format records use.

pub fn now_rfc3339() -> String {
    ::time::OffsetDateTime::now_utc()
        .format(&::time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}
