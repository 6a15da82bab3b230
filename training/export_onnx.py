"""Export a trained pair model (model.safetensors + config) to ONNX and quantise it to int8.

    python training/export_onnx.py compare/models/pair-minilm
writes pair.int8.onnx beside the weights; CrossEncoderJudge runs it with onnxruntime.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import torch

from compare.models.pair_net import load_pair_net


class _Probs(torch.nn.Module):
    """The exported graph: raw "same" logit and NLI probabilities."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, input_ids, attention_mask, token_type_ids):
        same, nli = self.net(input_ids, attention_mask, token_type_ids)
        return same, torch.softmax(nli, -1)


def export(folder: Path) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    net = load_pair_net(folder)
    ids = torch.ones((2, 16), dtype=torch.long)
    out = folder / "pair.int8.onnx"
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "pair.onnx"
        torch.onnx.export(
            _Probs(net), (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(fp32),
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["same", "nli"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in ("input_ids", "attention_mask", "token_type_ids")}
            | {"same": {0: "batch"}, "nli": {0: "batch"}},
            opset_version=17, dynamo=False,
        )
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8)
    return out


if __name__ == "__main__":
    print(export(Path(sys.argv[1])))
