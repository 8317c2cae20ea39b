-- Tax rates (`txr_…`), stored as the other objects are (see 0001_init.sql).

CREATE TABLE tax_rates (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX tax_rates_seq ON tax_rates(seq);
