"""The PyTorch side of `bertplay bench`: transformers' BertModel forward at batch x seq, or with
--train a fine-tuning step (BertForSequenceClassification, 2 labels, AdamW, clipping at 1.0).

Run by hand beside the CLI, on an idle machine, same threads:
    python3 tests/reference/bench_transformers.py MODEL_DIR [--batch 8] [--seq 128] [--threads 2] [--train]
Prints one line like the CLI's: median / mean / min latency and tokens/s.
"""
import argparse
import statistics
import time

import torch
from transformers import BertForSequenceClassification, BertModel

parser = argparse.ArgumentParser()
parser.add_argument("model")
parser.add_argument("--batch", type=int, default=8)
parser.add_argument("--seq", type=int, default=128)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--iterations", type=int, default=10)
parser.add_argument("--warmup", type=int, default=2)
parser.add_argument("--train", action="store_true")
args = parser.parse_args()

torch.set_num_threads(args.threads)
generator = torch.Generator().manual_seed(12345)
if args.train:
    model = BertForSequenceClassification.from_pretrained(args.model, num_labels=2).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01)
    labels = torch.arange(args.batch) % 2
else:
    model = BertModel.from_pretrained(args.model).eval()
ids = torch.randint(0, model.config.vocab_size, (args.batch, args.seq), generator=generator)
mask = torch.ones_like(ids)
types = torch.zeros_like(ids)
times = []


def step():
    if args.train:
        loss = model(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
    else:
        with torch.inference_mode():
            model(input_ids=ids, attention_mask=mask, token_type_ids=types)


for i in range(args.warmup + args.iterations):
    start = time.perf_counter()
    step()
    if i >= args.warmup:
        times.append((time.perf_counter() - start) * 1e3)
median = statistics.median(times)
kind = "training step" if args.train else "forward"
print(f"pytorch {torch.__version__} ({args.threads} threads) {kind} batch {args.batch}x{args.seq}: median {median:.1f} ms "
      f"(mean {statistics.mean(times):.1f}, min {min(times):.1f}) over {args.iterations} runs = "
      f"{args.batch * args.seq / (median / 1e3):.0f} tokens/s")
