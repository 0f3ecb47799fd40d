//! One sheet's fields, put together from its pages: the first reading of a
//! page fills that page's fields; a re-scan of the same sheet only improves
//! on what a person would otherwise have to check, and never undoes a
//! correction. A date that cannot be right, judged against the day the
//! paper was received, goes to review, as does a postal code that is not
//! the written post office's.

use std::collections::BTreeMap;

use time::Date;

use crate::store::SheetSoFar;
use intake_core::form::FormDefinition;
use intake_core::record::conditions;
use intake_core::record::paper_dates::doubt_paper_dates;
use intake_core::record::paper_postal::doubt_paper_postal;
use intake_core::record::{FieldReading, FieldStatus};
use intake_paper::capture::extract::fill_missing_fields;

pub(crate) fn merge_page(
    so_far: Option<SheetSoFar<'_>>,
    page: &BTreeMap<String, FieldReading>,
    definition: Option<&FormDefinition>,
    received: Date,
) -> BTreeMap<String, FieldReading> {
    let rescan = so_far.as_ref().is_some_and(|s| s.page_read_before);
    let mut fields = so_far.map(|s| s.fields.clone()).unwrap_or_default();
    for (id, reading) in page {
        let keep_old = match fields.get(id) {
            None => false,
            Some(old) if old.status == FieldStatus::Corrected => true,
            Some(old) if rescan => {
                !(old.status == FieldStatus::NeedsReview && reading.status == FieldStatus::Accepted)
            }
            // The first reading of this page replaces the placeholder.
            Some(_) => false,
        };
        if !keep_old {
            fields.insert(id.clone(), reading.clone());
        }
    }
    if let Some(definition) = definition {
        fill_missing_fields(&mut fields, definition);
        doubt_paper_dates(&mut fields, definition, received);
        doubt_paper_postal(&mut fields);
        conditions::doubt_paper(&mut fields, definition);
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use intake_core::record::{ReviewReason, Value};
    use time::macros::date;

    const RECEIVED: Date = date!(2026 - 04 - 10);

    fn definition() -> FormDefinition {
        FormDefinition::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../forms/jobseeker-start.toml"
        )))
        .unwrap()
    }

    /// The first reading of a page with these fields, checked against the
    /// form as received on `RECEIVED`.
    fn first_reading(page: &[(&str, FieldReading)]) -> BTreeMap<String, FieldReading> {
        merge_page(None, &fields(page), Some(&definition()), RECEIVED)
    }

    fn reading(value: &str, status: FieldStatus) -> FieldReading {
        FieldReading {
            value: Some(Value::Text(value.into())),
            status,
            raw: Some(value.into()),
            confidence: Some(0.9),
            reasons: (status == FieldStatus::NeedsReview)
                .then_some(ReviewReason::LowConfidence)
                .into_iter()
                .collect(),
            candidates: Vec::new(),
            corrected_by: (status == FieldStatus::Corrected).then(|| "maija".into()),
            alternatives: Vec::new(),
        }
    }

    fn fields(entries: &[(&str, FieldReading)]) -> BTreeMap<String, FieldReading> {
        entries
            .iter()
            .map(|(id, r)| (id.to_string(), r.clone()))
            .collect()
    }

    #[test]
    fn the_first_reading_of_a_page_fills_its_fields() {
        let so_far = fields(&[("surname", reading("", FieldStatus::NeedsReview))]);
        let page = fields(&[("surname", reading("VIRTANEN", FieldStatus::Accepted))]);
        let merged = merge_page(
            Some(SheetSoFar {
                fields: &so_far,
                page_read_before: false,
            }),
            &page,
            None,
            RECEIVED,
        );
        assert_eq!(merged["surname"], page["surname"]);
    }

    #[test]
    fn a_rescan_only_replaces_what_needed_review_and_keeps_corrections() {
        let so_far = fields(&[
            ("surname", reading("VIRTAMEN", FieldStatus::NeedsReview)),
            ("phone", reading("+358401234567", FieldStatus::Corrected)),
            ("post_office", reading("VAASA", FieldStatus::Accepted)),
        ]);
        let page = fields(&[
            ("surname", reading("VIRTANEN", FieldStatus::Accepted)),
            ("phone", reading("+358401234568", FieldStatus::Accepted)),
            ("post_office", reading("VASA", FieldStatus::NeedsReview)),
        ]);
        let merged = merge_page(
            Some(SheetSoFar {
                fields: &so_far,
                page_read_before: true,
            }),
            &page,
            None,
            RECEIVED,
        );
        assert_eq!(merged["surname"], page["surname"]);
        assert_eq!(merged["phone"], so_far["phone"]);
        assert_eq!(merged["post_office"], so_far["post_office"]);
    }

    #[test]
    fn a_date_in_the_future_goes_to_review() {
        let merged = first_reading(&[(
            "situation_since",
            reading("2026-05-01", FieldStatus::Accepted),
        )]);
        assert_eq!(merged["situation_since"].status, FieldStatus::NeedsReview);
        assert_eq!(
            merged["situation_since"].reasons,
            [ReviewReason::DateInFuture]
        );
    }

    #[test]
    fn a_date_before_1900_goes_to_review() {
        let merged = first_reading(&[(
            "situation_since",
            reading("1899-04-06", FieldStatus::Accepted),
        )]);
        assert_eq!(merged["situation_since"].status, FieldStatus::NeedsReview);
        assert_eq!(
            merged["situation_since"].reasons,
            [ReviewReason::DateBefore1900]
        );
    }

    #[test]
    fn a_signature_date_after_the_received_date_goes_to_review() {
        let merged = first_reading(&[(
            "signature_date",
            reading("2026-04-11", FieldStatus::Accepted),
        )]);
        assert_eq!(merged["signature_date"].status, FieldStatus::NeedsReview);
        assert_eq!(
            merged["signature_date"].reasons,
            [ReviewReason::SignedAfterReceived]
        );
    }

    #[test]
    fn ordinary_dates_are_still_accepted() {
        let merged = first_reading(&[
            (
                "situation_since",
                reading("2020-04-06", FieldStatus::Accepted),
            ),
            (
                "signature_date",
                reading("2026-04-10", FieldStatus::Accepted),
            ),
        ]);
        for id in ["situation_since", "signature_date"] {
            assert_eq!(merged[id].status, FieldStatus::Accepted, "{id}");
            assert!(merged[id].reasons.is_empty(), "{id}");
        }
    }

    #[test]
    fn a_rescan_cannot_clear_a_doubted_date_but_a_correction_stands() {
        let so_far = first_reading(&[
            (
                "situation_since",
                reading("2027-04-06", FieldStatus::Accepted),
            ),
            (
                "signature_date",
                reading("2026-04-20", FieldStatus::Corrected),
            ),
        ]);
        assert_eq!(so_far["situation_since"].status, FieldStatus::NeedsReview);
        assert_eq!(so_far["signature_date"].status, FieldStatus::Corrected);
        let page = fields(&[
            (
                "situation_since",
                reading("2027-04-06", FieldStatus::Accepted),
            ),
            (
                "signature_date",
                reading("2026-04-20", FieldStatus::Accepted),
            ),
        ]);
        let merged = merge_page(
            Some(SheetSoFar {
                fields: &so_far,
                page_read_before: true,
            }),
            &page,
            Some(&definition()),
            RECEIVED,
        );
        assert_eq!(merged["situation_since"].status, FieldStatus::NeedsReview);
        assert_eq!(
            merged["situation_since"].reasons,
            [ReviewReason::DateInFuture]
        );
        assert_eq!(merged["signature_date"], so_far["signature_date"]);
    }

    #[test]
    fn a_postal_code_of_another_post_office_goes_to_review() {
        let merged = first_reading(&[
            ("postal_code", reading("65200", FieldStatus::Accepted)),
            ("post_office", reading("NÄRPES", FieldStatus::Accepted)),
        ]);
        for field in ["postal_code", "post_office"] {
            assert_eq!(merged[field].status, FieldStatus::NeedsReview, "{field}");
            assert_eq!(merged[field].reasons, [ReviewReason::PostalMismatch]);
        }
        assert_eq!(merged["postal_code"].candidates[0], "64200");
        assert_eq!(merged["post_office"].candidates, ["VASA", "VAASA"]);
        let agreeing = first_reading(&[
            ("postal_code", reading("64200", FieldStatus::Accepted)),
            ("post_office", reading("NÄRPES", FieldStatus::Accepted)),
        ]);
        assert_eq!(agreeing["postal_code"].status, FieldStatus::Accepted);
        assert_eq!(agreeing["post_office"].status, FieldStatus::Accepted);
    }
}
