//! Object keys: `/`-separated, relative, never able to leave the storage root.

use super::BlobError;

/// Longest key accepted; S3 allows 1024 bytes, so every backend can hold every key.
const MAX_KEY_BYTES: usize = 1024;

/// Refuses keys that are empty, absolute, hold `.`/`..`/empty segments, backslashes or control
/// characters, or are too long. A key that passes is a safe relative path on every OS we run.
pub fn check_key(key: &str) -> Result<(), BlobError> {
    let problem = if key.is_empty() {
        Some("is empty")
    } else if key.len() > MAX_KEY_BYTES {
        Some("is longer than 1024 bytes")
    } else if key.chars().any(|c| c == '\\' || c.is_control()) {
        Some("holds a backslash or a control character")
    } else if key
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        Some("has an empty, `.` or `..` segment")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(BlobError::InvalidKey(format!("{key:?} {problem}"))),
        None => Ok(()),
    }
}

/// Percent-encodes each segment of a key for a URL path, keeping the `/` between segments.
pub fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_could_leave_the_root_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "a/../b",
            "..",
            "a//b",
            "a/./b",
            "a\\b",
            "a/\0",
            "a/",
        ] {
            assert!(check_key(bad).is_err(), "{bad:?} should be refused");
        }
        for ok in [
            "uploads/local/default/abc",
            "artifacts/a/p/j/out/r é.json",
            ".hidden/x",
        ] {
            assert!(check_key(ok).is_ok(), "{ok:?} should pass");
        }
    }

    #[test]
    fn encoding_keeps_slashes_and_escapes_the_rest() {
        assert_eq!(encode_key("a/b c/é?.txt"), "a/b%20c/%C3%A9%3F.txt");
    }
}
