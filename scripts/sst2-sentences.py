#!/usr/bin/env python3
"""Picks 4,000 SST-2 training rows that are whole sentences, for `bertplay finetune`.

SST-2's training file is mostly phrases cut from parse trees (median 7 words) while its dev set
is whole sentences (median 19); rows of 12 words or more are mostly sentences. Keeps 4,000 of
them, evenly spaced, with the file's header.
Usage: sst2-sentences.py TRAIN.tsv > train-sentences.tsv
"""
import sys

MIN_WORDS, ROWS = 12, 4000

lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
header, rows = lines[0], [l for l in lines[1:] if len(l.split("\t")[0].split()) >= MIN_WORDS]
if len(rows) < ROWS:
    sys.exit(f"only {len(rows)} rows of {MIN_WORDS} words or more in {sys.argv[1]}; {ROWS} are needed")
picked = [rows[i * len(rows) // ROWS] for i in range(ROWS)]
sys.stdout.write("\n".join([header, *picked]) + "\n")
