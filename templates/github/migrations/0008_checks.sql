-- The Checks API: check suites (one per app and head commit), the check runs in
-- them, the runs' annotations, and a repository's suite auto-trigger preferences.
CREATE TABLE check_suites (
    id           BIGINT PRIMARY KEY,
    repo_id      BIGINT NOT NULL,
    app_id       BIGINT NOT NULL,
    head_sha     TEXT NOT NULL,
    head_branch  TEXT,
    status       TEXT NOT NULL,
    conclusion   TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX check_suites_app_sha ON check_suites (repo_id, app_id, head_sha);

CREATE TABLE check_runs (
    id              BIGINT PRIMARY KEY,
    repo_id         BIGINT NOT NULL,
    suite_id        BIGINT NOT NULL,
    name            TEXT NOT NULL,
    head_sha        TEXT NOT NULL,
    external_id     TEXT,
    details_url     TEXT,
    status          TEXT NOT NULL,
    conclusion      TEXT,
    started_at      BIGINT,
    completed_at    BIGINT,
    output_title    TEXT,
    output_summary  TEXT,
    output_text     TEXT,
    output_images   TEXT NOT NULL DEFAULT '[]',
    actions         TEXT NOT NULL DEFAULT '[]',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX check_runs_sha ON check_runs (repo_id, head_sha);
CREATE INDEX check_runs_suite ON check_runs (suite_id);

CREATE TABLE check_annotations (
    id                BIGINT PRIMARY KEY,
    run_id            BIGINT NOT NULL,
    path              TEXT NOT NULL,
    start_line        BIGINT NOT NULL,
    end_line          BIGINT NOT NULL,
    start_column      BIGINT,
    end_column        BIGINT,
    annotation_level  TEXT NOT NULL,
    message           TEXT NOT NULL,
    title             TEXT,
    raw_details       TEXT
);
CREATE INDEX check_annotations_run ON check_annotations (run_id);

CREATE TABLE check_suite_prefs (
    repo_id  BIGINT NOT NULL,
    app_id   BIGINT NOT NULL,
    setting  BIGINT NOT NULL,
    PRIMARY KEY (repo_id, app_id)
);
