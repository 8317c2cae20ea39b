-- Forks: a fork names its parent and the root of its network; a pull request
-- whose head lives in a fork names that repository.
ALTER TABLE repos ADD COLUMN parent_id BIGINT;
ALTER TABLE repos ADD COLUMN source_id BIGINT;
ALTER TABLE pulls ADD COLUMN head_repo_id BIGINT;
CREATE INDEX repos_parent ON repos (parent_id);
