//! Signing in and out, `whoami`, and the project's keys and the account's projects.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;
use rgrid_spec::access::{CreateKeyRequest, CreateProjectRequest, KeyView};

use crate::cli::{KeysCommand, LoginArgs, ProjectsCommand, WhoamiArgs};
use crate::client::Client;
use crate::credentials::{self, KeySource, Stored};
use crate::settings::Settings;
use crate::target::{self, Target};
use crate::ui::Ui;
use crate::{exit, UsageError};

/// What each kind of secret starts with.
const API_KEY_KIND: &str = "rg_";
const USER_TOKEN_KIND: &str = "rgu_";

pub async fn login(args: LoginArgs, settings: &Settings, ui: &Ui) -> anyhow::Result<i32> {
    let profile = target::profile(settings);
    let server = settings
        .server
        .as_ref()
        .map(|s| s.value.clone())
        .ok_or_else(|| {
            UsageError("which server? pass `--server URL` (or set `RGRID_SERVER`)".into())
        })?;
    let key = read_key(&server, args.with_token).await?;
    check_shape(&key)?;

    let client = Client::new(&server, &key);
    let who = if key.starts_with(USER_TOKEN_KIND) {
        client.me().await?.email
    } else {
        let me = client.whoami().await?;
        format!("{}/{}, role {}", me.account, me.project, me.role)
    };
    match credentials::store(profile, &server, &key).await? {
        Stored::Keyring => {}
        Stored::File(path) => ui.warn(format!(
            "no OS keyring service here; the key is saved in {} (readable only by you)",
            path.display()
        )),
    }
    ui.note(format!(
        "logged in to {server} as {who} (profile `{profile}`)"
    ));
    Ok(exit::OK)
}

/// The key from stdin (`--with-token`) or a prompt that does not echo; never an argument,
/// which other users could read in `ps`.
async fn read_key(server: &str, from_stdin: bool) -> anyhow::Result<String> {
    if !from_stdin && !std::io::stdin().is_terminal() {
        return Err(UsageError(
            "no terminal to prompt for the key on; pipe it in with `rgrid login --with-token`"
                .into(),
        )
        .into());
    }
    let prompt = format!("API key for {server}: ");
    let read = move || -> std::io::Result<String> {
        if from_stdin {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            Ok(line)
        } else {
            rpassword::prompt_password(prompt)
        }
    };
    let key = tokio::task::spawn_blocking(read)
        .await
        .context("the key reader stopped")?
        .context("cannot read the key")?;
    Ok(key.trim().to_string())
}

/// Refuses what is plainly not a key before sending it anywhere.
fn check_shape(key: &str) -> anyhow::Result<()> {
    let body = key
        .strip_prefix(USER_TOKEN_KIND)
        .or_else(|| key.strip_prefix(API_KEY_KIND));
    match body {
        Some(body) if body.len() >= 8 && body.bytes().all(|b| b.is_ascii_alphanumeric()) => Ok(()),
        _ if key.is_empty() => Err(UsageError("no key given".into()).into()),
        _ => Err(UsageError(
            "that is not an rgrid key (keys start with `rg_`, personal tokens with `rgu_`); \
             copy it again from `rgrid keys create` or `rgrid-server admin`"
                .into(),
        )
        .into()),
    }
}

pub async fn logout(settings: &Settings, ui: &Ui) -> anyhow::Result<i32> {
    let profile = target::profile(settings);
    if credentials::remove(profile).await? {
        ui.note(format!("logged out of profile `{profile}`"));
    } else {
        ui.note(format!("profile `{profile}` was not logged in"));
    }
    Ok(exit::OK)
}

pub async fn whoami(args: WhoamiArgs, settings: &Settings, ui: &Ui) -> anyhow::Result<i32> {
    let (target, source) = match target::remote_login(settings).await? {
        Some(login) => (
            Target {
                client: Client::new(&login.server, &login.key),
                local: false,
            },
            login.source,
        ),
        None => (target::connect(settings, ui).await?, KeySource::LocalGrid),
    };
    let me = target.client.whoami().await?;
    if args.json {
        let value = serde_json::json!({
            "server": target.client.base(),
            "account": me.account,
            "project": me.project,
            "role": me.role,
            "key_id": me.key_id,
            "key_from": source.describe(),
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(exit::OK);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "server   {}", target.client.base())?;
    writeln!(out, "project  {}/{}", me.account, me.project)?;
    writeln!(out, "role     {}", me.role)?;
    writeln!(out, "key      {} (from {})", me.key_id, source.describe())?;
    Ok(exit::OK)
}

pub async fn keys(command: KeysCommand, target: Target) -> anyhow::Result<i32> {
    match command {
        KeysCommand::List { json } => {
            let keys = target.client.keys().await?.keys;
            if json {
                let mut out = std::io::stdout().lock();
                for key in &keys {
                    writeln!(out, "{}", serde_json::to_string(key)?)?;
                }
            } else {
                print_keys(&keys)?;
            }
        }
        KeysCommand::Create { name, role, json } => {
            let request = CreateKeyRequest {
                name,
                role: Some(role),
            };
            let created = target.client.create_key(&request).await?;
            if json {
                println!("{}", serde_json::to_string(&created)?);
                return Ok(exit::OK);
            }
            eprintln!(
                "key {} `{}` ({}); it is shown once, store it now:",
                created.key.id, created.key.name, created.key.role
            );
            println!("{}", created.secret);
        }
        KeysCommand::Revoke { id, json } => {
            let key = target.client.revoke_key(id).await?;
            if json {
                println!("{}", serde_json::to_string(&key)?);
            } else {
                eprintln!("key {} `{}` revoked", key.id, key.name);
            }
        }
    }
    Ok(exit::OK)
}

fn print_keys(keys: &[KeyView]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<6} {:<16} {:<10} {:<12} {:<17} {:<17} STATE",
        "ID", "NAME", "ROLE", "PREFIX", "CREATED", "LAST USED"
    )?;
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(
            || "never".into(),
            |t| t.format("%Y-%m-%d %H:%M").to_string(),
        )
    };
    for key in keys {
        let state = if key.revoked_at.is_some() {
            "revoked"
        } else {
            "active"
        };
        writeln!(
            out,
            "{:<6} {:<16} {:<10} {:<12} {:<17} {:<17} {state}",
            key.id,
            key.name,
            key.role,
            key.prefix,
            time(Some(key.created_at)),
            time(key.last_used_at)
        )?;
    }
    Ok(())
}

pub async fn projects(command: ProjectsCommand, target: Target) -> anyhow::Result<i32> {
    match command {
        ProjectsCommand::List { account, json } => {
            let projects = target.client.projects(&account).await?.projects;
            if json {
                let mut out = std::io::stdout().lock();
                for project in &projects {
                    writeln!(out, "{}", serde_json::to_string(project)?)?;
                }
            } else {
                for project in projects {
                    println!("{}/{}", project.account, project.slug);
                }
            }
        }
        ProjectsCommand::Create {
            name,
            account,
            json,
        } => {
            let request = CreateProjectRequest { slug: name };
            let created = target.client.create_project(&account, &request).await?;
            if json {
                println!("{}", serde_json::to_string(&created)?);
                return Ok(exit::OK);
            }
            eprintln!(
                "project {}/{} created; its admin key is shown once, store it now:",
                created.project.account, created.project.slug
            );
            println!("{}", created.key.secret);
        }
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_key_shaped_input_is_sent() {
        assert!(check_shape("rg_abcdefgh12345678").is_ok());
        assert!(check_shape("rgu_abcdefgh12345678").is_ok());
        for bad in [
            "",
            "rg_",
            "rg_short",
            "password123",
            "rg_has space in it",
            "Bearer rg_x",
        ] {
            assert!(check_shape(bad).is_err(), "{bad:?}");
        }
    }
}
