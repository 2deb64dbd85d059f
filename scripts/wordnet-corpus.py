#!/usr/bin/env python3
"""Writes WordNet 3.0 (Debian's wordnet-base) as a pretraining corpus for `bertplay pretrain`.

One document per synset, one sentence per line, documents separated by blank lines:
its definition as a sentence, the other names it goes by, and its example sentences.
With --relations, the synset's links to other synsets are written as sentences too ("Paris
is part of France", "a dragonfly is a kind of insect"), and each other name the other way
round ("capital of France is another name for Paris"): facts that glosses state once or
never, which a small model needs to see from several sides to learn.
Usage: wordnet-corpus.py [--relations] [WORDNET_DIR] > corpus.txt
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
    """Yields (offset, lemmas, pointers, gloss); pointers are (symbol, offset, part of speech)
    for links between whole synsets (WordNet's source/target field 0000)."""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("  ") or "|" not in line:
            continue  # the licence header
        fields, gloss = line.split("|", 1)
        parts = fields.split()
        count = int(parts[3], 16)
        lemmas = [parts[4 + 2 * i].replace("_", " ") for i in range(count)]
        # Adjective markers such as "(a)" or "(p)" are not part of the word.
        lemmas = [l.split("(")[0] for l in lemmas]
        at = 4 + 2 * count
        pointers = []
        for i in range(int(parts[at])):
            symbol, offset, pos, source_target = parts[at + 1 + 4 * i : at + 5 + 4 * i]
            if source_target == "0000":
                pointers.append((symbol, offset, "a" if pos == "s" else pos))
        yield parts[0], lemmas, pointers, gloss.strip()


def article(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def relations(kind: str, lemmas, pointers, heads) -> list:
    """One sentence per link that reads naturally in English (other links are left out), and
    each other name said the other way round."""
    head = lemmas[0]
    out = [f"{o} is another name for {head}" for o in lemmas[1:] if o.lower() != head.lower()]
    for symbol, offset, pos in pointers:
        other = heads.get((pos, offset))
        if other is None:
            continue
        if kind == "n" and symbol == "@":
            out.append(f"{article(head)} is a kind of {other}")
        elif kind == "n" and symbol == "@i":
            out.append(f"{head} is {article(other)}")
        elif symbol == "#p":
            out.append(f"{head} is part of {other}")
        elif symbol == "#m":
            out.append(f"{head} is a member of {other}")
        elif symbol == "#s":
            out.append(f"{other} contains {head}")
        elif symbol == "%p":
            out.append(f"{head} includes {other}")
        elif symbol == "%m":
            out.append(f"{other} belongs to {head}")
        elif kind == "v" and symbol == "@":
            out.append(f"to {head} is a way to {other}")
    return list(dict.fromkeys(out))  # two linked synsets may share a name


def document(kind: str, lemmas, gloss: str, related: list):
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
    out.extend(sentence(r) for r in related)
    return [s for s in out if s]


def main():
    args = sys.argv[1:]
    with_relations = "--relations" in args
    args = [a for a in args if a != "--relations"]
    root = Path(args[0] if args else "/usr/share/wordnet")
    entries = [
        (kind, offset, lemmas, pointers, gloss)
        for name, kind in KINDS.items()
        for offset, lemmas, pointers, gloss in synsets(root / f"data.{name}")
    ]
    heads = {(kind, offset): lemmas[0] for kind, offset, lemmas, _, _ in entries}
    out = sys.stdout
    for kind, offset, lemmas, pointers, gloss in entries:
        related = relations(kind, lemmas, pointers, heads) if with_relations else []
        doc = document(kind, lemmas, gloss, related)
        if doc:
            out.write("\n".join(doc) + "\n\n")


if __name__ == "__main__":
    main()
