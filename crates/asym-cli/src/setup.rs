//! Settings resolution: `ASYM_HOME`, config.json (+ environment overrides), the
//! template catalog and the provider, assembled into an [`Engine`].

use std::path::PathBuf;
use std::sync::Arc;

use asym_contract::{AsymError, CloneProvider, Config, ProviderContext, Result};
use asym_engine::{BuiltinTemplate, Catalog, Engine};

use crate::builtin;

pub fn home() -> Result<PathBuf> {
    if let Some(h) = std::env::var_os("ASYM_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(h));
    }
    let base = std::env::var_os("HOME").filter(|h| !h.is_empty()).ok_or_else(|| AsymError::ConfigInvalid {
        path: "$HOME".into(),
        reason: "neither ASYM_HOME nor HOME is set; set ASYM_HOME to a folder for asymmetric's state".into(),
    })?;
    Ok(PathBuf::from(base).join(".asymmetric"))
}

pub fn catalog() -> Result<Catalog> {
    let builtins: Vec<BuiltinTemplate> = builtin::templates()
        .iter()
        .map(|t| BuiltinTemplate { manifest: t.manifest().clone(), fixtures: t.fixtures().iter().map(|f| f.name.to_string()).collect() })
        .collect();
    let dir = std::env::var_os("ASYM_TEMPLATES_DIR").filter(|d| !d.is_empty()).map(PathBuf::from);
    Catalog::load(&builtins, dir.as_deref())
}

fn provider(home: &std::path::Path, config: &Config) -> Result<Arc<dyn CloneProvider>> {
    let ctx = ProviderContext { home: home.to_path_buf(), config: config.clone() };
    match config.provider.as_str() {
        "local" => {
            let exe = std::env::current_exe().map_err(|e| AsymError::io("locating the asymmetric binary", e))?;
            Ok(Arc::new(asym_provider_local::LocalProvider::new(&ctx, exe)))
        }
        other => Err(AsymError::NotImplemented { what: format!("the `{other}` provider") }),
    }
}

pub fn engine() -> Result<Engine> {
    let home = home()?;
    let config = asym_spec::load_config(&home)?;
    let provider = provider(&home, &config)?;
    Engine::new(&home, config, catalog()?, provider)
}
