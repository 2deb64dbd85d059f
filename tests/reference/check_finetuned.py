"""Checks that transformers loads what `bertplay finetune` writes and scores it as `bertplay eval`
does: accuracy for a classifier (CSV/TSV), SQuAD exact match and F1 for a QA model (JSON).

Run by hand (needs torch + transformers):
    python3 tests/reference/check_finetuned.py MODEL_DIR DATA.tsv [--max-len 128]
    python3 tests/reference/check_finetuned.py MODEL_DIR SQUAD.json [--max-len 384 --stride 128]
Prints the architecture, labels (classifier) and the scores over the file. The QA decoding here
is written independently of the Rust one: best start + end logit, start <= end, at most 30
tokens, inside the context, over all windows of the question.
"""
import argparse
import collections
import csv
import json
import re
import string

import torch
import transformers

parser = argparse.ArgumentParser()
parser.add_argument("model")
parser.add_argument("data")
parser.add_argument("--max-len", type=int, default=None)
parser.add_argument("--stride", type=int, default=128)
args = parser.parse_args()
config = json.load(open(f"{args.model}/config.json"))
tok = transformers.AutoTokenizer.from_pretrained(args.model)


def load(cls):
    model, info = cls.from_pretrained(args.model, output_loading_info=True)
    # A missing weight would be random and the scores meaningless; an unused one is only noise.
    assert not info["missing_keys"], info
    if info["unexpected_keys"]:
        print(f"unused by transformers: {sorted(info['unexpected_keys'])}")
    return model.eval()


def check_classifier():
    model = load(transformers.BertForSequenceClassification)
    max_len = args.max_len or 128
    label2id = config["label2id"]
    delimiter = "\t" if args.data.endswith(".tsv") else ","
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    rows = list(csv.DictReader(open(args.data, encoding="utf-8"), delimiter=delimiter, quoting=quoting))
    right = 0
    with torch.no_grad():
        for i in range(0, len(rows), 32):
            chunk = rows[i : i + 32]
            enc = tok([r["text"] for r in chunk], truncation=True, max_length=max_len, padding=True, return_tensors="pt")
            pred = model(**enc).logits.argmax(-1).tolist()
            right += sum(p == label2id[r["label"]] for p, r in zip(pred, chunk))
    print(f"{config['architectures'][0]} labels {config['id2label']}: accuracy {right / len(rows):.4f} over {len(rows)} rows")


def normalize(text):
    text = "".join(c for c in text.lower() if c not in string.punctuation)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def f1(prediction, gold):
    p, g = normalize(prediction).split(), normalize(gold).split()
    same = sum((collections.Counter(p) & collections.Counter(g)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def answers(model, questions, contexts, max_len):
    """The best span of each question's context, over all of its windows."""
    enc = tok(questions, contexts, truncation="only_second", max_length=max_len, stride=args.stride,
              return_overflowing_tokens=True, return_offsets_mapping=True, padding=True, return_tensors="pt")
    offsets = enc.pop("offset_mapping")
    owner = enc.pop("overflow_to_sample_mapping").tolist()
    with torch.no_grad():
        out = model(**enc)
    best = [(-float("inf"), 0, 0)] * len(questions)
    for w, q in enumerate(owner):
        in_context = [s == 1 for s in enc.sequence_ids(w)]
        start, end = out.start_logits[w].tolist(), out.end_logits[w].tolist()
        for s in range(len(start)):
            for e in range(s, min(s + 30, len(end))):
                if in_context[s] and in_context[e] and start[s] + end[e] > best[q][0]:
                    best[q] = (start[s] + end[e], offsets[w][s][0].item(), offsets[w][e][1].item())
    return [context[a:b] for (_, a, b), context in zip(best, contexts)]


def check_qa():
    model = load(transformers.BertForQuestionAnswering)
    max_len = args.max_len or 384
    data = json.load(open(args.data, encoding="utf-8"))["data"]
    items = [(qa, p["context"]) for article in data for p in article["paragraphs"] for qa in p["qas"]]
    exact = total_f1 = 0
    for i in range(0, len(items), 16):
        chunk = items[i : i + 16]
        predictions = answers(model, [qa["question"] for qa, _ in chunk], [c for _, c in chunk], max_len)
        for (qa, _), prediction in zip(chunk, predictions):
            golds = [a["text"] for a in qa["answers"]]
            exact += any(normalize(prediction) == normalize(g) for g in golds)
            total_f1 += max(f1(prediction, g) for g in golds)
    n = len(items)
    print(f"{config['architectures'][0]}: exact match {exact / n:.4f}, F1 {total_f1 / n:.4f} over {n} questions")


check_qa() if args.data.endswith(".json") else check_classifier()
