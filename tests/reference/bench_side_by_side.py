"""Native speed beside PyTorch in one sitting: for each shape, `bertplay bench` and
bench_transformers.py run in turn, ROUNDS times (A B A B ...), each printing its median over
ITERATIONS passes; the table gives the median of each side's medians and the median of the
per-round ratios (PyTorch time / ours: above 1 means we are faster). Run by hand on an idle
machine (PyTorch and transformers are not installed in CI):

    python3 tests/reference/bench_side_by_side.py --bertplay target/release/bertplay \\
        --python VENV/bin/python --model MINILM [--rounds 5] [--threads 2]

Shapes: MiniLM forward 1x32, 1x128, 8x128, inspect (every attention and hidden state returned)
1x128; training steps 16x64, 8x128; bert-base-shaped (random weights, `--preset bert-base`)
forward 1x128, 8x128, inspect 1x128. `--only NAME` picks some.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent

CASES = {
    "minilm-forward-1x32": ("forward", 1, 32, False),
    "minilm-forward-1x128": ("forward", 1, 128, False),
    "minilm-forward-8x128": ("forward", 8, 128, False),
    "minilm-inspect-1x128": ("inspect", 1, 128, False),
    "minilm-train-16x64": ("train", 16, 64, False),
    "minilm-train-8x128": ("train", 8, 128, False),
    "bertbase-forward-1x128": ("forward", 1, 128, True),
    "bertbase-forward-8x128": ("forward", 8, 128, True),
    "bertbase-inspect-1x128": ("inspect", 1, 128, True),
}


def run(cmd, env):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bertplay", required=True)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--model", required=True, help="all-MiniLM-L6-v2 folder")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", action="append")
    args = ap.parse_args()
    env = dict(os.environ, RAYON_NUM_THREADS=str(args.threads))
    print(f"{date.today()} · {platform.processor() or platform.machine()} · {os.cpu_count()} CPUs · "
          f"{args.threads} threads · {args.rounds} rounds", flush=True)
    print("| case | bertplay median ms | PyTorch median ms | ratio (PyTorch / ours), median [min–max] | peak RSS MB ours / PyTorch |")
    print("|---|---|---|---|---|")
    for name, (mode, batch, seq, preset) in CASES.items():
        if args.only and name not in args.only:
            continue
        train = mode == "train"
        iterations = "5" if train or preset else "20"
        shape = ["--batch", str(batch), "--seq", str(seq), "--iterations", iterations]
        source = ["--preset", "bert-base"] if preset else [args.model]
        ours_cmd = [args.bertplay, "--json", "bench", *(["--preset", "bert-base"] if preset else ["--model", args.model]),
                    "--mode", mode, *shape]
        torch_cmd = [args.python, str(HERE / "bench_transformers.py"), *source, *shape,
                     "--threads", str(args.threads), "--json", *([f"--{mode}"] if mode != "forward" else [])]
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(run(ours_cmd, env))
            theirs.append(run(torch_cmd, env))
        ratios = [t["median_ms"] / o["median_ms"] for o, t in zip(ours, theirs)]
        med = lambda rs, key: statistics.median(r[key] for r in rs)
        print(f"| {name} | {med(ours, 'median_ms'):.1f} | {med(theirs, 'median_ms'):.1f} | "
              f"{statistics.median(ratios):.2f} [{min(ratios):.2f}–{max(ratios):.2f}] | "
              f"{max(o['peak_rss_mb'] or 0 for o in ours):.0f} / {max(t['peak_rss_mb'] for t in theirs):.0f} |", flush=True)


if __name__ == "__main__":
    main()
