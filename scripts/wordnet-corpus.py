#!/usr/bin/env python3
"""Writes WordNet 3.0 (Debian's wordnet-base) as a pretraining corpus for `bertplay pretrain`.

One document per synset, one sentence per line, documents separated by blank lines:
its definition as a sentence, the other names it goes by, and its example sentences.
Usage: wordnet-corpus.py [WORDNET_DIR] > corpus.txt
"""
import sys
from pathlib import Path

KINDS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}


def sentence(text: str) -> str:
    text = text.strip().strip('"').strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".?!" else text + "."


def synsets(path: Path):
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("  ") or "|" not in line:
            continue  # the licence header
        fields, gloss = line.split("|", 1)
        parts = fields.split()
        count = int(parts[3], 16)
        lemmas = [parts[4 + 2 * i].replace("_", " ") for i in range(count)]
        # Adjective markers such as "(a)" or "(p)" are not part of the word.
        lemmas = [l.split("(")[0] for l in lemmas]
        yield lemmas, gloss.strip()


def document(kind: str, lemmas, gloss: str):
    pieces = [p.strip() for p in gloss.split(";") if p.strip()]
    definition = [p for p in pieces if not p.startswith('"')]
    examples = [p for p in pieces if p.startswith('"')]
    head = lemmas[0]
    out = []
    if definition:
        text = "; ".join(definition)
        if kind == "n":
            out.append(sentence(f"{head} is {text}"))
        elif kind == "v":
            out.append(sentence(f"to {head} is to {text}"))
        else:
            out.append(sentence(f"{head} means {text}"))
    others = [l for l in lemmas[1:] if l.lower() != head.lower()]
    if others:
        names = others[0] if len(others) == 1 else ", ".join(others[:-1]) + " or " + others[-1]
        out.append(sentence(f"{head} is also called {names}"))
    out.extend(sentence(e) for e in examples)
    return [s for s in out if s]


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet")
    out = sys.stdout
    for name, kind in KINDS.items():
        for lemmas, gloss in synsets(root / f"data.{name}"):
            doc = document(kind, lemmas, gloss)
            if doc:
                out.write("\n".join(doc) + "\n\n")


if __name__ == "__main__":
    main()
