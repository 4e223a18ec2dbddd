//! `rgrid`: run Python scripts and container jobs on a grid, from the terminal.

mod cli;
mod client;
mod commands;
mod credentials;
mod download;
mod exit;
mod follow;
#[cfg(feature = "embedded")]
mod local_grid;
mod outcome;
mod printer;
mod progress;
mod run_events;
mod settings;
mod stream;
mod target;
mod top;
mod ui;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::client::ClientError;
use crate::settings::Settings;
use crate::ui::Ui;

/// A mistake on the command line or in a local file: exit code 2, message names the thing.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn main() {
    quiet_on_broken_pipe();
    let cli = Cli::parse();
    let settings = match settings::load(&cli.global, &settings::Environment::real()) {
        Ok(settings) => settings,
        Err(err) => {
            Ui::new(cli::ColorChoice::Auto, false).error(err.0);
            std::process::exit(exit::USAGE);
        }
    };
    let ui = Ui::new(settings.color.value, settings.quiet.value);
    init_tracing(&cli.command);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            ui.error(format!("cannot start the async runtime: {err}"));
            std::process::exit(exit::INTERNAL);
        }
    };
    let code = match runtime.block_on(dispatch(cli, &settings, &ui)) {
        Ok(code) => code,
        Err(err) => report(&err, &ui),
    };
    // Do not wait for background tasks (a detached follower, idle connections).
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    std::process::exit(code);
}

async fn dispatch(cli: Cli, settings: &Settings, ui: &Ui) -> anyhow::Result<i32> {
    match cli.command {
        Command::Completions(args) => commands::completions::run(args),
        Command::Man(args) => commands::man::run(args),
        #[cfg(feature = "embedded")]
        Command::Dev(args) => commands::dev::run(args, ui).await,
        #[cfg(not(feature = "embedded"))]
        Command::Dev(_) => Err(UsageError("this build of rgrid has no local grid".into()).into()),
        Command::Run(args) => {
            if args.batch.is_some() && args.json && !args.detach {
                // Not built: a JSON event stream for a whole batch (see docs/cli.md).
                return Err(UsageError(
                    "`--json` with `--batch` needs `--detach`; then follow the batch with \
                     `rgrid status BATCH --json` or `rgrid list --batch BATCH --json`"
                        .into(),
                )
                .into());
            }
            let args = commands::run::with_settings(*args, settings);
            // Check local files before starting or contacting any grid.
            let plan = commands::run::plan(&args, ui)?;
            let target = target::connect(settings, ui).await?;
            target::require_project_key(&target.client, "run")?;
            match args.batch.clone() {
                Some(pattern) => commands::batch::run(args, &pattern, plan, target, ui).await,
                None => commands::run::run(args, plan, target, ui).await,
            }
        }
        Command::Submit(args) => {
            let target = target::connect(settings, ui).await?;
            target::require_project_key(&target.client, "submit")?;
            commands::submit::run(args, target, ui).await
        }
        Command::Status(args) => {
            commands::jobs::parse_id(&args.id)?;
            commands::jobs::status(args, target::connect(settings, ui).await?).await
        }
        Command::Logs(args) => {
            commands::jobs::parse_id(&args.id)?;
            commands::jobs::logs(args, target::connect(settings, ui).await?, ui).await
        }
        Command::List(args) => {
            commands::jobs::list(args, target::connect(settings, ui).await?).await
        }
        Command::Outputs(args) => {
            commands::jobs::parse_id(&args.id)?;
            commands::jobs::outputs(args, target::connect(settings, ui).await?, ui).await
        }
        Command::Download(args) => {
            commands::jobs::parse_id(&args.id)?;
            commands::jobs::download(args, target::connect(settings, ui).await?, ui).await
        }
        Command::Top => top::run(target::connect(settings, ui).await?.client, ui).await,
        Command::Config(args) => commands::config::run(args, settings).await,
        Command::Nodes(args) => {
            commands::nodes::run(args, target::connect(settings, ui).await?, ui).await
        }
        Command::Cost(args) => {
            commands::nodes::cost(args, target::connect(settings, ui).await?).await
        }
        Command::Login(args) => commands::access::login(args, settings, ui).await,
        Command::Logout => commands::access::logout(settings, ui).await,
        Command::Whoami(args) => commands::access::whoami(args, settings, ui).await,
        Command::Keys(command) => {
            commands::access::keys(command, target::connect(settings, ui).await?).await
        }
        Command::Projects(command) => {
            commands::access::projects(command, target::connect(settings, ui).await?).await
        }
        Command::Tokens(command) => {
            commands::access::tokens(command, target::connect(settings, ui).await?).await
        }
        Command::Cancel(args) => {
            let what = commands::jobs::cancel_target(&args)?;
            commands::jobs::cancel(what, args.json, target::connect(settings, ui).await?, ui).await
        }
        Command::Retry(args) => {
            commands::jobs::parse_id(&args.id)?;
            commands::jobs::retry(args, target::connect(settings, ui).await?, ui).await
        }
    }
}

/// Prints the error in rgrid's one voice and picks the exit code for it.
fn report(err: &anyhow::Error, ui: &Ui) -> i32 {
    if err.downcast_ref::<commands::run::Detached>().is_some() {
        return exit::CANCELLED;
    }
    if is_broken_pipe(err) {
        // The reader of our output went away (`rgrid list | head -1`): stop quietly, as
        // other Unix tools do.
        return exit::OK;
    }
    let code = if err.downcast_ref::<UsageError>().is_some() {
        exit::USAGE
    } else if let Some(client) = err.downcast_ref::<ClientError>() {
        match client {
            ClientError::Unreachable { .. } => exit::UNREACHABLE,
            ClientError::Unauthorized { .. } | ClientError::Forbidden { .. } => exit::AUTH,
            ClientError::InvalidSpec { .. } | ClientError::File { .. } => exit::USAGE,
            ClientError::NotFound { .. } | ClientError::Api { .. } | ClientError::Gone { .. } => {
                exit::INTERNAL
            }
        }
    } else {
        exit::INTERNAL
    };
    let mut message = format!("{err:#}");
    if code == exit::UNREACHABLE {
        message.push_str("; is the server running? Check `--server` / `RGRID_SERVER`");
    }
    ui.error(message);
    code
}

/// Whether the error comes from writing to a pipe whose reader has closed it.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `print!` panics when stdout is a pipe closed by its reader; exit quietly instead of
/// printing a panic. The default SIGPIPE action is not restored because it would also kill
/// the local grid on a closed Docker socket or a job's closed stdin.
fn quiet_on_broken_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("Broken pipe") || message.contains("os error 32") {
            std::process::exit(exit::OK);
        }
        default_hook(info);
    }));
}

/// rgrid's own diagnostics go to stderr only when asked (`RUST_LOG`); the local grid logs
/// at info to its log file.
fn init_tracing(command: &Command) {
    if matches!(command, Command::Top) {
        // The screen belongs to the monitor: its diagnostics go to a file, and only on demand.
        init_file_tracing();
        return;
    }
    let default = if matches!(command, Command::Dev(_)) {
        "info"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

/// `rgrid top` logs to `rgrid-top.log` in the temporary directory when `RUST_LOG` is set.
fn init_file_tracing() {
    let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG") else {
        return;
    };
    let path = std::env::temp_dir().join("rgrid-top.log");
    let Ok(file) = std::fs::File::create(path) else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init();
}
