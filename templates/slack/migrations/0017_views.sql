-- Block Kit surfaces (views.open, views.push, views.update, views.publish).
-- A modal stack is the views sharing a root_view_id, `depth` 0 at the root;
-- a closed modal keeps its row with is_open = 0. An App Home is one `home` view
-- per app and user. `body` is the view payload as the app gave it (title,
-- blocks, submit, …, with Slack's defaults filled in); `hash` changes with every
-- write, for the optimistic locking of views.update and views.publish.
CREATE TABLE views (
    id                TEXT PRIMARY KEY,
    team_id           TEXT NOT NULL,
    app_id            TEXT NOT NULL,
    bot_id            TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    type              TEXT NOT NULL,
    external_id       TEXT,
    root_view_id      TEXT NOT NULL,
    previous_view_id  TEXT,
    depth             BIGINT NOT NULL DEFAULT 0,
    hash              TEXT NOT NULL,
    body              TEXT NOT NULL,
    state             TEXT NOT NULL DEFAULT '{"values":{}}',
    is_open           BIGINT NOT NULL DEFAULT 1,
    created_ms        BIGINT NOT NULL,
    updated_ms        BIGINT NOT NULL
);
CREATE UNIQUE INDEX views_external_id ON views(team_id, external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX views_home ON views(app_id, user_id) WHERE type = 'home';
CREATE INDEX views_root ON views(root_view_id, depth);

-- Trigger ids minted when a person interacts with an app (a global shortcut, a
-- button in a view: POST /api/_asym/interactions). Each is good for one
-- views.open / views.push within three seconds (`used_ms` once exchanged).
-- `view_id` is the view the interaction happened in, if any.
CREATE TABLE view_triggers (
    trigger_id  TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL,
    app_id      TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    view_id     TEXT,
    created_ms  BIGINT NOT NULL,
    expires_ms  BIGINT NOT NULL,
    used_ms     BIGINT
);
