"""Export the fine-tuned loaded-word token classifier to ONNX with int8 weights, fp32 arithmetic.

    python training/export_tokens.py [--model .train/tokens/final] [--out compare/models/loaded-words]

writes tokens.int8.onnx (input ids and mask -> each piece's P(an expert marks its word), 23 MB)
and the tokenizer files; ``compare.loaded.TokenModel`` averages the pieces of each word. The
weights are stored as in training/export_encoder.py (int8 plus a scale per column, turned back
into fp32 when the graph loads), so every CPU computes the same bytes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from export_encoder import copy_tokenizer, export_int8

ROOT = Path(__file__).resolve().parent.parent


class _Marked(torch.nn.Module):
    """The classifier with its softmax: the graph outputs P(marked) per piece."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return torch.softmax(self.model(input_ids=input_ids, attention_mask=attention_mask).logits, dim=-1)[..., 1]


def export(src: Path, out: Path) -> Path:
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_pretrained(str(src)).eval()
    out.mkdir(parents=True, exist_ok=True)
    target = export_int8(_Marked(model), out / "tokens.int8.onnx", "marked",
                         model.config.num_attention_heads, model.config.hidden_size)
    copy_tokenizer(src, out)
    return target


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=ROOT / ".train" / "tokens" / "final")
    ap.add_argument("--out", type=Path, default=ROOT / "compare" / "models" / "loaded-words")
    args = ap.parse_args()
    print(export(args.model, args.out))
