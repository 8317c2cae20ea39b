//! Stripe's list envelope `{object:"list",data,has_more,url}` with `limit`,
//! `starting_after`, `ending_before` and a `created` filter. Indexed filters go to
//! SQL ([`Scan`]); the rest are a predicate applied while paging, so `has_more`
//! stays exact whatever the filter.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{StripeError, StripeResult};
use crate::form::Params;
use crate::store::objects::{self, Kind, Scan};

/// `limit` (1–100, default 10) and the two cursors.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub limit: i64,
    pub starting_after: Option<String>,
    pub ending_before: Option<String>,
}

pub const PAGE_PARAMS: &[&str] = &["limit", "starting_after", "ending_before"];

impl Page {
    pub fn from(p: &Params) -> StripeResult<Page> {
        let limit = match p.int("limit")? {
            None => 10,
            Some(n) if n < 1 => return Err(StripeError::invalid_param("This value must be greater than or equal to 1.", "limit")),
            Some(n) if n > 100 => return Err(StripeError::invalid_param("This value must be less than or equal to 100.", "limit")),
            Some(n) => n,
        };
        let starting_after = p.text("starting_after")?;
        let ending_before = p.text("ending_before")?;
        if starting_after.is_some() && ending_before.is_some() {
            return Err(StripeError::invalid("You may only specify one of these parameters: ending_before, starting_after."));
        }
        Ok(Page { limit, starting_after, ending_before })
    }
}

/// A `created` (or other timestamp) filter: `created=T` or `created[gt|gte|lt|lte]=T`.
/// A test on one timestamp.
pub type RangeTest = Box<dyn Fn(i64) -> bool + Send + Sync>;

pub fn range_filter(p: &Params, k: &str) -> StripeResult<Option<RangeTest>> {
    let Some(v) = p.get(k) else { return Ok(None) };
    let int = |s: &str, name: &str| {
        s.parse::<i64>().map_err(|_| StripeError::coded("parameter_invalid_integer", format!("Invalid integer: {s}"), Some(name)))
    };
    match v {
        Value::String(s) => {
            let t = int(s, k)?;
            Ok(Some(Box::new(move |x| x == t)))
        }
        Value::Object(m) => {
            let mut bounds: Vec<(String, i64)> = Vec::new();
            for (op, val) in m {
                if !["gt", "gte", "lt", "lte"].contains(&op.as_str()) {
                    return Err(StripeError::unknown(&format!("{k}[{op}]")));
                }
                let s = val.as_str().unwrap_or_default();
                bounds.push((op.clone(), int(s, &format!("{k}[{op}]"))?));
            }
            Ok(Some(Box::new(move |x| {
                bounds.iter().all(|(op, t)| match op.as_str() {
                    "gt" => x > *t,
                    "gte" => x >= *t,
                    "lt" => x < *t,
                    _ => x <= *t,
                })
            })))
        }
        _ => Err(StripeError::invalid_param(format!("Invalid {k}"), k)),
    }
}

/// One page of `kind` at `url`.
pub async fn list(
    db: &Pool,
    kind: Kind,
    url: &str,
    page: &Page,
    base: Scan,
    keep: &(dyn Fn(&Value) -> bool + Send + Sync),
) -> StripeResult<Value> {
    let mut scan = base;
    if let Some(id) = &page.starting_after {
        scan.before = Some(objects::seq_of(db, kind, id).await?.ok_or_else(|| StripeError::no_such(kind.object(), id, "starting_after"))?);
    }
    if let Some(id) = &page.ending_before {
        scan.after = Some(objects::seq_of(db, kind, id).await?.ok_or_else(|| StripeError::no_such(kind.object(), id, "ending_before"))?);
    }
    let batch = (page.limit + 1).max(100);
    scan.limit = batch;
    let mut out: Vec<Value> = Vec::new();
    'pages: loop {
        let rows = objects::scan(db, kind, &scan).await?;
        let n = rows.len() as i64;
        for (seq, v) in rows {
            if scan.after.is_some() {
                scan.after = Some(seq);
            } else {
                scan.before = Some(seq);
            }
            if keep(&v) {
                out.push(v);
                if out.len() as i64 > page.limit {
                    break 'pages;
                }
            }
        }
        if n < batch {
            break;
        }
    }
    let has_more = out.len() as i64 > page.limit;
    out.truncate(page.limit as usize);
    if page.ending_before.is_some() {
        out.reverse();
    }
    Ok(envelope(out, has_more, url))
}

pub fn envelope(data: Vec<Value>, has_more: bool, url: &str) -> Value {
    json!({ "object": "list", "data": data, "has_more": has_more, "url": url })
}
