-- Customer balance transactions (`cbtxn_…`): adjustments and the credit or debit
-- invoices apply, stored as the other objects are (see 0001_init.sql).

CREATE TABLE customer_balance_transactions (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX customer_balance_transactions_seq ON customer_balance_transactions(seq);
CREATE INDEX customer_balance_transactions_customer ON customer_balance_transactions(customer, seq);
CREATE INDEX customer_balance_transactions_ref ON customer_balance_transactions(ref, seq);
