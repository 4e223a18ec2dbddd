
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'rgrid' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'rgrid'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'rgrid' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a Python script on the grid: upload it and its inputs, stream its logs, download the files it wrote. Exits with the script''s exit code')
            [CompletionResult]::new('submit', 'submit', [CompletionResultType]::ParameterValue, 'Submit a JobSpec v1 file (`-` for standard input): any image, any command')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a job''s or a batch''s status')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print a job''s logs; `--follow` waits for more until the job ends')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List recent jobs, newest first')
            [CompletionResult]::new('outputs', 'outputs', [CompletionResultType]::ParameterValue, 'List a job''s output files with their sizes and fresh download URLs')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download a job''s output files')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a queued or running job, or every job of a batch with `--batch`')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Run a finished job again (succeeded, failed or cancelled), as a new attempt with the retries its spec allows')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'Watch the grid live: job counts, throughput, nodes, jobs; open a job''s logs, cancel')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the settings in effect and where each comes from')
            [CompletionResult]::new('nodes', 'nodes', [CompletionResultType]::ParameterValue, 'List the grid''s nodes with state, age, jobs and cost; `drain ID` stops one taking jobs, `revoke ID` cuts it off (needs an operator key `rgo_…`; the local grid''s own key is one)')
            [CompletionResult]::new('cost', 'cost', [CompletionResultType]::ParameterValue, 'Show what the grid cost per day and per project: every project with an operator key, your own project''s share with a project key')
            [CompletionResult]::new('dev', 'dev', [CompletionResultType]::ParameterValue, 'Run the local grid (server and runner) in the foreground')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Save a server and key (read from a prompt, or stdin with --with-token): a project key `rg_…`, an operator key `rgo_…` or a personal token `rgu_…`')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Forget the saved server and key of a profile')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Show which server, account, project and role the key in use gives')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Manage the current project''s API keys (needs an admin key)')
            [CompletionResult]::new('projects', 'projects', [CompletionResultType]::ParameterValue, 'List or create an account''s projects (needs a personal `rgu_` token)')
            [CompletionResult]::new('tokens', 'tokens', [CompletionResultType]::ParameterValue, 'List, create or revoke your personal tokens (needs a personal `rgu_` token)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages into a directory (the project keeps them in docs/man)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rgrid;run' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'requirements.txt to install first (default: one next to the script, if any)')
            [CompletionResult]::new('--req', '--req', [CompletionResultType]::ParameterName, 'requirements.txt to install first (default: one next to the script, if any)')
            [CompletionResult]::new('--runtime', '--runtime', [CompletionResultType]::ParameterName, 'Container image to run in [default: python:3.11-slim; also `RGRID_RUNTIME`, `runtime` in .rgrid.toml or the user config]')
            [CompletionResult]::new('--cpu', '--cpu', [CompletionResultType]::ParameterName, 'CPU limit in cores: 1, 0.5 or 500m [also `RGRID_CPU`, `cpu` in a config file]')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Memory limit: 512Mi, 2Gi [also `RGRID_MEMORY`, `memory` in a config file]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Kill the job after this many seconds [default: 3600; also `RGRID_TIMEOUT`, `timeout` in a config file]')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Environment variable for the job, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment variable for the job, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Attempts after a failed first one. `rgrid run` fails fast by default')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to put the job''s output files [default: the working directory, with --batch `outputs/`; also `RGRID_OUTPUT_DIR`, `output_dir` in a config file]')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'Where to put the job''s output files [default: the working directory, with --batch `outputs/`; also `RGRID_OUTPUT_DIR`, `output_dir` in a config file]')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Run the script once per file matching this glob (quote it: ''data/*.csv''). Each job gets its file as the first argument; outputs land in `outputs/<file stem>/` (or `-o DIR/<file stem>/`)')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'With --batch: at most N of the batch''s jobs run at once')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--network', '--network', [CompletionResultType]::ParameterName, 'Let the job use the network (off by default)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite local files that differ from the job''s outputs')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Submit and return at once with the job id')
            [CompletionResult]::new('--detach', '--detach', [CompletionResultType]::ParameterName, 'Submit and return at once with the job id')
            [CompletionResult]::new('--remote-only', '--remote-only', [CompletionResultType]::ParameterName, 'Leave the outputs on the grid; `rgrid download ID` fetches them later')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'JSON on stdout: with --detach the job (or batch) as one object; otherwise JSON Lines, one event per line (submitted, status, log, output, finished). See docs/cli.md')
            [CompletionResult]::new('--flat', '--flat', [CompletionResultType]::ParameterName, 'With --batch: every job''s outputs straight into the output directory, no `<file stem>/` folders')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Start each line of output with the time it was written (UTC, milliseconds)')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'Start each line of output with its stream: `out|` or `err|`')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;submit' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Follow the job''s logs until it ends, and exit with its exit code')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Follow the job''s logs until it ends, and exit with its exit code')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the job as JSON; with --follow, JSON Lines events as `rgrid run --json` does')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;status' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;logs' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing new output until the job ends')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing new output until the job ends')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines, one chunk per line (`{"type":"log",…}`), and `{"type":"end",…}` once the job has ended')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Start each line of output with the time it was written (UTC, milliseconds)')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'Start each line of output with its stream: `out|` or `err|`')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;list' {
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only jobs with this status: queued, running, succeeded, failed, cancelled')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many jobs (1 to 1000, as the server allows)')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Only the jobs of this batch (as `rgrid run --batch` printed it)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;outputs' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;download' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite local files that differ')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines, one file per line: `{"path": …, "state": …}`')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;cancel' {
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Cancel every job of this batch at once: queued ones now, running ones within seconds')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;retry' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;top' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;config' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print each setting, its value and its source (flag, environment, file, default)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rgrid;config;show' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print each setting, its value and its source (flag, environment, file, default)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rgrid;config;help;show' {
            break
        }
        'rgrid;config;help;help' {
            break
        }
        'rgrid;nodes' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines, one node per line')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'Let the node finish its running jobs, give it no new ones, then remove it')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke the node''s token at once: its runner is refused from its next call, its running jobs are retried elsewhere')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rgrid;nodes;drain' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines, one node per line')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;nodes;revoke' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines, one node per line')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;nodes;help' {
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'Let the node finish its running jobs, give it no new ones, then remove it')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke the node''s token at once: its runner is refused from its next call, its running jobs are retried elsewhere')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rgrid;nodes;help;drain' {
            break
        }
        'rgrid;nodes;help;revoke' {
            break
        }
        'rgrid;nodes;help;help' {
            break
        }
        'rgrid;cost' {
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'How many days back, today included (1 to 366, as the server allows)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;dev' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address for the local grid''s API')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Stop after this many seconds with no jobs and no requests (0: never). The grid that `rgrid run` starts on demand uses 600')
            [CompletionResult]::new('--slots', '--slots', [CompletionResultType]::ParameterName, 'Job slots (default: one per CPU)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--background', '--background', [CompletionResultType]::ParameterName, 'Started by `rgrid run` in the background (no banner)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;login' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--with-token', '--with-token', [CompletionResultType]::ParameterName, 'Read the key from standard input instead of a prompt (for scripts and CI)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;logout' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;whoami' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;keys' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the project''s keys: id, name, role, prefix, created, last used')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a key and print it once')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a key by id; requests with it fail from then on')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rgrid;keys;list' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines, one key per line')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;keys;create' {
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'admin, developer or viewer (owner is an account role, not a key''s)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print `{"key": {…}, "secret": "…"}`')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;keys;revoke' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the revoked key as JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;keys;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the project''s keys: id, name, role, prefix, created, last used')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a key and print it once')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a key by id; requests with it fail from then on')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rgrid;keys;help;list' {
            break
        }
        'rgrid;keys;help;create' {
            break
        }
        'rgrid;keys;help;revoke' {
            break
        }
        'rgrid;keys;help;help' {
            break
        }
        'rgrid;projects' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the account''s projects')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a project and print its first key (role admin) once')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rgrid;projects;list' {
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'The account''s name')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON Lines, one project per line')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;projects;create' {
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'The account''s name')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print `{"project": {…}, "key": {"key": {…}, "secret": "…"}}`')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;projects;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the account''s projects')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a project and print its first key (role admin) once')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rgrid;projects;help;list' {
            break
        }
        'rgrid;projects;help;create' {
            break
        }
        'rgrid;projects;help;help' {
            break
        }
        'rgrid;tokens' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List your personal tokens: id, name, prefix, created, last used')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a personal token and print it once')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke one of your personal tokens by id; requests with it fail from then on')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rgrid;tokens;list' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;tokens;create' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON: the token and its secret')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;tokens;revoke' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;tokens;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List your personal tokens: id, name, prefix, created, last used')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a personal token and print it once')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke one of your personal tokens by id; requests with it fail from then on')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rgrid;tokens;help;list' {
            break
        }
        'rgrid;tokens;help;create' {
            break
        }
        'rgrid;tokens;help;revoke' {
            break
        }
        'rgrid;tokens;help;help' {
            break
        }
        'rgrid;completions' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;man' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which saved login to use (see `rgrid login`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rgrid;help' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a Python script on the grid: upload it and its inputs, stream its logs, download the files it wrote. Exits with the script''s exit code')
            [CompletionResult]::new('submit', 'submit', [CompletionResultType]::ParameterValue, 'Submit a JobSpec v1 file (`-` for standard input): any image, any command')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a job''s or a batch''s status')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print a job''s logs; `--follow` waits for more until the job ends')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List recent jobs, newest first')
            [CompletionResult]::new('outputs', 'outputs', [CompletionResultType]::ParameterValue, 'List a job''s output files with their sizes and fresh download URLs')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download a job''s output files')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a queued or running job, or every job of a batch with `--batch`')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Run a finished job again (succeeded, failed or cancelled), as a new attempt with the retries its spec allows')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'Watch the grid live: job counts, throughput, nodes, jobs; open a job''s logs, cancel')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the settings in effect and where each comes from')
            [CompletionResult]::new('nodes', 'nodes', [CompletionResultType]::ParameterValue, 'List the grid''s nodes with state, age, jobs and cost; `drain ID` stops one taking jobs, `revoke ID` cuts it off (needs an operator key `rgo_…`; the local grid''s own key is one)')
            [CompletionResult]::new('cost', 'cost', [CompletionResultType]::ParameterValue, 'Show what the grid cost per day and per project: every project with an operator key, your own project''s share with a project key')
            [CompletionResult]::new('dev', 'dev', [CompletionResultType]::ParameterValue, 'Run the local grid (server and runner) in the foreground')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Save a server and key (read from a prompt, or stdin with --with-token): a project key `rg_…`, an operator key `rgo_…` or a personal token `rgu_…`')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Forget the saved server and key of a profile')
            [CompletionResult]::new('whoami', 'whoami', [CompletionResultType]::ParameterValue, 'Show which server, account, project and role the key in use gives')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Manage the current project''s API keys (needs an admin key)')
            [CompletionResult]::new('projects', 'projects', [CompletionResultType]::ParameterValue, 'List or create an account''s projects (needs a personal `rgu_` token)')
            [CompletionResult]::new('tokens', 'tokens', [CompletionResultType]::ParameterValue, 'List, create or revoke your personal tokens (needs a personal `rgu_` token)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write man pages into a directory (the project keeps them in docs/man)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rgrid;help;run' {
            break
        }
        'rgrid;help;submit' {
            break
        }
        'rgrid;help;status' {
            break
        }
        'rgrid;help;logs' {
            break
        }
        'rgrid;help;list' {
            break
        }
        'rgrid;help;outputs' {
            break
        }
        'rgrid;help;download' {
            break
        }
        'rgrid;help;cancel' {
            break
        }
        'rgrid;help;retry' {
            break
        }
        'rgrid;help;top' {
            break
        }
        'rgrid;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print each setting, its value and its source (flag, environment, file, default)')
            break
        }
        'rgrid;help;config;show' {
            break
        }
        'rgrid;help;nodes' {
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'Let the node finish its running jobs, give it no new ones, then remove it')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke the node''s token at once: its runner is refused from its next call, its running jobs are retried elsewhere')
            break
        }
        'rgrid;help;nodes;drain' {
            break
        }
        'rgrid;help;nodes;revoke' {
            break
        }
        'rgrid;help;cost' {
            break
        }
        'rgrid;help;dev' {
            break
        }
        'rgrid;help;login' {
            break
        }
        'rgrid;help;logout' {
            break
        }
        'rgrid;help;whoami' {
            break
        }
        'rgrid;help;keys' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the project''s keys: id, name, role, prefix, created, last used')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a key and print it once')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a key by id; requests with it fail from then on')
            break
        }
        'rgrid;help;keys;list' {
            break
        }
        'rgrid;help;keys;create' {
            break
        }
        'rgrid;help;keys;revoke' {
            break
        }
        'rgrid;help;projects' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the account''s projects')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a project and print its first key (role admin) once')
            break
        }
        'rgrid;help;projects;list' {
            break
        }
        'rgrid;help;projects;create' {
            break
        }
        'rgrid;help;tokens' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List your personal tokens: id, name, prefix, created, last used')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a personal token and print it once')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke one of your personal tokens by id; requests with it fail from then on')
            break
        }
        'rgrid;help;tokens;list' {
            break
        }
        'rgrid;help;tokens;create' {
            break
        }
        'rgrid;help;tokens;revoke' {
            break
        }
        'rgrid;help;completions' {
            break
        }
        'rgrid;help;man' {
            break
        }
        'rgrid;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
