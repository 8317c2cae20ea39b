-- Counting a repository's open (or closed) issues for the Link header reads this
-- index alone instead of every issue row.
CREATE INDEX issues_repo_state ON issues (repo_id, state);
