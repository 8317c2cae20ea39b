//! `$ASYM_HOME/config.json`, with `ASYM_DATABASE_URL` / `ASYM_REDIS_URL` on top.

use std::path::Path;

use asym_contract::{AsymError, Config};

use crate::suggest::explain_unknown_field;

pub fn parse_config(path: &str, text: &str) -> Result<Config, AsymError> {
    let invalid = |reason: String| AsymError::ConfigInvalid { path: path.to_string(), reason };
    let config: Config = serde_json::from_str(text).map_err(|e| {
        let msg = e.to_string();
        let (head, at) = match msg.rsplit_once(" at line ") {
            Some((h, a)) => (h.to_string(), format!(" (line {a})")),
            None => (msg.clone(), String::new()),
        };
        invalid(format!("{}{at}", explain_unknown_field(&head).unwrap_or(head)))
    })?;
    validate(&config).map_err(invalid)?;
    Ok(config)
}

/// Reads `<home>/config.json` (absent means defaults) and applies the
/// environment overrides.
pub fn load_config(home: &Path) -> Result<Config, AsymError> {
    let path = home.join("config.json");
    let shown = path.display().to_string();
    let mut config = match std::fs::read_to_string(&path) {
        Ok(text) => parse_config(&shown, &text)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
        Err(e) => return Err(AsymError::ConfigInvalid { path: shown, reason: format!("cannot read it: {e}") }),
    };
    for (var, slot) in [("ASYM_DATABASE_URL", &mut config.database_url), ("ASYM_REDIS_URL", &mut config.redis_url)] {
        if let Ok(v) = std::env::var(var)
            && !v.trim().is_empty()
        {
            *slot = Some(v);
        }
    }
    validate(&config).map_err(|reason| AsymError::ConfigInvalid { path: format!("{shown} (with ASYM_* overrides)"), reason })?;
    Ok(config)
}

fn validate(c: &Config) -> Result<(), String> {
    let r = c.port_range;
    if r.start > r.end {
        return Err(format!("portRange.start ({}) is greater than portRange.end ({})", r.start, r.end));
    }
    if r.start < 1024 {
        return Err(format!("portRange.start ({}) is below 1024; pick unprivileged ports such as 3000-3999", r.start));
    }
    if c.provider != "local" {
        return Err(format!("provider '{}' is unknown; the only provider is 'local'", c.provider));
    }
    if let Some(url) = &c.database_url
        && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
    {
        return Err(format!("databaseUrl '{url}' must start with postgres://"));
    }
    if let Some(url) = &c.redis_url
        && !(url.starts_with("redis://") || url.starts_with("rediss://"))
    {
        return Err(format!("redisUrl '{url}' must start with redis://"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> String {
        match parse_config("config.json", text) {
            Err(AsymError::ConfigInvalid { reason, .. }) => reason,
            other => panic!("expected ConfigInvalid, got {other:?}"),
        }
    }

    #[test]
    fn defaults_and_full() {
        assert_eq!(parse_config("c", "{}").unwrap(), Config::default());
        let c = parse_config("c", r#"{"portRange":{"start":4000,"end":4100},"databaseUrl":"postgres://localhost/x","redisUrl":"redis://localhost","provider":"local"}"#).unwrap();
        assert_eq!(c.port_range.start, 4000);
        assert_eq!(c.database_url.as_deref(), Some("postgres://localhost/x"));
    }

    #[test]
    fn bad_configs_are_named() {
        assert!(reason(r#"{"portrange":{"start":1,"end":2}}"#).contains("did you mean 'portRange'?"));
        assert!(reason(r#"{"portRange":{"start":4000,"end":3000}}"#).contains("greater"));
        assert!(reason(r#"{"portRange":{"start":80,"end":3000}}"#).contains("1024"));
        assert!(reason(r#"{"provider":"k8s"}"#).contains("only provider"));
        assert!(reason(r#"{"databaseUrl":"mysql://x"}"#).contains("postgres://"));
        assert!(reason(r#"{"redisUrl":"http://x"}"#).contains("redis://"));
        assert!(reason(r#"{"portRange":"wide"}"#).contains("line 1"));
        assert!(reason("{").contains("line"));
    }

    #[test]
    fn missing_file_is_default() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_config(dir.path()).unwrap().port_range, Config::default().port_range);
    }
}
