//! The customer portal: configurations (`bpc_…`: create, retrieve, update,
//! list) and sessions (`bps_…`: create). A session's `url` is the clone's own
//! page `/p/session/{id}` (see `routes/hosted.rs`), which shows the customer,
//! their subscriptions and invoices, and links back to `return_url`; it takes no
//! actions (cancel, update, payment method change are not built on the page).
//!
//! In Stripe a session without `configuration` uses the account's default
//! configuration, which exists once the portal settings are saved in the
//! Dashboard. This clone has no Dashboard: the first such session creates the
//! default configuration (`is_default: true`, every feature off but invoice
//! history), as saving the settings would.

use asym_store::Pool;
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, hash_value, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page};
use crate::model::{Req, events, must_get, now_secs, previous_attributes};
use crate::store::objects::{self, Kind, Scan};

/// How long a session's `url` can be opened (Stripe: a short-lived link).
pub const SESSION_TTL_SECS: i64 = 5 * 60;

const LOCALES: &[&str] = &[
    "auto", "bg", "cs", "da", "de", "el", "en", "en-AU", "en-CA", "en-GB", "en-IE", "en-IN", "en-NZ", "en-SG", "es", "es-419", "et", "fi",
    "fil", "fr", "fr-CA", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sk",
    "sl", "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW",
];

fn default_features() -> Value {
    json!({
        "customer_update": { "allowed_updates": [], "enabled": false },
        "invoice_history": { "enabled": false },
        "payment_method_update": { "enabled": false },
        "subscription_cancel": {
            "cancellation_reason": { "enabled": false, "options": [] },
            "enabled": false,
            "mode": "at_period_end",
            "proration_behavior": "none",
        },
        "subscription_update": {
            "default_allowed_updates": [],
            "enabled": false,
            "products": [],
            "proration_behavior": "none",
            "schedule_at_period_end": { "conditions": [] },
            "trial_update_behavior": "end_trial",
        },
    })
}

fn flag(v: &Value, param: &str) -> StripeResult<Option<bool>> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::String(s) if s == "true" => Ok(Some(true)),
        Value::String(s) if s == "false" => Ok(Some(false)),
        _ => Err(StripeError::invalid_param(format!("Invalid boolean: {v}"), param)),
    }
}

fn choice(v: &Value, param: &str, choices: &[&str]) -> StripeResult<Option<String>> {
    match v.as_str() {
        None => Ok(None),
        Some(s) if choices.contains(&s) => Ok(Some(s.to_string())),
        Some(s) => Err(StripeError::invalid_param(format!("Invalid {param}: must be one of {} (got `{s}`)", choices.join(", ")), param)),
    }
}

fn strings(v: &Value, param: &str, choices: Option<&[&str]>) -> StripeResult<Vec<String>> {
    let items: Vec<String> = match v {
        Value::String(s) if s.is_empty() => vec![],
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(String::from)).collect(),
        _ => return Err(StripeError::invalid_param(format!("Invalid array for `{param}`"), param)),
    };
    if let Some(choices) = choices
        && let Some(bad) = items.iter().find(|i| !choices.contains(&i.as_str()))
    {
        return Err(StripeError::invalid_param(format!("Invalid {param}: must be one of {} (got `{bad}`)", choices.join(", ")), param));
    }
    Ok(items)
}

/// Merges a `features[…]` parameter into `features`.
async fn apply_features(tx: &mut AnyConnection, features: &mut Value, given: &Map<String, Value>) -> StripeResult<()> {
    for (k, v) in given {
        let Some(m) = v.as_object() else {
            return Err(StripeError::invalid_param(format!("Invalid hash for `features[{k}]`"), format!("features[{k}]")));
        };
        let param = |f: &str| format!("features[{k}][{f}]");
        let known: &[&str] = match k.as_str() {
            "customer_update" => &["allowed_updates", "enabled"],
            "invoice_history" | "payment_method_update" => &["enabled"],
            "subscription_cancel" => &["cancellation_reason", "enabled", "mode", "proration_behavior"],
            "subscription_update" => {
                &["default_allowed_updates", "enabled", "products", "proration_behavior", "schedule_at_period_end", "trial_update_behavior"]
            }
            _ => return Err(StripeError::unknown(&format!("features[{k}]"))),
        };
        if let Some(f) = m.keys().find(|f| !known.contains(&f.as_str())) {
            return Err(StripeError::unknown(&param(f)));
        }
        let target = &mut features[k.as_str()];
        for (f, val) in m {
            match f.as_str() {
                "enabled" => {
                    if let Some(b) = flag(val, &param(f))? {
                        target["enabled"] = json!(b);
                    }
                }
                "allowed_updates" => {
                    target[f.as_str()] = json!(strings(val, &param(f), Some(&["address", "email", "name", "phone", "shipping", "tax_id"]))?)
                }
                "default_allowed_updates" => {
                    target[f.as_str()] = json!(strings(val, &param(f), Some(&["price", "promotion_code", "quantity"]))?)
                }
                "mode" => {
                    if let Some(c) = choice(val, &param(f), &["at_period_end", "immediately"])? {
                        target["mode"] = json!(c);
                    }
                }
                "proration_behavior" => {
                    if let Some(c) = choice(val, &param(f), &["always_invoice", "create_prorations", "none"])? {
                        target["proration_behavior"] = json!(c);
                    }
                }
                "trial_update_behavior" => {
                    if let Some(c) = choice(val, &param(f), &["continue_trial", "end_trial"])? {
                        target["trial_update_behavior"] = json!(c);
                    }
                }
                "cancellation_reason" => {
                    let r = hash_value(val.as_object().cloned().as_ref().unwrap_or(&Map::new()), &[])?;
                    if let Some(b) = flag(&r["enabled"], &format!("{}[enabled]", param(f)))? {
                        target["cancellation_reason"]["enabled"] = json!(b);
                    }
                    if !r["options"].is_null() {
                        target["cancellation_reason"]["options"] = json!(strings(
                            &r["options"],
                            &format!("{}[options]", param(f)),
                            Some(&[
                                "customer_service",
                                "low_quality",
                                "missing_features",
                                "other",
                                "switched_service",
                                "too_complex",
                                "too_expensive",
                                "unused"
                            ])
                        )?);
                    }
                }
                "products" => {
                    let list = match val {
                        Value::String(s) if s.is_empty() => vec![],
                        Value::Array(a) => a.clone(),
                        _ => return Err(StripeError::invalid_param(format!("Invalid array for `{}`", param(f)), param(f))),
                    };
                    let mut out = Vec::new();
                    for (i, e) in list.iter().enumerate() {
                        let pp = format!("{}[{i}]", param(f));
                        let prod =
                            e.get("product").and_then(Value::as_str).ok_or_else(|| StripeError::missing(&format!("{pp}[product]")))?;
                        must_get(&mut *tx, Kind::Product, prod, &format!("{pp}[product]")).await?;
                        let prices = strings(e.get("prices").unwrap_or(&json!([])), &format!("{pp}[prices]"), None)?;
                        for pr in &prices {
                            let price = must_get(&mut *tx, Kind::Price, pr, &format!("{pp}[prices]")).await?;
                            if price["product"] != json!(prod) {
                                return Err(StripeError::invalid_param(
                                    format!("The price {pr} does not belong to product {prod}."),
                                    format!("{pp}[prices]"),
                                ));
                            }
                        }
                        out.push(json!({ "adjustable_quantity": { "enabled": false, "maximum": null, "minimum": 1 }, "prices": prices, "product": prod }));
                    }
                    target["products"] = json!(out);
                }
                _ => return Err(StripeError::not_built(&param(f))),
            }
        }
    }
    if features["subscription_update"]["enabled"] == true
        && (features["subscription_update"]["products"].as_array().is_none_or(|a| a.is_empty())
            || features["subscription_update"]["default_allowed_updates"].as_array().is_none_or(|a| a.is_empty()))
    {
        return Err(StripeError::invalid_param(
            "To enable `subscription_update`, you must pass `default_allowed_updates` and `products`.",
            "features[subscription_update]",
        ));
    }
    Ok(())
}

fn apply_common(v: &mut Value, p: &Params) -> StripeResult<()> {
    if let Some(bp) = p.hash("business_profile")? {
        for (k, val) in bp {
            if !["headline", "privacy_policy_url", "terms_of_service_url"].contains(&k.as_str()) {
                return Err(StripeError::unknown(&format!("business_profile[{k}]")));
            }
            v["business_profile"][k.as_str()] = match val.as_str() {
                Some("") | None => Value::Null,
                Some(s) => json!(s),
            };
        }
    }
    if let Some(u) = p.str("default_return_url")? {
        v["default_return_url"] = if u.is_empty() { Value::Null } else { json!(u) };
    }
    if let Some(lp) = p.hash("login_page")? {
        let enabled = flag(lp.get("enabled").unwrap_or(&Value::Null), "login_page[enabled]")?
            .ok_or_else(|| StripeError::missing("login_page[enabled]"))?;
        let id = v["id"].as_str().unwrap_or_default().to_string();
        v["login_page"] = json!({ "enabled": enabled, "url": if enabled { json!(format!("https://billing.stripe.com/p/login/test_{}", &id[4..])) } else { Value::Null } });
    }
    if let Some(n) = p.str("name")? {
        v["name"] = if n.is_empty() { Value::Null } else { json!(n) };
    }
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    Ok(())
}

fn blank_configuration(is_default: bool) -> Value {
    let now = now_secs();
    json!({
        "id": ids::new("bpc"),
        "object": "billing_portal.configuration",
        "active": true,
        "application": null,
        "business_profile": { "headline": null, "privacy_policy_url": null, "terms_of_service_url": null },
        "created": now,
        "default_return_url": null,
        "features": default_features(),
        "is_default": is_default,
        "livemode": false,
        "login_page": { "enabled": false, "url": null },
        "metadata": {},
        "name": null,
        "updated": now,
    })
}

/// `POST /v1/billing_portal/configurations`.
pub async fn create_configuration(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&["features", "business_profile", "default_return_url", "login_page", "metadata", "name"])?;
    let features = p.hash("features")?.cloned().ok_or_else(|| StripeError::missing("features"))?;
    let mut v = blank_configuration(false);
    let mut tx = asym_store::begin_write(db).await?;
    apply_features(&mut tx, &mut v["features"], &features).await?;
    apply_common(&mut v, p)?;
    objects::insert(&mut *tx, Kind::PortalConfiguration, &v).await?;
    events::emit(&mut tx, req, "billing_portal.configuration.created", &v, None).await?;
    tx.commit().await?;
    Ok(v)
}

pub async fn retrieve_configuration(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::PortalConfiguration, id, "configuration").await
}

/// `POST /v1/billing_portal/configurations/{id}`.
pub async fn update_configuration(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["active", "features", "business_profile", "default_return_url", "login_page", "metadata", "name"])?;
    let mut tx = asym_store::begin_write(db).await?;
    let before = must_get(&mut *tx, Kind::PortalConfiguration, id, "configuration").await?;
    let mut v = before.clone();
    if let Some(a) = p.bool("active")? {
        if !a && v["is_default"] == true {
            return Err(StripeError::invalid_param("You cannot deactivate the default configuration.", "active"));
        }
        v["active"] = json!(a);
    }
    if let Some(f) = p.hash("features")? {
        apply_features(&mut tx, &mut v["features"], f).await?;
    }
    apply_common(&mut v, p)?;
    if v != before {
        v["updated"] = json!(now_secs());
        objects::save(&mut *tx, Kind::PortalConfiguration, &v).await?;
        events::emit(&mut tx, req, "billing_portal.configuration.updated", &v, Some(previous_attributes(&before, &v))).await?;
    }
    tx.commit().await?;
    Ok(v)
}

/// `GET /v1/billing_portal/configurations`: `active`, `is_default`.
pub async fn list_configurations(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["active", "is_default"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let active = p.bool("active")?;
    let is_default = p.bool("is_default")?;
    list::list(db, Kind::PortalConfiguration, "/v1/billing_portal/configurations", &page, Scan::default(), &|v| {
        active.is_none_or(|a| v["active"] == json!(a)) && is_default.is_none_or(|d| v["is_default"] == json!(d))
    })
    .await
}

/// The account's default configuration, made on first use (see the module doc).
async fn default_configuration(tx: &mut AnyConnection, req: &Req) -> StripeResult<Value> {
    let rows = objects::scan(&mut *tx, Kind::PortalConfiguration, &Scan { limit: 10_000, ..Default::default() }).await?;
    if let Some((_, v)) = rows.into_iter().find(|(_, v)| v["is_default"] == true) {
        return Ok(v);
    }
    let mut v = blank_configuration(true);
    v["features"]["invoice_history"]["enabled"] = json!(true);
    objects::insert(&mut *tx, Kind::PortalConfiguration, &v).await?;
    events::emit(tx, req, "billing_portal.configuration.created", &v, None).await?;
    Ok(v)
}

/// `POST /v1/billing_portal/sessions`.
pub async fn create_session(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&["customer", "configuration", "flow_data", "locale", "on_behalf_of", "return_url", "customer_account"])?;
    for k in ["flow_data", "on_behalf_of", "customer_account"] {
        if p.has(k) {
            return Err(StripeError::not_built(k));
        }
    }
    let customer = p.required("customer")?;
    let locale = p.choice("locale", LOCALES)?;
    let mut tx = asym_store::begin_write(db).await?;
    must_get(&mut *tx, Kind::Customer, &customer, "customer").await?;
    let config = match p.text("configuration")? {
        Some(c) => {
            let v = must_get(&mut *tx, Kind::PortalConfiguration, &c, "configuration").await?;
            if v["active"] != true {
                return Err(StripeError::invalid_param(
                    format!("The configuration {c} is not active. Activate it or pass another configuration."),
                    "configuration",
                ));
            }
            v
        }
        None => default_configuration(&mut tx, req).await?,
    };
    // Without one, the portal shows no link back (`return_url: null`).
    let return_url = p.text("return_url")?.or_else(|| config["default_return_url"].as_str().map(String::from));
    let id = ids::new("bps");
    let v = json!({
        "id": id,
        "object": "billing_portal.session",
        "configuration": config["id"],
        "created": now_secs(),
        "customer": customer,
        "customer_account": null,
        "flow": null,
        "livemode": false,
        "locale": locale,
        "on_behalf_of": null,
        "return_url": return_url,
        "url": format!("{}/p/session/{id}", req.base_url.trim_end_matches('/')),
    });
    objects::insert(&mut *tx, Kind::PortalSession, &v).await?;
    events::emit(&mut tx, req, "billing_portal.session.created", &v, None).await?;
    tx.commit().await?;
    Ok(v)
}

/// What the portal page shows for session `id`: the session, its customer, the
/// customer's subscriptions and (when invoice history is on) invoices.
pub async fn page_data(db: &Pool, id: &str) -> StripeResult<(Value, Value, Vec<Value>, Vec<Value>)> {
    let s = must_get(db, Kind::PortalSession, id, "session").await?;
    let cid = s["customer"].as_str().unwrap_or_default().to_string();
    let customer = must_get(db, Kind::Customer, &cid, "customer").await?;
    let config = must_get(db, Kind::PortalConfiguration, s["configuration"].as_str().unwrap_or_default(), "configuration").await?;
    let scan = Scan { customer: Some(cid), limit: 100, ..Default::default() };
    let subs = objects::scan(db, Kind::Subscription, &scan).await?.into_iter().map(|(_, v)| v).collect();
    let invoices = if config["features"]["invoice_history"]["enabled"] == true {
        objects::scan(db, Kind::Invoice, &scan).await?.into_iter().map(|(_, v)| v).filter(|i| i["status"] != "draft").collect()
    } else {
        vec![]
    };
    Ok((s, customer, subs, invoices))
}
