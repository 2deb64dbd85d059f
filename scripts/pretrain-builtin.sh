#!/usr/bin/env bash
# Reproduces the playground's built-in model from scratch: WordNet 3.0's glosses (Debian's
# wordnet-base) → `bertplay pretrain` (MLM + NSP) → assets/builtin-model. Resumes a stopped run
# (its state lives in ~/.cache/bertplay/pretrain-builtin). Hours on a 2-core CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/apt-install.sh wordnet-base librsvg2-bin
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bertplay/target}"
# Built exactly as the test command builds it, so the two share one cache of Burn.
cargo test --release --workspace --features bertplay/vulkan --no-run
bin="$CARGO_TARGET_DIR/release/bertplay"
work="$HOME/.cache/bertplay/pretrain-builtin"
mkdir -p "$work"
python3 scripts/wordnet-corpus.py /usr/share/wordnet > "$work/wordnet.txt"

resume=()
[ -f "$work/run/checkpoint/trainer_state.json" ] && resume=(--resume)
"$bin" pretrain --corpus "$work/wordnet.txt" --out "$work/run" \
  --vocab-size 8000 --layers 4 --hidden 256 --heads 4 --intermediate 768 --max-len 128 \
  --steps 10000 --batch 32 --lr 5e-4 --warmup 0.05 --seed 42 \
  --eval-every 1000 --save-every 200 "${resume[@]}"

out=assets/builtin-model
rm -f "$out"/*
for f in config.json model.safetensors tokenizer.json tokenizer_config.json eval.json; do
  cp "$work/run/$f" "$out/"
done
rsvg-convert -o "$out/loss.png" "$work/run/loss.svg"
# WordNet's licence asks for its notice on every copy of (a modification of) the database.
cp /usr/share/doc/wordnet-base/copyright "$out/WORDNET-COPYRIGHT"
"$bin" fill-mask --model "$out" --text "the capital of [MASK] is paris."
