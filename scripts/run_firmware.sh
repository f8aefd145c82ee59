#!/usr/bin/env bash
# Builds the firmware example (embed/firmware: the chapter's MNIST network on a Cortex-M4F,
# weights baked in and checked at build time) and runs it under QEMU (mps2-an386), then
# checks that its predictions equal the host's (examples/embed.rs, same weights, same
# digits). Installs what it needs when missing: the thumbv7em-none-eabihf target (rustup)
# and qemu-system-arm (Debian). Ends with one summary line per variant:
#   firmware f32: accuracy 0.9800 on 1000 digits, flash 1712.3 KB, ram 5.3 KB
# Usage: scripts/run_firmware.sh [DATA_DIR] [DIGITS]   (SHAPED_WEIGHTS=FILE: use those weights)
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${MNIST_DIR:-../shared/data/mnist}}"
count="${2:-1000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! command -v qemu-system-arm >/dev/null; then
  # Without recommends: QEMU alone (~20 s), not 855 MB of graphics libraries.
  apt-get update -qq && apt-get install -y -qq --no-install-recommends qemu-system-arm >/dev/null
fi
rustup target add thumbv7em-none-eabihf >/dev/null 2>&1

weights="${SHAPED_WEIGHTS:-$work/mnist.safetensors}"
if [ ! -f "$weights" ]; then
  cargo run --release --quiet --example mnist -- --data "$data" --save "$weights" --quiet >/dev/null
fi
weights="$(realpath "$weights")"

# The first COUNT test digits: a count (u32 LE), then per digit its label and 784 pixels.
python3 - "$data" "$count" "$work/digits.bin" <<'PY'
import gzip, os, struct, sys
data, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def read(name):
    path = os.path.join(data, name)
    opener = gzip.open if os.path.exists(path + ".gz") else open
    with opener(path + ".gz" if os.path.exists(path + ".gz") else path, "rb") as f:
        return f.read()
images, labels = read("t10k-images-idx3-ubyte"), read("t10k-labels-idx1-ubyte")
n = min(count, struct.unpack(">I", labels[4:8])[0])
with open(out, "wb") as f:
    f.write(struct.pack("<I", n))
    for i in range(n):
        f.write(labels[8 + i:9 + i])
        f.write(images[16 + i * 784:16 + (i + 1) * 784])
PY

cargo run --release --quiet --example embed -- --data "$data" --weights "$weights" \
  --count "$count" --predictions "$work/host_f32.txt" --predictions-int8 "$work/host_int8.txt" \
  --save-int8 "$work/int8.safetensors" >/dev/null
export SHAPED_WEIGHTS_INT8="$work/int8.safetensors"

(cd embed/firmware && SHAPED_WEIGHTS="$weights" SHAPED_DIGITS="$work/digits.bin" \
  cargo build --release --quiet)
elf=embed/firmware/target/thumbv7em-none-eabihf/release/shaped-firmware

# A weights file that does not match the model must not build, and must say why.
python3 - "$work/wrong.safetensors" <<'PY'
import json, struct, sys
header = {"0.kernel": {"dtype": "F32", "shape": [784, 256], "data_offsets": [0, 784 * 256 * 4]}}
raw = json.dumps(header).encode()
raw += b" " * (-len(raw) % 8)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(raw)) + raw + bytes(784 * 256 * 4))
PY
if (cd embed/firmware && SHAPED_WEIGHTS="$work/wrong.safetensors" SHAPED_DIGITS="$work/digits.bin"     cargo build --release --quiet 2>"$work/wrong.txt"); then
  echo "run_firmware: weights of the wrong shape built" >&2
  exit 1
fi
grep -q 'tensor `0.kernel` is \[784, 256\] in the file, \[784, 512\] in the model' "$work/wrong.txt" || {
  echo "run_firmware: the wrong-shape build failed without naming the tensor:" >&2
  cat "$work/wrong.txt" >&2
  exit 1
}
echo "weights of the wrong shape: build error naming the tensor and both shapes"

timeout 900 qemu-system-arm -machine mps2-an386 -nographic \
  -semihosting-config enable=on,target=native -kernel "$elf" >"$work/firmware.txt"
for variant in f32 int8; do
  sed -n "s/^$variant [0-9]*: //p" "$work/firmware.txt" >"$work/firmware_$variant.txt"
  if ! cmp -s "$work/host_$variant.txt" "$work/firmware_$variant.txt"; then
    echo "run_firmware: the firmware's $variant predictions differ from the host's:" >&2
    diff "$work/host_$variant.txt" "$work/firmware_$variant.txt" | head >&2
    exit 1
  fi
  echo "firmware and host agree on all $(wc -l <"$work/host_$variant.txt") $variant predictions"
done

# Flash per variant: the code (.vector_table and .text) and that variant's weights (their
# statics: f32 kernels and biases; int8 kernels, f32 scales and biases, two input scales).
# RAM per variant: statics (.data, .bss) and the forward pass's arrays, fixed by the types
# (f32 input and hidden activations; for int8 also the hidden layer's i32 accumulators).
read -r code image ram < <(readelf -S -W "$elf" | python3 -c '
import re, sys
code = image = ram = 0
for line in sys.stdin:
    m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)", line)
    if not m:
        continue
    name, size = m.group(1), int(m.group(2), 16)
    if name in (".vector_table", ".text"):
        code += size
    if name in (".vector_table", ".text", ".rodata", ".data"):
        image += size
    if name in (".data", ".bss", ".uninit"):
        ram += size
print(code, image, ram)')
awk -v c="$code" -v i="$image" 'BEGIN { printf "firmware image: %.1f KB (code %.1f KB, both variants'"'"' weights, %d digits)\n", i / 1024, c / 1024, '"$count"' }'
for variant in f32 int8; do
  summary="$(grep "^firmware $variant: " "$work/firmware.txt")"
  case $variant in
    f32) weights=$(( (784 * 512 + 512 + 512 * 10 + 10) * 4 )); stack=$(( (784 + 512 + 10) * 4 )) ;;
    int8) weights=$(( 784 * 512 + 512 * 10 + (512 + 512 + 10 + 10 + 2) * 4 )); stack=$(( (784 + 512 + 10 + 512) * 4 )) ;;
  esac
  awk -v s="$summary" -v c="$code" -v w="$weights" -v r="$ram" -v k="$stack" \
    'BEGIN { printf "%s, flash %.1f KB, ram %.1f KB\n", s, (c + w) / 1024, (r + k) / 1024 }'
done
