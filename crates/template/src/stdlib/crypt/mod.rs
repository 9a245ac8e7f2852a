//! `crypt.otp`: S/KEY one-time passwords (RFC 1760, RFC 2289) with MD4
//! and the six-word encoding, as TACACS+ servers and OPIE expect.

mod words;

use md4::{Digest, Md4};

use super::{arg, first_str};
use crate::functions::FunctionError;
use crate::value::{Item, Value};

/// `crypt.otp(password, seed, seqs)`: the one-time password of each
/// sequence number in `seqs` (a number or a list of them).
pub(super) fn otp_function(args: &[Value]) -> Result<Value, FunctionError> {
    let password = first_str(args, 0, "the password")?;
    let seed = first_str(args, 1, "the seed")?;
    let mut out = Vec::new();
    for item in arg(args, 2) {
        let sequence = item
            .to_int()
            .ok_or_else(|| format!("sequence number `{item}` is not a number"))?;
        let sequence = u32::try_from(sequence)
            .map_err(|_| format!("sequence number {sequence} is out of range"))?;
        out.push(Item::from(otp(&password, &seed, sequence)?));
    }
    Ok(Value::from(out))
}

/// The S/KEY one-time password of `password` and `seed` at `sequence`, in
/// the six-word format (`"ROME MUG FRED SCAN LIVE LACE"`).
///
/// As in Exscript the password has 4 to 63 characters and the seed 1 to
/// 16 letters and digits. The seed is lower-cased first, as RFC 2289
/// requires (Exscript 2.6 does not, so for a seed with capitals it
/// computes a password the server does not expect).
fn otp(password: &str, seed: &str, sequence: u32) -> Result<String, String> {
    let length = password.chars().count();
    if !(4..64).contains(&length) {
        return Err(format!(
            "the password must have 4 to 63 characters, not {length}"
        ));
    }
    if seed.is_empty()
        || seed.chars().count() > 16
        || !seed.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(format!(
            "the seed must be 1 to 16 letters and digits, not {seed:?}"
        ));
    }
    let mut input = seed.to_ascii_lowercase().into_bytes();
    input.extend_from_slice(password.as_bytes());
    let mut key = fold(&Md4::digest(&input));
    for _ in 0..sequence {
        key = fold(&Md4::digest(key));
    }
    Ok(six_words(u64::from_be_bytes(key)))
}

/// Folds a 128-bit digest to 64 bits: the first half XOR the second.
fn fold(digest: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = digest[i] ^ digest[i + 8];
    }
    out
}

/// The six-word encoding of a 64-bit key: the key and a two-bit
/// checksum (the sum of its bit pairs), 66 bits read as six 11-bit word
/// numbers.
fn six_words(key: u64) -> String {
    let mut checksum = 0u64;
    let mut k = key;
    for _ in 0..32 {
        checksum += k & 3;
        k >>= 2;
    }
    let bits = (u128::from(key) << 2) | u128::from(checksum & 3);
    (0..6)
        .map(|i| {
            let index = (bits >> (11 * (5 - i))) & 0x7ff;
            words::WORDS[index as usize]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2289 appendix C, MD4 encodings (the seed "TeSt" is lower-cased).
    #[test]
    fn rfc2289_md4_vectors() {
        let vectors = [
            ("This is a test.", "TeSt", 0, "ROME MUG FRED SCAN LIVE LACE"),
            ("This is a test.", "TeSt", 1, "CARD SAD MINI RYE COL KIN"),
            (
                "This is a test.",
                "TeSt",
                99,
                "NOTE OUT IBIS SINK NAVE MODE",
            ),
            ("AbCdEfGhIjK", "alpha1", 0, "AWAY SEN ROOK SALT LICE MAP"),
            ("AbCdEfGhIjK", "alpha1", 1, "CHEW GRIM WU HANG BUCK SAID"),
            ("AbCdEfGhIjK", "alpha1", 99, "ROIL FREE COG HUNK WAIT COCA"),
            (
                "OTP's are good",
                "correct",
                0,
                "FOOL STEM DONE TOOL BECK NILE",
            ),
            (
                "OTP's are good",
                "correct",
                1,
                "GIST AMOS MOOT AIDS FOOD SEEM",
            ),
            (
                "OTP's are good",
                "correct",
                99,
                "TAG SLOW NOV MIN WOOL KENO",
            ),
        ];
        for (password, seed, n, expected) in vectors {
            assert_eq!(
                otp(password, seed, n).unwrap(),
                expected,
                "{password} {seed} {n}"
            );
        }
    }

    /// The six-word encoding of RFC 2289's hex values (appendix C).
    #[test]
    fn six_word_encoding() {
        assert_eq!(
            six_words(0xD185_4218_EBBB_0B51),
            "ROME MUG FRED SCAN LIVE LACE"
        );
        assert_eq!(
            six_words(0x85C4_3EE0_3857_765B),
            "FOWL KID MASH DEAD DUAL OAF"
        );
        assert_eq!(six_words(0), "A A A A A A");
    }

    /// Exscript's own test of `crypt.otp` (tests/templates/stdlib.crypt).
    #[test]
    fn exscript_value() {
        assert_eq!(
            otp("password", "abc123", 9999).unwrap(),
            "ACTA AMMO CAR WEB BIN YAP"
        );
    }

    #[test]
    fn checks() {
        assert!(otp("abc", "seed", 1).unwrap_err().contains("4 to 63"));
        assert!(otp("abcd", "", 1).unwrap_err().contains("seed"));
        assert!(otp("abcd", "a-b", 1).unwrap_err().contains("seed"));
        assert!(otp("abcd", "x".repeat(17).as_str(), 1).is_err());
        let many = Value::list([Item::Int(0), Item::from("1")]);
        let args = [Value::from("This is a test."), Value::from("test"), many];
        assert_eq!(
            otp_function(&args).unwrap().strings(),
            ["ROME MUG FRED SCAN LIVE LACE", "CARD SAD MINI RYE COL KIN"]
        );
    }
}
