-- The workspace's message edit window (Slack's `msg_edit_window_mins`): how long a
-- person may edit their own message; -1 means any time. Bots are not limited.
ALTER TABLE teams ADD COLUMN msg_edit_window_mins BIGINT NOT NULL DEFAULT -1;
