//! One sheet's fields, put together from its pages: the first reading of a
//! page fills that page's fields; a re-scan of the same sheet only improves
//! on what a person would otherwise have to check, and never undoes a
//! correction.

use std::collections::BTreeMap;

use crate::store::SheetSoFar;
use intake_core::form::FormDefinition;
use intake_core::record::{FieldReading, FieldStatus};
use intake_paper::capture::extract::fill_missing_fields;

pub(crate) fn merge_page(
    so_far: Option<SheetSoFar<'_>>,
    page: &BTreeMap<String, FieldReading>,
    definition: Option<&FormDefinition>,
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
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use intake_core::record::{ReviewReason, Value};

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
            corrected_by: (status == FieldStatus::Corrected).then(|| "maija".into()),
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
        );
        assert_eq!(merged["surname"], page["surname"]);
        assert_eq!(merged["phone"], so_far["phone"]);
        assert_eq!(merged["post_office"], so_far["post_office"]);
    }
}
