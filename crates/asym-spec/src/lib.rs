//! Strict parsing of the files a user writes by hand: an environment spec
//! (`acme.env.yaml`), a checks file for `asym eval` and `$ASYM_HOME/config.json`.
//!
//! All are parsed with `deny_unknown_fields`, and every failure is turned into
//! one line that names the file, the place and the fix (did-you-mean for keys).

mod checks;
mod config;
mod env_spec;
mod suggest;

pub use checks::{
    Check, CheckKind, Count, Expectation, IgnoreSpec, JournalSpec, Matcher, Pattern, Predicate, Transition, checks_json_schema,
    parse_checks,
};
pub use config::{load_config, parse_config};
pub use env_spec::{EnvCloneSpec, EnvSpec, env_spec_json_schema, parse_env_spec};
pub use suggest::did_you_mean;
