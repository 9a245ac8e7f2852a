//! Pager prompts shared by every driver.

use crate::Answer;
use crate::Pattern;

/// The sources of the [`common_pager`] patterns.
pub(crate) const PAGER_PATTERNS: &[&str] = &[
    concat!(
        r"(?i)-{2,}[ \t]*\(?more(?:[ \t]+\d{1,3}%)?\)?[ \t]*-{2,}",
        r"(?:\(\d{1,3}%\)",
        r"|[ \t]+or[ \t]+\(q\)uit",
        r"|[ \t]+press[ \t]+q(?:[ \t]+to[ \t]+quit)?",
        r"|,[ \t]*next page:[ \t]*space,[ \t]*next line:[ \t]*enter,[ \t]*quit:[ \t]*control-c",
        r")?[ \t]*$"
    ),
    r"(?i)<-{2,}[ \t]*more[ \t]*-{2,}>[ \t]*$",
    concat!(
        r"(?i)press[ \t]+any[ \t]+key[ \t]+to[ \t]+continue(?:[ \t]*\.{1,3})?",
        r"(?:[ \t]*\(q[ \t]+to[ \t]+quit\)|[ \t]*,?[ \t]*or[ \t]+'?q'?[ \t]+to[ \t]+quit)?",
        r"[ \t]*:?[ \t]*$"
    ),
    concat!(
        r"(?i)press[ \t]+<?space>?[ \t]+to[ \t]+continue",
        r"(?:[ \t]*,?[ \t]*or[ \t]+<?q>?[ \t]+to[ \t]+quit)?[ \t]*:?[ \t]*$"
    ),
    r"(?i)press[ \t]+<?'?q'?>?[ \t]+to[ \t]+quit[ \t]*[.:]?[ \t]*$",
];

/// The pager answers every built-in driver starts from: pager prompts seen
/// across vendors, each answered with a single space (which shows the next
/// page on every known pager; `q` would abort the output):
///
/// - dash-framed "more": `--More--`, ` --More-- ` (IOS, EOS), `-- More --`,
///   `  ---- More ----` (VRP), `---(more)---` and `---(more 45%)---`
///   (JunOS), `--More--(50%)` (Unix `more`), `--More-- or (q)uit`,
///   `-- More -- Press Q`, `-- MORE --, next page: Space, next line:
///   Enter, quit: Control-C` (ProCurve);
/// - `<--- More --->` (ASA);
/// - `Press any key to continue` with optional `(Q to quit)` or
///   `or 'q' to quit`;
/// - `Press <SPACE> to continue or <Q> to quit:`;
/// - `Press Q to quit`.
///
/// All of them must be the last thing received. Only a short list of known
/// tails may follow the word "more": anything else after it (such as the
/// backspaces a device sends to erase the pager line once answered) means
/// the pager is gone, so it is not answered twice.
///
/// ```
/// let pager = oxscript_drivers::common_pager();
/// assert!(pager.iter().all(|answer| answer.reply == " "));
/// assert!(pager.iter().any(|a| a.pattern.is_match(b"Gi0/1 up\r\n --More-- ")));
/// ```
pub fn common_pager() -> Vec<Answer> {
    PAGER_PATTERNS
        .iter()
        .map(|source| Answer {
            pattern: Pattern::builtin(source),
            reply: " ".to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(text: &str) -> bool {
        common_pager()
            .iter()
            .any(|a| a.pattern.is_match(text.as_bytes()))
    }

    #[test]
    fn known_pagers_are_answered() {
        for text in [
            "--More--",
            " --More-- ",
            "line\r\n --More-- ",
            "line\n--More--",
            "-- More --",
            "  ---- More ----",
            "---(more)---",
            "---(more 45%)---",
            "---(more 100%)---",
            "--More--(50%)",
            "--More-- or (q)uit",
            "-- More -- Press Q",
            "-- More -- Press Q to quit",
            "-- MORE --, next page: Space, next line: Enter, quit: Control-C",
            "<--- More --->",
            "Press any key to continue",
            "Press any key to continue...",
            "Press any key to continue (Q to quit)",
            "Press any key to continue or 'q' to quit:",
            "Press <SPACE> to continue or <Q> to quit:",
            "Press Q to quit",
            "output\r\nPress q to quit.",
        ] {
            assert!(pages(text), "not answered: {text:?}");
        }
    }

    #[test]
    fn pagers_must_be_last() {
        for text in [
            "--More--\r\n",
            "--More--\x08\x08\x08\x08\x08\x08\x08\x08        \x08\x08\x08\x08\x08\x08\x08\x08",
            "--More--\x08\x08\x08\x08\x08\x08\x08\x08        ",
            "--More--next line of output",
            " --More-- Gi0/2 up up",
            "<--- More --->\r\nline",
            "Press any key to continue\r\n",
            "more",
            "- More -",
            "router#",
            "Password: ",
            "the --More-- text in a description line and more",
        ] {
            assert!(!pages(text), "answered: {text:?}");
        }
    }

    #[test]
    fn every_pattern_ends_at_the_buffer_end() {
        for source in PAGER_PATTERNS {
            assert!(source.ends_with(r"[ \t]*$"), "{source}");
        }
    }
}
