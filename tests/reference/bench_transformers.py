"""The PyTorch side of `bertplay bench`: transformers' BertModel forward at batch x seq, with
--inspect the forward that also returns every attention and hidden state (`bench --mode
inspect`), or with --train a fine-tuning step (BertForSequenceClassification, 2 labels, AdamW,
clipping at 1.0).

Run by hand beside the CLI, on an idle machine, same threads:
    python3 tests/reference/bench_transformers.py MODEL_DIR [--batch 8] [--seq 128] [--threads 2] [--train | --inspect]
    python3 tests/reference/bench_transformers.py --preset bert-base ...   (random weights)
Prints one line like the CLI's: median / mean / min latency and tokens/s (`--json`: one JSON
object with the same fields as `bertplay bench --json`, peak resident memory included).
"""
import argparse
import json
import resource
import statistics
import time

import torch
from transformers import BertConfig, BertForSequenceClassification, BertModel

parser = argparse.ArgumentParser()
parser.add_argument("model", nargs="?")
parser.add_argument("--preset", choices=["bert-base"], help="bert-base-uncased's shape, random weights")
parser.add_argument("--json", action="store_true")
parser.add_argument("--batch", type=int, default=8)
parser.add_argument("--seq", type=int, default=128)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--iterations", type=int, default=10)
parser.add_argument("--warmup", type=int, default=2)
mode = parser.add_mutually_exclusive_group()
mode.add_argument("--train", action="store_true")
mode.add_argument("--inspect", action="store_true")
args = parser.parse_args()
if (args.model is None) == (args.preset is None):
    parser.error("give a model folder or --preset")

torch.set_num_threads(args.threads)
generator = torch.Generator().manual_seed(12345)
if args.preset:
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                        intermediate_size=3072, num_labels=2)
    model = BertForSequenceClassification(config) if args.train else BertModel(config)
elif args.train:
    model = BertForSequenceClassification.from_pretrained(args.model, num_labels=2)
else:
    model = BertModel.from_pretrained(args.model)
if args.inspect:
    # Attention probabilities come only out of the eager implementation.
    model.set_attn_implementation("eager")
model.train(args.train)
if args.train:
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01)
    labels = torch.arange(args.batch) % 2
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
            model(input_ids=ids, attention_mask=mask, token_type_ids=types,
                  output_attentions=args.inspect, output_hidden_states=args.inspect)


for i in range(args.warmup + args.iterations):
    start = time.perf_counter()
    step()
    if i >= args.warmup:
        times.append((time.perf_counter() - start) * 1e3)
median = statistics.median(times)
kind = "training step" if args.train else "inspect" if args.inspect else "forward"
if args.json:
    print(json.dumps({
        "device": f"pytorch {torch.__version__} ({args.threads} threads)", "mode": "train" if args.train else "inspect" if args.inspect else "forward",
        "batch": args.batch, "seq": args.seq, "iterations": args.iterations, "mean_ms": statistics.mean(times),
        "median_ms": median, "min_ms": min(times), "tokens_per_s": args.batch * args.seq / (median / 1e3),
        # ru_maxrss is in KiB on Linux.
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    raise SystemExit
print(f"pytorch {torch.__version__} ({args.threads} threads) {kind} batch {args.batch}x{args.seq}: median {median:.1f} ms "
      f"(mean {statistics.mean(times):.1f}, min {min(times):.1f}) over {args.iterations} runs = "
      f"{args.batch * args.seq / (median / 1e3):.0f} tokens/s")
