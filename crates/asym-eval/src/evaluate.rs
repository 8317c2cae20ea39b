//! Runs validated checks over gathered facts and scores them.

use std::collections::{BTreeMap, BTreeSet};

use asym_contract::AsymError;
use asym_contract::diff::{CloneDiff, ResourceDiff, Row};
use asym_contract::journal::JournalEntry;
use asym_spec::{Check, CheckKind, Count, Expectation, IgnoreSpec, JournalSpec, Matcher, Predicate, Transition, did_you_mean};
use serde::Serialize;

use crate::matching::{self, holds};
use crate::plan::Plan;
use crate::render;

/// Everything read from one member clone.
#[derive(Debug, Clone, Default)]
pub struct CloneFacts {
    pub diff: CloneDiff,
    /// Current rows of the resources the checks name.
    pub state: BTreeMap<String, Vec<Row>>,
    /// Every resource name the clone's template has.
    pub known: Vec<String>,
    pub journal: Vec<JournalEntry>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// Points earned.
    pub score: f64,
    /// Points possible.
    pub total: f64,
    /// Every required check passed.
    pub passed: bool,
    pub checks: Vec<CheckResult>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CheckResult {
    pub name: String,
    pub clones: Vec<String>,
    /// `added messages`, `strict`, `journal`.
    pub kind: String,
    pub passed: bool,
    pub required: bool,
    pub weight: f64,
    pub points: f64,
    /// One line: what was found, or why the check failed.
    pub detail: String,
    /// The records or requests behind the detail (a few, as short lines).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

const EVIDENCE: usize = 3;

/// One change in a member's diff: (clone, resource, kind, index in that list).
type EntryRef = (String, String, &'static str, usize);

pub fn evaluate(path: &str, checks: &[Check], plan: &Plan, facts: &BTreeMap<String, CloneFacts>) -> Result<Report, AsymError> {
    validate(path, checks, plan, facts)?;
    let mut claimed: BTreeSet<EntryRef> = BTreeSet::new();
    let mut results: Vec<Option<CheckResult>> = vec![None; checks.len()];
    // Expectations first: a strict check needs to know every change they account for.
    for (i, check) in checks.iter().enumerate() {
        let scope = &plan.scopes[i];
        let outcome = match &check.kind {
            CheckKind::Expect { expect, resource, predicate, count, fields } => {
                let id = &scope[0];
                let ctx = ExpectCtx { id, resource, predicate: predicate.as_ref(), fields, facts: &facts[id] };
                Some(ctx.run(*expect, *count, &mut claimed))
            }
            CheckKind::Journal { filter, count } => Some(journal(scope, filter, *count, facts)),
            CheckKind::Strict { .. } => None,
        };
        if let Some(o) = outcome {
            results[i] = Some(o.into_result(check, scope));
        }
    }
    for (i, check) in checks.iter().enumerate() {
        if let CheckKind::Strict { ignore, ignore_where } = &check.kind {
            let outcome = strict(&plan.scopes[i], ignore, ignore_where, &claimed, facts);
            results[i] = Some(outcome.into_result(check, &plan.scopes[i]));
        }
    }
    let checks: Vec<CheckResult> = results.into_iter().flatten().collect();
    Ok(Report {
        score: round(checks.iter().map(|c| c.points).sum()),
        total: round(checks.iter().map(|c| c.weight).sum()),
        passed: checks.iter().all(|c| c.passed || !c.required),
        checks,
    })
}

/// Names a resource or field the checks file got wrong before anything is scored:
/// a typo must not read as an agent's failure.
fn validate(path: &str, checks: &[Check], plan: &Plan, facts: &BTreeMap<String, CloneFacts>) -> Result<(), AsymError> {
    for (i, check) in checks.iter().enumerate() {
        let CheckKind::Expect { resource, predicate, fields, .. } = &check.kind else { continue };
        let id = &plan.scopes[i][0];
        let f = facts.get(id).ok_or_else(|| AsymError::Internal(format!("no facts gathered for `{id}`")))?;
        if !f.known.iter().any(|k| k == resource) {
            return Err(AsymError::ResourceNotFound { id: id.clone(), name: resource.clone(), known: f.known.clone() });
        }
        let mut present: BTreeSet<&str> = f.state.get(resource).into_iter().flatten().flat_map(|r| r.keys().map(String::as_str)).collect();
        if let Some(d) = f.diff.resources.get(resource) {
            present.extend(d.added.iter().chain(&d.removed).flat_map(|r| r.keys().map(String::as_str)));
        }
        if present.is_empty() {
            continue; // no record to learn the fields from
        }
        let mut asked = BTreeSet::new();
        if let Some(p) = predicate {
            matching::fields(p, &mut asked);
        }
        asked.extend(fields.keys().cloned());
        // `metadata.order_id` is known when `metadata` is.
        let known = |a: &String| present.contains(a.as_str()) || a.split_once('.').is_some_and(|(head, _)| present.contains(head));
        if let Some(missing) = asked.iter().find(|a| !known(a)) {
            let hint = did_you_mean(missing, present.iter().copied()).map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default();
            let all: Vec<&str> = present.into_iter().collect();
            return Err(AsymError::ChecksInvalid {
                path: path.into(),
                reason: format!("checks[{i}] ({}): {resource} have no field '{missing}'{hint}; fields: {}", check.name, all.join(", ")),
            });
        }
    }
    Ok(())
}

/// A check's verdict before weights are applied.
struct Outcome {
    kind: String,
    passed: bool,
    /// Credit in [0, 1] when `partial` is on and the check failed.
    fraction: f64,
    detail: String,
    evidence: Vec<String>,
}

impl Outcome {
    fn into_result(self, check: &Check, scope: &[String]) -> CheckResult {
        let credit = if self.passed {
            1.0
        } else if check.partial {
            self.fraction
        } else {
            0.0
        };
        CheckResult {
            name: check.name.clone(),
            clones: scope.to_vec(),
            kind: self.kind,
            passed: self.passed,
            required: check.required,
            weight: check.weight,
            points: round(check.weight * credit),
            detail: self.detail,
            evidence: self.evidence,
        }
    }
}

/// How close `n` came to `count`, for partial credit.
fn closeness(count: Count, n: u64) -> f64 {
    if n < count.min {
        n as f64 / count.min as f64
    } else {
        match count.max {
            Some(0) | None => 0.0,
            Some(max) if n > max => max as f64 / n as f64,
            _ => 1.0,
        }
    }
}

type FieldMatchers = BTreeMap<String, Transition>;

struct ExpectCtx<'a> {
    id: &'a str,
    resource: &'a str,
    predicate: Option<&'a Predicate>,
    fields: &'a FieldMatchers,
    facts: &'a CloneFacts,
}

/// A record an expectation looks at, and the change it came from.
struct Candidate {
    row: Row,
    line: String,
    entry: Option<EntryRef>,
    /// For changed records: whether the expected field transitions hold.
    transitions_hold: bool,
}

impl ExpectCtx<'_> {
    fn run(&self, expect: Expectation, count: Count, claimed: &mut BTreeSet<EntryRef>) -> Outcome {
        let kind = format!("{} {}", expect.as_str(), self.resource);
        let candidates = self.candidates(expect);
        let (hits, misses): (Vec<&Candidate>, Vec<&Candidate>) =
            candidates.iter().partition(|c| self.predicate.is_none_or(|p| holds(p, &c.row)) && c.transitions_hold);
        // Unchanged and absent are violated by their hits, so a hit claims nothing.
        if matches!(expect, Expectation::Added | Expectation::Removed | Expectation::Changed) {
            claimed.extend(hits.iter().filter_map(|c| c.entry.clone()));
        }
        let n = hits.len() as u64;
        let passed = count.holds(n);
        let selector = self.selector();
        let (detail, shown): (String, Vec<&Candidate>) = match expect {
            Expectation::Unchanged if passed => (format!("no {} matching {selector} changed", self.resource), vec![]),
            Expectation::Unchanged => (format!("{n} {} matching {selector} changed", self.resource), hits),
            Expectation::Absent if passed => (format!("no {} matching {selector} exists", self.resource), vec![]),
            Expectation::Absent => (format!("{n} {} matching {selector} exist", self.resource), hits),
            _ if passed => (format!("{n} {} {} matching {selector}", self.resource, expect.as_str()), hits),
            _ if n < count.min && !misses.is_empty() => (
                format!(
                    "expected {} {} {} matching {selector}, found {n}; {} other {} {}",
                    count.describe(),
                    self.resource,
                    expect.as_str(),
                    misses.len(),
                    self.resource,
                    expect.as_str()
                ),
                misses,
            ),
            _ if n < count.min => (
                format!(
                    "expected {} {} {} matching {selector}, found {n}; no {} were {}",
                    count.describe(),
                    self.resource,
                    expect.as_str(),
                    self.resource,
                    expect.as_str()
                ),
                vec![],
            ),
            _ => (format!("expected {} {} {} matching {selector}, found {n}", count.describe(), self.resource, expect.as_str()), hits),
        };
        Outcome {
            kind,
            passed,
            fraction: closeness(count, n),
            detail,
            evidence: shown.iter().take(EVIDENCE).map(|c| format!("{}: {}", self.id, c.line)).collect(),
        }
    }

    fn selector(&self) -> String {
        let mut parts: Vec<String> = self.predicate.map(matching::describe).into_iter().collect();
        for (f, (from, to)) in self.fields {
            let side = |ms: &Option<Vec<Matcher>>| {
                ms.as_ref()
                    .map(|ms| ms.iter().map(|m| matching::describe_matcher("", m).trim().to_string()).collect::<Vec<_>>().join(" and "))
            };
            parts.push(match (side(from), side(to)) {
                (Some(a), Some(b)) => format!("{f} from ({a}) to ({b})"),
                (Some(a), None) => format!("{f} changed from ({a})"),
                (None, Some(b)) => format!("{f} changed to ({b})"),
                (None, None) => format!("{f} changed"),
            });
        }
        if parts.is_empty() { "anything".into() } else { parts.join(", ") }
    }

    fn asked(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if let Some(p) = self.predicate {
            matching::fields(p, &mut out);
        }
        out.extend(self.fields.keys().cloned());
        out
    }

    fn candidates(&self, expect: Expectation) -> Vec<Candidate> {
        let empty = ResourceDiff::default();
        let d = self.facts.diff.resources.get(self.resource).unwrap_or(&empty);
        let state = self.facts.state.get(self.resource).map(Vec::as_slice).unwrap_or(&[]);
        let asked = &self.asked();
        let entry = |kind: &'static str, i: usize| Some((self.id.to_string(), self.resource.to_string(), kind, i));
        let plain = |row: &Row, kind, i| Candidate {
            row: row.clone(),
            line: format!("{} {kind}", render::row(row, &d.key, asked)),
            entry: entry(kind, i),
            transitions_hold: true,
        };
        let added = || d.added.iter().enumerate().map(|(i, r)| plain(r, "added", i));
        let removed = || d.removed.iter().enumerate().map(|(i, r)| plain(r, "removed", i));
        let changed = |both_sides: bool| {
            d.changed.iter().enumerate().flat_map(move |(i, c)| {
                let after = state.iter().find(|r| c.key.iter().all(|(k, v)| r.get(k) == Some(v))).cloned().unwrap_or_else(|| {
                    c.key.iter().chain(c.fields.iter().map(|(f, ch)| (f, &ch.to))).map(|(k, v)| (k.clone(), v.clone())).collect()
                });
                let mut before = after.clone();
                for (f, ch) in &c.fields {
                    before.insert(f.clone(), ch.from.clone());
                }
                let transitions_hold = self.fields.iter().all(|(f, (from, to))| {
                    c.fields.get(f).is_some_and(|ch| {
                        from.as_ref().is_none_or(|m| matching::all_match(m, &ch.from))
                            && to.as_ref().is_none_or(|m| matching::all_match(m, &ch.to))
                    })
                });
                let mut unchanged = after.clone();
                unchanged.retain(|f, _| !c.fields.contains_key(f) || c.key.contains_key(f));
                let line = format!("{} changed: {}", render::row(&unchanged, &d.key, asked), render::fields(c));
                let mut out = vec![Candidate { row: after, line: line.clone(), entry: entry("changed", i), transitions_hold }];
                // `unchanged` is broken by a change to a record that matched before it or after it.
                if both_sides {
                    out.push(Candidate { row: before, line, entry: entry("changed", i), transitions_hold });
                }
                out
            })
        };
        match expect {
            Expectation::Added => added().collect(),
            Expectation::Removed => removed().collect(),
            Expectation::Changed => changed(false).collect(),
            Expectation::Unchanged => {
                let mut all: Vec<Candidate> = added().chain(removed()).chain(changed(true)).collect();
                // A record that matched on both sides is one violation, not two.
                let mut seen = BTreeSet::new();
                all.retain(|c| self.predicate.is_none_or(|p| holds(p, &c.row)) && seen.insert(c.entry.clone()));
                all
            }
            Expectation::Present | Expectation::Absent => state
                .iter()
                .map(|r| Candidate { row: r.clone(), line: render::row(r, &d.key, asked), entry: None, transitions_hold: true })
                .collect(),
        }
    }
}

fn strict(
    scope: &[String],
    ignore: &IgnoreSpec,
    ignore_where: &BTreeMap<String, Predicate>,
    claimed: &BTreeSet<EntryRef>,
    facts: &BTreeMap<String, CloneFacts>,
) -> Outcome {
    let mut expected = 0usize;
    let mut unexpected: Vec<String> = Vec::new();
    let ignored_fields = |resource: &str| -> BTreeSet<&str> {
        ignore.fields.iter().filter(|(r, _)| *r == "*" || *r == resource).flat_map(|(_, fs)| fs.iter().map(String::as_str)).collect()
    };
    for id in scope {
        for (resource, d) in &facts[id].diff.resources {
            if ignore.resources.iter().any(|r| r == resource) {
                continue;
            }
            let skip = ignored_fields(resource);
            let ignored_record = |row: &Row| ignore_where.get(resource).is_some_and(|p| holds(p, row));
            let is_claimed = |kind: &'static str, i: usize| claimed.contains(&(id.clone(), resource.clone(), kind, i));
            let none = BTreeSet::new();
            for (kind, rows) in [("added", &d.added), ("removed", &d.removed)] {
                for (i, row) in rows.iter().enumerate() {
                    if is_claimed(kind, i) {
                        expected += 1;
                    } else if !ignored_record(row) {
                        unexpected.push(format!("{id}: {resource} {kind}: {}", render::row(row, &d.key, &none)));
                    }
                }
            }
            for (i, c) in d.changed.iter().enumerate() {
                let seen: Row =
                    c.key.iter().chain(c.fields.iter().map(|(f, ch)| (f, &ch.to))).map(|(k, v)| (k.clone(), v.clone())).collect();
                if is_claimed("changed", i) {
                    expected += 1;
                } else if !ignored_record(&seen) && c.fields.keys().any(|f| !skip.contains(f.as_str())) {
                    let mut shown = c.clone();
                    shown.fields.retain(|f, _| !skip.contains(f.as_str()));
                    unexpected.push(format!("{id}: {resource} changed: {}", render::changed(&shown)));
                }
            }
        }
    }
    let passed = unexpected.is_empty();
    let detail = if passed {
        format!("no unexpected changes ({expected} expected)")
    } else {
        format!("{} unexpected change{} beside {expected} expected", unexpected.len(), if unexpected.len() == 1 { "" } else { "s" })
    };
    let total = expected + unexpected.len();
    let more = unexpected.len().saturating_sub(EVIDENCE);
    let mut evidence: Vec<String> = unexpected.into_iter().take(EVIDENCE).collect();
    if more > 0 {
        evidence.push(format!("… and {more} more (`asym env diff` shows all)"));
    }
    Outcome { kind: "strict".into(), passed, fraction: if total == 0 { 1.0 } else { expected as f64 / total as f64 }, detail, evidence }
}

fn journal(scope: &[String], filter: &JournalSpec, count: Count, facts: &BTreeMap<String, CloneFacts>) -> Outcome {
    let mut hits: Vec<(&str, &JournalEntry)> = Vec::new();
    for id in scope {
        hits.extend(facts[id].journal.iter().filter(|e| journal_matches(filter, e)).map(|e| (id.as_str(), e)));
    }
    let n = hits.len() as u64;
    let passed = count.holds(n);
    let what = describe_filter(filter);
    let detail = if passed { format!("{n} requests {what}") } else { format!("expected {} requests {what}, found {n}", count.describe()) };
    let evidence = if passed && count.max != Some(0) {
        vec![]
    } else {
        hits.iter()
            .take(EVIDENCE)
            .map(|(id, e)| {
                let err = e.error.as_deref().map(|c| format!(" {c}")).unwrap_or_default();
                format!(
                    "{id}: #{} {} {} → {}{err} by {}",
                    e.seq,
                    e.method,
                    e.path,
                    e.status,
                    e.principal.as_deref().unwrap_or("(no credential)")
                )
            })
            .collect()
    };
    Outcome { kind: "journal".into(), passed, fraction: closeness(count, n), detail, evidence }
}

fn journal_matches(f: &JournalSpec, e: &JournalEntry) -> bool {
    let method_ok = f.method.as_deref().is_none_or(|m| match m.strip_suffix('*') {
        Some(prefix) => e.rpc().starts_with(prefix) || e.path.starts_with(prefix),
        None => e.rpc() == m || e.path == m,
    });
    let status_ok = f.status.as_deref().is_none_or(|s| e.status_matches(s));
    method_ok
        && status_ok
        && f.http.as_deref().is_none_or(|h| h.eq_ignore_ascii_case(&e.method))
        && f.error.as_deref().is_none_or(|c| e.error.as_deref() == Some(c))
        && f.token.as_deref().is_none_or(|t| e.made_with(t))
        && f.principal.as_deref().is_none_or(|p| e.principal.as_deref().is_some_and(|kept| kept.contains(p)))
}

fn describe_filter(f: &JournalSpec) -> String {
    let mut parts = Vec::new();
    if let Some(m) = &f.method {
        parts.push(format!("to {m}"));
    }
    if let Some(h) = &f.http {
        parts.push(format!("with HTTP {h}"));
    }
    if let Some(s) = &f.status {
        parts.push(format!("with status {s}"));
    }
    if let Some(c) = &f.error {
        parts.push(format!("failing with {c}"));
    }
    if let Some(t) = &f.token {
        parts.push(format!("made with {}", asym_contract::journal::redact_secret(t)));
    }
    if let Some(p) = &f.principal {
        parts.push(format!("made with a credential like {p:?}"));
    }
    if parts.is_empty() { "in all".into() } else { parts.join(" ") }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
