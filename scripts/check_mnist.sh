#!/usr/bin/env bash
# Trains the chapter's MNIST network and fails unless test_acc >= the threshold (default 0.975).
# Seeds 0-4 give 0.9809, 0.9789, 0.9735, 0.9793, 0.9817 (mean 0.9789, sd 0.003; measured
# 2026-11-27); seed 0 (used here) is bit-identical from run to run. 0.975 sits about two
# standard deviations below the mean: a change that only moves seed 0 within the spread
# passes, broken training falls far below it.
# Usage: scripts/check_mnist.sh [DATA_DIR] [MIN_ACC]
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${MNIST_DIR:-../shared/data/mnist}}"
min="${2:-0.975}"
out=$(cargo run --release --quiet --example mnist -- --data "$data" --quiet)
echo "$out"
# The threshold applies to the accuracy counted from predict() (argmax against the labels),
# not to the Accuracy metric it is meant to check; the two must agree.
metric=$(echo "$out" | sed -n 's/^test_acc: //p')
acc=$(echo "$out" | sed -n 's/^test_acc_from_predict: //p')
if [ -z "$acc" ] || [ -z "$metric" ]; then
  echo "check_mnist: no test_acc / test_acc_from_predict line in the output" >&2
  exit 1
fi
if [ "$acc" != "$metric" ]; then
  echo "check_mnist: the Accuracy metric says $metric, predict() gives $acc" >&2
  exit 1
fi
if awk -v a="$acc" -v m="$min" 'BEGIN { exit !(a >= m) }'; then
  echo "check_mnist: test_acc $acc >= $min"
else
  echo "check_mnist: test_acc $acc < $min" >&2
  exit 1
fi
