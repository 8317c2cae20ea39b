-- Saved items, formerly stars (stars.add/list/remove): one row per member per
-- item. `item_type` is message (channel_id + ts), file (file_id) or channel
-- (channel_id); `item_key` names the item uniquely for the member.
CREATE TABLE stars (
    user_id     TEXT NOT NULL REFERENCES users(id),
    item_key    TEXT NOT NULL,
    team_id     TEXT NOT NULL,
    item_type   TEXT NOT NULL,
    channel_id  TEXT,
    ts          TEXT,
    file_id     TEXT,
    created     BIGINT NOT NULL,
    created_us  BIGINT NOT NULL,
    PRIMARY KEY (user_id, item_key)
);
CREATE INDEX stars_user ON stars(user_id, created_us);
CREATE INDEX stars_message ON stars(channel_id, ts);
