-- An organization's settings beyond its profile: the base permission its
-- members have on every repository it owns (`read`, `write`, `admin` or
-- `none`). An organization without a row has GitHub's default, `read`.
CREATE TABLE org_settings (
    org_id BIGINT PRIMARY KEY,
    default_repository_permission TEXT NOT NULL DEFAULT 'read'
);
