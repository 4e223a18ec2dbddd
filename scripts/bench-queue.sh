#!/usr/bin/env bash
# Queue churn benchmark: keeps the job queue at a steady depth while claimers claim, finish and
# resubmit jobs, and prints claims/s per window on a throwaway Postgres 15 cluster and on
# SQLite (DESIGN.md, "Queue tables churn"; figures in docs/benchmarks.md).
#
# Usage: bash scripts/bench-queue.sh [extra cargo bench args]
# Env (read by the bench): RGRID_BENCH_SECS (Postgres run, default 90),
#   RGRID_BENCH_SQLITE_SECS (default 30), RGRID_BENCH_DEPTH (default 10000),
#   RGRID_BENCH_CLAIMERS (default 2), RGRID_BENCH_WINDOW_SECS (default 5),
#   RGRID_BENCH_BACKENDS (default postgres,sqlite).
# RGRID_BENCH_PROFILE picks the cargo profile: `dev` by default, because it reuses the
#   workspace's existing build on this shared machine and the loop's time is spent in the
#   database, not in our code; `release` (`bench`) for a fully optimised client.
# Needs the Postgres 15 server binaries (scripts/setup.sh installs postgresql-15).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
profile="${RGRID_BENCH_PROFILE:-dev}"

if [[ "${RGRID_BENCH_BACKENDS:-postgres}" == *postgres* ]] \
    && [[ ! -x /usr/lib/postgresql/15/bin/initdb ]] && ! command -v initdb >/dev/null 2>&1; then
    echo "bench-queue: no Postgres server binaries; run scripts/setup.sh (postgresql-15)" >&2
    exit 1
fi

cd "$repo_root"
exec cargo bench -p rgrid-server --bench queue_churn --profile "$profile" "$@"
