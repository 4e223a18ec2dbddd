
use builtin;
use str;

set edit:completion:arg-completer[rgrid] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'rgrid'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'rgrid'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand run 'Run a Python script on the grid: upload it and its inputs, stream its logs, download the files it wrote. Exits with the script''s exit code'
            cand submit 'Submit a JobSpec v1 file (`-` for standard input): any image, any command'
            cand status 'Show a job''s or a batch''s status'
            cand logs 'Print a job''s logs; `--follow` waits for more until the job ends'
            cand list 'List recent jobs, newest first'
            cand outputs 'List a job''s output files with their sizes and fresh download URLs'
            cand download 'Download a job''s output files'
            cand cancel 'Cancel a queued or running job, or every job of a batch with `--batch`'
            cand retry 'Run a finished job again (succeeded, failed or cancelled), as a new attempt with the retries its spec allows'
            cand top 'Watch the grid live: job counts, throughput, nodes, jobs; open a job''s logs, cancel'
            cand config 'Show the settings in effect and where each comes from'
            cand nodes 'List the grid''s nodes with state, age, jobs and cost; `drain ID` stops one taking jobs, `revoke ID` cuts it off (needs an operator key `rgo_…`; the local grid''s own key is one)'
            cand cost 'Show what the grid cost per day and per project: every project with an operator key, your own project''s share with a project key'
            cand dev 'Run the local grid (server and runner) in the foreground'
            cand login 'Save a server and key (read from a prompt, or stdin with --with-token): a project key `rg_…`, an operator key `rgo_…` or a personal token `rgu_…`'
            cand logout 'Forget the saved server and key of a profile'
            cand whoami 'Show which server, account, project and role the key in use gives'
            cand keys 'Manage the current project''s API keys (needs an admin key)'
            cand projects 'List or create an account''s projects (needs a personal `rgu_` token)'
            cand tokens 'List, create or revoke your personal tokens (needs a personal `rgu_` token)'
            cand completions 'Print a shell completion script'
            cand man 'Write man pages into a directory (the project keeps them in docs/man)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rgrid;run'= {
            cand -r 'requirements.txt to install first (default: one next to the script, if any)'
            cand --req 'requirements.txt to install first (default: one next to the script, if any)'
            cand --runtime 'Container image to run in [default: python:3.11-slim; also `RGRID_RUNTIME`, `runtime` in .rgrid.toml or the user config]'
            cand --cpu 'CPU limit in cores: 1, 0.5 or 500m [also `RGRID_CPU`, `cpu` in a config file]'
            cand --memory 'Memory limit: 512Mi, 2Gi [also `RGRID_MEMORY`, `memory` in a config file]'
            cand --timeout 'Kill the job after this many seconds [default: 3600; also `RGRID_TIMEOUT`, `timeout` in a config file]'
            cand -e 'Environment variable for the job, KEY=VALUE (repeatable)'
            cand --env 'Environment variable for the job, KEY=VALUE (repeatable)'
            cand --retries 'Attempts after a failed first one. `rgrid run` fails fast by default'
            cand -o 'Where to put the job''s output files [default: the working directory, with --batch `outputs/`; also `RGRID_OUTPUT_DIR`, `output_dir` in a config file]'
            cand --output-dir 'Where to put the job''s output files [default: the working directory, with --batch `outputs/`; also `RGRID_OUTPUT_DIR`, `output_dir` in a config file]'
            cand --batch 'Run the script once per file matching this glob (quote it: ''data/*.csv''). Each job gets its file as the first argument; outputs land in `outputs/<file stem>/` (or `-o DIR/<file stem>/`)'
            cand --parallel 'With --batch: at most N of the batch''s jobs run at once'
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --network 'Let the job use the network (off by default)'
            cand --force 'Overwrite local files that differ from the job''s outputs'
            cand -d 'Submit and return at once with the job id'
            cand --detach 'Submit and return at once with the job id'
            cand --remote-only 'Leave the outputs on the grid; `rgrid download ID` fetches them later'
            cand --json 'JSON on stdout: with --detach the job (or batch) as one object; otherwise JSON Lines, one event per line (submitted, status, log, output, finished). See docs/cli.md'
            cand --flat 'With --batch: every job''s outputs straight into the output directory, no `<file stem>/` folders'
            cand --timestamps 'Start each line of output with the time it was written (UTC, milliseconds)'
            cand --prefix 'Start each line of output with its stream: `out|` or `err|`'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;submit'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand -f 'Follow the job''s logs until it ends, and exit with its exit code'
            cand --follow 'Follow the job''s logs until it ends, and exit with its exit code'
            cand --json 'Print the job as JSON; with --follow, JSON Lines events as `rgrid run --json` does'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;status'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;logs'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand -f 'Keep printing new output until the job ends'
            cand --follow 'Keep printing new output until the job ends'
            cand --json 'Print JSON Lines, one chunk per line (`{"type":"log",…}`), and `{"type":"end",…}` once the job has ended'
            cand --timestamps 'Start each line of output with the time it was written (UTC, milliseconds)'
            cand --prefix 'Start each line of output with its stream: `out|` or `err|`'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;list'= {
            cand --status 'Only jobs with this status: queued, running, succeeded, failed, cancelled'
            cand --limit 'At most this many jobs (1 to 1000, as the server allows)'
            cand --batch 'Only the jobs of this batch (as `rgrid run --batch` printed it)'
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;outputs'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;download'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --force 'Overwrite local files that differ'
            cand --json 'Print JSON Lines, one file per line: `{"path": …, "state": …}`'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;cancel'= {
            cand --batch 'Cancel every job of this batch at once: queued ones now, running ones within seconds'
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;retry'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;top'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;config'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Print each setting, its value and its source (flag, environment, file, default)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rgrid;config;show'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;config;help'= {
            cand show 'Print each setting, its value and its source (flag, environment, file, default)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rgrid;config;help;show'= {
        }
        &'rgrid;config;help;help'= {
        }
        &'rgrid;nodes'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON Lines, one node per line'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand drain 'Let the node finish its running jobs, give it no new ones, then remove it'
            cand revoke 'Revoke the node''s token at once: its runner is refused from its next call, its running jobs are retried elsewhere'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rgrid;nodes;drain'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON Lines, one node per line'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;nodes;revoke'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON Lines, one node per line'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;nodes;help'= {
            cand drain 'Let the node finish its running jobs, give it no new ones, then remove it'
            cand revoke 'Revoke the node''s token at once: its runner is refused from its next call, its running jobs are retried elsewhere'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rgrid;nodes;help;drain'= {
        }
        &'rgrid;nodes;help;revoke'= {
        }
        &'rgrid;nodes;help;help'= {
        }
        &'rgrid;cost'= {
            cand --days 'How many days back, today included (1 to 366, as the server allows)'
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print the report as JSON'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;dev'= {
            cand --listen 'Address for the local grid''s API'
            cand --idle-timeout 'Stop after this many seconds with no jobs and no requests (0: never). The grid that `rgrid run` starts on demand uses 600'
            cand --slots 'Job slots (default: one per CPU)'
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --background 'Started by `rgrid run` in the background (no banner)'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;login'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --with-token 'Read the key from standard input instead of a prompt (for scripts and CI)'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;logout'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;whoami'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;keys'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List the project''s keys: id, name, role, prefix, created, last used'
            cand create 'Create a key and print it once'
            cand revoke 'Revoke a key by id; requests with it fail from then on'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rgrid;keys;list'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON Lines, one key per line'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;keys;create'= {
            cand --role 'admin, developer or viewer (owner is an account role, not a key''s)'
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print `{"key": {…}, "secret": "…"}`'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;keys;revoke'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print the revoked key as JSON'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;keys;help'= {
            cand list 'List the project''s keys: id, name, role, prefix, created, last used'
            cand create 'Create a key and print it once'
            cand revoke 'Revoke a key by id; requests with it fail from then on'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rgrid;keys;help;list'= {
        }
        &'rgrid;keys;help;create'= {
        }
        &'rgrid;keys;help;revoke'= {
        }
        &'rgrid;keys;help;help'= {
        }
        &'rgrid;projects'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List the account''s projects'
            cand create 'Create a project and print its first key (role admin) once'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rgrid;projects;list'= {
            cand --account 'The account''s name'
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON Lines, one project per line'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;projects;create'= {
            cand --account 'The account''s name'
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print `{"project": {…}, "key": {"key": {…}, "secret": "…"}}`'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;projects;help'= {
            cand list 'List the account''s projects'
            cand create 'Create a project and print its first key (role admin) once'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rgrid;projects;help;list'= {
        }
        &'rgrid;projects;help;create'= {
        }
        &'rgrid;projects;help;help'= {
        }
        &'rgrid;tokens'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List your personal tokens: id, name, prefix, created, last used'
            cand create 'Create a personal token and print it once'
            cand revoke 'Revoke one of your personal tokens by id; requests with it fail from then on'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rgrid;tokens;list'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;tokens;create'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON: the token and its secret'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;tokens;revoke'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand --json 'Print JSON'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;tokens;help'= {
            cand list 'List your personal tokens: id, name, prefix, created, last used'
            cand create 'Create a personal token and print it once'
            cand revoke 'Revoke one of your personal tokens by id; requests with it fail from then on'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rgrid;tokens;help;list'= {
        }
        &'rgrid;tokens;help;create'= {
        }
        &'rgrid;tokens;help;revoke'= {
        }
        &'rgrid;tokens;help;help'= {
        }
        &'rgrid;completions'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;man'= {
            cand --server 'URL of an rgrid server; without it, the local grid on this machine. Also `RGRID_SERVER`, `server` in `.rgrid.toml` or the user config (see `rgrid config show`)'
            cand --profile 'Which saved login to use (see `rgrid login`)'
            cand --color 'When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never. Also `RGRID_COLOR` or `color` in a config file; default auto'
            cand -q 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand --quiet 'Print only the job''s own output and errors, nothing from rgrid itself. Also `RGRID_QUIET=1` or `quiet = true` in a config file'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rgrid;help'= {
            cand run 'Run a Python script on the grid: upload it and its inputs, stream its logs, download the files it wrote. Exits with the script''s exit code'
            cand submit 'Submit a JobSpec v1 file (`-` for standard input): any image, any command'
            cand status 'Show a job''s or a batch''s status'
            cand logs 'Print a job''s logs; `--follow` waits for more until the job ends'
            cand list 'List recent jobs, newest first'
            cand outputs 'List a job''s output files with their sizes and fresh download URLs'
            cand download 'Download a job''s output files'
            cand cancel 'Cancel a queued or running job, or every job of a batch with `--batch`'
            cand retry 'Run a finished job again (succeeded, failed or cancelled), as a new attempt with the retries its spec allows'
            cand top 'Watch the grid live: job counts, throughput, nodes, jobs; open a job''s logs, cancel'
            cand config 'Show the settings in effect and where each comes from'
            cand nodes 'List the grid''s nodes with state, age, jobs and cost; `drain ID` stops one taking jobs, `revoke ID` cuts it off (needs an operator key `rgo_…`; the local grid''s own key is one)'
            cand cost 'Show what the grid cost per day and per project: every project with an operator key, your own project''s share with a project key'
            cand dev 'Run the local grid (server and runner) in the foreground'
            cand login 'Save a server and key (read from a prompt, or stdin with --with-token): a project key `rg_…`, an operator key `rgo_…` or a personal token `rgu_…`'
            cand logout 'Forget the saved server and key of a profile'
            cand whoami 'Show which server, account, project and role the key in use gives'
            cand keys 'Manage the current project''s API keys (needs an admin key)'
            cand projects 'List or create an account''s projects (needs a personal `rgu_` token)'
            cand tokens 'List, create or revoke your personal tokens (needs a personal `rgu_` token)'
            cand completions 'Print a shell completion script'
            cand man 'Write man pages into a directory (the project keeps them in docs/man)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rgrid;help;run'= {
        }
        &'rgrid;help;submit'= {
        }
        &'rgrid;help;status'= {
        }
        &'rgrid;help;logs'= {
        }
        &'rgrid;help;list'= {
        }
        &'rgrid;help;outputs'= {
        }
        &'rgrid;help;download'= {
        }
        &'rgrid;help;cancel'= {
        }
        &'rgrid;help;retry'= {
        }
        &'rgrid;help;top'= {
        }
        &'rgrid;help;config'= {
            cand show 'Print each setting, its value and its source (flag, environment, file, default)'
        }
        &'rgrid;help;config;show'= {
        }
        &'rgrid;help;nodes'= {
            cand drain 'Let the node finish its running jobs, give it no new ones, then remove it'
            cand revoke 'Revoke the node''s token at once: its runner is refused from its next call, its running jobs are retried elsewhere'
        }
        &'rgrid;help;nodes;drain'= {
        }
        &'rgrid;help;nodes;revoke'= {
        }
        &'rgrid;help;cost'= {
        }
        &'rgrid;help;dev'= {
        }
        &'rgrid;help;login'= {
        }
        &'rgrid;help;logout'= {
        }
        &'rgrid;help;whoami'= {
        }
        &'rgrid;help;keys'= {
            cand list 'List the project''s keys: id, name, role, prefix, created, last used'
            cand create 'Create a key and print it once'
            cand revoke 'Revoke a key by id; requests with it fail from then on'
        }
        &'rgrid;help;keys;list'= {
        }
        &'rgrid;help;keys;create'= {
        }
        &'rgrid;help;keys;revoke'= {
        }
        &'rgrid;help;projects'= {
            cand list 'List the account''s projects'
            cand create 'Create a project and print its first key (role admin) once'
        }
        &'rgrid;help;projects;list'= {
        }
        &'rgrid;help;projects;create'= {
        }
        &'rgrid;help;tokens'= {
            cand list 'List your personal tokens: id, name, prefix, created, last used'
            cand create 'Create a personal token and print it once'
            cand revoke 'Revoke one of your personal tokens by id; requests with it fail from then on'
        }
        &'rgrid;help;tokens;list'= {
        }
        &'rgrid;help;tokens;create'= {
        }
        &'rgrid;help;tokens;revoke'= {
        }
        &'rgrid;help;completions'= {
        }
        &'rgrid;help;man'= {
        }
        &'rgrid;help;help'= {
        }
    ]
    $completions[$command]
}
