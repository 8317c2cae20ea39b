-- Slack workspace model. Ids are Slack's own (T…, U…, C…, A…, B…); ts are strings.
CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    domain      TEXT NOT NULL UNIQUE,
    created     INTEGER NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    team_id       TEXT NOT NULL REFERENCES teams(id),
    name          TEXT NOT NULL,
    real_name     TEXT NOT NULL DEFAULT '',
    display_name  TEXT NOT NULL DEFAULT '',
    email         TEXT,
    title         TEXT NOT NULL DEFAULT '',
    tz            TEXT NOT NULL DEFAULT 'America/Los_Angeles',
    is_admin      INTEGER NOT NULL DEFAULT 0,
    is_owner      INTEGER NOT NULL DEFAULT 0,
    is_primary_owner INTEGER NOT NULL DEFAULT 0,
    is_bot        INTEGER NOT NULL DEFAULT 0,
    bot_id        TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT,
    presence      TEXT NOT NULL DEFAULT 'away',
    updated       INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email ON users(team_id, email) WHERE email IS NOT NULL;

CREATE TABLE channels (
    id            TEXT PRIMARY KEY,
    team_id       TEXT NOT NULL REFERENCES teams(id),
    name          TEXT,
    is_private    INTEGER NOT NULL DEFAULT 0,
    is_im         INTEGER NOT NULL DEFAULT 0,
    is_mpim       INTEGER NOT NULL DEFAULT 0,
    is_general    INTEGER NOT NULL DEFAULT 0,
    is_archived   INTEGER NOT NULL DEFAULT 0,
    creator       TEXT NOT NULL,
    topic         TEXT NOT NULL DEFAULT '',
    topic_creator TEXT NOT NULL DEFAULT '',
    topic_last_set INTEGER NOT NULL DEFAULT 0,
    purpose       TEXT NOT NULL DEFAULT '',
    purpose_creator TEXT NOT NULL DEFAULT '',
    purpose_last_set INTEGER NOT NULL DEFAULT 0,
    created       INTEGER NOT NULL,
    updated       INTEGER NOT NULL
);
CREATE UNIQUE INDEX channels_name ON channels(team_id, name) WHERE name IS NOT NULL;

CREATE TABLE channel_members (
    channel_id  TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id),
    joined      INTEGER NOT NULL,
    last_read   TEXT NOT NULL DEFAULT '0000000000.000000',
    PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX channel_members_user ON channel_members(user_id);

CREATE TABLE messages (
    channel_id  TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    ts          TEXT NOT NULL,
    user_id     TEXT,
    bot_id      TEXT,
    app_id      TEXT,
    subtype     TEXT,
    text        TEXT NOT NULL DEFAULT '',
    blocks      TEXT,
    attachments TEXT,
    thread_ts   TEXT,
    reply_count INTEGER NOT NULL DEFAULT 0,
    latest_reply TEXT,
    edited_by   TEXT,
    edited_ts   TEXT,
    username    TEXT,
    icon_url    TEXT,
    icon_emoji  TEXT,
    PRIMARY KEY (channel_id, ts)
);
CREATE INDEX messages_thread ON messages(channel_id, thread_ts);

CREATE TABLE apps (
    id          TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL REFERENCES teams(id),
    name        TEXT NOT NULL,
    bot_id      TEXT NOT NULL UNIQUE,
    bot_user_id TEXT NOT NULL REFERENCES users(id),
    created     INTEGER NOT NULL
);

CREATE TABLE tokens (
    hash        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('bot', 'user')),
    team_id     TEXT NOT NULL REFERENCES teams(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    app_id      TEXT REFERENCES apps(id),
    scopes      TEXT NOT NULL,
    created     INTEGER NOT NULL
);
