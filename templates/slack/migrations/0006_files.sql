-- Files uploaded through files.getUploadURLExternal + the upload URL +
-- files.completeUploadExternal. The bytes live in the clone database (BYTEA: a
-- byte string on PostgreSQL, a BLOB value on SQLite), so reset and snapshots
-- carry them. `state` walks pending (ticket issued) -> uploaded (bytes received)
-- -> complete (visible as a file). A deleted file's row goes away; its shares
-- stay so the messages that carried it render a tombstone, as Slack's do.
CREATE TABLE files (
    id              TEXT PRIMARY KEY,
    team_id         TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    upload_key      TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL DEFAULT 'pending',
    name            TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    alt_txt         TEXT,
    snippet_type    TEXT,
    mode            TEXT NOT NULL DEFAULT 'hosted',
    mimetype        TEXT NOT NULL,
    filetype        TEXT NOT NULL,
    pretty_type     TEXT NOT NULL,
    declared_length BIGINT NOT NULL,
    size            BIGINT NOT NULL DEFAULT 0,
    preview         TEXT,
    lines           BIGINT NOT NULL DEFAULT 0,
    preview_truncated INTEGER NOT NULL DEFAULT 0,
    created         BIGINT NOT NULL,
    -- Completion order (microseconds), to order files created in the same second.
    completed_us    BIGINT NOT NULL DEFAULT 0,
    content         BYTEA
);
CREATE INDEX files_team_created ON files(team_id, created);
CREATE INDEX files_user ON files(user_id);

-- One row per file per share message (a file shared to two channels has two).
CREATE TABLE file_shares (
    file_id     TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    ts          TEXT NOT NULL,
    thread_ts   TEXT,
    user_id     TEXT NOT NULL,
    seq         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (file_id, channel_id, ts)
);
CREATE INDEX file_shares_message ON file_shares(channel_id, ts);
