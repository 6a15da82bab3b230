"""The shipped pair judge on the public pair sets (reads ../shared/data; run training/build_pairs.py
first): MRPC test accuracy/F1 at P(same) 0.5, STS-B test Spearman of P(same), SNLI and SICK test
NLI accuracy, ECB+ held-out topics' same-event pairs precision/recall at 0.5, and pairs a second.

    python benchmarks/pairs_public.py [--data .train/data] [--judge-model PATH] [--no-quantize]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "training"))
from build_pairs import read_jsonl  # noqa: E402  (the format build_pairs.py writes)


def main() -> None:
    from scipy.stats import spearmanr
    from sklearn.metrics import f1_score, roc_auc_score

    from compare.linking.judge import CrossEncoderJudge

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=".train/data", type=Path)
    ap.add_argument("--judge-model", default=None)
    ap.add_argument("--no-quantize", dest="quantize", action="store_false")
    ap.add_argument("--sets", default="test-stsb,test-mrpc,dev-ecb,test-snli")
    args = ap.parse_args()
    judge = CrossEncoderJudge(args.judge_model, quantize=args.quantize)
    out = {"judge": judge.describe()}
    for name in args.sets.split(","):
        rows = read_jsonl(args.data / f"{name}.jsonl.gz")
        t = time.perf_counter()
        sc = judge.score([(r["a"], r["b"]) for r in rows])
        secs = time.perf_counter() - t
        y = np.array([r["label"] for r in rows])
        res = {"pairs": len(rows), "pairs_per_s": round(len(rows) / secs, 1)}
        if name.endswith("stsb"):
            res["spearman"] = round(float(spearmanr(sc.same, y).statistic), 4)
        elif name.endswith("snli") or name.endswith("sick"):
            res["accuracy"] = round(float((sc.nli.argmax(1) == y).mean()), 4)
        else:
            pred = sc.same > 0.5
            res |= {"accuracy": round(float((pred == y).mean()), 4), "f1": round(float(f1_score(y, pred)), 4),
                    "precision": round(float(y[pred].mean()), 4) if pred.any() else 1.0,
                    "recall": round(float(pred[y == 1].mean()), 4), "auc": round(float(roc_auc_score(y, sc.same)), 4)}
        out[name] = res
        print(name, json.dumps(res), flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
