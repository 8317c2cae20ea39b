//! Test clocks (`/v1/test_helpers/test_clocks`): a frozen time that customers
//! created with `test_clock` live by. Advancing the clock walks forward through
//! every billing moment of its customers' subscriptions and invoices up to the
//! new time, in order (trial ends, renewals, scheduled cancellations, draft
//! invoices finalizing an hour after creation, incomplete subscriptions
//! expiring), as Stripe does; the clock reads `advancing` while it runs, then `ready`.
//!
//! Also the calendar arithmetic billing periods use.

use asym_store::Pool;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::Params;
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page};
use crate::model::{Req, events, invoices, must_get, now_secs, subscription_schedules, subscriptions};
use crate::store::objects::{self, Kind, Scan};

/// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    days_from_civil(if m == 12 { y + 1 } else { y }, if m == 12 { 1 } else { m + 1 }, 1) - days_from_civil(y, m, 1)
}

/// `ts` moved by `count` billing intervals (`day`, `week`, `month`, `year`); a
/// month from Jan 31 is the last day of February, as Stripe bills.
pub fn add_interval(ts: i64, interval: &str, count: i64) -> i64 {
    let (days, secs) = (ts.div_euclid(86_400), ts.rem_euclid(86_400));
    match interval {
        "day" => ts + count * 86_400,
        "week" => ts + count * 7 * 86_400,
        _ => {
            let months = if interval == "year" { count * 12 } else { count };
            let (y, m, d) = civil_from_days(days);
            let total = y * 12 + (m - 1) + months;
            let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
            let nd = d.min(days_in_month(ny, nm));
            days_from_civil(ny, nm, nd) * 86_400 + secs
        }
    }
}

/// The time for a customer: its test clock's frozen time, or now.
pub async fn now_for(tx: &mut AnyConnection, customer: &Value) -> StripeResult<i64> {
    match customer["test_clock"].as_str() {
        Some(clock) => {
            Ok(objects::get(&mut *tx, Kind::TestClock, clock).await?.and_then(|c| c["frozen_time"].as_i64()).unwrap_or(now_secs()))
        }
        None => Ok(now_secs()),
    }
}

/// The time for the customer with id `customer`.
pub async fn now_for_id(tx: &mut AnyConnection, customer: &str) -> StripeResult<i64> {
    match objects::get(&mut *tx, Kind::Customer, customer).await? {
        Some(c) => now_for(tx, &c).await,
        None => Ok(now_secs()),
    }
}

/// `POST /v1/test_helpers/test_clocks`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&["frozen_time", "name"])?;
    let frozen = p.int("frozen_time")?.ok_or_else(|| StripeError::missing("frozen_time"))?;
    let now = now_secs();
    let clock = json!({
        "id": ids::new("clock"),
        "object": "test_helpers.test_clock",
        "created": now,
        "deletes_after": now + 30 * 86_400,
        "frozen_time": frozen,
        "livemode": false,
        "name": p.text("name")?,
        "status": "ready",
        "status_details": {},
    });
    let mut tx = asym_store::begin_write(db).await?;
    objects::insert(&mut *tx, Kind::TestClock, &clock).await?;
    events::emit(&mut tx, req, "test_helpers.test_clock.created", &clock, None).await?;
    tx.commit().await?;
    Ok(clock)
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::TestClock, id, "test_clock").await
}

/// `DELETE /v1/test_helpers/test_clocks/{id}`: the clock and its customers go.
pub async fn delete(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let clock = must_get(&mut *tx, Kind::TestClock, id, "test_clock").await?;
    for c in clock_customers(&mut tx, id).await? {
        let cid = c["id"].as_str().unwrap_or_default();
        for (_, mut s) in
            objects::scan(&mut *tx, Kind::Subscription, &Scan { customer: Some(cid.into()), limit: 10_000, ..Default::default() }).await?
        {
            if s["status"] != "canceled" && s["status"] != "incomplete_expired" {
                s["status"] = json!("canceled");
                s["canceled_at"] = clock["frozen_time"].clone();
                s["ended_at"] = clock["frozen_time"].clone();
                objects::save(&mut *tx, Kind::Subscription, &s).await?;
            }
        }
        objects::mark_deleted(&mut *tx, Kind::Customer, &json!({ "id": cid, "object": "customer", "deleted": true })).await?;
    }
    objects::remove(&mut *tx, Kind::TestClock, id).await?;
    events::emit(&mut tx, req, "test_helpers.test_clock.deleted", &clock, None).await?;
    tx.commit().await?;
    Ok(json!({ "id": id, "object": "test_helpers.test_clock", "deleted": true }))
}

pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    p.allow(PAGE_PARAMS)?;
    let page = Page::from(p)?;
    list::list(db, Kind::TestClock, "/v1/test_helpers/test_clocks", &page, Scan::default(), &|_| true).await
}

async fn clock_customers(tx: &mut AnyConnection, clock: &str) -> StripeResult<Vec<Value>> {
    let rows = objects::scan(&mut *tx, Kind::Customer, &Scan { limit: i64::MAX / 2, ..Default::default() }).await?;
    Ok(rows.into_iter().map(|(_, c)| c).filter(|c| c["test_clock"] == json!(clock)).collect())
}

/// The next billing moment at or before `until` among the clock's customers.
enum Due {
    Schedule(String),
    Subscription(String),
    Invoice(String),
}

async fn next_due(tx: &mut AnyConnection, customers: &[String], until: i64) -> StripeResult<Option<(i64, Due)>> {
    let mut best: Option<(i64, Due)> = None;
    for c in customers {
        let scan = Scan { customer: Some(c.clone()), limit: 10_000, ..Default::default() };
        // A schedule's phase change goes before a renewal at the same moment, so
        // the renewal bills the new phase.
        for s in subscription_schedules::of_customer(tx, c).await? {
            if let Some(t) = subscription_schedules::next_moment(&s)
                && t <= until
                && best.as_ref().is_none_or(|(b, _)| t < *b)
            {
                best = Some((t, Due::Schedule(s["id"].as_str().unwrap_or_default().into())));
            }
        }
        for (_, s) in objects::scan(&mut *tx, Kind::Subscription, &scan).await? {
            if let Some(t) = subscriptions::next_moment(&s)
                && t <= until
                && best.as_ref().is_none_or(|(b, _)| t < *b)
            {
                best = Some((t, Due::Subscription(s["id"].as_str().unwrap_or_default().into())));
            }
        }
        for (_, inv) in objects::scan(&mut *tx, Kind::Invoice, &scan).await? {
            if let Some(t) = invoices::next_moment(&inv)
                && t <= until
                && best.as_ref().is_none_or(|(b, _)| t < *b)
            {
                best = Some((t, Due::Invoice(inv["id"].as_str().unwrap_or_default().into())));
            }
        }
    }
    Ok(best)
}

/// `POST /v1/test_helpers/test_clocks/{id}/advance`.
pub async fn advance(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["frozen_time"])?;
    let target = p.int("frozen_time")?.ok_or_else(|| StripeError::missing("frozen_time"))?;
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::TestClock, id).await?;
    let mut clock = must_get(&mut *tx, Kind::TestClock, id, "test_clock").await?;
    let from = clock["frozen_time"].as_i64().unwrap_or(0);
    if target <= from {
        return Err(StripeError::invalid_param(
            format!("The frozen time must be after the test clock's current frozen time ({from})."),
            "frozen_time",
        ));
    }
    let mut advancing = clock.clone();
    advancing["status"] = json!("advancing");
    advancing["status_details"] = json!({ "advancing": { "target_frozen_time": target } });
    events::emit(&mut tx, req, "test_helpers.test_clock.advancing", &advancing, None).await?;
    let customers: Vec<String> = clock_customers(&mut tx, id).await?.iter().filter_map(|c| c["id"].as_str().map(String::from)).collect();
    let mut steps = 0;
    while let Some((at, due)) = next_due(&mut tx, &customers, target).await? {
        steps += 1;
        if steps > 5_000 {
            return Err(StripeError::invalid_param(
                "This advance covers too many billing periods; advance in smaller steps.",
                "frozen_time",
            ));
        }
        clock["frozen_time"] = json!(at.max(from));
        objects::save(&mut *tx, Kind::TestClock, &clock).await?;
        match due {
            Due::Schedule(s) => subscription_schedules::on_moment(&mut tx, req, &s, at).await?,
            Due::Subscription(s) => subscriptions::on_moment(&mut tx, req, &s, at).await?,
            Due::Invoice(i) => invoices::on_moment(&mut tx, req, &i, at).await?,
        }
    }
    clock["frozen_time"] = json!(target);
    clock["status"] = json!("ready");
    clock["status_details"] = json!({});
    objects::save(&mut *tx, Kind::TestClock, &clock).await?;
    events::emit(&mut tx, req, "test_helpers.test_clock.ready", &clock, None).await?;
    tx.commit().await?;
    // The advance call answers as Stripe's does: the clock on its way to the target.
    Ok(advancing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_clamp_to_the_end_of_short_months() {
        let jan31 = days_from_civil(2025, 1, 31) * 86_400 + 3600;
        assert_eq!(civil_from_days(add_interval(jan31, "month", 1).div_euclid(86_400)), (2025, 2, 28));
        assert_eq!(add_interval(jan31, "month", 1).rem_euclid(86_400), 3600);
        assert_eq!(civil_from_days(add_interval(jan31, "year", 1).div_euclid(86_400)), (2026, 1, 31));
        assert_eq!(add_interval(0, "week", 2), 14 * 86_400);
        let dec15 = days_from_civil(2024, 12, 15) * 86_400;
        assert_eq!(civil_from_days(add_interval(dec15, "month", 1) / 86_400), (2025, 1, 15));
    }
}
