-- The Calls API (calls.*): a call an app registered (its id `R…`), and its
-- participants in the order they were added: members (`slack_id`) or people
-- outside Slack (`external_id`, `display_name`, `avatar_url`). `date_end` is set
-- by calls.end.
CREATE TABLE calls (
    id                    TEXT PRIMARY KEY,
    team_id               TEXT NOT NULL REFERENCES teams(id),
    app_id                TEXT NOT NULL DEFAULT '',
    created_by            TEXT NOT NULL,
    external_unique_id    TEXT NOT NULL,
    external_display_id   TEXT,
    join_url              TEXT NOT NULL,
    desktop_app_join_url  TEXT,
    title                 TEXT,
    date_start            BIGINT NOT NULL,
    date_end              BIGINT,
    created               BIGINT NOT NULL
);

CREATE TABLE call_participants (
    call_id       TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    participant   TEXT NOT NULL,
    position      BIGINT NOT NULL,
    slack_id      TEXT,
    external_id   TEXT,
    display_name  TEXT,
    avatar_url    TEXT,
    PRIMARY KEY (call_id, participant)
);
