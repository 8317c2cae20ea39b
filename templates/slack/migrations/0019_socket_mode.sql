-- Socket Mode: an app whose manifest sets settings.socket_mode_enabled gets its
-- events over a WebSocket (apps.connections.open) instead of its request URL.
-- App-level tokens (`xapp-…`) belong to an app rather than to a workspace
-- member; only their hash is kept, like the other tokens.
ALTER TABLE app_settings ADD COLUMN socket_mode BIGINT NOT NULL DEFAULT 0;

CREATE TABLE app_tokens (
    hash     TEXT PRIMARY KEY,
    app_id   TEXT NOT NULL REFERENCES apps(id),
    team_id  TEXT NOT NULL,
    name     TEXT NOT NULL,
    scopes   TEXT NOT NULL,
    created  BIGINT NOT NULL
);
CREATE INDEX app_tokens_app ON app_tokens(app_id);
