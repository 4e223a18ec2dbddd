#!/usr/bin/env bash
# Regenerates completions/ from the clap definition (the completions test checks them).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p rgrid
bin="${CARGO_TARGET_DIR:-target}/debug/rgrid"
"$bin" completions bash > completions/rgrid.bash
"$bin" completions zsh > completions/_rgrid
"$bin" completions fish > completions/rgrid.fish
"$bin" completions powershell > completions/_rgrid.ps1
"$bin" completions elvish > completions/rgrid.elv
echo "completions/ regenerated"
