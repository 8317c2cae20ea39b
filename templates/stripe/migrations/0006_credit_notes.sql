-- Credit notes (`cn_…`): `customer` and `ref` (the invoice) are the list filters.

CREATE TABLE credit_notes (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX credit_notes_seq ON credit_notes(seq);
CREATE INDEX credit_notes_customer ON credit_notes(customer, seq);
CREATE INDEX credit_notes_ref ON credit_notes(ref, seq);
