//! The registry file through its public API: formats, migration, errors, modes, locking.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use asym_contract::{AsymError, CloneId, CloneRecord, CloneState, CloneTokens, EnvName, EnvState, Environment, RegistryData, SeedSpec};
use asym_registry::{Registry, SCHEMA_VERSION};
use serde_json::{Value, json};

const V1_FIXTURE: &str = include_str!("fixtures/registry-v1.json");

fn record(id: &str, state: CloneState) -> CloneRecord {
    let template = id.split('-').next().unwrap_or(id).to_string();
    CloneRecord {
        id: CloneId::parse(id).unwrap(),
        template,
        mode: "embedded".into(),
        provider: "local".into(),
        database: format!("/tmp/asym/clones/{id}/clone.sqlite"),
        redis_prefix: format!("asym:{id}:"),
        kv_url: "memory".into(),
        rate_limits: true,
        snapshots: Vec::new(),
        ports: BTreeMap::from([("api".to_string(), 7401)]),
        state,
        seed: SeedSpec { fixtures: vec!["acme-corp".into()] },
        tokens: CloneTokens(BTreeMap::from([("bot".to_string(), "xoxb-1-2-secret".to_string())])),
        expose: false,
        admin_token: "adm_secret".into(),
        runtime: json!({"services": {"api": {"pid": 4242}}}),
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
    }
}

fn sample() -> RegistryData {
    let mut data = RegistryData::default();
    for (id, state) in [("slack-0001", CloneState::Running), ("stripe-0002", CloneState::Stopped)] {
        let r = record(id, state);
        data.clones.insert(r.id.clone(), r);
    }
    let name = EnvName::parse("acme").unwrap();
    data.environments.insert(
        name.clone(),
        Environment {
            name,
            members: vec![CloneId::parse("slack-0001").unwrap()],
            spec: None,
            state: EnvState::Running,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
        },
    );
    data
}

fn setup() -> (tempfile::TempDir, Registry) {
    let tmp = tempfile::tempdir().unwrap();
    let reg = Registry::open(&tmp.path().join("home")).unwrap();
    (tmp, reg)
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn on_disk(reg: &Registry) -> Value {
    serde_json::from_slice(&fs::read(reg.path()).unwrap()).unwrap()
}

fn assert_corrupt(err: AsymError, needle: &str) {
    assert_eq!(err.code(), "REGISTRY_CORRUPT", "{err}");
    assert!(err.to_string().contains(needle), "`{err}` should mention `{needle}`");
}

#[test]
fn a_missing_file_is_an_empty_registry_and_load_does_not_create_it() {
    let (_tmp, reg) = setup();
    assert_eq!(reg.load().unwrap(), RegistryData::default());
    assert!(!reg.path().exists());
    assert_eq!(reg.path().file_name().unwrap(), "registry.json");
}

#[test]
fn open_creates_a_private_home() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("a/b/home");
    Registry::open(&home).unwrap();
    assert_eq!(mode(&home), 0o700);
}

#[test]
fn round_trip_keeps_everything_in_the_v2_shape() {
    let (_tmp, reg) = setup();
    let data = sample();
    reg.update(|d| {
        *d = data.clone();
        Ok(())
    })
    .unwrap();
    assert_eq!(reg.load().unwrap(), data);

    let text = fs::read_to_string(reg.path()).unwrap();
    assert!(text.starts_with("{\n  \"schemaVersion\": 2,\n"), "pretty, version first:\n{text}");
    assert!(text.ends_with("}\n"));
    let v = on_disk(&reg);
    assert_eq!(v["schemaVersion"], json!(SCHEMA_VERSION));
    assert_eq!(v["environments"]["acme"]["members"], json!(["slack-0001"]));
    assert!(v["clones"]["slack-0001"].get("env").is_none());
}

#[test]
fn update_returns_the_closure_value_and_sees_earlier_writes() {
    let (_tmp, reg) = setup();
    reg.update(|d| {
        let r = record("slack-0001", CloneState::Creating);
        d.clones.insert(r.id.clone(), r);
        Ok(())
    })
    .unwrap();
    let n = reg.update(|d| Ok(d.clones.len())).unwrap();
    assert_eq!(n, 1);
}

#[test]
fn the_file_is_0600_even_if_it_was_loosened_by_hand() {
    let (_tmp, reg) = setup();
    reg.update(|d| {
        *d = sample();
        Ok(())
    })
    .unwrap();
    assert_eq!(mode(reg.path()), 0o600);

    fs::set_permissions(reg.path(), fs::Permissions::from_mode(0o644)).unwrap();
    reg.update(|d| {
        d.clones.clear();
        Ok(())
    })
    .unwrap();
    assert_eq!(mode(reg.path()), 0o600);
    assert_eq!(mode(&reg.path().with_file_name("registry.lock")), 0o600);
}

#[test]
fn an_update_that_changes_nothing_does_not_rewrite_a_current_file() {
    let (_tmp, reg) = setup();
    reg.update(|d| {
        *d = sample();
        Ok(())
    })
    .unwrap();
    let inode = fs::metadata(reg.path()).unwrap().ino();
    reg.update(|d| Ok(d.clones.len())).unwrap();
    assert_eq!(fs::metadata(reg.path()).unwrap().ino(), inode, "rename would give a new inode");
}

#[test]
fn an_update_whose_closure_fails_writes_nothing() {
    let (_tmp, reg) = setup();
    reg.update(|d| {
        *d = sample();
        Ok(())
    })
    .unwrap();
    let before = fs::read(reg.path()).unwrap();
    let err = reg
        .update(|d| -> Result<(), AsymError> {
            d.clones.clear();
            Err(AsymError::CloneNotFound { id: "nope-0000".into() })
        })
        .unwrap_err();
    assert_eq!(err.code(), "CLONE_NOT_FOUND");
    assert_eq!(fs::read(reg.path()).unwrap(), before);
    assert_eq!(reg.load().unwrap(), sample());
}

#[test]
fn a_v1_file_loads_as_v2_in_memory_and_is_rewritten_only_by_update() {
    let (_tmp, reg) = setup();
    fs::write(reg.path(), V1_FIXTURE).unwrap();

    let data = reg.load().unwrap();
    assert_eq!(fs::read_to_string(reg.path()).unwrap(), V1_FIXTURE, "load never writes");

    let ids: Vec<&str> = data.clones.keys().map(CloneId::as_str).collect();
    assert_eq!(ids, ["github-77ef", "slack-a1b2", "stripe-0c3d"]);
    let acme = &data.environments[&EnvName::parse("acme").unwrap()];
    let members: Vec<&str> = acme.members.iter().map(CloneId::as_str).collect();
    assert_eq!(members, ["slack-a1b2", "stripe-0c3d"], "clone array order");
    assert_eq!(acme.state, EnvState::Partial);
    assert!(acme.spec.as_deref().unwrap().starts_with("name: acme"));
    assert!(data.env_of(&CloneId::parse("github-77ef").unwrap()).is_none());
    let slack = &data.clones[&CloneId::parse("slack-a1b2").unwrap()];
    assert_eq!(slack.state, CloneState::Running);
    assert_eq!(slack.ports["web"], 7402);
    assert_eq!(slack.tokens.0["bot"], "xoxb-7401-1-k3yb0t");
    assert_eq!(slack.runtime["services"]["api"]["pid"], json!(41210));

    // Even an update that changes nothing writes the migrated form.
    reg.update(|_| Ok(())).unwrap();
    let v = on_disk(&reg);
    assert_eq!(v["schemaVersion"], json!(2));
    assert!(v.get("version").is_none());
    assert!(v["clones"].is_object() && v["environments"].is_object());
    assert!(v["clones"]["slack-a1b2"].get("env").is_none());
    assert_eq!(mode(reg.path()), 0o600);
    assert_eq!(reg.load().unwrap(), data);
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let (_tmp, reg) = setup();
    let newer = r#"{"schemaVersion": 3, "clones": {}, "environments": {}, "shards": []}"#;
    fs::write(reg.path(), newer).unwrap();

    let err = reg.load().unwrap_err();
    assert_eq!(err.code(), "REGISTRY_TOO_NEW");
    assert!(matches!(err, AsymError::RegistryTooNew { found: 3, supported: 2, .. }), "{err:?}");
    assert_eq!(reg.update(|_| Ok(())).unwrap_err().code(), "REGISTRY_TOO_NEW");
    assert_eq!(fs::read_to_string(reg.path()).unwrap(), newer);
}

#[test]
fn corrupt_files_are_named_errors_and_update_never_overwrites_them() {
    let cases: &[(&str, &str)] = &[
        ("{\"schemaVersion\": 2, \"clones\": {", "line 1 column"),
        ("not json at all", "line 1 column"),
        ("", "empty"),
        ("{\"clones\": {}, \"environments\": {}}", "no `schemaVersion`"),
        ("{\n  \"schemaVersion\": 2,\n  \"clones\": [],\n  \"environments\": {}\n}", "line 3 column"),
        ("{\"schemaVersion\": 2, \"clones\": {}, \"environments\": {\"acme\": 5}}", "line 1"),
        ("{\"schemaVersion\": \"2\", \"clones\": {}, \"environments\": {}}", "not a schema version"),
        ("{\"version\": 1, \"clones\": {}, \"environments\": []}", "migrating from schema 1"),
    ];
    for (content, needle) in cases {
        let (_tmp, reg) = setup();
        fs::write(reg.path(), content).unwrap();
        assert_corrupt(reg.load().unwrap_err(), needle);
        let err = reg
            .update(|d| {
                *d = sample();
                Ok(())
            })
            .unwrap_err();
        assert_corrupt(err, needle);
        assert_eq!(&fs::read_to_string(reg.path()).unwrap(), content);
    }
}

#[test]
fn a_key_that_disagrees_with_its_record_is_corrupt() {
    let (_tmp, reg) = setup();
    let mut v = serde_json::to_value(sample()).unwrap();
    v["schemaVersion"] = json!(2);
    let slack = v["clones"]["slack-0001"].take();
    v["clones"]["other-0009"] = slack;
    v["clones"].as_object_mut().unwrap().remove("slack-0001");
    fs::write(reg.path(), serde_json::to_vec(&v).unwrap()).unwrap();
    assert_corrupt(reg.load().unwrap_err(), "`other-0009` has id `slack-0001`");
}

#[test]
fn replace_keeps_a_copy_of_a_corrupt_file_then_overwrites_it() {
    let (_tmp, reg) = setup();
    fs::write(reg.path(), "garbage{").unwrap();
    reg.replace(&sample()).unwrap();
    assert_eq!(reg.load().unwrap(), sample());
    assert_eq!(mode(reg.path()), 0o600);

    let dir = reg.path().parent().unwrap();
    let copies: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with("registry.json.corrupt-"))
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    let suffix = copies[0].to_str().unwrap().rsplit('-').next().unwrap();
    assert!(suffix.parse::<u64>().unwrap() > 1_700_000_000, "unix seconds: {suffix}");
    assert_eq!(fs::read_to_string(&copies[0]).unwrap(), "garbage{");
    assert_eq!(mode(&copies[0]), 0o600, "the copy may hold tokens too");

    // A healthy file is simply overwritten.
    reg.replace(&RegistryData::default()).unwrap();
    assert_eq!(reg.load().unwrap(), RegistryData::default());
    let count = fs::read_dir(dir).unwrap().count();
    assert_eq!(count, 3, "registry.json, registry.lock and one copy");
}

#[test]
fn concurrent_updates_from_many_handles_lose_nothing() {
    let (tmp, _reg) = setup();
    let home = tmp.path().join("home");
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let home = home.clone();
            std::thread::spawn(move || {
                let reg = Registry::open(&home).unwrap();
                for i in 0..10 {
                    reg.update(|d| {
                        let r = record(&format!("t{t}-{i}"), CloneState::Running);
                        d.clones.insert(r.id.clone(), r);
                        Ok(())
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let data = Registry::open(&home).unwrap().load().unwrap();
    assert_eq!(data.clones.len(), 160);
    for t in 0..16 {
        for i in 0..10 {
            assert!(data.clones.contains_key(&CloneId::parse(&format!("t{t}-{i}")).unwrap()));
        }
    }
}
