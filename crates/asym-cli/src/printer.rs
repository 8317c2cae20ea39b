//! The one place that writes: data to stdout, progress and errors to stderr,
//! spinners and colour only on a terminal and never with `--json`.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use asym_contract::AsymError;
use indicatif::{ProgressBar, ProgressStyle};
use owo_colors::OwoColorize;
use serde::Serialize;

pub struct Printer {
    pub json: bool,
    color: bool,
    interactive: bool,
}

impl Printer {
    pub fn new(json: bool) -> Self {
        let tty = std::io::stderr().is_terminal();
        let color = tty && std::env::var_os("NO_COLOR").is_none() && !json;
        Printer { json, color, interactive: tty && !json }
    }

    pub fn json<T: Serialize>(&self, value: &T) {
        let mut out = std::io::stdout().lock();
        let _ = serde_json::to_writer_pretty(&mut out, value);
        let _ = writeln!(out);
    }

    pub fn line(&self, s: impl AsRef<str>) {
        let _ = writeln!(std::io::stdout().lock(), "{}", s.as_ref());
    }

    pub fn ok(&self, s: impl AsRef<str>) {
        if self.color {
            self.line(format!("{} {}", "✔".green(), s.as_ref()));
        } else {
            self.line(format!("ok: {}", s.as_ref()));
        }
    }

    pub fn dim(&self, s: &str) -> String {
        if self.color { s.dimmed().to_string() } else { s.to_string() }
    }

    pub fn bold(&self, s: &str) -> String {
        if self.color { s.bold().to_string() } else { s.to_string() }
    }

    pub fn state(&self, s: &str) -> String {
        if !self.color {
            return s.to_string();
        }
        match s {
            "running" | "pass" => s.green().to_string(),
            "partial" | "creating" | "stopped" | "miss" => s.yellow().to_string(),
            _ => s.red().to_string(),
        }
    }

    /// `error[CODE]: message` and a `hint:` line, on stderr.
    pub fn error(&self, e: &AsymError) {
        let mut err = std::io::stderr().lock();
        let head = format!("error[{}]", e.code());
        let head = if self.color { head.red().bold().to_string() } else { head };
        let _ = writeln!(err, "{head}: {e}");
        if let Some(h) = e.hint() {
            let label = if self.color { "hint".cyan().to_string() } else { "hint".into() };
            let _ = writeln!(err, "  {label}: {h}");
        }
    }

    pub fn spinner(&self, msg: &str) -> Spinner {
        if !self.interactive {
            return Spinner(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("static template"));
        bar.set_message(msg.to_string());
        bar.enable_steady_tick(Duration::from_millis(80));
        Spinner(Some(bar))
    }
}

pub struct Spinner(Option<ProgressBar>);

impl asym_engine::Progress for Spinner {
    fn step(&self, what: &str) {
        if let Some(b) = &self.0 {
            b.set_message(what.to_string());
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}
