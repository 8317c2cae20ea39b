-- Branch protection (`PUT /repos/{o}/{r}/branches/{b}/protection`): one row per
-- protected branch, its settings as one JSON document (`model::protection::Protection`);
-- `id` and the times are the rule's in `branch_protection_rule` webhooks.
CREATE TABLE branch_protections (
    repo_id     BIGINT NOT NULL,
    branch      TEXT NOT NULL,
    id          BIGINT NOT NULL,
    config      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (repo_id, branch)
);
