//! Where rgrid's settings come from, highest first: command-line flags, `RGRID_*` environment
//! variables, the project's `.rgrid.toml` (the nearest one upward from the working directory),
//! the user's config file, then defaults. `rgrid config show` prints each with its source.
//!
//! Sources are [`Layer`]s tried in order, so another source (stored credentials, a profile)
//! is one more layer put at its place in the list.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::{ColorChoice, GlobalArgs};
use crate::UsageError;

/// The project file's name, looked for in the working directory and its parents.
pub const PROJECT_FILE: &str = ".rgrid.toml";

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(&'static str),
    ProjectFile(PathBuf),
    UserFile(PathBuf),
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::Env(var) => write!(f, "environment {var}"),
            Source::ProjectFile(path) => write!(f, "project file {}", path.display()),
            Source::UserFile(path) => write!(f, "user config {}", path.display()),
            Source::Default => f.write_str("default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

/// The values one source gives; `None` leaves the setting to the sources below. Its Debug
/// hides the API key.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Values {
    /// URL of an rgrid server; none means the local grid.
    pub server: Option<String>,
    /// API key for the server. Refused in a project file, which is often committed.
    pub api_key: Option<String>,
    /// `auto`, `always` or `never`.
    pub color: Option<String>,
    /// Print only the job's own output and errors.
    pub quiet: Option<bool>,
    /// Where `rgrid run` puts the job's output files (a file's relative path is taken from
    /// the file's own directory).
    pub output_dir: Option<PathBuf>,
    /// `rgrid run`'s container image.
    pub runtime: Option<String>,
    /// `rgrid run`'s CPU limit: `1`, `0.5`, `500m`.
    pub cpu: Option<String>,
    /// `rgrid run`'s memory limit: `512Mi`, `2Gi`.
    pub memory: Option<String>,
    /// `rgrid run`'s job timeout in seconds.
    pub timeout: Option<u64>,
}

/// Every setting's name, as the files and `rgrid config show` spell it.
const NAMES: [&str; 9] = [
    "server",
    "api_key",
    "color",
    "quiet",
    "output_dir",
    "runtime",
    "cpu",
    "memory",
    "timeout",
];

impl std::fmt::Debug for Values {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Values")
            .field("server", &self.server)
            .field("api_key", &self.api_key.as_ref().map(|_| HIDDEN))
            .field("color", &self.color)
            .field("quiet", &self.quiet)
            .field("output_dir", &self.output_dir)
            .field("runtime", &self.runtime)
            .field("cpu", &self.cpu)
            .field("memory", &self.memory)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What Debug prints instead of a key.
const HIDDEN: &str = "<hidden>";

/// One source of values.
#[derive(Debug, Clone)]
pub struct Layer {
    pub values: Values,
    /// Where each value of this layer came from (flags and variables differ per value).
    pub sources: BTreeMap<&'static str, Source>,
}

impl Layer {
    fn uniform(values: Values, source: Source) -> Layer {
        let sources = NAMES
            .into_iter()
            .map(|name| (name, source.clone()))
            .collect();
        Layer { values, sources }
    }
}

/// The settings in effect. Its Debug hides the API key (only where it came from shows).
#[derive(Clone)]
pub struct Settings {
    pub server: Option<Setting<String>>,
    pub api_key: Option<Setting<String>>,
    pub color: Setting<ColorChoice>,
    pub quiet: Setting<bool>,
    /// None: `rgrid run` writes into the working directory (a batch into `outputs/`).
    pub output_dir: Option<Setting<PathBuf>>,
    pub runtime: Setting<String>,
    pub cpu: Option<Setting<String>>,
    pub memory: Option<Setting<String>>,
    pub timeout: Setting<u64>,
    /// `--profile`/`RGRID_PROFILE`: which saved login (`rgrid login`) to use.
    pub profile: Option<String>,
    /// Where `profile` came from (`Default` when unset: the profile `default`).
    pub profile_source: Source,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let api_key = self.api_key.as_ref().map(|key| Setting {
            value: HIDDEN,
            source: key.source.clone(),
        });
        f.debug_struct("Settings")
            .field("server", &self.server)
            .field("api_key", &api_key)
            .field("color", &self.color)
            .field("quiet", &self.quiet)
            .field("output_dir", &self.output_dir)
            .field("runtime", &self.runtime)
            .field("cpu", &self.cpu)
            .field("memory", &self.memory)
            .field("timeout", &self.timeout)
            .field("profile", &self.profile)
            .field("profile_source", &self.profile_source)
            .finish()
    }
}

/// What the environment looks like to the loader (real, or given by a test).
pub struct Environment<'a> {
    pub var: &'a dyn Fn(&str) -> Option<String>,
    pub cwd: PathBuf,
    /// The user config file: `RGRID_CONFIG`, else `<config dir>/rgrid/config.toml`.
    pub user_file: Option<PathBuf>,
}

impl Environment<'_> {
    pub fn real() -> Environment<'static> {
        fn var(name: &str) -> Option<String> {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        }
        let user_file = var("RGRID_CONFIG")
            .map(PathBuf::from)
            .or_else(|| dirs::config_dir().map(|dir| dir.join("rgrid").join("config.toml")));
        Environment {
            var: &var,
            cwd: std::env::current_dir().unwrap_or_default(),
            user_file,
        }
    }
}

/// Reads every source, highest first, and resolves the settings.
pub fn load(global: &GlobalArgs, env: &Environment<'_>) -> Result<Settings, UsageError> {
    let mut layers = vec![flags(global), environment(env)?];
    if let Some(path) = find_project_file(&env.cwd) {
        let values = read_file(&path)?;
        if values.api_key.is_some() {
            return Err(UsageError(format!(
                "`{}` holds `api_key`; a project file is often committed, so keys belong in \
                 `RGRID_API_KEY` or the user config file. Remove the line",
                path.display()
            )));
        }
        layers.push(Layer::uniform(values, Source::ProjectFile(path)));
    }
    if let Some(path) = env.user_file.as_ref().filter(|p| p.is_file()) {
        layers.push(Layer::uniform(
            read_file(path)?,
            Source::UserFile(path.clone()),
        ));
    }
    let mut settings = resolve(&layers)?;
    settings.profile = global.profile.clone();
    if let Some(profile) = &global.profile {
        // clap reads `RGRID_PROFILE` itself; the same value there means it came from there.
        settings.profile_source = if (env.var)("RGRID_PROFILE").as_ref() == Some(profile) {
            Source::Env("RGRID_PROFILE")
        } else {
            Source::Flag("--profile")
        };
    }
    Ok(settings)
}

/// The first layer holding a value wins.
fn pick<T: Clone>(
    layers: &[Layer],
    name: &'static str,
    get: impl Fn(&Values) -> Option<&T>,
) -> Option<Setting<T>> {
    layers.iter().find_map(|layer| {
        get(&layer.values).map(|value| Setting {
            value: value.clone(),
            source: layer.sources.get(name).cloned().unwrap_or(Source::Default),
        })
    })
}

fn or_default<T>(setting: Option<Setting<T>>, value: T) -> Setting<T> {
    setting.unwrap_or(Setting {
        value,
        source: Source::Default,
    })
}

/// The first layer holding each value wins.
pub fn resolve(layers: &[Layer]) -> Result<Settings, UsageError> {
    let color = match pick(layers, "color", |v| v.color.as_ref()) {
        Some(setting) => Setting {
            value: parse_color(&setting.value, &setting.source)?,
            source: setting.source,
        },
        None => Setting {
            value: ColorChoice::Auto,
            source: Source::Default,
        },
    };
    let server = pick(layers, "server", |v| v.server.as_ref());
    if let Some(server) = &server {
        check_server(&server.value, &server.source)?;
    }
    let runtime = pick(layers, "runtime", |v| v.runtime.as_ref());
    let timeout = pick(layers, "timeout", |v| v.timeout.as_ref());
    Ok(Settings {
        server,
        api_key: pick(layers, "api_key", |v| v.api_key.as_ref()),
        color,
        quiet: or_default(pick(layers, "quiet", |v| v.quiet.as_ref()), false),
        output_dir: pick(layers, "output_dir", |v| v.output_dir.as_ref()),
        runtime: or_default(runtime, rgrid_spec::DEFAULT_RUNTIME.to_string()),
        cpu: pick(layers, "cpu", |v| v.cpu.as_ref()),
        memory: pick(layers, "memory", |v| v.memory.as_ref()),
        timeout: or_default(timeout, rgrid_spec::job_spec::DEFAULT_TIMEOUT_SECONDS),
        profile: None,
        profile_source: Source::Default,
    })
}

fn flags(global: &GlobalArgs) -> Layer {
    let values = Values {
        server: global.server.clone(),
        color: global.color.map(|c| color_name(c).to_string()),
        // `--quiet` absent says nothing: the sources below may still turn it on.
        quiet: global.quiet.then_some(true),
        ..Values::default()
    };
    let sources = [
        ("server", Source::Flag("--server")),
        ("color", Source::Flag("--color")),
        ("quiet", Source::Flag("--quiet")),
    ]
    .into_iter()
    .collect();
    Layer { values, sources }
}

/// The `RGRID_*` variable of each setting.
const VARIABLES: [(&str, &str); 9] = [
    ("server", "RGRID_SERVER"),
    ("api_key", "RGRID_API_KEY"),
    ("color", "RGRID_COLOR"),
    ("quiet", "RGRID_QUIET"),
    ("output_dir", "RGRID_OUTPUT_DIR"),
    ("runtime", "RGRID_RUNTIME"),
    ("cpu", "RGRID_CPU"),
    ("memory", "RGRID_MEMORY"),
    ("timeout", "RGRID_TIMEOUT"),
];

fn environment(env: &Environment<'_>) -> Result<Layer, UsageError> {
    let var = |name: &str| (env.var)(name);
    let quiet = match var("RGRID_QUIET").as_deref() {
        None => None,
        Some("1" | "true" | "yes") => Some(true),
        Some("0" | "false" | "no") => Some(false),
        Some(other) => {
            return Err(UsageError(format!(
                "RGRID_QUIET=`{other}` is not a yes or no; use 1 or 0"
            )))
        }
    };
    let timeout = match var("RGRID_TIMEOUT") {
        None => None,
        Some(text) => Some(text.trim().parse::<u64>().map_err(|_| {
            UsageError(format!(
                "RGRID_TIMEOUT=`{text}` is not a whole number of seconds"
            ))
        })?),
    };
    let values = Values {
        server: var("RGRID_SERVER"),
        api_key: var("RGRID_API_KEY").map(|k| k.trim().to_string()),
        color: var("RGRID_COLOR"),
        quiet,
        output_dir: var("RGRID_OUTPUT_DIR").map(PathBuf::from),
        runtime: var("RGRID_RUNTIME"),
        cpu: var("RGRID_CPU"),
        memory: var("RGRID_MEMORY"),
        timeout,
    };
    let sources = VARIABLES
        .into_iter()
        .map(|(name, variable)| (name, Source::Env(variable)))
        .collect();
    Ok(Layer { values, sources })
}

/// The nearest `.rgrid.toml` in `dir` or above it.
pub fn find_project_file(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(PROJECT_FILE))
        .find(|path| path.is_file())
}

fn read_file(path: &Path) -> Result<Values, UsageError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("cannot read `{}`: {e}", path.display())))?;
    let mut values: Values = toml::from_str(&text).map_err(|e| {
        UsageError(format!(
            "`{}` is not a valid rgrid config: {}; the keys are {}",
            path.display(),
            e.message(),
            NAMES.map(|n| format!("`{n}`")).join(", ")
        ))
    })?;
    if let (Some(dir), Some(parent)) = (&values.output_dir, path.parent()) {
        if dir.is_relative() {
            values.output_dir = Some(parent.join(dir));
        }
    }
    Ok(values)
}

fn parse_color(text: &str, source: &Source) -> Result<ColorChoice, UsageError> {
    match text {
        "auto" => Ok(ColorChoice::Auto),
        "always" => Ok(ColorChoice::Always),
        "never" => Ok(ColorChoice::Never),
        _ => Err(UsageError(format!(
            "color `{text}` from {source} is not a choice; use auto, always or never"
        ))),
    }
}

/// The server must be an http(s) URL with a host; anything else is a usage mistake, found
/// before any request.
fn check_server(text: &str, source: &Source) -> Result<(), UsageError> {
    let valid = reqwest::Url::parse(text)
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some());
    if valid {
        return Ok(());
    }
    Err(UsageError(format!(
        "server `{text}` from {source} is not a server URL; use the form \
         `http(s)://host:port`, e.g. `http://127.0.0.1:8080`"
    )))
}

pub fn color_name(choice: ColorChoice) -> &'static str {
    match choice {
        ColorChoice::Auto => "auto",
        ColorChoice::Always => "always",
        ColorChoice::Never => "never",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(server: Option<&str>) -> GlobalArgs {
        GlobalArgs {
            server: server.map(String::from),
            profile: None,
            color: None,
            quiet: false,
        }
    }

    /// One setting at every level: each level, removed in turn, hands over to the next.
    #[test]
    fn flags_beat_env_beat_project_file_beat_user_file_beat_defaults() {
        let home = tempfile::tempdir().expect("tempdir");
        let project = home.path().join("project");
        let nested = project.join("src/deep");
        std::fs::create_dir_all(&nested).expect("dirs");
        let user_file = home.path().join("config.toml");
        std::fs::write(&user_file, "server = \"http://user\"\ncolor = \"never\"\n").expect("w");
        let project_file = project.join(PROJECT_FILE);
        std::fs::write(&project_file, "server = \"http://project\"\n").expect("write");

        let load_with = |flag: Option<&str>, env_server: Option<&str>| {
            let var = move |name: &str| match name {
                "RGRID_SERVER" => env_server.map(String::from),
                _ => None,
            };
            let env = Environment {
                var: &var,
                cwd: nested.clone(),
                user_file: Some(user_file.clone()),
            };
            load(&global(flag), &env).expect("load")
        };

        let s = load_with(Some("http://flag"), Some("http://env"));
        assert_eq!(s.server.clone().expect("server").value, "http://flag");
        assert_eq!(s.server.expect("server").source, Source::Flag("--server"));
        let s = load_with(None, Some("http://env"));
        assert_eq!(
            s.server.expect("server").source,
            Source::Env("RGRID_SERVER")
        );
        let s = load_with(None, None);
        let server = s.server.expect("server");
        assert_eq!(server.value, "http://project");
        assert_eq!(server.source, Source::ProjectFile(project_file.clone()));
        // The project file says nothing of colour: the user file's value shows through.
        assert_eq!(s.color.value, ColorChoice::Never);
        assert_eq!(s.color.source, Source::UserFile(user_file.clone()));

        std::fs::remove_file(&project_file).expect("remove");
        let s = load_with(None, None);
        assert_eq!(
            s.server.expect("server").source,
            Source::UserFile(user_file.clone())
        );

        std::fs::remove_file(&user_file).expect("remove");
        let s = load_with(None, None);
        assert!(s.server.is_none());
        assert_eq!(s.color.source, Source::Default);
    }

    /// The `rgrid run` defaults: environment over project file over user file over default,
    /// a relative output directory taken from the file's own directory.
    #[test]
    fn run_defaults_come_from_env_then_project_file_then_user_file() {
        let home = tempfile::tempdir().expect("tempdir");
        let project = home.path().join("project");
        let nested = project.join("src");
        std::fs::create_dir_all(&nested).expect("dirs");
        let user_file = home.path().join("config.toml");
        std::fs::write(
            &user_file,
            "runtime = \"python:3.12-slim\"\ntimeout = 60\nmemory = \"1Gi\"\nquiet = true\n",
        )
        .expect("write");
        let project_file = project.join(PROJECT_FILE);
        std::fs::write(&project_file, "timeout = 120\noutput_dir = \"results\"\n").expect("w");

        let load_with = |vars: &'static [(&'static str, &'static str)]| {
            let var = move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            };
            let env = Environment {
                var: &var,
                cwd: nested.clone(),
                user_file: Some(user_file.clone()),
            };
            load(&global(None), &env)
        };
        let s = load_with(&[]).expect("load");
        assert_eq!(s.timeout.value, 120);
        assert_eq!(s.timeout.source, Source::ProjectFile(project_file.clone()));
        assert_eq!(s.runtime.value, "python:3.12-slim");
        assert_eq!(s.runtime.source, Source::UserFile(user_file.clone()));
        assert_eq!(s.memory.expect("memory").value, "1Gi");
        assert!(s.quiet.value);
        assert_eq!(s.output_dir.expect("dir").value, project.join("results"));
        assert!(s.cpu.is_none());

        let s = load_with(&[("RGRID_TIMEOUT", "7"), ("RGRID_QUIET", "0")]).expect("load");
        assert_eq!(s.timeout.value, 7);
        assert_eq!(s.timeout.source, Source::Env("RGRID_TIMEOUT"));
        assert!(
            !s.quiet.value,
            "RGRID_QUIET=0 beats the user file's quiet = true"
        );

        let err = load_with(&[("RGRID_TIMEOUT", "soon")]).expect_err("refused");
        assert!(err.0.contains("RGRID_TIMEOUT"), "{}", err.0);

        std::fs::remove_file(&project_file).expect("remove");
        std::fs::remove_file(&user_file).expect("remove");
        let s = load_with(&[]).expect("load");
        assert_eq!(s.runtime.value, rgrid_spec::DEFAULT_RUNTIME);
        assert_eq!(s.timeout.source, Source::Default);
        assert!(!s.quiet.value);
    }

    #[test]
    fn a_project_file_with_a_key_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(PROJECT_FILE);
        std::fs::write(&path, "api_key = \"rg_secret\"\n").expect("write");
        let var = |_: &str| None;
        let env = Environment {
            var: &var,
            cwd: dir.path().to_path_buf(),
            user_file: None,
        };
        let err = load(&global(None), &env).expect_err("refused");
        assert!(err.0.contains("holds `api_key`"), "{}", err.0);
        assert!(!err.0.contains("rg_secret"));
    }

    /// Settings, their layers and the values in them never print the key through Debug
    /// (`{:?}` in a log line or a panic message), only where it came from.
    #[test]
    fn debug_output_hides_the_api_key() {
        let secret = "rg_DebugMustNotShowThis0123456789";
        let var = move |name: &str| match name {
            "RGRID_API_KEY" => Some(secret.to_string()),
            "RGRID_SERVER" => Some("http://grid.test".to_string()),
            _ => None,
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let env = Environment {
            var: &var,
            cwd: dir.path().to_path_buf(),
            user_file: None,
        };
        let settings = load(&global(None), &env).expect("load");
        assert_eq!(settings.api_key.as_ref().expect("key").value, secret);
        let layers = [
            flags(&global(None)),
            environment(&env).expect("environment"),
        ];
        for text in [
            format!("{settings:?}"),
            format!("{settings:#?}"),
            format!("{layers:?}"),
            format!("{:?}", layers[1].values),
        ] {
            assert!(!text.contains(secret), "{text}");
            assert!(text.contains("<hidden>"), "{text}");
        }
        assert!(format!("{settings:?}").contains("RGRID_API_KEY"));
    }
}
