-- Sub-issues, issue dependencies, deploy keys and autolinks.

-- An issue has at most one parent (`child_id` is the key); `position` orders a
-- parent's sub-issues (reprioritize rewrites it).
CREATE TABLE sub_issues (
    child_id    BIGINT PRIMARY KEY,
    parent_id   BIGINT NOT NULL,
    position    BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX sub_issues_parent ON sub_issues (parent_id, position);

-- `blocked_id` is blocked by `blocking_id`.
CREATE TABLE issue_dependencies (
    blocked_id   BIGINT NOT NULL,
    blocking_id  BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (blocked_id, blocking_id)
);
CREATE INDEX issue_dependencies_blocking ON issue_dependencies (blocking_id);

-- A repository's deploy keys; `key` is `<type> <base64>` as for user SSH keys.
CREATE TABLE deploy_keys (
    id          BIGINT PRIMARY KEY,
    repo_id     BIGINT NOT NULL,
    title       TEXT NOT NULL,
    key         TEXT NOT NULL,
    read_only   BIGINT NOT NULL,
    added_by    TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX deploy_keys_repo ON deploy_keys (repo_id);

CREATE TABLE autolinks (
    id               BIGINT PRIMARY KEY,
    repo_id          BIGINT NOT NULL,
    key_prefix       TEXT NOT NULL,
    url_template     TEXT NOT NULL,
    is_alphanumeric  BIGINT NOT NULL
);
CREATE INDEX autolinks_repo ON autolinks (repo_id);
