//! Dates on paper that cannot be right. The day the box was emptied (the
//! batch's received date) is "today" for a paper form: a date after it, or
//! before 1900, is not accepted silently but goes to review.

use std::collections::BTreeMap;

use time::Date;
use time::macros::{date, format_description};

use super::{FieldReading, FieldStatus, ReviewReason, Value};
use crate::form::{FieldType, FormDefinition};

/// The date beside the signature on the paper form.
pub const SIGNATURE_DATE_FIELD: &str = "signature_date";

/// The earliest date a paper form can sensibly carry.
pub const EARLIEST_DATE: Date = date!(1900 - 01 - 01);

/// Why `written`, a date read from a paper received on `received`, cannot
/// be right, or `None` when it may be. The signature date has its own
/// reason for being after the received date.
pub fn date_doubt(written: Date, received: Date, signature_date: bool) -> Option<ReviewReason> {
    if written < EARLIEST_DATE {
        Some(ReviewReason::DateBefore1900)
    } else if written > received {
        Some(if signature_date {
            ReviewReason::SignedAfterReceived
        } else {
            ReviewReason::DateInFuture
        })
    } else {
        None
    }
}

/// Sends every date field of a paper reading that cannot be right to review,
/// with the reason. A corrected field is a person's word and is left alone;
/// an empty or unreadable one has nothing to check.
pub fn doubt_paper_dates(
    fields: &mut BTreeMap<String, FieldReading>,
    definition: &FormDefinition,
    received: Date,
) {
    let dates = definition
        .fields_for(crate::form::Channel::Paper)
        .filter(|f| f.field_type == FieldType::Date);
    for field in dates {
        let Some(reading) = fields.get_mut(&field.id) else {
            continue;
        };
        if reading.status == FieldStatus::Corrected {
            continue;
        }
        let Some(written) = reading
            .value
            .as_ref()
            .and_then(Value::as_text)
            .and_then(|text| Date::parse(text, format_description!("[year]-[month]-[day]")).ok())
        else {
            continue;
        };
        if let Some(reason) = date_doubt(written, received, field.id == SIGNATURE_DATE_FIELD) {
            reading.status = FieldStatus::NeedsReview;
            if !reading.reasons.contains(&reason) {
                reading.reasons.push(reason);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECEIVED: Date = date!(2026 - 04 - 10);

    fn definition() -> FormDefinition {
        FormDefinition::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../forms/jobseeker-start.toml"
        )))
        .unwrap()
    }

    fn read(value: &str) -> FieldReading {
        FieldReading {
            value: Some(Value::Text(value.to_string())),
            status: FieldStatus::Accepted,
            raw: Some(value.to_string()),
            confidence: Some(0.99),
            reasons: Vec::new(),
            candidates: Vec::new(),
            corrected_by: None,
            alternatives: Vec::new(),
        }
    }

    fn checked(entries: &[(&str, FieldReading)]) -> BTreeMap<String, FieldReading> {
        let mut fields: BTreeMap<String, FieldReading> = entries
            .iter()
            .map(|(id, reading)| (id.to_string(), reading.clone()))
            .collect();
        doubt_paper_dates(&mut fields, &definition(), RECEIVED);
        fields
    }

    #[test]
    fn an_ordinary_date_may_be_right() {
        assert_eq!(date_doubt(date!(2020 - 04 - 06), RECEIVED, false), None);
        assert_eq!(date_doubt(date!(1900 - 01 - 01), RECEIVED, false), None);
        assert_eq!(date_doubt(RECEIVED, RECEIVED, false), None);
        assert_eq!(date_doubt(RECEIVED, RECEIVED, true), None);
        assert_eq!(date_doubt(date!(2026 - 04 - 09), RECEIVED, true), None);
    }

    #[test]
    fn a_date_after_the_received_date_is_in_the_future() {
        assert_eq!(
            date_doubt(date!(2026 - 04 - 11), RECEIVED, false),
            Some(ReviewReason::DateInFuture)
        );
        assert_eq!(
            date_doubt(date!(2031 - 01 - 01), RECEIVED, false),
            Some(ReviewReason::DateInFuture)
        );
    }

    #[test]
    fn a_date_before_1900_cannot_be_right() {
        assert_eq!(
            date_doubt(date!(1899 - 12 - 31), RECEIVED, false),
            Some(ReviewReason::DateBefore1900)
        );
        assert_eq!(
            date_doubt(date!(1020 - 04 - 06), RECEIVED, true),
            Some(ReviewReason::DateBefore1900)
        );
    }

    #[test]
    fn signed_after_received_has_its_own_reason() {
        assert_eq!(
            date_doubt(date!(2026 - 04 - 11), RECEIVED, true),
            Some(ReviewReason::SignedAfterReceived)
        );
    }

    #[test]
    fn doubtful_paper_dates_go_to_review() {
        let fields = checked(&[
            ("situation_since", read("2027-01-01")),
            ("signature_date", read("2026-05-01")),
        ]);
        assert_eq!(fields["situation_since"].status, FieldStatus::NeedsReview);
        assert_eq!(
            fields["situation_since"].reasons,
            [ReviewReason::DateInFuture]
        );
        assert_eq!(fields["signature_date"].status, FieldStatus::NeedsReview);
        assert_eq!(
            fields["signature_date"].reasons,
            [ReviewReason::SignedAfterReceived]
        );

        let fields = checked(&[("situation_since", read("1899-06-01"))]);
        assert_eq!(fields["situation_since"].status, FieldStatus::NeedsReview);
        assert_eq!(
            fields["situation_since"].reasons,
            [ReviewReason::DateBefore1900]
        );
    }

    #[test]
    fn ordinary_dates_and_other_fields_are_left_alone() {
        let fields = checked(&[
            ("situation_since", read("2020-04-06")),
            ("signature_date", read("2026-04-10")),
            ("surname", read("3000-01-01")),
        ]);
        for reading in fields.values() {
            assert_eq!(reading.status, FieldStatus::Accepted);
            assert!(reading.reasons.is_empty());
        }
    }

    #[test]
    fn corrected_empty_and_already_doubted_fields() {
        let mut corrected = read("2027-01-01");
        corrected.status = FieldStatus::Corrected;
        let mut empty = read("");
        empty.value = None;
        let mut doubted = read("2027-01-01");
        doubted.status = FieldStatus::NeedsReview;
        doubted.reasons = vec![ReviewReason::LowConfidence, ReviewReason::DateInFuture];
        let fields = checked(&[
            ("situation_since", corrected.clone()),
            ("signature_date", empty.clone()),
        ]);
        assert_eq!(fields["situation_since"], corrected);
        assert_eq!(fields["signature_date"], empty);
        let fields = checked(&[("situation_since", doubted.clone())]);
        assert_eq!(fields["situation_since"], doubted, "no reason twice");
    }
}
