#!/usr/bin/env bash
# Downloads the four MNIST files into DIR (default data/mnist) from a public mirror and
# verifies their checksums (the canonical md5 and sha256 of the original distribution).
# Usage: scripts/download_mnist.sh [DIR]
set -euo pipefail
dir="${1:-data/mnist}"
mirrors=(
  "https://ossci-datasets.s3.amazonaws.com/mnist"
  "https://storage.googleapis.com/cvdf-datasets/mnist"
)
declare -A md5=(
  [train-images-idx3-ubyte.gz]=f68b3c2dcbeaaa9fbdd348bbdeb94873
  [train-labels-idx1-ubyte.gz]=d53e105ee54ea40749a09fcbcd1e9432
  [t10k-images-idx3-ubyte.gz]=9fb629c4189551a2d022fa330f9573f3
  [t10k-labels-idx1-ubyte.gz]=ec29112dd5afa0611ce80d1b7f02629c
)
declare -A sha256=(
  [train-images-idx3-ubyte.gz]=440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609
  [train-labels-idx1-ubyte.gz]=3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c
  [t10k-images-idx3-ubyte.gz]=8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6
  [t10k-labels-idx1-ubyte.gz]=f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6
)
mkdir -p "$dir"
for file in "${!md5[@]}"; do
  target="$dir/$file"
  if [ -f "$target" ] && echo "${md5[$file]}  $target" | md5sum -c --quiet - 2>/dev/null; then
    echo "$file: present"
    continue
  fi
  ok=""
  for mirror in "${mirrors[@]}"; do
    if curl -fsSL --retry 2 -o "$target.part" "$mirror/$file"; then
      if echo "${md5[$file]}  $target.part" | md5sum -c --quiet - &&
         echo "${sha256[$file]}  $target.part" | sha256sum -c --quiet -; then
        mv "$target.part" "$target"
        ok=1
        echo "$file: downloaded from $mirror, checksums verified"
        break
      fi
      echo "$file from $mirror: checksum mismatch, trying the next mirror" >&2
    fi
  done
  rm -f "$target.part"
  [ -n "$ok" ] || { echo "$file: could not download a verified copy" >&2; exit 1; }
done
echo "MNIST is in $dir (MNIST: Yann LeCun and Corinna Cortes, CC BY-SA 3.0)"
