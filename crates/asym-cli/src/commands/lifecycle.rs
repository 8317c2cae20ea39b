use std::time::Instant;

use asym_contract::Result;
use asym_engine::Engine;

use crate::Exit;
use crate::printer::Printer;

pub async fn start(engine: &Engine, p: &Printer, id: &str) -> Result<Exit> {
    let spinner = p.spinner(&format!("starting {id}"));
    let c = engine.start(id).await?;
    drop(spinner);
    if p.json {
        p.json(&c);
    } else {
        p.ok(format!("{} {}", c.id, p.state(c.state.as_str())));
    }
    Ok(Exit::Success)
}

pub async fn stop(engine: &Engine, p: &Printer, id: &str) -> Result<Exit> {
    let c = engine.stop(id).await?;
    if p.json {
        p.json(&c);
    } else {
        p.ok(format!("{} {}", c.id, p.state(c.state.as_str())));
    }
    Ok(Exit::Success)
}

pub async fn reset(engine: &Engine, p: &Printer, id: &str) -> Result<Exit> {
    let started = Instant::now();
    let clone_ms = engine.reset(id).await?;
    let total = started.elapsed().as_secs_f64() * 1000.0;
    if p.json {
        p.json(&serde_json::json!({ "id": id, "reset": true, "cloneMillis": clone_ms, "millis": total }));
    } else {
        p.ok(format!("{id} reset in {total:.0} ms"));
    }
    Ok(Exit::Success)
}

pub async fn destroy(engine: &Engine, p: &Printer, id: &str) -> Result<Exit> {
    engine.destroy(id).await?;
    if p.json {
        p.json(&serde_json::json!({ "id": id, "destroyed": true }));
    } else {
        p.ok(format!("{id} destroyed"));
    }
    Ok(Exit::Success)
}
