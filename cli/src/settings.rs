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

/// The values one source gives; `None` leaves the setting to the sources below.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Values {
    /// URL of an rgrid server; none means the local grid.
    pub server: Option<String>,
    /// API key for the server. Refused in a project file, which is often committed.
    pub api_key: Option<String>,
    /// `auto`, `always` or `never`.
    pub color: Option<String>,
}

/// One source of values.
#[derive(Debug, Clone)]
pub struct Layer {
    pub values: Values,
    /// Where each value of this layer came from (flags and variables differ per value).
    pub sources: BTreeMap<&'static str, Source>,
}

impl Layer {
    fn uniform(values: Values, source: Source) -> Layer {
        let sources = ["server", "api_key", "color"]
            .into_iter()
            .map(|name| (name, source.clone()))
            .collect();
        Layer { values, sources }
    }
}

/// The settings in effect.
#[derive(Debug, Clone)]
pub struct Settings {
    pub server: Option<Setting<String>>,
    pub api_key: Option<Setting<String>>,
    pub color: Setting<ColorChoice>,
    /// `--profile`/`RGRID_PROFILE`: which saved login (`rgrid login`) to use.
    pub profile: Option<String>,
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
    let mut layers = vec![flags(global), environment(env)];
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
    Ok(settings)
}

/// The first layer holding each value wins.
pub fn resolve(layers: &[Layer]) -> Result<Settings, UsageError> {
    let pick = |name: &'static str, get: fn(&Values) -> Option<&String>| {
        layers.iter().find_map(|layer| {
            get(&layer.values).map(|value| Setting {
                value: value.clone(),
                source: layer.sources.get(name).cloned().unwrap_or(Source::Default),
            })
        })
    };
    let color = match pick("color", |v| v.color.as_ref()) {
        Some(setting) => Setting {
            value: parse_color(&setting.value, &setting.source)?,
            source: setting.source,
        },
        None => Setting {
            value: ColorChoice::Auto,
            source: Source::Default,
        },
    };
    Ok(Settings {
        server: pick("server", |v| v.server.as_ref()),
        api_key: pick("api_key", |v| v.api_key.as_ref()),
        color,
        profile: None,
    })
}

fn flags(global: &GlobalArgs) -> Layer {
    let values = Values {
        server: global.server.clone(),
        api_key: None,
        color: global.color.map(|c| color_name(c).to_string()),
    };
    let sources = [
        ("server", Source::Flag("--server")),
        ("color", Source::Flag("--color")),
    ]
    .into_iter()
    .collect();
    Layer { values, sources }
}

fn environment(env: &Environment<'_>) -> Layer {
    let values = Values {
        server: (env.var)("RGRID_SERVER"),
        api_key: (env.var)("RGRID_API_KEY").map(|k| k.trim().to_string()),
        color: (env.var)("RGRID_COLOR"),
    };
    let sources = [
        ("server", Source::Env("RGRID_SERVER")),
        ("api_key", Source::Env("RGRID_API_KEY")),
        ("color", Source::Env("RGRID_COLOR")),
    ]
    .into_iter()
    .collect();
    Layer { values, sources }
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
    toml::from_str(&text).map_err(|e| {
        UsageError(format!(
            "`{}` is not a valid rgrid config: {}; the keys are `server`, `api_key` and `color`",
            path.display(),
            e.message()
        ))
    })
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
}
