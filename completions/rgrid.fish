# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rgrid_global_optspecs
    string join \n server= profile= color= q/quiet h/help V/version
end

function __fish_rgrid_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rgrid_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rgrid_using_subcommand
    set -l cmd (__fish_rgrid_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rgrid -n "__fish_rgrid_needs_command" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_needs_command" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_needs_command" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_needs_command" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rgrid -n "__fish_rgrid_needs_command" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "run" -d 'Run a Python script on the grid: upload it and its inputs, stream its logs, download the files it wrote. Exits with the script\'s exit code'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "submit" -d 'Submit a JobSpec v1 file (`-` for standard input): any image, any command'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "status" -d 'Show a job\'s or a batch\'s status'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "logs" -d 'Print a job\'s logs; `--follow` waits for more until the job ends'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "list" -d 'List recent jobs, newest first'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "outputs" -d 'List a job\'s output files with their sizes and fresh download URLs'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "download" -d 'Download a job\'s output files'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "cancel" -d 'Cancel a queued or running job, or every job of a batch with `--batch`'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "retry" -d 'Run a finished job again (succeeded, failed or cancelled), as a new attempt with the retries its spec allows'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "top" -d 'Watch the grid live: job counts, throughput, nodes, jobs; open a job\'s logs, cancel'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "config" -d 'Show the settings in effect and where each comes from'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "nodes" -d 'List the grid\'s nodes with state, age, jobs and cost; `drain ID` stops one taking jobs, `revoke ID` cuts it off (needs an operator key `rgo_…`; the local grid\'s own key is one)'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "cost" -d 'Show what the grid cost per day and per project: every project with an operator key, your own project\'s share with a project key'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "dev" -d 'Run the local grid (server and runner) in the foreground'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "login" -d 'Save a server and key (read from a prompt, or stdin with --with-token): a project key `rg_…`, an operator key `rgo_…` or a personal token `rgu_…`'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "logout" -d 'Forget the saved server and key of a profile'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "whoami" -d 'Show which server, account, project and role the key in use gives'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "keys" -d 'Manage the current project\'s API keys (needs an admin key)'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "projects" -d 'List or create an account\'s projects (needs a personal `rgu_` token)'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "tokens" -d 'List, create or revoke your personal tokens (needs a personal `rgu_` token)'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "man" -d 'Write man pages into a directory (the project keeps them in docs/man)'
complete -c rgrid -n "__fish_rgrid_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -s r -l req -d 'requirements.txt to install first (default: one next to the script, if any)' -r -F
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l runtime -d 'Container image to run in [default: python:3.11-slim; also `RGRID_RUNTIME`, `runtime` in .rgrid.toml or the user config]' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l cpu -d 'CPU limit in cores: 1, 0.5 or 500m [also `RGRID_CPU`, `cpu` in a config file]' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l memory -d 'Memory limit: 512Mi, 2Gi [also `RGRID_MEMORY`, `memory` in a config file]' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l timeout -d 'Kill the job after this many seconds [default: 3600; also `RGRID_TIMEOUT`, `timeout` in a config file]' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -s e -l env -d 'Environment variable for the job, KEY=VALUE (repeatable)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l retries -d 'Attempts after a failed first one. `rgrid run` fails fast by default' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -s o -l output-dir -d 'Where to put the job\'s output files [default: the working directory, with --batch `outputs/`; also `RGRID_OUTPUT_DIR`, `output_dir` in a config file]' -r -F
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l batch -d 'Run the script once per file matching this glob (quote it: \'data/*.csv\'). Each job gets its file as the first argument; outputs land in `outputs/<file stem>/` (or `-o DIR/<file stem>/`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l parallel -d 'With --batch: at most N of the batch\'s jobs run at once' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l network -d 'Let the job use the network (off by default)'
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l force -d 'Overwrite local files that differ from the job\'s outputs'
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -s d -l detach -d 'Submit and return at once with the job id'
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l remote-only -d 'Leave the outputs on the grid; `rgrid download ID` fetches them later'
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l json -d 'JSON on stdout: with --detach the job (or batch) as one object; otherwise JSON Lines, one event per line (submitted, status, log, output, finished). See docs/cli.md'
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l flat -d 'With --batch: every job\'s outputs straight into the output directory, no `<file stem>/` folders'
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l timestamps -d 'Start each line of output with the time it was written (UTC, milliseconds)'
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -l prefix -d 'Start each line of output with its stream: `out|` or `err|`'
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand run" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand submit" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand submit" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand submit" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand submit" -s f -l follow -d 'Follow the job\'s logs until it ends, and exit with its exit code'
complete -c rgrid -n "__fish_rgrid_using_subcommand submit" -l json -d 'Print the job as JSON; with --follow, JSON Lines events as `rgrid run --json` does'
complete -c rgrid -n "__fish_rgrid_using_subcommand submit" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand submit" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand submit" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand status" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand status" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand status" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand status" -l json -d 'Print JSON'
complete -c rgrid -n "__fish_rgrid_using_subcommand status" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand status" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand status" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand logs" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand logs" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand logs" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand logs" -s f -l follow -d 'Keep printing new output until the job ends'
complete -c rgrid -n "__fish_rgrid_using_subcommand logs" -l json -d 'Print JSON Lines, one chunk per line (`{"type":"log",…}`), and `{"type":"end",…}` once the job has ended'
complete -c rgrid -n "__fish_rgrid_using_subcommand logs" -l timestamps -d 'Start each line of output with the time it was written (UTC, milliseconds)'
complete -c rgrid -n "__fish_rgrid_using_subcommand logs" -l prefix -d 'Start each line of output with its stream: `out|` or `err|`'
complete -c rgrid -n "__fish_rgrid_using_subcommand logs" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand logs" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand logs" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand list" -l status -d 'Only jobs with this status: queued, running, succeeded, failed, cancelled' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand list" -l limit -d 'At most this many jobs (1 to 1000, as the server allows)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand list" -l batch -d 'Only the jobs of this batch (as `rgrid run --batch` printed it)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand list" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand list" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand list" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand list" -l json -d 'Print JSON'
complete -c rgrid -n "__fish_rgrid_using_subcommand list" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand list" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand list" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand outputs" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand outputs" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand outputs" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand outputs" -l json -d 'Print JSON'
complete -c rgrid -n "__fish_rgrid_using_subcommand outputs" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand outputs" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand outputs" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand download" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand download" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand download" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand download" -l force -d 'Overwrite local files that differ'
complete -c rgrid -n "__fish_rgrid_using_subcommand download" -l json -d 'Print JSON Lines, one file per line: `{"path": …, "state": …}`'
complete -c rgrid -n "__fish_rgrid_using_subcommand download" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand download" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand download" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand cancel" -l batch -d 'Cancel every job of this batch at once: queued ones now, running ones within seconds' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand cancel" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand cancel" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand cancel" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand cancel" -l json -d 'Print JSON'
complete -c rgrid -n "__fish_rgrid_using_subcommand cancel" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand cancel" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand cancel" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand retry" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand retry" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand retry" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand retry" -l json -d 'Print JSON'
complete -c rgrid -n "__fish_rgrid_using_subcommand retry" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand retry" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand retry" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand top" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand top" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand top" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand top" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand top" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand top" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and not __fish_seen_subcommand_from show help" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and not __fish_seen_subcommand_from show help" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and not __fish_seen_subcommand_from show help" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and not __fish_seen_subcommand_from show help" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and not __fish_seen_subcommand_from show help" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'Print each setting, its value and its source (flag, environment, file, default)'
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and __fish_seen_subcommand_from show" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and __fish_seen_subcommand_from show" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and __fish_seen_subcommand_from show" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Print JSON'
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print each setting, its value and its source (flag, environment, file, default)'
complete -c rgrid -n "__fish_rgrid_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and not __fish_seen_subcommand_from drain revoke help" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and not __fish_seen_subcommand_from drain revoke help" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and not __fish_seen_subcommand_from drain revoke help" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and not __fish_seen_subcommand_from drain revoke help" -l json -d 'Print JSON Lines, one node per line'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and not __fish_seen_subcommand_from drain revoke help" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and not __fish_seen_subcommand_from drain revoke help" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and not __fish_seen_subcommand_from drain revoke help" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and not __fish_seen_subcommand_from drain revoke help" -f -a "drain" -d 'Let the node finish its running jobs, give it no new ones, then remove it'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and not __fish_seen_subcommand_from drain revoke help" -f -a "revoke" -d 'Revoke the node\'s token at once: its runner is refused from its next call, its running jobs are retried elsewhere'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and not __fish_seen_subcommand_from drain revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from drain" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from drain" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from drain" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from drain" -l json -d 'Print JSON Lines, one node per line'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from drain" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from drain" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from drain" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from revoke" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from revoke" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from revoke" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from revoke" -l json -d 'Print JSON Lines, one node per line'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from help" -f -a "drain" -d 'Let the node finish its running jobs, give it no new ones, then remove it'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke the node\'s token at once: its runner is refused from its next call, its running jobs are retried elsewhere'
complete -c rgrid -n "__fish_rgrid_using_subcommand nodes; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rgrid -n "__fish_rgrid_using_subcommand cost" -l days -d 'How many days back, today included (1 to 366, as the server allows)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand cost" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand cost" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand cost" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand cost" -l json -d 'Print the report as JSON'
complete -c rgrid -n "__fish_rgrid_using_subcommand cost" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand cost" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand cost" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand dev" -l listen -d 'Address for the local grid\'s API' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand dev" -l idle-timeout -d 'Stop after this many seconds with no jobs and no requests (0: never). The grid that `rgrid run` starts on demand uses 600' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand dev" -l slots -d 'Job slots (default: one per CPU)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand dev" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand dev" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand dev" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand dev" -l background -d 'Started by `rgrid run` in the background (no banner)'
complete -c rgrid -n "__fish_rgrid_using_subcommand dev" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand dev" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand dev" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand login" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand login" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand login" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand login" -l with-token -d 'Read the key from standard input instead of a prompt (for scripts and CI)'
complete -c rgrid -n "__fish_rgrid_using_subcommand login" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand login" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand login" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand logout" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand logout" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand logout" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand logout" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand logout" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand logout" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand whoami" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand whoami" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand whoami" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand whoami" -l json -d 'Print JSON'
complete -c rgrid -n "__fish_rgrid_using_subcommand whoami" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand whoami" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand whoami" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and not __fish_seen_subcommand_from list create revoke help" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and not __fish_seen_subcommand_from list create revoke help" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and not __fish_seen_subcommand_from list create revoke help" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and not __fish_seen_subcommand_from list create revoke help" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and not __fish_seen_subcommand_from list create revoke help" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and not __fish_seen_subcommand_from list create revoke help" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and not __fish_seen_subcommand_from list create revoke help" -f -a "list" -d 'List the project\'s keys: id, name, role, prefix, created, last used'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and not __fish_seen_subcommand_from list create revoke help" -f -a "create" -d 'Create a key and print it once'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and not __fish_seen_subcommand_from list create revoke help" -f -a "revoke" -d 'Revoke a key by id; requests with it fail from then on'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and not __fish_seen_subcommand_from list create revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from list" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from list" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from list" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from list" -l json -d 'Print JSON Lines, one key per line'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from create" -l role -d 'admin, developer or viewer (owner is an account role, not a key\'s)' -r -f -a "admin\t''
developer\t''
viewer\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from create" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from create" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from create" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from create" -l json -d 'Print `{"key": {…}, "secret": "…"}`'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from revoke" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from revoke" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from revoke" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from revoke" -l json -d 'Print the revoked key as JSON'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the project\'s keys: id, name, role, prefix, created, last used'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a key and print it once'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a key by id; requests with it fail from then on'
complete -c rgrid -n "__fish_rgrid_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and not __fish_seen_subcommand_from list create help" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and not __fish_seen_subcommand_from list create help" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and not __fish_seen_subcommand_from list create help" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and not __fish_seen_subcommand_from list create help" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and not __fish_seen_subcommand_from list create help" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and not __fish_seen_subcommand_from list create help" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and not __fish_seen_subcommand_from list create help" -f -a "list" -d 'List the account\'s projects'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and not __fish_seen_subcommand_from list create help" -f -a "create" -d 'Create a project and print its first key (role admin) once'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and not __fish_seen_subcommand_from list create help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from list" -l account -d 'The account\'s name' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from list" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from list" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from list" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from list" -l json -d 'Print JSON Lines, one project per line'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from create" -l account -d 'The account\'s name' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from create" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from create" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from create" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from create" -l json -d 'Print `{"project": {…}, "key": {"key": {…}, "secret": "…"}}`'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the account\'s projects'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a project and print its first key (role admin) once'
complete -c rgrid -n "__fish_rgrid_using_subcommand projects; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and not __fish_seen_subcommand_from list create revoke help" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and not __fish_seen_subcommand_from list create revoke help" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and not __fish_seen_subcommand_from list create revoke help" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and not __fish_seen_subcommand_from list create revoke help" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and not __fish_seen_subcommand_from list create revoke help" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and not __fish_seen_subcommand_from list create revoke help" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and not __fish_seen_subcommand_from list create revoke help" -f -a "list" -d 'List your personal tokens: id, name, prefix, created, last used'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and not __fish_seen_subcommand_from list create revoke help" -f -a "create" -d 'Create a personal token and print it once'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and not __fish_seen_subcommand_from list create revoke help" -f -a "revoke" -d 'Revoke one of your personal tokens by id; requests with it fail from then on'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and not __fish_seen_subcommand_from list create revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from list" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from list" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from list" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from list" -l json -d 'Print JSON'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from create" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from create" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from create" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from create" -l json -d 'Print JSON: the token and its secret'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from revoke" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from revoke" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from revoke" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from revoke" -l json -d 'Print JSON'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from help" -f -a "list" -d 'List your personal tokens: id, name, prefix, created, last used'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a personal token and print it once'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke one of your personal tokens by id; requests with it fail from then on'
complete -c rgrid -n "__fish_rgrid_using_subcommand tokens; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rgrid -n "__fish_rgrid_using_subcommand completions" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand completions" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand completions" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand completions" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand completions" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand completions" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand man" -l server -d 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand man" -l profile -d 'Which saved login to use (see `rgrid login`)' -r
complete -c rgrid -n "__fish_rgrid_using_subcommand man" -l color -d 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rgrid -n "__fish_rgrid_using_subcommand man" -s q -l quiet -d 'Print only the job\'s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
complete -c rgrid -n "__fish_rgrid_using_subcommand man" -s h -l help -d 'Print help'
complete -c rgrid -n "__fish_rgrid_using_subcommand man" -s V -l version -d 'Print version'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "run" -d 'Run a Python script on the grid: upload it and its inputs, stream its logs, download the files it wrote. Exits with the script\'s exit code'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "submit" -d 'Submit a JobSpec v1 file (`-` for standard input): any image, any command'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "status" -d 'Show a job\'s or a batch\'s status'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "logs" -d 'Print a job\'s logs; `--follow` waits for more until the job ends'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "list" -d 'List recent jobs, newest first'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "outputs" -d 'List a job\'s output files with their sizes and fresh download URLs'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "download" -d 'Download a job\'s output files'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "cancel" -d 'Cancel a queued or running job, or every job of a batch with `--batch`'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "retry" -d 'Run a finished job again (succeeded, failed or cancelled), as a new attempt with the retries its spec allows'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "top" -d 'Watch the grid live: job counts, throughput, nodes, jobs; open a job\'s logs, cancel'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "config" -d 'Show the settings in effect and where each comes from'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "nodes" -d 'List the grid\'s nodes with state, age, jobs and cost; `drain ID` stops one taking jobs, `revoke ID` cuts it off (needs an operator key `rgo_…`; the local grid\'s own key is one)'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "cost" -d 'Show what the grid cost per day and per project: every project with an operator key, your own project\'s share with a project key'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "dev" -d 'Run the local grid (server and runner) in the foreground'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "login" -d 'Save a server and key (read from a prompt, or stdin with --with-token): a project key `rg_…`, an operator key `rgo_…` or a personal token `rgu_…`'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "logout" -d 'Forget the saved server and key of a profile'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "whoami" -d 'Show which server, account, project and role the key in use gives'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "keys" -d 'Manage the current project\'s API keys (needs an admin key)'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "projects" -d 'List or create an account\'s projects (needs a personal `rgu_` token)'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "tokens" -d 'List, create or revoke your personal tokens (needs a personal `rgu_` token)'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "man" -d 'Write man pages into a directory (the project keeps them in docs/man)'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and not __fish_seen_subcommand_from run submit status logs list outputs download cancel retry top config nodes cost dev login logout whoami keys projects tokens completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print each setting, its value and its source (flag, environment, file, default)'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and __fish_seen_subcommand_from nodes" -f -a "drain" -d 'Let the node finish its running jobs, give it no new ones, then remove it'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and __fish_seen_subcommand_from nodes" -f -a "revoke" -d 'Revoke the node\'s token at once: its runner is refused from its next call, its running jobs are retried elsewhere'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "list" -d 'List the project\'s keys: id, name, role, prefix, created, last used'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "create" -d 'Create a key and print it once'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "revoke" -d 'Revoke a key by id; requests with it fail from then on'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and __fish_seen_subcommand_from projects" -f -a "list" -d 'List the account\'s projects'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and __fish_seen_subcommand_from projects" -f -a "create" -d 'Create a project and print its first key (role admin) once'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and __fish_seen_subcommand_from tokens" -f -a "list" -d 'List your personal tokens: id, name, prefix, created, last used'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and __fish_seen_subcommand_from tokens" -f -a "create" -d 'Create a personal token and print it once'
complete -c rgrid -n "__fish_rgrid_using_subcommand help; and __fish_seen_subcommand_from tokens" -f -a "revoke" -d 'Revoke one of your personal tokens by id; requests with it fail from then on'
