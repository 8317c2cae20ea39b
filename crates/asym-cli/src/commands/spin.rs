use asym_contract::{AsymError, CloneInstance, EnvName, Result};
use asym_engine::{Engine, SpinRequest};

use crate::Exit;
use crate::args::SpinArgs;
use crate::printer::Printer;

pub async fn run(engine: &Engine, p: &Printer, a: SpinArgs) -> Result<Exit> {
    if a.name.is_some() && a.templates.len() > 1 {
        return Err(AsymError::InvalidName {
            kind: "clone id",
            value: a.name.unwrap_or_default(),
            reason: "--name names one clone; spin one template at a time with it".into(),
        });
    }
    let requests: Vec<SpinRequest> = a
        .templates
        .iter()
        .map(|t| SpinRequest {
            template: t.clone(),
            mode: a.mode.clone(),
            seed: a.seed.clone(),
            name: a.name.clone(),
            expose: a.expose,
            rate_limits: !a.no_rate_limits,
        })
        .collect();
    for r in &requests {
        engine.validate_spin(r)?;
    }
    let spinner = p.spinner("spinning");
    if let Some(group) = &a.group {
        let name = EnvName::parse(group)?;
        let report = engine.spin_into(&name, None, &requests, &spinner).await?;
        drop(spinner);
        return super::env::render_spin_report(p, &report);
    }
    if requests.len() == 1 {
        let spun = engine.spin(&requests[0], &spinner).await?;
        drop(spinner);
        if p.json {
            p.json(&serde_json::json!({ "clone": spun.instance, "millis": spun.millis }));
        } else {
            render(p, &spun.instance, spun.millis);
        }
        return Ok(Exit::Success);
    }
    let mut spun = Vec::new();
    let mut failed = Vec::new();
    for r in &requests {
        match engine.spin(r, &spinner).await {
            Ok(s) => spun.push(s),
            Err(e) => failed.push((r.template.clone(), e)),
        }
    }
    drop(spinner);
    if p.json {
        p.json(&serde_json::json!({
            "clones": spun.iter().map(|s| serde_json::json!({ "clone": s.instance, "millis": s.millis })).collect::<Vec<_>>(),
            "failed": failed.iter().map(|(t, e)| serde_json::json!({ "template": t, "code": e.code(), "message": e.to_string() })).collect::<Vec<_>>(),
        }));
    } else {
        for s in &spun {
            render(p, &s.instance, s.millis);
        }
        for (_, e) in &failed {
            p.error(e);
        }
    }
    Ok(if failed.is_empty() { Exit::Success } else { Exit::Failure })
}

pub fn render(p: &Printer, c: &CloneInstance, millis: f64) {
    p.ok(format!("{} ready in {:.0} ms", p.bold(c.id.as_str()), millis));
    if let Some(api) = &c.api {
        p.line(format!("  {}  {api}", p.dim("api  ")));
    }
    if let Some(mcp) = &c.mcp {
        p.line(format!("  {}  {mcp}", p.dim("mcp  ")));
    }
    if let Some(web) = &c.web {
        p.line(format!("  {}  {web}", p.dim("web  ")));
    }
    if !c.seed.is_empty() {
        p.line(format!("  {}  {}", p.dim("seed "), c.seed.fixtures.join(" + ")));
    }
    for (name, token) in &c.tokens.0 {
        p.line(format!("  {}  {token}", p.dim(&format!("{name:<5}"))));
    }
}
