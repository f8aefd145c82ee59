#!/usr/bin/env bash
# Trains the book's chapter 8 convnet (examples/convnet.rs, seed 0, 5 epochs of batch 64) and
# fails unless the summary has the book's 104,202 parameters and the test accuracy, counted
# from predict() and equal to the Accuracy metric, is at least MIN_ACC (default 0.99, the
# issue's bar; the book reports 0.991). Measured 2026-11-28 on a 2-core AVX-512 Xeon:
# seed 0 0.9910 (bit-identical run to run), seed 1 0.9921, seed 2 0.9910; seed 0 with the
# AVX2 kernel (another machine kind's rounding) 0.9905. The margin is small: a change
# that costs a tenth of a point fails here.
# Usage: scripts/check_convnet.sh [DATA_DIR] [MIN_ACC]
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${MNIST_DIR:-../shared/data/mnist}}"
min="${2:-0.99}"
start=$(date +%s)
out=$(cargo run --release --quiet --example convnet -- --data "$data" --quiet)
echo "$out"
grep -q "^total params: 104202$" <<<"$out" || { echo "check_convnet: the summary does not total 104202 parameters" >&2; exit 1; }
metric=$(sed -n 's/^test_acc: //p' <<<"$out")
acc=$(sed -n 's/^test_acc_from_predict: //p' <<<"$out")
if [ -z "$acc" ] || [ "$acc" != "$metric" ]; then
  echo "check_convnet: the Accuracy metric says '$metric', predict() gives '$acc'" >&2
  exit 1
fi
if awk -v a="$acc" -v m="$min" 'BEGIN { exit !(a >= m) }'; then
  echo "check_convnet: test_acc $acc >= $min ($(( $(date +%s) - start )) s)"
else
  echo "check_convnet: test_acc $acc < $min" >&2
  exit 1
fi
