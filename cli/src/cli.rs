//! The command-line definition: one source for help, completions and the man page.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Run Python scripts and container jobs on a grid of worker nodes, from the terminal.
///
/// With no server configured, rgrid runs jobs on a local grid on this machine (started on
/// demand). Point it at a shared grid with `--server URL` or `RGRID_SERVER`, and the key in
/// `RGRID_API_KEY`.
#[derive(Debug, Parser)]
#[command(
    name = "rgrid",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// URL of an rgrid server; without it, the local grid on this machine. Also
    /// `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`).
    #[arg(long, global = true, value_name = "URL")]
    pub server: Option<String>,

    /// Which saved login to use (see `rgrid login`).
    #[arg(long, global = true, env = "RGRID_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never.
    /// Also `RGRID_COLOR` or `color` in a config file; default auto.
    #[arg(long, global = true, value_enum)]
    pub color: Option<ColorChoice>,

    /// Print only the job's own output and errors, nothing from rgrid itself. Also
    /// `RGRID_QUIET=1` or `quiet = true` in a config file.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a Python script on the grid: upload it and its inputs, stream its logs, download
    /// the files it wrote. Exits with the script's exit code.
    Run(Box<RunArgs>),
    /// Submit a JobSpec v1 file (`-` for standard input): any image, any command.
    Submit(SubmitArgs),
    /// Show a job's or a batch's status.
    Status(JobArgs),
    /// Print a job's logs; `--follow` waits for more until the job ends.
    Logs(LogsArgs),
    /// List recent jobs, newest first.
    List(ListArgs),
    /// List a job's output files with their sizes and fresh download URLs.
    Outputs(JobArgs),
    /// Download a job's output files.
    Download(DownloadArgs),
    /// Cancel a queued or running job, or every job of a batch with `--batch`.
    Cancel(CancelArgs),
    /// Run a finished job again (succeeded, failed or cancelled), as a new attempt with the
    /// retries its spec allows.
    Retry(JobArgs),
    /// Watch the grid live: job counts, throughput, nodes, jobs; open a job's logs, cancel.
    Top,
    /// Show the settings in effect and where each comes from.
    Config(ConfigArgs),
    /// List the grid's nodes with state, age, jobs and cost; `drain ID` stops one taking jobs,
    /// `revoke ID` cuts it off (needs an operator key `rgo_…`; the local grid's own key is one).
    Nodes(NodesArgs),
    /// Show what the grid cost per day and per project: every project with an operator key,
    /// your own project's share with a project key.
    Cost(CostArgs),
    /// Run the local grid (server and runner) in the foreground.
    Dev(DevArgs),
    /// Save a server and key (read from a prompt, or stdin with --with-token): a project key
    /// `rg_…`, an operator key `rgo_…` or a personal token `rgu_…`.
    Login(LoginArgs),
    /// Forget the saved server and key of a profile.
    Logout,
    /// Show which server, account, project and role the key in use gives.
    Whoami(WhoamiArgs),
    /// Manage the current project's API keys (needs an admin key).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// List or create an account's projects (needs a personal `rgu_` token).
    #[command(subcommand)]
    Projects(ProjectsCommand),
    /// List, create or revoke your personal tokens (needs a personal `rgu_` token).
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Write man pages into a directory (the project keeps them in docs/man).
    #[command(hide = true)]
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Read the key from standard input instead of a prompt (for scripts and CI).
    #[arg(long)]
    pub with_token: bool,
}

#[derive(Debug, Args)]
pub struct WhoamiArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the project's keys: id, name, role, prefix, created, last used.
    List {
        /// Print JSON Lines, one key per line.
        #[arg(long)]
        json: bool,
    },
    /// Create a key and print it once.
    Create {
        /// A name to tell it by, e.g. ci or laptop.
        name: String,
        /// admin, developer or viewer (owner is an account role, not a key's).
        #[arg(
            long,
            default_value = "developer",
            value_parser = ["admin", "developer", "viewer"]
        )]
        role: String,
        /// Print `{"key": {…}, "secret": "…"}`.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by id; requests with it fail from then on.
    Revoke {
        /// The id `rgrid keys list` shows.
        id: i64,
        /// Print the revoked key as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// List your personal tokens: id, name, prefix, created, last used.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create a personal token and print it once.
    Create {
        /// A name to tell it by, e.g. laptop.
        name: String,
        /// Print JSON: the token and its secret.
        #[arg(long)]
        json: bool,
    },
    /// Revoke one of your personal tokens by id; requests with it fail from then on.
    Revoke {
        /// The id `rgrid tokens list` shows.
        id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectsCommand {
    /// List the account's projects.
    List {
        /// The account's name.
        #[arg(long)]
        account: String,
        /// Print JSON Lines, one project per line.
        #[arg(long)]
        json: bool,
    },
    /// Create a project and print its first key (role admin) once.
    Create {
        /// The project's name: lower-case letters, digits and `-`.
        name: String,
        /// The account's name.
        #[arg(long)]
        account: String,
        /// Print `{"project": {…}, "key": {"key": {…}, "secret": "…"}}`.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The Python script to run.
    #[arg(value_name = "SCRIPT")]
    pub script: PathBuf,

    /// Arguments for the script; local files among them are uploaded as inputs. rgrid's own
    /// flags may come before or after them; put arguments that start with `-` after `--`.
    #[arg(value_name = "ARGS")]
    pub args: Vec<String>,

    /// requirements.txt to install first (default: one next to the script, if any).
    #[arg(long = "req", short = 'r', value_name = "FILE")]
    pub requirements: Option<PathBuf>,

    /// Container image to run in [default: python:3.11-slim; also `RGRID_RUNTIME`, `runtime`
    /// in .rgrid.toml or the user config].
    #[arg(long, value_name = "IMAGE")]
    pub runtime: Option<String>,

    /// CPU limit in cores: 1, 0.5 or 500m [also `RGRID_CPU`, `cpu` in a config file].
    #[arg(long, value_name = "N")]
    pub cpu: Option<String>,

    /// Memory limit: 512Mi, 2Gi [also `RGRID_MEMORY`, `memory` in a config file].
    #[arg(long, value_name = "SIZE")]
    pub memory: Option<String>,

    /// Kill the job after this many seconds [default: 3600; also `RGRID_TIMEOUT`, `timeout` in
    /// a config file].
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,

    /// Environment variable for the job, KEY=VALUE (repeatable).
    #[arg(long = "env", short = 'e', value_name = "KEY=VALUE")]
    pub env: Vec<String>,

    /// Let the job use the network (off by default).
    #[arg(long)]
    pub network: bool,

    /// Attempts after a failed first one. `rgrid run` fails fast by default.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub retries: u32,

    /// Where to put the job's output files [default: the working directory, with --batch
    /// `outputs/`; also `RGRID_OUTPUT_DIR`, `output_dir` in a config file].
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    /// Overwrite local files that differ from the job's outputs.
    #[arg(long)]
    pub force: bool,

    /// Submit and return at once with the job id.
    #[arg(long, short = 'd')]
    pub detach: bool,

    /// Leave the outputs on the grid; `rgrid download ID` fetches them later.
    #[arg(long)]
    pub remote_only: bool,

    /// JSON on stdout: with --detach the job (or batch) as one object; otherwise JSON Lines,
    /// one event per line (submitted, status, log, output, finished). See docs/cli.md.
    #[arg(long)]
    pub json: bool,

    /// Run the script once per file matching this glob (quote it: 'data/*.csv'). Each job gets
    /// its file as the first argument; outputs land in `outputs/<file stem>/` (or
    /// `-o DIR/<file stem>/`).
    #[arg(long, value_name = "GLOB")]
    pub batch: Option<String>,

    /// With --batch: at most N of the batch's jobs run at once.
    #[arg(
        long,
        value_name = "N",
        requires = "batch",
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub parallel: Option<u32>,

    /// With --batch: every job's outputs straight into the output directory, no
    /// `<file stem>/` folders.
    #[arg(long, requires = "batch")]
    pub flat: bool,

    #[command(flatten)]
    pub log_format: LogFormatArgs,

    /// Which settings came from the environment or a config file instead of a flag: (setting,
    /// source), for messages about their values.
    #[arg(skip)]
    pub from_settings: Vec<(&'static str, String)>,
}

/// How followed logs are shown.
#[derive(Debug, Clone, Copy, Args)]
pub struct LogFormatArgs {
    /// Start each line of output with the time it was written (UTC, milliseconds).
    #[arg(long)]
    pub timestamps: bool,

    /// Start each line of output with its stream: `out|` or `err|`.
    #[arg(long)]
    pub prefix: bool,
}

#[derive(Debug, Args)]
pub struct NodesArgs {
    #[command(subcommand)]
    pub action: Option<NodesAction>,
    /// Print JSON Lines, one node per line.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum NodesAction {
    /// Let the node finish its running jobs, give it no new ones, then remove it.
    Drain {
        /// The node id, as `rgrid nodes` shows it.
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Revoke the node's token at once: its runner is refused from its next call, its running
    /// jobs are retried elsewhere.
    Revoke {
        /// The node id, as `rgrid nodes` shows it.
        #[arg(value_name = "ID")]
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct CostArgs {
    /// How many days back, today included (1 to 366, as the server allows).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub days: u32,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// A JobSpec v1 JSON file, or `-` for standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Follow the job's logs until it ends, and exit with its exit code.
    #[arg(long, short)]
    pub follow: bool,

    /// Print the job as JSON; with --follow, JSON Lines events as `rgrid run --json` does.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JobArgs {
    /// The job id (a prefix is not enough: give the whole id).
    #[arg(value_name = "ID")]
    pub id: String,

    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The job id (a prefix is not enough: give the whole id).
    #[arg(
        value_name = "ID",
        required_unless_present = "batch",
        conflicts_with = "batch"
    )]
    pub id: Option<String>,

    /// Cancel every job of this batch at once: queued ones now, running ones within seconds.
    #[arg(long, value_name = "BATCH_ID")]
    pub batch: Option<String>,

    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    #[arg(value_name = "ID")]
    pub id: String,

    /// Keep printing new output until the job ends.
    #[arg(long, short)]
    pub follow: bool,

    /// Print JSON Lines, one chunk per line (`{"type":"log",…}`), and `{"type":"end",…}`
    /// once the job has ended.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub log_format: LogFormatArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only jobs with this status: queued, running, succeeded, failed, cancelled.
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,

    /// At most this many jobs (1 to 1000, as the server allows).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,

    /// Only the jobs of this batch (as `rgrid run --batch` printed it).
    #[arg(long, value_name = "BATCH")]
    pub batch: Option<String>,

    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DownloadArgs {
    #[arg(value_name = "ID")]
    pub id: String,

    /// Directory to download into.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// Overwrite local files that differ.
    #[arg(long)]
    pub force: bool,

    /// Print JSON Lines, one file per line: `{"path": …, "state": …}`.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DevArgs {
    /// Address for the local grid's API.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: String,

    /// Stop after this many seconds with no jobs and no requests (0: never). The grid that
    /// `rgrid run` starts on demand uses 600.
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    pub idle_timeout: u64,

    /// Job slots (default: one per CPU).
    #[arg(long, value_name = "N")]
    pub slots: Option<u32>,

    /// Started by `rgrid run` in the background (no banner).
    #[arg(long, hide = true)]
    pub background: bool,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print each setting, its value and its source (flag, environment, file, default).
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Directory to write `rgrid.1` and `rgrid-<command>.1` into.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
