//! Release notes as GitHub generates them (`POST …/releases/generate-notes`):
//! the pull requests merged between the previous release's tag and the new tag,
//! the contributors whose first merged pull request is among them, and the
//! full-changelog link.

use std::collections::HashSet;

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{FieldError, GhError, GhResult};
use crate::model::gitdb;
use crate::store::repos::RepoRow;
use crate::store::{accounts, git as gstore, issues as istore, pulls as pstore, releases};

pub struct NotesRequest {
    pub tag_name: String,
    pub target_commitish: Option<String>,
    pub previous_tag_name: Option<String>,
}

async fn tag_sha(conn: &mut sqlx::AnyConnection, r: &RepoRow, tag: &str) -> GhResult<Option<String>> {
    match gstore::get_ref(&mut *conn, r.id, &format!("refs/tags/{tag}")).await? {
        Some(s) => Ok(Some(gitdb::peel(conn, r.id, s).await?)),
        None => Ok(None),
    }
}

/// `{name, body}` of the generated notes.
pub async fn generate(db: &Pool, base: &str, r: &RepoRow, req: &NotesRequest) -> GhResult<Value> {
    let mut conn = db.acquire().await?;
    let target = match tag_sha(&mut conn, r, &req.tag_name).await? {
        Some(s) => s,
        None => {
            let spec = req.target_commitish.clone().unwrap_or_else(|| r.default_branch.clone());
            match gitdb::resolve(&mut conn, r.id, &spec).await? {
                Some(s) => gitdb::peel(&mut conn, r.id, s).await?,
                None => return Err(GhError::Validation(vec![FieldError::new("Release", "target_commitish", "invalid")])),
            }
        }
    };
    let files = gitdb::files_at(&mut conn, r.id, &target).await?;
    if let Some(cfg) = [".github/release.yml", ".github/release.yaml"].into_iter().find(|f| files.contains_key(*f)) {
        // GitHub would sort the notes by the file's categories: not built here.
        return Err(GhError::Validation(vec![FieldError::custom(
            "Release",
            "configuration_file_path",
            format!("{cfg}: release notes configuration files are not built in this clone"),
        )]));
    }
    let reach = gitdb::ancestors(&mut conn, r.id, &target).await?;
    let previous = match &req.previous_tag_name {
        Some(p) => match tag_sha(&mut conn, r, p).await? {
            Some(s) => Some((p.clone(), s)),
            None => return Err(GhError::Validation(vec![FieldError::new("Release", "previous_tag_name", "invalid")])),
        },
        None => {
            // The newest published release before this one whose tag the target contains.
            let mut rels: Vec<_> = releases::of_repo(&mut *conn, r.id)
                .await?
                .into_iter()
                .filter(|x| !x.draft && !x.prerelease && x.tag_name != req.tag_name)
                .collect();
            rels.sort_by_key(|x| std::cmp::Reverse((x.published_at, x.id)));
            let mut found = None;
            for rel in rels {
                if let Some(s) = tag_sha(&mut conn, r, &rel.tag_name).await?
                    && reach.contains(&s)
                {
                    found = Some((rel.tag_name.clone(), s));
                    break;
                }
            }
            found
        }
    };
    let before: HashSet<String> = match &previous {
        Some((_, s)) => gitdb::ancestors(&mut conn, r.id, s).await?,
        None => HashSet::new(),
    };
    let full = r.full_name();
    let mut changed = Vec::new();
    let mut newcomers = Vec::new();
    let mut seen_authors: HashSet<i64> = HashSet::new();
    for p in pstore::merged_into(&mut *conn, r.id).await? {
        let Some(i) = istore::by_id(&mut *conn, p.issue_id).await? else { continue };
        let in_range = p.merge_commit_sha.as_ref().is_some_and(|s| reach.contains(s) && !before.contains(s));
        let first = seen_authors.insert(i.user_id);
        if !in_range {
            continue;
        }
        let login = accounts::by_id(&mut *conn, i.user_id).await?.map(|a| a.login).unwrap_or_else(|| "ghost".into());
        let url = format!("{base}/{full}/pull/{}", i.number);
        changed.push(format!("* {} by @{login} in {url}", i.title));
        if first {
            newcomers.push(format!("* @{login} made their first contribution in {url}"));
        }
    }
    let mut body = String::new();
    if !changed.is_empty() {
        body.push_str("## What's Changed\n");
        body.push_str(&changed.join("\n"));
        body.push_str("\n\n");
    }
    if !newcomers.is_empty() {
        body.push_str("## New Contributors\n");
        body.push_str(&newcomers.join("\n"));
        body.push_str("\n\n");
    }
    let tag = crate::objects::encode_segment(&req.tag_name);
    match &previous {
        Some((p, _)) => body.push_str(&format!("**Full Changelog**: {base}/{full}/compare/{}...{tag}", crate::objects::encode_segment(p))),
        None => body.push_str(&format!("**Full Changelog**: {base}/{full}/commits/{tag}")),
    }
    Ok(json!({ "name": req.tag_name, "body": body }))
}
