#!/usr/bin/env bash
# Fuzzes the IDX reader (bytes and files, raw and gzip), the safetensors loaders and
# checkpoint loading with cargo-fuzz (libFuzzer, nightly).
# Usage: scripts/fuzz.sh [RUNS_PER_TARGET]   (default 10000000)
# Seeds come from files the project itself makes (a valid IDX file, a saved model).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10000000}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
mkdir -p fuzz/corpus/idx fuzz/corpus/idx_file fuzz/corpus/safetensors fuzz/corpus/checkpoint
python3 - <<'PY'
import gzip, struct
images = bytes([0, 0, 8, 3]) + struct.pack(">III", 2, 28, 28) + bytes(range(256)) * 6 + bytes(32)
labels = bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + bytes([5, 0, 4])
for d in ("idx", "idx_file"):
    open(f"fuzz/corpus/{d}/seed-images", "wb").write(images)
    open(f"fuzz/corpus/{d}/seed-labels", "wb").write(labels)
    open(f"fuzz/corpus/{d}/seed-images-gz", "wb").write(gzip.compress(images))
    open(f"fuzz/corpus/{d}/seed-labels-gz", "wb").write(gzip.compress(labels))
    # Two gzip members, as `cat a.gz b.gz` makes (RFC 1952).
    open(f"fuzz/corpus/{d}/seed-labels-2gz", "wb").write(gzip.compress(labels[:6]) + gzip.compress(labels[6:]))
PY
# A real checkpoint of the fuzzed model, written by the test that checks it loads.
cargo test --quiet --test io checkpoint_fuzz_seed_loads >/dev/null
cp target/tmp/fuzz-seeds/checkpoint-rmsprop fuzz/corpus/checkpoint/seed-rmsprop
cp target/tmp/fuzz-seeds/checkpoint-rmsprop fuzz/corpus/safetensors/seed-checkpoint
cp tests/fixtures/torch_linear.safetensors fuzz/corpus/safetensors/seed-torch
# A valid file for the fuzzed model's own names and shapes, when numpy and safetensors are there.
python3 - <<'PY' || echo "(no numpy/safetensors: the model-shaped seed is skipped)"
import numpy as np
from safetensors.numpy import save_file
z = lambda *s: np.zeros(s, dtype=np.float32)
save_file({"0.kernel": z(4, 3), "0.bias": z(3), "1.kernel": z(3, 2), "1.bias": z(2)}, "fuzz/corpus/safetensors/seed-net")
PY
for target in idx idx_file safetensors checkpoint; do
  echo "== $target: $runs runs"
  log="fuzz/$target.log"
  if ! cargo +nightly fuzz run "$target" "fuzz/corpus/$target" -- -runs="$runs" -max_len=4096 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log"
    echo "== $target: FAILED (see $log)"
    exit 1
  fi
  grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$log"
done
