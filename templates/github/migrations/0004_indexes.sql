-- Pages of a repository's issues come straight off an index (newest first by
-- default), and pull requests are found by their head branch.
CREATE INDEX issues_repo_created ON issues (repo_id, created_at, id);
CREATE INDEX issues_repo_updated ON issues (repo_id, updated_at, id);
CREATE INDEX issue_labels_label ON issue_labels (label_id);
CREATE INDEX pulls_head ON pulls (head_ref);
