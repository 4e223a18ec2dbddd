//! `rgrid config show`: each setting in effect, its value and where it came from.

use crate::cli::{ConfigArgs, ConfigCommand};
use crate::exit;
use crate::settings::{color_name, Setting, Settings};

pub fn run(args: ConfigArgs, settings: &Settings) -> anyhow::Result<i32> {
    let ConfigCommand::Show { json } = args.command;
    let rows = rows(settings);
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
        println!("{name:<8} {value:<40} {source}");
    }
    Ok(exit::OK)
}

/// (name, value, source); the API key shows only its first characters.
fn rows(settings: &Settings) -> Vec<(&'static str, Option<String>, String)> {
    let server = shown(settings.server.as_ref(), |v| v.clone(), "local grid");
    let key = shown(settings.api_key.as_ref(), |v| masked(v), "unset");
    let color = Setting {
        value: color_name(settings.color.value).to_string(),
        source: settings.color.source.clone(),
    };
    vec![
        ("server", server.0, server.1),
        ("api_key", key.0, key.1),
        ("color", Some(color.value), color.source.to_string()),
    ]
}

fn shown<T>(
    setting: Option<&Setting<T>>,
    show: impl Fn(&T) -> String,
    default: &str,
) -> (Option<String>, String) {
    match setting {
        Some(setting) => (Some(show(&setting.value)), setting.source.to_string()),
        None => (None, format!("default ({default})")),
    }
}

/// Enough of a key to tell which it is, never the secret part.
fn masked(key: &str) -> String {
    let visible: String = key.chars().take(6).collect();
    format!("{visible}…")
}
