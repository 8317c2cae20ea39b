//! The templates compiled into this binary.

use std::sync::Arc;

use asym_clone_kit::Template;

pub fn templates() -> Vec<Arc<dyn Template>> {
    vec![asym_template_slack::template(), asym_template_stripe::template(), asym_template_github::template()]
}

pub fn find(name: &str) -> Option<Arc<dyn Template>> {
    templates().into_iter().find(|t| t.manifest().name == name)
}
