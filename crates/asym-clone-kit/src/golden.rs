//! The golden image of a template for a chain of fixture packs.

use std::sync::Arc;

use asym_store::{GoldenKey, GoldenStore, Image, StoreError, StoreResult, Target, migrate};

use crate::Template;

pub async fn ensure(golden: &GoldenStore, target: &Target, template: &Arc<dyn Template>, fixtures: &[String]) -> StoreResult<Image> {
    let key = GoldenKey {
        template: template.manifest().name.clone(),
        migrations_hash: migrate::hash(template.migrations()),
        fixtures: fixtures.to_vec(),
    };
    let mut packs = Vec::new();
    for name in fixtures {
        let f = template.fixture(name).ok_or_else(|| StoreError::Seed {
            fixture: name.clone(),
            reason: format!("template `{}` has no such fixture", template.manifest().name),
        })?;
        packs.push(f);
    }
    let t = template.clone();
    golden
        .ensure(target, &key, |pool| async move {
            migrate::apply(&pool, t.migrations()).await?;
            for f in packs {
                t.seed(&pool, f).await?;
            }
            Ok(())
        })
        .await
}
