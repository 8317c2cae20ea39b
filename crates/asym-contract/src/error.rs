//! The named error enum. Each variant has a stable code, one line of message
//! (values in backticks, no trailing period) and, where a next step exists, a hint.

use std::path::PathBuf;

pub type Result<T, E = AsymError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AsymError {
    #[error("no free port in the range {start}-{end}")]
    NoFreePorts { start: u16, end: u16 },
    #[error("port {port} is already in use")]
    PortInUse { port: u16 },
    #[error("clone `{id}` service `{service}` failed to start: {reason}")]
    CloneStartFailed { id: String, service: String, reason: String },
    #[error("clone `{id}` service `{service}` was not healthy after {waited_ms} ms")]
    HealthTimeout { id: String, service: String, waited_ms: u64 },
    #[error("clone `{id}` has no `{what}` in its database; it was never migrated or the file was replaced")]
    SchemaMissing { id: String, what: String },
    #[error("seed `{fixture}` is invalid: {reason}")]
    SeedValidation { fixture: String, reason: String },
    #[error("nothing to seed")]
    NothingToSeed,
    #[error("fixture `{fixture}` not found for template `{template}`")]
    FixtureNotFound { template: String, fixture: String, known: Vec<String> },
    #[error("clone `{id}` not found")]
    CloneNotFound { id: String },
    #[error("environment `{name}` not found")]
    EnvNotFound { name: String },
    #[error("a clone named `{id}` already exists")]
    CloneExists { id: String },
    #[error("an environment named `{name}` already exists")]
    EnvExists { name: String },
    #[error("template `{name}` not found")]
    TemplateNotFound { name: String, suggestion: Option<String> },
    #[error("template `{template}` has no mode `{mode}`")]
    ModeNotFound { template: String, mode: String, known: Vec<String> },
    #[error("template `{template}` has no service `{service}`")]
    ServiceNotFound { template: String, service: String, known: Vec<String> },
    #[error("manifest {path} is invalid: {reason}")]
    ManifestInvalid { path: String, reason: String },
    #[error("registry {path} is corrupt: {reason}")]
    RegistryCorrupt { path: PathBuf, reason: String },
    #[error("registry {path} has schema version {found}, newer than this binary understands ({supported})")]
    RegistryTooNew { path: PathBuf, found: u32, supported: u32 },
    #[error("{path}: {reason}")]
    EnvSpecInvalid { path: String, reason: String },
    #[error("{path}: {reason}")]
    ConfigInvalid { path: String, reason: String },
    #[error("{path}: {reason}")]
    ChecksInvalid { path: String, reason: String },
    #[error("clone `{id}` has no resource `{name}`")]
    ResourceNotFound { id: String, name: String, known: Vec<String> },
    #[error("invalid {kind} `{value}`: {reason}")]
    InvalidName { kind: &'static str, value: String, reason: String },
    #[error("clone `{id}` is {state}, not running")]
    CloneNotRunning { id: String, state: String },
    #[error("clone `{id}` did not answer its control route {route}: {reason}")]
    CloneUnreachable { id: String, route: String, reason: String },
    #[error("template `{template}` has no provision surface")]
    NoProvisionSurface { template: String },
    #[error("{what} is not built yet")]
    NotImplemented { what: String },
    #[error("the {provider} provider is unavailable: {reason}")]
    ProviderUnavailable { provider: String, reason: String },
    #[error("no LLM is configured")]
    LlmUnavailable,
    #[error("could not fetch docs from {url}: {reason}")]
    DocsFetchFailed { url: String, reason: String },
    #[error("clone `{id}` refused {route}: {reason}")]
    ControlRejected { id: String, route: String, reason: String },
    #[error("{backend} is unreachable: {reason}")]
    BackendUnreachable { backend: String, reason: String },
    #[error("{what} already exists on the shared server")]
    StorageExists { what: String },
    #[error("snapshot `{name}` of clone `{id}` not found")]
    SnapshotNotFound { id: String, name: String, known: Vec<String> },
    #[error("database error on {target}: {reason}")]
    Database { target: String, reason: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl AsymError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        AsymError::Io { context: context.into(), source }
    }

    /// The stable code scripts match on. Never rename one: add a new variant instead.
    pub fn code(&self) -> &'static str {
        use AsymError::*;
        match self {
            NoFreePorts { .. } => "NO_FREE_PORTS",
            PortInUse { .. } => "PORT_IN_USE",
            CloneStartFailed { .. } => "CLONE_START_FAILED",
            HealthTimeout { .. } => "HEALTH_TIMEOUT",
            SchemaMissing { .. } => "SCHEMA_MISSING",
            SeedValidation { .. } => "SEED_VALIDATION",
            NothingToSeed => "NOTHING_TO_SEED",
            FixtureNotFound { .. } => "FIXTURE_NOT_FOUND",
            CloneNotFound { .. } => "CLONE_NOT_FOUND",
            EnvNotFound { .. } => "ENV_NOT_FOUND",
            CloneExists { .. } => "CLONE_EXISTS",
            EnvExists { .. } => "ENV_EXISTS",
            TemplateNotFound { .. } => "TEMPLATE_NOT_FOUND",
            ModeNotFound { .. } => "MODE_NOT_FOUND",
            ServiceNotFound { .. } => "SERVICE_NOT_FOUND",
            ManifestInvalid { .. } => "MANIFEST_INVALID",
            RegistryCorrupt { .. } => "REGISTRY_CORRUPT",
            RegistryTooNew { .. } => "REGISTRY_TOO_NEW",
            EnvSpecInvalid { .. } => "ENV_SPEC_INVALID",
            ConfigInvalid { .. } => "CONFIG_INVALID",
            ChecksInvalid { .. } => "CHECKS_INVALID",
            ResourceNotFound { .. } => "RESOURCE_NOT_FOUND",
            InvalidName { .. } => "INVALID_NAME",
            CloneNotRunning { .. } => "CLONE_NOT_RUNNING",
            CloneUnreachable { .. } => "CLONE_UNREACHABLE",
            NoProvisionSurface { .. } => "NO_PROVISION_SURFACE",
            NotImplemented { .. } => "NOT_IMPLEMENTED",
            ProviderUnavailable { .. } => "PROVIDER_UNAVAILABLE",
            BackendUnreachable { .. } => "BACKEND_UNREACHABLE",
            ControlRejected { .. } => "CONTROL_REJECTED",
            SnapshotNotFound { .. } => "SNAPSHOT_NOT_FOUND",
            StorageExists { .. } => "STORAGE_EXISTS",
            LlmUnavailable => "LLM_UNAVAILABLE",
            DocsFetchFailed { .. } => "DOCS_FETCH_FAILED",
            Database { .. } => "DATABASE_ERROR",
            Io { .. } => "IO_ERROR",
            Internal(_) => "INTERNAL",
        }
    }

    /// Named errors exit 1; an internal error is a bug and exits 2.
    pub fn exit_code(&self) -> i32 {
        match self {
            AsymError::Internal(_) => 2,
            _ => 1,
        }
    }

    /// One next step for the user, when there is one.
    pub fn hint(&self) -> Option<String> {
        use AsymError::*;
        Some(match self {
            NoFreePorts { .. } => "widen `portRange` in config.json or destroy clones you no longer need (`asym ls`)".into(),
            PortInUse { .. } => "stop whatever holds the port, or retry: the next spin picks another port".into(),
            CloneStartFailed { id, service, .. } | HealthTimeout { id, service, .. } => {
                format!("see the log with `asym logs {id} --service {service} --tail 50`")
            }
            SchemaMissing { id, .. } => format!("`asym reset {id}` restores the seeded database"),
            NothingToSeed => "pass --fixture <name> (see `asym ls --templates`)".into(),
            FixtureNotFound { known, .. } => format!("known fixtures: {}", list(known)),
            CloneNotFound { .. } => "list clones with `asym ls`".into(),
            EnvNotFound { .. } => "list environments with `asym env ls`".into(),
            CloneExists { id } => format!("pick another --name, or `asym destroy {id}` first"),
            EnvExists { name } => format!("`asym env destroy {name}` first, or rename it in the spec"),
            TemplateNotFound { suggestion: Some(s), .. } => format!("did you mean `{s}`? (`asym ls --templates` lists them)"),
            TemplateNotFound { .. } => "`asym ls --templates` lists the templates".into(),
            ModeNotFound { known, .. } => format!("modes: {}", list(known)),
            ServiceNotFound { known, .. } => format!("services: {}", list(known)),
            RegistryCorrupt { .. } => "`asym doctor` rebuilds the registry from the clones that exist".into(),
            RegistryTooNew { .. } => "upgrade asymmetric, or point ASYM_HOME at another folder".into(),
            CloneNotRunning { id, .. } => format!("start it with `asym start {id}`"),
            CloneUnreachable { id, .. } => format!("`asym status {id}` shows whether it is up; `asym logs {id}` shows why not"),
            ProviderUnavailable { .. } => "`asym doctor` checks the machine".into(),
            BackendUnreachable { backend, .. } if backend.starts_with("PostgreSQL") => {
                "start it (`service postgresql start`) or unset ASYM_DATABASE_URL / `databaseUrl` to use the embedded SQLite".into()
            }
            BackendUnreachable { .. } => {
                "start it (`redis-server --daemonize yes`) or unset ASYM_REDIS_URL / `redisUrl` to use the in-process store".into()
            }
            StorageExists { .. } => {
                "another ASYM_HOME on this server uses the same clone id, or a destroy was cut short; pick another --name".into()
            }
            ChecksInvalid { .. } => "`asym eval --schema` prints the JSON Schema of checks files".into(),
            ResourceNotFound { id, name, known } => match did_you_mean(name, known) {
                Some(s) => format!("did you mean `{s}`? resources of `{id}`: {}", list(known)),
                None => format!("resources of `{id}`: {}", list(known)),
            },
            SnapshotNotFound { id, known, .. } => format!("snapshots of `{id}`: {} (`asym snapshots {id}`)", list(known)),
            LlmUnavailable => "set ASYM_LLM_URL to an OpenAI-compatible endpoint".into(),
            Internal(_) => "this is a bug in asymmetric; please report it with the command you ran".into(),
            _ => return None,
        })
    }
}

/// The closest of `known` to `name`, when it is close enough to be a typo.
fn did_you_mean<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (k.as_str(), strsim::jaro_winkler(name, k)))
        .filter(|(_, s)| *s >= 0.8)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, _)| k)
}

fn list(items: &[String]) -> String {
    if items.is_empty() { "(none)".into() } else { items.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ") }
}

impl From<serde_json::Error> for AsymError {
    fn from(e: serde_json::Error) -> Self {
        AsymError::Internal(format!("json: {e}"))
    }
}
