#!/usr/bin/env bash
# Mutation testing with cargo-mutants (installed here when missing; not part of CI runs:
# a whole crate takes hours on 2 cores). Runs one module at a time with a fast test filter.
#
# Usage: scripts/mutants.sh FILE [TEST ...]   (TEST `lib` means the crate's unit tests)
#   scripts/mutants.sh src/train/metric.rs reliability fit
#   scripts/mutants.sh 'src/optim/*.rs' lib io reliability
# Results: mutants.out/ (caught.txt, missed.txt, ...), ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."
file="${1:?usage: scripts/mutants.sh FILE [TEST ...]}"
shift
command -v cargo-mutants >/dev/null || cargo install cargo-mutants --locked
tests=()
for t in "$@"; do
  if [ "$t" = lib ]; then tests+=(--lib); else tests+=(--test "$t"); fi
done
cargo mutants -f "$file" --timeout 180 --output "mutants.out/$(echo "$file" | tr '/*' '__')" -- "${tests[@]}"
