-- Conversation management: whether a member has a DM or group DM open
-- (conversations.open / conversations.close), a channel's former names
-- (conversations.rename), and the extra top-level fields of system messages
-- (`inviter` on channel_join, `topic` on channel_topic, `old_name`/`name` on
-- channel_name, ...), kept as a JSON object merged into the rendered message.
ALTER TABLE channel_members ADD COLUMN is_open INTEGER NOT NULL DEFAULT 1;

CREATE TABLE channel_previous_names (
    channel_id  TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    name        TEXT NOT NULL,
    renamed     BIGINT NOT NULL,
    PRIMARY KEY (channel_id, seq)
);

CREATE TABLE message_fields (
    channel_id  TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    ts          TEXT NOT NULL,
    fields      TEXT NOT NULL,
    PRIMARY KEY (channel_id, ts)
);
