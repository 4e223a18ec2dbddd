#!/usr/bin/env bash
# The one command that runs every test: prepare the machine (packages, Docker engine, runtime
# image), build all test targets, then run them. Exits non-zero on any failure.
#
# CARGO_TARGET_DIR is left as the caller set it (CI may point it elsewhere).
#
# Environment:
#   RGRID_TEST_TIMEOUT  limit for running the tests after they are built (default 30m), so
#                       a hung test fails the run instead of eating CI's whole budget
#   Extra arguments are passed to `cargo test` (e.g. `bash scripts/test.sh -p rgrid-server`
#   instead of the whole workspace).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

bash scripts/setup.sh

scope=(--workspace)
[[ $# -gt 0 ]] && scope=("$@")

export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"

# Building first keeps the time limit for the tests alone; a cold build on two cores is slow.
echo "test: building test targets"
# The end-to-end tests run the real rgrid, rgrid-server and rgrid-runner binaries.
cargo build --workspace --bins
cargo test "${scope[@]}" --all-targets --no-run

echo "test: running tests"
timeout --signal=TERM --kill-after=30s "${RGRID_TEST_TIMEOUT:-30m}" \
    cargo test "${scope[@]}" --all-targets --no-fail-fast
