#!/usr/bin/env bash
# Builds the firmware example (embed/firmware: MNIST nets on a Cortex-M4F, weights baked in
# and checked at build time by include_net!) once per net (784-64-10 f32, int8 and bf16, a
# small convnet), runs each under QEMU (mps2-an386), and checks that its predictions equal the
# host's (examples/embed.rs, same weights, same digits). Installs what it needs when missing: the thumbv7em-none-eabihf target (rustup)
# and qemu-system-arm (Debian). Ends with one summary line per variant:
#   firmware int8: accuracy 0.9750 on 1000 digits, flash 58.2 KB, ram 4.4 KB
# Usage: scripts/run_firmware.sh [DATA_DIR] [DIGITS]   (SHAPED_WEIGHTS=FILE: that MLP's weights)
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

# Train the nets on the desktop (or load SHAPED_WEIGHTS for the MLP), write their weights
# and the host's predictions for the same digits.
mlp_weights=()
if [ -n "${SHAPED_WEIGHTS:-}" ]; then mlp_weights=(--weights "$(realpath "$SHAPED_WEIGHTS")"); fi
cargo run --release --quiet --example embed -- --data "$data" "${mlp_weights[@]}" --count "$count" \
  --save "$work/mlp.safetensors" --save-int8 "$work/mlp_int8.safetensors" \
  --save-bf16 "$work/mlp_bf16.safetensors" --predictions "$work/host_f32.txt" \
  --predictions-int8 "$work/host_int8.txt" --predictions-bf16 "$work/host_bf16.txt"
cargo run --release --quiet --example embed -- --data "$data" --model convnet --count "$count" \
  --save "$work/convnet.safetensors" --predictions "$work/host_convnet.txt"
export SHAPED_WEIGHTS="$work/mlp.safetensors" SHAPED_WEIGHTS_INT8="$work/mlp_int8.safetensors" \
  SHAPED_WEIGHTS_BF16="$work/mlp_bf16.safetensors" SHAPED_CONVNET="$work/convnet.safetensors" SHAPED_DIGITS="$work/digits.bin"
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
if (cd embed/firmware && SHAPED_WEIGHTS="$work/wrong.safetensors" cargo build --release --quiet --features mlp-f32 2>"$work/wrong.txt"); then
  echo "run_firmware: weights of the wrong shape built" >&2
  exit 1
fi
grep -q 'tensor `0.kernel` is \[784, 256\] in wrong.safetensors, \[784, 64\] in the model' "$work/wrong.txt" || {
  echo "run_firmware: the wrong-shape build failed without naming the tensor:" >&2
  cat "$work/wrong.txt" >&2
  exit 1
}
echo "weights of the wrong shape: build error naming the tensor and both shapes"

# Section sizes of the ELF: code (vector table, .text), read-only data, RAM statics.
sections() {
  readelf -S -W "$elf" | python3 -c '
import re, sys
code = rodata = data = bss = 0
for line in sys.stdin:
    m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)", line)
    if not m:
        continue
    name, size = m.group(1), int(m.group(2), 16)
    if name in (".vector_table", ".text"): code += size
    elif name == ".rodata": rodata += size
    elif name == ".data": data += size
    elif name in (".bss", ".uninit"): bss += size
print(code, rodata, data, bss)'
}

# One firmware per net, so that flash and RAM are that net's alone. Flash: code, read-only
# data and .data's initial values, less the test digits (stored in flash for the test only).
# RAM: .data, .bss and the stack the inference used, measured on the device by painting.
summaries=()
for variant in f32 int8 bf16 convnet; do
  case $variant in
    f32) feature=mlp-f32 ;; int8) feature=mlp-int8 ;; bf16) feature=mlp-bf16 ;; convnet) feature=convnet ;;
  esac
  (cd embed/firmware && cargo build --release --quiet --features "$feature")
  timeout 900 qemu-system-arm -machine mps2-an386 -nographic \
    -semihosting-config enable=on,target=native -kernel "$elf" >"$work/firmware_$variant.txt"
  sed -n "s/^$variant [0-9]*: //p" "$work/firmware_$variant.txt" >"$work/device_$variant.txt"
  if ! cmp -s "$work/host_$variant.txt" "$work/device_$variant.txt"; then
    echo "run_firmware: the firmware's $variant predictions differ from the host's:" >&2
    diff "$work/host_$variant.txt" "$work/device_$variant.txt" | head >&2
    exit 1
  fi
  echo "firmware and host agree on all $(wc -l <"$work/host_$variant.txt") $variant predictions"
  read -r code rodata data bss < <(sections)
  stack=$(sed -n 's/^stack_bytes: //p' "$work/firmware_$variant.txt")
  accuracy=$(grep "^firmware $variant: " "$work/firmware_$variant.txt")
  digits=$(( count * 785 ))
  awk -v c="$code" -v r="$rodata" -v d="$data" -v b="$bss" -v s="$stack" -v g="$digits" -v v="$variant" \
    'BEGIN { printf "firmware %s footprint: code %.1f KB, weights and constants %.1f KB, statics %.1f KB, stack %.1f KB\n", v, c / 1024, (r + d - g) / 1024, (d + b) / 1024, s / 1024 }'
  summaries+=("$(awk -v a="$accuracy" -v c="$code" -v r="$rodata" -v d="$data" -v b="$bss" -v s="$stack" -v g="$digits" \
    'BEGIN { printf "%s, flash %.1f KB, ram %.1f KB", a, (c + r + d - g) / 1024, (d + b + s) / 1024 }')")
done
printf '%s\n' "${summaries[@]}"
