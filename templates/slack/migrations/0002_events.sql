-- The Events API outbox: every workspace change that Slack would announce is
-- recorded here in the same transaction as the change; the deliverer posts it to
-- each subscribed app's request URL. Reset empties it with the rest.
CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL,
    type        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_ms  BIGINT NOT NULL
);
CREATE INDEX events_created ON events(created_ms, id);
