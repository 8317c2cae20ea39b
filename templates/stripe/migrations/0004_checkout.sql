-- Checkout Sessions (`cs_test_…`), Payment Links (`plink_…`) and card tokens
-- (`tok_…`), stored as the other objects are (see 0001_init.sql).

CREATE TABLE checkout_sessions (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX checkout_sessions_seq ON checkout_sessions(seq);
CREATE INDEX checkout_sessions_customer ON checkout_sessions(customer, seq);
CREATE INDEX checkout_sessions_ref ON checkout_sessions(ref, seq);

CREATE TABLE payment_links (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX payment_links_seq ON payment_links(seq);

CREATE TABLE tokens (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
