//! The Checks API's rules: what a check run request may say (GitHub validates it
//! against a JSON schema and answers `422 Invalid request.` with the first
//! violation), how a conclusion completes a run, how a suite's status and
//! conclusion roll up from its runs, and the JSON of runs, suites and
//! annotations.
//!
//! The clone has no GitHub Apps: every suite and run belongs to one built-in app
//! ([`APP_ID`]), and a token with write access to the repository reports checks
//! as that app (on github.com only an app's installation token may).

use serde_json::{Value, json};

use crate::errors::{GhError, GhResult};
use crate::objects;
use crate::store::checks::{AnnotationRow, RunRow, SuiteRow};
use crate::store::repos::RepoRow;
use crate::wire::{iso, iso_opt, node_id, parse_iso};

/// The clone's one GitHub App, owner of every check suite.
pub const APP_ID: i64 = 1;
pub const APP_SLUG: &str = "asymmetric-checks";

pub const STATUSES: &[&str] = &["queued", "in_progress", "completed"];
pub const CONCLUSIONS: &[&str] = &["action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"];
const LEVELS: &[&str] = &["notice", "warning", "failure"];

pub fn invalid(detail: impl std::fmt::Display) -> GhError {
    GhError::Unprocessable(format!("Invalid request.\n\n{detail}"))
}

fn not_supplied(field: &str) -> GhError {
    invalid(format!("\"{field}\" wasn't supplied."))
}

fn not_one_of(field: &str, got: &Value, allowed: &[&str]) -> GhError {
    let list = allowed.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ");
    invalid(format!("For 'properties/{field}', {got} is not one of [{list}]."))
}

fn wrong_type(field: &str, got: &Value, ty: &str) -> GhError {
    invalid(format!("For 'properties/{field}', {got} is not {ty}."))
}

fn string(v: &Value, field: &str, path: &str) -> GhResult<Option<String>> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(&format!("{path}{field}"), other, "a string")),
    }
}

fn integer(v: &Value, field: &str, path: &str) -> GhResult<Option<i64>> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
        Some(other) => Err(wrong_type(&format!("{path}{field}"), other, "an integer")),
    }
}

fn time(v: &Value, field: &str) -> GhResult<Option<i64>> {
    match string(v, field, "")? {
        None => Ok(None),
        Some(s) => parse_iso(&s).map(Some).ok_or_else(|| invalid(format!("For 'properties/{field}', \"{s}\" is not a date-time."))),
    }
}

/// One annotation of a request's `output.annotations`.
#[derive(Debug)]
pub struct NewAnnotation {
    pub path: String,
    pub start_line: i64,
    pub end_line: i64,
    pub start_column: Option<i64>,
    pub end_column: Option<i64>,
    pub level: String,
    pub message: String,
    pub title: Option<String>,
    pub raw_details: Option<String>,
}

/// Applies a create (`creating`) or update request to `run`; returns the
/// annotations to append. `now` fills `started_at`/`completed_at`.
pub fn apply(run: &mut RunRow, v: &Value, creating: bool, now: i64) -> GhResult<Vec<NewAnnotation>> {
    if !v.is_object() {
        return Err(invalid(format!("{v} is not an object.")));
    }
    if let Some(name) = string(v, "name", "")? {
        if name.trim().is_empty() {
            return Err(invalid("For 'properties/name', \"\" is too short (minimum 1 characters)."));
        }
        run.name = name;
    } else if creating {
        return Err(not_supplied("name"));
    }
    if let Some(u) = string(v, "details_url", "")? {
        run.details_url = Some(u);
    }
    if let Some(x) = string(v, "external_id", "")? {
        run.external_id = Some(x);
    }
    if let Some(t) = time(v, "started_at")? {
        run.started_at = Some(t);
    }
    let status = match v.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if STATUSES.contains(&s.as_str()) => Some(s.clone()),
        Some(Value::String(s)) if !creating && ["waiting", "requested", "pending"].contains(&s.as_str()) => {
            return Err(invalid(format!("Only GitHub Actions can set a status of waiting, pending, or requested; got \"{s}\".")));
        }
        Some(other) => return Err(not_one_of("status", other, STATUSES)),
    };
    let conclusion = match v.get("conclusion") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "stale" => {
            return Err(invalid("You cannot change a check run conclusion to stale, only GitHub can set this."));
        }
        Some(Value::String(s)) if CONCLUSIONS.contains(&s.as_str()) => Some(s.clone()),
        Some(other) => return Err(not_one_of("conclusion", other, CONCLUSIONS)),
    };
    let completed_at = time(v, "completed_at")?;
    // A conclusion completes the run; `completed` or a `completed_at` needs one.
    if conclusion.is_none() && (status.as_deref() == Some("completed") || completed_at.is_some()) {
        return Err(not_supplied("conclusion"));
    }
    if let Some(c) = conclusion {
        if status.as_deref().is_some_and(|s| s != "completed") {
            return Err(invalid(format!("For 'properties/status', \"{}\" is not one of [\"completed\"].", status.unwrap_or_default())));
        }
        run.status = "completed".into();
        run.conclusion = Some(c);
        run.completed_at = Some(completed_at.unwrap_or(now));
    } else if let Some(s) = status {
        run.status = s;
        run.conclusion = None;
        run.completed_at = None;
    }
    if run.status != "queued" && run.started_at.is_none() {
        run.started_at = Some(now);
    }
    let mut annotations = Vec::new();
    match v.get("output") {
        None | Some(Value::Null) => {}
        Some(o @ Value::Object(_)) => {
            let title = string(o, "title", "output/properties/")?;
            let summary = string(o, "summary", "output/properties/")?;
            if creating && title.is_none() {
                return Err(not_supplied("title"));
            }
            let summary = summary.ok_or_else(|| not_supplied("summary"))?;
            let text = string(o, "text", "output/properties/")?;
            for (f, s) in [("summary", Some(&summary)), ("text", text.as_ref())] {
                if s.is_some_and(|s| s.chars().count() > 65535) {
                    return Err(invalid(format!("For 'properties/{f}', the value is too long (maximum 65535 characters).")));
                }
            }
            if title.is_some() {
                run.output_title = title;
            }
            run.output_summary = Some(summary);
            if text.is_some() {
                run.output_text = text;
            }
            annotations = parse_annotations(o.get("annotations"))?;
            if let Some(images) = parse_images(o.get("images"))? {
                run.output_images = images;
            }
        }
        Some(other) => return Err(wrong_type("output", other, "an object")),
    }
    if let Some(actions) = parse_actions(v.get("actions"))? {
        run.actions = actions;
    }
    Ok(annotations)
}

fn parse_annotations(v: Option<&Value>) -> GhResult<Vec<NewAnnotation>> {
    let items = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(other) => return Err(wrong_type("annotations", other, "an array")),
    };
    if items.len() > 50 {
        return Err(invalid("For 'properties/annotations', the array is too long (maximum 50 items)."));
    }
    let mut out = Vec::new();
    for a in items {
        let p = "annotations/items/properties/";
        let path = string(a, "path", p)?.ok_or_else(|| not_supplied("path"))?;
        let start_line = integer(a, "start_line", p)?.ok_or_else(|| not_supplied("start_line"))?;
        let end_line = integer(a, "end_line", p)?.ok_or_else(|| not_supplied("end_line"))?;
        let level = match a.get("annotation_level") {
            None | Some(Value::Null) => return Err(not_supplied("annotation_level")),
            Some(Value::String(s)) if LEVELS.contains(&s.as_str()) => s.clone(),
            Some(other) => return Err(not_one_of("annotation_level", other, LEVELS)),
        };
        let message = string(a, "message", p)?.ok_or_else(|| not_supplied("message"))?;
        let start_column = integer(a, "start_column", p)?;
        let end_column = integer(a, "end_column", p)?;
        if start_line < 1 || end_line < start_line {
            return Err(invalid(format!(
                "Annotation lines must start at 1 and end_line ({end_line}) may not precede start_line ({start_line})."
            )));
        }
        if (start_column.is_some() || end_column.is_some()) && start_line != end_line {
            return Err(invalid("Annotations only support start_column and end_column on the same line."));
        }
        out.push(NewAnnotation {
            path,
            start_line,
            end_line,
            start_column,
            end_column,
            level,
            message,
            title: string(a, "title", p)?,
            raw_details: string(a, "raw_details", p)?,
        });
    }
    Ok(out)
}

fn parse_images(v: Option<&Value>) -> GhResult<Option<String>> {
    let items = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(a)) => a,
        Some(other) => return Err(wrong_type("images", other, "an array")),
    };
    let mut out = Vec::new();
    for i in items {
        let p = "images/items/properties/";
        let alt = string(i, "alt", p)?.ok_or_else(|| not_supplied("alt"))?;
        let url = string(i, "image_url", p)?.ok_or_else(|| not_supplied("image_url"))?;
        out.push(json!({ "alt": alt, "image_url": url, "caption": string(i, "caption", p)? }));
    }
    Ok(Some(Value::Array(out).to_string()))
}

fn parse_actions(v: Option<&Value>) -> GhResult<Option<String>> {
    let items = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(a)) => a,
        Some(other) => return Err(wrong_type("actions", other, "an array")),
    };
    if items.len() > 3 {
        return Err(invalid("For 'properties/actions', the array is too long (maximum 3 items)."));
    }
    let mut out = Vec::new();
    for a in items {
        let p = "actions/items/properties/";
        let mut action = serde_json::Map::new();
        for (field, max) in [("label", 20), ("description", 40), ("identifier", 20)] {
            let s = string(a, field, p)?.ok_or_else(|| not_supplied(field))?;
            if s.chars().count() > max {
                return Err(invalid(format!("For 'properties/{field}', \"{s}\" is too long (maximum {max} characters).")));
            }
            action.insert(field.into(), Value::from(s));
        }
        out.push(Value::Object(action));
    }
    Ok(Some(Value::Array(out).to_string()))
}

/// A suite's status and conclusion from its runs: queued until a run starts,
/// completed when every run is, with the most severe conclusion.
pub fn rollup(runs: &[RunRow]) -> (String, Option<String>) {
    if runs.is_empty() {
        return ("queued".into(), None);
    }
    if runs.iter().all(|r| r.status == "completed") {
        const ORDER: &[&str] = &["action_required", "cancelled", "timed_out", "failure", "stale", "neutral", "success", "skipped"];
        let worst = runs
            .iter()
            .filter_map(|r| r.conclusion.as_deref())
            .min_by_key(|c| ORDER.iter().position(|o| o == c).unwrap_or(ORDER.len()))
            .map(String::from);
        return ("completed".into(), worst);
    }
    if runs.iter().any(|r| r.status != "queued") { ("in_progress".into(), None) } else { ("queued".into(), None) }
}

/// The newest run of each name (`filter=latest`), newest first.
pub fn latest(runs: Vec<RunRow>) -> Vec<RunRow> {
    let mut seen = std::collections::HashSet::new();
    runs.into_iter().filter(|r| seen.insert(r.name.clone())).collect()
}

/// The built-in app (`integration`), owned by the repository's owner.
pub fn app(base: &str, r: &RepoRow) -> Value {
    json!({
        "id": APP_ID, "slug": APP_SLUG, "node_id": node_id("Integration", APP_ID), "client_id": "Iv1.a5ymmetr1cchecks",
        "owner": objects::simple_user(base, r.owner_id, &r.owner_login, &r.owner_kind),
        "name": "asymmetric checks", "description": "The checks this clone's tokens report.",
        "external_url": base, "html_url": format!("{base}/apps/{APP_SLUG}"),
        "created_at": iso(0), "updated_at": iso(0),
        "permissions": { "checks": "write", "metadata": "read", "statuses": "write", "pull_requests": "read" },
        "events": ["check_run", "check_suite"],
    })
}

/// `pull-request-minimal` entries: `(number, id, head_ref, base_ref, base_sha)`.
pub fn pulls_json(base: &str, r: &RepoRow, head_sha: &str, pulls: &[(i64, i64, String, String, String)]) -> Value {
    let full = r.full_name();
    let repo = json!({ "id": r.id, "url": format!("{base}/repos/{full}"), "name": r.name });
    pulls
        .iter()
        .map(|(number, id, head_ref, base_ref, base_sha)| {
            json!({
                "url": format!("{base}/repos/{full}/pulls/{number}"), "id": id, "number": number,
                "head": { "ref": head_ref, "sha": head_sha, "repo": repo },
                "base": { "ref": base_ref, "sha": base_sha, "repo": repo },
            })
        })
        .collect()
}

pub fn run_json(base: &str, r: &RepoRow, run: &RunRow, annotations: i64, pulls: Value) -> Value {
    let full = r.full_name();
    let url = format!("{base}/repos/{full}/check-runs/{}", run.id);
    json!({
        "id": run.id, "head_sha": run.head_sha, "node_id": node_id("CheckRun", run.id), "external_id": run.external_id.clone().unwrap_or_default(),
        "url": url, "html_url": format!("{base}/{full}/runs/{}", run.id),
        "details_url": run.details_url.clone().unwrap_or_else(|| format!("{base}/apps/{APP_SLUG}")),
        "status": run.status, "conclusion": run.conclusion,
        "started_at": iso_opt(run.started_at), "completed_at": iso_opt(run.completed_at),
        "output": {
            "title": run.output_title, "summary": run.output_summary, "text": run.output_text,
            "annotations_count": annotations, "annotations_url": format!("{url}/annotations"),
        },
        "name": run.name, "check_suite": { "id": run.suite_id }, "app": app(base, r), "pull_requests": pulls,
    })
}

pub struct SuiteFacts {
    pub latest_runs: i64,
    pub head_commit: Value,
    pub before: Option<String>,
    pub pulls: Value,
}

pub fn suite_json(base: &str, r: &RepoRow, s: &SuiteRow, f: SuiteFacts) -> Value {
    let full = r.full_name();
    let url = format!("{base}/repos/{full}/check-suites/{}", s.id);
    json!({
        "id": s.id, "node_id": node_id("CheckSuite", s.id), "head_branch": s.head_branch, "head_sha": s.head_sha,
        "status": s.status, "conclusion": s.conclusion, "url": url,
        "before": f.before, "after": s.head_sha, "pull_requests": f.pulls, "app": app(base, r),
        "repository": objects::repo(base, r, None),
        "created_at": iso(s.created_at), "updated_at": iso(s.updated_at), "head_commit": f.head_commit,
        "latest_check_runs_count": f.latest_runs, "check_runs_url": format!("{url}/check-runs"),
        "rerequestable": true, "runs_rerequestable": true,
    })
}

pub fn annotation_json(base: &str, r: &RepoRow, head_sha: &str, a: &AnnotationRow) -> Value {
    json!({
        "path": a.path, "blob_href": format!("{base}/{}/blob/{head_sha}/{}", r.full_name(), objects::encode_path(&a.path)),
        "start_line": a.start_line, "end_line": a.end_line, "start_column": a.start_column, "end_column": a.end_column,
        "annotation_level": a.annotation_level, "title": a.title, "message": a.message, "raw_details": a.raw_details,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> RunRow {
        RunRow {
            id: 1,
            repo_id: 1,
            suite_id: 1,
            name: String::new(),
            head_sha: "a".repeat(40),
            external_id: None,
            details_url: None,
            status: "queued".into(),
            conclusion: None,
            started_at: None,
            completed_at: None,
            output_title: None,
            output_summary: None,
            output_text: None,
            output_images: "[]".into(),
            actions: "[]".into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn a_conclusion_completes_the_run_and_completed_needs_one() {
        let mut r = run();
        apply(&mut r, &json!({ "name": "ci", "conclusion": "success" }), true, 10).unwrap();
        assert_eq!((r.status.as_str(), r.conclusion.as_deref(), r.completed_at), ("completed", Some("success"), Some(10)));
        let e = apply(&mut run(), &json!({ "name": "ci", "status": "completed" }), true, 10).unwrap_err();
        assert_eq!(e.to_string(), "Invalid request.\n\n\"conclusion\" wasn't supplied.");
        let e = apply(&mut run(), &json!({ "status": "running", "name": "x" }), true, 10).unwrap_err();
        assert!(e.to_string().contains("is not one of"), "{e}");
        assert!(apply(&mut run(), &json!({ "head_sha": "x" }), true, 10).is_err());
    }

    #[test]
    fn suites_roll_up_the_most_severe_conclusion() {
        let mut a = run();
        let mut b = run();
        assert_eq!(rollup(&[a.clone(), b.clone()]).0, "queued");
        a.status = "in_progress".into();
        assert_eq!(rollup(&[a.clone(), b.clone()]).0, "in_progress");
        a.status = "completed".into();
        a.conclusion = Some("success".into());
        b.status = "completed".into();
        b.conclusion = Some("failure".into());
        assert_eq!(rollup(&[a, b]), ("completed".into(), Some("failure".into())));
    }
}
