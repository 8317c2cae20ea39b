-- Organization teams: members (role `member` or `maintainer`), repositories the
-- team reaches (with a permission), and teams requested to review pull requests.
CREATE TABLE teams (
    id            BIGINT PRIMARY KEY,
    org_id        BIGINT NOT NULL,
    name          TEXT NOT NULL,
    slug          TEXT NOT NULL,
    description   TEXT,
    privacy       TEXT NOT NULL,
    notification_setting TEXT NOT NULL,
    permission    TEXT NOT NULL,
    parent_id     BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX teams_org_slug ON teams (org_id, slug);

CREATE TABLE team_members (
    team_id  BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    role     TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE team_repos (
    team_id     BIGINT NOT NULL,
    repo_id     BIGINT NOT NULL,
    permission  TEXT NOT NULL,
    PRIMARY KEY (team_id, repo_id)
);
CREATE INDEX team_repos_repo ON team_repos (repo_id);

CREATE TABLE team_review_requests (
    issue_id  BIGINT NOT NULL,
    team_id   BIGINT NOT NULL,
    PRIMARY KEY (issue_id, team_id)
);
