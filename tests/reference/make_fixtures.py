"""Makes the reference fixtures the Rust tests compare against, with transformers + PyTorch.

Run by hand (not in CI), from the repo root:
    python3 tests/reference/make_fixtures.py MINILM_DIR
MINILM_DIR is what `scripts/fetch-reference-model.sh` prints. Needs torch, transformers,
safetensors, numpy. Writes tests/fixtures/minilm.safetensors + minilm.json and the tiny models
under tests/fixtures/tiny-*/.
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors.numpy import save_file
from transformers import (AutoTokenizer, BertConfig, BertForPreTraining, BertForQuestionAnswering,
                          BertForSequenceClassification, BertForTokenClassification, BertModel)

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures")

LONG = " ".join(
    ["Attention lets every token look at every other token in the sentence, and each head learns"
     " a different pattern: some follow syntax, some follow position, some look at [SEP]."] * 40)

CASES = [
    ("english", "The capital of France is Paris.", None),
    ("punctuation", "Hello, world!!! How are you... today? (Fine; thanks.)", None),
    ("indonesian", "Ibu kota Indonesia adalah Jakarta, kota terbesar di negeri ini.", None),
    ("accents", "Café, résumé, naïve: Zoë's piñata in São Paulo — déjà vu!", None),
    ("cjk", "我爱自然语言处理。東京は日本の首都です。서울은 한국의 수도입니다.", None),
    ("emoji", "I love pizza 🍕🔥 and 😀 emojis!!! 👍🏽", None),
    ("pair", "The cat sat on the mat.", "It was very comfortable there."),
    ("numbers", "In 2024, the price fell by 50% (from $30.99 to $15) — e=mc^2, x_1 < y_2.", None),
    ("whitespace", "  Multiple   spaces\tand\nnew lines   UPPERCASE Words  ", None),
    ("qa_pair", "Who wrote the book?", "The book was written by Ahmad Tohari in 1982 in Banyumas."),
    ("long", LONG, None),
]


def minilm(model_dir):
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = BertModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    tensors, meta = {}, []
    for name, a, b in CASES:
        enc = tok(a, b, truncation="longest_first", max_length=512, return_tensors="pt")
        with torch.no_grad():
            out = model(**enc, output_attentions=True, output_hidden_states=True)
        ids = enc["input_ids"][0].numpy().astype(np.int64)
        tensors[f"{name}.input_ids"] = ids
        tensors[f"{name}.token_type_ids"] = enc["token_type_ids"][0].numpy().astype(np.int64)
        tensors[f"{name}.pooler"] = out.pooler_output[0].numpy()
        if name == "long":
            # Kept small: the last layer's output and the first 4 query rows of the last layer.
            tensors[f"{name}.last_hidden_state"] = out.last_hidden_state[0].numpy()
            tensors[f"{name}.last_attention_rows"] = out.attentions[-1][0, :, :4, :].contiguous().numpy()
        else:
            tensors[f"{name}.hidden_states"] = torch.stack(out.hidden_states)[:, 0].numpy()
            tensors[f"{name}.attentions"] = torch.stack(out.attentions)[:, 0].numpy()
        meta.append({"name": name, "text": a, "text_b": b, "tokens": tok.convert_ids_to_tokens(ids.tolist())})
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, os.path.join(OUT, "minilm.safetensors"))
    with open(os.path.join(OUT, "minilm.json"), "w") as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)


def tiny_vocab():
    """99 tokens: the 5 specials, letters, digits and a few words and word pieces."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    words = ["the", "capital", "of", "is", "paris", "france", "cat", "sat", "on", "mat", "who",
             "wrote", "book", "it", "was", "good", "bad", ".", ",", "?", "!", "a", "and", "in"]
    letters = list("abcdefghijklmnopqrstuvwxyz") + list("0123456789")
    pieces = ["##" + c for c in "abcdefghijklmnopqrstuvwxyz"]
    vocab = specials + words + letters + pieces
    vocab += [f"[unused{i}]" for i in range(99 - len(vocab))]
    assert len(vocab) == 99
    return vocab


def tiny(name, cls, **extra):
    torch.manual_seed(7)
    config = BertConfig(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=37, max_position_embeddings=64, **extra)
    model = cls(config).eval()
    with torch.no_grad():  # make biases and LayerNorms non-trivial, so a wrong load shows
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    out_dir = os.path.join(OUT, name)
    model.save_pretrained(out_dir, safe_serialization=True)
    with open(os.path.join(out_dir, "vocab.txt"), "w") as f:
        f.write("\n".join(tiny_vocab()) + "\n")
    ids = torch.tensor([[2, 5, 6, 7, 4, 8, 9, 22, 3, 10, 11, 12, 3]])
    types = torch.tensor([[0] * 9 + [1] * 4])
    with torch.no_grad():
        out = model(input_ids=ids, token_type_ids=types)
    expected = {"input_ids": ids[0].numpy().astype(np.int64), "token_type_ids": types[0].numpy().astype(np.int64)}
    for key in ["prediction_logits", "seq_relationship_logits", "logits", "start_logits", "end_logits"]:
        if key in out:
            expected[key] = out[key][0].numpy()
    save_file({k: np.ascontiguousarray(v) for k, v in expected.items()}, os.path.join(out_dir, "expected.safetensors"))


if __name__ == "__main__":
    torch.set_num_threads(2)
    minilm(sys.argv[1])
    tiny("tiny-pretraining", BertForPreTraining)
    tiny("tiny-qa", BertForQuestionAnswering)
    labels = {0: "negative", 1: "neutral", 2: "positive"}
    tiny("tiny-classifier", BertForSequenceClassification, id2label=labels,
         label2id={v: k for k, v in labels.items()})
    tiny("tiny-token-classifier", BertForTokenClassification, id2label={0: "O", 1: "PER", 2: "LOC", 3: "ORG"},
         label2id={"O": 0, "PER": 1, "LOC": 2, "ORG": 3})
