"""The model work of a run, kept in one SQLite file so that a re-run redoes none of it.

Three tables, each keyed by a SHA-256 of everything the value depends on:

- ``claims``: an article's claims with their parse (key: the article's id, outlet, date, title,
  text and body blocks; the spaCy model; the code version);
- ``vectors``: a claim's embedding and its words' framing scores (key: the embedder's
  description, the framing model file, the claim text and its word spans);
- ``pairs``: the pair model's P(same) and NLI probabilities for two claim texts (key: the
  judge's description and both texts);
- ``pages``: web pages and feeds fetched for a run (key: the URL given), so a re-run does not
  fetch them again;
- ``reports``: the last whole report (key: every article's key, source and exclusions, the
  warnings, every stage's settings and the whole package), so re-running an unchanged corpus
  redoes no analysis either.

Values are exact (float arrays as their bytes, claims as JSON), so a run gives the same bytes
with the cache as without it, as long as each value is computed alone, independent of what it
was batched with (the bundled ONNX encoder and the pair judge run each text or pair alone).
SQLite is part of Python; the file is safe to delete at any time.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from sys import intern

import numpy as np

from .schema import Article, Claim, DateMention, Quantity, Tokens

FORMAT = 2  # bump when what a table holds changes shape


def default_path() -> Path:
    """``$XDG_CACHE_HOME/compare/cache.sqlite`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "compare" / "cache.sqlite"


def digest(*parts: object) -> str:
    """SHA-256 of the parts as canonical JSON; a lone surrogate (a file name's byte that is no
    UTF-8) is hashed as its code point, not refused."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
                          .encode("utf-8", "surrogatepass")).hexdigest()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


# what computes a cached value: the claim splitter and its data, the embedders, the framing
# word model, the pair judge, the models; editing the report or the clustering keeps the cache
CACHED_BY = ("cache.py", "claims.py", "dates.py", "schema.py", "embed.py", "framing.py", "loaded.py",
             "linking/judge.py", "language.py", "data", "models")


def _files_digest(files) -> str:
    """SHA-256 of files under the package, by relative path and content (big files by size)."""
    root = Path(__file__).parent
    h = hashlib.sha256()
    for p in sorted(files):
        if not p.is_file() or "__pycache__" in p.parts:
            continue
        h.update(str(p.relative_to(root)).encode())
        size = p.stat().st_size
        h.update(p.read_bytes() if size < 2**20 else str(size).encode())
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the code, data and small model files that compute cached values (big model
    files by name and size): a change to any of them makes new keys."""
    root = Path(__file__).parent
    return _files_digest(f for name in CACHED_BY for f in ([root / name] if (root / name).is_file()
                                                          else (root / name).rglob("*")))


@lru_cache(maxsize=1)
def package_digest() -> str:
    """SHA-256 of the whole package's code and data (big model files by size): what a whole
    report depends on."""
    return _files_digest(Path(__file__).parent.rglob("*"))


def claim_to_dict(c: Claim) -> dict:
    return asdict(c) | {"tokens": [list(t) for t in c.tokens]}


def claim_from_dict(d: dict) -> Claim:
    return Claim(**(d | {
        "numbers": tuple(Quantity(**q) for q in d["numbers"]),
        "dates": tuple(d["dates"]), "places": tuple(d["places"]), "entities": tuple(d["entities"]),
        "lemmas": tuple(map(intern, d["lemmas"])),
        "tokens": Tokens(d["tokens"]),
        "when": tuple(DateMention(**m) for m in d.get("when", ())),
    }))


class Cache:
    """One SQLite file. Writes are committed per batch; a failed run leaves what it finished."""

    def __init__(self, path: str | Path):
        from importlib.metadata import PackageNotFoundError, version

        try:
            release = version("compare-news")
        except PackageNotFoundError:  # run from a source tree that is not installed
            release = "source"
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.version = f"{release}/{FORMAT}/{code_digest()}"
        self._db = sqlite3.connect(str(self.path))
        self._db.executescript(
            "CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, embedding BLOB NOT NULL, words BLOB);"
            "CREATE TABLE IF NOT EXISTS pairs (key TEXT PRIMARY KEY, same REAL NOT NULL, nli BLOB NOT NULL);"
            "CREATE TABLE IF NOT EXISTS pages (url TEXT PRIMARY KEY, final_url TEXT NOT NULL, "
            "content_type TEXT NOT NULL, body TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS reports (key TEXT PRIMARY KEY, value BLOB NOT NULL);")
        self.hits = {"claims": 0, "vectors": 0, "pairs": 0}
        self.misses = {"claims": 0, "vectors": 0, "pairs": 0}

    def close(self) -> None:
        self._db.close()

    def _get(self, table: str, keys: Sequence[str], cols: str) -> dict[str, tuple]:
        out: dict[str, tuple] = {}
        for lo in range(0, len(keys), 500):
            part = keys[lo:lo + 500]
            rows = self._db.execute(f"SELECT key, {cols} FROM {table} WHERE key IN ({','.join('?' * len(part))})",
                                    part).fetchall()
            out.update((r[0], r[1:]) for r in rows)
        self.hits[table] += len(out)
        self.misses[table] += len(set(keys)) - len(out)
        return out

    def _put(self, table: str, rows: Iterable[tuple]) -> None:
        rows = list(rows)
        if rows:
            marks = ",".join("?" * len(rows[0]))
            self._db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", rows)
            self._db.commit()

    # claims -------------------------------------------------------------------------------

    def article_key(self, a: Article, extractor: str) -> str:
        return digest("claims", self.version, extractor, a.id, a.outlet, a.title, a.date, a.language, a.text,
                      [(s.start, s.end) for s in a.body], [(s.start, s.end) for s in a.headings])

    def get_claims(self, keys: Sequence[str]) -> dict[str, list[Claim]]:
        got = self._get("claims", list(keys), "value")
        return {k: [claim_from_dict(d) for d in json.loads(v[0])] for k, v in got.items()}

    def put_claims(self, items: Iterable[tuple[str, list[Claim]]]) -> None:
        self._put("claims", ((k, json.dumps([claim_to_dict(c) for c in cs], ensure_ascii=False))
                             for k, cs in items))

    # embeddings and word scores -----------------------------------------------------------

    def vector_key(self, embedder: dict, words_model: str, text: str, spans: Sequence[tuple[int, int]] | None) -> str:
        return digest("vectors", self.version, embedder, words_model, text, spans)

    def get_vectors(self, keys: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
        got = self._get("vectors", list(keys), "embedding, words")
        return {k: (np.frombuffer(e, dtype=np.float32).copy(),
                    None if w is None else np.frombuffer(w, dtype=np.float32).copy())
                for k, (e, w) in got.items()}

    def put_vectors(self, items: Iterable[tuple[str, np.ndarray, np.ndarray | None]]) -> None:
        self._put("vectors", ((k, np.asarray(e, dtype=np.float32).tobytes(),
                               None if w is None else np.asarray(w, dtype=np.float32).tobytes())
                              for k, e, w in items))

    # pair-model scores --------------------------------------------------------------------

    def pair_key(self, judge: dict, a: str, b: str) -> str:
        return digest("pairs", self.version, judge, a, b)

    def get_pairs(self, keys: Sequence[str]) -> dict[str, tuple[float, np.ndarray]]:
        got = self._get("pairs", list(keys), "same, nli")
        return {k: (float(s), np.frombuffer(n, dtype=np.float64).copy()) for k, (s, n) in got.items()}

    def put_pairs(self, items: Iterable[tuple[str, float, np.ndarray]]) -> None:
        self._put("pairs", ((k, float(s), np.asarray(n, dtype=np.float64).tobytes()) for k, s, n in items))


    # fetched pages (by the URL given; kept whatever the code version) ------------------------

    def get_page(self, url: str) -> tuple[str, str, str] | None:
        row = self._db.execute("SELECT final_url, content_type, body FROM pages WHERE url = ?", (url,)).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def put_page(self, url: str, final_url: str, content_type: str, body: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)", (url, final_url, content_type, body))
        self._db.commit()


    # whole reports (an unchanged corpus, the same settings, the same package) ------------------

    def report_key(self, *parts) -> str:
        return digest("report", self.version, package_digest(), *parts)

    def get_report(self, key: str):
        """The report kept under ``key``, or None. Pickled: the cache file is trusted as the
        user's own files are (never use one someone else wrote)."""
        import pickle
        import zlib

        row = self._db.execute("SELECT value FROM reports WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return pickle.loads(zlib.decompress(row[0]))
        except Exception:  # a report of another release's shape: computed again
            return None

    def put_report(self, key: str, report) -> None:
        import pickle
        import zlib

        self._db.execute("DELETE FROM reports")  # the latest only: a report is large, and cheap to redo
        self._db.execute("INSERT OR REPLACE INTO reports VALUES (?, ?)",
                         (key, zlib.compress(pickle.dumps(report, protocol=5), 3)))
        self._db.commit()


class CachedJudge:
    """A pair judge whose scores are read from the cache where they are, and kept there."""

    def __init__(self, judge, cache: Cache):
        self.judge = judge
        self.cache = cache
        self._desc: dict | None = None

    def _describe(self) -> dict:
        if self._desc is None:
            self._desc = self.judge.describe()
        return self._desc

    def score(self, pairs: Sequence[tuple[str, str]], cosine: np.ndarray | None = None):
        from .linking.judge import PairScores

        keys = [self.cache.pair_key(self._describe(), a, b) for a, b in pairs]
        got = self.cache.get_pairs(keys)
        todo = sorted({i for i, k in enumerate(keys) if k not in got}, key=lambda i: keys[i])
        todo = list({keys[i]: i for i in todo}.values())
        if todo:
            sc = self.judge.score([pairs[i] for i in todo], None if cosine is None else np.asarray(cosine)[todo])
            new = [(keys[i], float(s), n) for i, s, n in zip(todo, sc.same, sc.nli, strict=True)]
            self.cache.put_pairs(new)
            got.update((k, (s, np.asarray(n, dtype=np.float64))) for k, s, n in new)
        same = np.array([got[k][0] for k in keys], dtype=float)
        nli = np.array([got[k][1] for k in keys], dtype=float).reshape(len(pairs), 3)
        return PairScores(same, nli)

    def describe(self) -> dict:
        return self.judge.describe()

    def link_model(self):
        return getattr(self.judge, "link_model", lambda: None)()
