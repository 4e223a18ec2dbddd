//! `rgrid-server serve --config FILE`: the orchestrator's settings from a TOML file, each
//! overridable by an `RGRID_*` environment variable (environment > file > default). See
//! docs/operator.md for a complete file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::orchestrator::{HetznerSettings, LocalSettings, OrchestratorSettings, ProviderSettings};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {} is not valid: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("setting `{setting}`: {message}")]
    Invalid { setting: String, message: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// How long uploads and outputs are kept (`7d`, `none`); `RGRID_RETENTION` and
    /// `--retention` override it.
    #[serde(default)]
    pub retention: Option<String>,
    #[serde(default)]
    pub orchestrator: Option<OrchestratorFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrchestratorFile {
    /// `hetzner` or `local`; absent or `none` turns the orchestrator off.
    pub provider: Option<String>,
    pub node_type: Option<String>,
    pub slots_per_node: Option<u32>,
    pub min_nodes: Option<u32>,
    pub max_nodes: Option<u32>,
    pub max_orders_per_tick: Option<u32>,
    pub hourly_price: Option<f64>,
    pub lifetime_secs: Option<u64>,
    pub scale_down_delay_secs: Option<u64>,
    pub register_deadline_secs: Option<u64>,
    pub silence_timeout_secs: Option<u64>,
    pub tick_secs: Option<u64>,
    #[serde(default)]
    pub hetzner: HetznerFile,
    #[serde(default)]
    pub local: LocalFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HetznerFile {
    pub api_url: Option<String>,
    /// A file holding the API token (the token itself belongs in no config file).
    pub token_file: Option<PathBuf>,
    pub image: Option<String>,
    pub location: Option<String>,
    #[serde(default)]
    pub ssh_keys: Vec<String>,
    pub runner_url: Option<String>,
    pub grid_label: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalFile {
    pub runner_bin: Option<PathBuf>,
    pub executor: Option<String>,
    pub root: Option<PathBuf>,
    pub ca_bundle: Option<PathBuf>,
}

impl FileConfig {
    pub fn read(path: &Path) -> Result<FileConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|err| ConfigError::Parse {
            path: path.to_path_buf(),
            message: err.to_string(),
        })
    }
}

/// Reads one setting: the environment variable if set, else the file's value.
struct Layers<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Layers<'_> {
    fn text(&self, var: &str, file: Option<&String>) -> Option<String> {
        (self.env)(var).or_else(|| file.cloned())
    }

    fn number<T: std::str::FromStr>(
        &self,
        var: &str,
        file: Option<T>,
    ) -> Result<Option<T>, ConfigError> {
        match (self.env)(var) {
            Some(text) => text.parse().map(Some).map_err(|_| ConfigError::Invalid {
                setting: var.to_string(),
                message: format!("`{text}` is not a number"),
            }),
            None => Ok(file),
        }
    }

    fn secs(
        &self,
        var: &str,
        file: Option<u64>,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        Ok(self.number(var, file)?.map_or(default, Duration::from_secs))
    }
}

/// The orchestrator's settings, or `None` when no provider is configured. `data_dir` is where
/// the local provider keeps its nodes unless told otherwise.
pub fn orchestrator_settings(
    file: &FileConfig,
    env: &dyn Fn(&str) -> Option<String>,
    data_dir: &Path,
) -> Result<Option<OrchestratorSettings>, ConfigError> {
    let empty = OrchestratorFile::default();
    let file = file.orchestrator.as_ref().unwrap_or(&empty);
    let layers = Layers { env };
    let provider = layers.text("RGRID_ORCHESTRATOR_PROVIDER", file.provider.as_ref());
    let provider = match provider.as_deref() {
        None | Some("none" | "") => return Ok(None),
        Some("hetzner") => ProviderSettings::Hetzner(hetzner(&layers, &file.hetzner)?),
        Some("local") => ProviderSettings::Local(local(&layers, &file.local, data_dir)),
        Some(other) => {
            return Err(ConfigError::Invalid {
                setting: "orchestrator.provider".into(),
                message: format!("`{other}` is not a provider; use `hetzner`, `local` or `none`"),
            })
        }
    };
    let mut settings = OrchestratorSettings::new(provider);
    if let Some(node_type) = layers.text("RGRID_NODE_TYPE", file.node_type.as_ref()) {
        settings.node_type = node_type;
    }
    let d = settings.clone();
    settings.slots_per_node = layers
        .number("RGRID_SLOTS_PER_NODE", file.slots_per_node)?
        .unwrap_or(d.slots_per_node);
    settings.min_nodes = layers
        .number("RGRID_MIN_NODES", file.min_nodes)?
        .unwrap_or(d.min_nodes);
    settings.max_nodes = layers
        .number("RGRID_MAX_NODES", file.max_nodes)?
        .unwrap_or(d.max_nodes);
    settings.max_orders_per_tick = layers
        .number("RGRID_MAX_ORDERS_PER_TICK", file.max_orders_per_tick)?
        .unwrap_or(d.max_orders_per_tick);
    settings.hourly_price = layers.number("RGRID_NODE_HOURLY_PRICE", file.hourly_price)?;
    settings.lifetime = layers.secs("RGRID_NODE_LIFETIME_SECS", file.lifetime_secs, d.lifetime)?;
    settings.scale_down_delay = layers.secs(
        "RGRID_SCALE_DOWN_DELAY_SECS",
        file.scale_down_delay_secs,
        d.scale_down_delay,
    )?;
    settings.register_deadline = layers.secs(
        "RGRID_REGISTER_DEADLINE_SECS",
        file.register_deadline_secs,
        d.register_deadline,
    )?;
    settings.silence_timeout = layers.secs(
        "RGRID_NODE_SILENCE_TIMEOUT_SECS",
        file.silence_timeout_secs,
        d.silence_timeout,
    )?;
    settings.tick = layers.secs("RGRID_ORCHESTRATOR_TICK_SECS", file.tick_secs, d.tick)?;
    if settings.max_orders_per_tick == 0 {
        return Err(ConfigError::Invalid {
            setting: "orchestrator.max_orders_per_tick".into(),
            message: "must be at least 1 (or no node would ever be ordered)".into(),
        });
    }
    if settings.slots_per_node == 0 || settings.tick.is_zero() {
        return Err(ConfigError::Invalid {
            setting: "orchestrator.slots_per_node / tick_secs".into(),
            message: "must be at least 1".into(),
        });
    }
    Ok(Some(settings))
}

fn hetzner(layers: &Layers<'_>, file: &HetznerFile) -> Result<HetznerSettings, ConfigError> {
    let required = |var: &str, value: Option<&String>, setting: &str| {
        layers.text(var, value).ok_or_else(|| ConfigError::Invalid {
            setting: format!("orchestrator.hetzner.{setting}"),
            message: format!("is required for the hetzner provider (or set {var})"),
        })
    };
    let token = match (layers.env)("RGRID_HETZNER_TOKEN") {
        Some(token) => token,
        None => read_token(file.token_file.as_deref())?,
    };
    Ok(HetznerSettings {
        api_url: layers
            .text("RGRID_HETZNER_API_URL", file.api_url.as_ref())
            .unwrap_or_else(|| "https://api.hetzner.cloud/v1".into()),
        token,
        image: layers
            .text("RGRID_HETZNER_IMAGE", file.image.as_ref())
            .unwrap_or_else(|| "debian-12".into()),
        location: layers
            .text("RGRID_HETZNER_LOCATION", file.location.as_ref())
            .unwrap_or_else(|| "fsn1".into()),
        ssh_keys: file.ssh_keys.clone(),
        runner_url: required("RGRID_RUNNER_URL", file.runner_url.as_ref(), "runner_url")?,
        grid_label: layers
            .text("RGRID_GRID_LABEL", file.grid_label.as_ref())
            .unwrap_or_else(|| "default".into()),
    })
}

fn read_token(path: Option<&Path>) -> Result<String, ConfigError> {
    let missing = || ConfigError::Invalid {
        setting: "orchestrator.hetzner.token_file".into(),
        message: "the hetzner provider needs an API token: set RGRID_HETZNER_TOKEN or \
                  token_file"
            .into(),
    };
    let path = path.ok_or_else(missing)?;
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let token = text.trim();
    if token.is_empty() {
        return Err(missing());
    }
    Ok(token.to_string())
}

fn local(layers: &Layers<'_>, file: &LocalFile, data_dir: &Path) -> LocalSettings {
    let runner_bin = layers
        .text("RGRID_LOCAL_RUNNER_BIN", None)
        .map(PathBuf::from)
        .or_else(|| file.runner_bin.clone())
        .unwrap_or_else(runner_next_to_server);
    LocalSettings {
        runner_bin,
        executor: layers
            .text("RGRID_LOCAL_EXECUTOR", file.executor.as_ref())
            .unwrap_or_else(|| "docker".into()),
        root: file
            .root
            .clone()
            .unwrap_or_else(|| data_dir.join("local-nodes")),
        ca_bundle: file.ca_bundle.clone(),
    }
}

/// `rgrid-runner` beside the running `rgrid-server`, as a release archive ships them.
fn runner_next_to_server() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("rgrid-runner")))
        .unwrap_or_else(|| PathBuf::from("rgrid-runner"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(text: &str) -> FileConfig {
        toml::from_str(text).expect("valid toml")
    }

    #[test]
    fn environment_wins_over_file_and_file_over_defaults() {
        let file = parse(
            "[orchestrator]\nprovider = \"local\"\nmax_nodes = 3\nmin_nodes = 1\n\
             lifetime_secs = 600\nmax_orders_per_tick = 4\n[orchestrator.local]\nexecutor = \"process\"\n",
        );
        let env: HashMap<&str, &str> = HashMap::from([("RGRID_MAX_NODES", "7")]);
        let lookup = |name: &str| env.get(name).map(|v| v.to_string());
        let settings = orchestrator_settings(&file, &lookup, Path::new("/d"))
            .expect("valid")
            .expect("on");
        assert_eq!(settings.max_nodes, 7);
        assert_eq!(settings.min_nodes, 1);
        assert_eq!(settings.max_orders_per_tick, 4);
        assert_eq!(settings.lifetime, Duration::from_secs(600));
        assert_eq!(settings.scale_down_delay, Duration::from_secs(300));
        let ProviderSettings::Local(local) = settings.provider else {
            panic!("local provider expected");
        };
        assert_eq!(local.executor, "process");
        assert_eq!(local.root, Path::new("/d/local-nodes"));
    }

    #[test]
    fn no_provider_means_no_orchestrator_and_mistakes_name_the_setting() {
        let none = |_: &str| None;
        let off = orchestrator_settings(&FileConfig::default(), &none, Path::new("/d"));
        assert!(off.expect("valid").is_none());
        let typo = parse("[orchestrator]\nprovider = \"hetzner-cloud\"\n");
        let err = orchestrator_settings(&typo, &none, Path::new("/d")).expect_err("invalid");
        assert!(err.to_string().contains("orchestrator.provider"), "{err}");
        let no_token = parse("[orchestrator]\nprovider = \"hetzner\"\n");
        let err = orchestrator_settings(&no_token, &none, Path::new("/d")).expect_err("invalid");
        assert!(err.to_string().contains("RGRID_HETZNER_TOKEN"), "{err}");
        assert!(toml::from_str::<FileConfig>("[orchestrator]\nmax_node = 3\n").is_err());
        let zero = parse("[orchestrator]\nprovider = \"local\"\nmax_orders_per_tick = 0\n");
        let err = orchestrator_settings(&zero, &none, Path::new("/d")).expect_err("invalid");
        assert!(err.to_string().contains("max_orders_per_tick"), "{err}");
    }

    #[test]
    fn debug_never_shows_the_api_token() {
        let env = |name: &str| match name {
            "RGRID_ORCHESTRATOR_PROVIDER" => Some("hetzner".to_string()),
            "RGRID_HETZNER_TOKEN" => Some("hcloud-secret-token".to_string()),
            "RGRID_RUNNER_URL" => Some("https://example.com/rgrid-runner".to_string()),
            _ => None,
        };
        let settings = orchestrator_settings(&FileConfig::default(), &env, Path::new("/d"))
            .expect("valid")
            .expect("on");
        assert!(!format!("{settings:?}").contains("hcloud-secret-token"));
    }
}
