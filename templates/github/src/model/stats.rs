//! Repository statistics, computed from the default branch's history in the
//! clone's git object store: weekly commits, additions and deletions per
//! author (`contributors`), the last year's commits by week and day
//! (`commit_activity`), additions and deletions by week (`code_frequency`),
//! the owner's share of the last year's commits (`participation`), and commits
//! by day of week and hour (`punch_card`). Weeks start on Sunday 00:00 UTC, as
//! GitHub's do; merge commits count as commits but not as changes.

use std::collections::BTreeMap;

use sqlx::AnyConnection;

use crate::errors::GhResult;
use crate::git::{self, Commit};
use crate::model::gitdb;
use crate::store::repos::RepoRow;

const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;

/// The Sunday 00:00 UTC that starts the week of `t`.
pub fn week_of(t: i64) -> i64 {
    // 1970-01-01 was a Thursday: the Sunday before it is day -4.
    let days = t.div_euclid(DAY);
    (days - (days + 4).rem_euclid(7)) * DAY
}

/// 0 (Sunday) to 6 (Saturday).
pub fn weekday(t: i64) -> usize {
    (t.div_euclid(DAY) + 4).rem_euclid(7) as usize
}

/// One commit of the history: its author's email and date, and the lines it
/// adds and deletes against its first parent (none for a merge).
#[derive(Debug, Clone)]
pub struct Entry {
    pub email: String,
    pub at: i64,
    pub merge: bool,
    pub additions: i64,
    pub deletions: i64,
}

/// The history of the default branch, newest first; `None` for an empty repository.
pub async fn history(conn: &mut AnyConnection, r: &RepoRow, with_changes: bool) -> GhResult<Option<Vec<Entry>>> {
    let Some(tip) = gitdb::resolve(conn, r.id, &r.default_branch).await? else { return Ok(None) };
    let log = gitdb::log(conn, r.id, &[tip], usize::MAX).await?;
    let mut out = Vec::with_capacity(log.len());
    for (_, c) in &log {
        let merge = c.parents.len() > 1;
        let (additions, deletions) = if with_changes && !merge { changes(conn, r.id, c).await? } else { (0, 0) };
        out.push(Entry { email: c.author.email.to_ascii_lowercase(), at: c.author.date, merge, additions, deletions });
    }
    Ok(Some(out))
}

/// Lines added and deleted by a commit against its first parent (binary files count none).
async fn changes(conn: &mut AnyConnection, repo: i64, c: &Commit) -> GhResult<(i64, i64)> {
    let new = gitdb::flatten(conn, repo, &c.tree).await?;
    let old = match c.parents.first() {
        Some(p) => gitdb::files_at(conn, repo, p).await?,
        None => git::Files::new(),
    };
    let (mut adds, mut dels) = (0, 0);
    for ch in git::changes(&old, &new) {
        let a = gitdb::blob_text(conn, repo, ch.old.as_deref()).await?;
        let b = gitdb::blob_text(conn, repo, ch.new.as_deref()).await?;
        if a.contains('\0') || b.contains('\0') {
            continue;
        }
        let (x, y, _) = git::diff_text(&a, &b);
        adds += x;
        dels += y;
    }
    Ok((adds, dels))
}

/// `(week, additions, deletions, commits)`.
pub type Week = (i64, i64, i64, i64);

/// Per author email: total commits and a [`Week`] for every week from the
/// history's first week to its last, least active author first.
pub fn contributors(h: &[Entry]) -> Vec<(String, i64, Vec<Week>)> {
    let (Some(first), Some(last)) = (h.iter().map(|e| week_of(e.at)).min(), h.iter().map(|e| week_of(e.at)).max()) else {
        return vec![];
    };
    let weeks: Vec<i64> = (0..).map(|n| first + n * WEEK).take_while(|w| *w <= last).collect();
    let mut by: BTreeMap<&str, BTreeMap<i64, (i64, i64, i64)>> = BTreeMap::new();
    for e in h {
        let w = by.entry(&e.email).or_default().entry(week_of(e.at)).or_default();
        w.0 += e.additions;
        w.1 += e.deletions;
        w.2 += 1;
    }
    let mut out: Vec<(String, i64, Vec<Week>)> = by
        .into_iter()
        .map(|(email, m)| {
            let total = m.values().map(|x| x.2).sum();
            let ws = weeks
                .iter()
                .map(|w| {
                    let x = m.get(w).copied().unwrap_or_default();
                    (*w, x.0, x.1, x.2)
                })
                .collect();
            (email.to_string(), total, ws)
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    out
}

/// The 52 weeks ending with the week of `now`, oldest first: `(week, commits per day)`.
pub fn commit_activity(h: &[Entry], now: i64) -> Vec<(i64, [i64; 7])> {
    let last = week_of(now);
    let first = last - 51 * WEEK;
    let mut out: Vec<(i64, [i64; 7])> = (0..52).map(|n| (first + n * WEEK, [0; 7])).collect();
    for e in h {
        let w = week_of(e.at);
        if w >= first && w <= last {
            out[((w - first) / WEEK) as usize].1[weekday(e.at)] += 1;
        }
    }
    out
}

/// `(week, additions, deletions)` for every week of the history, oldest first.
pub fn code_frequency(h: &[Entry]) -> Vec<(i64, i64, i64)> {
    let (Some(first), Some(last)) = (h.iter().map(|e| week_of(e.at)).min(), h.iter().map(|e| week_of(e.at)).max()) else {
        return vec![];
    };
    let mut m: BTreeMap<i64, (i64, i64)> = (0..).map(|n| first + n * WEEK).take_while(|w| *w <= last).map(|w| (w, (0, 0))).collect();
    for e in h {
        let x = m.entry(week_of(e.at)).or_default();
        x.0 += e.additions;
        x.1 += e.deletions;
    }
    m.into_iter().map(|(w, (a, d))| (w, a, d)).collect()
}

/// Commits per week over the 52 weeks ending with the week of `now`, oldest
/// first: by everyone, and by the authors `is_owner` picks.
pub fn participation(h: &[Entry], now: i64, is_owner: impl Fn(&str) -> bool) -> (Vec<i64>, Vec<i64>) {
    let last = week_of(now);
    let first = last - 51 * WEEK;
    let (mut all, mut owner) = (vec![0; 52], vec![0; 52]);
    for e in h {
        let w = week_of(e.at);
        if w >= first && w <= last {
            let i = ((w - first) / WEEK) as usize;
            all[i] += 1;
            if is_owner(&e.email) {
                owner[i] += 1;
            }
        }
    }
    (all, owner)
}

/// `(day, hour, commits)` for every hour of the week (UTC).
pub fn punch_card(h: &[Entry]) -> Vec<(usize, i64, i64)> {
    let mut grid = [[0i64; 24]; 7];
    for e in h {
        grid[weekday(e.at)][(e.at.rem_euclid(DAY) / 3600) as usize] += 1;
    }
    (0..7).flat_map(|d| (0..24).map(move |hr| (d, hr as i64, grid[d][hr]))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_sunday() {
        // 2024-01-03 (a Wednesday) 12:00 UTC is in the week of Sunday 2023-12-31.
        assert_eq!(week_of(1_704_283_200), 1_703_980_800);
        assert_eq!(weekday(1_704_283_200), 3);
        assert_eq!(week_of(1_703_980_800), 1_703_980_800);
    }

    #[test]
    fn contributors_share_the_history_weeks() {
        let e = |email: &str, at, a| Entry { email: email.into(), at, merge: false, additions: a, deletions: 0 };
        let h = vec![e("a@x.io", 1_703_980_800, 3), e("b@x.io", 1_703_980_800 + 2 * WEEK, 1), e("b@x.io", 1_703_980_900, 2)];
        let c = contributors(&h);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].0, "a@x.io");
        assert_eq!(c[1].1, 2);
        assert_eq!(c[1].2.len(), 3);
        assert_eq!(c[1].2[0], (1_703_980_800, 2, 0, 1));
        assert_eq!(code_frequency(&h)[0], (1_703_980_800, 5, 0));
        assert_eq!(punch_card(&h).len(), 168);
    }
}
