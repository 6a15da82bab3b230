"""Fine-tune all-MiniLM-L6-v2 as a token classifier of loaded words, on BABE and basil-dev.

A word is a positive when experts marked it: BABE's `biased_words` (3,674 sentences of 11 US
outlets), or a word inside a basil-dev `lex` span (the outlet's own loaded word choice). Every
word piece carries its word's label; a word's probability is the mean of its pieces' (as
``compare.loaded.TokenModel`` reads them).

Five folds: BABE's sentences dealt into five by a seeded shuffle, basil-dev's triplets by
``training/framing.py``'s ``folds_of`` (so the term model stacked on these scores stays out of
fold). Fold k's model trains on the other four of both sets and scores fold k's words. Writes to
``--out``:

- ``oof_basil.pkl``: claim id -> each token's out-of-fold probability (NaN where the term model
  scores no word), read by ``training/framing.py --tokens``;
- ``babe.json``: word-level precision, recall and F1 on BABE's held-out folds, beside the frozen
  word model's (a logistic regression over the frozen encoder's word vectors, fitted on the same
  folds);
- ``final/``: the model fitted on every sentence, which ``training/export_tokens.py`` turns into
  ``compare/models/loaded-words``.

Data are read from ``--data`` (../shared/data) and from training/story_data.py's basil-dev cache;
no text is written outside ``--out`` (git-ignored ``.train``).

    python training/framing_tokens.py [--data ../shared/data] [--cache .train/stories]
        [--out .train/tokens] [--epochs 2] [--folds 0,1,2,3,4,final] [--frozen]
"""

from __future__ import annotations

import argparse
import gzip
import json
import pickle
import random
import re
import time
from pathlib import Path

import numpy as np
import torch

from compare.embed import default_model_path
from compare.framing import is_candidate

MAX_TOKENS = 128
WORD = re.compile(r"\w+(?:[-'’]\w+)*")
POS_WEIGHT = 4.0  # positives are 2-4 % of words
KEEP_PLAIN = 0.35  # share of basil claims without a marked span kept for training


def babe_sentences(data: Path) -> list[dict]:
    """BABE's sentences: text, and the character spans of the words experts marked."""
    out = []
    with gzip.open(data / "babe" / "babe_sg2.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            marked = {w.lower().strip(".,;:!?\"'()") for w in d.get("biased_words") or []}
            words = [(m.start(), m.end()) for m in WORD.finditer(d["text"])]
            out.append({"text": d["text"], "words": words,
                        "labels": [int(d["text"][a:b].lower() in marked) for a, b in words]})
    return out


def basil_sentences(cache: Path) -> tuple[list[dict], dict[str, str]]:
    """basil-dev's claims as the pipeline embeds them (whitespace collapsed), each token's span in
    that text, its label (inside a `lex` span) and whether the term model scores it."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from framing import spans  # noqa: PLC0415 (training/framing.py)

    with open(cache / "basil.pkl", "rb") as fh:
        d = pickle.load(fh)
    prep = d["prep"]
    story = {a.id: s for a, (s, _) in zip(prep.articles, d["labels"], strict=True)}
    body = {a.id: a.text for a in prep.articles}
    marks = {a.id: spans(Path(a.source).parent, a) for a in prep.articles}
    out = []
    for c in prep.claims:
        text, at, words, labels, scored, index = " ".join(c.text.split()), 0, [], [], [], []
        for t, (a, b, _, pos, *_) in enumerate(c.tokens):
            w = body[c.article][a:b]
            k = text.find(w, at) if w.strip() else -1
            if k < 0:
                continue
            at = k + len(w)
            words.append((k, at))
            labels.append(int(any(s <= a and b <= e for s, e in marks[c.article]["lex"])))
            scored.append(is_candidate(w, pos))
            index.append(t)
        near = any(not (e <= c.start or s >= c.end) for kind in ("lex", "inf") for s, e in marks[c.article][kind])
        out.append({"id": c.id, "text": text, "words": words, "labels": labels, "scored": scored,
                    "story": story[c.article], "near": near, "ntok": len(c.tokens), "index": index})
    return out, story


def encode(tok, sents: list[dict]):
    """Token ids, and each piece's label (-100 for special pieces and pieces of no word)."""
    enc = tok([s["text"] for s in sents], truncation=True, max_length=MAX_TOKENS, return_offsets_mapping=True)
    rows = []
    for s, ids, offs in zip(sents, enc["input_ids"], enc["offset_mapping"], strict=True):
        lab = []
        for a, b in offs:
            if b <= a:
                lab.append(-100)
                continue
            hit = [y for (s0, e0), y in zip(s["words"], s["labels"], strict=True) if s0 < b and e0 > a]
            lab.append(max(hit) if hit else -100)
        rows.append((ids, lab, offs))
    return rows


def train(model, rows, epochs: int, seed: int, log) -> None:
    torch.manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
    steps = epochs * ((len(rows) + 15) // 16)
    # a tenth of the steps warming up, then linear decay
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, 1 - s / steps))
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, POS_WEIGHT]), ignore_index=-100)
    rng = random.Random(seed)
    model.train()
    step, t0 = 0, time.time()
    for ep in range(epochs):
        order = sorted(range(len(rows)), key=lambda i: (len(rows[i][0]), rng.random()))
        batches = [order[i:i + 16] for i in range(0, len(order), 16)]
        rng.shuffle(batches)
        for batch in batches:
            n = max(len(rows[i][0]) for i in batch)
            ids = torch.tensor([rows[i][0] + [0] * (n - len(rows[i][0])) for i in batch])
            mask = torch.tensor([[1] * len(rows[i][0]) + [0] * (n - len(rows[i][0])) for i in batch])
            lab = torch.tensor([rows[i][1] + [-100] * (n - len(rows[i][1])) for i in batch])
            logits = model(input_ids=ids, attention_mask=mask).logits
            loss = loss_fn(logits.view(-1, 2), lab.view(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 50 == 0:
                log(f"epoch {ep} step {step}/{steps} loss {loss.item():.4f} {time.time() - t0:.0f} s")


@torch.no_grad()
def word_probs(model, tok, sents: list[dict]) -> list[np.ndarray]:
    """Each sentence's words' P(marked): the mean over the pieces that overlap the word."""
    model.eval()
    out = []
    for lo in range(0, len(sents), 32):
        part = sents[lo:lo + 32]
        enc = tok([s["text"] for s in part], truncation=True, max_length=MAX_TOKENS, padding=True,
                  return_offsets_mapping=True, return_tensors="pt")
        offs = enc.pop("offset_mapping").numpy()
        p = torch.softmax(model(**enc).logits, dim=-1)[..., 1].numpy()
        for j, s in enumerate(part):
            w = np.full(len(s["words"]), np.nan, dtype=np.float32)
            a, b = offs[j, :, 0], offs[j, :, 1]
            real = b > a
            for k, (s0, e0) in enumerate(s["words"]):
                hit = real & (a < e0) & (b > s0)
                if hit.any():
                    w[k] = float(p[j][hit].mean())
            out.append(w)
    return out


def prf(pairs) -> dict:
    pairs = list(pairs)
    tp = sum(1 for p, y in pairs if p and y)
    fp = sum(1 for p, y in pairs if p and not y)
    fn = sum(1 for p, y in pairs if y and not p)
    pr, rc = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return {"precision": round(pr, 3), "recall": round(rc, 3), "f1": round(2 * pr * rc / max(pr + rc, 1e-9), 3)}


def frozen_baseline(babe: list[dict], babe_fold: dict[int, int], log) -> dict:
    """The frozen word model on BABE's held-out folds: a class-balanced logistic regression over
    the frozen encoder's word vectors (as compare/models/framing's word model reads them),
    fitted on the other four folds; and the shipped word model (fitted on basil-dev only)
    scoring every BABE word. Word-level precision, recall and F1 by cut."""
    from sklearn.linear_model import LogisticRegression

    from compare.embed import SentenceTransformerEmbedder
    from compare.framing import TermModel

    _, vecs = SentenceTransformerEmbedder().encode_words([s["text"] for s in babe], [s["words"] for s in babe])
    x = np.concatenate([v for v in vecs])
    y = np.array([lab for s in babe for lab in s["labels"]])
    f = np.array([babe_fold[i] for i, s in enumerate(babe) for _ in s["labels"]])
    p = np.zeros(len(y))
    for k in range(5):
        lr = LogisticRegression(C=0.1, max_iter=3000, class_weight="balanced").fit(x[f != k], y[f != k])
        p[f == k] = lr.predict_proba(x[f == k])[:, 1]
    shipped = TermModel.load().word_bias(x.astype(np.float32))
    out = {}
    for name, q in (("frozen, fitted on BABE folds", p), ("shipped word model (basil-dev)", shipped)):
        out[name] = {str(c): prf(zip((q >= c).tolist(), y.tolist(), strict=True))
                     for c in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)}
        log(f"BABE held-out word-level, {name}: {out[name]}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--cache", type=Path, default=Path(".train/stories"))
    ap.add_argument("--out", type=Path, default=Path(".train/tokens"))
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--folds", default="0,1,2,3,4,final")
    ap.add_argument("--frozen", action="store_true", help="only the frozen word model's BABE figures")
    args = ap.parse_args()
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    torch.set_num_threads(2)
    args.out.mkdir(parents=True, exist_ok=True)
    logf = open(args.out / "train.log", "a")

    def log(msg: str) -> None:
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    babe = babe_sentences(args.data)
    basil, story = basil_sentences(args.cache)
    order = list(range(len(babe)))
    random.Random(13).shuffle(order)
    babe_fold = {i: k % 5 for k, i in enumerate(order)}
    stories = sorted(set(story.values()))
    basil_fold = {s: k % 5 for k, s in enumerate(stories)}  # training/framing.py's folds_of
    rng = random.Random(7)
    keep = [s for s in basil if s["near"] or rng.random() < KEEP_PLAIN]
    log(f"BABE {len(babe)} sentences, {sum(map(sum, (s['labels'] for s in babe)))} marked words; "
        f"basil-dev {len(basil)} claims ({len(keep)} kept for training), "
        f"{sum(map(sum, (s['labels'] for s in basil)))} words in lex spans")
    if args.frozen:
        (args.out / "babe_frozen.json").write_text(json.dumps(frozen_baseline(babe, babe_fold, log), indent=2))
        return
    path = default_model_path()
    tok = AutoTokenizer.from_pretrained(path)
    oof_path, babe_path = args.out / "oof_basil.pkl", args.out / "oof_babe.pkl"
    oof = pickle.loads(oof_path.read_bytes()) if oof_path.exists() else {}
    oof_babe = pickle.loads(babe_path.read_bytes()) if babe_path.exists() else {}
    for fold in [f for f in args.folds.split(",") if f]:
        t = time.time()
        if fold == "final":
            tr = babe + keep
        else:
            k = int(fold)
            tr = [s for i, s in enumerate(babe) if babe_fold[i] != k] + [
                s for s in keep if basil_fold[s["story"]] != k]
        model = AutoModelForTokenClassification.from_pretrained(path, num_labels=2)
        rows = encode(tok, tr)
        log(f"fold {fold}: {len(rows)} training sentences")
        train(model, rows, args.epochs, seed=17, log=log)
        if fold == "final":
            model.save_pretrained(args.out / "final")
            tok.save_pretrained(args.out / "final")
            log(f"final model saved ({time.time() - t:.0f} s)")
            continue
        test_basil = [s for s in basil if basil_fold[s["story"]] == k]
        for s, w in zip(test_basil, word_probs(model, tok, test_basil), strict=True):
            full = np.full(s["ntok"], np.nan, dtype=np.float32)
            for j, (idx, sc) in enumerate(zip(s["index"], s["scored"], strict=True)):
                if sc:
                    full[idx] = w[j]
            oof[s["id"]] = full
        test_babe = [i for i in range(len(babe)) if babe_fold[i] == k]
        for i, w in zip(test_babe, word_probs(model, tok, [babe[i] for i in test_babe]), strict=True):
            oof_babe[i] = w
        oof_path.write_bytes(pickle.dumps(oof))
        babe_path.write_bytes(pickle.dumps(oof_babe))
        log(f"fold {fold} done ({time.time() - t:.0f} s)")
    if len(oof_babe) == len(babe):
        res = {}
        for cut in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            res[str(cut)] = prf((bool(p >= cut), bool(y)) for i, s in enumerate(babe)
                                for p, y in zip(oof_babe[i], s["labels"], strict=True) if not np.isnan(p))
        (args.out / "babe.json").write_text(json.dumps(res, indent=2))
        log(f"BABE held-out word-level: {res}")


if __name__ == "__main__":
    main()
