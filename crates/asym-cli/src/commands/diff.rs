use asym_contract::Result;
use asym_contract::diff::CloneDiff;
use asym_engine::Engine;

use crate::Exit;
use crate::args::DiffArgs;
use crate::printer::Printer;

pub async fn run(engine: &Engine, p: &Printer, a: &DiffArgs) -> Result<Exit> {
    let diff = engine.diff(&a.id, a.since.as_deref()).await?;
    if p.json {
        p.json(&diff);
    } else {
        render(p, &a.id, &diff);
    }
    Ok(Exit::Success)
}

pub async fn run_env(engine: &Engine, p: &Printer, a: &DiffArgs) -> Result<Exit> {
    let diffs = engine.env_diff(&a.id, a.since.as_deref()).await?;
    if p.json {
        p.json(&diffs);
    } else {
        for (id, d) in &diffs {
            render(p, id, d);
        }
    }
    Ok(Exit::Success)
}

fn render(p: &Printer, id: &str, d: &CloneDiff) {
    if d.resources.is_empty() {
        p.line(format!("{id}: no changes since {}", d.since));
        return;
    }
    p.line(format!("{id}: changes since {}", d.since));
    for (name, r) in &d.resources {
        p.line(format!("  {name}: {} added, {} removed, {} changed", r.added.len(), r.removed.len(), r.changed.len()));
        for row in &r.added {
            p.line(format!("    + {}", serde_json::to_string(row).unwrap_or_default()));
        }
        for row in &r.removed {
            p.line(format!("    - {}", serde_json::to_string(row).unwrap_or_default()));
        }
        for c in &r.changed {
            let fields: Vec<String> = c.fields.iter().map(|(f, ch)| format!("{f}: {} → {}", ch.from, ch.to)).collect();
            p.line(format!("    ~ {} {}", serde_json::to_string(&c.key).unwrap_or_default(), fields.join(", ")));
        }
    }
}
