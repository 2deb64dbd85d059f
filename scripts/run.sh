#!/usr/bin/env bash
# The main job until the browser playground lands: build the CLI and inspect the reference
# BERT (all-MiniLM-L6-v2) on the course's sentence. Extra arguments replace the text.
set -euo pipefail
cd "$(dirname "$0")/.."
model="$(scripts/fetch-reference-model.sh)"
cargo build --release -p bertplay-cli
text="${*:-The capital of France is Paris.}"
./target/release/bertplay inspect --model "$model" --text "$text"
