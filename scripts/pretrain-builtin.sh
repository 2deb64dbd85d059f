#!/usr/bin/env bash
# Reproduces the playground's built-in model from scratch: WordNet 3.0 (Debian's wordnet-base)
# → `bertplay pretrain` (MLM + NSP) → assets/builtin-model. Two phases: 10,000 steps on the
# glosses, then 4,000 more on the glosses with WordNet's relations written as sentences. Resumes
# a stopped phase (its state lives in ~/.cache/bertplay/pretrain-builtin). Hours on a 2-core CPU.
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
python3 scripts/wordnet-corpus.py --relations /usr/share/wordnet > "$work/wordnet-relations.txt"

# A finished phase is skipped; a stopped one resumes.
phase() { # OUT ARGS...
  local out="$1"; shift
  [ -f "$work/$out/model.safetensors" ] && return
  local resume=()
  [ -f "$work/$out/checkpoint/trainer_state.json" ] && resume=(--resume)
  "$bin" pretrain --out "$work/$out" --max-len 128 --batch 32 --warmup 0.05 --seed 42 \
    --save-every 200 "$@" "${resume[@]}"
}
phase run --corpus "$work/wordnet.txt" --vocab-size 8000 --layers 4 --hidden 256 --heads 4 \
  --intermediate 768 --steps 10000 --lr 5e-4 --eval-every 1000
# The same seed and document count hold out the same synsets in both phases.
phase run2 --corpus "$work/wordnet-relations.txt" --from "$work/run" --steps 4000 --lr 3e-4 \
  --eval-every 500

out=assets/builtin-model
rm -f "$out"/*
for f in config.json model.safetensors tokenizer.json tokenizer_config.json eval.json; do
  cp "$work/run2/$f" "$out/"
done
rsvg-convert -o "$out/loss.png" "$work/run/loss.svg"
rsvg-convert -o "$out/loss-relations.png" "$work/run2/loss.svg"
# WordNet's licence asks for its notice on every copy of (a modification of) the database.
cp /usr/share/doc/wordnet-base/copyright "$out/WORDNET-COPYRIGHT"
"$bin" fill-mask --model "$out" --text "the capital of [MASK] is paris."
