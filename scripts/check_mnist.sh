#!/usr/bin/env bash
# Trains the chapter's MNIST network and fails unless test_acc >= the threshold (default 0.975).
# Usage: scripts/check_mnist.sh [DATA_DIR] [MIN_ACC]
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${MNIST_DIR:-../shared/data/mnist}}"
min="${2:-0.975}"
out=$(cargo run --release --quiet --example mnist -- --data "$data" --quiet)
echo "$out"
acc=$(echo "$out" | sed -n 's/^test_acc: //p')
if [ -z "$acc" ]; then
  echo "check_mnist: no test_acc line in the output" >&2
  exit 1
fi
if awk -v a="$acc" -v m="$min" 'BEGIN { exit !(a >= m) }'; then
  echo "check_mnist: test_acc $acc >= $min"
else
  echo "check_mnist: test_acc $acc < $min" >&2
  exit 1
fi
