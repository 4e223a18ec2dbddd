//! `rgrid-server admin …`: set up tenants on a fresh deployment and mint bootstrap tokens,
//! straight on the database (no running server needed). Part of the binary, not the library.
//!
//! A secret a command makes goes to stdout alone, so `$(rgrid-server admin …)` captures it;
//! what it is and how to use it goes to stderr.

use std::time::Duration;

use anyhow::{bail, Context};
use clap::Subcommand;
use rgrid_server::access::{
    check_slug, create_api_key, create_user_token, mint_bootstrap_token, parse_role,
};
use rgrid_server::store::{connect_store, Role, Store};
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
    }
    Ok(())
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
    let token = create_user_token(store, user.id).await?;
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
