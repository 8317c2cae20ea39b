-- Apps made from a manifest (POST /api/_asym/apps) and Events API delivery.
-- app_settings holds what the manifest asked for and the app's credentials;
-- event_fanout records which outbox events were routed to apps; event_queue
-- holds each signed delivery (its body byte for byte, retried on failure);
-- event_deliveries logs every attempt. Reset empties them with the rest.
CREATE TABLE app_settings (
    app_id              TEXT PRIMARY KEY REFERENCES apps(id),
    manifest            TEXT NOT NULL,
    bot_scopes          TEXT NOT NULL DEFAULT '',
    user_scopes         TEXT NOT NULL DEFAULT '',
    installer_user_id   TEXT,
    request_url         TEXT,
    bot_events          TEXT NOT NULL DEFAULT '',
    user_events         TEXT NOT NULL DEFAULT '',
    url_verified        INTEGER NOT NULL DEFAULT 0,
    client_id           TEXT NOT NULL,
    client_secret       TEXT NOT NULL,
    signing_secret      TEXT NOT NULL,
    verification_token  TEXT NOT NULL,
    created_ms          BIGINT NOT NULL
);

CREATE TABLE event_fanout (
    event_id    TEXT PRIMARY KEY,
    created_ms  BIGINT NOT NULL
);
CREATE INDEX event_fanout_created ON event_fanout(created_ms);

CREATE TABLE event_queue (
    id          TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    body        TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    next_ms     BIGINT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending',
    created_ms  BIGINT NOT NULL
);
CREATE UNIQUE INDEX event_queue_app_event ON event_queue(app_id, event_id);
CREATE INDEX event_queue_due ON event_queue(state, next_ms);

CREATE TABLE event_deliveries (
    id          TEXT PRIMARY KEY,
    queue_id    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    app_id      TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    status      INTEGER,
    error       TEXT,
    at_ms       BIGINT NOT NULL
);
CREATE INDEX event_deliveries_app ON event_deliveries(app_id, id);
