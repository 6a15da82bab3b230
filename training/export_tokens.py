"""Export the fine-tuned loaded-word token classifier to ONNX with int8 weights, fp32 arithmetic.

    python training/export_tokens.py [--model .train/tokens/final] [--out compare/models/loaded-words]

writes tokens.int8.onnx (input ids and mask -> each piece's P(an expert marks its word), 23 MB)
and the tokenizer files; ``compare.loaded.TokenModel`` averages the pieces of each word. The
weights are stored as in training/export_encoder.py (int8 plus a scale per column, turned back
into fp32 when the graph loads), so every CPU computes the same bytes.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import onnx
import torch
from export_encoder import TOKENIZER_FILES, int8_weights

ROOT = Path(__file__).resolve().parent.parent


class _Marked(torch.nn.Module):
    """The classifier with its softmax: the graph outputs P(marked) per piece."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return torch.softmax(self.model(input_ids=input_ids, attention_mask=attention_mask).logits, dim=-1)[..., 1]


def export(src: Path, out: Path) -> Path:
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_pretrained(str(src)).eval()
    out.mkdir(parents=True, exist_ok=True)
    ids = torch.ones((2, 16), dtype=torch.long)
    target = out / "tokens.int8.onnx"
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "tokens.onnx"
        torch.onnx.export(
            _Marked(model), (ids, torch.ones_like(ids)), str(fp32),
            input_names=["input_ids", "attention_mask"], output_names=["marked"],
            dynamic_axes={"input_ids": {0: "batch", 1: "len"}, "attention_mask": {0: "batch", 1: "len"},
                          "marked": {0: "batch", 1: "len"}},
            opset_version=17, dynamo=False,
        )
        fused = optimize_model(str(fp32), model_type="bert", num_heads=model.config.num_attention_heads,
                               hidden_size=model.config.hidden_size)
        fused.save_model_to_file(str(Path(tmp) / "fused.onnx"))
        onnx.save(int8_weights(onnx.load(str(Path(tmp) / "fused.onnx"))), str(target))
    for name in TOKENIZER_FILES:
        if (src / name).is_file():
            shutil.copy(src / name, out / name)
    return target


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=ROOT / ".train" / "tokens" / "final")
    ap.add_argument("--out", type=Path, default=ROOT / "compare" / "models" / "loaded-words")
    args = ap.parse_args()
    print(export(args.model, args.out))
