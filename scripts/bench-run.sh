#!/usr/bin/env bash
# Time `rgrid run` of a trivial script against a bare `docker run` of the same Python, to
# show what rgrid adds on top of Docker (upload, scheduling, log streaming, teardown).
#
# Usage: bash scripts/bench-run.sh [RGRID_BINARY] [RUNS]
#   RGRID_BINARY  default: target/release/rgrid, else target/debug/rgrid (under
#                 CARGO_TARGET_DIR when set)
#   RUNS          default 10
# Uses hyperfine when installed (apt-get install hyperfine), a plain timed loop otherwise.
# The rgrid side uses whatever grid the CLI resolves (the embedded local grid by default);
# its first run may include starting the local grid, so one warm-up run is made first.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
rgrid="${1:-}"
if [[ -z "$rgrid" ]]; then
    for candidate in "$target_dir/release/rgrid" "$target_dir/debug/rgrid"; do
        [[ -x "$candidate" ]] && { rgrid="$candidate"; break; }
    done
fi
[[ -n "$rgrid" && -x "$rgrid" ]] || {
    echo "bench-run: no rgrid binary; build one with 'cargo build --release -p rgrid'" >&2
    exit 1
}
rgrid="$(cd "$(dirname "$rgrid")" && pwd)/$(basename "$rgrid")"
runs="${2:-10}"
image="${RGRID_RUNTIME_IMAGE:-python:3.11-slim}"

bash "$repo_root/scripts/setup.sh"

work="$(mktemp -d /tmp/rgrid-bench.XXXXXX)"
# A local grid of its own, so the figures include no one else's jobs and its caches start
# empty; stopped at the end.
export RGRID_HOME="$work/home"
stop_grid() {
    local pid
    pid="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' \
        "$RGRID_HOME/grid.json" 2>/dev/null)" && kill "$pid" 2>/dev/null
    rm -rf "$work"
}
trap stop_grid EXIT
cd "$work"
printf 'print(1)\n' >hello.py

# Requirements: the example's first run installs tabulate from PyPI (cache miss), the second
# finds the environment in the cache.
# The warm-up run starts the local grid, so neither figure includes that.
"$rgrid" run -q hello.py >/dev/null
mkdir "$work/example"
cp "$repo_root"/examples/sales-report/{report.py,requirements.txt,sales.csv} "$work/example/"
ms() {
    local start end
    start="$(date +%s%N)"
    (cd "$work/example" && "$@" >/dev/null 2>&1) || { echo "bench-run: '$*' failed" >&2; exit 1; }
    end="$(date +%s%N)"
    echo $(((end - start) / 1000000))
}
first="$(ms "$rgrid" run report.py sales.csv)"
rm -f "$work/example/report.md"
second="$(ms "$rgrid" run report.py sales.csv)"
echo "bench-run: example with requirements: first run ${first} ms (installs tabulate)," \
    "second ${second} ms (environment from cache)"

rgrid_cmd="$rgrid run hello.py"
docker_cmd="docker run --rm --network none $image python -c 'print(1)'"

echo "bench-run: $runs runs each; rgrid = $rgrid"
if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --warmup 1 --runs "$runs" --export-markdown "$work/bench.md" \
        --command-name "rgrid run" "$rgrid_cmd" \
        --command-name "docker run" "$docker_cmd"
    cat "$work/bench.md"
    exit 0
fi

# Fallback without hyperfine: mean wall time per run over a plain loop, after one warm-up.
time_runs() {
    local label="$1" cmd="$2"
    bash -c "$cmd" >/dev/null
    local start end
    start="$(date +%s%N)"
    for _ in $(seq "$runs"); do
        bash -c "$cmd" >/dev/null
    done
    end="$(date +%s%N)"
    printf '%-12s mean %6d ms over %d runs\n' "$label" $(((end - start) / 1000000 / runs)) "$runs"
}
time_runs "rgrid run" "$rgrid_cmd"
time_runs "docker run" "$docker_cmd"
