#!/usr/bin/env bash
# Runs the README's quick start exactly as a new user types it,
#   cargo run --release --example mnist
# with no arguments, on a machine without internet: DATA_DIR is served on 127.0.0.1 as the
# dataset mirror (SHAPED_DATASETS_URL) and the cache starts empty (SHAPED_DATA), so the
# download, the sha256 check and the cache run as on a fresh machine. A second run with the
# server stopped must load from the cache. Fails unless test accuracy >= MIN_ACC.
#
# Seeds 0-4 give 0.9809, 0.9789, 0.9735, 0.9793, 0.9817 (mean 0.9789, sd 0.003; measured
# 2026-11-27); seed 0 (used here) is bit-identical from run to run. 0.975 sits about two
# standard deviations below the mean: a change that only moves seed 0 within the spread
# passes, broken training falls far below it.
# Usage: scripts/check_mnist.sh [DATA_DIR] [MIN_ACC]
set -euo pipefail
cd "$(dirname "$0")/.."
data="$(realpath "${1:-${MNIST_DIR:-../shared/data/mnist}}")"
min="${2:-0.975}"
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/mirror/mnist" "$work/cache"
for f in "$data"/*-ubyte.gz; do ln -s "$f" "$work/mirror/mnist/"; done
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/mirror" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break
  sleep 0.1
done
cargo build --release --quiet --example mnist
quickstart() {
  env -u MNIST_DIR SHAPED_DATA="$work/cache" SHAPED_DATASETS_URL="http://127.0.0.1:$port" \
    cargo run --release --quiet --example mnist -- "$@"
}
out=$(quickstart --quiet)
echo "$out"
downloads=$(grep -c '"GET /mnist/' "$work/server.log" || true)
if [ "$downloads" != 4 ]; then
  echo "check_mnist: expected 4 downloads from the mirror, saw $downloads" >&2
  exit 1
fi
(cd "$work/cache/mnist" && sha256sum --quiet -c <(cd "$data" && grep -- '-ubyte.gz' SHA256SUMS))
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
kill "$server"
server=""
quickstart --quiet --epochs 1 >/dev/null
echo "check_mnist: the quick start downloaded MNIST from the mirror, verified it, and loaded it from the cache with the server stopped"
