//! Which grid a command talks to: `--server`/`RGRID_SERVER` with `RGRID_API_KEY` or a saved
//! login, a profile's saved login, or (with neither) the local grid on this machine.

use crate::client::{Client, ClientError};
use crate::credentials::{self, KeySource, Login, DEFAULT_PROFILE};
use crate::settings::{Settings, Source};
use crate::ui::Ui;
use crate::UsageError;

/// The grid a command talks to.
pub struct Target {
    pub client: Client,
    /// True for the local grid this CLI started or found on this machine.
    pub local: bool,
}

pub async fn connect(settings: &Settings, ui: &Ui) -> anyhow::Result<Target> {
    match remote_login(settings).await? {
        Some(login) => Ok(Target {
            client: client_for(&login, profile(settings)),
            local: false,
        }),
        None => connect_local(ui).await,
    }
}

/// A client with the login's server and key, which says on a 401 which key was refused and
/// what to run next.
pub fn client_for(login: &Login, profile: &str) -> Client {
    Client::new(&login.server, &login.key).with_refusal_hint(refusal_hint(login, profile))
}

/// Completes "the server at URL refused …" for a key from `login.source`.
fn refusal_hint(login: &Login, profile: &str) -> String {
    let server = login.server.trim_end_matches('/');
    let profile_flag = match profile {
        DEFAULT_PROFILE => String::new(),
        other => format!(" --profile {other}"),
    };
    match login.source {
        KeySource::Env => "the key in `RGRID_API_KEY`: it is unknown, revoked, or not the kind \
             of key this needs. Set `RGRID_API_KEY` to a valid key (a project admin makes one \
             with `rgrid keys create NAME`), or unset it to use the login saved by \
             `rgrid login`"
            .to_string(),
        KeySource::UserConfig => "the `api_key` of the user config file (see `rgrid config \
             show`): it is unknown or revoked. Replace it with a valid key, or remove it and \
             run `rgrid login`"
            .to_string(),
        KeySource::Keyring | KeySource::File => format!(
            "the key saved for profile `{profile}` ({}): it is unknown or was revoked. Run \
             `rgrid login --server {server}{profile_flag}` with a valid key",
            login.source.describe()
        ),
        KeySource::LocalGrid => "the local grid's own key (`api-key` in its directory, \
             `RGRID_HOME`): its database no longer knows it. Stop the local grid (the pid is in \
             `grid.json` there) and run the command again"
            .to_string(),
    }
}

/// What kind of credential a client holds, by its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// `rg_…`: one project.
    Project,
    /// `rgo_…`: the grid as a whole.
    Operator,
    /// `rgu_…`: a user's account-level calls.
    Personal,
}

pub fn key_kind(client: &Client) -> KeyKind {
    let key = client.key();
    if key.starts_with("rgo_") {
        KeyKind::Operator
    } else if key.starts_with("rgu_") {
        KeyKind::Personal
    } else {
        KeyKind::Project
    }
}

/// The profile a command uses: `--profile`/`RGRID_PROFILE`, else `default`.
pub fn profile(settings: &Settings) -> &str {
    settings.profile.as_deref().unwrap_or(DEFAULT_PROFILE)
}

/// The server and key of a shared grid, or `None` for the local grid. The server comes from
/// the settings (flag, environment, project file, user file), else the profile's login; the
/// key from the settings (`RGRID_API_KEY`, user file), else the profile's login, but a saved
/// key only ever goes to the server it was saved for.
pub async fn remote_login(settings: &Settings) -> anyhow::Result<Option<Login>> {
    let profile = profile(settings);
    let server = settings.server.as_ref().map(|s| s.value.clone());
    let key = settings
        .api_key
        .as_ref()
        .map(|k| (k.value.trim().to_string(), key_source(&k.source)))
        .filter(|(key, _)| !key.is_empty());
    if let (Some(server), Some((key, source))) = (&server, &key) {
        return Ok(Some(Login {
            server: server.clone(),
            key: key.clone(),
            source: *source,
        }));
    }
    let saved = credentials::load(profile).await?;
    match (&server, saved) {
        (Some(server), Some(login)) if same_server(server, &login.server) => Ok(Some(login)),
        (Some(server), _) => Err(ClientError::Unauthorized {
            message: format!(
                "no API key for {server}; run `rgrid login --server {server}` or set \
                 `RGRID_API_KEY`"
            ),
        }
        .into()),
        (None, Some(mut login)) => {
            if let Some((key, source)) = key {
                login.key = key;
                login.source = source;
            }
            Ok(Some(login))
        }
        (None, None) if settings.profile.is_some() => Err(UsageError(format!(
            "profile `{profile}` has no login; run `rgrid login --profile {profile} --server URL`"
        ))
        .into()),
        (None, None) => Ok(None),
    }
}

fn key_source(source: &Source) -> KeySource {
    match source {
        Source::UserFile(_) => KeySource::UserConfig,
        _ => KeySource::Env,
    }
}

fn same_server(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

#[cfg(feature = "embedded")]
async fn connect_local(ui: &Ui) -> anyhow::Result<Target> {
    let grid = crate::local_grid::ensure_running(ui).await?;
    let login = Login {
        server: grid.url,
        key: grid.api_key,
        source: KeySource::LocalGrid,
    };
    Ok(Target {
        client: client_for(&login, DEFAULT_PROFILE),
        local: true,
    })
}

#[cfg(not(feature = "embedded"))]
async fn connect_local(_ui: &Ui) -> anyhow::Result<Target> {
    Err(UsageError(
        "no server configured: pass `--server URL` or set `RGRID_SERVER` (this build of rgrid \
         has no local grid)"
            .into(),
    )
    .into())
}

/// Job commands need a project key; a personal token would only be refused by the server
/// with a generic message, so say here what it can't do and what to use instead.
pub fn require_project_key(client: &Client, command: &str) -> Result<(), ClientError> {
    if key_kind(client) != KeyKind::Personal {
        return Ok(());
    }
    Err(ClientError::Unauthorized {
        message: format!(
            "`rgrid {command}` needs a project API key (`rg_…`), but the key in use is a \
             personal token (`rgu_…`), which manages accounts and projects and can't run or \
             see jobs. Use a project key: a project admin makes one with `rgrid keys create \
             NAME`; set it in `RGRID_API_KEY` or save it with `rgrid login`"
        ),
    })
}
