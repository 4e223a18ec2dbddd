//! `rgrid config show`: each setting in effect, its value and where it came from. The API
//! key itself is never shown, only where it comes from.

use crate::cli::{ConfigArgs, ConfigCommand};
use crate::credentials::{KeySource, DEFAULT_PROFILE};
use crate::exit;
use crate::settings::{color_name, Setting, Settings};
use crate::target;

/// One row: name, value (none when unset), source.
type Row = (&'static str, Option<String>, String);

pub async fn run(args: ConfigArgs, settings: &Settings) -> anyhow::Result<i32> {
    let ConfigCommand::Show { json } = args.command;
    let rows = rows(settings).await;
    if json {
        let shape: serde_json::Map<String, serde_json::Value> = rows
            .into_iter()
            .map(|(name, value, source)| {
                let entry = serde_json::json!({"value": value, "source": source});
                (name.to_string(), entry)
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&shape)?);
        return Ok(exit::OK);
    }
    for (name, value, source) in rows {
        let value = value.unwrap_or_else(|| "(none)".into());
        println!("{name:<10} {value:<40} {source}");
    }
    Ok(exit::OK)
}

async fn rows(settings: &Settings) -> Vec<Row> {
    let profile = settings
        .profile
        .clone()
        .unwrap_or_else(|| DEFAULT_PROFILE.to_string());
    let mut rows = grid_rows(settings, &profile).await;
    rows.push((
        "profile",
        Some(profile),
        settings.profile_source.to_string(),
    ));
    let color = Setting {
        value: color_name(settings.color.value).to_string(),
        source: settings.color.source.clone(),
    };
    rows.push(row("color", Some(&color), ""));
    let quiet = Setting {
        value: settings.quiet.value.to_string(),
        source: settings.quiet.source.clone(),
    };
    rows.push(row("quiet", Some(&quiet), ""));
    let output_dir = settings.output_dir.as_ref().map(|s| Setting {
        value: s.value.display().to_string(),
        source: s.source.clone(),
    });
    rows.push(row(
        "output_dir",
        output_dir.as_ref(),
        "the working directory; `outputs/` for a batch",
    ));
    rows.push(row("runtime", Some(&settings.runtime), ""));
    rows.push(row("cpu", settings.cpu.as_ref(), "no limit"));
    rows.push(row("memory", settings.memory.as_ref(), "no limit"));
    let timeout = Setting {
        value: settings.timeout.value.to_string(),
        source: settings.timeout.source.clone(),
    };
    rows.push(row("timeout", Some(&timeout), ""));
    rows
}

/// server, api_key and project: which grid, and where the key comes from (never the key).
async fn grid_rows(settings: &Settings, profile: &str) -> Vec<Row> {
    let configured = settings.server.as_ref().map(|s| s.source.to_string());
    match target::remote_login(settings).await {
        Ok(Some(login)) => {
            let saved = format!("saved login of profile `{profile}`");
            let key_source = match (&settings.api_key, login.source) {
                (Some(key), KeySource::Env | KeySource::UserConfig) => key.source.to_string(),
                _ => format!("{} (profile `{profile}`)", login.source.describe()),
            };
            vec![
                (
                    "server",
                    Some(login.server),
                    configured.unwrap_or_else(|| saved.clone()),
                ),
                ("api_key", Some("(hidden)".into()), key_source),
                (
                    "project",
                    None,
                    "set by the API key; `rgrid whoami` shows it".into(),
                ),
            ]
        }
        Ok(None) => vec![
            ("server", None, "default (the local grid)".into()),
            ("api_key", None, "default (the local grid's own key)".into()),
            (
                "project",
                Some("local/default".into()),
                "default (the local grid)".into(),
            ),
        ],
        Err(err) => vec![
            (
                "server",
                settings.server.as_ref().map(|s| s.value.clone()),
                configured.unwrap_or_else(|| "default (the local grid)".into()),
            ),
            ("api_key", None, format!("none: {err:#}")),
            ("project", None, "set by the API key".into()),
        ],
    }
}

fn row(name: &'static str, setting: Option<&Setting<String>>, default: &str) -> Row {
    match setting {
        Some(setting) => (
            name,
            Some(setting.value.clone()),
            setting.source.to_string(),
        ),
        None => (name, None, format!("default ({default})")),
    }
}
