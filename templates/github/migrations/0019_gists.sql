-- Gists: each is a small git repository of files. `files` holds the current
-- revision's files ({filename: content} as JSON) and `version` its commit sha;
-- every edit that changes files is a revision with the files it left, so any
-- version can be read back. Stars and comments hang off the gist's id
-- (32 hex characters, as GitHub's).
CREATE TABLE gists (
    id           TEXT PRIMARY KEY,
    seq          BIGINT NOT NULL,
    owner_id     BIGINT NOT NULL,
    description  TEXT,
    is_public    BIGINT NOT NULL,
    fork_of      TEXT,
    files        TEXT NOT NULL,
    version      TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX gists_owner ON gists (owner_id);
CREATE INDEX gists_fork_of ON gists (fork_of);

CREATE TABLE gist_revisions (
    gist_id       TEXT NOT NULL,
    version       TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    user_id       BIGINT NOT NULL,
    files         TEXT NOT NULL,
    additions     BIGINT NOT NULL,
    deletions     BIGINT NOT NULL,
    committed_at  BIGINT NOT NULL,
    PRIMARY KEY (gist_id, version)
);

CREATE TABLE gist_stars (
    gist_id     TEXT NOT NULL,
    user_id     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (gist_id, user_id)
);
CREATE INDEX gist_stars_user ON gist_stars (user_id);

CREATE TABLE gist_comments (
    id          BIGINT PRIMARY KEY,
    gist_id     TEXT NOT NULL,
    user_id     BIGINT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX gist_comments_gist ON gist_comments (gist_id);
