-- Each repository's count of open and closed issues (pull requests included),
-- kept by the store as issues are created and change state: list pages need the
-- count for the Link header on every request, and counting rows cost a page
-- of a 12,000-issue repository more than rendering it.
CREATE TABLE issue_tallies (
    repo_id BIGINT PRIMARY KEY,
    open_count BIGINT NOT NULL DEFAULT 0,
    closed_count BIGINT NOT NULL DEFAULT 0
);
INSERT INTO issue_tallies (repo_id, open_count, closed_count)
SELECT repo_id,
       SUM(CASE WHEN state = 'open' THEN 1 ELSE 0 END),
       SUM(CASE WHEN state = 'open' THEN 0 ELSE 1 END)
FROM issues GROUP BY repo_id;
