"""Distil the pair judge into a student with fewer layers, and measure how faithfully it reads.

The judge costs two thirds of a large run (docs/scale.md): about 1.3 GFLOP a pair, at the CPU's
fp32 peak. A student with k of its six layers costs about k/6 of that. Whether it may replace
the judge depends on how faithfully it reproduces the judge's decisions, which this script
measures.

Data: every candidate pair of the dev corpora (../shared/data/ecbplus-dev and basil-dev, cascade
off, as training/cascade.py reads them; through the cache), each with the shipped judge's
outputs (the "same" logit and the NLI probabilities) and the structure the stack reads. Pairs
of the ECB+ topics benchmarks/links_dev.py holds out are left out. The student starts from the
judge's own weights (embeddings, heads, the residual's cosine coefficients and the layers named
by ``--layers``) and learns the judge's outputs: squared error on the logit, cross-entropy on
the NLI distribution. It trains on the pairs of fold 0 (by article, as the cascade's folds) and
is measured on fold 1: the correlation of the logits, and how often the stacked P(same) it
gives lands on the same side of the link cut (0.7) and of the related cut (0.4) as the judge's.

With ``--late K`` the student keeps all the judge's layers but reads late
(compare.models.pair_net.LatePairNet): layers 1..K on each claim alone, so a claim's states
serve all its pairs, the rest on the pair. Its folder then holds model.json with ``split`` K;
``training/export_onnx.py`` turns it into the two graphs the judge runs.

    python training/distil_judge.py --teacher FOLDER --layers 1,3,5 --out .train/student3
    python training/distil_judge.py --teacher FOLDER --late 5 --out .train/late5
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from compare.cache import Cache  # noqa: E402
from compare.linking.cluster import JudgedClusterer  # noqa: E402
from compare.linking.judge import CrossEncoderJudge  # noqa: E402
from compare.linking.stack import LINK_FEATURES  # noqa: E402
from compare.models.pair_net import LatePairNet, PairNet, load_pair_net  # noqa: E402
from compare.pipeline import DEFAULT_JUDGE_THRESHOLD, DEFAULT_K, DEFAULT_LEXICAL_WEIGHT, Pipeline  # noqa: E402

CORPORA = ("ecbplus-dev", "basil-dev")


def judged(data: Path, cache: Path) -> dict:
    """Every candidate pair of the dev corpora with the judge's outputs and the pair's fold."""
    from build_pairs import ECB_DEV_TOPICS  # noqa: PLC0415 (training/ is on the path when run from it)

    folders = [f for name in CORPORA for f in sorted((data / name).iterdir()) if (f / "manifest.csv").is_file()
               and not (name == "ecbplus-dev" and f.name in ECB_DEV_TOPICS)]
    pipe = Pipeline(clusterer=JudgedClusterer(threshold=DEFAULT_JUDGE_THRESHOLD, k=DEFAULT_K,
                                              lexical_weight=DEFAULT_LEXICAL_WEIGHT, cascade=False),
                    cache=Cache(cache))
    prep = pipe.prepare(folders)
    pipe.analyse(prep)
    links = pipe.clusterer.links_
    pairs = links.pairs()
    texts = [" ".join(c.text.split()) for c in prep.claims]
    fold = np.array([int(hashlib.sha256(c.article.encode()).hexdigest()[:8], 16) % 2 for c in prep.claims])
    return {"a": [texts[i] for i in pairs[:, 0]], "b": [texts[j] for j in pairs[:, 1]], "features": links.features,
            "same": links.same, "fold": fold[pairs[:, 0]]}


def student_of(teacher: PairNet, layers: list[int]) -> PairNet:
    """A copy of ``teacher`` keeping the encoder layers ``layers`` (in that order)."""
    import copy

    student = copy.deepcopy(teacher)
    student.encoder.encoder.layer = torch.nn.ModuleList([student.encoder.encoder.layer[k] for k in layers])
    student.encoder.config.num_hidden_layers = len(layers)
    return student


def run(net, tok, a, b, cos, max_len=128, grad=False):
    if isinstance(net, LatePairNet):  # each claim alone
        ea, eb = (tok(x, truncation=True, max_length=max_len, padding=True, return_tensors="pt") for x in (a, b))
        with torch.set_grad_enabled(grad):
            return net(ea["input_ids"], ea["attention_mask"], eb["input_ids"], eb["attention_mask"], cos)
    enc = tok(a, b, truncation=True, max_length=max_len, padding=True, return_tensors="pt")
    with torch.set_grad_enabled(grad):
        return net(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"], cos)


def outputs(net, tok, a, b, cos, batch=64) -> tuple[np.ndarray, np.ndarray]:
    """The "same" logits and NLI probabilities of ``net`` for the pairs."""
    net.eval()
    logits, nli = [], []
    for lo in range(0, len(a), batch):
        s, n = run(net, tok, a[lo:lo + batch], b[lo:lo + batch], torch.tensor(cos[lo:lo + batch], dtype=torch.float32))
        logits.append(s.double().numpy())
        nli.append(torch.softmax(n.double(), -1).numpy())
    return np.concatenate(logits), np.concatenate(nli)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teacher", type=Path, required=True, help="the judge's folder: config.json + model.safetensors")
    ap.add_argument("--layers", default="1,3,5", help="the teacher's layers the student keeps")
    ap.add_argument("--late", type=int, default=0,
                    help="keep every layer, the first LATE on each claim alone (instead of --layers)")
    ap.add_argument("--out", type=Path, default=ROOT / ".train" / "student")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=ROOT / ".train" / "cascade.sqlite")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--limit", type=int, default=0, help="train on this many pairs only")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    from transformers import AutoTokenizer

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(min(4, torch.get_num_threads()))
    d = judged(args.data, args.cache)
    f = d["features"]
    cos = f[:, LINK_FEATURES.index("cosine")].astype(np.float32)
    target_logit, e, c = f[:, 0], f[:, 1], f[:, 2]
    target_nli = np.column_stack([e, np.clip(1 - e - c, 0, 1), c])
    train = [i for i in range(len(cos)) if d["fold"][i] == 0]
    test = [i for i in range(len(cos)) if d["fold"][i] == 1]
    if args.limit:
        train = random.Random(args.seed).sample(train, min(args.limit, len(train)))
    print(f"pairs: {len(cos)} ({len(train)} to train on, {len(test)} held out)", flush=True)
    tok = AutoTokenizer.from_pretrained(str(args.teacher))
    teacher = load_pair_net(args.teacher)
    net = (LatePairNet(student_of(teacher, list(range(len(teacher.encoder.encoder.layer)))), args.late)
           if args.late else student_of(teacher, [int(k) for k in args.layers.split(",")]))
    net.train()
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=0.01)
    steps = args.epochs * math.ceil(len(train) / args.batch)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    t0, step = time.time(), 0
    for _ in range(args.epochs):
        order = train[:]
        random.shuffle(order)
        for lo in range(0, len(order), args.batch):
            idx = order[lo:lo + args.batch]
            s, n = run(net, tok, [d["a"][i] for i in idx], [d["b"][i] for i in idx],
                       torch.tensor(cos[idx]), grad=True)
            loss = torch.nn.functional.mse_loss(s.float(), torch.tensor(target_logit[idx], dtype=torch.float32)) \
                - (torch.tensor(target_nli[idx], dtype=torch.float32) * torch.log_softmax(n.float(), -1)).sum(-1).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 100 == 0:
                print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f}s", flush=True)
    from safetensors.torch import save_file

    args.out.mkdir(parents=True, exist_ok=True)
    pair = net.net if args.late else net
    save_file({k: v.detach().float().contiguous() for k, v in pair.state_dict().items()},
              str(args.out / "model.safetensors"))
    pair.encoder.config.save_pretrained(str(args.out))
    tok.save_pretrained(str(args.out))
    if args.late:
        import shutil

        from compare.models import PAIR_MODEL_DIR

        meta = json.loads((args.teacher / "model.json").read_text()) if (args.teacher / "model.json").is_file() else {}
        name = f"{meta.get('name', args.teacher.name)}-late{args.late}-{args.out.name}"  # its own cache keys
        (args.out / "model.json").write_text(json.dumps(meta | {"name": name, "split": args.late}, indent=2) + "\n")
        for part in ("stack.json", "cascade.json"):  # fitted on the judge's outputs, which the student learns
            shutil.copy(PAIR_MODEL_DIR / part, args.out / part)
    # fidelity on the held-out fold, read through the shipped stack as the pipeline reads it
    stack = CrossEncoderJudge(path=None).link_model()
    t = time.time()
    logit, nli = outputs(net, tok, [d["a"][i] for i in test], [d["b"][i] for i in test], cos[test])
    seconds = time.time() - t
    feats = f[test].copy()
    feats[:, 0], feats[:, 1], feats[:, 2] = np.clip(logit, -13.8, 13.8), nli[:, 0], nli[:, 2]
    p = stack.predict(feats)
    q = d["same"][test]
    report = {"layers": f"late {args.late}" if args.late else args.layers, "train_pairs": len(train),
              "held_out": len(test),
              "student_pairs_per_s_torch": round(len(test) / seconds, 1),
              "logit_corr": round(float(np.corrcoef(logit, target_logit[test])[0, 1]), 4),
              "logit_mae": round(float(np.abs(logit - target_logit[test]).mean()), 4)}
    for cut in (0.7, 0.4):
        both, judge_only, student_only = ((p >= cut) & (q >= cut)).sum(), ((p < cut) & (q >= cut)).sum(), \
            ((p >= cut) & (q < cut)).sum()
        report[f"at {cut}"] = {"judge": int((q >= cut).sum()), "both": int(both), "judge_only": int(judge_only),
                               "student_only": int(student_only)}
    (args.out / "fidelity.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
