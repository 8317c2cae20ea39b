use asym_contract::Result;
use asym_engine::Engine;

use crate::Exit;
use crate::printer::Printer;

pub async fn take(engine: &Engine, p: &Printer, id: &str, name: &str) -> Result<Exit> {
    let spinner = p.spinner(&format!("snapshotting {id} as {name}"));
    let millis = engine.snapshot(id, name).await?;
    drop(spinner);
    if p.json {
        p.json(&serde_json::json!({ "id": id, "snapshot": name, "millis": millis }));
    } else {
        p.ok(format!("{id} snapshot `{name}` taken in {millis:.0} ms"));
    }
    Ok(Exit::Success)
}

pub async fn restore(engine: &Engine, p: &Printer, id: &str, name: &str) -> Result<Exit> {
    let spinner = p.spinner(&format!("restoring {id} to {name}"));
    let millis = engine.restore(id, name).await?;
    drop(spinner);
    if p.json {
        p.json(&serde_json::json!({ "id": id, "restored": name, "millis": millis }));
    } else {
        p.ok(format!("{id} restored to `{name}` in {millis:.0} ms"));
    }
    Ok(Exit::Success)
}

pub fn list(engine: &Engine, p: &Printer, id: &str) -> Result<Exit> {
    let snapshots = engine.snapshots(id)?;
    if p.json {
        p.json(&serde_json::json!({ "id": id, "snapshots": snapshots }));
    } else if snapshots.is_empty() {
        p.line(format!("{id} has no snapshots (take one with `asym snapshot {id} <name>`)"));
    } else {
        for s in &snapshots {
            p.line(format!("{:<24} {}", s.name, s.created_at));
        }
    }
    Ok(Exit::Success)
}
