-- Disputes (`dp_…`): `ref` is the disputed charge.

CREATE TABLE disputes (
    id       TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    created  BIGINT NOT NULL,
    customer TEXT,
    ref      TEXT,
    deleted  BIGINT NOT NULL DEFAULT 0,
    data     TEXT NOT NULL
);
CREATE INDEX disputes_seq ON disputes(seq);
CREATE INDEX disputes_ref ON disputes(ref, seq);
