use asym_contract::{LogRequest, Result};
use asym_engine::Engine;
use futures_util::StreamExt;

use crate::Exit;
use crate::args::LogsArgs;
use crate::printer::Printer;

pub async fn run(engine: &Engine, p: &Printer, a: LogsArgs) -> Result<Exit> {
    let req = LogRequest { service: a.service, tail: a.tail, follow: a.follow };
    let mut lines = engine.logs(&a.id, &req).await?;
    while let Some(line) = lines.next().await {
        let line = line?;
        if p.json {
            p.line(serde_json::json!({ "line": line }).to_string());
        } else {
            p.line(line);
        }
    }
    Ok(Exit::Success)
}
