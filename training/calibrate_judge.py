"""Recalibrate a trained residual judge on STS-B dev and write the weights the export reads.

The residual judge (compare/models/pair_net.py) adds the cross-encoder's reading to a frozen
logistic reading of the bundled encoder's cosine. Trained on news pairs that share words but
state other facts (ECB+), it ranks STS-B's paraphrases below the cosine it started from; a
logistic regression of STS-B dev's binarised label (a score of 4 of 5 or more) on the judge's
logit and the cosine gives the weight each deserves, which is folded into the network (its
"same" head scaled, the cosine's weight and the intercept moved), so the exported graph gives
the recalibrated logit itself. STS-B dev only: STS-B, MRPC and the ECB+ held-out topics' test
pairs play no part.

    python training/calibrate_judge.py WEIGHTS.safetensors OUT_FOLDER [--data .train/data]
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import torch
from build_pairs import read_jsonl
from train_pairs import cosines, same_logits

from compare.models import PAIR_MODEL_DIR
from compare.models.pair_net import load_pair_net


def main() -> None:
    from safetensors.torch import save_file
    from sklearn.linear_model import LogisticRegression
    from transformers import AutoTokenizer

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("weights", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--data", type=Path, default=Path(".train/data"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        shutil.copy(PAIR_MODEL_DIR / name, args.out / name)
    shutil.copy(args.weights, args.out / "model.safetensors")
    net = load_pair_net(args.out)
    tok = AutoTokenizer.from_pretrained(str(args.out))
    rows = read_jsonl(args.data / "dev-stsb.jsonl.gz")
    cosines(rows, args.data / "cosine.json")
    x = np.column_stack([same_logits(net, tok, rows, torch.device("cpu")), [r["cos"] for r in rows]])
    y = np.array([r["label"] >= 0.8 for r in rows])
    lr = LogisticRegression(C=100.0).fit(x, y)
    a, beta = (float(v) for v in lr.coef_[0])
    c = float(lr.intercept_[0])
    w, b = (float(v) for v in net.cos_coef)
    state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    state["same.weight"] *= a
    state["same.bias"] *= a
    state["cos_coef"] = torch.tensor([a * w + beta, a * b + c])
    save_file({k: v.to(torch.float32 if k == "cos_coef" else torch.float16).contiguous() for k, v in state.items()},
              str(args.out / "model.safetensors"))
    fit = {"judge_logit": round(a, 6), "cosine": round(beta, 6), "intercept": round(c, 6), "pairs": len(rows),
           "cos_coef_before": [round(w, 6), round(b, 6)],
           "cos_coef_after": [round(a * w + beta, 6), round(a * b + c, 6)]}
    (args.out / "calibration.json").write_text(json.dumps(fit, indent=2) + "\n")
    print(json.dumps(fit))


if __name__ == "__main__":
    main()
