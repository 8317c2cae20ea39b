-- Comments on commits (`POST /repos/{owner}/{repo}/commits/{sha}/comments`),
-- optionally on a file (`path`) and a line of the commit's diff (`position`, `line`).
CREATE TABLE commit_comments (
    id          BIGINT PRIMARY KEY,
    repo_id     BIGINT NOT NULL,
    commit_id   TEXT NOT NULL,
    user_id     BIGINT NOT NULL,
    body        TEXT NOT NULL,
    path        TEXT,
    position    BIGINT,
    line        BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX commit_comments_commit ON commit_comments (repo_id, commit_id);
