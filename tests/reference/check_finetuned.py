"""Checks that transformers loads what `bertplay finetune --task classify` writes and scores it
as `bertplay eval` does.

Run by hand (needs torch + transformers):
    python3 tests/reference/check_finetuned.py MODEL_DIR DATA.tsv [--max-len 128]
Prints the architecture, labels, and accuracy over the file (compare with `bertplay eval`).
"""
import argparse
import csv
import json

import torch
import transformers

parser = argparse.ArgumentParser()
parser.add_argument("model")
parser.add_argument("data")
parser.add_argument("--max-len", type=int, default=128)
args = parser.parse_args()

config = json.load(open(f"{args.model}/config.json"))
model, info = transformers.BertForSequenceClassification.from_pretrained(args.model, output_loading_info=True)
assert not info["missing_keys"] and not info["unexpected_keys"], info
model.eval()
tok = transformers.AutoTokenizer.from_pretrained(args.model)
label2id = config["label2id"]
delimiter = "\t" if args.data.endswith(".tsv") else ","
rows = list(csv.DictReader(open(args.data, encoding="utf-8"), delimiter=delimiter, quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL))
right = 0
with torch.no_grad():
    for i in range(0, len(rows), 32):
        chunk = rows[i : i + 32]
        enc = tok([r["text"] for r in chunk], truncation=True, max_length=args.max_len, padding=True, return_tensors="pt")
        pred = model(**enc).logits.argmax(-1).tolist()
        right += sum(p == label2id[r["label"]] for p, r in zip(pred, chunk))
print(f"{config['architectures'][0]} labels {config['id2label']}: accuracy {right / len(rows):.4f} over {len(rows)} rows")
