//! Signing in and out, `whoami`, and the project's keys and the account's projects.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;
use rgrid_spec::access::{CreateKeyRequest, CreateProjectRequest, KeyView, TokenView};

use crate::cli::{KeysCommand, LoginArgs, ProjectsCommand, TokensCommand, WhoamiArgs};
use crate::client::Client;
use crate::credentials::{self, KeySource, Stored};
use crate::settings::Settings;
use crate::target::{self, Target};
use crate::ui::Ui;
use crate::{exit, UsageError};

/// What each kind of secret starts with.
const API_KEY_KIND: &str = "rg_";
const USER_TOKEN_KIND: &str = "rgu_";
const OPERATOR_KEY_KIND: &str = "rgo_";

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
    } else if key.starts_with(OPERATOR_KEY_KIND) {
        let op = client.operator_whoami().await?;
        format!("the grid's operator (key {} `{}`)", op.key_id, op.name)
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
        .or_else(|| key.strip_prefix(OPERATOR_KEY_KIND))
        .or_else(|| key.strip_prefix(API_KEY_KIND));
    match body {
        Some(body) if body.len() >= 8 && body.bytes().all(|b| b.is_ascii_alphanumeric()) => Ok(()),
        _ if key.is_empty() => Err(UsageError("no key given".into()).into()),
        _ => Err(UsageError(
            "that is not an rgrid key (project keys start with `rg_`, operator keys with `rgo_`, \
             personal tokens with `rgu_`, followed by letters and digits); copy it again from \
             `rgrid keys create` or `rgrid-server admin`"
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
                client: target::client_for(&login, target::profile(settings)),
                local: false,
            },
            login.source,
        ),
        None => (target::connect(settings, ui).await?, KeySource::LocalGrid),
    };
    let client = &target.client;
    let kind = target::key_kind(client);
    let mut value = serde_json::json!({
        "server": client.base(),
        "key_from": source.describe(),
    });
    let mut lines = vec![("server", client.base().to_string())];
    match kind {
        target::KeyKind::Operator => {
            let op = client.operator_whoami().await?;
            value["kind"] = "operator".into();
            value["key_id"] = op.key_id.into();
            value["name"] = op.name.clone().into();
            lines.push(("kind", "operator key (nodes, draining, all cost)".into()));
            lines.push(("key", format!("{} `{}`", op.key_id, op.name)));
        }
        target::KeyKind::Personal => {
            let me = client.me().await?;
            value["kind"] = "personal".into();
            value["email"] = me.email.clone().into();
            lines.push(("kind", "personal token (accounts, projects)".into()));
            lines.push(("user", me.email));
        }
        target::KeyKind::Project => {
            let me = client.whoami().await?;
            // The local grid's key also operates it; a shared grid's project keys do not.
            let operator = client.operator_whoami().await.is_ok();
            value["kind"] = "project".into();
            value["account"] = me.account.clone().into();
            value["project"] = me.project.clone().into();
            value["role"] = me.role.clone().into();
            value["key_id"] = me.key_id.into();
            value["operator"] = operator.into();
            lines.push(("project", format!("{}/{}", me.account, me.project)));
            lines.push(("role", me.role));
            lines.push(("key", me.key_id.to_string()));
            if operator {
                lines.push(("operator", "yes (this key also operates the grid)".into()));
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(exit::OK);
    }
    let mut out = std::io::stdout().lock();
    for (label, text) in lines {
        if label == "key" {
            writeln!(out, "{label:<8} {text} (from {})", source.describe())?;
        } else {
            writeln!(out, "{label:<8} {text}")?;
        }
    }
    Ok(exit::OK)
}

pub async fn tokens(command: TokensCommand, target: Target) -> anyhow::Result<i32> {
    match command {
        TokensCommand::List { json } => {
            let tokens = target.client.tokens().await?.tokens;
            if json {
                let mut out = std::io::stdout().lock();
                for token in &tokens {
                    writeln!(out, "{}", serde_json::to_string(token)?)?;
                }
            } else {
                print_tokens(&tokens)?;
            }
        }
        TokensCommand::Create { name, json } => {
            let created = target.client.create_token(&name).await?;
            if json {
                println!("{}", serde_json::to_string(&created)?);
            } else {
                eprintln!(
                    "personal token {} `{}`; it is shown once, store it now:",
                    created.token.id, created.token.name
                );
                println!("{}", created.secret);
            }
        }
        TokensCommand::Revoke { id, json } => {
            let token = target.client.revoke_token(id).await?;
            if json {
                println!("{}", serde_json::to_string(&token)?);
            } else {
                eprintln!("personal token {} `{}` revoked", token.id, token.name);
            }
        }
    }
    Ok(exit::OK)
}

fn print_tokens(tokens: &[TokenView]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<6} {:<16} {:<14} {:<17} {:<17} STATE",
        "ID", "NAME", "PREFIX", "CREATED", "LAST USED"
    )?;
    for token in tokens {
        let state = if token.revoked_at.is_some() {
            "revoked"
        } else {
            "active"
        };
        writeln!(
            out,
            "{:<6} {:<16} {:<14} {:<17} {:<17} {state}",
            token.id,
            token.name,
            token.prefix,
            time(Some(token.created_at)),
            time(token.last_used_at)
        )?;
    }
    Ok(())
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(
        || "never".into(),
        |t| t.format("%Y-%m-%d %H:%M").to_string(),
    )
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
        assert!(check_shape("rgo_abcdefgh12345678").is_ok());
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
