-- People: follows between accounts, a user's email addresses and public SSH
-- keys, blocks (by a user or an organization), organization invitations and
-- the teams they carry, public org membership, and organization webhooks (a
-- `hooks` row with `org_id` set and no repository).
CREATE TABLE follows (
    follower_id  BIGINT NOT NULL,
    followee_id  BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id);

CREATE TABLE user_emails (
    id          BIGINT PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    email       TEXT NOT NULL,
    is_primary  BIGINT NOT NULL DEFAULT 0,
    verified    BIGINT NOT NULL DEFAULT 0,
    -- `public` or `private` on the primary address, NULL on the others.
    visibility  TEXT,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX user_emails_email ON user_emails (lower(email));
CREATE INDEX user_emails_user ON user_emails (user_id);

CREATE TABLE ssh_keys (
    id          BIGINT PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    title       TEXT NOT NULL,
    -- The key as `<type> <base64>` (no comment), as GitHub returns it.
    key         TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX ssh_keys_user ON ssh_keys (user_id);

-- `owner_id` is the blocking user or organization.
CREATE TABLE blocks (
    owner_id    BIGINT NOT NULL,
    blocked_id  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (owner_id, blocked_id)
);

-- An invitation names a user (`invitee_id`) or an email address; `role` is
-- `admin`, `direct_member` or `billing_manager`.
CREATE TABLE org_invitations (
    id          BIGINT PRIMARY KEY,
    org_id      BIGINT NOT NULL,
    invitee_id  BIGINT,
    email       TEXT,
    role        TEXT NOT NULL,
    inviter_id  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX org_invitations_org ON org_invitations (org_id);
CREATE INDEX org_invitations_invitee ON org_invitations (invitee_id);

CREATE TABLE org_invitation_teams (
    invitation_id  BIGINT NOT NULL,
    team_id        BIGINT NOT NULL,
    PRIMARY KEY (invitation_id, team_id)
);

CREATE TABLE public_members (
    org_id   BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

ALTER TABLE hooks ADD COLUMN org_id BIGINT;
CREATE INDEX hooks_org ON hooks (org_id);
