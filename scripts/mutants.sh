#!/usr/bin/env bash
# Mutation testing with cargo-mutants (installed here when missing; not part of CI runs:
# a whole crate takes hours on 2 cores). Runs one module at a time with a fast test filter.
#
# Usage: scripts/mutants.sh FILE [TEST ...]   (TEST `lib` means the crate's unit tests)
#   scripts/mutants.sh src/train/metric.rs reliability fit
#   scripts/mutants.sh 'src/optim/*.rs' lib io reliability
# The tests are passed as cargo arguments, so each mutant builds only those targets
# (3-4 s a mutant here instead of 12). MUTANTS_ARGS adds cargo-mutants options, e.g.
# `MUTANTS_ARGS=--in-place` in a throwaway clone (its target dir is then reused), or
# `MUTANTS_ARGS=--iterate` to re-test only the mutants missed last time.
# Results: mutants.out/<file pattern>/ (caught.txt, missed.txt, ...), ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."
file="${1:?usage: scripts/mutants.sh FILE [TEST ...]}"
shift
command -v cargo-mutants >/dev/null || cargo install cargo-mutants --locked
tests=()
for t in "$@"; do
  if [ "$t" = lib ]; then tests+=(-C --lib); else tests+=(-C "--test=$t"); fi
done
# cargo-mutants creates its output directory but not that directory's parent.
mkdir -p mutants.out
# shellcheck disable=SC2086
cargo mutants -f "$file" --timeout 60 ${MUTANTS_ARGS:-} \
  --output "mutants.out/$(echo "$file" | tr '/*' '__')" "${tests[@]}"
