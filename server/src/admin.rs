//! `rgrid-server admin …`: set up tenants on a fresh deployment and mint bootstrap tokens,
//! straight on the database (no running server needed). Part of the binary, not the library.
//!
//! A secret a command makes goes to stdout alone, so `$(rgrid-server admin …)` captures it;
//! what it is and how to use it goes to stderr.

use std::time::Duration;

use anyhow::{bail, Context};
use clap::Subcommand;
use rgrid_server::access::{
    check_slug, create_api_key, create_operator_key, create_user_token, mint_bootstrap_token,
    parse_role,
};
use rgrid_server::store::{connect_store, Role, Store, TokenInfo};
use uuid::Uuid;

#[derive(Debug, clap::Args)]
pub struct AdminArgs {
    /// The server's database: `postgres://…` or `sqlite:///path/rgrid.db`.
    #[arg(long, env = "RGRID_DATABASE_URL", hide_env_values = true)]
    database_url: String,

    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an account (no-op when it exists).
    CreateAccount { account: String },
    /// Create a user and print their personal token (for account-level calls).
    CreateUser {
        email: String,
        /// Make the user a member of this account…
        #[arg(long, requires = "role")]
        account: Option<String>,
        /// …with this role: owner, admin, developer or viewer.
        #[arg(long, requires = "account")]
        role: Option<String>,
    },
    /// Give a user a role in an account (adds the membership when missing).
    SetRole {
        account: String,
        email: String,
        /// owner, admin, developer or viewer.
        role: String,
    },
    /// Create a project `ACCOUNT/PROJECT` and print its first key (role admin).
    CreateProject { project: String },
    /// Create an API key for `ACCOUNT/PROJECT` and print it.
    CreateKey {
        project: String,
        /// Shown in key listings.
        #[arg(long, default_value = "admin-cli")]
        name: String,
        /// admin, developer or viewer.
        #[arg(long, default_value = "developer")]
        role: String,
    },
    /// Mint a bootstrap token for runners and print it.
    MintBootstrapToken {
        /// How many runners may register with it.
        #[arg(long, default_value_t = 1)]
        uses: u32,
        /// Minutes until it expires.
        #[arg(long, default_value_t = 60)]
        ttl_minutes: u64,
        #[arg(long, default_value = "admin-cli")]
        name: String,
    },
    /// Revoke a node's token; its running executions are abandoned and retried elsewhere.
    RevokeNode { node_id: Uuid },
    /// Operator keys: the grid-wide credential for `rgrid nodes`, draining, revoking nodes and
    /// every project's cost.
    #[command(subcommand)]
    OperatorKey(OperatorKeyCommand),
    /// A user's personal tokens (for account-level calls).
    #[command(subcommand)]
    UserToken(UserTokenCommand),
}

#[derive(Debug, Subcommand)]
enum OperatorKeyCommand {
    /// Make an operator key and print it (shown once).
    Create {
        /// Shown in listings, e.g. `ops-laptop`.
        name: String,
    },
    /// List operator keys: id, name, prefix, created, last used, state.
    List,
    /// Revoke an operator key by id; it stops working on its next request.
    Revoke { id: i64 },
}

#[derive(Debug, Subcommand)]
enum UserTokenCommand {
    /// List a user's personal tokens.
    List { email: String },
    /// Make another personal token for a user and print it (shown once).
    Create {
        email: String,
        #[arg(long, default_value = "admin-cli")]
        name: String,
    },
    /// Revoke one of a user's personal tokens by id.
    Revoke { email: String, id: i64 },
}

pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let store = connect_store(&args.database_url)
        .await
        .context("cannot open the database; check --database-url")?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    let store = store.as_ref();
    match args.command {
        AdminCommand::CreateAccount { account } => {
            check_slug("account", &account).map_err(anyhow::Error::msg)?;
            store.ensure_account(&account).await?;
            eprintln!("account `{account}` exists");
        }
        AdminCommand::CreateUser {
            email,
            account,
            role,
        } => create_user(store, &email, account.zip(role)).await?,
        AdminCommand::SetRole {
            account,
            email,
            role,
        } => {
            let role = parse_role(&role).map_err(anyhow::Error::msg)?;
            let user = store.user_by_email(&email).await.with_context(|| {
                format!("no user `{email}`; create it with `admin create-user`")
            })?;
            store.ensure_account(&account).await?;
            store.set_role(&account, user.id, role).await?;
            eprintln!("`{email}` is now {role} of account `{account}`");
        }
        AdminCommand::CreateProject { project } => {
            let (account, slug) = split_project(&project)?;
            // A second run must not mint another admin key behind the operator's back.
            if store
                .list_projects(account)
                .await?
                .iter()
                .any(|p| p.slug == slug)
            {
                bail!(
                    "project `{account}/{slug}` already exists; mint a key for it with \
                     `rgrid-server admin create-key {account}/{slug} --role admin`"
                );
            }
            let project = store.ensure_project(account, slug).await?;
            let (_, secret) = create_api_key(store, project.id, "first key", Role::Admin).await?;
            eprintln!("project `{account}/{slug}` ready; its admin key (shown once):");
            println!("{secret}");
        }
        AdminCommand::CreateKey {
            project,
            name,
            role,
        } => {
            let role = parse_role(&role).map_err(anyhow::Error::msg)?;
            if role == Role::Owner {
                bail!("keys get at most `admin`; `owner` is a role of users in an account");
            }
            let (account, slug) = split_project(&project)?;
            let project = existing_project(store, account, slug).await?;
            let (info, secret) = create_api_key(store, project, &name, role).await?;
            eprintln!(
                "key {} ({role}) for `{account}/{slug}` (shown once):",
                info.id
            );
            println!("{secret}");
        }
        AdminCommand::MintBootstrapToken {
            uses,
            ttl_minutes,
            name,
        } => {
            let ttl = Duration::from_secs(ttl_minutes.saturating_mul(60));
            let secret = mint_bootstrap_token(store, &name, uses.max(1), ttl).await?;
            eprintln!(
                "bootstrap token for {uses} registration(s) within {ttl_minutes} min; start \
                 runners with RGRID_BOOTSTRAP_TOKEN set to:"
            );
            println!("{secret}");
        }
        AdminCommand::RevokeNode { node_id } => {
            let abandoned = store
                .revoke_node(node_id)
                .await
                .with_context(|| format!("cannot revoke node {node_id}"))?;
            eprintln!("node {node_id} revoked; {abandoned} running execution(s) abandoned");
        }
        AdminCommand::OperatorKey(command) => operator_key(store, command).await?,
        AdminCommand::UserToken(command) => user_token(store, command).await?,
    }
    Ok(())
}

async fn operator_key(store: &dyn Store, command: OperatorKeyCommand) -> anyhow::Result<()> {
    match command {
        OperatorKeyCommand::Create { name } => {
            let name = name.trim();
            if name.is_empty() {
                bail!("an operator key needs a name, e.g. `ops-laptop`");
            }
            let (info, secret) = create_operator_key(store, name).await?;
            eprintln!(
                "operator key {} `{name}` (shown once); use it with `rgrid login --server URL` \
                 or RGRID_API_KEY:",
                info.id
            );
            println!("{secret}");
        }
        OperatorKeyCommand::List => print_tokens(&store.list_operator_keys().await?),
        OperatorKeyCommand::Revoke { id } => {
            let info = store.revoke_operator_key(id).await.with_context(|| {
                format!("cannot revoke operator key {id}; see `admin operator-key list`")
            })?;
            eprintln!("operator key {} `{}` revoked", info.id, info.name);
        }
    }
    Ok(())
}

async fn user_token(store: &dyn Store, command: UserTokenCommand) -> anyhow::Result<()> {
    let email = match &command {
        UserTokenCommand::List { email }
        | UserTokenCommand::Create { email, .. }
        | UserTokenCommand::Revoke { email, .. } => email.clone(),
    };
    let user = store
        .user_by_email(&email)
        .await
        .with_context(|| format!("no user `{email}`; create it with `admin create-user`"))?;
    match command {
        UserTokenCommand::List { .. } => print_tokens(&store.list_user_tokens(user.id).await?),
        UserTokenCommand::Create { name, .. } => {
            let (info, secret) = create_user_token(store, user.id, &name).await?;
            eprintln!("personal token {} of `{email}` (shown once):", info.id);
            println!("{secret}");
        }
        UserTokenCommand::Revoke { id, .. } => {
            let info = store
                .revoke_user_token(user.id, id)
                .await
                .with_context(|| {
                    format!("`{email}` has no token {id}; see `admin user-token list {email}`")
                })?;
            eprintln!(
                "personal token {} `{}` of `{email}` revoked",
                info.id, info.name
            );
        }
    }
    Ok(())
}

fn print_tokens(tokens: &[TokenInfo]) {
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(
            || "never".into(),
            |t| t.format("%Y-%m-%d %H:%M").to_string(),
        )
    };
    println!(
        "{:<6} {:<20} {:<14} {:<17} {:<17} STATE",
        "ID", "NAME", "PREFIX", "CREATED", "LAST USED"
    );
    for token in tokens {
        let state = if token.revoked_at.is_some() {
            "revoked"
        } else {
            "active"
        };
        println!(
            "{:<6} {:<20} {:<14} {:<17} {:<17} {state}",
            token.id,
            token.name,
            token.prefix,
            time(Some(token.created_at)),
            time(token.last_used_at)
        );
    }
}

async fn create_user(
    store: &dyn Store,
    email: &str,
    membership: Option<(String, String)>,
) -> anyhow::Result<()> {
    if !email.contains('@') {
        bail!("{email:?} is not an email address");
    }
    let membership = match membership {
        Some((account, role)) => Some((account, parse_role(&role).map_err(anyhow::Error::msg)?)),
        None => None,
    };
    let user = store
        .create_user(email)
        .await
        .with_context(|| format!("cannot create user `{email}`"))?;
    if let Some((account, role)) = membership {
        store.ensure_account(&account).await?;
        store.set_role(&account, user.id, role).await?;
        eprintln!("`{email}` is {role} of account `{account}`");
    }
    let (_, token) = create_user_token(store, user.id, "admin-cli").await?;
    eprintln!("personal token of `{email}` (shown once):");
    println!("{token}");
    Ok(())
}

/// `account/project`, both valid slugs.
fn split_project(text: &str) -> anyhow::Result<(&str, &str)> {
    let Some((account, project)) = text.split_once('/') else {
        bail!("{text:?} names no account; write ACCOUNT/PROJECT, e.g. acme/images");
    };
    check_slug("account", account).map_err(anyhow::Error::msg)?;
    check_slug("project", project).map_err(anyhow::Error::msg)?;
    Ok((account, project))
}

async fn existing_project(store: &dyn Store, account: &str, slug: &str) -> anyhow::Result<Uuid> {
    let projects = store.list_projects(account).await?;
    match projects.into_iter().find(|p| p.slug == slug) {
        Some(project) => Ok(project.id),
        None => bail!("no project `{account}/{slug}`; create it with `admin create-project`"),
    }
}
