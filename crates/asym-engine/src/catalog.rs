//! The templates this binary can spin: the built-in ones, plus folders under
//! `ASYM_TEMPLATES_DIR` (each with a `clone.manifest.json`) that add templates or
//! override built-in ones by name.

use std::collections::BTreeMap;
use std::path::Path;

use asym_contract::{AsymError, CatalogEntry, Result, TemplateManifest};

/// A template compiled into the binary: its manifest and fixture names.
pub struct BuiltinTemplate {
    pub manifest: TemplateManifest,
    pub fixtures: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: BTreeMap<String, CatalogEntry>,
}

impl Catalog {
    pub fn load(builtins: &[BuiltinTemplate], templates_dir: Option<&Path>) -> Result<Catalog> {
        let mut entries = BTreeMap::new();
        for b in builtins {
            let manifest = b.manifest.clone();
            entries.insert(manifest.name.clone(), CatalogEntry { manifest, dir: None, fixtures: b.fixtures.clone() });
        }
        if let Some(dir) = templates_dir {
            let builtin_names: Vec<String> = entries.keys().cloned().collect();
            for entry in load_dir(dir)? {
                let name = entry.manifest.name.clone();
                for s in &entry.manifest.services {
                    if s.command.is_none() && !builtin_names.contains(&name) {
                        return Err(AsymError::ManifestInvalid {
                            path: manifest_path(entry.dir.as_deref()),
                            reason: format!("service `{}` has no `command` and there is no built-in template `{name}` to run it", s.name),
                        });
                    }
                }
                entries.insert(name, entry);
            }
        }
        Ok(Catalog { entries })
    }

    pub fn get(&self, name: &str) -> Result<&CatalogEntry> {
        self.entries.get(name).ok_or_else(|| AsymError::TemplateNotFound {
            name: name.into(),
            suggestion: self
                .entries
                .keys()
                .map(|k| (strsim::jaro_winkler(k, name), k))
                .filter(|(score, _)| *score > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, k)| k.clone()),
        })
    }

    pub fn entries(&self) -> impl Iterator<Item = &CatalogEntry> {
        self.entries.values()
    }

    /// Checks a fixture name against what the template ships.
    pub fn check_fixture(&self, template: &str, fixture: &str) -> Result<()> {
        let entry = self.get(template)?;
        if entry.fixtures.iter().any(|f| f == fixture) {
            Ok(())
        } else {
            Err(AsymError::FixtureNotFound { template: template.into(), fixture: fixture.into(), known: entry.fixtures.clone() })
        }
    }
}

fn manifest_path(dir: Option<&Path>) -> String {
    dir.map(|d| d.join("clone.manifest.json").display().to_string()).unwrap_or_default()
}

fn load_dir(dir: &Path) -> Result<Vec<CatalogEntry>> {
    let read = std::fs::read_dir(dir).map_err(|e| AsymError::io(format!("reading ASYM_TEMPLATES_DIR {}", dir.display()), e))?;
    let mut out = Vec::new();
    let mut folders: Vec<_> = read.flatten().map(|e| e.path()).filter(|p| p.join("clone.manifest.json").is_file()).collect();
    folders.sort();
    for folder in folders {
        let path = folder.join("clone.manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|e| AsymError::io(format!("reading {}", path.display()), e))?;
        let manifest = TemplateManifest::from_json(&path.display().to_string(), &text)?;
        let pattern = folder.join(&manifest.seed.fixtures).display().to_string();
        let mut fixtures: Vec<String> = glob::glob(&pattern)
            .map_err(|e| AsymError::ManifestInvalid { path: path.display().to_string(), reason: format!("seed.fixtures: {e}") })?
            .flatten()
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect();
        fixtures.sort();
        out.push(CatalogEntry { manifest, dir: Some(folder), fixtures });
    }
    Ok(out)
}
