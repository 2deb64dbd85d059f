#!/usr/bin/env bash
# The main job: build the playground (the core for wasm32, then the page) and serve it on
# 127.0.0.1 with the built-in model. Once built it needs no network. PORT picks the port.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/apt-install.sh zstd unzip
scripts/build-web.sh
node_bin="$(scripts/node.sh)"
exec env PATH="${node_bin:+$node_bin:}$PATH" node web/serve.mjs --port "${PORT:-8080}"
