#!/usr/bin/env bash
# The MNIST example on inputs that used to make it panic: a test set of fewer than ten
# images, and a --data path that is not UTF-8 (a clear error, exit code 1).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" <<'PY'
import struct, sys
d = sys.argv[1]
def images(n): return bytes([0, 0, 8, 3]) + struct.pack(">III", n, 28, 28) + bytes((i * 7) % 256 for i in range(n * 784))
def labels(v): return bytes([0, 0, 8, 1]) + struct.pack(">I", len(v)) + bytes(v)
for name, data in [("train-images-idx3-ubyte", images(6)), ("train-labels-idx1-ubyte", labels([0, 1, 2, 3, 4, 5])),
                   ("t10k-images-idx3-ubyte", images(3)), ("t10k-labels-idx1-ubyte", labels([7, 8, 9]))]:
    open(f"{d}/{name}", "wb").write(data)
PY
out="$(cargo run --release --quiet --example mnist -- --data "$dir" --epochs 1 --quiet)"
grep -q "first 3 test digits" <<<"$out" && grep -q "^test_acc: " <<<"$out"
echo "mnist example on a 3-image test set: ok"
set +e
err="$(cargo run --release --quiet --example mnist -- --data "$(printf 'bad-\xff-dir')" 2>&1)"
code=$?
set -e
if [[ $code -ne 1 ]] || ! grep -q "is not valid UTF-8" <<<"$err"; then
  echo "non-UTF-8 --data: expected exit 1 and a message, got $code: $err"
  exit 1
fi
echo "mnist example with a non-UTF-8 --data path: clear error: ok"
