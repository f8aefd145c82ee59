#!/usr/bin/env bash
# The unsafe code under Miri, and the test suite under AddressSanitizer (nightly only here;
# the crate itself builds on stable). Not part of every CI run: see the README for timings.
#
# Usage: scripts/sanitize.sh [miri|asan|all]   (default all)
#
# Miri interprets the kernels layer's tests (src/kernels: GEMM entry checks, packing, the
# AVX-512 and AVX2 micro-kernels, the narrow path, the worker pool, the parallel update)
# once per kernel: with AVX-512F, with AVX2+FMA only, and with neither (matrixmultiply).
# AddressSanitizer runs every unit and integration test except the trybuild ui-tests
# (their expected messages are pinned to the stable compiler).
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
export CARGO_TERM_COLOR=never

if ! rustup +nightly component list --installed 2>/dev/null | grep -q '^miri'; then
  rustup toolchain install nightly --profile minimal --component miri,rust-src
fi

if [[ "$what" == miri || "$what" == all ]]; then
  for features in "+avx2,+fma,+avx512f,+avx512bw,+avx512vl" "+avx2,+fma" ""; do
    echo "== miri: kernels with target features '${features:-none}'"
    flags=""
    [[ -n "$features" ]] && flags="-C target-feature=$features"
    # The pool.s workers live for the whole process: leaks (threads included) are expected.
    CARGO_TARGET_DIR=target/miri RUSTFLAGS="$flags" MIRIFLAGS="-Zmiri-strict-provenance -Zmiri-ignore-leaks" \
      cargo +nightly miri test --lib kernels:: 2>&1 | grep -E "^test |test result|error|Undefined|panicked"
    echo "== miri: shaped-embed's kernels with target features '${features:-none}'"
    (cd embed && CARGO_TARGET_DIR=../target/miri-embed RUSTFLAGS="$flags" MIRIFLAGS="-Zmiri-strict-provenance" \
      cargo +nightly miri test --lib kernels::tests 2>&1 | grep -E "^test |test result|error|Undefined|panicked")
  done
fi

if [[ "$what" == asan || "$what" == all ]]; then
  echo "== AddressSanitizer: unit and integration tests"
  target="$(rustc +nightly -vV | sed -n 's/^host: //p')"
  tests=()
  for f in tests/*.rs; do
    name="$(basename "$f" .rs)"
    [[ "$name" == ui ]] || tests+=(--test "$name")
  done
  CARGO_TARGET_DIR=target/asan RUSTFLAGS="-Zsanitizer=address" RUSTDOCFLAGS="-Zsanitizer=address" \
    ASAN_OPTIONS="detect_leaks=0" \
    cargo +nightly test --target "$target" --lib "${tests[@]}" 2>&1 \
    | grep -E "test result|FAILED|ERROR: AddressSanitizer|panicked|SUMMARY"
fi
