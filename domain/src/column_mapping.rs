//! A column mapping chosen by a person for a CSV import (the two-step import: upload, check the
//! detected mapping against the first rows, import). One entry per column of the file: the
//! lead field it holds, or nothing (ignored).
//!
//! Rules: each field at most once (two columns feeding one field is almost always a mistake
//! made in the select, and which would win is not obvious), and the mapping must identify
//! people: an email, a LinkedIn URL, or a name with a company.

use crate::leads::Field;
use serde::{Deserialize, Serialize};

/// What the select offers besides the fields.
pub const IGNORE: &str = "ignore";

/// The first rows of a staged upload with the detected mapping, for the import page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    /// The staged upload's id, to start the import with.
    pub upload: String,
    pub filename: String,
    pub headers: Vec<String>,
    /// Up to five rows, as text, each as long as `headers` (short rows padded with "").
    pub rows: Vec<Vec<String>>,
    /// Detected field per column (each field on its first column only).
    pub mapping: Vec<Option<Field>>,
}

/// A field by its stored name; `None` for "ignore" or an empty choice.
pub fn parse_choice(raw: &str) -> Result<Option<Field>, String> {
    let s = raw.trim();
    if s.is_empty() || s.eq_ignore_ascii_case(IGNORE) {
        return Ok(None);
    }
    Field::ALL.into_iter().find(|f| f.as_str() == s).map(Some).ok_or_else(|| format!("unknown field \"{s}\""))
}

/// Checks a chosen mapping against the file's header row; the message names the columns.
pub fn validate(headers: &[String], choice: &[Option<Field>]) -> Result<(), String> {
    if choice.len() != headers.len() {
        return Err(format!("The mapping has {} columns but the file has {}", choice.len(), headers.len()));
    }
    for (i, f) in choice.iter().enumerate() {
        let Some(f) = f else { continue };
        if let Some(j) = choice[..i].iter().position(|g| g == &Some(*f)) {
            return Err(format!(
                "\"{}\" is chosen for two columns (\"{}\" and \"{}\"): choose it once",
                f.as_str(),
                headers[j].trim(),
                headers[i].trim()
            ));
        }
    }
    let has = |f: Field| choice.contains(&Some(f));
    let named = has(Field::FullName) || has(Field::FirstName);
    if !(has(Field::Email) || has(Field::LinkedinUrl) || (named && has(Field::Company))) {
        return Err("Map an email column, a LinkedIn URL column, or a name and a company column".into());
    }
    Ok(())
}

/// The detected mapping made valid for the select: a field detected on several columns (city
/// and state both read as location) is kept on its first column only.
pub fn first_columns_only(detected: &[Option<Field>]) -> Vec<Option<Field>> {
    let mut seen = Vec::new();
    detected
        .iter()
        .map(|f| match f {
            Some(f) if !seen.contains(f) => {
                seen.push(*f);
                Some(*f)
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn choices_parse_from_field_names_or_ignore() {
        assert_eq!(parse_choice("email"), Ok(Some(Field::Email)));
        assert_eq!(parse_choice(" ignore "), Ok(None));
        assert_eq!(parse_choice(""), Ok(None));
        assert!(parse_choice("shoe_size").unwrap_err().contains("shoe_size"));
    }

    #[test]
    fn a_field_chosen_twice_is_refused_naming_both_columns() {
        let e = validate(&h(&["Mail", "Work mail"]), &[Some(Field::Email), Some(Field::Email)]).unwrap_err();
        assert!(e.contains("\"Mail\"") && e.contains("\"Work mail\""), "{e}");
    }

    #[test]
    fn the_mapping_must_identify_people() {
        let cols = h(&["a", "b", "c"]);
        assert!(validate(&cols, &[Some(Field::Title), Some(Field::Company), None]).is_err());
        assert!(validate(&cols, &[Some(Field::Email), None, None]).is_ok());
        assert!(validate(&cols, &[Some(Field::LinkedinUrl), None, None]).is_ok());
        assert!(validate(&cols, &[Some(Field::FullName), Some(Field::Company), None]).is_ok());
        assert!(validate(&cols, &[Some(Field::FirstName), Some(Field::Company), Some(Field::LastName)]).is_ok());
        assert!(validate(&cols, &[Some(Field::Email), None]).unwrap_err().contains("3"));
    }

    #[test]
    fn detection_is_kept_on_the_first_column_of_each_field() {
        let d = [Some(Field::Location), Some(Field::Email), Some(Field::Location)];
        assert_eq!(first_columns_only(&d), vec![Some(Field::Location), Some(Field::Email), None]);
    }
}
