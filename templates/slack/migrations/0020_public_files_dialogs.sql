-- files.sharedPublicURL / files.revokePublicURL: a file shared publicly has a
-- secret, the last part of its `permalink_public` (`<team>-<file>-<secret>`);
-- revoking clears it, so the old public URL stops answering.
ALTER TABLE files ADD COLUMN public_secret TEXT;

-- Legacy dialogs opened with dialog.open: one row per exchanged trigger id, the
-- dialog as the app gave it (`body`), for the person the trigger belongs to.
CREATE TABLE dialogs (
    id           TEXT PRIMARY KEY,
    team_id      TEXT NOT NULL,
    app_id       TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    trigger_id   TEXT NOT NULL,
    callback_id  TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_ms   BIGINT NOT NULL
);
CREATE INDEX dialogs_user ON dialogs(app_id, user_id);
