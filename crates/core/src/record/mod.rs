//! The normalised record: one shape for a registration whichever channel it
//! came by, with its provenance and a status for every field. The field
//! validators live in `validate`; `normalise` applies them to a submission.

pub mod conditions;
pub mod normalise;
pub mod paper_dates;
pub mod paper_postal;
mod reason;
pub mod validate;

pub use reason::ReviewReason;

use std::collections::BTreeMap;

use rand::Rng;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

pub use crate::form::Channel;

/// What the jobseeker is shown and quotes on the phone: 8 characters from an
/// alphabet without look-alikes (no I, O, Q, Z, 0 or 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Reference(String);

impl Reference {
    pub const ALPHABET: &'static [u8] = b"ABCDEFGHJKLMNPRSTUVWXY23456789";
    pub const LENGTH: usize = 8;

    pub fn generate() -> Reference {
        let mut rng = rand::rng();
        let code = (0..Self::LENGTH)
            .map(|_| Self::ALPHABET[rng.random_range(0..Self::ALPHABET.len())] as char)
            .collect();
        Reference(code)
    }

    /// Accepts what a person reads out or types: case and spaces do not matter.
    pub fn parse(input: &str) -> Option<Reference> {
        let code: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid = code.len() == Self::LENGTH && code.bytes().all(|b| Self::ALPHABET.contains(&b));
        valid.then_some(Reference(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A field's normalised value: text for most fields, a yes/no for consent
/// and signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Text(String),
}

impl Value {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            Value::Bool(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldStatus {
    Accepted,
    NeedsReview,
    Corrected,
}

/// One field of a record: its value and how far it can be trusted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldReading {
    /// `None` when the field was left empty.
    pub value: Option<Value>,
    pub status: FieldStatus,
    /// Paper: the text as read, before normalisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// Paper: the recogniser's confidence, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
    /// Why the field needs review, as codes (see `ReviewReason`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<ReviewReason>,
    /// Values the evidence suggests instead, likeliest first (a postal
    /// code one digit away that is the written post office's): offered to
    /// the verifier as one-click choices, cleared once a person decides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
    /// Who corrected it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrected_by: Option<String>,
    /// Paper: other readings of the writing the recogniser weighed, most
    /// likely first, for the reviewer to pick from (stored rows made
    /// before there were any load with none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
}

impl FieldReading {
    /// What the verifier is offered instead of the reading: the evidence's
    /// candidates, then the recogniser's alternatives, each once.
    pub fn offered(&self) -> Vec<&String> {
        let mut offered: Vec<&String> = Vec::new();
        for value in self.candidates.iter().chain(&self.alternatives) {
            if !offered.contains(&value) {
                offered.push(value);
            }
        }
        offered
    }

    /// A value typed by the person themselves on the web form.
    pub fn typed(value: Option<Value>) -> FieldReading {
        FieldReading {
            value,
            status: FieldStatus::Accepted,
            raw: None,
            confidence: None,
            reasons: Vec::new(),
            candidates: Vec::new(),
            corrected_by: None,
            alternatives: Vec::new(),
        }
    }
}

/// Where a registration came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "channel", rename_all = "snake_case")]
pub enum Provenance {
    Web {
        /// The interface language the person used.
        language: crate::i18n::Lang,
    },
    Paper {
        /// SHA-256 of the original file, which is kept unchanged.
        original_sha256: String,
        pages: Vec<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        serial: Option<String>,
    },
}

impl Provenance {
    pub fn channel(&self) -> Channel {
        match self {
            Provenance::Web { .. } => Channel::Web,
            Provenance::Paper { .. } => Channel::Paper,
        }
    }
}

/// Where a registration stands, as the jobseeker and the queue see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// Paper fields wait for a person to confirm them.
    AwaitingReview,
    /// In the callback queue, not yet reached.
    AwaitingCall,
    /// Not reached after the maximum attempts: a letter goes out.
    SendLetter,
    Closed,
    Withdrawn,
}

impl RegistrationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::AwaitingReview => "awaiting_review",
            RegistrationStatus::AwaitingCall => "awaiting_call",
            RegistrationStatus::SendLetter => "send_letter",
            RegistrationStatus::Closed => "closed",
            RegistrationStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<RegistrationStatus> {
        [
            RegistrationStatus::AwaitingReview,
            RegistrationStatus::AwaitingCall,
            RegistrationStatus::SendLetter,
            RegistrationStatus::Closed,
            RegistrationStatus::Withdrawn,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
    }

    /// The jobseeker may withdraw until the registration is finished.
    pub fn can_withdraw(self) -> bool {
        matches!(
            self,
            RegistrationStatus::AwaitingReview
                | RegistrationStatus::AwaitingCall
                | RegistrationStatus::SendLetter
        )
    }
}

/// The normalised record (its JSON shape is documented in README.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    pub id: Uuid,
    pub reference: Reference,
    pub form: String,
    pub form_version: u32,
    pub channel: Channel,
    pub office: String,
    /// The legal received date: web, the moment the submission was stored;
    /// paper, the batch's stamped date.
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    pub identity_verified: bool,
    pub status: RegistrationStatus,
    /// Keyed by the form definition's field ids.
    pub fields: BTreeMap<String, FieldReading>,
    pub provenance: Provenance,
}

impl Registration {
    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields
            .get(field)
            .and_then(|f| f.value.as_ref())
            .and_then(Value::as_text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_use_only_the_unambiguous_alphabet() {
        for _ in 0..1000 {
            let reference = Reference::generate();
            assert_eq!(reference.as_str().len(), 8);
            assert!(!reference.as_str().contains(['I', 'O', 'Q', 'Z', '0', '1']));
            assert_eq!(Reference::parse(reference.as_str()), Some(reference));
        }
    }

    #[test]
    fn a_reference_read_out_loosely_still_parses() {
        assert_eq!(
            Reference::parse("abcd 2345").map(|r| r.to_string()),
            Some("ABCD2345".to_string())
        );
        assert_eq!(Reference::parse("ABCD234O"), None);
        assert_eq!(Reference::parse("ABCD234"), None);
    }
}
