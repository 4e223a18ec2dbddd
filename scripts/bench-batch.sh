#!/usr/bin/env bash
# Measures submitting a batch of N jobs (default 1000) with `rgrid run --batch … --detach`:
# wall time and HTTP requests by route, against an rgrid-server of its own on loopback
# (SQLite, local storage, no runner, so every job stays queued).
#
# Usage: bash scripts/bench-batch.sh [N]
# Binaries: $CARGO_TARGET_DIR (or target/) release, else debug builds of rgrid and rgrid-server.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
jobs="${1:-1000}"
profile=""
for candidate in release debug; do
    if [[ -x "$target_dir/$candidate/rgrid" && -x "$target_dir/$candidate/rgrid-server" ]]; then
        profile="$candidate"
        break
    fi
done
[[ -n "$profile" ]] || {
    echo "bench-batch: build first: cargo build --release -p rgrid -p rgrid-server" >&2
    exit 1
}
rgrid="$target_dir/$profile/rgrid"
server="$target_dir/$profile/rgrid-server"

work="$(mktemp -d /tmp/rgrid-bench-batch.XXXXXX)"
server_pid=""
cleanup() {
    [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

key="rg_bench_0123456789abcdef0123456789abcdef"
# tower_http logs one "finished processing request" line per request, inside the span that
# names the route: that is the request count.
RUST_LOG="warn,rgrid_server::api=info,tower_http=debug" RGRID_SERVER_API_KEY="$key" "$server" serve \
    --listen 127.0.0.1:0 --data-dir "$work/server" --url-file "$work/url" \
    2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
    [[ -s "$work/url" ]] && break
    sleep 0.1
done
[[ -s "$work/url" ]] || { cat "$work/server.log" >&2; exit 1; }
export RGRID_SERVER="$(cat "$work/url")" RGRID_API_KEY="$key" NO_COLOR=1

mkdir "$work/data"
for i in $(seq 1 "$jobs"); do
    printf 'id,value\n%d,%d\n' "$i" "$((i * i))" >"$work/data/in-$i.csv"
done
printf 'import sys\nprint(open(sys.argv[1]).read().upper())\n' >"$work/process.py"

measure() {
    local label="$1" before after start end
    before="$(grep -c 'finished processing request' "$work/server.log" || true)"
    start="$(date +%s.%N)"
    (cd "$work" && "$rgrid" run -q process.py --batch 'data/*.csv' --detach >/dev/null)
    end="$(date +%s.%N)"
    after="$(grep -c 'finished processing request' "$work/server.log" || true)"
    printf '%s: %d jobs in %.2f s, %d requests\n' "$label" "$jobs" \
        "$(echo "$end - $start" | bc)" "$((after - before))"
    grep 'finished processing request' "$work/server.log" | tail -n "$((after - before))" |
        sed -n 's/.*request{method=\([A-Z]*\) route="\([^"]*\)"}.*/\1 \2/p' | sort | uniq -c |
        sed 's/^/    /' || true
}

echo "bench-batch: $profile binaries, $jobs input files of ~20 bytes, SQLite, local storage"
measure "first submit (uploads every input)"
measure "second submit (inputs already held)"
