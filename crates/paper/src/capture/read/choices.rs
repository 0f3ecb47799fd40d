//! A character's runner-up: Tesseract weighs several characters for each
//! one it reads (its choice iterator), and on hands it was not trained on
//! its confidence in the winner says little, while a runner-up close
//! behind says plainly that the character could be another. The shapes
//! hand printing confuses most (4/9/5, 1/7, 0/6/8, O/D/Q, C/E, Ä/A/O, Ö/O)
//! must win by more.

use crate::capture::ocr::Symbol;

/// How far (in Tesseract's choice scores, 0 to 1) the character read must
/// be ahead of every other allowed choice. Tesseract 5 scores runner-ups
/// of its CTC decoding 0 nearly always, so in practice this is the
/// winner's own probability, with a runner-up named. Hand printing that
/// is read right scores 0.90-0.93 (print 0.98-0.99); on the tuned half
/// of generated hands (`intake samples generate --hands tuned --count 40
/// --seed 11`) no right comb had a character under 0.85, nor under 0.90
/// with a confusable runner-up.
pub(super) const MARGIN: f32 = 0.85;
/// The same for a runner-up that hand printing is often mistaken for.
pub(super) const CONFUSABLE_MARGIN: f32 = 0.90;

/// Groups of characters hand printing is mistaken between.
const CONFUSABLE: &[&str] = &["459", "17", "068", "ODQ", "CE", "ÄAO", "ÖO"];

/// A character read with a runner-up close behind.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CloseCall {
    /// Index of the character in the reading.
    pub index: usize,
    pub runner_up: char,
    /// How far short of its margin the character came: the larger, the
    /// likelier the runner-up.
    pub shortfall: f32,
}

fn confusable(a: char, b: char) -> bool {
    CONFUSABLE
        .iter()
        .any(|group| group.contains(a) && group.contains(b))
}

/// The characters of `text` whose runner-up among `allowed` is too close,
/// from `symbols` (the same reading's characters with their choices).
/// `None` when the two do not line up, so that nothing vouches for any
/// character.
pub(super) fn close_calls(symbols: &[Symbol], text: &str, allowed: &str) -> Option<Vec<CloseCall>> {
    let chars: Vec<char> = text.chars().collect();
    if symbols.len() != chars.len() {
        return None;
    }
    let mut close = Vec::new();
    for (index, (symbol, &read)) in symbols.iter().zip(&chars).enumerate() {
        if !symbol.text.chars().eq(std::iter::once(read)) {
            return None;
        }
        let choices: Vec<(char, f32)> = symbol
            .choices
            .iter()
            .filter_map(|(text, score)| {
                let mut chars = text.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if allowed.contains(c) => Some((c, *score)),
                    _ => None,
                }
            })
            .collect();
        let read_score = choices
            .iter()
            .find(|(c, _)| *c == read)
            .map_or(0.0, |(_, score)| *score);
        // The runner-up is the next in Tesseract's ranking: the rest
        // score 0 as it does, and are ranked lower for a reason.
        let worst = choices.iter().find(|(c, _)| *c != read).map(|&(c, score)| {
            let needed = if confusable(read, c) {
                CONFUSABLE_MARGIN
            } else {
                MARGIN
            };
            (c, needed - (read_score - score))
        });
        if let Some((runner_up, shortfall)) = worst
            && shortfall > 0.0
        {
            close.push(CloseCall {
                index,
                runner_up,
                shortfall,
            });
        }
    }
    Some(close)
}

/// At most this many other readings are offered to the reviewer.
const MOST_ALTERNATIVES: usize = 3;

/// Other readings, likeliest first: each close call's runner-up in place
/// of its character, then (if room) the two likeliest together. `build`
/// makes the field's text from the swaps (index in the reading, character).
pub(super) fn alternatives(
    close: &[CloseCall],
    build: impl Fn(&[(usize, char)]) -> String,
) -> Vec<String> {
    let mut calls: Vec<&CloseCall> = close.iter().collect();
    calls.sort_by(|a, b| b.shortfall.total_cmp(&a.shortfall));
    let mut swaps: Vec<Vec<(usize, char)>> = calls
        .iter()
        .map(|call| vec![(call.index, call.runner_up)])
        .collect();
    if let [first, second, ..] = calls[..] {
        swaps.push(vec![
            (first.index, first.runner_up),
            (second.index, second.runner_up),
        ]);
    }
    let mut out: Vec<String> = Vec::new();
    for swap in swaps {
        let text = build(&swap);
        if !out.contains(&text) {
            out.push(text);
        }
        if out.len() == MOST_ALTERNATIVES {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbol(text: &str, choices: &[(&str, f32)]) -> Symbol {
        Symbol {
            text: text.into(),
            choices: choices.iter().map(|(c, s)| (c.to_string(), *s)).collect(),
        }
    }

    #[test]
    fn a_confusable_runner_up_needs_the_wider_margin() {
        let symbols = [
            symbol("6", &[("6", 0.99), ("0", 0.0)]),
            // 4 ahead of 5 by 0.88: enough for a stranger, not for a 5.
            symbol("4", &[("4", 0.88), ("5", 0.0)]),
            // 2 ahead of 7 by 0.88: 2 and 7 are not among the confusions.
            symbol("2", &[("2", 0.88), ("7", 0.0)]),
        ];
        let close = close_calls(&symbols, "642", "0123456789").unwrap();
        assert_eq!(close.len(), 1);
        assert_eq!((close[0].index, close[0].runner_up), (1, '5'));
    }

    #[test]
    fn a_runner_up_outside_the_whitelist_does_not_count() {
        let symbols = [symbol("1", &[("1", 0.6), ("I", 0.5)])];
        assert_eq!(close_calls(&symbols, "1", "0123456789"), Some(vec![]));
        let symbols = [symbol("1", &[("1", 0.6), ("7", 0.5)])];
        assert_eq!(close_calls(&symbols, "1", "0123456789").unwrap().len(), 1);
    }

    #[test]
    fn a_character_that_is_not_its_own_best_choice_is_a_close_call() {
        let symbols = [symbol("8", &[("0", 0.5), ("8", 0.45)])];
        let close = close_calls(&symbols, "8", "0123456789").unwrap();
        assert_eq!(close[0].runner_up, '0');
    }

    #[test]
    fn choices_that_do_not_line_up_with_the_text_vouch_for_nothing() {
        let symbols = [symbol("6", &[("6", 0.95)])];
        assert_eq!(close_calls(&symbols, "64", "0123456789"), None);
        assert_eq!(close_calls(&symbols, "5", "0123456789"), None);
    }

    #[test]
    fn alternatives_put_the_likeliest_runner_up_first() {
        let close = [
            CloseCall {
                index: 0,
                runner_up: '5',
                shortfall: 0.1,
            },
            CloseCall {
                index: 2,
                runner_up: '9',
                shortfall: 0.3,
            },
        ];
        let read = ['6', '4', '1'];
        let alternatives = alternatives(&close, |swap| {
            let mut cells = read;
            for (index, c) in swap {
                cells[*index] = *c;
            }
            cells.iter().collect()
        });
        assert_eq!(alternatives, vec!["649", "541", "549"]);
    }
}
