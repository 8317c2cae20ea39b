-- Reminders (reminders.*), Rm… ids. A one-off reminder has `time` (Unix seconds)
-- and `complete_ts` (0 until completed); a recurring one keeps its rule as JSON in
-- `recurrence` ({"frequency": "weekly", "weekdays": ["monday"]}) and has time 0.
CREATE TABLE reminders (
    id           TEXT PRIMARY KEY,
    team_id      TEXT NOT NULL REFERENCES teams(id),
    creator      TEXT NOT NULL REFERENCES users(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    text         TEXT NOT NULL,
    time         BIGINT NOT NULL DEFAULT 0,
    complete_ts  BIGINT NOT NULL DEFAULT 0,
    recurrence   TEXT,
    created_us   BIGINT NOT NULL
);
CREATE INDEX reminders_user ON reminders(user_id, created_us);
