//! The published schema and example must stay in step with the parser.

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn published_schema_matches_the_parser() {
    let path = root().join("schemas/environment.schema.json");
    let current = serde_json::to_string_pretty(&asym_spec::env_spec_json_schema()).unwrap() + "\n";
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &current).unwrap();
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(published, current, "schemas/environment.schema.json is stale; run `UPDATE_SCHEMAS=1 cargo test -p asym-spec`");
}

#[test]
fn example_environment_parses() {
    let path = root().join("examples/acme.env.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let spec = asym_spec::parse_env_spec(&path.display().to_string(), &text).unwrap();
    assert_eq!(spec.name, "acme");
    assert!(spec.clones.iter().any(|c| c.template == "slack" && c.seed.as_deref() == Some("acme-corp")));
}

#[test]
fn published_checks_schema_matches_the_parser() {
    let path = root().join("schemas/checks.schema.json");
    let current = serde_json::to_string_pretty(&asym_spec::checks_json_schema()).unwrap() + "\n";
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &current).unwrap();
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(published, current, "schemas/checks.schema.json is stale; run `UPDATE_SCHEMAS=1 cargo test -p asym-spec`");
}

#[test]
fn example_checks_parse() {
    let path = root().join("examples/acme.checks.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let checks = asym_spec::parse_checks(&path.display().to_string(), &text).unwrap();
    assert!(checks.len() >= 4);
}
