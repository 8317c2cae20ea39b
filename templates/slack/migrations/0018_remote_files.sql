-- Remote files (files.remote.*): files an app keeps on its own service and
-- registers with Slack. They live in `files` with mode 'external' and no bytes;
-- `external_id` is the app's own id for the file (one per app), `external_url`
-- where it lives, `preview_image` the image shown when it is shared and
-- `indexable_contents` the text it is found by.
ALTER TABLE files ADD COLUMN external_id TEXT;
ALTER TABLE files ADD COLUMN external_url TEXT;
ALTER TABLE files ADD COLUMN app_id TEXT;
ALTER TABLE files ADD COLUMN preview_image BYTEA;
ALTER TABLE files ADD COLUMN preview_mimetype TEXT;
ALTER TABLE files ADD COLUMN indexable_contents TEXT;
CREATE UNIQUE INDEX files_app_external_id ON files(app_id, external_id) WHERE external_id IS NOT NULL;
