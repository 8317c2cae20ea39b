-- Files uploaded to a release (`POST {upload_url}?name=…&label=…`), stored in
-- the clone's database (BYTEA: a byte string on PostgreSQL, a BLOB on SQLite).
CREATE TABLE release_assets (
    id              BIGINT PRIMARY KEY,
    release_id      BIGINT NOT NULL,
    repo_id         BIGINT NOT NULL,
    name            TEXT NOT NULL,
    label           TEXT,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    digest          TEXT NOT NULL,
    data            BYTEA NOT NULL,
    download_count  BIGINT NOT NULL DEFAULT 0,
    uploader_id     BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX release_assets_name ON release_assets (release_id, name);
