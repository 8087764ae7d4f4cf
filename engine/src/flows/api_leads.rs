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

/// Reads one JSON item into a `LeadInput`. Keys are the snake_case field names; strings, numbers
/// and booleans are taken as text (so `"employee_count": 250` works), null means absent. Unknown
/// keys are refused rather than ignored, so a misspelt field is reported instead of silently
/// dropped.
pub fn input_from_json(index: usize, item: &Value) -> Result<LeadInput, Vec<ItemError>> {
    let Value::Object(map) = item else {
        return Err(vec![ItemError { index, field: None, message: "each lead must be a JSON object".into() }]);
    };
    read_object(index, map)
}

fn read_object(index: usize, map: &Map<String, Value>) -> Result<LeadInput, Vec<ItemError>> {
    let mut input = LeadInput::default();
    let mut errors = Vec::new();
    for (key, value) in map {
        let err = |message: String| ItemError { index, field: Some(key.clone()), message };
        let Some(&field) = Field::ALL.iter().find(|f| f.as_str() == key) else {
            errors.push(err("unknown field".into()));
            continue;
        };
        let text = match value {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Array(_) | Value::Object(_) => {
                errors.push(err("must be a string".into()));
                continue;
            }
        };
        *input.get_mut(field) = text;
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(errors)
    }
}

/// Validates and inserts the items (at most `MAX_LEADS_PER_REQUEST`; the caller checks).
/// Invalid items are reported and skipped; the valid ones are created in one transaction
/// together with the audit row.
#[tracing::instrument(skip(engine, items), fields(workspace = %caller.workspace, items = items.len()))]
pub async fn create(engine: &crate::Engine, caller: ApiCaller, items: &[Value]) -> Result<Outcome> {
    let mut errors = Vec::new();
    let mut valid = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let validated = input_from_json(index, item).and_then(|input| {
            input.validate().map_err(|fe| {
                fe.into_iter()
                    .map(|e| ItemError { index, field: Some(e.field.to_string()), message: e.message })
                    .collect()
            })
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
    fn numbers_and_booleans_are_read_as_text_and_null_as_absent() {
        let input = input_from_json(0, &json!({"email": "a@b.com", "employee_count": 250, "phone": null})).unwrap();
        assert_eq!(input.email.as_deref(), Some("a@b.com"));
        assert_eq!(input.employee_count.as_deref(), Some("250"));
        assert_eq!(input.phone, None);
    }

    #[test]
    fn unknown_keys_and_nested_values_are_reported_with_the_item_index() {
        let errs = input_from_json(3, &json!({"emial": "a@b.com", "company": {"name": "X"}})).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs.iter().all(|e| e.index == 3));
        assert!(errs.iter().any(|e| e.field.as_deref() == Some("emial") && e.message == "unknown field"));
        assert!(errs.iter().any(|e| e.field.as_deref() == Some("company")));
    }

    #[test]
    fn an_item_that_is_not_an_object_is_refused_as_a_whole() {
        let errs = input_from_json(1, &json!("a@b.com")).unwrap_err();
        assert_eq!(errs, vec![ItemError { index: 1, field: None, message: "each lead must be a JSON object".into() }]);
    }
}
