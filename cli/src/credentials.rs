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
    let dir = config_dir()?;
    let mut file = read_file(&dir)?;
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
    write_file(&dir, &file)?;
    Ok(stored)
}

/// The profile's login, or `None` when it has none.
pub async fn load(profile: &str) -> anyhow::Result<Option<Login>> {
    let file = read_file(&config_dir()?)?;
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
    let dir = config_dir()?;
    let mut file = read_file(&dir)?;
    let had_entry = file.profiles.remove(profile).is_some();
    let had_key = match keyring_call(profile, Op::Delete).await {
        Ok(deleted) => deleted.is_some(),
        Err(err) if no_keyring_service(&err) => false,
        Err(err) => return Err(keyring_refused(profile, &err)),
    };
    if had_entry {
        write_file(&dir, &file)?;
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

/// No keyring service on this machine (as opposed to one that refused us).
fn no_keyring_service(err: &keyring::Error) -> bool {
    matches!(
        err,
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_)
    )
}

fn keyring_refused(profile: &str, err: &keyring::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "the OS keyring refused access to the key of profile `{profile}`: {err}; unlock the \
         keyring and try again, or set `RGRID_API_KEY`"
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
