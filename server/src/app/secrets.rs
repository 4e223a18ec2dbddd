//! Secrets kept in the data directory (API key, bootstrap token, URL signing key): created once
//! with mode 0600, read back on every start.

use std::io::Write;
use std::path::Path;

use rand::distributions::Alphanumeric;
use rand::Rng;

/// The trimmed contents of `path`, or `make()` written there first when the file is missing.
/// The file is created exclusively, so two processes starting at once agree on one secret.
pub fn load_or_create(path: &Path, make: impl FnOnce() -> String) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => return Ok(text.trim().to_string()),
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
        Err(_) => {}
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let secret = make();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(format!("{secret}\n").as_bytes())?;
            file.sync_all()?;
            Ok(secret)
        }
        // Another process won the race between our read and our create: use its secret.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(std::fs::read_to_string(path)?.trim().to_string())
        }
        Err(err) => Err(err),
    }
}

/// A random token: `prefix` then 32 letters and digits (about 190 bits).
pub fn random_token(prefix: &str) -> String {
    let body: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    format!("{prefix}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_created_once_with_private_mode() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub/api-key");
        let first = load_or_create(&path, || "one".into()).expect("create");
        let again = load_or_create(&path, || "two".into()).expect("read");
        assert_eq!((first.as_str(), again.as_str()), ("one", "one"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn tokens_are_prefixed_and_long() {
        let token = random_token("rg_");
        assert!(token.starts_with("rg_") && token.len() == 35, "{token}");
        assert_ne!(token, random_token("rg_"));
    }
}
