//! Which grid a command talks to: `--server`/`RGRID_SERVER` with `RGRID_API_KEY`, or the
//! local grid on this machine.

use crate::client::Client;
use crate::settings::Settings;
use crate::ui::Ui;

/// The grid a command talks to.
pub struct Target {
    pub client: Client,
    /// True for the local grid this CLI started or found on this machine.
    pub local: bool,
}

pub async fn connect(settings: &Settings, ui: &Ui) -> anyhow::Result<Target> {
    if let Some(server) = &settings.server {
        let server = &server.value;
        let key = settings
            .api_key
            .as_ref()
            .map(|k| k.value.trim())
            .unwrap_or_default();
        if key.is_empty() {
            return Err(crate::client::ClientError::Unauthorized {
                message: format!(
                    "no API key for {server}; `RGRID_API_KEY` is not set and the user config \
                     file has no `api_key`"
                ),
            }
            .into());
        }
        return Ok(Target {
            client: Client::new(server, key),
            local: false,
        });
    }
    connect_local(ui).await
}

#[cfg(feature = "embedded")]
async fn connect_local(ui: &Ui) -> anyhow::Result<Target> {
    let grid = crate::local_grid::ensure_running(ui).await?;
    Ok(Target {
        client: Client::new(&grid.url, &grid.api_key),
        local: true,
    })
}

#[cfg(not(feature = "embedded"))]
async fn connect_local(_ui: &Ui) -> anyhow::Result<Target> {
    Err(crate::UsageError(
        "no server configured: pass `--server URL` or set `RGRID_SERVER` (this build of rgrid \
         has no local grid)"
            .into(),
    )
    .into())
}
