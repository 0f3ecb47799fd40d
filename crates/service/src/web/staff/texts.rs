//! The staff pages' own texts in Swedish, Finnish and English (the
//! `[staff]` table of `crates/service/locales/*.toml`), and the names of
//! the values they show (roles, statuses, call outcomes, results, audit
//! actions). Field labels and choices come from the form definition instead.

use crate::accounts::Role;
use crate::callbacks::{CallOutcome, CloseResult};
use crate::store::duplicates::DuplicateMatch;
use std::sync::LazyLock;

use crate::store::audit::AuditAction;
use crate::web::texts::section;
use intake_core::i18n::{ByCode, Lang, Plural};
use intake_core::record::{Channel, RegistrationStatus};
use intake_core::texts;

texts! {
    pub struct StaffTexts {
        pub service_name: &'static str,
        pub skip_to_content: &'static str,
        pub language: &'static str,
        pub nav_label: &'static str,
        pub nav_home: &'static str,
        pub nav_queue: &'static str,
        pub nav_dashboard: &'static str,
        pub nav_export: &'static str,
        pub nav_staff: &'static str,
        pub nav_mailroom: &'static str,
        pub nav_verify: &'static str,
        pub nav_letters: &'static str,
        pub nav_triage: &'static str,
        pub signed_in_as: &'static str,
        pub sign_out: &'static str,
        pub back_to_staff: &'static str,
        pub back_to_queue: &'static str,
        pub sign_in_title: &'static str,
        pub name_label: &'static str,
        pub password_label: &'static str,
        pub sign_in_button: &'static str,
        pub sign_in_failed: &'static str,
        pub sign_in_wrong: &'static str,
        pub sign_in_busy: &'static str,
        pub sign_in_form_expired: &'static str,
        pub signed_out: &'static str,
        pub session_ended: &'static str,
        pub home_title: &'static str,
        pub home_nothing: &'static str,
        pub home_queue_hint: &'static str,
        pub home_dashboard_hint: &'static str,
        pub home_mailroom_hint: &'static str,
        pub home_verify_hint: &'static str,
        pub home_triage_hint: &'static str,
        pub home_export_hint: &'static str,
        pub home_staff_hint: &'static str,
        pub queue_title: &'static str,
        pub search_label: &'static str,
        pub search_hint: &'static str,
        pub status_label: &'static str,
        pub office_label: &'static str,
        pub service_language_label: &'static str,
        /// The queue's filter by the language written for "other".
        pub other_language_label: &'static str,
        pub other_language_hint: &'static str,
        pub channel_label: &'static str,
        pub when_label: &'static str,
        pub when_ready: &'static str,
        pub when_all: &'static str,
        pub all_option: &'static str,
        pub filter_button: &'static str,
        pub queue_count: Plural,
        pub queue_empty: &'static str,
        pub due_label: &'static str,
        pub reference_label: &'static str,
        pub name_column: &'static str,
        pub phone_label: &'static str,
        pub received_label: &'static str,
        pub attempts_label: &'static str,
        pub state_column: &'static str,
        pub overdue: &'static str,
        pub due_today: &'static str,
        pub call_from: &'static str,
        pub held_by: &'static str,
        pub held_by_you: &'static str,
        pub until: &'static str,
        pub claim_button: &'static str,
        pub notice_logged: &'static str,
        pub notice_closed: &'static str,
        pub notice_released: &'static str,
        pub identity_label: &'static str,
        pub next_call_label: &'static str,
        pub call_title: &'static str,
        pub best_time_label: &'static str,
        pub lease_yours: &'static str,
        pub claim_hint: &'static str,
        pub release_button: &'static str,
        pub take_over_hint: &'static str,
        pub take_over_button: &'static str,
        pub attempt_title: &'static str,
        pub outcome_legend: &'static str,
        pub call_back_label: &'static str,
        pub call_back_hint: &'static str,
        pub date_label: &'static str,
        pub time_label: &'static str,
        pub note_label: &'static str,
        pub log_button: &'static str,
        pub close_title: &'static str,
        pub identity_confirmed_label: &'static str,
        pub result_legend: &'static str,
        pub close_button: &'static str,
        pub closed_by_label: &'static str,
        pub attempts_title: &'static str,
        pub no_attempts: &'static str,
        pub when_column: &'static str,
        pub who_column: &'static str,
        pub outcome_column: &'static str,
        pub record_title: &'static str,
        pub field_needs_review: &'static str,
        pub field_corrected_by: &'static str,
        pub field_sent_on_by: &'static str,
        pub field_sent_as_written: &'static str,
        pub letters_title: &'static str,
        pub letter_column: &'static str,
        pub sources_title: &'static str,
        pub matched_column: &'static str,
        pub source_first: &'static str,
        pub copy_note: &'static str,
        pub audit_of_registration: &'static str,
        pub yes: &'static str,
        pub no: &'static str,
        pub notice_claimed: &'static str,
        pub notice_held: &'static str,
        pub notice_not_open: &'static str,
        pub notice_taken: &'static str,
        pub notice_reached: &'static str,
        pub notice_not_holder: &'static str,
        pub notice_not_allowed: &'static str,
        pub error_title: &'static str,
        pub error_outcome: &'static str,
        pub error_call_back: &'static str,
        pub error_result: &'static str,
        pub error_identity: &'static str,
        pub error_note_long: &'static str,
        pub dashboard_title: &'static str,
        pub figure_queue: &'static str,
        pub figure_overdue: &'static str,
        pub figure_letter: &'static str,
        pub figure_review: &'static str,
        pub figure_median: &'static str,
        pub median_basis: &'static str,
        pub chart_title: &'static str,
        pub chart_desc: &'static str,
        pub table_summary: &'static str,
        pub total_column: &'static str,
        pub channel_web: &'static str,
        pub channel_paper: &'static str,
        pub unit_days: &'static str,
        pub unit_hours: &'static str,
        pub unit_minutes: &'static str,
        pub export_title: &'static str,
        pub export_intro: &'static str,
        pub date_hint: &'static str,
        pub from_label: &'static str,
        pub to_label: &'static str,
        pub csv_button: &'static str,
        pub csv_excel_button: &'static str,
        pub json_button: &'static str,
        pub error_dates: &'static str,
        pub staff_title: &'static str,
        pub staff_intro: &'static str,
        pub role_column: &'static str,
        pub created_column: &'static str,
        pub locked_column: &'static str,
        pub unlock_button: &'static str,
        pub account_state_column: &'static str,
        pub state_active: &'static str,
        pub state_disabled: &'static str,
        pub disable_button: &'static str,
        pub enable_button: &'static str,
        pub new_password_label: &'static str,
        pub set_password_button: &'static str,
        pub change_role_button: &'static str,
        pub password_too_short: &'static str,
        pub audit_title: &'static str,
        pub audit_empty: &'static str,
        pub action_column: &'static str,
        pub detail_column: &'static str,
        pub forbidden_title: &'static str,
        pub forbidden_body: &'static str,
        pub not_found_title: &'static str,
        pub not_found_body: &'static str,
        pub bad_form_title: &'static str,
        pub bad_form_body: &'static str,
        pub role_mailroom: &'static str,
        pub role_caseworker: &'static str,
        pub role_admin: &'static str,
        pub status_awaiting_review: &'static str,
        pub status_awaiting_call: &'static str,
        pub status_send_letter: &'static str,
        pub status_closed: &'static str,
        pub status_withdrawn: &'static str,
        pub outcome_reached: &'static str,
        pub outcome_no_answer: &'static str,
        pub outcome_busy: &'static str,
        pub outcome_voicemail: &'static str,
        pub outcome_wrong_number: &'static str,
        pub outcome_wrong_person: &'static str,
        pub outcome_call_back_later: &'static str,
        pub outcome_refused: &'static str,
        pub result_registered: &'static str,
        pub result_not_starting: &'static str,
        pub result_referred: &'static str,
        pub result_letter_sent: &'static str,
        pub result_refused: &'static str,
        pub match_hetu: &'static str,
        pub match_phone_name: &'static str,
        pub match_birth_date_phone_name: &'static str,
        /// Each audit action's name, by its code.
        pub actions: ByCode,
    }
}

pub fn staff_texts(lang: Lang) -> &'static StaffTexts {
    static LOCALES: LazyLock<[StaffTexts; 3]> = LazyLock::new(|| {
        Lang::ALL.map(|lang| {
            let t: StaffTexts = section(lang, "staff");
            t.actions.expect(
                &format!("locales/{}.toml [staff.actions]", lang.code()),
                AuditAction::ALL.map(AuditAction::code),
            );
            t
        })
    });
    &LOCALES[lang as usize]
}

/// A text with one `{}` filled in (word order differs between languages).
pub use intake_core::i18n::fill;

pub fn role_label(t: &'static StaffTexts, role: Role) -> &'static str {
    match role {
        Role::Mailroom => t.role_mailroom,
        Role::Caseworker => t.role_caseworker,
        Role::Admin => t.role_admin,
    }
}

pub fn channel_label(t: &'static StaffTexts, channel: Channel) -> &'static str {
    match channel {
        Channel::Web => t.channel_web,
        Channel::Paper => t.channel_paper,
    }
}

pub fn status_label(t: &'static StaffTexts, status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::AwaitingReview => t.status_awaiting_review,
        RegistrationStatus::AwaitingCall => t.status_awaiting_call,
        RegistrationStatus::SendLetter => t.status_send_letter,
        RegistrationStatus::Closed => t.status_closed,
        RegistrationStatus::Withdrawn => t.status_withdrawn,
    }
}

pub fn outcome_label(t: &'static StaffTexts, outcome: CallOutcome) -> &'static str {
    match outcome {
        CallOutcome::Reached => t.outcome_reached,
        CallOutcome::NoAnswer => t.outcome_no_answer,
        CallOutcome::Busy => t.outcome_busy,
        CallOutcome::Voicemail => t.outcome_voicemail,
        CallOutcome::WrongNumber => t.outcome_wrong_number,
        CallOutcome::WrongPerson => t.outcome_wrong_person,
        CallOutcome::CallBackLater => t.outcome_call_back_later,
        CallOutcome::Refused => t.outcome_refused,
    }
}

pub fn result_label(t: &'static StaffTexts, result: CloseResult) -> &'static str {
    match result {
        CloseResult::Registered => t.result_registered,
        CloseResult::NotStarting => t.result_not_starting,
        CloseResult::Referred => t.result_referred,
        CloseResult::LetterSent => t.result_letter_sent,
        CloseResult::Refused => t.result_refused,
    }
}

pub fn match_label(t: &'static StaffTexts, matched: DuplicateMatch) -> &'static str {
    match matched {
        DuplicateMatch::Hetu => t.match_hetu,
        DuplicateMatch::PhoneAndName => t.match_phone_name,
        DuplicateMatch::BirthDatePhoneAndName => t.match_birth_date_phone_name,
    }
}

/// An audit action's name, by its stored code; a code this program does
/// not know shows as it was recorded.
pub fn action_label(t: &'static StaffTexts, action: &str) -> String {
    match AuditAction::from_code(action) {
        Some(known) => t.actions.get(known.code()).to_string(),
        None => action.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_there_in_every_language() {
        for lang in Lang::ALL {
            let t = staff_texts(lang);
            assert!(!t.sign_in_title.is_empty());
            assert!(!t.actions.get("unlock").is_empty());
            for action in AuditAction::ALL {
                assert!(
                    !action_label(t, action.code()).trim().is_empty(),
                    "{lang:?} {}",
                    action.code()
                );
            }
        }
        assert_ne!(
            staff_texts(Lang::Sv).queue_title,
            staff_texts(Lang::Fi).queue_title
        );
    }

    #[test]
    fn the_queue_counts_in_the_singular_and_the_plural() {
        let said = |lang| [0, 1, 2].map(|n| staff_texts(lang).queue_count.count(n));
        assert_eq!(
            said(Lang::En),
            ["0 registrations", "1 registration", "2 registrations"]
        );
        assert_eq!(
            said(Lang::Sv),
            ["0 anmälningar", "1 anmälan", "2 anmälningar"]
        );
        assert_eq!(
            said(Lang::Fi),
            ["0 ilmoitusta", "1 ilmoitus", "2 ilmoitusta"]
        );
    }
}
