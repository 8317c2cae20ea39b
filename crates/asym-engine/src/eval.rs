//! `asym eval`: gathers what the checks need from each member (diff, current rows,
//! journal) and hands it to `asym-eval` to score.

use std::collections::BTreeMap;

use asym_contract::Result;
use asym_eval::{CloneFacts, Report};
use futures_util::StreamExt;

use crate::Engine;
use crate::trace::TraceFilter;

impl Engine {
    /// Scores environment (or single clone) `target` against the checks in `text`
    /// (`path` names the file in errors); `since` compares with a snapshot instead
    /// of the last reset.
    pub async fn eval(&self, target: &str, path: &str, text: &str, since: Option<&str>) -> Result<Report> {
        let checks = asym_spec::parse_checks(path, text)?;
        let members = self.members(target)?;
        let plan = asym_eval::plan(path, &checks, &members)?;
        let data = self.registry.load()?;
        let mut facts: BTreeMap<String, CloneFacts> = BTreeMap::new();
        for (id, _) in &members {
            let mut f = CloneFacts::default();
            if plan.diffs.contains(id) {
                f.diff = self.diff(id, since).await?;
            }
            if let Some(names) = plan.resources.get(id) {
                let rec = self.record(&data, id)?;
                let names: Vec<String> = names.iter().cloned().collect();
                let state = self.provider.state(&rec, &names).await?;
                f.state = state.resources;
                f.known = state.known;
            }
            if plan.journals.contains(id) {
                let mut lines = self.trace(id, TraceFilter::default(), false).await?;
                while let Some(t) = lines.next().await {
                    f.journal.push(t?.entry);
                }
            }
            facts.insert(id.clone(), f);
        }
        asym_eval::evaluate(path, &checks, &plan, &facts)
    }

    /// (clone id, template) of an environment's members, or of one clone.
    fn members(&self, target: &str) -> Result<Vec<(String, String)>> {
        let data = self.registry.load()?;
        let ids: Vec<String> = match self.env_record(&data, target) {
            Ok(env) => env.members.iter().map(|m| m.to_string()).collect(),
            Err(_) if self.record(&data, target).is_ok() => vec![target.to_string()],
            Err(e) => return Err(e),
        };
        ids.into_iter()
            .map(|id| {
                let rec = self.record(&data, &id)?;
                Ok((id, rec.template.clone()))
            })
            .collect()
    }
}
