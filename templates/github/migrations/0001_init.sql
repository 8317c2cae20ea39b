-- GitHub model. Ids are GitHub's integers, allocated from `counters`; times are
-- epoch seconds (rendered as ISO-8601); flags are 0/1.
CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('id', 1000);

CREATE TABLE accounts (
    id            BIGINT PRIMARY KEY,
    login         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    name          TEXT,
    email         TEXT,
    bio           TEXT,
    company       TEXT,
    location      TEXT,
    blog          TEXT NOT NULL DEFAULT '',
    site_admin    BIGINT NOT NULL DEFAULT 0,
    password_hash TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_login ON accounts (lower(login));

CREATE TABLE org_members (
    org_id   BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    role     TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_members_user ON org_members (user_id);

CREATE TABLE tokens (
    id          BIGINT PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    user_id     BIGINT NOT NULL,
    note        TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE repos (
    id             BIGINT PRIMARY KEY,
    owner_id       BIGINT NOT NULL,
    name           TEXT NOT NULL,
    description    TEXT,
    homepage       TEXT,
    private        BIGINT NOT NULL DEFAULT 0,
    default_branch TEXT NOT NULL,
    has_issues     BIGINT NOT NULL DEFAULT 1,
    has_projects   BIGINT NOT NULL DEFAULT 1,
    has_wiki       BIGINT NOT NULL DEFAULT 1,
    archived       BIGINT NOT NULL DEFAULT 0,
    topics         TEXT NOT NULL DEFAULT '[]',
    allow_merge_commit BIGINT NOT NULL DEFAULT 1,
    allow_squash_merge BIGINT NOT NULL DEFAULT 1,
    allow_rebase_merge BIGINT NOT NULL DEFAULT 1,
    delete_branch_on_merge BIGINT NOT NULL DEFAULT 0,
    next_number    BIGINT NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    pushed_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX repos_owner_name ON repos (owner_id, lower(name));

CREATE TABLE collaborators (
    repo_id     BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    permission  TEXT NOT NULL,
    PRIMARY KEY (repo_id, user_id)
);

-- Git objects exactly as git stores them (without zlib; BYTEA: a byte string on
-- PostgreSQL, a BLOB value on SQLite): `data` is the object body,
-- `sha` the SHA-1 of "<kind> <len>\0" + data.
CREATE TABLE git_objects (
    repo_id  BIGINT NOT NULL,
    sha      TEXT NOT NULL,
    kind     TEXT NOT NULL,
    data     BYTEA NOT NULL,
    PRIMARY KEY (repo_id, sha)
);

CREATE TABLE git_refs (
    repo_id  BIGINT NOT NULL,
    name     TEXT NOT NULL,
    sha      TEXT NOT NULL,
    PRIMARY KEY (repo_id, name)
);

CREATE TABLE milestones (
    id          BIGINT PRIMARY KEY,
    repo_id     BIGINT NOT NULL,
    number      BIGINT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT,
    state       TEXT NOT NULL,
    due_on      BIGINT,
    creator_id  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    closed_at   BIGINT
);
CREATE UNIQUE INDEX milestones_number ON milestones (repo_id, number);

-- Issues and pull requests share numbers; a pull request is an issue with a `pulls` row.
CREATE TABLE issues (
    id           BIGINT PRIMARY KEY,
    repo_id      BIGINT NOT NULL,
    number       BIGINT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT,
    user_id      BIGINT NOT NULL,
    state        TEXT NOT NULL,
    state_reason TEXT,
    locked       BIGINT NOT NULL DEFAULT 0,
    lock_reason  TEXT,
    milestone_id BIGINT,
    is_pull      BIGINT NOT NULL DEFAULT 0,
    comments     BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    closed_at    BIGINT,
    closed_by    BIGINT
);
CREATE UNIQUE INDEX issues_number ON issues (repo_id, number);

CREATE TABLE pulls (
    issue_id        BIGINT PRIMARY KEY,
    id              BIGINT NOT NULL UNIQUE,
    head_ref        TEXT NOT NULL,
    head_sha        TEXT NOT NULL,
    base_ref        TEXT NOT NULL,
    base_sha        TEXT NOT NULL,
    draft           BIGINT NOT NULL DEFAULT 0,
    merged          BIGINT NOT NULL DEFAULT 0,
    merged_at       BIGINT,
    merged_by       BIGINT,
    merge_commit_sha TEXT,
    maintainer_can_modify BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE labels (
    id          BIGINT PRIMARY KEY,
    repo_id     BIGINT NOT NULL,
    name        TEXT NOT NULL,
    color       TEXT NOT NULL,
    description TEXT,
    is_default  BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX labels_name ON labels (repo_id, lower(name));

CREATE TABLE issue_labels (
    issue_id  BIGINT NOT NULL,
    label_id  BIGINT NOT NULL,
    PRIMARY KEY (issue_id, label_id)
);

CREATE TABLE issue_assignees (
    issue_id  BIGINT NOT NULL,
    user_id   BIGINT NOT NULL,
    PRIMARY KEY (issue_id, user_id)
);

CREATE TABLE comments (
    id          BIGINT PRIMARY KEY,
    repo_id     BIGINT NOT NULL,
    issue_id    BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX comments_issue ON comments (issue_id);

CREATE TABLE reviews (
    id           BIGINT PRIMARY KEY,
    repo_id      BIGINT NOT NULL,
    issue_id     BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    body         TEXT NOT NULL,
    state        TEXT NOT NULL,
    commit_id    TEXT NOT NULL,
    submitted_at BIGINT
);

CREATE TABLE review_comments (
    id           BIGINT PRIMARY KEY,
    repo_id      BIGINT NOT NULL,
    issue_id     BIGINT NOT NULL,
    review_id    BIGINT,
    user_id      BIGINT NOT NULL,
    body         TEXT NOT NULL,
    path         TEXT NOT NULL,
    line         BIGINT,
    side         TEXT NOT NULL,
    commit_id    TEXT NOT NULL,
    diff_hunk    TEXT NOT NULL,
    in_reply_to  BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE review_requests (
    issue_id  BIGINT NOT NULL,
    user_id   BIGINT NOT NULL,
    PRIMARY KEY (issue_id, user_id)
);

CREATE TABLE reactions (
    id          BIGINT PRIMARY KEY,
    subject     TEXT NOT NULL,
    subject_id  BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    content     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX reactions_unique ON reactions (subject, subject_id, user_id, content);

-- Issue events (labeled, assigned, closed, merged, …) for the events and timeline APIs.
CREATE TABLE issue_events (
    id          BIGINT PRIMARY KEY,
    repo_id     BIGINT NOT NULL,
    issue_id    BIGINT NOT NULL,
    actor_id    BIGINT NOT NULL,
    event       TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL
);
CREATE INDEX issue_events_issue ON issue_events (issue_id);

CREATE TABLE hooks (
    id          BIGINT PRIMARY KEY,
    repo_id     BIGINT NOT NULL,
    active      BIGINT NOT NULL DEFAULT 1,
    events      TEXT NOT NULL,
    config      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE hook_deliveries (
    id           BIGINT PRIMARY KEY,
    hook_id      BIGINT NOT NULL,
    repo_id      BIGINT NOT NULL,
    guid         TEXT NOT NULL,
    event        TEXT NOT NULL,
    action       TEXT,
    status_code  BIGINT NOT NULL,
    status       TEXT NOT NULL,
    delivered_at BIGINT NOT NULL,
    duration     DOUBLE PRECISION NOT NULL,
    redelivery   BIGINT NOT NULL DEFAULT 0,
    request      TEXT NOT NULL,
    response     TEXT NOT NULL
);
CREATE INDEX hook_deliveries_hook ON hook_deliveries (hook_id);
