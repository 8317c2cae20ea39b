-- Invitations to collaborate on a user-owned repository: the invitee becomes a
-- collaborator with `permissions` when they accept.
CREATE TABLE repo_invitations (
    id           BIGINT PRIMARY KEY,
    repo_id      BIGINT NOT NULL,
    invitee_id   BIGINT NOT NULL,
    inviter_id   BIGINT NOT NULL,
    permissions  TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX repo_invitations_invitee ON repo_invitations (repo_id, invitee_id);
CREATE INDEX repo_invitations_user ON repo_invitations (invitee_id);
