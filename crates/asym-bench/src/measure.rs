//! The four measurements, each against the real binary.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Serialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};

use crate::Opts;
use crate::stats::Summary;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Wall time of `asym spin slack --seed acme-corp`, command start to exit (ms).
    pub spin_cli_ms: Summary,
    /// The same spins as the engine reports them ("ready in N ms").
    pub spin_engine_ms: Summary,
    /// Wall time of `asym reset <id>` (ms).
    pub reset_cli_ms: Summary,
    /// The reset as the engine reports it (ms).
    pub reset_engine_ms: Summary,
    /// Resident memory of one idle seeded clone (MiB), over every clone of the density run.
    pub idle_rss_mib: Summary,
    pub snapshot_ms: Summary,
    pub restore_ms: Summary,
    pub by_rows: Vec<RowsFigure>,
    pub backend: String,
    pub density: Density,
    pub throughput: Vec<Throughput>,
    pub scoring: Option<Scoring>,
}

/// `asym env diff` and `asym eval` on an environment after an agent's writes.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Scoring {
    pub clones: usize,
    pub writes: usize,
    /// Wall time of `asym env diff <env> --json` (ms).
    pub env_diff_ms: Summary,
    /// Wall time of `asym eval <env> <checks> --json` (ms).
    pub eval_ms: Summary,
}

/// Reset and restore of a clone holding `rows` extra messages.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowsFigure {
    pub rows: u64,
    /// Reset of a clone with `rows` dirty rows (back to the small seeded image).
    pub reset_ms: Summary,
    /// Snapshot of the big clone.
    pub snapshot_ms: Summary,
    /// Restore of the big snapshot.
    pub restore_ms: Summary,
    /// Resident memory of the clone holding `rows` messages, after its whole
    /// history was read through `conversations.history`.
    pub rss_mib: Option<f64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Density {
    pub clones: usize,
    pub spin_all_seconds: f64,
    pub total_rss_mib: f64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Throughput {
    pub method: String,
    pub connections: usize,
    pub requests: u64,
    pub errors: u64,
    pub per_second: f64,
    pub latency_ms: Summary,
}

impl Report {
    pub fn print(&self) {
        let row = |name: &str, s: &Summary, unit: &str| {
            println!("{name:<22} p50 {:>8.1} {unit}  p95 {:>8.1} {unit}  min {:>8.1}  max {:>8.1}  (n={})", s.p50, s.p95, s.min, s.max, s.n)
        };
        row("spin (cli)", &self.spin_cli_ms, "ms");
        row("spin (engine)", &self.spin_engine_ms, "ms");
        row("reset (cli)", &self.reset_cli_ms, "ms");
        row("reset (engine)", &self.reset_engine_ms, "ms");
        println!("backend               {}", self.backend);
        row("snapshot (cli)", &self.snapshot_ms, "ms");
        row("restore (cli)", &self.restore_ms, "ms");
        for r in &self.by_rows {
            row(&format!("reset, {} dirty rows", r.rows), &r.reset_ms, "ms");
            if let Some(rss) = r.rss_mib {
                println!("{:<22} {rss:.1} MiB resident after reading all {} messages", format!("clone with {} rows", r.rows), r.rows);
            }
            row(&format!("snapshot, {} rows", r.rows), &r.snapshot_ms, "ms");
            row(&format!("restore, {} rows", r.rows), &r.restore_ms, "ms");
        }
        row("idle clone RSS", &self.idle_rss_mib, "MiB");
        println!(
            "density               {} clones spun in {:.1} s, {:.0} MiB resident in all",
            self.density.clones, self.density.spin_all_seconds, self.density.total_rss_mib
        );
        if let Some(sc) = &self.scoring {
            let what = format!("{} clones, {} writes", sc.clones, sc.writes);
            row(&format!("env diff ({what})"), &sc.env_diff_ms, "ms");
            row(&format!("eval ({what})"), &sc.eval_ms, "ms");
        }
        for t in &self.throughput {
            println!(
                "throughput            {:<34} {:>7.0} req/s  p50 {:>6.1} ms  p99 {:>6.1} ms  ({} requests, {} errors, {} connections)",
                t.method, t.per_second, t.latency_ms.p50, t.latency_ms.p99, t.requests, t.errors, t.connections
            );
        }
    }
}

struct Asym<'a> {
    bin: &'a Path,
    home: tempfile::TempDir,
    /// (database server, redis) when running on the shared backends.
    shared: Option<(String, String)>,
}

impl Asym<'_> {
    fn run(&self, args: &[&str]) -> anyhow::Result<Value> {
        let mut cmd = Command::new(self.bin);
        cmd.args(args).arg("--json").env("ASYM_HOME", self.home.path());
        match &self.shared {
            Some((db, kv)) => cmd.env("ASYM_DATABASE_URL", db).env("ASYM_REDIS_URL", kv),
            None => cmd.env_remove("ASYM_DATABASE_URL").env_remove("ASYM_REDIS_URL"),
        };
        let out = cmd.output()?;
        if !out.status.success() {
            bail!("asym {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
        }
        serde_json::from_slice(&out.stdout).with_context(|| format!("asym {} printed no JSON", args.join(" ")))
    }

    fn timed(&self, args: &[&str]) -> anyhow::Result<(f64, Value)> {
        let t = Instant::now();
        let v = self.run(args)?;
        Ok((t.elapsed().as_secs_f64() * 1000.0, v))
    }
}

impl Drop for Asym<'_> {
    fn drop(&mut self) {
        if let Ok(status) = self.run(&["status"]) {
            for c in status["clones"].as_array().into_iter().flatten() {
                if let Some(id) = c["id"].as_str() {
                    let _ = self.run(&["destroy", id]);
                }
            }
        }
    }
}

pub async fn run(opts: &Opts) -> anyhow::Result<Report> {
    let shared = opts.shared.then(|| {
        (
            std::env::var("ASYM_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
            std::env::var("ASYM_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into()),
        )
    });
    let backend = if shared.is_some() { "shared PostgreSQL + Redis" } else { "embedded SQLite + in-process store" }.to_string();
    let asym = Asym { bin: &opts.asym, home: tempfile::tempdir()?, shared };
    let range = json!({ "portRange": { "start": opts.port_start, "end": opts.port_start + 999 } });
    std::fs::write(asym.home.path().join("config.json"), range.to_string())?;

    // The first spin builds the golden image; it is not a sample.
    let warm = asym.run(&["spin", "slack", "--seed", "acme-corp", "--name", "warm", "--no-rate-limits"])?;
    let (mut cli, mut engine) = (Vec::new(), Vec::new());
    for i in 0..opts.spins {
        let name = format!("spin-{i}");
        let (ms, v) = asym.timed(&["spin", "slack", "--seed", "acme-corp", "--name", &name])?;
        cli.push(ms);
        engine.push(v["millis"].as_f64().unwrap_or(f64::NAN));
        asym.run(&["destroy", &name])?;
    }
    let (spin_cli_ms, spin_engine_ms) = (Summary::of(&cli), Summary::of(&engine));

    let (api, bot) = (text(&warm["clone"]["api"])?, text(&warm["clone"]["tokens"]["bot"])?);
    let (mut cli, mut engine) = (Vec::new(), Vec::new());
    for i in 0..opts.resets {
        post(&api, "chat.postMessage", &bot, json!({ "channel": "C0ACMEGNRL", "text": format!("dirty {i}") })).await?;
        let (ms, v) = asym.timed(&["reset", "warm"])?;
        cli.push(ms);
        engine.push(v["cloneMillis"].as_f64().unwrap_or(f64::NAN));
    }
    let (reset_cli_ms, reset_engine_ms) = (Summary::of(&cli), Summary::of(&engine));

    let (mut snaps, mut restores) = (Vec::new(), Vec::new());
    for _ in 0..opts.snapshots {
        snaps.push(asym.timed(&["snapshot", "warm", "bench"])?.0);
        restores.push(asym.timed(&["restore", "warm", "bench"])?.0);
    }
    let (snapshot_ms, restore_ms) = (Summary::of(&snaps), Summary::of(&restores));

    let mut by_rows = Vec::new();
    for &rows in &opts.rows {
        by_rows.push(rows_figure(&asym, rows).await?);
    }

    let mut throughput = if opts.seconds == 0 {
        Vec::new()
    } else {
        vec![
            throughput(&api, "auth.test", &bot, json!({}), opts).await,
            throughput(&api, "conversations.history", &bot, json!({ "channel": "C0ACMEGNRL", "limit": 20 }), opts).await,
            throughput(&api, "chat.postMessage", &bot, json!({ "channel": "C0ACMERAND", "text": "load" }), opts).await,
        ]
    };
    if opts.seconds > 0 {
        throughput.extend(other_templates(&asym, opts).await?);
    }

    let scoring = if opts.scoring_writes == 0 { None } else { Some(scoring(&asym, opts.scoring_writes).await?) };

    let t = Instant::now();
    let mut pids = Vec::new();
    for i in 0..opts.clones {
        let v = asym.run(&["spin", "slack", "--seed", "acme-corp", "--name", &format!("dense-{i}")])?;
        pids.extend(v["clone"]["services"].as_array().into_iter().flatten().filter_map(|s| s["pid"].as_u64()));
    }
    let spin_all_seconds = t.elapsed().as_secs_f64();
    // Let start-up allocations settle before reading resident memory.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss: Vec<f64> = pids.iter().filter_map(|p| rss_mib(*p)).collect();
    let density = Density { clones: opts.clones, spin_all_seconds, total_rss_mib: rss.iter().sum() };

    Ok(Report {
        spin_cli_ms,
        spin_engine_ms,
        reset_cli_ms,
        reset_engine_ms,
        idle_rss_mib: Summary::of(&rss),
        snapshot_ms,
        restore_ms,
        by_rows,
        backend,
        density,
        throughput,
        scoring,
    })
}

/// Spreads `writes` messages over three seeded clones of one environment, then
/// times the two commands a scorer runs after each episode.
async fn scoring(asym: &Asym<'_>, writes: usize) -> anyhow::Result<Scoring> {
    const CLONES: usize = 3;
    let names: Vec<String> = (0..CLONES).map(|i| format!("score-{i}")).collect();
    let mut spec = String::from("name: scoring\nclones:\n");
    let mut checks = String::from("checks:\n");
    for n in &names {
        spec.push_str(&format!("  - template: slack\n    seed: acme-corp\n    name: {n}\n    rateLimits: false\n"));
        checks.push_str(&format!(
            "  - {{name: posted in {n}, clone: {n}, expect: added, resource: messages, where: {{channel_id: C0ACMERAND}}, count: {{min: 1}}}}\n"
        ));
        checks.push_str(&format!(
            "  - {{name: general untouched in {n}, clone: {n}, expect: unchanged, resource: messages, where: {{channel_id: C0ACMEGNRL}}}}\n"
        ));
    }
    checks
        .push_str("  - {name: nothing else, strict: true}\n  - {name: posts only, journal: {method: chat.postMessage}, count: {min: 1}}\n");
    let dir = asym.home.path();
    std::fs::write(dir.join("scoring.env.yaml"), spec)?;
    std::fs::write(dir.join("scoring.checks.yaml"), checks)?;
    let report = asym.run(&["env", "spin", &dir.join("scoring.env.yaml").display().to_string()])?;
    let mut targets = Vec::new();
    for m in report["members"].as_array().into_iter().flatten() {
        targets.push((text(&m["clone"]["api"])?, text(&m["clone"]["tokens"]["bot"])?));
    }
    anyhow::ensure!(targets.len() == CLONES, "env spin made {} clones: {report}", targets.len());
    for i in 0..writes {
        let (api, bot) = &targets[i % CLONES];
        post(api, "chat.postMessage", bot, json!({ "channel": "C0ACMERAND", "text": format!("agent write {i}") })).await?;
    }
    let checks = dir.join("scoring.checks.yaml").display().to_string();
    let (mut diff, mut eval) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        diff.push(asym.timed(&["env", "diff", "scoring"])?.0);
        let (ms, v) = asym.timed(&["eval", "scoring", &checks])?;
        anyhow::ensure!(v["passed"] == true, "the scoring checks failed: {v}");
        eval.push(ms);
    }
    asym.run(&["env", "destroy", "scoring"])?;
    Ok(Scoring { clones: CLONES, writes, env_diff_ms: Summary::of(&diff), eval_ms: Summary::of(&eval) })
}

/// Writes `rows` messages straight into the clone's database (through the API
/// this would take minutes), then times reset, snapshot and restore at that size.
async fn rows_figure(asym: &Asym<'_>, rows: u64) -> anyhow::Result<RowsFigure> {
    let name = format!("rows-{rows}");
    let spun = asym.run(&["spin", "slack", "--seed", "acme-corp", "--name", &name, "--no-rate-limits"])?;
    let database = text(&spun["clone"]["database"])?;
    let url = if database.starts_with("postgres") { database } else { format!("sqlite://{database}") };
    let fill = || async {
        let pool = asym_store::pool::connect(&asym_store::Target::parse(&url)?, false).await?;
        sqlx::query(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $1) \
             INSERT INTO messages (channel_id, ts, user_id, text) \
             SELECT 'C0ACMERAND', (1800000000 + x) || '.000000', 'U0ACMEDANA', 'bulk message ' || x FROM n",
        )
        .bind(rows as i64)
        .execute(&pool)
        .await?;
        pool.close().await;
        anyhow::Ok(())
    };
    let mut reset = Vec::new();
    for _ in 0..3 {
        fill().await?;
        reset.push(asym.timed(&["reset", &name])?.0);
    }
    fill().await?;
    let rss_mib = read_everything(&spun, "C0ACMERAND").await?;
    let (mut snapshot, mut restore) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        snapshot.push(asym.timed(&["snapshot", &name, "big"])?.0);
        restore.push(asym.timed(&["restore", &name, "big"])?.0);
    }
    asym.run(&["destroy", &name])?;
    Ok(RowsFigure { rows, reset_ms: Summary::of(&reset), snapshot_ms: Summary::of(&snapshot), restore_ms: Summary::of(&restore), rss_mib })
}

/// Pages through a channel's whole history as a bot, then reads the clone's
/// resident memory (of its first service).
async fn read_everything(spun: &Value, channel: &str) -> anyhow::Result<Option<f64>> {
    let (api, bot) = (text(&spun["clone"]["api"])?, text(&spun["clone"]["tokens"]["bot"])?);
    let mut cursor = String::new();
    loop {
        let mut args = json!({ "channel": channel, "limit": 999 });
        if !cursor.is_empty() {
            args["cursor"] = json!(cursor);
        }
        let page = post(&api, "conversations.history", &bot, args).await?;
        match page["response_metadata"]["next_cursor"].as_str() {
            Some(next) if !next.is_empty() => cursor = next.to_string(),
            _ => break,
        }
    }
    let pid = spun["clone"]["services"].as_array().into_iter().flatten().find_map(|s| s["pid"].as_u64());
    Ok(pid.and_then(rss_mib))
}

fn text(v: &Value) -> anyhow::Result<String> {
    v.as_str().map(String::from).context("asym spin --json lacks clone.api or clone.tokens.bot")
}

async fn post(api: &str, method: &str, token: &str, body: Value) -> anyhow::Result<Value> {
    let v: Value = reqwest::Client::new().post(format!("{api}/{method}")).bearer_auth(token).json(&body).send().await?.json().await?;
    anyhow::ensure!(v["ok"] == true, "{method} answered {v}");
    Ok(v)
}

/// Throughput of the other built-in templates' busiest calls: Stripe payment-intent
/// confirmations and customer lists, GitHub issue creation and issue lists.
async fn other_templates(asym: &Asym<'_>, opts: &Opts) -> anyhow::Result<Vec<Throughput>> {
    let listed = asym.run(&["ls", "--templates"])?;
    let has = |t: &str| listed["templates"].as_array().into_iter().flatten().any(|x| x["name"] == t);
    let mut out = Vec::new();
    if has("stripe") {
        let spun = asym.run(&["spin", "stripe", "--seed", "acct", "--name", "tp-stripe", "--no-rate-limits"])?;
        let (api, key) = (text(&spun["clone"]["api"])?, text(&spun["clone"]["tokens"]["secret_key"])?);
        let base = api.trim_end_matches('/').to_string();
        let form = |pairs: &[(&str, &str)]| Body::Form(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
        out.push(
            run_load(
                Load {
                    label: "stripe payment_intents confirm".into(),
                    method: reqwest::Method::POST,
                    url: format!("{base}/v1/payment_intents"),
                    auth: format!("Bearer {key}"),
                    body: form(&[("amount", "1000"), ("currency", "usd"), ("payment_method", "pm_card_visa"), ("confirm", "true")]),
                    served: |status, body| status == 200 && field::<String>(body, "status").as_deref() == Some("succeeded"),
                },
                opts,
            )
            .await,
        );
        out.push(
            run_load(
                Load {
                    label: "stripe customers list".into(),
                    method: reqwest::Method::GET,
                    url: format!("{base}/v1/customers?limit=10"),
                    auth: format!("Bearer {key}"),
                    body: Body::None,
                    served: |status, body| status == 200 && field::<String>(body, "object").as_deref() == Some("list"),
                },
                opts,
            )
            .await,
        );
        asym.run(&["destroy", "tp-stripe"])?;
    }
    if has("github") {
        let spun = asym.run(&["spin", "github", "--seed", "acme", "--name", "tp-github", "--no-rate-limits"])?;
        let (api, token) = (text(&spun["clone"]["api"])?, text(&spun["clone"]["tokens"]["token"])?);
        let base = api.trim_end_matches('/').to_string();
        out.push(
            run_load(
                Load {
                    label: "github issues create".into(),
                    method: reqwest::Method::POST,
                    url: format!("{base}/repos/acme/hello-world/issues"),
                    auth: format!("Bearer {token}"),
                    body: Body::Json(json!({ "title": "load", "body": "from asym-bench" })),
                    served: |status, body| status == 201 && field::<u64>(body, "number").is_some(),
                },
                opts,
            )
            .await,
        );
        out.push(
            run_load(
                Load {
                    label: "github issues list".into(),
                    method: reqwest::Method::GET,
                    url: format!("{base}/repos/acme/hello-world/issues?per_page=30"),
                    auth: format!("Bearer {token}"),
                    body: Body::None,
                    served: |status, body| status == 200 && serde_json::from_slice::<Vec<IgnoredAny>>(body).is_ok(),
                },
                opts,
            )
            .await,
        );
        asym.run(&["destroy", "tp-github"])?;
    }
    Ok(out)
}

/// One kind of request a throughput run repeats.
struct Load {
    label: String,
    method: reqwest::Method,
    url: String,
    /// The full `Authorization` header value.
    auth: String,
    body: Body,
    /// Whether an answer counts as served (Slack answers HTTP 200 with `ok:false`).
    /// It reads the body without building a document of it: the load generator
    /// shares the machine with the clone, and parsing every 60 KB page into a
    /// `Value` took CPU the clone would otherwise have had.
    served: fn(u16, &[u8]) -> bool,
}

#[derive(Clone)]
enum Body {
    None,
    Json(Value),
    Form(Vec<(String, String)>),
}

fn slack_load(api: &str, method: &str, token: &str, body: Value) -> Load {
    Load {
        label: method.into(),
        method: reqwest::Method::POST,
        url: format!("{api}/{method}"),
        auth: format!("Bearer {token}"),
        body: Body::Json(body),
        served: |_, body| field::<bool>(body, "ok") == Some(true),
    }
}

async fn throughput(api: &str, method: &str, token: &str, body: Value, opts: &Opts) -> Throughput {
    run_load(slack_load(api, method, token, body), opts).await
}

async fn run_load(load: Load, opts: &Opts) -> Throughput {
    let client = reqwest::Client::builder().pool_max_idle_per_host(opts.connections).build().expect("a plain client builds");
    let (ok, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::<f64>::new()));
    let deadline = Instant::now() + Duration::from_secs(opts.seconds);
    let load = Arc::new(load);
    let workers: Vec<_> = (0..opts.connections)
        .map(|_| {
            let (client, load, ok, errors, latencies) = (client.clone(), load.clone(), ok.clone(), errors.clone(), latencies.clone());
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let mut req = client.request(load.method.clone(), &load.url).header("authorization", &load.auth);
                    req = match &load.body {
                        Body::None => req,
                        Body::Json(v) => req.json(v),
                        Body::Form(pairs) => req
                            .header("content-type", "application/x-www-form-urlencoded")
                            .body(url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()),
                    };
                    let good = match req.send().await {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let body = r.bytes().await.unwrap_or_default();
                            (load.served)(status, &body)
                        }
                        Err(_) => false,
                    };
                    mine.push(t.elapsed().as_secs_f64() * 1000.0);
                    if good { &ok } else { &errors }.fetch_add(1, Ordering::Relaxed);
                }
                latencies.lock().expect("no worker panics holding it").extend(mine);
            })
        })
        .collect();
    let started = Instant::now();
    for w in workers {
        let _ = w.await;
    }
    let secs = started.elapsed().as_secs_f64();
    let requests = ok.load(Ordering::Relaxed);
    let lat = latencies.lock().expect("workers are done").clone();
    Throughput {
        method: load.label.clone(),
        connections: opts.connections,
        requests,
        errors: errors.load(Ordering::Relaxed),
        per_second: requests as f64 / secs,
        latency_ms: Summary::of(&lat),
    }
}

/// One top-level field of a JSON object answer; the rest of the answer is checked
/// to be JSON but not kept.
fn field<T: serde::de::DeserializeOwned>(body: &[u8], name: &str) -> Option<T> {
    struct Field<'n, T>(&'n str, std::marker::PhantomData<T>);
    impl<'de, T: serde::de::DeserializeOwned> serde::de::Visitor<'de> for Field<'_, T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
            let mut found = None;
            while let Some(key) = map.next_key::<String>()? {
                if key == self.0 && found.is_none() {
                    found = Some(map.next_value::<T>()?);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let found = serde::Deserializer::deserialize_map(&mut de, Field(name, std::marker::PhantomData)).ok()?;
    de.end().ok()?;
    found
}

fn rss_mib(pid: u64) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_reads_one_top_level_field_of_valid_json_only() {
        let body = br#"{"ok":true,"messages":[{"ok":false,"text":"x"}],"has_more":false}"#;
        assert_eq!(field::<bool>(body, "ok"), Some(true));
        assert_eq!(field::<bool>(body, "has_more"), Some(false));
        assert_eq!(field::<bool>(body, "missing"), None);
        assert_eq!(field::<u64>(br#"{"number":7}"#, "number"), Some(7));
        assert_eq!(field::<u64>(br#"{"number":"7"}"#, "number"), None, "a wrong type is not served");
        assert_eq!(field::<bool>(br#"{"ok":true"#, "ok"), None, "a cut answer is not served");
        assert_eq!(field::<bool>(br#"{"ok":true} trailing"#, "ok"), None);
        assert_eq!(field::<bool>(b"[1,2]", "ok"), None);
    }
}
