"""Checks that transformers loads what `bertplay export` writes, with the same outputs.

Run by hand (needs torch + transformers):
    bertplay export --model tests/fixtures/tiny-pretraining --out /tmp/exported
    python3 tests/reference/check_export.py tests/fixtures/tiny-pretraining /tmp/exported
Loads both folders with the class named in the export's config.json, checks every weight is
bit-identical and every output equal (to BLAS rounding).
"""
import json
import sys

import torch
import transformers

original, exported = sys.argv[1], sys.argv[2]
arch = json.load(open(f"{exported}/config.json"))["architectures"][0]
cls = getattr(transformers, arch)
a = cls.from_pretrained(original).eval()
b, info = cls.from_pretrained(exported, output_loading_info=True)
b.eval()
assert not info["missing_keys"] and not info["unexpected_keys"], info
theirs = b.state_dict()
for name, tensor in a.state_dict().items():
    assert torch.equal(tensor, theirs[name]), f"{name} differs"
tok = transformers.AutoTokenizer.from_pretrained(exported)
enc = tok("the capital of [MASK] is paris.", "the cat sat.", return_tensors="pt")
with torch.no_grad():
    out_a, out_b = a(**enc), b(**enc)
for key in out_a.keys():
    diff = (out_a[key] - out_b[key]).abs().max().item()
    print(f"{arch} {key}: max diff {diff:.2e}")
    assert diff < 1e-6, key  # the weights are bit-identical; BLAS may still round differently
print("ok: transformers loads the export with identical weights and outputs; tokens:", tok.convert_ids_to_tokens(enc["input_ids"][0]))
