//! Email addresses: lower-cased and checked for a sane shape. Not a full
//! RFC 5322 parser: a person typing `name@example.fi` is what we expect, and
//! whether the address works is found out by writing to it.

use super::FieldError;

/// The longest address that fits in SMTP's forward path.
pub const EMAIL_MAX_CHARS: usize = 254;
const LOCAL_MAX_CHARS: usize = 64;
const LABEL_MAX_CHARS: usize = 63;

/// Lower-cases and checks: one `@`, a non-empty local part, a domain with a
/// dot, no white space, at most 254 characters.
pub fn email(input: &str) -> Result<String, FieldError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(FieldError::Required);
    }
    let address = trimmed.to_lowercase();
    if address.chars().count() > EMAIL_MAX_CHARS {
        return Err(FieldError::TooLong {
            max: EMAIL_MAX_CHARS,
        });
    }
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::EmailFormat);
    }
    let (local, domain) = address.split_once('@').ok_or(FieldError::EmailFormat)?;
    if local_part_ok(local) && domain_ok(domain) {
        Ok(address)
    } else {
        Err(FieldError::EmailFormat)
    }
}

fn local_part_ok(local: &str) -> bool {
    !local.is_empty()
        && local.chars().count() <= LOCAL_MAX_CHARS
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && !local.contains(['@', '(', ')', '<', '>', '[', ']', '\\', ',', ';', ':', '"'])
}

/// Labels of letters (any script: `åäö.fi` exists), digits and inner hyphens;
/// at least two labels, and the last one is not a number.
fn domain_ok(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.chars().count() <= LABEL_MAX_CHARS
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let top_ok = labels
        .last()
        .is_some_and(|top| top.chars().count() >= 2 && !top.chars().all(|c| c.is_ascii_digit()));
    labels.len() >= 2 && labels.iter().all(label_ok) && top_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::validate::hetu::tests::refuses_each;

    #[test]
    fn addresses_are_lower_cased_and_trimmed() {
        assert_eq!(
            email(" Anna.Virtanen@Example.FI ").as_deref(),
            Ok("anna.virtanen@example.fi")
        );
        assert_eq!(email("ÅSA@POSTI.FI").as_deref(), Ok("åsa@posti.fi"));
        assert_eq!(
            email("matti+työ@sub.example.com").as_deref(),
            Ok("matti+työ@sub.example.com")
        );
        assert_eq!(
            email("a_b-c@ex-ample.co.uk").as_deref(),
            Ok("a_b-c@ex-ample.co.uk")
        );
        assert_eq!(email("kalle@åäö.fi").as_deref(), Ok("kalle@åäö.fi"));
    }

    #[test]
    fn empty_is_required() {
        refuses_each(email, FieldError::Required, &["", "   "]);
    }

    #[test]
    fn insane_shapes_are_refused() {
        refuses_each(
            email,
            FieldError::EmailFormat,
            &[
                "anna",
                "anna@",
                "@example.fi",
                "anna@example",
                "anna@@example.fi",
                "anna@ex@ample.fi",
                "anna virtanen@example.fi",
                "anna@example .fi",
                "anna@example.fi.",
                "anna@.example.fi",
                "anna@example..fi",
                "anna@-example.fi",
                "anna@example-.fi",
                "anna@example.f",
                "anna@192.168.0.1",
                "anna@[192.168.0.1]",
                ".anna@example.fi",
                "anna.@example.fi",
                "an..na@example.fi",
                "\"anna\"@example.fi",
                "anna,berg@example.fi",
                "anna@exa_mple.fi",
                "Anna <anna@example.fi>",
                "anna@example.fi\u{0}",
            ],
        );
    }

    #[test]
    fn length_limits() {
        let domain = format!(
            "{}.{}.{}.fi",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(60)
        );
        let longest = format!(
            "{}@{domain}",
            "x".repeat(EMAIL_MAX_CHARS - 1 - domain.len())
        );
        assert_eq!(longest.len(), EMAIL_MAX_CHARS);
        assert_eq!(email(&longest).as_deref(), Ok(longest.as_str()));
        let one_more = format!("x{longest}");
        assert_eq!(
            email(&one_more),
            Err(FieldError::TooLong {
                max: EMAIL_MAX_CHARS
            })
        );

        let local_64 = format!("{}@example.fi", "x".repeat(64));
        assert!(email(&local_64).is_ok());
        let local_65 = format!("{}@example.fi", "x".repeat(65));
        assert_eq!(email(&local_65), Err(FieldError::EmailFormat));
        let label_64 = format!("anna@{}.fi", "d".repeat(64));
        assert_eq!(email(&label_64), Err(FieldError::EmailFormat));
    }
}
