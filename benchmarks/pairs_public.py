"""The shipped pair judge on the public pair sets (reads ../shared/data; run training/build_pairs.py
first), beside the bundled bi-encoder's cosine: average precision and ROC AUC of P(same) and of
the cosine on STS-B (a pair is "same" at a score of 4 of 5 or more), MRPC test and ECB+ held-out
topics' same-event pairs; STS-B Spearman; MRPC accuracy/F1 at P(same) 0.5; SNLI and SICK test NLI
accuracy; and pairs a second.

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
    from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

    from compare.embed import OnnxEmbedder
    from compare.linking.judge import CrossEncoderJudge

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=".train/data", type=Path)
    ap.add_argument("--judge-model", default=None)
    ap.add_argument("--no-quantize", dest="quantize", action="store_false")
    ap.add_argument("--sets", default="test-stsb,dev-stsb,test-mrpc,dev-ecb,test-snli")
    args = ap.parse_args()
    judge = CrossEncoderJudge(args.judge_model, quantize=args.quantize)
    encoder = OnnxEmbedder()
    out = {"judge": judge.describe()}
    for name in args.sets.split(","):
        rows = read_jsonl(args.data / f"{name}.jsonl.gz")
        t = time.perf_counter()
        texts = sorted({t for r in rows for t in (r["a"], r["b"])})
        vec = dict(zip(texts, encoder.encode(texts), strict=True))
        cos = np.array([float(np.dot(vec[r["a"]], vec[r["b"]])) for r in rows], dtype=np.float32)
        embed_secs, t = time.perf_counter() - t, time.perf_counter()
        sc = judge.score([(r["a"], r["b"]) for r in rows], cos)  # the cosine the pipeline would hand it
        secs = time.perf_counter() - t
        y = np.array([r["label"] for r in rows])
        res = {"pairs": len(rows), "pairs_per_s": round(len(rows) / secs, 1),
               "texts_embedded_per_s": round(len(texts) / embed_secs, 1)}
        if not (name.endswith("snli") or name.endswith("sick")):
            yes = y >= (0.8 if name.endswith("stsb") else 0.5)
            for key, p in (("judge", sc.same), ("cosine", cos)):
                res[f"ap_{key}"] = round(float(average_precision_score(yes, p)), 4)
                res[f"auc_{key}"] = round(float(roc_auc_score(yes, p)), 4)
        if name.endswith("stsb"):
            res["spearman"] = round(float(spearmanr(sc.same, y).statistic), 4)
            res["spearman_cosine"] = round(float(spearmanr(cos, y).statistic), 4)
        elif name.endswith("snli") or name.endswith("sick"):
            res["accuracy"] = round(float((sc.nli.argmax(1) == y).mean()), 4)
        else:
            pred = sc.same > 0.5
            res |= {"accuracy": round(float((pred == y).mean()), 4), "f1": round(float(f1_score(y, pred)), 4),
                    "precision": round(float(y[pred].mean()), 4) if pred.any() else 1.0,
                    "recall": round(float(pred[y == 1].mean()), 4)}
        out[name] = res
        print(name, json.dumps(res), flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
