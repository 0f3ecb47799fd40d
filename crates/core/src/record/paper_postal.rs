//! A postal code and post office on paper are checked against each other
//! by the postal code table: a code of another post office than the one
//! written (a 4 read as a 5), or a code that does not exist, goes to review
//! with the likely values kept as the reading's candidates. On the web the
//! person is warned instead, and what they confirm is kept with the doubt.

use std::collections::BTreeMap;

use super::{FieldReading, FieldStatus, ReviewReason, Value};
use crate::postal::{PostalCheck, check};

/// The postal code field of the paper form.
pub const POSTAL_CODE_FIELD: &str = "postal_code";
/// The post office field beside it.
pub const POST_OFFICE_FIELD: &str = "post_office";

fn text(reading: Option<&FieldReading>) -> Option<&str> {
    reading?.value.as_ref().and_then(Value::as_text)
}

/// Sends the postal code and the post office to review when the table
/// says they cannot both be right, each with its own candidates: codes of
/// the written post office for the code, the code's own post office for
/// the office. A corrected field is a person's word and is left alone; a
/// doubt this check raised earlier is lifted when a later reading agrees.
pub fn doubt_paper_postal(fields: &mut BTreeMap<String, FieldReading>) {
    for (field, doubt) in doubts(fields) {
        let Some(reading) = fields.get_mut(field) else {
            continue;
        };
        if reading.status == FieldStatus::Corrected {
            continue;
        }
        match doubt {
            Some((reason, candidates)) => {
                reading.status = FieldStatus::NeedsReview;
                if !reading.reasons.contains(&reason) {
                    reading.reasons.push(reason);
                }
                reading.candidates = candidates;
            }
            None => lift(reading),
        }
    }
}

/// The web form warned that the table disagrees, and the person said they
/// checked: both fields go as written and stay accepted, but the doubt is
/// kept on them (reason and the table's values) so the caseworker who
/// calls sees what the person confirmed.
pub fn note_postal_sent_as_written(fields: &mut BTreeMap<String, FieldReading>) {
    for (field, doubt) in doubts(fields) {
        if let (Some(reading), Some((reason, candidates))) = (fields.get_mut(field), doubt) {
            reading.reasons = vec![reason];
            reading.candidates = candidates;
        }
    }
}

type Doubt = Option<(ReviewReason, Vec<String>)>;

/// What the table says against each of the two fields, if anything.
fn doubts(fields: &BTreeMap<String, FieldReading>) -> [(&'static str, Doubt); 2] {
    // A code not in five digits is the validator's to flag.
    let code = text(fields.get(POSTAL_CODE_FIELD))
        .filter(|c| c.len() == 5 && c.bytes().all(|b| b.is_ascii_digit()));
    let (code_doubt, office_doubt) = match code {
        None => (None, None),
        Some(code) => match check(code, text(fields.get(POST_OFFICE_FIELD))) {
            PostalCheck::Agrees => (None, None),
            PostalCheck::UnknownCode { candidates } => {
                (Some((ReviewReason::PostalCodeUnknown, candidates)), None)
            }
            PostalCheck::Disagrees { codes, offices, .. } => (
                Some((ReviewReason::PostalMismatch, codes)),
                Some((ReviewReason::PostalMismatch, offices)),
            ),
        },
    };
    [
        (POSTAL_CODE_FIELD, code_doubt),
        (POST_OFFICE_FIELD, office_doubt),
    ]
}

/// Takes back a postal doubt that no longer holds; the field stays in
/// review if anything else doubts it.
fn lift(reading: &mut FieldReading) {
    let postal = |r: &ReviewReason| {
        matches!(
            r,
            ReviewReason::PostalMismatch | ReviewReason::PostalCodeUnknown
        )
    };
    if !reading.reasons.iter().any(postal) {
        return;
    }
    reading.reasons.retain(|r| !postal(r));
    reading.candidates.clear();
    if reading.reasons.is_empty() && reading.status == FieldStatus::NeedsReview {
        reading.status = FieldStatus::Accepted;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: &str) -> FieldReading {
        FieldReading {
            value: Some(Value::Text(value.to_string())),
            status: FieldStatus::Accepted,
            raw: Some(value.to_string()),
            confidence: Some(0.9),
            reasons: Vec::new(),
            candidates: Vec::new(),
            corrected_by: None,
            alternatives: Vec::new(),
        }
    }

    fn checked(code: FieldReading, office: FieldReading) -> BTreeMap<String, FieldReading> {
        let mut fields: BTreeMap<String, FieldReading> = [
            (POSTAL_CODE_FIELD.to_string(), code),
            (POST_OFFICE_FIELD.to_string(), office),
        ]
        .into();
        doubt_paper_postal(&mut fields);
        fields
    }

    #[test]
    fn a_code_of_another_post_office_goes_to_review_with_candidates() {
        let fields = checked(read("65200"), read("NÄRPES"));
        let code = &fields[POSTAL_CODE_FIELD];
        assert_eq!(code.status, FieldStatus::NeedsReview);
        assert_eq!(code.reasons, [ReviewReason::PostalMismatch]);
        assert_eq!(code.candidates[0], "64200");
        let office = &fields[POST_OFFICE_FIELD];
        assert_eq!(office.status, FieldStatus::NeedsReview);
        assert_eq!(office.reasons, [ReviewReason::PostalMismatch]);
        assert_eq!(office.candidates, ["VASA", "VAASA"]);
    }

    #[test]
    fn a_code_and_its_office_are_accepted() {
        let fields = checked(read("64200"), read("NARPES"));
        assert!(
            fields
                .values()
                .all(|r| r.status == FieldStatus::Accepted && r.reasons.is_empty())
        );
    }

    #[test]
    fn a_code_that_does_not_exist_goes_to_review() {
        let fields = checked(read("65009"), read("VAASA"));
        let code = &fields[POSTAL_CODE_FIELD];
        assert_eq!(code.status, FieldStatus::NeedsReview);
        assert_eq!(code.reasons, [ReviewReason::PostalCodeUnknown]);
        assert!(!code.candidates.is_empty());
        assert_eq!(fields[POST_OFFICE_FIELD].status, FieldStatus::Accepted);
    }

    #[test]
    fn a_correction_is_left_alone() {
        let mut office = read("NÄRPES");
        office.status = FieldStatus::Corrected;
        office.corrected_by = Some("maija".into());
        let fields = checked(read("65200"), office.clone());
        assert_eq!(fields[POST_OFFICE_FIELD], office);
        assert_eq!(fields[POSTAL_CODE_FIELD].status, FieldStatus::NeedsReview);
    }

    #[test]
    fn a_doubt_is_lifted_when_a_later_reading_agrees_but_others_stay() {
        let mut fields = checked(read("65200"), read("NÄRPES"));
        fields
            .get_mut(POSTAL_CODE_FIELD)
            .unwrap()
            .reasons
            .push(ReviewReason::LowConfidence);
        fields.insert(POST_OFFICE_FIELD.into(), read("VAASA"));
        doubt_paper_postal(&mut fields);
        let code = &fields[POSTAL_CODE_FIELD];
        assert_eq!(code.reasons, [ReviewReason::LowConfidence]);
        assert_eq!(code.status, FieldStatus::NeedsReview);
        assert!(code.candidates.is_empty());
        let mut fields = checked(read("65200"), read("NÄRPES"));
        fields.insert(POST_OFFICE_FIELD.into(), read("VASA"));
        doubt_paper_postal(&mut fields);
        assert_eq!(fields[POSTAL_CODE_FIELD].status, FieldStatus::Accepted);
        assert!(fields[POSTAL_CODE_FIELD].reasons.is_empty());
    }

    #[test]
    fn nothing_to_check_without_a_five_digit_code() {
        let fields = checked(read("6520"), read("NÄRPES"));
        assert!(fields.values().all(|r| r.status == FieldStatus::Accepted));
        let mut empty = read("");
        empty.value = None;
        let fields = checked(empty, read("NÄRPES"));
        assert!(fields.values().all(|r| r.status == FieldStatus::Accepted));
    }

    #[test]
    fn sent_as_written_stays_accepted_with_the_doubt_kept() {
        let mut fields: BTreeMap<String, FieldReading> = [
            (POSTAL_CODE_FIELD.to_string(), read("65100")),
            (POST_OFFICE_FIELD.to_string(), read("Närpes")),
        ]
        .into();
        note_postal_sent_as_written(&mut fields);
        for reading in fields.values() {
            assert_eq!(reading.status, FieldStatus::Accepted);
            assert_eq!(reading.reasons, [ReviewReason::PostalMismatch]);
        }
        assert!(
            fields[POST_OFFICE_FIELD]
                .candidates
                .contains(&"VAASA".to_string())
        );
        assert!(
            fields[POSTAL_CODE_FIELD]
                .candidates
                .contains(&"64200".to_string())
        );

        let mut agreeing: BTreeMap<String, FieldReading> = [
            (POSTAL_CODE_FIELD.to_string(), read("65100")),
            (POST_OFFICE_FIELD.to_string(), read("Vasa")),
        ]
        .into();
        note_postal_sent_as_written(&mut agreeing);
        assert!(agreeing.values().all(|r| r.reasons.is_empty()));
    }
}
