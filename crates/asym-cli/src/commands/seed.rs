use asym_contract::{AsymError, Result};
use asym_engine::Engine;

use crate::Exit;
use crate::args::SeedArgs;
use crate::printer::Printer;

pub async fn run(engine: &Engine, p: &Printer, a: SeedArgs) -> Result<Exit> {
    if a.ai {
        return Err(AsymError::NotImplemented { what: "`asym seed --ai` (LLM-generated seed data)".into() });
    }
    if a.generate {
        return Err(AsymError::NotImplemented { what: "`asym seed --generate` (generated seed data)".into() });
    }
    let result = match engine.seed(&a.id, a.fixture.as_deref()).await {
        Err(AsymError::NothingToSeed) => {
            if p.json {
                p.json(&serde_json::json!({ "error": { "code": "NOTHING_TO_SEED" } }));
            }
            eprintln!("Nothing to seed. Pass --fixture <name> (see `asym ls --templates`).");
            return Ok(Exit::Failure);
        }
        other => other?,
    };
    if p.json {
        p.json(&result);
    } else {
        let rows: Vec<String> = result.rows.iter().map(|(t, n)| format!("{n} {t}")).collect();
        p.ok(format!("{} seeded with {} in {} ms ({})", a.id, result.fixture, result.millis, rows.join(", ")));
    }
    Ok(Exit::Success)
}
