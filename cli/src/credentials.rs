//! Where `rgrid login` keeps a profile's server and key: the key in the OS keyring (service
//! `rgrid`, user = the profile name), or, where no keyring service exists (headless Linux,
//! CI), in `credentials.json` with mode 0600 beside the server URL. `RGRID_API_KEY`
//! overrides both. The key never travels through the command line.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// The keyring service our entries live under.
const KEYRING_SERVICE: &str = "rgrid";
const FILE_NAME: &str = "credentials.json";
pub const DEFAULT_PROFILE: &str = "default";

/// Where a key in use came from, for `rgrid whoami`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    Env,
    /// `api_key` in the user config file (see `rgrid config show`).
    UserConfig,
    Keyring,
    File,
    LocalGrid,
}

impl KeySource {
    pub fn describe(self) -> &'static str {
        match self {
            KeySource::Env => "RGRID_API_KEY",
            KeySource::UserConfig => "the user config file",
            KeySource::Keyring => "the OS keyring",
            KeySource::File => "the credentials file",
            KeySource::LocalGrid => "the local grid",
        }
    }
}

/// A profile's server and key.
pub struct Login {
    pub server: String,
    pub key: String,
    pub source: KeySource,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("server", &self.server)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// Where `store` put the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    Keyring,
    /// No keyring service answered; the key is in this file (mode 0600).
    File(PathBuf),
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CredentialsFile {
    #[serde(default)]
    profiles: BTreeMap<String, ProfileEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ProfileEntry {
    server: String,
    /// Only when no keyring service exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
}

/// `RGRID_CONFIG_DIR`, else the user's config directory's `rgrid/`.
pub fn config_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("RGRID_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    Ok(dirs::config_dir()
        .context("no config directory is known for this user; set `RGRID_CONFIG_DIR`")?
        .join("rgrid"))
}

/// Keeps the profile's server and key, in the keyring when one answers.
pub async fn store(profile: &str, server: &str, key: &str) -> anyhow::Result<Stored> {
    store_in(&config_dir()?, profile, server, key).await
}

async fn store_in(dir: &Path, profile: &str, server: &str, key: &str) -> anyhow::Result<Stored> {
    let mut file = read_file(dir)?;
    let stored = match keyring_call(profile, Op::Set(key.to_string())).await {
        Ok(_) => Stored::Keyring,
        Err(err) if no_keyring_service(&err) => Stored::File(dir.join(FILE_NAME)),
        Err(err) => return Err(keyring_refused(profile, &err)),
    };
    let entry = ProfileEntry {
        server: server.to_string(),
        key: matches!(stored, Stored::File(_)).then(|| key.to_string()),
    };
    file.profiles.insert(profile.to_string(), entry);
    write_file(dir, &file)?;
    Ok(stored)
}

/// The profile's login, or `None` when it has none.
pub async fn load(profile: &str) -> anyhow::Result<Option<Login>> {
    load_from(&config_dir()?, profile).await
}

async fn load_from(dir: &Path, profile: &str) -> anyhow::Result<Option<Login>> {
    let file = read_file(dir)?;
    let Some(entry) = file.profiles.get(profile) else {
        return Ok(None);
    };
    if let Some(key) = &entry.key {
        return Ok(Some(login(entry, key.clone(), KeySource::File)));
    }
    match keyring_call(profile, Op::Get).await {
        Ok(Some(key)) => Ok(Some(login(entry, key, KeySource::Keyring))),
        Ok(None) => anyhow::bail!(
            "the key of profile `{profile}` is missing from the keyring; run `rgrid login \
             --profile {profile} --server {}` again",
            entry.server
        ),
        Err(err) => Err(keyring_refused(profile, &err)),
    }
}

/// Forgets the profile's server and key; true when there was something to forget.
pub async fn remove(profile: &str) -> anyhow::Result<bool> {
    remove_from(&config_dir()?, profile).await
}

async fn remove_from(dir: &Path, profile: &str) -> anyhow::Result<bool> {
    let mut file = read_file(dir)?;
    let had_entry = file.profiles.remove(profile).is_some();
    let had_key = match keyring_call(profile, Op::Delete).await {
        Ok(deleted) => deleted.is_some(),
        Err(err) if no_keyring_service(&err) => false,
        Err(err) => return Err(keyring_refused(profile, &err)),
    };
    if had_entry {
        write_file(dir, &file)?;
    }
    Ok(had_entry || had_key)
}

fn login(entry: &ProfileEntry, key: String, source: KeySource) -> Login {
    Login {
        server: entry.server.clone(),
        key,
        source,
    }
}

enum Op {
    Get,
    Set(String),
    Delete,
}

/// Runs a keyring call off the async threads (the Secret Service client blocks). `Get` and
/// `Delete` answer `None` when there is no entry.
async fn keyring_call(profile: &str, op: Op) -> Result<Option<String>, keyring::Error> {
    let profile = profile.to_string();
    let call = move || {
        let entry = keyring::Entry::new(KEYRING_SERVICE, &profile)?;
        let result = match op {
            Op::Get => entry.get_password().map(Some),
            Op::Set(key) => entry.set_password(&key).map(|()| None),
            Op::Delete => entry.delete_credential().map(|()| Some(String::new())),
        };
        match result {
            Err(keyring::Error::NoEntry) => Ok(None),
            other => other,
        }
    };
    match tokio::task::spawn_blocking(call).await {
        Ok(result) => result,
        Err(join) => Err(keyring::Error::PlatformFailure(Box::new(join))),
    }
}

/// No keyring service on this machine (no session bus, no Secret Service): the key goes to
/// the 0600 file instead. A keyring that exists but refuses us (locked, the prompt dismissed:
/// `NoStorageAccess`) is not this: the key must not quietly land in a file then.
fn no_keyring_service(err: &keyring::Error) -> bool {
    matches!(err, keyring::Error::PlatformFailure(_))
}

fn keyring_refused(profile: &str, err: &keyring::Error) -> anyhow::Error {
    let flag = match profile {
        DEFAULT_PROFILE => String::new(),
        other => format!(" --profile {other}"),
    };
    anyhow::anyhow!(
        "the OS keyring refused access to the key of profile `{profile}` ({err}); unlock the \
         keyring (your desktop session's keyring or password manager) and run `rgrid \
         login{flag}` again, or pass the key in `RGRID_API_KEY` instead"
    )
}

fn read_file(dir: &Path) -> anyhow::Result<CredentialsFile> {
    let path = dir.join(FILE_NAME);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a valid credentials file; fix it or delete it and run `rgrid login`",
                path.display()
            )
        }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(CredentialsFile::default()),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes through a private temporary file and a rename, so the file is never readable by
/// others, not even for a moment, and never half written.
fn write_file(dir: &Path, file: &CredentialsFile) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(FILE_NAME);
    let partial = dir.join(format!("{FILE_NAME}.partial"));
    let text = serde_json::to_string_pretty(file)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let write = || -> std::io::Result<()> {
        // A leftover from an interrupted write may have been created with another mode.
        match std::fs::remove_file(&partial) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
            _ => {}
        }
        let mut out = options.open(&partial)?;
        out.write_all(text.as_bytes())?;
        out.sync_all()?;
        std::fs::rename(&partial, &path)
    };
    write().with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    //! The keyring path through an in-memory credential store plugged in with
    //! `keyring::set_default_credential_builder` (the real ones need a desktop session). The
    //! store is process-wide, so every case runs inside one test, in order.

    use std::any::Any;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, PoisonError};

    use keyring::credential::{Credential, CredentialApi, CredentialBuilderApi};

    use super::*;

    /// How the store behaves on its next calls.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Mode {
        Works,
        /// No keyring service at all, as on a headless machine.
        Absent,
        /// A keyring that is there but locked, or whose prompt was dismissed.
        Refuses,
    }

    #[derive(Debug, Default)]
    struct Shared {
        secrets: HashMap<String, String>,
        mode: Option<Mode>,
    }

    #[derive(Debug, Clone, Default)]
    struct MemoryStore(Arc<Mutex<Shared>>);

    impl MemoryStore {
        fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner)
        }

        fn set_mode(&self, mode: Mode) {
            self.lock().mode = Some(mode);
        }

        fn secret(&self, user: &str) -> Option<String> {
            self.lock().secrets.get(user).cloned()
        }
    }

    #[derive(Debug)]
    struct MemoryCredential {
        store: MemoryStore,
        user: String,
    }

    impl MemoryCredential {
        fn check(&self) -> keyring::Result<()> {
            match self.store.lock().mode.unwrap_or(Mode::Works) {
                Mode::Works => Ok(()),
                Mode::Absent => Err(keyring::Error::PlatformFailure(
                    "org.freedesktop.DBus.Error.ServiceUnknown".into(),
                )),
                Mode::Refuses => Err(keyring::Error::NoStorageAccess(
                    "the collection is locked".into(),
                )),
            }
        }
    }

    impl CredentialApi for MemoryCredential {
        fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
            self.check()?;
            let text = String::from_utf8_lossy(secret).to_string();
            self.store.lock().secrets.insert(self.user.clone(), text);
            Ok(())
        }

        fn get_secret(&self) -> keyring::Result<Vec<u8>> {
            self.check()?;
            let secret = self.store.lock().secrets.get(&self.user).cloned();
            secret
                .map(String::into_bytes)
                .ok_or(keyring::Error::NoEntry)
        }

        fn delete_credential(&self) -> keyring::Result<()> {
            self.check()?;
            match self.store.lock().secrets.remove(&self.user) {
                Some(_) => Ok(()),
                None => Err(keyring::Error::NoEntry),
            }
        }

        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    impl CredentialBuilderApi for MemoryStore {
        fn build(
            &self,
            _target: Option<&str>,
            service: &str,
            user: &str,
        ) -> keyring::Result<Box<Credential>> {
            assert_eq!(service, KEYRING_SERVICE);
            Ok(Box::new(MemoryCredential {
                store: self.clone(),
                user: user.to_string(),
            }))
        }

        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    const KEY: &str = "rg_KeyringTestKey0123456789abcdef";

    #[tokio::test]
    async fn the_keyring_path_stores_removes_refuses_and_falls_back() {
        let keyring = MemoryStore::default();
        keyring::set_default_credential_builder(Box::new(keyring.clone()));
        let dir = tempfile::tempdir().expect("config dir");
        let dir = dir.path();
        let file = dir.join(FILE_NAME);

        // A keyring that answers gets the key; the file keeps only the server.
        let stored = store_in(dir, "default", "http://grid.test", KEY).await;
        assert_eq!(stored.expect("stored"), Stored::Keyring);
        assert_eq!(keyring.secret("default").as_deref(), Some(KEY));
        let text = std::fs::read_to_string(&file).expect("credentials file");
        assert!(
            text.contains("http://grid.test") && !text.contains(KEY),
            "{text}"
        );
        let login = load_from(dir, "default")
            .await
            .expect("load")
            .expect("login");
        assert_eq!(
            (login.key.as_str(), login.source),
            (KEY, KeySource::Keyring)
        );
        assert!(!format!("{login:?}").contains(KEY));

        // Logout removes it from the keyring and the file.
        assert!(remove_from(dir, "default").await.expect("logout"));
        assert_eq!(keyring.secret("default"), None);
        assert!(load_from(dir, "default").await.expect("load").is_none());
        assert!(!remove_from(dir, "default").await.expect("second logout"));

        // A keyring that refuses: a clear error saying what happened and what to run, and the
        // key is not quietly written to the file instead.
        keyring.set_mode(Mode::Refuses);
        let err = store_in(dir, "work", "http://grid.test", KEY)
            .await
            .expect_err("refused");
        let message = format!("{err:#}");
        assert!(
            message.contains("keyring refused access")
                && message.contains("profile `work`")
                && message.contains("rgrid login --profile work")
                && message.contains("RGRID_API_KEY"),
            "{message}"
        );
        assert!(!message.contains(KEY), "{message}");
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(!text.contains(KEY), "{text}");

        // Saved while the keyring worked, read while it refuses: the same clear error.
        keyring.set_mode(Mode::Works);
        store_in(dir, "default", "http://grid.test", KEY)
            .await
            .expect("stored");
        keyring.set_mode(Mode::Refuses);
        let err = load_from(dir, "default").await.expect_err("refused");
        assert!(format!("{err:#}").contains("unlock the keyring"), "{err:#}");
        keyring.set_mode(Mode::Works);
        remove_from(dir, "default").await.expect("logout");

        // No keyring service at all: the 0600 file holds the key, and says where.
        keyring.set_mode(Mode::Absent);
        let stored = store_in(dir, "ci", "http://grid.test", KEY)
            .await
            .expect("stored");
        assert_eq!(stored, Stored::File(file.clone()));
        let login = load_from(dir, "ci").await.expect("load").expect("login");
        assert_eq!((login.key.as_str(), login.source), (KEY, KeySource::File));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).expect("file").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(remove_from(dir, "ci").await.expect("logout"));
        let text = std::fs::read_to_string(&file).expect("credentials file");
        assert!(!text.contains(KEY), "{text}");
    }
}
