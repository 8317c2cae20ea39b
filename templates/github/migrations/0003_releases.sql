-- Releases: a tag (created at `target_commitish` when the release is published)
-- with a name and notes. Assets are not built.
CREATE TABLE releases (
    id               BIGINT PRIMARY KEY,
    repo_id          BIGINT NOT NULL,
    tag_name         TEXT NOT NULL,
    target_commitish TEXT NOT NULL,
    name             TEXT,
    body             TEXT,
    draft            BIGINT NOT NULL DEFAULT 0,
    prerelease       BIGINT NOT NULL DEFAULT 0,
    author_id        BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    published_at     BIGINT
);
CREATE UNIQUE INDEX releases_tag ON releases (repo_id, tag_name);
