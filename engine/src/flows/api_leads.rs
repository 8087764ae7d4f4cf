//! Leads created through the REST API (`POST /api/v1/leads`): JSON objects are read into
//! `LeadInput`s, validated by the domain exactly like CSV rows and manual adds, and inserted
//! with source `api` and database-enforced dedupe, with one audit row naming the key.

use crate::flows::api_keys::ApiCaller;
use crate::store::{audit, leads};
use crate::Result;
use domain::leads::{Field, LeadId, LeadInput, LeadSource};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Most leads one request may carry; larger batches belong in a CSV import.
pub const MAX_LEADS_PER_REQUEST: usize = 1000;

/// Why one lead of a request was not created. `field` is absent when the whole item is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemError {
    pub index: usize,
    pub field: Option<String>,
    pub message: String,
}

/// What a request did: the leads created, how many were already in the workspace (or repeated
/// within the request), and the items refused with their reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub created: Vec<LeadId>,
    pub duplicates: usize,
    pub errors: Vec<ItemError>,
}

impl Outcome {
    /// True when no item was valid: every valid item is either created or a duplicate.
    pub fn nothing_valid(&self) -> bool {
        self.created.is_empty() && self.duplicates == 0
    }
}

/// Whether a value fits its field's schema: null, a string of at most the field's length, or
/// for the employee count also a whole number. `None` when it fits.
fn shape_error(field: Field, value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) if s.chars().count() <= field.max_chars() => None,
        Value::String(_) => Some(format!("must be at most {} characters", field.max_chars())),
        Value::Number(n) if field == Field::EmployeeCount && whole(n).is_some() => None,
        _ if field == Field::EmployeeCount => Some("must be a string, a whole number or null".into()),
        _ => Some("must be a string or null".into()),
    }
}

/// A JSON number that is whole (`250` or `250.0`), as text.
fn whole(n: &serde_json::Number) -> Option<String> {
    if n.is_i64() || n.is_u64() {
        return Some(n.to_string());
    }
    n.as_f64().filter(|f| f.is_finite() && f.fract() == 0.0).map(|f| format!("{f:.0}"))
}

/// Everything in the items that breaks the request's schema (an item that is not an object, an
/// unknown key, a value of the wrong type or length). A request with any of these is refused
/// whole, so a misspelt field is reported instead of silently dropped.
pub fn shape_errors(items: &[Value]) -> Vec<ItemError> {
    let mut errors = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Value::Object(map) = item else {
            errors.push(ItemError { index, field: None, message: "each lead must be a JSON object".into() });
            continue;
        };
        for (key, value) in map {
            let message = match Field::ALL.iter().find(|f| f.as_str() == key) {
                None => Some("unknown field".to_string()),
                Some(&field) => shape_error(field, value),
            };
            if let Some(message) = message {
                errors.push(ItemError { index, field: Some(key.clone()), message });
            }
        }
    }
    errors
}

/// Reads one JSON item, already checked by [`shape_errors`], into a `LeadInput`: strings as
/// they are, a whole number as its digits, null as absent.
pub fn input_from_json(item: &Map<String, Value>) -> LeadInput {
    let mut input = LeadInput::default();
    for (key, value) in item {
        let Some(&field) = Field::ALL.iter().find(|f| f.as_str() == key) else { continue };
        *input.get_mut(field) = match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => whole(n),
            _ => None,
        };
    }
    input
}

/// Validates and inserts the items (at most `MAX_LEADS_PER_REQUEST`, each of the right shape:
/// the caller checks both with [`shape_errors`]). Invalid leads (no address, a malformed email,
/// control characters, …) are reported and skipped; the valid ones are created in one
/// transaction together with the audit row.
#[tracing::instrument(skip(engine, items), fields(workspace = %caller.workspace, items = items.len()))]
pub async fn create(engine: &crate::Engine, caller: ApiCaller, items: &[Value]) -> Result<Outcome> {
    let mut errors = Vec::new();
    let mut valid = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Value::Object(map) = item else {
            errors.push(ItemError { index, field: None, message: "each lead must be a JSON object".into() });
            continue;
        };
        let validated = input_from_json(map).validate().map_err(|fe| {
            fe.into_iter().map(|e| ItemError { index, field: Some(e.field.to_string()), message: e.message }).collect::<Vec<_>>()
        });
        match validated {
            Ok(lead) => valid.push(lead),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if valid.is_empty() {
        return Ok(Outcome { created: Vec::new(), duplicates: 0, errors });
    }
    let mut tx = engine.tenant(caller.workspace).await?;
    let inserted = leads::insert_many(&mut tx, caller.workspace, LeadSource::Api, None, &valid).await?;
    let created: Vec<LeadId> = inserted.iter().map(|i| i.id).collect();
    let duplicates = valid.len() - created.len();
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(caller.workspace),
            // No person acted: the key did, and the key is the target.
            actor: None,
            action: "lead.create_api",
            target_type: "api_key",
            target_id: Some(caller.key.to_string()),
            before: None,
            after: Some(json!({ "created": created.len(), "duplicates": duplicates, "invalid": items.len() - valid.len(), "lead_ids": created })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome { created, duplicates, errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_are_read_as_text_and_null_as_absent() {
        let item = json!({"email": "a@b.com", "employee_count": 250, "phone": null});
        assert!(shape_errors(std::slice::from_ref(&item)).is_empty());
        let input = input_from_json(item.as_object().unwrap());
        assert_eq!(input.email.as_deref(), Some("a@b.com"));
        assert_eq!(input.employee_count.as_deref(), Some("250"));
        assert_eq!(input.phone, None);
        let input = input_from_json(json!({"employee_count": 250.0}).as_object().unwrap());
        assert_eq!(input.employee_count.as_deref(), Some("250"));
    }

    #[test]
    fn what_breaks_the_schema_is_reported_with_the_item_index_and_field() {
        let items = [
            json!({"email": "a@b.com"}),
            json!({"emial": "a@b.com", "company": {"name": "X"}, "title": true, "employee_count": 2.5}),
            json!("a@b.com"),
            json!({"phone": "1".repeat(41), "first_name": "é".repeat(200)}),
        ];
        let errs = shape_errors(&items);
        let at = |i: usize, f: Option<&str>| errs.iter().any(|e| e.index == i && e.field.as_deref() == f);
        assert!(errs.iter().any(|e| e.index == 1 && e.field.as_deref() == Some("emial") && e.message == "unknown field"));
        assert!(at(1, Some("company")) && at(1, Some("title")) && at(1, Some("employee_count")));
        assert!(at(2, None));
        assert!(at(3, Some("phone")) && !at(3, Some("first_name")), "lengths are counted in characters: {errs:?}");
        assert_eq!(errs.len(), 6, "{errs:?}");
    }
}
