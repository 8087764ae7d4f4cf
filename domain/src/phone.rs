//! Phone numbers in E.164 form, the one spelling every channel (SMS, voice, suppression, the Do
//! Not Call Register wash) agrees on.
//!
//! Parsing is done by the `phonenumber` crate (Google's libphonenumber metadata), so a number
//! is accepted only when it is a possible number of a real numbering plan, not merely a string
//! of digits after a `+`.

use phonenumber::country;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a raw value is not a usable phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PhoneError {
    #[error(
        "{0:?} is not in E.164 form (a '+', the country code and the number, e.g. +61412345678)"
    )]
    NotE164(String),
    #[error("{0:?} is not a valid phone number")]
    Invalid(String),
}

/// A valid phone number, held in its E.164 form (`+61412345678`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct E164(String);

impl E164 {
    /// Reads a number written in international form: a leading `+` and digits, spaces, dots,
    /// dashes or brackets between them (`+61 412 345 678`). National forms (`0412 345 678`)
    /// are refused here: without a region they are ambiguous.
    pub fn parse(raw: &str) -> Result<E164, PhoneError> {
        let t = raw.trim();
        let ok_chars = t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'));
        if !t.starts_with('+') || !ok_chars || t.matches('+').count() != 1 {
            return Err(PhoneError::NotE164(raw.to_string()));
        }
        Self::parse_in(t, country::Id::AU)
    }

    /// Reads a number in international or national form; national numbers are read in
    /// `region` (`0412 345 678` in AU is `+61412345678`).
    pub fn parse_in(raw: &str, region: country::Id) -> Result<E164, PhoneError> {
        let invalid = || PhoneError::Invalid(raw.to_string());
        let t = raw.trim();
        if t.is_empty() || t.len() > 40 || t.chars().filter(char::is_ascii_digit).count() < 4 {
            return Err(invalid());
        }
        let n = phonenumber::parse(Some(region), t).map_err(|_| invalid())?;
        if !n.is_valid() {
            return Err(invalid());
        }
        Ok(E164(n.format().mode(phonenumber::Mode::E164).to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is an Australian number (country code 61): the Do Not Call Register and
    /// the Telemarketing Industry Standard apply to calls to these.
    pub fn is_australian(&self) -> bool {
        self.0.starts_with("+61")
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for E164 {
    type Error = PhoneError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        E164::parse(&s)
    }
}

impl From<E164> for String {
    fn from(p: E164) -> String {
        p.0
    }
}

impl std::str::FromStr for E164 {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        E164::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn international_numbers_are_read_with_their_punctuation() {
        assert_eq!(
            E164::parse("+61 412 345 678").unwrap().as_str(),
            "+61412345678"
        );
        assert_eq!(
            E164::parse("+1 (415) 555-2671").unwrap().as_str(),
            "+14155552671"
        );
        assert!(E164::parse("+61412345678").unwrap().is_australian());
        assert!(!E164::parse("+14155552671").unwrap().is_australian());
    }

    #[test]
    fn national_forms_letters_and_impossible_numbers_are_refused() {
        assert!(matches!(
            E164::parse("0412 345 678"),
            Err(PhoneError::NotE164(_))
        ));
        assert!(matches!(
            E164::parse("+61 4I2 345 678"),
            Err(PhoneError::NotE164(_))
        ));
        assert!(matches!(E164::parse("+61 1"), Err(PhoneError::Invalid(_))));
        assert!(matches!(E164::parse("+999 1234 5678"), Err(_)));
        assert!(matches!(E164::parse(""), Err(_)));
    }

    #[test]
    fn national_numbers_are_read_in_their_region() {
        assert_eq!(
            E164::parse_in("0412 345 678", country::Id::AU)
                .unwrap()
                .as_str(),
            "+61412345678"
        );
        assert_eq!(
            E164::parse_in("(02) 9876 5432", country::Id::AU)
                .unwrap()
                .as_str(),
            "+61298765432"
        );
    }
}
