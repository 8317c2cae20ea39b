use asym_contract::Result;
use asym_engine::Engine;

use crate::Exit;
use crate::args::TokensArgs;
use crate::printer::Printer;

pub async fn run(engine: &Engine, p: &Printer, a: TokensArgs) -> Result<Exit> {
    let tokens = engine.tokens(&a.id, a.reprovision).await?;
    if p.json {
        p.json(&serde_json::json!({ "id": a.id, "tokens": tokens }));
    } else {
        if a.reprovision {
            p.ok(format!("{}: new tokens minted; the old ones are revoked", a.id));
        }
        for (name, token) in &tokens.0 {
            p.line(format!("{name:<5} {token}"));
        }
    }
    Ok(Exit::Success)
}
