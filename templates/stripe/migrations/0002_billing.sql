-- Billing: invoices and invoice items, subscriptions and their items, promotion codes,
-- discounts and test clocks, stored as the other objects are (see 0001_init.sql).

CREATE TABLE invoices (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX invoices_seq ON invoices(seq);
CREATE INDEX invoices_customer ON invoices(customer, seq);
CREATE INDEX invoices_ref ON invoices(ref, seq);

CREATE TABLE invoiceitems (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX invoiceitems_seq ON invoiceitems(seq);
CREATE INDEX invoiceitems_customer ON invoiceitems(customer, seq);
CREATE INDEX invoiceitems_ref ON invoiceitems(ref, seq);

CREATE TABLE subscriptions (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX subscriptions_seq ON subscriptions(seq);
CREATE INDEX subscriptions_customer ON subscriptions(customer, seq);
CREATE INDEX subscriptions_ref ON subscriptions(ref, seq);

CREATE TABLE subscription_items (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX subscription_items_seq ON subscription_items(seq);
CREATE INDEX subscription_items_customer ON subscription_items(customer, seq);
CREATE INDEX subscription_items_ref ON subscription_items(ref, seq);

CREATE TABLE promotion_codes (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX promotion_codes_seq ON promotion_codes(seq);
CREATE INDEX promotion_codes_customer ON promotion_codes(customer, seq);
CREATE INDEX promotion_codes_ref ON promotion_codes(ref, seq);

CREATE TABLE test_clocks (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX test_clocks_seq ON test_clocks(seq);
CREATE INDEX test_clocks_customer ON test_clocks(customer, seq);
CREATE INDEX test_clocks_ref ON test_clocks(ref, seq);

CREATE TABLE discounts (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX discounts_seq ON discounts(seq);
CREATE INDEX discounts_customer ON discounts(customer, seq);
CREATE INDEX discounts_ref ON discounts(ref, seq);
