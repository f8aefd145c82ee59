#!/usr/bin/env bash
# Mutation testing with cargo-mutants (installed here when missing; not part of CI runs:
# a whole crate takes hours on 2 cores). Runs one module at a time with a fast test filter.
#
# Usage: scripts/mutants.sh FILE [TEST ...]
#   scripts/mutants.sh src/train/metric.rs reliability fit
# Results: mutants.out/ (caught.txt, missed.txt, ...), ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."
file="${1:?usage: scripts/mutants.sh FILE [TEST ...]}"
shift
command -v cargo-mutants >/dev/null || cargo install cargo-mutants --locked
tests=()
for t in "$@"; do tests+=(--test "$t"); done
cargo mutants -f "$file" --timeout 180 -- "${tests[@]}"
