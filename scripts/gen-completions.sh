#!/usr/bin/env bash
# Regenerates completions/ and docs/man/ from the clap definition (tests check both).
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
# Man pages come from the same definition (the man_pages test checks them).
rm -f docs/man/*.1
"$bin" man docs/man
echo "docs/man/ regenerated"
