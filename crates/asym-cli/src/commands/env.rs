use asym_contract::Result;
use asym_engine::Engine;
use asym_engine::env::EnvReport;
use comfy_table::{Table, presets::NOTHING};

use crate::Exit;
use crate::args::EnvCommand;
use crate::printer::Printer;

pub async fn run(engine: &Engine, p: &Printer, command: EnvCommand) -> Result<Exit> {
    match command {
        EnvCommand::Spin { file } => {
            let spinner = p.spinner(&format!("spinning {}", file.display()));
            let report = engine.env_spin(&file, &spinner).await?;
            drop(spinner);
            render_spin_report(p, &report)
        }
        EnvCommand::Status { name } => {
            let view = engine.env_status(&name).await?;
            if p.json {
                p.json(&view);
            } else {
                p.line(format!("{} {} {}", p.bold(&view.name), p.state(view.state.as_str()), view.spec.as_deref().unwrap_or("(ad hoc)")));
                for m in &view.members {
                    p.line(format!(
                        "  {:<14} {:<8} {:<8} {}",
                        m.id.as_str(),
                        m.template,
                        p.state(m.state.as_str()),
                        m.api.as_deref().unwrap_or("")
                    ));
                }
            }
            Ok(Exit::Success)
        }
        EnvCommand::Ls => {
            let views = engine.env_list().await?;
            if p.json {
                p.json(&serde_json::json!({ "environments": views }));
            } else if views.is_empty() {
                p.line("No environments. Make one with `asym env spin <file.yaml>`.");
            } else {
                let mut t = Table::new();
                t.load_preset(NOTHING);
                t.set_header(["NAME", "STATE", "MEMBERS", "SPEC"]);
                for v in &views {
                    t.add_row([
                        v.name.clone(),
                        p.state(v.state.as_str()),
                        v.members.iter().map(|m| m.id.to_string()).collect::<Vec<_>>().join(", "),
                        v.spec.clone().unwrap_or_else(|| "-".into()),
                    ]);
                }
                p.line(t.to_string());
            }
            Ok(Exit::Success)
        }
        EnvCommand::Reset { name } => {
            let spinner = p.spinner(&format!("resetting {name}"));
            let report = engine.env_reset(&name).await?;
            drop(spinner);
            render_report(p, &report, "reset")
        }
        EnvCommand::Destroy { name } => {
            let report = engine.env_destroy(&name).await?;
            render_report(p, &report, "destroyed")
        }
        EnvCommand::Snapshot { name, snapshot } => {
            let report = engine.env_snapshot(&name, &snapshot).await?;
            render_report(p, &report, &format!("snapshot `{snapshot}` taken"))
        }
        EnvCommand::Restore { name, snapshot } => {
            let spinner = p.spinner(&format!("restoring {name} to {snapshot}"));
            let report = engine.env_restore(&name, &snapshot).await?;
            drop(spinner);
            render_report(p, &report, &format!("restored to `{snapshot}`"))
        }
        EnvCommand::Trace(a) => super::trace::run(engine, p, &a, true).await,
        EnvCommand::Diff(a) => super::diff::run_env(engine, p, &a).await,
        EnvCommand::Mcp { name, port } => super::mcp::env(engine, p, &name, port).await,
        EnvCommand::Schema => schema(p),
    }
}

pub fn schema(p: &Printer) -> Result<Exit> {
    p.json(&asym_spec::env_spec_json_schema());
    Ok(Exit::Success)
}

pub fn render_spin_report(p: &Printer, report: &EnvReport) -> Result<Exit> {
    if p.json {
        p.json(report);
    } else {
        for m in &report.members {
            match &m.clone {
                Some(c) => super::spin::render(p, c, m.millis.unwrap_or_default()),
                None => p.line(format!("FAIL {} [{}] {}", m.template, m.code.as_deref().unwrap_or(""), m.error.as_deref().unwrap_or(""))),
            }
        }
        let state = report.state.map(|s| s.as_str()).unwrap_or("not created");
        p.line(format!("environment {} {}", p.bold(&report.name), p.state(state)));
    }
    Ok(if report.all_ok() { Exit::Success } else { Exit::Failure })
}

fn render_report(p: &Printer, report: &EnvReport, verb: &str) -> Result<Exit> {
    if p.json {
        p.json(report);
    } else {
        for m in &report.members {
            let id = m.id.as_deref().unwrap_or("?");
            if m.ok {
                match m.millis {
                    Some(ms) => p.ok(format!("{id} {verb} ({ms:.1} ms in the clone)")),
                    None => p.ok(format!("{id} {verb}")),
                }
            } else {
                p.line(format!("FAIL {id} [{}] {}", m.code.as_deref().unwrap_or(""), m.error.as_deref().unwrap_or("")));
            }
        }
    }
    Ok(if report.all_ok() { Exit::Success } else { Exit::Failure })
}
