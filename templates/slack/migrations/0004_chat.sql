-- The chat family: reactions, pins and scheduled messages.
--
-- A message carries its rendered reactions (`[{name, users, count}]`, JSON, in the
-- order Slack shows them) so every reader renders them without a second query;
-- the `reactions` table is the per-user record behind reactions.list. Both are
-- written in the same transaction. A pin lives on its message (a message is only
-- ever pinned to its own channel).
ALTER TABLE messages ADD COLUMN reactions TEXT;
ALTER TABLE messages ADD COLUMN pinned_by TEXT;
ALTER TABLE messages ADD COLUMN pinned_at BIGINT;
CREATE INDEX messages_pinned ON messages(channel_id, pinned_at);

CREATE TABLE reactions (
    channel_id  TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    ts          TEXT NOT NULL,
    name        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    created_us  BIGINT NOT NULL,
    PRIMARY KEY (channel_id, ts, name, user_id)
);
CREATE INDEX reactions_user ON reactions(user_id, created_us);

-- Messages waiting for `post_at` (Unix seconds). Delivered, in post_at order,
-- before the clone serves each Web API call; a delivered one is deleted here.
CREATE TABLE scheduled_messages (
    id              TEXT PRIMARY KEY,
    team_id         TEXT NOT NULL,
    channel_id      TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    bot_id          TEXT,
    app_id          TEXT,
    text            TEXT NOT NULL DEFAULT '',
    blocks          TEXT,
    attachments     TEXT,
    thread_ts       TEXT,
    reply_broadcast INTEGER NOT NULL DEFAULT 0,
    username        TEXT,
    icon_url        TEXT,
    icon_emoji      TEXT,
    post_at         BIGINT NOT NULL,
    date_created    BIGINT NOT NULL
);
CREATE INDEX scheduled_messages_due ON scheduled_messages(post_at);
CREATE INDEX scheduled_messages_owner ON scheduled_messages(user_id, post_at);
