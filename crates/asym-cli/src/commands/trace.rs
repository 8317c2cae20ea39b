use asym_contract::Result;
use asym_engine::Engine;
use asym_engine::trace::{TraceFilter, Traced};
use futures_util::StreamExt;

use crate::Exit;
use crate::args::TraceArgs;
use crate::printer::Printer;

/// `asym trace <id>` (or `asym env trace <env>` when `env`): one line per request,
/// or one JSON object per line with `--json`.
pub async fn run(engine: &Engine, p: &Printer, a: &TraceArgs, env: bool) -> Result<Exit> {
    let filter = TraceFilter { status: a.filter.status.clone(), method: a.filter.method.clone() };
    let mut entries =
        if env { engine.env_trace(&a.id, filter, a.filter.follow).await? } else { engine.trace(&a.id, filter, a.filter.follow).await? };
    while let Some(t) = entries.next().await {
        let t = t?;
        if p.json {
            p.line(serde_json::to_string(&t)?);
        } else {
            p.line(render(&t, env));
        }
    }
    Ok(Exit::Success)
}

fn render(t: &Traced, env: bool) -> String {
    let e = &t.entry;
    let time = e.time.get(11..23).unwrap_or(&e.time);
    let outcome = match &e.error {
        Some(code) => format!("{} {code}", e.status),
        None => e.status.to_string(),
    };
    let who = e.principal.as_deref().unwrap_or("-");
    let clone = if env { format!("{:<14} ", t.clone) } else { String::new() };
    let via = e.via.as_deref().map(|v| format!("  ({v})")).unwrap_or_default();
    format!("{time}  {clone}{:<28} {:<24} {:>7.1} ms  {who}{via}", e.rpc(), outcome, e.latency_ms)
}
