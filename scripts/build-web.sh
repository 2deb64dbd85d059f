#!/usr/bin/env bash
# Builds the browser playground into web/dist: the core for wasm32 (release profile
# `wasm-release`), wasm-bindgen (the CLI at the crate's exact version), wasm-opt when asked
# (BERTPLAY_WASM_OPT=1), then the page with Vite. Prints the wasm's size, raw and gzipped
# (budget: 6 MB gzipped).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${BERTPLAY_CACHE:-$HOME/.cache/bertplay}"
node_bin="$(bash scripts/node.sh)"
export PATH="${node_bin:+$node_bin:}$HOME/.cargo/bin:$PATH"

want="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }')" != "$want" ]; then
  echo "build-web: installing wasm-bindgen-cli $want" >&2
  cargo install wasm-bindgen-cli --version "$want"
fi
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund)
fi

toolbin="$(bash scripts/wasm-toolchain.sh)"
PATH="${toolbin:+$toolbin:}$PATH" CARGO_TARGET_DIR="$cache/target-wasm" \
  cargo build --profile wasm-release -p bertplay-wasm --target wasm32-unknown-unknown
built="$cache/target-wasm/wasm32-unknown-unknown/wasm-release/bertplay_wasm.wasm"

pkg=web/src/pkg
rm -rf "$pkg"
wasm-bindgen --target web --out-dir "$pkg" "$built"
wasm="$pkg/bertplay_wasm_bg.wasm"
# wasm-opt is opt-in: measured here it made the gzipped download larger (5.16 MB against
# 5.00 MB without it; raw 21.7 against 29.0 MB) and took 6 to 10 minutes (docs/BENCHMARKS.md).
if [ "${BERTPLAY_WASM_OPT:-0}" = 1 ] && command -v wasm-opt >/dev/null; then
  # The features Rust's wasm32 target enables by default, plus SIMD128 (see .cargo/config.toml).
  wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$wasm" -o "$wasm.opt"
  mv "$wasm.opt" "$wasm"
fi
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
echo "build-web: bertplay_wasm_bg.wasm $((raw / 1024)) KiB, gzip -9 $((gz / 1024)) KiB"
if [ "$gz" -gt $((6 * 1024 * 1024)) ]; then
  echo "build-web: the gzipped wasm is over its 6 MB budget" >&2
  exit 1
fi
(cd web && npm run build --silent)
