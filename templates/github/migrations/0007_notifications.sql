-- Notification threads of a user: one per issue or pull request, with the
-- latest reason (`mention`, `assign`, `review_requested`, `team_mention`).
CREATE TABLE notifications (
    id            BIGINT PRIMARY KEY,
    user_id       BIGINT NOT NULL,
    repo_id       BIGINT NOT NULL,
    issue_id      BIGINT NOT NULL,
    reason        TEXT NOT NULL,
    unread        BIGINT NOT NULL DEFAULT 1,
    updated_at    BIGINT NOT NULL,
    last_read_at  BIGINT
);
CREATE UNIQUE INDEX notifications_user_issue ON notifications (user_id, issue_id);
