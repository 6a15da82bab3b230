"""Fine-tune the claim-pair judge: all-MiniLM-L6-v2 read as a cross-encoder with two heads.

The pair is read together ("[CLS] a [SEP] b [SEP]"), token states are mean-pooled, and two
linear heads give the "same fact" logit and the entailment/neutral/contradiction logits.
Batches hold one task each; "same" pairs are read in a random order (the relation is
symmetric), NLI pairs in theirs. Seeded; runs on a GPU where there is one.

    python training/build_pairs.py                    # .train/data from ../shared/data
    python training/train_pairs.py --out .train/run   # weights + scores.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from compare.models.pair_net import PairNet


def read(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def batches(rows: list[dict], size: int, rng: random.Random) -> list[list[dict]]:
    out = []
    for task in ("same", "nli"):
        rs = [r for r in rows if r["task"] == task]
        rng.shuffle(rs)
        out += [rs[i:i + size] for i in range(0, len(rs), size)]
    rng.shuffle(out)
    return out


@torch.no_grad()
def predict(model, tok, rows, device, max_len, bs=256):
    model.eval()
    same, nli = [], []
    for i in range(0, len(rows), bs):
        chunk = rows[i:i + bs]
        enc = tok([r["a"] for r in chunk], [r["b"] for r in chunk], truncation=True, max_length=max_len,
                  padding=True, return_tensors="pt").to(device)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            s, n = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
        same.append(torch.sigmoid(s.float()).cpu().numpy())
        nli.append(torch.softmax(n.float(), -1).cpu().numpy())
    return np.concatenate(same), np.concatenate(nli)


def scores(model, tok, data: Path, device, max_len) -> dict:
    from scipy.stats import spearmanr
    from sklearn.metrics import f1_score, roc_auc_score

    out = {}
    for name in ("dev-stsb", "test-stsb"):
        rows = read(data / f"{name}.jsonl.gz")
        p, _ = predict(model, tok, rows, device, max_len)
        out[f"{name}_spearman"] = round(float(spearmanr(p, [r["label"] for r in rows]).statistic), 4)
    rows = read(data / "test-mrpc.jsonl.gz")
    p, _ = predict(model, tok, rows, device, max_len)
    y = np.array([r["label"] for r in rows])
    out["test-mrpc_f1@0.5"] = round(float(f1_score(y, p > 0.5)), 4)
    out["test-mrpc_acc@0.5"] = round(float(((p > 0.5) == y).mean()), 4)
    rows = read(data / "dev-ecb.jsonl.gz")
    p, _ = predict(model, tok, rows, device, max_len)
    y = np.array([r["label"] for r in rows])
    out["dev-ecb_auc"] = round(float(roc_auc_score(y, p)), 4)
    out["dev-ecb_p@0.5"] = round(float(y[p > 0.5].mean()) if (p > 0.5).any() else 1.0, 4)
    out["dev-ecb_r@0.5"] = round(float((p[y == 1] > 0.5).mean()), 4)
    from sklearn.metrics import average_precision_score

    for path in sorted(data.glob("gold-*.jsonl.gz")):
        rows = read(path)
        p, _ = predict(model, tok, rows, device, max_len)
        y = np.array([r["label"] for r in rows])
        name = path.name.split(".")[0]
        out[f"{name}_ap"] = round(float(average_precision_score(y, p)), 4)
        best = max(((2 * (y[p >= t].sum()) / ((p >= t).sum() + y.sum()), t) for t in np.unique(p)[-200:]),
                   default=(0.0, 0.5))
        out[f"{name}_bestf1"] = [round(float(best[0]), 4), round(float(best[1]), 4)]
        out[f"{name}_p@0.5"] = round(float(y[p > 0.5].mean()) if (p > 0.5).any() else 1.0, 4)
        out[f"{name}_r@0.5"] = round(float((p[y == 1] > 0.5).mean()), 4)
    for name in ("test-snli", "test-sick"):
        rows = read(data / f"{name}.jsonl.gz")
        _, n = predict(model, tok, rows, device, max_len)
        out[f"{name}_acc"] = round(float((n.argmax(1) == np.array([r["label"] for r in rows])).mean()), 4)
    return out


def save(model, args, rows, steps, t0, log) -> None:
    from safetensors.torch import save_file

    args.out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16).cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(args.out / "model.safetensors"))
    save_file(state, str(args.out / f"epoch{len(log)}.safetensors"))
    (args.out / "scores.json").write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
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
    ap.add_argument("--no-eval", dest="eval", action="store_false",
                    help="skip the scores after each epoch (slow on a CPU); run training/score_pairs.py later")
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

    rows = read(args.data / "train.jsonl.gz")
    if args.sources:
        keep = set(args.sources.split(","))
        rows = [r for r in rows if r["source"] in keep]
    if args.limit:
        rows = random.Random(args.seed).sample(rows, args.limit)
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
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                s, n = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
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
        sc = scores(model, tok, args.data, device, args.max_len) if args.eval else {}
        sc["epoch"] = epoch + 1
        log.append(sc)
        print(json.dumps(sc), flush=True)
        save(model, args, rows, steps, t0, log)  # after every epoch: a cut-off run keeps its last one



if __name__ == "__main__":
    main()
