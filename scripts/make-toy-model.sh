#!/usr/bin/env bash
# Builds the course's toy BERT into assets/toy-model: a 99-token vocabulary
# (scripts/toy-vocab.txt: the special tokens, the course's words, letters, digits), d_model 10,
# 2 heads, one layer, feed-forward 40, 16 positions, weights drawn with seed 7 and standard
# deviation 0.5 (so its attention is far from uniform). Untrained, and its config says so.
# Run from the repository root after `cargo build --release`.
set -euo pipefail
bin=${BERTPLAY_BIN:-${CARGO_TARGET_DIR:-target}/release/bertplay}
"$bin" new --tokenizer scripts/toy-vocab.txt --out assets/toy-model \
  --layers 1 --hidden 10 --heads 2 --intermediate 40 --max-len 16 --seed 7 --init-range 0.5
