-- Commit statuses (`POST /repos/{owner}/{repo}/statuses/{sha}`), as CI posts them.
CREATE TABLE commit_statuses (
    id           BIGINT PRIMARY KEY,
    repo_id      BIGINT NOT NULL,
    sha          TEXT NOT NULL,
    state        TEXT NOT NULL,
    context      TEXT NOT NULL,
    description  TEXT,
    target_url   TEXT,
    creator_id   BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX commit_statuses_sha ON commit_statuses (repo_id, sha);
