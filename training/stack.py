"""Fit and measure the stacked link model: logistic regression over the pair model's outputs
and the pair's structure (compare.linking.stack.LINK_FEATURES), on the candidate pairs the pipeline
judges, labelled by the golds (1 when both claims sit in one gold fact).

Each gold is scored by a stack fitted on the other golds (leave one gold out), beside the pair
model alone and the pair model recalibrated alone (Platt). With ``--ecb``, the candidate pairs of
the ECB+ training topics (../shared/data/ecbplus-dev minus the held-out topics) join every fit:
1 where the two claims' sentences share an event chain, 0 where both are annotated and share
none or tell the topic's two different events, left out otherwise (as benchmarks/links_dev.py
scores links); together they weigh ``--ecb-weight`` of the golds' pairs. ``--write`` fits the
stack on the tuning golds (chemical-spill stays held out), with ECB+ when asked, and writes
stack.json into the model folder.

    python training/stack.py [--model FOLDER] [--ecb] [--write]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from compare.evaluate import _Locator, load_gold
from compare.linking.cluster import JudgedClusterer
from compare.linking.judge import CrossEncoderJudge
from compare.linking.stack import LINK_FEATURES
from compare.pipeline import DEFAULT_K, Pipeline

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
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


def ecb_pairs(pipe: Pipeline, data: Path) -> tuple[np.ndarray, np.ndarray]:
    """Judged candidate pairs of the ECB+ training topics, labelled by their sentences' event chains."""
    from build_pairs import ECB_DEV_TOPICS
    from links_dev import judge, map_claims

    key = json.loads((data / "key.json").read_text(encoding="utf-8"))["files"]
    xs, ys = [], []
    for topic in sorted((p.name for p in data.iterdir() if p.is_dir()), key=int):
        if topic in ECB_DEV_TOPICS:
            continue
        report = pipe.analyse(pipe.prepare([data / topic]))  # run() may read a kept report: no links_
        sentence_of, _, _ = map_claims(report, key, topic)
        ids = [c.id for c in report.claims]
        links = pipe.clusterer.links_
        for (i, j), f in zip(links.pairs().tolist(), links.features, strict=True):
            verdict = judge(sentence_of.get(ids[i]), sentence_of.get(ids[j]))
            if verdict != "ignored":
                xs.append(f)
                ys.append(float(verdict == "correct"))
        print("ecb topic", topic, len(ys), flush=True)
    return np.array(xs).reshape(-1, len(LINK_FEATURES)), np.array(ys)


def best_f1(p: np.ndarray, y: np.ndarray) -> list[float]:
    best = (0.0, 0.0, 0.0, 0.5)
    for t in np.unique(p):
        pred = p >= t
        tp = (pred & (y == 1)).sum()
        if tp:
            prec, rec = tp / pred.sum(), tp / y.sum()
            best = max(best, (2 * prec * rec / (prec + rec), prec, rec, float(t)))
    return [round(float(v), 3) for v in best]


def fit(x: np.ndarray, y: np.ndarray, cols: list[int], w: np.ndarray | None = None):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    sc = StandardScaler().fit(x[:, cols])
    lr = LogisticRegression(C=1.0, max_iter=1000).fit(sc.transform(x[:, cols]), y, sample_weight=w)
    return sc, lr


def with_ecb(x: np.ndarray, y: np.ndarray, ecb: tuple[np.ndarray, np.ndarray] | None, weight: float):
    """The golds' pairs, and ECB+'s weighing ``weight`` of them in all; the sample weights."""
    if ecb is None or not len(ecb[1]):
        return x, y, None
    w = np.concatenate([np.ones(len(y)), np.full(len(ecb[1]), weight * len(y) / len(ecb[1]))])
    return np.concatenate([x, ecb[0]]), np.concatenate([y, ecb[1]]), w


def main() -> None:
    from sklearn.metrics import average_precision_score

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--ecb", action="store_true", help="fit on the ECB+ training topics' pairs too")
    ap.add_argument("--ecb-weight", type=float, default=1.0, help="ECB+'s weight, as a share of the golds'")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "ecbplus-dev")
    ap.add_argument("--pairs", type=Path, default=ROOT / ".train" / "stack-pairs.npz",
                    help="the judged pairs are kept here; --reuse reads them instead of running the pipeline")
    ap.add_argument("--reuse", action="store_true")
    args = ap.parse_args()
    if args.reuse:
        kept = np.load(args.pairs)
        data = {g: (kept[f"{g}_x"], kept[f"{g}_y"]) for g in GOLDS}
        ecb = (kept["ecb_x"], kept["ecb_y"]) if args.ecb else None
    else:
        pipe = Pipeline(clusterer=JudgedClusterer(CrossEncoderJudge(args.model), k=DEFAULT_K, stack=None))
        data = {g: gold_pairs(pipe, g) for g in GOLDS}
        ecb = ecb_pairs(pipe, args.data) if args.ecb else None
        np.savez(args.pairs, **{f"{g}_{k}": v for g, xy in data.items() for k, v in zip("xy", xy, strict=True)},
                 **({"ecb_x": ecb[0], "ecb_y": ecb[1]} if ecb else {}))
    every = list(range(len(LINK_FEATURES)))
    report = {}
    for g in GOLDS:
        rest = [o for o in GOLDS if o != g]
        xtr, ytr = np.concatenate([data[o][0] for o in rest]), np.concatenate([data[o][1] for o in rest])
        xs, ys, ws = with_ecb(xtr, ytr, ecb, args.ecb_weight)
        x, y = data[g]
        row = {"pairs": int(len(y)), "positives": int(y.sum())}
        for name, cols in (("cosine", "cosine"), ("mix", "mix"), ("judge", None), ("platt", [0]),
                           ("stacked", every)):
            if cols == "cosine":
                p = x[:, LINK_FEATURES.index("cosine")]
            elif cols == "mix":  # the judge-less distance: 0.3 embedding cosine + 0.7 word overlap
                p = 0.3 * x[:, LINK_FEATURES.index("cosine")] + 0.7 * x[:, LINK_FEATURES.index("overlap")]
            elif cols is None:
                p = 1 / (1 + np.exp(-x[:, 0]))
            else:
                sc, lr = fit(xs, ys, cols, ws)
                p = lr.predict_proba(sc.transform(x[:, cols]))[:, 1]
            row[f"{name}_ap"] = round(float(average_precision_score(y, p)), 3)
            row[f"{name}_best_f1_p_r_t"] = best_f1(p, y)
        report[g] = row
        print(g, json.dumps(row), flush=True)
    if args.write:
        x, y, w = with_ecb(np.concatenate([data[g][0] for g in TUNING]),
                           np.concatenate([data[g][1] for g in TUNING]), ecb, args.ecb_weight)
        sc, lr = fit(x, y, every, w)
        folder = args.model or CrossEncoderJudge()._folder()
        out = {"features": list(LINK_FEATURES), "mean": sc.mean_.round(6).tolist(),
               "scale": sc.scale_.round(6).tolist(), "coef": lr.coef_[0].round(6).tolist(),
               "intercept": round(float(lr.intercept_[0]), 6),
               "fitted_on": list(TUNING) + ([f"ecb+ training topics (weight {args.ecb_weight})"] if ecb else []),
               "pairs": int(len(y)), "positives": int(y.sum()), "leave_one_gold_out": report}
        (folder / "stack.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        print("wrote", folder / "stack.json")


if __name__ == "__main__":
    main()
