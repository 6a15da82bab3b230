"""Fine-tune the claim-pair judge: all-MiniLM-L6-v2 read as a cross-encoder with two heads.

The pair is read together ("[CLS] a [SEP] b [SEP]"), token states are mean-pooled, and two
linear heads give the "same fact" logit and the entailment/neutral/contradiction logits.
With ``--residual`` (the default) the "same" logit is a residual over the bundled bi-encoder's
cosine: a logistic fit of the cosine on the training pairs, frozen, plus the head, which starts
at zero (see compare/models/pair_net.py). Batches hold one task each; "same" pairs are read in
a random order (the relation is symmetric), NLI pairs in theirs. After every epoch the dev
sets' average precision is printed beside the cosine's. Seeded; runs on a GPU where there is one.

    python training/build_pairs.py                    # .train/data from ../shared/data
    python training/train_pairs.py --out .train/run   # epochN.safetensors + log.json
    python training/export_onnx.py FOLDER; python benchmarks/pairs_public.py --judge-model FOLDER
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
from build_pairs import read_jsonl  # the format build_pairs.py writes
from torch import nn

from compare.models.pair_net import PairNet


def batches(rows: list[dict], size: int, rng: random.Random) -> list[list[dict]]:
    out = []
    for task in ("same", "nli"):
        rs = [r for r in rows if r["task"] == task]
        rng.shuffle(rs)
        out += [rs[i:i + size] for i in range(0, len(rs), size)]
    rng.shuffle(out)
    return out


def cosines(rows: list[dict], cache: Path) -> None:
    """Set each row's ``cos``: the bundled encoder's cosine of its two texts (kept in ``cache``)."""
    import hashlib

    from compare.embed import OnnxEmbedder

    known = json.loads(cache.read_text()) if cache.is_file() else {}
    digest = lambda t: hashlib.sha1(t.encode()).hexdigest()[:16]  # noqa: E731
    todo = sorted({t for r in rows for t in (r["a"], r["b"]) if digest(t) not in known})
    if todo:
        vecs = OnnxEmbedder().encode(todo)
        vec = dict(zip(todo, vecs, strict=True))
        for t in todo:
            known[digest(t)] = vec[t].tolist()
        cache.write_text(json.dumps(known))
    for r in rows:
        r["cos"] = float(np.dot(known[digest(r["a"])], known[digest(r["b"])]))


def cosine_fit(rows: list[dict]) -> tuple[float, float]:
    """(w, b) of a logistic regression of the "same" label (at 0.5) on the cosine."""
    from sklearn.linear_model import LogisticRegression

    same = [r for r in rows if r["task"] == "same"]
    x = np.array([[r["cos"]] for r in same])
    y = np.array([r["label"] >= 0.5 for r in same])
    lr = LogisticRegression(C=100.0).fit(x, y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def same_logits(model, tok, rows: list[dict], device, max_len: int = 128) -> np.ndarray:
    """The "same" logit of each row (its ``cos`` set), 64 pairs a batch, the model in eval mode."""
    model.eval()
    out = []
    with torch.inference_mode():
        for lo in range(0, len(rows), 64):
            part = rows[lo:lo + 64]
            enc = tok([r["a"] for r in part], [r["b"] for r in part], truncation=True, max_length=max_len,
                      padding=True, return_tensors="pt").to(device)
            cos = torch.tensor([r["cos"] for r in part], dtype=torch.float32, device=device)
            s, _ = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"], cos)
            out += s.double().cpu().tolist()
    return np.array(out)


def dev_scores(model, tok, sets: dict[str, list[dict]], device, max_len: int) -> dict:
    """Average precision of the judge's "same" and of the cosine on each dev set (labels at 0.8
    for STS-B: a score of 4 of 5, else 0.5)."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    out = {}
    for name, rows in sets.items():
        logits = same_logits(model, tok, rows, device, max_len)
        y = np.array([r["label"] >= (0.8 if "stsb" in name else 0.5) for r in rows])
        cos = np.array([r["cos"] for r in rows])
        out[name] = {"ap": round(float(average_precision_score(y, logits)), 4),
                     "ap_cosine": round(float(average_precision_score(y, cos)), 4),
                     "auc": round(float(roc_auc_score(y, logits)), 4),
                     "auc_cosine": round(float(roc_auc_score(y, cos)), 4)}
    model.train()
    return out


def save(model, args, rows, steps, t0, log) -> None:
    from safetensors.torch import save_file

    args.out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float32 if k == "cos_coef" else torch.float16).cpu().contiguous()
             for k, v in model.state_dict().items()}
    save_file(state, str(args.out / "model.safetensors"))
    save_file(state, str(args.out / f"epoch{len(log)}.safetensors"))
    (args.out / "log.json").write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                                      "train_pairs": len(rows), "steps": steps,
                                                      "seconds": round(time.time() - t0), "epochs": log},
                                                     indent=2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="all-MiniLM-L6-v2 folder (transformers format)")
    ap.add_argument("--data", default=".train/data", type=Path)
    ap.add_argument("--out", default=".train/run", type=Path)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=4e-5)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--sources", default="", help="comma list of sources to train on (default all)")
    ap.add_argument("--limit", type=int, default=0, help="train on this many pairs only (a smoke test)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--no-residual", dest="residual", action="store_false",
                    help="train the head alone, without the cosine it is a residual over")
    ap.add_argument("--nli-limit", type=int, default=0, help="read at most this many NLI pairs an epoch")
    ap.add_argument("--dev", default="dev-stsb,dev-ecb,dev-paws", help="dev sets scored after every epoch")
    args = ap.parse_args()

    from transformers import AutoModel, AutoTokenizer

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.set_num_threads(min(4, torch.get_num_threads()))
    tok = AutoTokenizer.from_pretrained(args.base)
    encoder = AutoModel.from_pretrained(args.base).float()
    model = PairNet(encoder).to(device)

    rows = read_jsonl(args.data / "train.jsonl.gz")
    if args.sources:
        keep = set(args.sources.split(","))
        rows = [r for r in rows if r["source"] in keep]
    if args.limit:
        rows = random.Random(args.seed).sample(rows, args.limit)
    if args.nli_limit:
        nli = [r for r in rows if r["task"] == "nli"]
        drop = {id(r) for r in random.Random(args.seed).sample(nli, max(0, len(nli) - args.nli_limit))}
        rows = [r for r in rows if id(r) not in drop]
    dev = {name: read_jsonl(args.data / f"{name}.jsonl.gz") for name in args.dev.split(",") if name}
    cosines(rows + [r for rs in dev.values() for r in rs], args.data / "cosine.json")
    if args.residual:
        w, b = cosine_fit(rows)
        model.cos_coef.copy_(torch.tensor([w, b]))
        torch.nn.init.zeros_(model.same.weight)
        torch.nn.init.zeros_(model.same.bias)
        print(f"cosine logit: {w:.3f} * cos + {b:.3f}", flush=True)
    rng = random.Random(args.seed)
    steps = args.epochs * len(batches(rows, args.batch, random.Random(0)))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warm = max(1, int(0.1 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, 0.5 * (1 + math.cos(math.pi * min(1.0, (s - warm) / max(1, steps - warm))))
                           if s >= warm else (s + 1) / warm))
    bce, ce = nn.BCEWithLogitsLoss(), nn.CrossEntropyLoss()
    log, step, t0 = [], 0, time.time()
    for epoch in range(args.epochs):
        model.train()
        for batch in batches(rows, args.batch, rng):
            task = batch[0]["task"]
            pairs = [(r["a"], r["b"]) if task == "nli" or rng.random() < 0.5 else (r["b"], r["a"]) for r in batch]
            enc = tok([a for a, _ in pairs], [b for _, b in pairs], truncation=True, max_length=args.max_len,
                      padding=True, return_tensors="pt").to(device)
            cos = (torch.tensor([r["cos"] for r in batch], dtype=torch.float32, device=device)
                   if args.residual else None)
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                s, n = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"], cos)
            if task == "same":
                y = torch.tensor([r["label"] for r in batch], dtype=torch.float32, device=device)
                loss = bce(s.float(), y)
            else:
                y = torch.tensor([r["label"] for r in batch], dtype=torch.long, device=device)
                loss = ce(n.float(), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 50 == 0:
                print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f}s", flush=True)
        log.append({"epoch": epoch + 1, "last_loss": round(loss.item(), 4),
                    "dev": dev_scores(model, tok, dev, device, args.max_len)})
        print(json.dumps(log[-1]), flush=True)
        save(model, args, rows, steps, t0, log)  # after every epoch: a cut-off run keeps its last one



if __name__ == "__main__":
    main()
