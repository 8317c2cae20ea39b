//! Stripe objects, one table per resource, each row the object as rendered
//! (`data`) plus the columns lists filter and page on. [`Kind`] names the
//! resource; its table name is a constant, never caller text.

use serde_json::Value;
use sqlx::any::AnyExecutor;
use sqlx::{AssertSqlSafe, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Customer,
    Product,
    Price,
    PaymentMethod,
    PaymentIntent,
    Charge,
    Refund,
    Event,
    WebhookEndpoint,
    BalanceTransaction,
    SetupIntent,
    Coupon,
    Invoice,
    InvoiceItem,
    Subscription,
    SubscriptionItem,
    PromotionCode,
    TestClock,
    Discount,
    CustomerBalanceTransaction,
    CheckoutSession,
    PaymentLink,
    Token,
    TaxRate,
    CreditNote,
    Dispute,
    Payout,
    Account,
    TaxId,
    Card,
    SetupAttempt,
    PortalSession,
    PortalConfiguration,
    ShippingRate,
    SubscriptionSchedule,
}

pub const ALL: &[Kind] = &[
    Kind::Customer,
    Kind::Product,
    Kind::Price,
    Kind::PaymentMethod,
    Kind::PaymentIntent,
    Kind::Charge,
    Kind::Refund,
    Kind::Event,
    Kind::WebhookEndpoint,
    Kind::BalanceTransaction,
    Kind::SetupIntent,
    Kind::Coupon,
    Kind::Invoice,
    Kind::InvoiceItem,
    Kind::Subscription,
    Kind::SubscriptionItem,
    Kind::PromotionCode,
    Kind::TestClock,
    Kind::Discount,
    Kind::CustomerBalanceTransaction,
    Kind::CheckoutSession,
    Kind::PaymentLink,
    Kind::Token,
    Kind::TaxRate,
    Kind::CreditNote,
    Kind::Dispute,
    Kind::Payout,
    Kind::Account,
    Kind::TaxId,
    Kind::Card,
    Kind::SetupAttempt,
    Kind::PortalSession,
    Kind::PortalConfiguration,
    Kind::ShippingRate,
    Kind::SubscriptionSchedule,
];

impl Kind {
    pub fn table(self) -> &'static str {
        match self {
            Kind::Customer => "customers",
            Kind::Product => "products",
            Kind::Price => "prices",
            Kind::PaymentMethod => "payment_methods",
            Kind::PaymentIntent => "payment_intents",
            Kind::Charge => "charges",
            Kind::Refund => "refunds",
            Kind::Event => "events",
            Kind::WebhookEndpoint => "webhook_endpoints",
            Kind::BalanceTransaction => "balance_transactions",
            Kind::SetupIntent => "setup_intents",
            Kind::Coupon => "coupons",
            Kind::Invoice => "invoices",
            Kind::InvoiceItem => "invoiceitems",
            Kind::Subscription => "subscriptions",
            Kind::SubscriptionItem => "subscription_items",
            Kind::PromotionCode => "promotion_codes",
            Kind::TestClock => "test_clocks",
            Kind::Discount => "discounts",
            Kind::CustomerBalanceTransaction => "customer_balance_transactions",
            Kind::CheckoutSession => "checkout_sessions",
            Kind::PaymentLink => "payment_links",
            Kind::Token => "tokens",
            Kind::TaxRate => "tax_rates",
            Kind::CreditNote => "credit_notes",
            Kind::Dispute => "disputes",
            Kind::Payout => "payouts",
            Kind::Account => "accounts",
            Kind::TaxId => "tax_ids",
            Kind::Card => "cards",
            Kind::SetupAttempt => "setup_attempts",
            Kind::PortalSession => "billing_portal_sessions",
            Kind::PortalConfiguration => "billing_portal_configurations",
            Kind::ShippingRate => "shipping_rates",
            Kind::SubscriptionSchedule => "subscription_schedules",
        }
    }

    /// The `object` field (and the word in `No such …` errors).
    pub fn object(self) -> &'static str {
        match self {
            Kind::Customer => "customer",
            Kind::Product => "product",
            Kind::Price => "price",
            Kind::PaymentMethod => "payment_method",
            Kind::PaymentIntent => "payment_intent",
            Kind::Charge => "charge",
            Kind::Refund => "refund",
            Kind::Event => "event",
            Kind::WebhookEndpoint => "webhook_endpoint",
            Kind::BalanceTransaction => "balance_transaction",
            Kind::SetupIntent => "setup_intent",
            Kind::Coupon => "coupon",
            Kind::Invoice => "invoice",
            Kind::InvoiceItem => "invoiceitem",
            Kind::Subscription => "subscription",
            Kind::SubscriptionItem => "subscription_item",
            Kind::PromotionCode => "promotion_code",
            Kind::TestClock => "test_helpers.test_clock",
            Kind::Discount => "discount",
            Kind::CustomerBalanceTransaction => "customer_balance_transaction",
            Kind::CheckoutSession => "checkout.session",
            Kind::PaymentLink => "payment_link",
            Kind::Token => "token",
            Kind::TaxRate => "tax_rate",
            Kind::CreditNote => "credit_note",
            Kind::Dispute => "dispute",
            Kind::Payout => "payout",
            Kind::Account => "account",
            Kind::TaxId => "tax_id",
            Kind::Card => "card",
            Kind::SetupAttempt => "setup_attempt",
            Kind::PortalSession => "billing_portal.session",
            Kind::PortalConfiguration => "billing_portal.configuration",
            Kind::ShippingRate => "shipping_rate",
            Kind::SubscriptionSchedule => "subscription_schedule",
        }
    }

    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Customer => "cus",
            Kind::Product => "prod",
            Kind::Price => "price",
            Kind::PaymentMethod => "pm",
            Kind::PaymentIntent => "pi",
            Kind::Charge => "ch",
            Kind::Refund => "re",
            Kind::Event => "evt",
            Kind::WebhookEndpoint => "we",
            Kind::BalanceTransaction => "txn",
            Kind::SetupIntent => "seti",
            Kind::Coupon => "",
            Kind::Invoice => "in",
            Kind::InvoiceItem => "ii",
            Kind::Subscription => "sub",
            Kind::SubscriptionItem => "si",
            Kind::PromotionCode => "promo",
            Kind::TestClock => "clock",
            Kind::Discount => "di",
            Kind::CustomerBalanceTransaction => "cbtxn",
            Kind::CheckoutSession => "cs",
            Kind::PaymentLink => "plink",
            Kind::Token => "tok",
            Kind::TaxRate => "txr",
            Kind::CreditNote => "cn",
            Kind::Dispute => "dp",
            Kind::Payout => "po",
            Kind::Account => "acct",
            Kind::TaxId => "txi",
            Kind::Card => "card",
            Kind::SetupAttempt => "setatt",
            Kind::PortalSession => "bps",
            Kind::PortalConfiguration => "bpc",
            Kind::ShippingRate => "shr",
            Kind::SubscriptionSchedule => "sub_sched",
        }
    }

    /// The kind an id names by its prefix (coupons and custom product ids have none).
    pub fn from_id(id: &str) -> Option<Kind> {
        // Longest prefix first: `sub_sched_…` is a schedule, not a subscription.
        ALL.iter()
            .copied()
            .filter(|k| !k.prefix().is_empty() && id.strip_prefix(k.prefix()).is_some_and(|rest| rest.starts_with('_')))
            .max_by_key(|k| k.prefix().len())
    }

    /// The `customer` and `ref` list columns of an object of this kind.
    fn index(self, v: &Value) -> (Option<String>, Option<String>) {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
        match self {
            Kind::Customer => (None, s("email")),
            Kind::Price => (None, s("product")),
            Kind::PaymentMethod | Kind::SetupIntent => (s("customer"), None),
            Kind::PaymentIntent => (s("customer"), None),
            Kind::Charge => (s("customer"), s("payment_intent")),
            Kind::Refund => (None, s("charge")),
            Kind::Event => (None, s("type")),
            Kind::BalanceTransaction => (None, s("source")),
            Kind::Invoice => (s("customer"), v["parent"]["subscription_details"]["subscription"].as_str().map(String::from)),
            Kind::InvoiceItem => (s("customer"), s("invoice")),
            Kind::Subscription | Kind::Discount => (s("customer"), None),
            Kind::CustomerBalanceTransaction => (s("customer"), s("invoice")),
            Kind::SubscriptionItem => (None, s("subscription")),
            Kind::PromotionCode => (None, s("code")),
            Kind::CheckoutSession => (s("customer"), s("payment_intent")),
            Kind::CreditNote => (s("customer"), s("invoice")),
            Kind::Dispute => (None, s("charge")),
            Kind::TaxId | Kind::Card | Kind::PortalSession | Kind::SubscriptionSchedule => (s("customer"), None),
            Kind::SetupAttempt => (None, s("setup_intent")),
            _ => (None, None),
        }
    }
}

/// Newest last: a list's order. Microseconds since the epoch, strictly increasing
/// within the process; seeded objects use their `created` second.
pub fn next_seq() -> i64 {
    crate::ids::monotonic_micros()
}

fn decode(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// One object by id (deleted stubs included), or `None`.
pub async fn get(db: impl AnyExecutor<'_>, kind: Kind, id: &str) -> sqlx::Result<Option<Value>> {
    let sql = format!("SELECT data FROM {} WHERE id = $1", kind.table());
    let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(db).await?;
    Ok(row.map(|r| decode(&r.get::<String, _>(0))))
}

/// The list position of one live object.
pub async fn seq_of(db: impl AnyExecutor<'_>, kind: Kind, id: &str) -> sqlx::Result<Option<i64>> {
    let sql = format!("SELECT seq FROM {} WHERE id = $1", kind.table());
    let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(db).await?;
    Ok(row.map(|r| r.get::<i64, _>(0)))
}

pub async fn insert(db: impl AnyExecutor<'_>, kind: Kind, v: &Value) -> sqlx::Result<()> {
    insert_at(db, kind, v, next_seq()).await
}

pub async fn insert_at(db: impl AnyExecutor<'_>, kind: Kind, v: &Value, seq: i64) -> sqlx::Result<()> {
    insert_with_ref(db, kind, v, seq, None).await
}

/// Inserts with an explicit `ref` column (a webhook endpoint's signing secret).
pub async fn insert_with_ref(db: impl AnyExecutor<'_>, kind: Kind, v: &Value, seq: i64, ref_override: Option<&str>) -> sqlx::Result<()> {
    let (customer, reference) = kind.index(v);
    let columns = Columns {
        id: v["id"].as_str().unwrap_or_default(),
        created: v["created"].as_i64().unwrap_or_default(),
        customer: customer.as_deref(),
        reference: ref_override.or(reference.as_deref()),
    };
    insert_row(db, kind, &columns, seq, &v.to_string()).await
}

/// The list columns of a row written from an already serialized object.
pub struct Columns<'a> {
    pub id: &'a str,
    pub created: i64,
    pub customer: Option<&'a str>,
    pub reference: Option<&'a str>,
}

/// Inserts an object serialized by the caller (who must give the list columns
/// [`Kind`]'s index would).
pub async fn insert_serialized(db: impl AnyExecutor<'_>, kind: Kind, row: &Columns<'_>, data: &str) -> sqlx::Result<()> {
    insert_row(db, kind, row, next_seq(), data).await
}

async fn insert_row(db: impl AnyExecutor<'_>, kind: Kind, row: &Columns<'_>, seq: i64, data: &str) -> sqlx::Result<()> {
    let sql = format!("INSERT INTO {} (id, seq, created, customer, ref, deleted, data) VALUES ($1, $2, $3, $4, $5, 0, $6)", kind.table());
    sqlx::query(AssertSqlSafe(sql))
        .bind(row.id)
        .bind(seq)
        .bind(row.created)
        .bind(row.customer)
        .bind(row.reference)
        .bind(data)
        .execute(db)
        .await?;
    Ok(())
}

/// Writes the object back with its list columns (the row keeps its place; a
/// webhook endpoint keeps its signing secret in `ref`).
pub async fn save(db: impl AnyExecutor<'_>, kind: Kind, v: &Value) -> sqlx::Result<()> {
    let id = v["id"].as_str().unwrap_or_default();
    if kind == Kind::WebhookEndpoint {
        sqlx::query("UPDATE webhook_endpoints SET data = $2 WHERE id = $1").bind(id).bind(v.to_string()).execute(db).await?;
        return Ok(());
    }
    let (customer, reference) = kind.index(v);
    let sql = format!("UPDATE {} SET customer = $2, ref = $3, data = $4 WHERE id = $1", kind.table());
    sqlx::query(AssertSqlSafe(sql)).bind(id).bind(customer).bind(reference).bind(v.to_string()).execute(db).await?;
    Ok(())
}

/// Replaces the object by Stripe's deleted stub and takes it out of lists.
pub async fn mark_deleted(db: impl AnyExecutor<'_>, kind: Kind, stub: &Value) -> sqlx::Result<()> {
    let sql = format!("UPDATE {} SET deleted = 1, data = $2 WHERE id = $1", kind.table());
    sqlx::query(AssertSqlSafe(sql)).bind(stub["id"].as_str().unwrap_or_default()).bind(stub.to_string()).execute(db).await?;
    Ok(())
}

/// Removes a row outright (objects Stripe forgets on delete).
pub async fn remove(db: impl AnyExecutor<'_>, kind: Kind, id: &str) -> sqlx::Result<()> {
    let sql = format!("DELETE FROM {} WHERE id = $1", kind.table());
    sqlx::query(AssertSqlSafe(sql)).bind(id).execute(db).await?;
    Ok(())
}

/// The signing secret kept in a webhook endpoint's `ref` column.
pub async fn endpoint_secret(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<Option<String>> {
    let row = sqlx::query("SELECT ref FROM webhook_endpoints WHERE id = $1").bind(id).fetch_optional(db).await?;
    Ok(row.and_then(|r| r.get::<Option<String>, _>(0)))
}

pub async fn set_endpoint_secret(db: impl AnyExecutor<'_>, id: &str, secret: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE webhook_endpoints SET ref = $2 WHERE id = $1").bind(id).bind(secret).execute(db).await?;
    Ok(())
}

/// Which rows one page read looks at.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    pub customer: Option<String>,
    pub reference: Option<String>,
    /// Only rows older than this position (`starting_after`).
    pub before: Option<i64>,
    /// Only rows newer than this position (`ending_before`); read oldest first.
    pub after: Option<i64>,
    pub limit: i64,
}

/// Live rows of `kind` matching `scan`, as `(seq, object)`, newest first (or
/// oldest first when `scan.after` is set).
pub async fn scan(db: impl AnyExecutor<'_>, kind: Kind, scan: &Scan) -> sqlx::Result<Vec<(i64, Value)>> {
    let mut sql = format!("SELECT seq, data FROM {} WHERE deleted = 0", kind.table());
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if scan.customer.is_some() {
        sql.push_str(&format!(" AND customer = {}", next()));
    }
    if scan.reference.is_some() {
        sql.push_str(&format!(" AND ref = {}", next()));
    }
    if scan.before.is_some() {
        sql.push_str(&format!(" AND seq < {}", next()));
    }
    if scan.after.is_some() {
        sql.push_str(&format!(" AND seq > {}", next()));
    }
    let asc = scan.after.is_some();
    sql.push_str(&format!(" ORDER BY seq {} LIMIT {}", if asc { "ASC" } else { "DESC" }, next()));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    if let Some(c) = &scan.customer {
        q = q.bind(c);
    }
    if let Some(r) = &scan.reference {
        q = q.bind(r);
    }
    if let Some(b) = scan.before {
        q = q.bind(b);
    }
    if let Some(a) = scan.after {
        q = q.bind(a);
    }
    q = q.bind(scan.limit);
    let rows = q.fetch_all(db).await?;
    Ok(rows.into_iter().map(|r| (r.get::<i64, _>(0), decode(&r.get::<String, _>(1)))).collect())
}

/// Takes the row's write lock for the rest of the transaction (a no-op update:
/// PostgreSQL locks the row; SQLite already holds the database write lock), so
/// two concurrent confirmations of one intent cannot both charge it.
pub async fn lock(db: impl AnyExecutor<'_>, kind: Kind, id: &str) -> sqlx::Result<()> {
    let sql = format!("UPDATE {} SET seq = seq WHERE id = $1", kind.table());
    sqlx::query(AssertSqlSafe(sql)).bind(id).execute(db).await?;
    Ok(())
}
