"""Fine-tune the claim-pair judge: all-MiniLM-L6-v2 read as a cross-encoder with two heads.

The pair is read together ("[CLS] a [SEP] b [SEP]"), token states are mean-pooled, and two
linear heads give the "same fact" logit and the entailment/neutral/contradiction logits.
Batches hold one task each; "same" pairs are read in a random order (the relation is
symmetric), NLI pairs in theirs. Seeded; runs on a GPU where there is one.

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


def save(model, args, rows, steps, t0, log) -> None:
    from safetensors.torch import save_file

    args.out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16).cpu().contiguous() for k, v in model.state_dict().items()}
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
        log.append({"epoch": epoch + 1, "last_loss": round(loss.item(), 4)})
        print(json.dumps(log[-1]), flush=True)
        save(model, args, rows, steps, t0, log)  # after every epoch: a cut-off run keeps its last one



if __name__ == "__main__":
    main()
