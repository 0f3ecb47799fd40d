//! Staff passwords: argon2id with a salt of its own per password, kept as a
//! PHC string so the parameters can be raised later without a migration.
//! Hashing is deliberately slow: callers run it off the async runtime.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use std::sync::LazyLock;

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 12;

/// A hash of a password no one has, checked when the sign-in name is
/// unknown so that the answer takes as long as for a known one.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    hash(&String::from_utf8_lossy(&secret))
});

fn hasher() -> Argon2<'static> {
    // The OWASP baseline for argon2id: 19 MiB, two passes, one lane.
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// Why a new password is refused.
pub fn check_new(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!(
            "the password must be at least {MIN_LENGTH} characters"
        ));
    }
    if password.trim().is_empty() {
        return Err("the password cannot be only spaces".into());
    }
    Ok(())
}

pub fn hash(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt");
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any password")
        .to_string()
}

/// `false` also for a stored hash that cannot be read.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the time a real check takes, for an unknown name.
pub fn verify_decoy(password: &str) {
    let _ = verify(password, &DECOY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let stored = hash("correct horse battery");
        assert!(stored.starts_with("$argon2id$v=19$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse batterY", &stored));
        assert!(!verify("anything", "not a hash"));
        assert_ne!(hash("same password"), hash("same password"), "own salts");
    }

    #[test]
    fn the_decoy_hash_parses() {
        assert!(PasswordHash::new(&DECOY_HASH).is_ok());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_new("short").is_err());
        assert!(check_new("            ").is_err());
        assert!(check_new("long enough password").is_ok());
    }
}
