use asym_contract::{AsymError, Result};
use asym_engine::Engine;
use asym_eval::Report;

use crate::Exit;
use crate::args::EvalArgs;
use crate::printer::Printer;

pub async fn run(engine: &Engine, p: &Printer, a: &EvalArgs) -> Result<Exit> {
    let (Some(target), Some(path)) = (&a.target, &a.checks) else {
        return Err(AsymError::Internal("clap requires a target and a checks file without --schema".into()));
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| AsymError::io(format!("reading checks file {shown}"), e))?;
    let report = engine.eval(target, &shown, &text, a.since.as_deref()).await?;
    if p.json {
        p.json(&report);
    } else {
        render(p, &report);
    }
    Ok(if report.passed { Exit::Success } else { Exit::Failure })
}

pub fn schema(p: &Printer) -> Result<Exit> {
    p.json(&asym_spec::checks_json_schema());
    Ok(Exit::Success)
}

fn render(p: &Printer, r: &Report) {
    for c in &r.checks {
        let mark = match (c.passed, c.required) {
            (true, _) => p.state("pass"),
            (false, true) => p.state("FAIL"),
            (false, false) => p.state("miss"),
        };
        let points = format!("{}/{}", trim(c.points), trim(c.weight));
        p.line(format!("{mark}  {points:>7}  {}: {}", c.name, c.detail));
        for e in &c.evidence {
            p.line(format!("               {}", p.dim(e)));
        }
    }
    let percent = if r.total > 0.0 { r.score / r.total * 100.0 } else { 100.0 };
    let verdict = if r.passed { "passed" } else { "failed" };
    p.line(format!("score {}/{} ({percent:.0}%): {verdict}", trim(r.score), trim(r.total)));
}

/// `3` rather than `3.0`, `1.333` as is.
fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
