-- Stripe objects, one table per resource. Each row keeps the object as Stripe renders it
-- (`data`, JSON text) plus the columns lists filter and page on: `seq` orders a list
-- newest first, `customer` and `ref` (a per-resource second filter: a customer's
-- email, a price's product, a charge's payment intent, an event's type) are
-- indexed, `deleted` keeps Stripe's deleted stubs out of lists.

CREATE TABLE customers (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX customers_seq ON customers(seq);
CREATE INDEX customers_customer ON customers(customer, seq);
CREATE INDEX customers_ref ON customers(ref, seq);

CREATE TABLE products (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX products_seq ON products(seq);
CREATE INDEX products_customer ON products(customer, seq);
CREATE INDEX products_ref ON products(ref, seq);

CREATE TABLE prices (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX prices_seq ON prices(seq);
CREATE INDEX prices_customer ON prices(customer, seq);
CREATE INDEX prices_ref ON prices(ref, seq);

CREATE TABLE payment_methods (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX payment_methods_seq ON payment_methods(seq);
CREATE INDEX payment_methods_customer ON payment_methods(customer, seq);
CREATE INDEX payment_methods_ref ON payment_methods(ref, seq);

CREATE TABLE payment_intents (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX payment_intents_seq ON payment_intents(seq);
CREATE INDEX payment_intents_customer ON payment_intents(customer, seq);
CREATE INDEX payment_intents_ref ON payment_intents(ref, seq);

CREATE TABLE charges (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX charges_seq ON charges(seq);
CREATE INDEX charges_customer ON charges(customer, seq);
CREATE INDEX charges_ref ON charges(ref, seq);

CREATE TABLE refunds (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX refunds_seq ON refunds(seq);
CREATE INDEX refunds_customer ON refunds(customer, seq);
CREATE INDEX refunds_ref ON refunds(ref, seq);

CREATE TABLE events (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX events_seq ON events(seq);
CREATE INDEX events_customer ON events(customer, seq);
CREATE INDEX events_ref ON events(ref, seq);

CREATE TABLE webhook_endpoints (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_seq ON webhook_endpoints(seq);
CREATE INDEX webhook_endpoints_customer ON webhook_endpoints(customer, seq);
CREATE INDEX webhook_endpoints_ref ON webhook_endpoints(ref, seq);

CREATE TABLE balance_transactions (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX balance_transactions_seq ON balance_transactions(seq);
CREATE INDEX balance_transactions_customer ON balance_transactions(customer, seq);
CREATE INDEX balance_transactions_ref ON balance_transactions(ref, seq);

CREATE TABLE setup_intents (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX setup_intents_seq ON setup_intents(seq);
CREATE INDEX setup_intents_customer ON setup_intents(customer, seq);
CREATE INDEX setup_intents_ref ON setup_intents(ref, seq);

CREATE TABLE coupons (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX coupons_seq ON coupons(seq);
CREATE INDEX coupons_customer ON coupons(customer, seq);
CREATE INDEX coupons_ref ON coupons(ref, seq);

-- Secret keys, stored as SHA-256 hashes.
CREATE TABLE api_keys (
    hash     TEXT PRIMARY KEY,
    last4    TEXT NOT NULL,
    created  BIGINT NOT NULL
);

-- Webhook delivery: one row per (event, endpoint), its body byte for byte, retried
-- with backoff; every attempt is logged in webhook_attempts.
CREATE TABLE webhook_deliveries (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    body        TEXT NOT NULL,
    state       TEXT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    next_ms     BIGINT NOT NULL,
    last_error  TEXT,
    created_ms  BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_ms);

CREATE TABLE webhook_attempts (
    id          TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    attempt     BIGINT NOT NULL,
    status      BIGINT,
    error       TEXT,
    at_ms       BIGINT NOT NULL
);
