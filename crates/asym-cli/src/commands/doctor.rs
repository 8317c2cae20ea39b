use asym_contract::Result;
use asym_engine::Engine;

use crate::Exit;
use crate::printer::Printer;

pub async fn run(engine: &Engine, p: &Printer) -> Result<Exit> {
    let report = engine.doctor().await?;
    if p.json {
        p.json(&report);
    } else {
        for c in &report.checks {
            let mark = if c.ok { p.state("running").replace("running", "ok  ") } else { p.state("failed").replace("failed", "FAIL") };
            p.line(format!("{mark} {:<18} {}", c.name, c.detail));
            if let Some(fix) = &c.fix {
                p.line(format!("     {:<18} fix: {fix}", ""));
            }
        }
    }
    Ok(if report.ok() { Exit::Success } else { Exit::Failure })
}
