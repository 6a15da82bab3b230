"""Fit and measure the framing term model (compare/models/framing/model.json) on basil-dev.

A content word is a positive when it lies inside a span BASIL's experts marked as lexical bias
(`lex`: the outlet's own loaded word choice). Each triplet is one story. Figures are from five
folds by triplet: each word is scored by a word model that never saw its triplet. Two caveats,
both in the figures' favour: the sentence model's probabilities the word model reads are out of
fold, but those of a fold's training words came from sentence models that saw the fold's test
triplets (the stacking is not nested); and the cut is chosen on these same out-of-fold scores.

- lex recall: share of `lex` spans with a flagged word of that outlet inside them;
- terms per word: flagged words over all words of text;
- inside experts' spans: share of flagged words inside a `lex` or `inf` span.

Precision first: the cut is the highest one that keeps lex recall at MIN_RECALL or more (a
margin over the issue's 0.5 for news the model never saw) at no more than TARGET_DENSITY flagged
words per word. ``--write`` fits on all 80 triplets and ships it with that cut.

Four models are stacked, each scored out of fold for the one above it: the sentence model
(claim embedding -> P(experts marked a span in the claim)), the word model (a word's contextual
vector from the same transformer pass -> P(the word is inside a `lex` span)), the token
classifier (training/framing_tokens.py, fine-tuned on BABE and basil-dev: its out-of-fold scores
on basil-dev, by the same folds), and the term model over FRAMING_FEATURES, which reads all three.

    python training/framing.py [--cache .train/stories] [--tokens .train/tokens] [--write]
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
from pathlib import Path

import numpy as np
from fitted import linear
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from compare.embed import DEFAULT_MODEL, SentenceTransformerEmbedder
from compare.framing import (
    FRAMING_FEATURES,
    MODEL_PATH,
    PLAIN_FEATURES,
    candidates,
    document_frequency,
    is_candidate,
    word_spans,
)

TARGET_DENSITY = 0.04  # the issue allows 0.05; the cut keeps a margin for unseen news
MIN_RECALL = 0.55  # the issue asks 0.5
# a lexicon word may be flagged from a lower cut while the flags' share inside experts' spans
# falls by no more than this: on basil-dev (US politics) the conflict lexicon's words are near
# the base rate, so the lexicon only lowers the bar where the model half agrees
LEXICON_COST = 0.005
OUTLET_FILE = {"Fox News": "fox", "The New York Times": "nyt", "HuffPost": "hpo"}


def spans(root: Path, article) -> dict[str, list[tuple[int, int]]]:
    """Character ranges of the experts' spans in the article's text, by kind (lex, inf)."""
    src = Path(article.source)
    ann = json.loads((src.parent / f"{src.stem}.ann.json").read_text())
    out: dict[str, list[tuple[int, int]]] = {"lex": [], "inf": []}
    for a in ann["phrase-level-annotations"]:
        txt = " ".join(a["txt"].split())
        if a["bias"] not in out or not txt:
            continue
        pat = r"\s+".join(re.escape(w) for w in txt.split())
        m = re.search(pat, article.text)
        if m:
            out[a["bias"]].append((m.start(), m.end()))
    return out


def load(cache: Path, tokens: Path):
    with open(cache / "basil.pkl", "rb") as fh:
        d = pickle.load(fh)
    prep = d["prep"]
    story = {a.id: s for a, (s, _) in zip(prep.articles, d["labels"], strict=True)}
    texts = {a.id: a.text for a in prep.articles}
    marks = {a.id: spans(Path(a.source).parent, a) for a in prep.articles}
    words = {a.id: len(re.findall(r"\w+", a.text)) for a in prep.articles}
    df, n = document_frequency(prep.claims)
    claim_model, bias = sentence_model(prep, story, marks)
    word_model, word_p = words_model(prep, story, marks, word_vectors(cache, prep))
    with open(tokens / "oof_basil.pkl", "rb") as fh:
        marked = pickle.load(fh)
    # a word the loaded-word model did not score reads the mean of those it did, as at run time
    prior = float(np.nanmean(np.concatenate([v for v in marked.values() if len(v)])))
    rows, x, y, inside = [], [], [], []
    by_story: dict[str, list] = {}
    for c in prep.claims:
        by_story.setdefault(story[c.article], []).append(c)
    for sid in sorted(by_story):
        for cand in candidates(by_story[sid], texts, df, n, bias, words=word_p, marked=marked, token_prior=prior):
            a, b = cand.claim.tokens[cand.token][:2]
            m = marks[cand.claim.article]
            lex = any(s <= a and b <= e for s, e in m["lex"])
            rows.append((sid, cand.claim.article, a, b, cand.claim.id))
            x.append(cand.features)
            y.append(lex)
            inside.append(lex or any(s <= a and b <= e for s, e in m["inf"]))
    return rows, np.array(x), np.array(y, dtype=int), np.array(inside), marks, words, claim_model, word_model


def folds_of(keys: list[str]) -> dict[str, int]:
    return {s: k % 5 for k, s in enumerate(sorted(set(keys)))}


def sentence_model(prep, story: dict[str, str], marks) -> tuple[LogisticRegression, dict[str, float]]:
    """Claim embedding -> P(the claim overlaps a `lex` or `inf` span). Returns the model fitted
    on every claim, and each claim's out-of-fold probability (what the word model is fitted on)."""
    e = normalize(prep.embeddings)  # as TermModel.claim_bias reads them
    y = np.array([any(not (b <= c.start or a >= c.end) for k in ("lex", "inf") for a, b in marks[c.article][k])
                  for c in prep.claims], dtype=int)
    fold = folds_of(list(story.values()))
    f = np.array([fold[story[c.article]] for c in prep.claims])
    p = np.zeros(len(y))
    for k in range(5):
        p[f == k] = _claim_fit(e[f != k], y[f != k]).predict_proba(e[f == k])[:, 1]
    return _claim_fit(e, y), dict(zip([c.id for c in prep.claims], p.tolist(), strict=True))


def word_vectors(cache: Path, prep) -> dict[str, np.ndarray]:
    """Each claim's word vectors (SentenceTransformerEmbedder.encode_words, as the pipeline
    computes them), cached beside the claims."""
    path = cache / "basil.words.pkl"
    if path.exists():
        with open(path, "rb") as fh:
            return pickle.load(fh)
    body = {a.id: a.text for a in prep.articles}
    texts = [" ".join(c.text.split()) for c in prep.claims]
    spans = [word_spans(c, body[c.article], t) for c, t in zip(prep.claims, texts, strict=True)]
    _, vecs = SentenceTransformerEmbedder().encode_words(texts, spans)
    out = {c.id: v.astype(np.float16) for c, v in zip(prep.claims, vecs, strict=True)}
    with open(path, "wb") as fh:
        pickle.dump(out, fh)
    return out


def words_model(prep, story: dict[str, str], marks, vectors) -> tuple[LogisticRegression, dict[str, np.ndarray]]:
    """Word vector -> P(the word is inside a `lex` span), over the words the term model scores.
    Returns the model fitted on every word, and each claim's out-of-fold probabilities (one per
    token, NaN where the model does not score it)."""
    texts = {a.id: a.text for a in prep.articles}
    fold = folds_of(list(story.values()))
    keys, x, y, f = [], [], [], []
    for c in prep.claims:
        v = vectors[c.id]
        for k, (a, b, _, pos, *_) in enumerate(c.tokens):
            if is_candidate(texts[c.article][a:b], pos) and np.abs(v[k]).sum() > 0:
                keys.append((c.id, k))
                x.append(v[k].astype(np.float32))
                y.append(any(s <= a and b <= e for s, e in marks[c.article]["lex"]))
                f.append(fold[story[c.article]])
    x, y, f = np.array(x), np.array(y, dtype=int), np.array(f)
    p = np.zeros(len(y))
    for k in range(5):
        p[f == k] = _word_fit(x[f != k], y[f != k]).predict_proba(x[f == k])[:, 1]
    out = {c.id: np.full(len(c.tokens), np.nan, dtype=np.float32) for c in prep.claims}
    for (cid, k), q in zip(keys, p, strict=True):
        out[cid][k] = q
    return _word_fit(x, y), out


def _word_fit(x, y) -> LogisticRegression:
    return LogisticRegression(C=0.1, max_iter=3000, class_weight="balanced").fit(x, y)


def _claim_fit(x, y) -> LogisticRegression:
    return LogisticRegression(C=0.5, max_iter=3000, class_weight="balanced").fit(x, y)


def measure(rows, p, cut, inside, marks, words) -> tuple[float, float, float]:
    flagged = p >= cut
    hit: set[tuple[str, int]] = set()
    for (_, art, a, b, *_), f in zip(rows, flagged, strict=True):
        if f:
            for k, (s, e) in enumerate(marks[art]["lex"]):
                if s <= a and b <= e:
                    hit.add((art, k))
    total = sum(len(m["lex"]) for m in marks.values())
    n_flag = int(flagged.sum())
    return (len(hit) / total, n_flag / sum(words.values()),
            float(inside[flagged].mean()) if n_flag else 0.0)


def fit(x, y) -> LogisticRegression:
    return LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(x, y)


def with_lexicon(p, listed, cut: float, lexicon_cut: float):
    """The scores as the profile cuts them: a word the framing lexicon lists counts as flagged
    at ``lexicon_cut`` (the lexicon and the model agree) as well as at ``cut``."""
    return np.where(listed & (p >= lexicon_cut), np.maximum(p, cut), p)


def sweep(rows, x, y, f, inside, marks, words, name: str) -> tuple[float, float]:
    """Out-of-fold scores, the precision-recall table, the cut chosen (see the docstring), and
    the lower cut for words the framing lexicon lists: the lowest that costs the flagged words'
    share inside experts' spans at most LEXICON_COST."""
    p = np.zeros(len(y))
    for k in range(5):
        p[f == k] = fit(x[f != k], y[f != k]).predict_proba(x[f == k])[:, 1]
    print(f"{name}\ncut    lex recall  terms/word  inside experts' spans")
    table = []
    for cut in np.round(np.arange(0.5, 0.96, 0.025), 3):
        r, dens, prec = measure(rows, p, cut, inside, marks, words)
        table.append((cut, r, dens, prec))
        print(f"{cut:5.3f}  {r:10.3f}  {dens:10.4f}  {prec:10.3f}")
    ok = [t for t in table if t[2] <= TARGET_DENSITY and t[1] >= MIN_RECALL]
    # when no cut keeps MIN_RECALL, the best recall within the density
    cut = (max(ok, key=lambda t: (t[3], t[0])) if ok
           else max((t for t in table if t[2] <= TARGET_DENSITY), key=lambda t: (t[1], t[0])))[0]
    print(f"cut chosen: {cut}")
    listed = x[:, FRAMING_FEATURES.index("lexicon")] == 1
    base = measure(rows, p, cut, inside, marks, words)[2]
    lexicon_cut = float(cut)
    print(f"framing-lexicon words flagged from a lower cut (the cut for the rest stays {cut}); "
          f"{int(listed.sum())} listed words\nlexicon cut  lex recall  terms/word  inside experts' spans")
    for low in np.round(np.arange(cut - 0.025, 0.29, -0.05), 3):
        r, dens, prec = measure(rows, with_lexicon(p, listed, cut, low), cut, inside, marks, words)
        print(f"{low:11.3f}  {r:10.3f}  {dens:10.4f}  {prec:10.3f}")
        if prec >= base - LEXICON_COST and low < lexicon_cut:
            lexicon_cut = float(low)
    print(f"lexicon cut chosen: {lexicon_cut}")
    return float(cut), lexicon_cut


def gate_table(rows, x, y, f, inside, marks, words, cut: float, lexicon_cut: float, col: int,
               prior: float) -> float:
    """The loaded-word model reads only the claims whose words the term model, reading the
    model's prior in its place, already scores at the gate or more (its forward pass costs as
    much as the embedding's). For each gate: the share of claims it reads and the three figures
    at ``cut``, out of fold. Returns the highest gate that keeps lex recall within 0.01 of
    reading every claim."""
    p, p1 = np.zeros(len(y)), np.zeros(len(y))
    x1 = x.copy()
    x1[:, col] = prior
    for k in range(5):
        lr = fit(x[f != k], y[f != k])
        p[f == k] = lr.predict_proba(x[f == k])[:, 1]
        p1[f == k] = lr.predict_proba(x1[f == k])[:, 1]
    claim = np.array([r[4] for r in rows])
    best: dict[str, float] = {}
    for cid, q in zip(claim, p1, strict=True):
        best[cid] = max(best.get(cid, 0.0), q)
    top = np.array([best[c] for c in claim])
    listed = x[:, FRAMING_FEATURES.index("lexicon")] == 1
    full, _, _ = measure(rows, with_lexicon(p, listed, cut, lexicon_cut), cut, inside, marks, words)
    print(f"gate on the term model's P without the loaded-word model (cut {cut})\n"
          "gate   claims read  lex recall  terms/word  inside experts' spans")
    chosen = 0.0
    for g in np.round(np.arange(0.0, 0.81, 0.05), 3):
        read = top >= g
        r, dens, prec = measure(rows, with_lexicon(np.where(read, p, p1), listed, cut, lexicon_cut), cut,
                                inside, marks, words)
        print(f"{g:5.2f}  {len(set(claim[read])) / len(best):11.3f}  {r:10.3f}  {dens:10.4f}  {prec:10.3f}")
        if r >= full - 0.01:
            chosen = float(g)
    print(f"gate chosen: {chosen}")
    return chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path(".train/stories"))
    ap.add_argument("--tokens", type=Path, default=Path(".train/tokens"))
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    rows, x, y, inside, marks, words, claim_model, word_model = load(args.cache, args.tokens)
    with open(args.cache / "basil.pkl", "rb") as fh:
        embedder = pickle.load(fh).get("embedder", DEFAULT_MODEL)  # caches before it was kept
    print(f"{len(y)} content words, {y.sum()} inside lex spans, "
          f"{sum(len(m['lex']) for m in marks.values())} lex spans located, {sum(words.values())} words")
    fold = folds_of([r[0] for r in rows])
    f = np.array([fold[r[0]] for r in rows])
    cut, lexicon_cut = sweep(rows, x, y, f, inside, marks, words, "the full model")
    token = FRAMING_FEATURES.index("token_bias")
    gate = gate_table(rows, x, y, f, inside, marks, words, cut, lexicon_cut, token, float(np.mean(x[:, token])))
    plain_x = x[:, :len(PLAIN_FEATURES)]
    plain_cut, plain_lexicon = sweep(rows, plain_x, y, f, inside, marks, words,
                                     "the fallback (no word or sentence vectors)")
    plain_gate = gate_table(rows, plain_x, y, f, inside, marks, words, plain_cut, plain_lexicon, token,
                            float(np.mean(x[:, token])))
    lr, plain = fit(x, y), fit(plain_x, y)
    print("coef", dict(zip(FRAMING_FEATURES, np.round(lr.coef_[0], 3), strict=True)))
    if args.write:
        MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
        MODEL_PATH.write_text(json.dumps({
            "features": list(FRAMING_FEATURES),
            **linear(lr),
            "threshold": cut,
            "lexicon_threshold": lexicon_cut,
            "token_gate": gate,
            **linear(claim_model, "claim_"),
            # a claim embedded by another model reads as the average claim
            "claim_prior": round(float(np.mean(x[:, FRAMING_FEATURES.index("claim_bias")])), 4),
            "claim_embedder": embedder,
            **linear(word_model, "word_"),
            "word_prior": round(float(np.mean(x[:, FRAMING_FEATURES.index("word_bias")])), 4),
            "token_prior": round(float(np.mean(x[:, FRAMING_FEATURES.index("token_bias")])), 4),
            "fallback": {"features": list(PLAIN_FEATURES),
                         **linear(plain), "threshold": plain_cut, "lexicon_threshold": plain_lexicon,
                         "token_gate": plain_gate},
            "fitted_on": "basil-dev (80 triplets, 240 articles): words inside the experts' lex spans; "
                         "token_bias from the loaded-word model (BABE + basil-dev, out of fold)",
        }, indent=2) + "\n")
        print(f"wrote {MODEL_PATH}")


if __name__ == "__main__":
    main()
