-- The workspace family: profile fields beyond the users table, presence, channel
-- bookmarks, user groups and custom emoji.

-- What users.profile.set may change besides the users table's own columns
-- (real_name, display_name, title, email). first_name/last_name NULL means
-- "derived from real_name"; `fields` is the custom-field object as JSON.
CREATE TABLE user_profiles (
    user_id           TEXT PRIMARY KEY REFERENCES users(id),
    first_name        TEXT,
    last_name         TEXT,
    phone             TEXT NOT NULL DEFAULT '',
    skype             TEXT NOT NULL DEFAULT '',
    pronouns          TEXT NOT NULL DEFAULT '',
    status_text       TEXT NOT NULL DEFAULT '',
    status_emoji      TEXT NOT NULL DEFAULT '',
    status_expiration BIGINT NOT NULL DEFAULT 0,
    fields            TEXT NOT NULL DEFAULT '{}',
    updated           BIGINT NOT NULL
);

-- Manual presence (users.setPresence away|auto) and the last activity seen.
CREATE TABLE user_presence (
    user_id       TEXT PRIMARY KEY REFERENCES users(id),
    manual_away   INTEGER NOT NULL DEFAULT 0,
    last_activity BIGINT NOT NULL
);

-- Channel bookmarks (bookmarks.add/edit/remove/list), ordered by `sort_rank`.
CREATE TABLE bookmarks (
    id            TEXT PRIMARY KEY,
    channel_id    TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    team_id       TEXT NOT NULL,
    title         TEXT NOT NULL,
    link          TEXT NOT NULL,
    emoji         TEXT,
    icon_url      TEXT,
    type          TEXT NOT NULL,
    sort_rank     TEXT NOT NULL,
    date_created  BIGINT NOT NULL,
    date_updated  BIGINT NOT NULL DEFAULT 0,
    updated_by    TEXT NOT NULL,
    app_id        TEXT
);
CREATE INDEX bookmarks_channel ON bookmarks(channel_id, sort_rank);

-- User groups (subteams, S… ids). A disabled group keeps its row with date_delete.
CREATE TABLE usergroups (
    id           TEXT PRIMARY KEY,
    team_id      TEXT NOT NULL REFERENCES teams(id),
    name         TEXT NOT NULL,
    handle       TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    channels     TEXT NOT NULL DEFAULT '',
    date_create  BIGINT NOT NULL,
    date_update  BIGINT NOT NULL,
    date_delete  BIGINT NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    deleted_by   TEXT
);
CREATE UNIQUE INDEX usergroups_name ON usergroups(team_id, name);
CREATE UNIQUE INDEX usergroups_handle ON usergroups(team_id, handle);

CREATE TABLE usergroup_members (
    usergroup_id TEXT NOT NULL REFERENCES usergroups(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id),
    added        BIGINT NOT NULL,
    PRIMARY KEY (usergroup_id, user_id)
);
CREATE INDEX usergroup_members_user ON usergroup_members(user_id);

-- Custom emoji of the workspace: an image (rendered as an emoji.slack-edge.com
-- URL from `image_hash`) or an alias of another emoji.
CREATE TABLE emoji (
    name        TEXT PRIMARY KEY,
    image_hash  TEXT,
    alias_for   TEXT,
    created     BIGINT NOT NULL
);
INSERT INTO emoji (name, image_hash, alias_for, created) VALUES ('shipit', '6c1a9f1b2e3d4c5a', NULL, 1704067200);
INSERT INTO emoji (name, image_hash, alias_for, created) VALUES ('squirrel', NULL, 'shipit', 1704067200);
INSERT INTO emoji (name, image_hash, alias_for, created) VALUES ('partyparrot', '8e2b7d4f0a1c3e5b', NULL, 1704067200);
INSERT INTO emoji (name, image_hash, alias_for, created) VALUES ('lgtm', '3f9d2a7c6b1e0d4a', NULL, 1704067200);
INSERT INTO emoji (name, image_hash, alias_for, created) VALUES ('this-is-fine', 'b5c0e8a2d9f14736', NULL, 1704067200);
