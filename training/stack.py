"""Fit and measure the stacked link model: logistic regression over the pair model's outputs
and the pair's structure (compare.linking.stack.LINK_FEATURES), on the candidate pairs the pipeline
judges, labelled by the golds (1 when both claims sit in one gold fact).

Each gold is scored by a stack fitted on the other golds (leave one gold out), beside the pair
model alone and the pair model recalibrated alone (Platt). ``--write`` fits the stack on the
tuning golds (chemical-spill stays held out) and writes stack.json into the model folder.

    python training/stack.py [--model FOLDER] [--write]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from compare.evaluate import _Locator, load_gold
from compare.linking.cluster import JudgedClusterer
from compare.linking.judge import CrossEncoderJudge
from compare.linking.stack import LINK_FEATURES
from compare.pipeline import DEFAULT_K, Pipeline

ROOT = Path(__file__).resolve().parent.parent
TUNING = ("seeds", "river-dam", "city-budget")
GOLDS = TUNING + ("chemical-spill",)


def gold_pairs(pipe: Pipeline, name: str) -> tuple[np.ndarray, np.ndarray]:
    gold = load_gold(ROOT / "tests" / "gold" / f"{name}.toml")
    prep = pipe.prepare(gold.corpus)
    loc = _Locator(pipe.analyse(prep))
    fact_of: dict[str, set[str]] = {}
    for f in gold.facts:
        for q in f.claims:
            cid = loc.claim(q)
            if cid:
                fact_of.setdefault(cid, set()).add(f.id)
    ids = [c.id for c in prep.claims]
    links = pipe.clusterer.links_
    pairs, x = links.pairs().tolist(), links.features
    y = np.array([float(bool(fact_of.get(ids[i], set()) & fact_of.get(ids[j], set()))) for i, j in pairs])
    return x, y


def best_f1(p: np.ndarray, y: np.ndarray) -> list[float]:
    best = (0.0, 0.0, 0.0, 0.5)
    for t in np.unique(p):
        pred = p >= t
        tp = (pred & (y == 1)).sum()
        if tp:
            prec, rec = tp / pred.sum(), tp / y.sum()
            best = max(best, (2 * prec * rec / (prec + rec), prec, rec, float(t)))
    return [round(float(v), 3) for v in best]


def fit(x: np.ndarray, y: np.ndarray, cols: list[int]):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    sc = StandardScaler().fit(x[:, cols])
    lr = LogisticRegression(C=1.0, max_iter=1000).fit(sc.transform(x[:, cols]), y)
    return sc, lr


def main() -> None:
    from sklearn.metrics import average_precision_score

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    pipe = Pipeline(clusterer=JudgedClusterer(CrossEncoderJudge(args.model), k=DEFAULT_K, stack=None))
    data = {g: gold_pairs(pipe, g) for g in GOLDS}
    every = list(range(len(LINK_FEATURES)))
    report = {}
    for g in GOLDS:
        rest = [o for o in GOLDS if o != g]
        xtr, ytr = np.concatenate([data[o][0] for o in rest]), np.concatenate([data[o][1] for o in rest])
        x, y = data[g]
        row = {"pairs": int(len(y)), "positives": int(y.sum())}
        for name, cols in (("mix", "mix"), ("judge", None), ("platt", [0]), ("stacked", every)):
            if cols == "mix":  # the judge-less distance: 0.3 embedding cosine + 0.7 word overlap
                p = 0.3 * x[:, LINK_FEATURES.index("cosine")] + 0.7 * x[:, LINK_FEATURES.index("overlap")]
            elif cols is None:
                p = 1 / (1 + np.exp(-x[:, 0]))
            else:
                sc, lr = fit(xtr, ytr, cols)
                p = lr.predict_proba(sc.transform(x[:, cols]))[:, 1]
            row[f"{name}_ap"] = round(float(average_precision_score(y, p)), 3)
            row[f"{name}_best_f1_p_r_t"] = best_f1(p, y)
        report[g] = row
        print(g, json.dumps(row), flush=True)
    if args.write:
        x = np.concatenate([data[g][0] for g in TUNING])
        y = np.concatenate([data[g][1] for g in TUNING])
        sc, lr = fit(x, y, every)
        folder = args.model or CrossEncoderJudge()._folder()
        out = {"features": list(LINK_FEATURES), "mean": sc.mean_.round(6).tolist(),
               "scale": sc.scale_.round(6).tolist(), "coef": lr.coef_[0].round(6).tolist(),
               "intercept": round(float(lr.intercept_[0]), 6), "fitted_on": list(TUNING),
               "pairs": int(len(y)), "positives": int(y.sum()), "leave_one_gold_out": report}
        (folder / "stack.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        print("wrote", folder / "stack.json")


if __name__ == "__main__":
    main()
