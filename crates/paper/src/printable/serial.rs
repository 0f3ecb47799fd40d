//! Sheet serials: each printed copy of a form carries its own, in its QR
//! codes and in print, so that a scanned page can be told apart from every
//! other copy and the pages of one copy found together.

use rand::Rng;

/// No look-alikes: no I, O, Q, Z, 0 or 1 (the same alphabet as references).
pub const SERIAL_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXY23456789";
pub const SERIAL_LENGTH: usize = 10;

/// A new random serial: 30^10, about 6 * 10^14, so copies printed over
/// years do not collide in practice.
pub fn new_serial() -> String {
    let mut rng = rand::rng();
    (0..SERIAL_LENGTH)
        .map(|_| SERIAL_ALPHABET[rng.random_range(0..SERIAL_ALPHABET.len())] as char)
        .collect()
}

/// Whether `serial` can be printed and read back: the alphabet only, and a
/// sane length (a caller may choose its own serials, e.g. for tests).
pub fn is_serial(serial: &str) -> bool {
    (4..=24).contains(&serial.len()) && serial.bytes().all(|b| SERIAL_ALPHABET.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_use_the_alphabet_and_differ() {
        let serials: std::collections::HashSet<String> = (0..200).map(|_| new_serial()).collect();
        assert_eq!(serials.len(), 200);
        assert!(
            serials
                .iter()
                .all(|s| s.len() == SERIAL_LENGTH && is_serial(s))
        );
        assert!(!is_serial("ABC0EFGHJK") && !is_serial("AB") && !is_serial("abcdefghjk"));
    }
}
