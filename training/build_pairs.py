"""Build the claim-pair training and validation sets from ../shared/data (never committed).

Writes gzipped JSONL to OUT (default .train/data): one object a line with ``a``, ``b``,
``task`` ("same" or "nli"), ``label`` (a float in [0, 1] for "same", 0/1/2 for
entailment/neutral/contradiction for "nli") and ``source``.

Leakage handled here: STS-B includes MRPC pairs (pairs/README.md), so MRPC test pairs are
dropped from STS-B train and STS-B dev/test pairs from MRPC train; ECB+ topics are split
into training and validation topics; SNLI dev trains and SNLI test only scores.

    python training/build_pairs.py --data ../shared/data --out .train/data
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import random
import re
from collections import defaultdict
from pathlib import Path

NLI = {"entailment": 0, "neutral": 1, "contradiction": 2}
# ECB+ topics kept out of training, to validate "same event" linking on unseen kinds of event
ECB_DEV_TOPICS = {"3", "8", "13", "18", "23", "28", "33"}
SEED = 13


def read_jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def key(a: str, b: str) -> frozenset:
    norm = lambda s: re.sub(r"[\W_]+", "", s.lower())  # noqa: E731
    return frozenset((norm(a), norm(b)))


def detok(s: str) -> str:
    """Undo PTB tokenisation in SNLI dev (e-SNLI copy)."""
    s = s.replace("``", '"').replace("''", '"')
    s = re.sub(r" ([.,!?;:%)])", r"\1", s)
    s = re.sub(r"([($]) ", r"\1", s)
    s = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", s)
    return s.strip()


def words(s: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", s.lower()) if len(w) > 2}


def ecb_pairs(root: Path, rng: random.Random, per_chain: int = 40) -> tuple[list[dict], list[dict]]:
    """Same-event pairs across documents of one ECB+ subtopic, with two kinds of negatives:
    a sentence of the sister subtopic (same kind of event, another real event) sharing most
    words, and a sentence of the same subtopic annotated with other events only."""
    files = json.loads((root / "key.json").read_text(encoding="utf-8"))["files"]
    by_topic: dict[str, list[dict]] = defaultdict(list)
    for _, f in sorted(files.items()):
        for s in f["sentences"]:
            if not s["written"] or not s["annotated"]:
                continue
            main = next((m[0] for m in s["event_mentions"] if m[2]), None)
            by_topic[f["topic"]].append({"doc": f["doc"], "sub": f["subtopic"], "text": s["text"],
                                         "main": main, "events": set(s["events"]),
                                         "entities": set(s["entities"])})
    train, dev = [], []
    for topic in sorted(by_topic, key=int):
        sents = by_topic[topic]
        out = dev if topic in ECB_DEV_TOPICS else train
        chains: dict[str, list[dict]] = defaultdict(list)
        for s in sents:
            if s["main"]:
                chains[s["main"]].append(s)
        seen = set()
        for chain in sorted(chains):
            members = chains[chain]
            # one event told with a participant in common: closer to one fact than the event alone
            pairs = [(x, y) for i, x in enumerate(members) for y in members[i + 1:]
                     if x["doc"] != y["doc"] and x["entities"] & y["entities"]]
            rng.shuffle(pairs)
            for x, y in pairs[:per_chain]:
                k = key(x["text"], y["text"])
                if k in seen or x["text"] == y["text"]:
                    continue
                seen.add(k)
                out.append({"a": x["text"], "b": y["text"], "task": "same", "label": 1.0, "source": "ecb-pos"})
                # hard negative: the sister event's sentence that shares most words with x
                sister = [s for s in sents if s["sub"] != x["sub"]]
                if sister:
                    pool = rng.sample(sister, min(40, len(sister)))
                    wx = words(x["text"])
                    z = max(pool, key=lambda s: (len(wx & words(s["text"])), s["text"]))
                    out.append({"a": x["text"], "b": z["text"], "task": "same", "label": 0.0,
                                "source": "ecb-sister"})
                # same story, other fact: annotated with events, none shared; the ones sharing
                # most words first, as in a story where every sentence names the same actors
                other = [s for s in sents if s["sub"] == x["sub"] and s["doc"] != x["doc"] and s["main"]
                         and not (s["events"] & x["events"])]
                if other:
                    pool = rng.sample(other, min(40, len(other)))
                    for anchor in (x, y):
                        wa = words(anchor["text"])
                        pool.sort(key=lambda s: (-len(wa & words(s["text"])), s["text"]))
                        for z in pool[:2]:
                            if z["doc"] != anchor["doc"]:
                                out.append({"a": anchor["text"], "b": z["text"], "task": "same", "label": 0.0,
                                            "source": "ecb-other"})
    return train, dev


def fnc_pairs(root: Path, rng: random.Random, limit: int = 6000) -> list[dict]:
    """FNC-1 train: an 'agree' headline with the body sentence sharing most words (same claim),
    an 'unrelated' headline with a body's lead (another story)."""
    def read_csv(name):
        with gzip.open(root / "fnc1" / name, "rt", encoding="utf-8") as f:
            return list(csv.DictReader(io.StringIO(f.read())))
    bodies = {r["Body ID"]: r["articleBody"] for r in read_csv("train_bodies.csv.gz")}
    rows = read_csv("train_stances.csv.gz")
    rng.shuffle(rows)
    out, n_pos, n_neg, seen = [], 0, 0, set()
    for r in rows:
        sents = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", bodies[r["Body ID"]]) if 8 <= len(s.split()) <= 60]
        if not sents:
            continue
        h = r["Headline"].strip()
        if r["Stance"] == "agree" and n_pos < limit // 2:
            wh = words(h)
            s = max(sents[:8], key=lambda s: len(wh & words(s)) / (len(words(s)) + 1))
            if len(wh & words(s)) < 2 or key(h, s) in seen:
                continue
            seen.add(key(h, s))
            out.append({"a": h, "b": s, "task": "same", "label": 1.0, "source": "fnc-agree"})
            n_pos += 1
        elif r["Stance"] == "unrelated" and n_neg < limit // 2:
            if key(h, sents[0]) in seen:
                continue
            seen.add(key(h, sents[0]))
            out.append({"a": h, "b": sents[0], "task": "same", "label": 0.0, "source": "fnc-unrelated"})
            n_neg += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data", type=Path)
    ap.add_argument("--out", default=".train/data", type=Path)
    ap.add_argument("--ecb-per-chain", type=int, default=80, help="same-event pairs drawn from one ECB+ chain")
    args = ap.parse_args()
    rng = random.Random(SEED)
    p = args.data / "pairs"
    mrpc_tr, mrpc_te = read_jsonl(p / "mrpc.train.jsonl.gz"), read_jsonl(p / "mrpc.test.jsonl.gz")
    sts = {s: read_jsonl(p / f"stsb.{s}.jsonl.gz") for s in ("train", "dev", "test")}
    mrpc_test_keys = {key(r["a"], r["b"]) for r in mrpc_te}
    sts_eval_keys = {key(r["a"], r["b"]) for s in ("dev", "test") for r in sts[s]}

    sets: dict[str, list[dict]] = defaultdict(list)
    for r in mrpc_tr:
        if key(r["a"], r["b"]) not in sts_eval_keys:
            sets["train"].append({"a": r["a"], "b": r["b"], "task": "same", "label": float(r["label"]),
                                  "source": "mrpc"})
    for r in sts["train"]:
        if key(r["a"], r["b"]) not in mrpc_test_keys:
            sets["train"].append({"a": r["a"], "b": r["b"], "task": "same", "label": r["label"] / 5.0,
                                  "source": "stsb"})
    for r in read_jsonl(p / "sick.train.jsonl.gz"):
        sets["train"].append({"a": r["a"], "b": r["b"], "task": "nli", "label": NLI[r["label"].lower()],
                              "source": "sick"})
    for r in read_jsonl(p / "snli.dev.jsonl.gz"):
        sets["train"].append({"a": detok(r["a"]), "b": detok(r["b"]), "task": "nli", "label": NLI[r["label"]],
                              "source": "snli"})
    ecb_train, ecb_dev = ecb_pairs(args.data / "ecbplus-dev", rng, args.ecb_per_chain)
    # PAWS: word-order paraphrases and their swapped-word non-paraphrases, where bag-of-words
    # similarity fails; three quarters train, a quarter validates
    paws = read_jsonl(p / "pawsx_en.dev.jsonl.gz")
    random.Random(SEED).shuffle(paws)
    cut = len(paws) * 3 // 4
    for name, part in (("train", paws[:cut]), ("dev-paws", paws[cut:])):
        sets[name] += [{"a": r["a"], "b": r["b"], "task": "same", "label": float(r["label"]), "source": "paws"}
                       for r in part]
    sets["train"] += ecb_train
    sets["train"] += fnc_pairs(p, rng)
    sets["dev-ecb"] = ecb_dev
    sets["dev-stsb"] = [{"a": r["a"], "b": r["b"], "task": "same", "label": r["label"] / 5.0, "source": "stsb"}
                        for r in sts["dev"]]
    sets["test-stsb"] = [{"a": r["a"], "b": r["b"], "task": "same", "label": r["label"] / 5.0, "source": "stsb"}
                         for r in sts["test"]]
    sets["test-mrpc"] = [{"a": r["a"], "b": r["b"], "task": "same", "label": float(r["label"]), "source": "mrpc"}
                         for r in mrpc_te]
    sets["test-snli"] = [{"a": r["a"], "b": r["b"], "task": "nli", "label": NLI[r["label"]], "source": "snli"}
                         for r in read_jsonl(p / "snli.test.jsonl.gz")]
    sets["test-sick"] = [{"a": r["a"], "b": r["b"], "task": "nli", "label": NLI[r["label"].lower()],
                          "source": "sick"} for r in read_jsonl(p / "sick.test.jsonl.gz")]
    args.out.mkdir(parents=True, exist_ok=True)
    for name, rows in sets.items():
        with gzip.GzipFile(args.out / f"{name}.jsonl.gz", "wb", mtime=0) as f:
            f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode())
        by = defaultdict(int)
        for r in rows:
            by[r["source"]] += 1
        print(name, len(rows), dict(sorted(by.items())))


if __name__ == "__main__":
    main()
