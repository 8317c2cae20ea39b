//! Stripe's MCP tools, with the names and argument shapes of Stripe's agent
//! toolkit (`@stripe/agent-toolkit` / `@stripe/mcp`): customers, products, prices,
//! invoices and invoice items, balance, refunds, payment intents, subscriptions,
//! coupons, payment links (`create_payment_link`), and the search/fetch pair
//! of Stripe's hosted MCP server. Disputes are not built, so their tools are not
//! offered. Extensions (marked "Extension") cover what the toolkit leaves to the
//! dashboard: starting a subscription, paying an invoice.
//!
//! Each tool is one `/v1` request made with the caller's `Authorization` (the
//! secret key), so errors, events and webhooks are the API's own. Arguments
//! travel as a JSON body (the dispatcher reads JSON as it reads forms) or, for
//! reads, as the query string.

use asym_clone_kit::mcp::args::{object, text};
use asym_clone_kit::{McpTool, ToolRequest};
use axum::http::Method;
use serde_json::{Map, Value, json};

fn get(path: &str, query: Vec<(String, String)>) -> ToolRequest {
    let q = serde_urlencoded::to_string(&query).unwrap_or_default();
    let path = if q.is_empty() { path.to_string() } else { format!("{path}?{q}") };
    ToolRequest::new(Method::GET, path, None)
}

fn post(path: impl Into<String>, body: Value) -> ToolRequest {
    ToolRequest::post(path, body)
}

fn number(a: &Map<String, Value>, key: &str) -> Result<Option<Value>, String> {
    match a.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(Some(Value::Number(n.clone()))),
        Some(other) => Err(format!("argument `{key}` must be a number, not {other}")),
    }
}

fn required_number(a: &Map<String, Value>, key: &str) -> Result<Value, String> {
    number(a, key)?.ok_or_else(|| format!("missing required argument `{key}`"))
}

/// Copies the optional arguments `keys` into `body` unchanged.
fn copy(a: &Map<String, Value>, body: &mut Value, keys: &[&str]) {
    for k in keys {
        if let Some(v) = a.get(*k).filter(|v| !v.is_null()) {
            body[*k] = v.clone();
        }
    }
}

/// Optional string or number arguments as query pairs (`limit` capped at 100).
fn query(a: &Map<String, Value>, keys: &[&str]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for k in keys {
        match a.get(*k) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => out.push((k.to_string(), s.clone())),
            Some(Value::Number(n)) if *k == "limit" => {
                let v = n.as_f64().filter(|x| *x >= 1.0).ok_or_else(|| "`limit` must be between 1 and 100".to_string())?;
                out.push((k.to_string(), ((v as u64).min(100)).to_string()));
            }
            Some(Value::Number(n)) => out.push((k.to_string(), n.to_string())),
            Some(other) => return Err(format!("argument `{k}` must be a string, not {other}")),
        }
    }
    Ok(out)
}

const LIMIT: &str = "A limit on the number of objects to be returned. Limit can range between 1 and 100.";

/// The Search API resources `search_stripe_resources` reaches.
const SEARCHABLE: &[&str] = &["customers", "payment_intents", "charges", "invoices", "prices", "products", "subscriptions"];

/// The retrieve path of an object id, by its prefix.
fn path_of(id: &str) -> Option<String> {
    let prefix = id.split('_').next()?;
    let resource = match prefix {
        "cus" => "customers",
        "prod" => "products",
        "price" => "prices",
        "pm" => "payment_methods",
        "pi" => "payment_intents",
        "ch" => "charges",
        "re" => "refunds",
        "in" => "invoices",
        "ii" => "invoiceitems",
        "sub" => "subscriptions",
        "si" => "subscription_items",
        "seti" => "setup_intents",
        "evt" => "events",
        "txn" => "balance_transactions",
        "promo" => "promotion_codes",
        "we" => "webhook_endpoints",
        "clock" => "test_helpers/test_clocks",
        _ => return None,
    };
    Some(format!("/v1/{resource}/{id}"))
}

pub const TOOLS: &[McpTool] = &[
    McpTool {
        name: "create_customer",
        description: "This tool will create a customer in Stripe.\n\nIt takes two arguments:\n- name (str): The name of the customer.\n- email (str, optional): The email of the customer.",
        input_schema: || {
            object(
                json!({
                    "name": {"type": "string", "description": "The name of the customer"},
                    "email": {"type": "string", "description": "The email of the customer"}
                }),
                &["name"],
            )
        },
        request: |a| {
            let mut body = json!({"name": text(a, "name")?});
            copy(a, &mut body, &["email"]);
            Ok(post("/v1/customers", body))
        },
    },
    McpTool {
        name: "list_customers",
        description: "This tool will fetch a list of Customers from Stripe.\n\nIt takes two arguments:\n- limit (int, optional): The number of customers to return.\n- email (str, optional): A case-sensitive filter on the list based on the customer's email field.",
        input_schema: || {
            object(
                json!({
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": LIMIT},
                    "email": {"type": "string", "description": "A case-sensitive filter on the list based on the customer's email field. The value must be a string."}
                }),
                &[],
            )
        },
        request: |a| Ok(get("/v1/customers", query(a, &["limit", "email"])?)),
    },
    McpTool {
        name: "create_product",
        description: "This tool will create a product in Stripe.\n\nIt takes two arguments:\n- name (str): The name of the product.\n- description (str, optional): The description of the product.",
        input_schema: || {
            object(
                json!({
                    "name": {"type": "string", "description": "The name of the product."},
                    "description": {"type": "string", "description": "The description of the product."}
                }),
                &["name"],
            )
        },
        request: |a| {
            let mut body = json!({"name": text(a, "name")?});
            copy(a, &mut body, &["description"]);
            Ok(post("/v1/products", body))
        },
    },
    McpTool {
        name: "list_products",
        description: "This tool will fetch a list of Products from Stripe.\n\nIt takes one optional argument:\n- limit (int, optional): The number of products to return.",
        input_schema: || object(json!({"limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": LIMIT}}), &[]),
        request: |a| Ok(get("/v1/products", query(a, &["limit"])?)),
    },
    McpTool {
        name: "create_price",
        description: "This tool will create a price in Stripe. If a product has not already been specified, a product should be created first.\n\nIt takes three arguments:\n- product (str): The ID of the product to create the price for.\n- unit_amount (int): The unit amount of the price in cents.\n- currency (str): The currency of the price.",
        input_schema: || {
            object(
                json!({
                    "product": {"type": "string", "description": "The ID of the product to create the price for."},
                    "unit_amount": {"type": "integer", "description": "The unit amount of the price in cents."},
                    "currency": {"type": "string", "description": "The currency of the price."}
                }),
                &["product", "unit_amount", "currency"],
            )
        },
        request: |a| {
            Ok(post(
                "/v1/prices",
                json!({"product": text(a, "product")?, "unit_amount": required_number(a, "unit_amount")?, "currency": text(a, "currency")?}),
            ))
        },
    },
    McpTool {
        name: "list_prices",
        description: "This tool will fetch a list of Prices from Stripe.\n\nIt takes two arguments.\n- product (str, optional): The ID of the product to list prices for.\n- limit (int, optional): The number of prices to return.",
        input_schema: || {
            object(
                json!({
                    "product": {"type": "string", "description": "The ID of the product to list prices for."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": LIMIT}
                }),
                &[],
            )
        },
        request: |a| Ok(get("/v1/prices", query(a, &["product", "limit"])?)),
    },
    McpTool {
        name: "create_invoice",
        description: "This tool will create an invoice in Stripe.\n\nIt takes two arguments:\n- customer (str): The ID of the customer to create the invoice for.\n- days_until_due (int, optional): The number of days until the invoice is due.",
        input_schema: || {
            object(
                json!({
                    "customer": {"type": "string", "description": "The ID of the customer to create the invoice for."},
                    "days_until_due": {"type": "integer", "description": "The number of days until the invoice is due."}
                }),
                &["customer"],
            )
        },
        request: |a| {
            let mut body = json!({"customer": text(a, "customer")?, "collection_method": "send_invoice"});
            copy(a, &mut body, &["days_until_due"]);
            Ok(post("/v1/invoices", body))
        },
    },
    McpTool {
        name: "list_invoices",
        description: "This tool will fetch a list of Invoices from Stripe.\n\nIt takes two arguments:\n- customer (str, optional): The ID of the customer to list invoices for.\n- limit (int, optional): The number of invoices to return.",
        input_schema: || {
            object(
                json!({
                    "customer": {"type": "string", "description": "The ID of the customer to list invoices for."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": LIMIT}
                }),
                &[],
            )
        },
        request: |a| Ok(get("/v1/invoices", query(a, &["customer", "limit"])?)),
    },
    McpTool {
        name: "create_invoice_item",
        description: "This tool will create an invoice item in Stripe.\n\nIt takes three arguments:\n- customer (str): The ID of the customer to create the invoice item for.\n- price (str): The ID of the price to create the invoice item for.\n- invoice (str): The ID of the invoice to create the invoice item for.",
        input_schema: || {
            object(
                json!({
                    "customer": {"type": "string", "description": "The ID of the customer to create the invoice item for."},
                    "price": {"type": "string", "description": "The ID of the price for the item."},
                    "invoice": {"type": "string", "description": "The ID of the invoice to create the item for."}
                }),
                &["customer", "price", "invoice"],
            )
        },
        request: |a| {
            Ok(post(
                "/v1/invoiceitems",
                json!({"customer": text(a, "customer")?, "pricing": {"price": text(a, "price")?}, "invoice": text(a, "invoice")?}),
            ))
        },
    },
    McpTool {
        name: "finalize_invoice",
        description: "This tool will finalize an invoice in Stripe.\n\nIt takes one argument:\n- invoice (str): The ID of the invoice to finalize.",
        input_schema: || object(json!({"invoice": {"type": "string", "description": "The ID of the invoice to finalize."}}), &["invoice"]),
        request: |a| Ok(post(format!("/v1/invoices/{}/finalize", text(a, "invoice")?), json!({}))),
    },
    McpTool {
        name: "retrieve_balance",
        description: "This tool will retrieve the balance from Stripe. It takes no input.",
        input_schema: || object(json!({}), &[]),
        request: |_| Ok(get("/v1/balance", vec![])),
    },
    McpTool {
        name: "create_refund",
        description: "This tool will refund a payment intent in Stripe.\n\nIt takes three arguments:\n- payment_intent (str): The ID of the payment intent to refund.\n- amount (int, optional): The amount to refund in cents.\n- reason (str, optional): The reason for the refund.",
        input_schema: || {
            object(
                json!({
                    "payment_intent": {"type": "string", "description": "The ID of the PaymentIntent to refund."},
                    "amount": {"type": "integer", "description": "The amount to refund in cents."},
                    "reason": {"type": "string", "enum": ["duplicate", "fraudulent", "requested_by_customer"], "description": "The reason for the refund."}
                }),
                &["payment_intent"],
            )
        },
        request: |a| {
            let mut body = json!({"payment_intent": text(a, "payment_intent")?});
            if let Some(n) = number(a, "amount")? {
                body["amount"] = n;
            }
            copy(a, &mut body, &["reason"]);
            Ok(post("/v1/refunds", body))
        },
    },
    McpTool {
        name: "list_payment_intents",
        description: "This tool will list payment intents in Stripe.\n\nIt takes two arguments:\n- customer (str, optional): The ID of the customer to list payment intents for.\n- limit (int, optional): The number of payment intents to return.",
        input_schema: || {
            object(
                json!({
                    "customer": {"type": "string", "description": "The ID of the customer to list payment intents for."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": LIMIT}
                }),
                &[],
            )
        },
        request: |a| Ok(get("/v1/payment_intents", query(a, &["customer", "limit"])?)),
    },
    McpTool {
        name: "list_subscriptions",
        description: "This tool will list all subscriptions in Stripe.\n\nIt takes four arguments:\n- customer (str, optional): The ID of the customer to list subscriptions for.\n- price (str, optional): The ID of the price to list subscriptions for.\n- status (str, optional): The status of the subscriptions to list (active, past_due, unpaid, canceled, incomplete, incomplete_expired, trialing, paused, all, ended).\n- limit (int, optional): The number of subscriptions to return.",
        input_schema: || {
            object(
                json!({
                    "customer": {"type": "string", "description": "The ID of the customer to list subscriptions for."},
                    "price": {"type": "string", "description": "The ID of the price to list subscriptions for."},
                    "status": {"type": "string", "enum": ["active", "past_due", "unpaid", "canceled", "incomplete", "incomplete_expired", "trialing", "paused", "all", "ended"], "description": "The status of the subscriptions to retrieve."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": LIMIT}
                }),
                &[],
            )
        },
        request: |a| Ok(get("/v1/subscriptions", query(a, &["customer", "price", "status", "limit"])?)),
    },
    McpTool {
        name: "cancel_subscription",
        description: "This tool will cancel a subscription in Stripe.\n\nIt takes the following arguments:\n- subscription (str, required): The ID of the subscription to cancel.",
        input_schema: || {
            object(json!({"subscription": {"type": "string", "description": "The ID of the subscription to cancel."}}), &["subscription"])
        },
        request: |a| Ok(ToolRequest::new(Method::DELETE, format!("/v1/subscriptions/{}", text(a, "subscription")?), None)),
    },
    McpTool {
        name: "update_subscription",
        description: "This tool will update an existing subscription in Stripe. If changing an existing subscription item, the existing subscription item has to be set to deleted and the new one has to be added.\n\nIt takes the following arguments:\n- subscription (str, required): The ID of the subscription to update.\n- proration_behavior (str, optional): How to handle prorations when changing the subscription (create_prorations, none, always_invoice).\n- items (array, optional): The subscription items to update or add, each with id, price, quantity or deleted.",
        input_schema: || {
            object(
                json!({
                    "subscription": {"type": "string", "description": "The ID of the subscription to update."},
                    "proration_behavior": {"type": "string", "enum": ["create_prorations", "none", "always_invoice"], "description": "Determines how to handle prorations when the subscription items change."},
                    "items": {"type": "array", "description": "A list of subscription items to update, add, or remove.", "items": {"type": "object", "properties": {
                        "id": {"type": "string", "description": "The ID of the subscription item to modify."},
                        "price": {"type": "string", "description": "The ID of the price to switch to."},
                        "quantity": {"type": "integer", "minimum": 1, "description": "The quantity of the plan to subscribe to."},
                        "deleted": {"type": "boolean", "description": "Whether to delete this item."}
                    }}}
                }),
                &["subscription"],
            )
        },
        request: |a| {
            let mut body = json!({});
            copy(a, &mut body, &["proration_behavior", "items"]);
            Ok(post(format!("/v1/subscriptions/{}", text(a, "subscription")?), body))
        },
    },
    McpTool {
        name: "list_coupons",
        description: "This tool will fetch a list of Coupons from Stripe.\n\nIt takes one optional argument:\n- limit (int, optional): The number of coupons to return.",
        input_schema: || object(json!({"limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": LIMIT}}), &[]),
        request: |a| Ok(get("/v1/coupons", query(a, &["limit"])?)),
    },
    McpTool {
        name: "create_coupon",
        description: "This tool will create a coupon in Stripe.\n\nIt takes several arguments:\n- name (str): The name of the coupon.\n\nOnly use one of percent_off or amount_off, not both:\n- percent_off (number, optional): The percentage discount to apply (between 0 and 100).\n- amount_off (number, optional): The amount off in cents.\n\nOptional arguments for duration. Use if specific duration is desired, otherwise default to 'once':\n- duration (str, optional): once, repeating or forever.\n- duration_in_months (number, optional): The number of months the coupon lasts if duration is repeating.\n- currency (str, optional): The currency for amount_off (defaults to usd).",
        input_schema: || {
            object(
                json!({
                    "name": {"type": "string", "description": "Name of the coupon displayed to customers on invoices or receipts."},
                    "percent_off": {"type": "number", "description": "A positive float larger than 0, and smaller or equal to 100, that represents the discount the coupon will apply."},
                    "amount_off": {"type": "number", "description": "A positive integer representing the amount to subtract from an invoice total."},
                    "currency": {"type": "string", "description": "Three-letter ISO code for the currency of the amount_off parameter (required if amount_off is passed)."},
                    "duration": {"type": "string", "enum": ["forever", "once", "repeating"], "description": "How long the discount applies. Defaults to once."},
                    "duration_in_months": {"type": "number", "description": "Required only if duration is repeating: the number of months the discount applies."}
                }),
                &["name"],
            )
        },
        request: |a| {
            let mut body = json!({"name": text(a, "name")?});
            copy(a, &mut body, &["percent_off", "amount_off", "currency", "duration", "duration_in_months"]);
            if body.get("amount_off").is_some() && body.get("currency").is_none() {
                body["currency"] = json!("usd");
            }
            Ok(post("/v1/coupons", body))
        },
    },
    McpTool {
        name: "search_stripe_resources",
        description: "Search Stripe objects with the Search API query language. The query starts with the resource to search, then a colon, then a Search API query: `customers:email:'jenny@example.com'`, `invoices:status:'open' AND total>1000`, `subscriptions:status:'active'`. Resources: customers, payment_intents, charges, invoices, prices, products, subscriptions.",
        input_schema: || {
            object(
                json!({
                    "query": {"type": "string", "description": "`<resource>:<search query>`, for example customers:name~'jen'"},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": LIMIT}
                }),
                &["query"],
            )
        },
        request: |a| {
            let q = text(a, "query")?;
            let (resource, rest) = q
                .split_once(':')
                .ok_or_else(|| "`query` must start with a resource and a colon, e.g. customers:email:'a@b.c'".to_string())?;
            let resource = resource.trim();
            if !SEARCHABLE.contains(&resource) {
                return Err(format!("`{resource}` cannot be searched; use one of {}", SEARCHABLE.join(", ")));
            }
            let mut pairs = vec![("query".to_string(), rest.trim().to_string())];
            pairs.extend(query(a, &["limit"])?);
            Ok(get(&format!("/v1/{resource}/search"), pairs))
        },
    },
    McpTool {
        name: "fetch_stripe_resources",
        description: "Retrieve one Stripe object by its ID (cus_…, pi_…, in_…, sub_…, price_…, prod_…, ch_…, re_…, evt_…).",
        input_schema: || object(json!({"id": {"type": "string", "description": "The ID of the Stripe object to retrieve."}}), &["id"]),
        request: |a| {
            let id = text(a, "id")?;
            let path = path_of(&id).ok_or_else(|| format!("`{id}` is not an ID this tool can fetch"))?;
            Ok(get(&path, vec![]))
        },
    },
    McpTool {
        name: "create_subscription",
        description: "Extension: subscribe a customer to a recurring price. Arguments: customer (str), price (str), quantity (int, optional), trial_period_days (int, optional), default_payment_method (str, optional).",
        input_schema: || {
            object(
                json!({
                    "customer": {"type": "string", "description": "The ID of the customer to subscribe."},
                    "price": {"type": "string", "description": "The ID of a recurring price."},
                    "quantity": {"type": "integer", "minimum": 1, "description": "The quantity of the price."},
                    "trial_period_days": {"type": "integer", "minimum": 1, "description": "Days of free trial before the first charge."},
                    "default_payment_method": {"type": "string", "description": "A payment method attached to the customer to charge."}
                }),
                &["customer", "price"],
            )
        },
        request: |a| {
            let mut item = json!({"price": text(a, "price")?});
            if let Some(q) = number(a, "quantity")? {
                item["quantity"] = q;
            }
            let mut body = json!({"customer": text(a, "customer")?, "items": [item]});
            copy(a, &mut body, &["trial_period_days", "default_payment_method"]);
            Ok(post("/v1/subscriptions", body))
        },
    },
    McpTool {
        name: "pay_invoice",
        description: "Extension: pay an open (or draft, which is finalized first) invoice with the customer's default payment method, or with payment_method if given.",
        input_schema: || {
            object(
                json!({
                    "invoice": {"type": "string", "description": "The ID of the invoice to pay."},
                    "payment_method": {"type": "string", "description": "A payment method of the customer to charge instead of the default."}
                }),
                &["invoice"],
            )
        },
        request: |a| {
            let mut body = json!({});
            copy(a, &mut body, &["payment_method"]);
            Ok(post(format!("/v1/invoices/{}/pay", text(a, "invoice")?), body))
        },
    },
    McpTool {
        name: "create_payment_link",
        description: "This tool will create a payment link in Stripe.\n\nIt takes two arguments:\n- price (str): The ID of the price to create the payment link for.\n- quantity (int): The quantity of the product to include in the payment link.\n- redirect_url (str, optional): The URL to redirect to after the payment is completed.",
        input_schema: || {
            object(
                json!({
                    "price": {"type": "string", "description": "The ID of the price to create the payment link for."},
                    "quantity": {"type": "number", "description": "The quantity of the product to include."},
                    "redirect_url": {"type": "string", "description": "The URL to redirect to after the payment is completed."}
                }),
                &["price", "quantity"],
            )
        },
        request: |a| {
            let mut body = json!({"line_items": [{"price": text(a, "price")?, "quantity": required_number(a, "quantity")?}]});
            if let Some(url) = a.get("redirect_url").and_then(Value::as_str).filter(|s| !s.is_empty()) {
                body["after_completion"] = json!({"type": "redirect", "redirect": {"url": url}});
            }
            Ok(post("/v1/payment_links", body))
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn tool(name: &str) -> &'static McpTool {
        TOOLS.iter().find(|t| t.name == name).unwrap()
    }

    #[test]
    fn toolkit_tools_map_to_their_api_requests() {
        let r = (tool("create_customer").request)(&args(json!({"name": "Jenny", "email": "j@example.com"}))).unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/v1/customers"));
        assert_eq!(r.body.unwrap(), json!({"name": "Jenny", "email": "j@example.com"}));
        let r = (tool("list_customers").request)(&args(json!({"limit": 500, "email": "a+b@example.com"}))).unwrap();
        assert_eq!(r.path, "/v1/customers?limit=100&email=a%2Bb%40example.com");
        let r = (tool("create_invoice_item").request)(&args(json!({"customer": "cus_1", "price": "price_1", "invoice": "in_1"}))).unwrap();
        assert_eq!(r.body.unwrap()["pricing"]["price"], "price_1");
        let r = (tool("search_stripe_resources").request)(&args(json!({"query": "customers:email:'a@b.c'"}))).unwrap();
        assert_eq!(r.path, "/v1/customers/search?query=email%3A%27a%40b.c%27");
        let r = (tool("cancel_subscription").request)(&args(json!({"subscription": "sub_1"}))).unwrap();
        assert_eq!((r.method, r.path.as_str()), (Method::DELETE, "/v1/subscriptions/sub_1"));
        let r = (tool("fetch_stripe_resources").request)(&args(json!({"id": "in_123"}))).unwrap();
        assert_eq!(r.path, "/v1/invoices/in_123");
        let r =
            (tool("create_payment_link").request)(&args(json!({"price": "price_1", "quantity": 2, "redirect_url": "https://x.test/ok"})))
                .unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/v1/payment_links"));
        let body = r.body.unwrap();
        assert_eq!(body["line_items"][0], json!({"price": "price_1", "quantity": 2}));
        assert_eq!(body["after_completion"]["redirect"]["url"], "https://x.test/ok");
        assert_eq!(
            (tool("create_payment_link").request)(&args(json!({"price": "price_1"}))).unwrap_err(),
            "missing required argument `quantity`"
        );
    }

    #[test]
    fn bad_arguments_are_named() {
        assert_eq!(
            (tool("create_price").request)(&args(json!({"product": "prod_1", "currency": "usd"}))).unwrap_err(),
            "missing required argument `unit_amount`"
        );
        assert!((tool("search_stripe_resources").request)(&args(json!({"query": "refunds:amount>1"}))).is_err());
        assert!((tool("fetch_stripe_resources").request)(&args(json!({"id": "nope"}))).is_err());
        for t in TOOLS {
            assert_eq!((t.input_schema)()["type"], "object", "{}", t.name);
        }
    }
}
