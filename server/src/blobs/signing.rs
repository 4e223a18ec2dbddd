//! HMAC-signed, expiring URLs for the embedded object store.
//!
//! A signature covers `method\nkey\nexpires`, so a URL is good for one method on one object
//! until one moment. The key lives in `<data_dir>/signing-key` so URLs handed out before a
//! restart stay valid after it.

use std::path::Path;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const KEY_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the URL has expired")]
    Expired,
    #[error("the URL's signature does not match")]
    BadSignature,
}

/// Signs and checks URLs. `Debug` never shows the key.
#[derive(Clone)]
pub struct UrlSigner {
    key: [u8; KEY_BYTES],
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSigner { key: <hidden> }")
    }
}

impl UrlSigner {
    pub fn new(key: [u8; KEY_BYTES]) -> UrlSigner {
        UrlSigner { key }
    }

    /// A signer with a fresh random key (URLs die with the process; for tests).
    pub fn random() -> UrlSigner {
        let mut key = [0u8; KEY_BYTES];
        rand::thread_rng().fill_bytes(&mut key);
        UrlSigner { key }
    }

    /// Reads the key from `path`, or creates it there (mode 0600) when the file is missing.
    pub fn load_or_create(path: &Path) -> std::io::Result<UrlSigner> {
        let text = crate::app::secrets::load_or_create(path, || {
            let mut key = [0u8; KEY_BYTES];
            rand::thread_rng().fill_bytes(&mut key);
            hex::encode(key)
        })?;
        let bytes = hex::decode(text.trim())
            .ok()
            .filter(|b| b.len() == KEY_BYTES);
        let bytes = bytes.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{} does not hold a 64-digit hex key; delete it",
                    path.display()
                ),
            )
        })?;
        let mut key = [0u8; KEY_BYTES];
        key.copy_from_slice(&bytes);
        Ok(UrlSigner { key })
    }

    /// The hex signature of `method` on `key` until `expires` (unix seconds).
    pub fn sign(&self, method: &str, key: &str, expires: i64) -> String {
        hex::encode(self.mac(method, key, expires).finalize().into_bytes())
    }

    /// Checks a signature in constant time, then the expiry against `now` (unix seconds).
    pub fn verify(
        &self,
        method: &str,
        key: &str,
        expires: i64,
        signature: &str,
        now: i64,
    ) -> Result<(), SignatureError> {
        let given = hex::decode(signature).map_err(|_| SignatureError::BadSignature)?;
        self.mac(method, key, expires)
            .verify_slice(&given)
            .map_err(|_| SignatureError::BadSignature)?;
        if now > expires {
            return Err(SignatureError::Expired);
        }
        Ok(())
    }

    fn mac(&self, method: &str, key: &str, expires: i64) -> HmacSha256 {
        let mut mac =
            HmacSha256::new_from_slice(&self.key).expect("HMAC-SHA256 takes keys of any length");
        mac.update(format!("{method}\n{key}\n{expires}").as_bytes());
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_binds_method_key_and_expiry() {
        let signer = UrlSigner::random();
        let sig = signer.sign("GET", "a/b", 100);
        assert_eq!(signer.verify("GET", "a/b", 100, &sig, 50), Ok(()));
        assert_eq!(
            signer.verify("PUT", "a/b", 100, &sig, 50),
            Err(SignatureError::BadSignature)
        );
        assert_eq!(
            signer.verify("GET", "a/c", 100, &sig, 50),
            Err(SignatureError::BadSignature)
        );
        assert_eq!(
            signer.verify("GET", "a/b", 101, &sig, 50),
            Err(SignatureError::BadSignature)
        );
        assert_eq!(
            signer.verify("GET", "a/b", 100, &sig, 101),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            signer.verify("GET", "a/b", 100, "zz", 50),
            Err(SignatureError::BadSignature)
        );
        let other = UrlSigner::random();
        assert_eq!(
            other.verify("GET", "a/b", 100, &sig, 50),
            Err(SignatureError::BadSignature)
        );
    }

    #[test]
    fn the_key_file_survives_a_restart() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("signing-key");
        let first = UrlSigner::load_or_create(&path).expect("create");
        let again = UrlSigner::load_or_create(&path).expect("load");
        assert_eq!(first.key, again.key);
    }
}
