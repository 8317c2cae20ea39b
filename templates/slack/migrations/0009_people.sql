-- The team's custom profile field definitions (team.profile.get), seeded from the
-- fixture's `profileFields`; members' values live in user_profiles.fields.
-- `possible_values` is a JSON array of strings for `options_list` fields.
CREATE TABLE team_profile_fields (
    id              TEXT PRIMARY KEY,
    team_id         TEXT NOT NULL REFERENCES teams(id),
    ordering        BIGINT NOT NULL,
    field_name      TEXT NOT NULL DEFAULT '',
    label           TEXT NOT NULL,
    hint            TEXT NOT NULL DEFAULT '',
    type            TEXT NOT NULL,
    possible_values TEXT,
    is_hidden       INTEGER NOT NULL DEFAULT 0,
    is_protected    INTEGER NOT NULL DEFAULT 0,
    section_id      TEXT
);
CREATE INDEX team_profile_fields_team ON team_profile_fields(team_id, ordering);

-- Do Not Disturb (dnd.*): a member's snooze, from `snooze_start` until
-- `snooze_end` (Unix seconds). A member without a row, or whose snooze has
-- ended, is not in DND.
CREATE TABLE dnd_state (
    user_id       TEXT PRIMARY KEY REFERENCES users(id),
    team_id       TEXT NOT NULL,
    snooze_start  BIGINT NOT NULL DEFAULT 0,
    snooze_end    BIGINT NOT NULL DEFAULT 0,
    updated       BIGINT NOT NULL
);
