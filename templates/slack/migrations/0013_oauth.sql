-- The OAuth v2 install flow (GET /oauth/v2/authorize, then oauth.v2.access):
-- one row per authorization code handed to an app's redirect URI. Only the
-- code's hash is kept; it is exchanged once (`used_ms`) before `expires_ms`.
-- `redirect_uri` is what authorize was sent (NULL when none was), which
-- oauth.v2.access must repeat.
CREATE TABLE oauth_codes (
    code_hash    TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL REFERENCES apps(id),
    team_id      TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    bot_scopes   TEXT NOT NULL DEFAULT '',
    user_scopes  TEXT NOT NULL DEFAULT '',
    redirect_uri TEXT,
    created_ms   BIGINT NOT NULL,
    expires_ms   BIGINT NOT NULL,
    used_ms      BIGINT
);

-- team.accessLogs: one row per person, IP address and user agent that signed in
-- (web login, OAuth approval), with how often and when first and last.
CREATE TABLE access_logs (
    team_id     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    ip          TEXT NOT NULL,
    user_agent  TEXT NOT NULL,
    count       BIGINT NOT NULL DEFAULT 1,
    date_first  BIGINT NOT NULL,
    date_last   BIGINT NOT NULL,
    PRIMARY KEY (user_id, ip, user_agent)
);

-- team.integrationLogs: apps added (manifest, OAuth install) and removed
-- (apps.uninstall), with the scopes they were granted.
CREATE TABLE integration_logs (
    id           TEXT PRIMARY KEY,
    team_id      TEXT NOT NULL,
    app_id       TEXT NOT NULL,
    app_type     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    change_type  TEXT NOT NULL,
    scope        TEXT NOT NULL DEFAULT '',
    reason       TEXT,
    date         BIGINT NOT NULL
);
CREATE INDEX integration_logs_team ON integration_logs(team_id, date);
