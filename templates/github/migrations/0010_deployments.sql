-- Deployments of a ref to an environment, their statuses, and the repository's
-- environments (protection rules are recorded as GitHub records them; they gate
-- GitHub Actions jobs, not API deployments).
CREATE TABLE deployments (
    id                      BIGINT PRIMARY KEY,
    repo_id                 BIGINT NOT NULL,
    sha                     TEXT NOT NULL,
    ref_name                TEXT NOT NULL,
    task                    TEXT NOT NULL,
    payload                 TEXT NOT NULL,
    original_environment    TEXT NOT NULL,
    environment             TEXT NOT NULL,
    description             TEXT,
    creator_id              BIGINT NOT NULL,
    transient_environment   BIGINT NOT NULL DEFAULT 0,
    production_environment  BIGINT NOT NULL DEFAULT 0,
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL
);
CREATE INDEX deployments_repo ON deployments (repo_id);

CREATE TABLE deployment_statuses (
    id               BIGINT PRIMARY KEY,
    deployment_id    BIGINT NOT NULL,
    repo_id          BIGINT NOT NULL,
    state            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    environment      TEXT NOT NULL,
    target_url       TEXT NOT NULL DEFAULT '',
    log_url          TEXT NOT NULL DEFAULT '',
    environment_url  TEXT NOT NULL DEFAULT '',
    creator_id       BIGINT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX deployment_statuses_deployment ON deployment_statuses (deployment_id);

CREATE TABLE environments (
    id                   BIGINT PRIMARY KEY,
    repo_id              BIGINT NOT NULL,
    name                 TEXT NOT NULL,
    wait_timer           BIGINT,
    prevent_self_review  BIGINT NOT NULL DEFAULT 0,
    -- JSON array of `{type, id}` (`User` or `Team`).
    reviewers            TEXT NOT NULL DEFAULT '[]',
    -- JSON `{protected_branches, custom_branch_policies}` or empty for none.
    branch_policy        TEXT NOT NULL DEFAULT '',
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE UNIQUE INDEX environments_name ON environments (repo_id, lower(name));
