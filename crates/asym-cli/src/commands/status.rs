use asym_contract::Result;
use asym_engine::{Catalog, Engine};
use comfy_table::{Table, presets::NOTHING};

use crate::Exit;
use crate::printer::Printer;

pub async fn run(engine: &Engine, p: &Printer, id: Option<&str>) -> Result<Exit> {
    let clones = match id {
        Some(id) => vec![engine.get(id, false).await?],
        None => engine.list().await?,
    };
    if p.json {
        if id.is_some() {
            p.json(&clones[0]);
        } else {
            p.json(&serde_json::json!({ "clones": clones }));
        }
        return Ok(Exit::Success);
    }
    if clones.is_empty() {
        p.line("No clones. Spin one with `asym spin slack --seed acme-corp`.");
        return Ok(Exit::Success);
    }
    let mut t = Table::new();
    t.load_preset(NOTHING);
    t.set_header(["ID", "TEMPLATE", "MODE", "STATE", "API", "ENV", "SEED", "TOKENS"]);
    for c in &clones {
        t.add_row([
            c.id.to_string(),
            c.template.clone(),
            c.mode.clone(),
            p.state(c.state.as_str()),
            c.api.clone().unwrap_or_default(),
            c.env.as_ref().map(|e| e.to_string()).unwrap_or_else(|| "-".into()),
            if c.seed.is_empty() { "-".into() } else { c.seed.fixtures.join("+") },
            c.tokens.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "),
        ]);
    }
    p.line(t.to_string());
    Ok(Exit::Success)
}

pub fn templates(p: &Printer, catalog: &Catalog) -> Result<Exit> {
    let entries: Vec<_> = catalog.entries().collect();
    if p.json {
        let list: Vec<_> = entries
            .iter()
            .map(|e| {
                serde_json::json!({
                    "name": e.manifest.name,
                    "displayName": e.manifest.display_name,
                    "realProduct": e.manifest.real_product,
                    "modes": e.manifest.modes,
                    "fixtures": e.fixtures,
                    "builtin": e.builtin(),
                    "dir": e.dir,
                })
            })
            .collect();
        p.json(&serde_json::json!({ "templates": list }));
        return Ok(Exit::Success);
    }
    let mut t = Table::new();
    t.load_preset(NOTHING);
    t.set_header(["TEMPLATE", "PRODUCT", "MODES", "FIXTURES", "SOURCE"]);
    for e in entries {
        t.add_row([
            e.manifest.name.clone(),
            e.manifest.display_name.clone(),
            e.manifest.modes.iter().map(|m| m.name.clone()).collect::<Vec<_>>().join(", "),
            e.fixtures.join(", "),
            e.dir.as_ref().map(|d| d.display().to_string()).unwrap_or_else(|| "built-in".into()),
        ]);
    }
    p.line(t.to_string());
    Ok(Exit::Success)
}
