//! `asym diff`: the clone's current rows against an image (its golden image, or a
//! named snapshot), resource by resource. The image is read without touching it:
//! a SQLite image is opened immutable; a PostgreSQL image is copied to a scratch
//! database first, since template databases take no connections.

use std::collections::BTreeMap;
use std::path::Path;

use asym_contract::AsymError;
use asym_contract::diff::{CloneDiff, Footprint, Resource, diff_rows};
use asym_store::{Image, Pool, StoreHandle, Target, pool, postgres};
use serde_json::Value;
use sqlx::{AssertSqlSafe, Column, Row};

type Rows = Vec<BTreeMap<String, Value>>;

/// What provisioning adds on top of the golden image (the default app, its bot
/// user and memberships), read right after spin and reset from the rows the
/// template says provisioning writes, so that a fresh clone has nothing to report.
pub async fn record_baseline(
    resources: &[Resource],
    docs: &Documents,
    footprint: &[Footprint],
    store: &StoreHandle,
    state_dir: &Path,
) -> Result<(), AsymError> {
    let mut delta = CloneDiff { since: "reset".into(), resources: BTreeMap::new() };
    {
        let db = store.db().await?;
        for f in footprint {
            let Some(r) = resources.iter().find(|r| r.name == f.resource) else { continue };
            let rows = read_where(&db, r, docs, f.column, &f.value).await?;
            if !rows.is_empty() {
                delta.resources.entry(r.name.to_string()).or_default().added.extend(rows);
            }
        }
    }
    let path = state_dir.join("baseline.json");
    std::fs::create_dir_all(state_dir).map_err(|e| AsymError::io(format!("creating {}", state_dir.display()), e))?;
    std::fs::write(&path, serde_json::to_vec(&delta)?).map_err(|e| AsymError::io(format!("writing {}", path.display()), e))
}

pub fn load_baseline(state_dir: &Path) -> Option<CloneDiff> {
    std::fs::read(state_dir.join("baseline.json")).ok().and_then(|b| serde_json::from_slice(&b).ok())
}

pub async fn compute(
    resources: &[Resource],
    docs: &Documents,
    store: &StoreHandle,
    image: &Image,
    since: String,
    baseline: Option<&CloneDiff>,
) -> Result<CloneDiff, AsymError> {
    let mut current = Vec::new();
    {
        let db = store.db().await?;
        for r in resources {
            current.push(read(&db, r, docs).await?);
        }
    }
    let mut before = read_image(resources, docs, store.target(), image).await?;
    if let Some(base) = baseline {
        for (r, rows) in resources.iter().zip(before.iter_mut()) {
            if let Some(delta) = base.resources.get(r.name) {
                apply(r, rows, delta);
            }
        }
    }
    let mut out = CloneDiff { since, resources: BTreeMap::new() };
    for ((r, now), then) in resources.iter().zip(current).zip(before) {
        let d = diff_rows(r.key, then, now);
        if !d.is_empty() {
            out.resources.insert(r.name.to_string(), d);
        }
    }
    Ok(out)
}

/// The current rows of `resources`, by name.
pub async fn current(resources: &[Resource], docs: &Documents, store: &StoreHandle) -> Result<BTreeMap<String, Rows>, AsymError> {
    let db = store.db().await?;
    let mut out = BTreeMap::new();
    for r in resources {
        out.insert(r.name.to_string(), read(&db, r, docs).await?);
    }
    Ok(out)
}

/// `rows` with `delta` applied: what the image held plus what provisioning did.
fn apply(r: &Resource, rows: &mut Rows, delta: &asym_contract::diff::ResourceDiff) {
    let id = |row: &BTreeMap<String, Value>| -> Vec<Value> { r.key.iter().map(|k| row.get(*k).cloned().unwrap_or(Value::Null)).collect() };
    let removed: Vec<Vec<Value>> = delta.removed.iter().map(id).collect();
    rows.retain(|row| !removed.contains(&id(row)));
    for c in &delta.changed {
        let key: Vec<Value> = r.key.iter().map(|k| c.key.get(*k).cloned().unwrap_or(Value::Null)).collect();
        if let Some(row) = rows.iter_mut().find(|row| id(row) == key) {
            for (f, ch) in &c.fields {
                row.insert(f.clone(), ch.to.clone());
            }
        }
    }
    rows.extend(delta.added.iter().cloned());
}

async fn read_image(resources: &[Resource], docs: &Documents, target: &Target, image: &Image) -> Result<Vec<Rows>, AsymError> {
    let mut out = Vec::new();
    match (target, image) {
        (_, Image::File(path)) => {
            let pool = pool::connect_image(path).await?;
            for r in resources {
                out.push(read(&pool, r, docs).await?);
            }
            pool.close().await;
        }
        (Target::Postgres { url, .. }, Image::Database(src)) if src.starts_with("g_") => {
            // Golden images take no connections; a readable twin is made once.
            let twin = format!("{src}_r");
            let mut admin = postgres::admin(url).await?;
            if !postgres::exists(&mut admin, &twin).await? {
                postgres::lock(&mut admin, &twin).await?;
                let made = async {
                    if !postgres::exists(&mut admin, &twin).await? {
                        postgres::create_from(&mut admin, &twin, src).await?;
                    }
                    Ok::<_, asym_store::StoreError>(())
                }
                .await;
                postgres::unlock(&mut admin, &twin).await?;
                made?;
            }
            drop(admin);
            let pool = pool::connect_reader(postgres::with_database(url, &twin).as_str()).await?;
            for r in resources {
                out.push(read(&pool, r, docs).await?);
            }
            pool.close().await;
        }
        (Target::Postgres { url, name }, Image::Database(src)) => {
            let scratch = format!("d_{}", &name[..name.len().min(40)]);
            let mut admin = postgres::admin(url).await?;
            postgres::drop_database(&mut admin, &scratch).await?;
            postgres::create_from(&mut admin, &scratch, src).await?;
            let read_all = async {
                let pool = pool::connect_reader(postgres::with_database(url, &scratch).as_str()).await?;
                let mut rows = Vec::new();
                for r in resources {
                    rows.push(read(&pool, r, docs).await?);
                }
                pool.close().await;
                Ok::<_, AsymError>(rows)
            }
            .await;
            postgres::drop_database(&mut admin, &scratch).await?;
            out = read_all?;
        }
        (_, other) => return Err(AsymError::Internal(format!("{other:?} is not an image of this backend"))),
    }
    Ok(out)
}

async fn read_where(db: &Pool, r: &Resource, docs: &Documents, column: &str, value: &str) -> Result<Rows, AsymError> {
    // Table and column names come from the template's own constants.
    let columns = if r.columns.is_empty() { "*".to_string() } else { r.columns.join(", ") };
    let sql = format!("SELECT {columns} FROM {} WHERE {column} = $1", r.table);
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(value.to_string()).fetch_all(db).await.map_err(asym_store::StoreError::from)?;
    Ok(rows.iter().map(|row| expand(r, docs, to_row(row))).collect())
}

async fn read(db: &Pool, r: &Resource, docs: &Documents) -> Result<Rows, AsymError> {
    // Table names come from the template's own constants, never from a request.
    let columns = if r.columns.is_empty() { "*".to_string() } else { r.columns.join(", ") };
    let sql = format!("SELECT {columns} FROM {}", r.table);
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(db).await.map_err(asym_store::StoreError::from)?;
    Ok(rows.iter().map(|row| expand(r, docs, to_row(row))).collect())
}

fn to_row(row: &sqlx::any::AnyRow) -> BTreeMap<String, Value> {
    row.columns().iter().map(|c| (c.name().to_string(), value_of(row, c.ordinal()))).collect()
}

/// Resource → the column holding the record as a JSON document (Stripe keeps each
/// object whole): its fields are what a person and `asym eval` compare.
pub type Documents = [(&'static str, &'static str)];

/// The document column's top-level fields become the row's fields (the table's own
/// columns win a clash), so a diff says `status: "requires_capture" → "succeeded"`
/// instead of two long JSON strings.
fn expand(r: &Resource, docs: &Documents, mut row: BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    let Some((_, column)) = docs.iter().find(|(name, _)| *name == r.name) else { return row };
    let parsed = match row.get(*column) {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text).ok(),
        _ => None,
    };
    if let Some(Value::Object(fields)) = parsed {
        row.remove(*column);
        for (k, v) in fields {
            row.entry(k).or_insert(v);
        }
    }
    row
}

/// One cell as JSON, whatever the backend's type for it.
fn value_of(row: &sqlx::any::AnyRow, i: usize) -> Value {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return v.map(Value::from).unwrap_or(Value::Null);
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return v.map(Value::from).unwrap_or(Value::Null);
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return v.map(Value::from).unwrap_or(Value::Null);
    }
    match row.try_get::<Option<Vec<u8>>, _>(i) {
        Ok(Some(b)) => Value::from(format!("<{} bytes>", b.len())),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_document_column_becomes_the_records_fields() {
        let r = Resource { name: "customers", table: "customers", key: &["id"], columns: &[] };
        let row: BTreeMap<String, Value> = serde_json::from_value(
            json!({"id": "cus_1", "data": "{\"id\":\"cus_other\",\"email\":\"a@b.test\",\"metadata\":{\"k\":\"v\"}}"}),
        )
        .unwrap();
        let out = expand(&r, &[("customers", "data")], row.clone());
        assert_eq!(out["id"], "cus_1", "the table's own column wins");
        assert_eq!(out["email"], "a@b.test");
        assert_eq!(out["metadata"], json!({"k": "v"}));
        assert!(!out.contains_key("data"));
        assert_eq!(expand(&r, &[], row.clone()), row, "no document declared: the row as read");
    }
}
