-- Billing additions: customer tax ids and card sources, setup attempts, the
-- customer portal, shipping rates and subscription schedules, stored as the
-- other objects are (see 0001_init.sql). Legacy plans are recurring prices
-- (same id), so they have no table of their own.

-- Customer tax ids (`txi_…`).
CREATE TABLE tax_ids (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX tax_ids_seq ON tax_ids(seq);

-- Legacy card sources (`card_…`) on customers.
CREATE TABLE cards (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX cards_seq ON cards(seq);

-- Setup attempts (`setatt_…`), one per setup intent confirmation.
CREATE TABLE setup_attempts (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX setup_attempts_seq ON setup_attempts(seq);

-- Customer portal sessions (`bps_…`).
CREATE TABLE billing_portal_sessions (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX billing_portal_sessions_seq ON billing_portal_sessions(seq);

-- Customer portal configurations (`bpc_…`).
CREATE TABLE billing_portal_configurations (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX billing_portal_configurations_seq ON billing_portal_configurations(seq);

-- Shipping rates (`shr_…`).
CREATE TABLE shipping_rates (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX shipping_rates_seq ON shipping_rates(seq);

-- Subscription schedules (`sub_sched_…`).
CREATE TABLE subscription_schedules (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX subscription_schedules_seq ON subscription_schedules(seq);
