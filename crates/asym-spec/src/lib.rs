//! Strict parsing of the two files a user writes by hand: an environment spec
//! (`acme.env.yaml`) and `$ASYM_HOME/config.json`.
//!
//! Both are parsed with `deny_unknown_fields`, and every failure is turned into
//! one line that names the file, the place and the fix (did-you-mean for keys).

mod config;
mod env_spec;
mod suggest;

pub use config::{load_config, parse_config};
pub use env_spec::{EnvCloneSpec, EnvSpec, env_spec_json_schema, parse_env_spec};
pub use suggest::did_you_mean;
