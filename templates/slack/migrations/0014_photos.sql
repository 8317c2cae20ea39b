-- users.setPhoto / users.deletePhoto: a member's uploaded profile photo (BYTEA:
-- a byte string on PostgreSQL, a BLOB value on SQLite), served by the clone at
-- /avatars/<user>/<avatar_hash>_<size>.<ext>. No row: the default avatar.
CREATE TABLE user_photos (
    user_id     TEXT PRIMARY KEY REFERENCES users(id),
    team_id     TEXT NOT NULL,
    avatar_hash TEXT NOT NULL,
    mimetype    TEXT NOT NULL,
    ext         TEXT NOT NULL,
    width       BIGINT NOT NULL,
    height      BIGINT NOT NULL,
    crop_x      BIGINT NOT NULL DEFAULT 0,
    crop_y      BIGINT NOT NULL DEFAULT 0,
    crop_w      BIGINT NOT NULL DEFAULT 0,
    content     BYTEA NOT NULL,
    updated     BIGINT NOT NULL
);
