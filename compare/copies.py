"""Articles -> copies: text that outlets share because each ran one agency's copy (with edits).

When two outlets "agree" on a fact because both ran the same wire text, that is one source, not
two. Claims are cut into word 5-grams (shingles) under a stable hash; an inverted index from
shingle to claims gives the claim pairs of different outlets that share one, and only those are
compared (never all pairs). A shingle found in more than ``max_articles`` articles is boilerplate
and ignored.

The rule, chosen on the made-up wire stories in tests/test_copies.py (13 sentences as two
outlets ran them with edits; 11 pairs of one fact told independently, 2 of one quote):

- A claim pair is *copied* when the 5-grams they share cover at least 55 % of the shorter
  claim's prose words: 10 of the 13 edited copies reach 0.57-1.0, no independent pair passes
  0.50 ("said in a statement on Thursday that"). Prose words leave out capitalised words inside
  the sentence (names, titles): "Valdorian President Mihai Lupu and Dravian Prime Minister Karel
  Novak" is a 10-word run two reports write alike; counted raw it covered 59 % of one (more than
  the weakest copies, so no cut separated them), as prose 29 %. A common run of 8 words would
  also have taken it, and the statement formula. 5-grams, not 4 or 6-8: at 4 a reordered
  independent pair reached 0.62 ("the full text of the agreement ... in the coming days"); at 6
  only 8 copies reach the cut, at 8 only 6 (a copy with a word changed in every few loses every
  long shingle).
- A copied pair is *evidence* of a shared copy when neither is a headline, the shorter has at
  least 8 words, and at most half its matched words sit inside quotation marks in either telling
  (the two quoted pairs: 64 % and 100 %; two outlets quoting one speech verbatim are two sources).
- An article pair shares a copy when it has 2 evidence pairs, or 1 whose shorter claim has at
  least 25 words: one formula ("the interior ministry said in a statement on Wednesday that", 10
  words) makes a 17-word sentence of the test corpus evidence (0.56); in a sentence of 25 words
  or more it would cover under half. A headline or a quote alone is never enough.
- Inside an article pair that shares a copy, a claim pair covering at least 30 % of the shorter
  claim's prose words is a copied sentence too: the three heaviest edits (0.30-0.38) are kept
  without deciding on their own.

Article pairs are merged into groups (one ``Copy`` per connected group), and the agency is the
one the group's credit lines name ("By AFP", "(AP)", "MOSCOW, May 26 /TASS/", "Reuters
contributed"), looked up in the outlet registry's wire tags, never taken from the text itself.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np

from .ingest.outlets import Outlet, _name_key, load_outlets
from .schema import Article, Claim, Copy

SHINGLE = 5  # words per shingle (see the module docstring)
MAX_ARTICLES = 50  # a shingle in more articles than this is boilerplate
COPIED = 0.55  # share of the shorter claim's prose words a copied pair covers
KEPT = 0.30  # the same, for a sentence of an article pair already found to share a copy
MIN_WORDS = 8  # a shorter claim under this is no evidence on its own
LONG = 25  # one evidence pair this long (shorter claim, in words) makes a copy
QUOTED = 0.5  # matched words inside quotation marks above this share: a shared quote

# --- words ----------------------------------------------------------------------------------

_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»〝〞＂"} | {c: "'" for c in "‘’‚‛´"})  # none ASCII
# apostrophes ("week's" -> "weeks", "countries'" -> "countries") and digit groupings ("12,000")
_DROPPED = re.compile(r"'(?<=\w')|[,.\u00a0\u202f](?<=\d[,.\u00a0\u202f])(?=\d{3}\b)")  # the mark first: fast
_WORD = re.compile(r"\w+")
_WORD_OR_QUOTE = re.compile(r'\w+|"')


def _normal(text: str) -> str:
    """The text with quote marks straightened and apostrophes and digit groupings dropped, so
    two outlets' typography never hides a shared run."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _DROPPED.sub("", text)


def words(text: str) -> list[str]:
    """The normalised, lowercased words of a text: what shingles are made of."""
    t = _normal(text)
    if t.isascii():  # lowercasing first cannot move a word boundary
        return _WORD.findall(t.lower())
    return [w.lower() for w in _WORD.findall(t)]


@dataclass(frozen=True)
class _Reading:
    """A claim's words with, for each, whether it is prose (no capitalised name or title inside
    the sentence) and whether it sits inside double quotation marks."""

    words: tuple[str, ...]
    prose: tuple[bool, ...]
    quoted: tuple[bool, ...]


def _read(text: str) -> _Reading:
    ws, caps, quoted, inside = [], [], [], False
    for m in _WORD_OR_QUOTE.finditer(_normal(text)):
        w = m.group()
        if w == '"':
            inside = not inside
            continue
        ws.append(w.lower())
        caps.append(len(ws) > 1 and w[0].isupper())
        quoted.append(inside)
    if sum(caps) * 4 > len(ws) * 3:  # a title-case line or all capitals: case tells nothing
        caps = [False] * len(ws)
    return _Reading(tuple(ws), tuple(not c for c in caps), tuple(quoted))


# --- shingles -------------------------------------------------------------------------------

_MIX = np.uint64(0x100000001B3)  # odd multiplier of the polynomial shingle hash


def _word_hash(word: str) -> int:
    """A 64-bit hash of a word, the same on every machine and run (Python's hash() is salted)."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def shingles(texts: Sequence[str], n: int = SHINGLE) -> list[np.ndarray]:
    """Each text's word n-gram hashes (uint64, in word order; none for a text under n words)."""
    split = [words(t) for t in texts]
    ends = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(ws) for ws in split], out=ends[1:])
    vocab: defaultdict[str, int] = defaultdict()
    vocab.default_factory = vocab.__len__  # each new word: the next id
    ids = np.fromiter(map(vocab.__getitem__, chain.from_iterable(split)), dtype=np.int64, count=int(ends[-1]))
    table = np.array([_word_hash(w) for w in vocab], dtype=np.uint64)
    flat = table[ids] if len(ids) else np.zeros(0, dtype=np.uint64)
    m = max(len(flat) - n + 1, 0)
    h = np.zeros(m, dtype=np.uint64)
    for k in range(n):  # ((w0 * P + w1) * P + w2) ... modulo 2**64
        h = h * _MIX + flat[k:k + m]
    return [h[ends[i]:max(ends[i], ends[i + 1] - n + 1)] for i in range(len(texts))]


def _candidates(hashes: Sequence[np.ndarray], article: np.ndarray, outlet: np.ndarray,
                max_articles: int) -> tuple[list[tuple[int, int]], set[int]]:
    """Pairs of claims (by row, a < b) of different outlets that share a shingle found in at most
    ``max_articles`` articles, and the set of the shingles found in more (boilerplate). Rows
    must be in article order."""
    sizes = np.array([len(h) for h in hashes], dtype=np.int64)
    if not sizes.sum():
        return [], set()
    sh = np.concatenate(hashes)
    row = np.repeat(np.arange(len(hashes)), sizes)
    # one posting per (shingle, claim), sorted by shingle then claim
    order = np.lexsort((row, sh))
    sh, row = sh[order], row[order]
    keep = np.r_[True, (sh[1:] != sh[:-1]) | (row[1:] != row[:-1])]
    sh, row = sh[keep], row[keep]
    # most shingles are one claim's: keep the postings of those in two claims or more
    first = np.r_[True, sh[1:] != sh[:-1]]
    starts = np.flatnonzero(first)
    counts = np.diff(np.r_[starts, len(sh)])
    many = np.repeat(counts >= 2, counts)
    sh, row = sh[many], row[many]
    counts = counts[counts >= 2]
    if not len(counts):
        return [], set()
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    group = np.repeat(np.arange(len(counts)), counts)
    # articles per shingle (rows are in article order, so a new article is a change of article)
    art = article[row]
    arts = np.bincount(group[np.r_[True, (group[1:] != group[:-1]) | (art[1:] != art[:-1])]])
    two_outlets = np.maximum.reduceat(outlet[row], starts) != np.minimum.reduceat(outlet[row], starts)
    common = set(sh[starts[arts > max_articles]].tolist())
    pairs: set[tuple[int, int]] = set()
    for g in np.flatnonzero((arts <= max_articles) & two_outlets).tolist():
        rows = row[starts[g]:starts[g] + counts[g]].tolist()
        for i, a in enumerate(rows):
            for b in rows[i + 1:]:
                if outlet[a] != outlet[b]:
                    pairs.add((a, b))
    return sorted(pairs), common


# --- claim pairs ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Match:
    """How much of two claims one copy accounts for: the share of the shorter one's prose words
    the shared shingles cover, the shorter one's length, and the larger share of matched words
    either telling puts in quotation marks."""

    cover: float
    length: int
    quoted: float


def _covered(mine: np.ndarray, shared: set[int], size: int, n: int) -> list[bool]:
    out = [False] * size
    for i, h in enumerate(mine.tolist()):
        if h in shared:
            out[i:i + n] = [True] * n
    return out


def _match(a: _Reading, b: _Reading, ha: np.ndarray, hb: np.ndarray, common: set[int], n: int) -> _Match:
    shared = (set(ha.tolist()) & set(hb.tolist())) - common
    ca, cb = _covered(ha, shared, len(a.words), n), _covered(hb, shared, len(b.words), n)
    short, cs = (a, ca) if len(a.words) <= len(b.words) else (b, cb)
    prose = sum(c and p for c, p in zip(cs, short.prose, strict=True))
    quoted = max(sum(c and q for c, q in zip(cc, r.quoted, strict=True)) / max(sum(cc), 1)
                 for r, cc in ((a, ca), (b, cb)))
    return _Match(prose / max(sum(short.prose), 1), len(short.words), quoted)


def _evidence(m: _Match, a: Claim, b: Claim) -> bool:
    """A copied pair that on its own says the two texts come from one copy."""
    return (m.cover >= COPIED and m.length >= MIN_WORDS and m.quoted <= QUOTED
            and not a.heading and not b.heading)


# --- agencies -------------------------------------------------------------------------------

_CREDIT_REASONS = frozenset({"byline", "source line", "dateline", "credit"})
_PHOTO = re.compile(r"\b(photo|photograph|image|picture|pool|getty|handout)", re.IGNORECASE)
_CUE = re.compile(r"^\W*(by|from|source|sources|via|copyright|with)\b|^\W*(©|\(c\))|contributed|"
                  r"\bagencies\b|\bwire services\b", re.IGNORECASE)
_TAIL = re.compile(r"(?:[—–]|--?)\s*([^—–-][^—–]{0,40}?)\s*\.?\s*$")  # "... she said. — AFP"
_BARE = " \t()[]*_.—–-"  # what may stand around an agency's name on a credit line of its own
_SHORT = 15  # words: a credit line is short; body prose that mentions an agency is not one


def _alternation(names: Iterable[str]) -> str:
    """Short tags in their own case ("AP", "PA", "Beta"), longer names in any ("REUTERS"),
    longest first; never inside a longer word or before a capitalised one ("By Petra Novak"),
    unless that says whose staff ("By Reuters Staff")."""
    names = sorted(set(names), key=lambda v: (-len(v), v))
    alt = "|".join(re.escape(v) if len(v) < 6 else f"(?i:{re.escape(v)})" for v in names)
    return rf"(?<![\w&-])(?:{alt})(?![\w&-])(?!\s+(?!(?:Staff|News|Wire|Service)\b)[A-Z][a-z])"


@dataclass(frozen=True)
class Agencies:
    """The wire agencies of an outlet registry (its entries with dateline tags), found in credit
    lines by any of their names; each is reported by its first tag ("AFP", "AP", "TASS"), never
    by the words of the article."""

    tags: dict[str, str]  # a name (as written when short, lowercased when long) -> its tag
    keys: dict[str, str]  # the name key of every name of an agency -> its tag
    pattern: re.Pattern
    dateline: re.Pattern  # "MOSCOW, May 26. /TASS/." or "WASHINGTON (AP) —" opening a line

    @classmethod
    def from_registry(cls, outlets: Iterable[Outlet]) -> Agencies:
        names = [(v, o.datelines[0]) for o in outlets if o.datelines for v in (*o.datelines, o.name, *o.aliases)]
        tags: dict[str, str] = {}
        keys: dict[str, str] = {}
        for v, tag in names:
            tags.setdefault(v if len(v) < 6 else v.lower(), tag)
            keys.setdefault(_name_key(v), tag)
        alt = _alternation(v for v, _ in names)
        dateline = rf"^\s*[A-Z][\w .,'-]{{1,60}}?\s*(?:/\s*({alt})\s*/|\(\s*({alt})\s*\))"
        return cls(tags, keys, re.compile(alt), re.compile(dateline))

    def tag(self, name: str) -> str | None:
        """The tag of an agency name as a credit line writes it; None for any other text."""
        name = name.strip()
        return self.tags.get(name) if len(name) < 6 else self.tags.get(name.lower())

    def named(self, line: str) -> list[str]:
        """The agencies a credit line names, by tag, in order."""
        return [t for m in self.pattern.finditer(line) if (t := self.tag(m.group())) is not None]

    def credited(self, article: Article) -> list[str]:
        """The agencies an article's credit lines name ("By AFP", "Reuters contributed", "with
        agencies", "— AP", "(AP)", "/TASS/"), by tag. Its own outlet counts only from a dateline
        tag: "TRT World and agencies" names no agency, "MOSCOW, May 26 /TASS/" on TASS does."""
        own = self.keys.get(_name_key(article.outlet))
        found: list[str] = []
        dated: set[str] = set()  # tags of dateline credits, the only ones that may be its own outlet
        for e in article.excluded:
            if e.reason in _CREDIT_REASONS and not _PHOTO.search(e.text):
                found += self.named(e.text)
                dated.update(self.named(e.text) if e.reason == "dateline" else ())
        for line in article.text.splitlines():
            if not line.strip() or _PHOTO.search(line):
                continue
            if (m := self.dateline.match(line)) and (t := self.tag(m.group(1) or m.group(2))):
                found.append(t)
                dated.add(t)
            elif t := self.tag(line.strip(_BARE)):  # "AFP", "(Reuters)", "— AP" on a line of its own
                found.append(t)
            elif len(line.split()) <= _SHORT and _CUE.search(line):
                found += self.named(line)
            elif (m := _TAIL.search(line)) and self.tag(m.group(1)):
                found += self.named(m.group(1))
        return [t for t in dict.fromkeys(found) if t != own or t in dated]


@lru_cache(maxsize=1)
def load_agencies() -> Agencies:
    """The agencies of the packaged outlet registry (read once)."""
    return Agencies.from_registry(load_outlets())


def _agency(credits: Iterable[Sequence[str]]) -> str | None:
    """The agency most of a group's articles credit (the alphabetically first of a tie)."""
    votes = Counter(t for c in credits for t in set(c))
    return min(votes, key=lambda t: (-votes[t], t)) if votes else None


# --- copies ---------------------------------------------------------------------------------

def _groups(linked: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Connected groups of articles, each sorted, in order of their first article."""
    parent = {a: a for k in linked for a in k}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in linked:
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = defaultdict(list)
    for a in sorted(parent):
        groups[root(a)].append(a)
    return list(groups.values())


def find_copies(articles: Sequence[Article], claims: Sequence[Claim], *, agencies: Agencies | None = None,
                max_articles: int = MAX_ARTICLES) -> tuple[Copy, ...]:
    """The copies that articles of different outlets share, one per connected group of articles,
    sorted by outlets then articles (the same for any order of the input)."""
    claims = sorted(claims, key=lambda c: (c.article, c.start, c.id))
    hashes = shingles([c.text for c in claims])
    pairs, common = _candidates(hashes, _codes([c.article for c in claims]), _codes([c.outlet for c in claims]),
                                max_articles)
    shared = _shared_sentences(claims, hashes, pairs, common)
    rows: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(claims):
        rows[c.article].append(i)
    agencies = agencies or load_agencies()
    by_id = {a.id: a for a in articles}
    copies = [_copy(group, claims, rows, shared, agencies, by_id) for group in _groups(sorted(shared))]
    return tuple(sorted(copies, key=lambda k: (k.outlets, k.articles)))


def _codes(values: Sequence[str]) -> np.ndarray:
    return np.searchsorted(sorted(set(values)), values)


def _shared_sentences(claims: Sequence[Claim], hashes: Sequence[np.ndarray], pairs: Iterable[tuple[int, int]],
                      common: set[int]) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """The article pairs that share a copy, each with its copied claim pairs (rows)."""
    readings: dict[int, _Reading] = {}
    copied: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    evidence: Counter[tuple[str, str]] = Counter()
    for i, j in pairs:
        for k in (i, j):
            if k not in readings:
                readings[k] = _read(claims[k].text)
        m = _match(readings[i], readings[j], hashes[i], hashes[j], common, SHINGLE)
        if m.cover < KEPT:
            continue
        key = (claims[i].article, claims[j].article)  # rows are in article order: i's comes first
        copied[key].append((i, j))
        if _evidence(m, claims[i], claims[j]):
            evidence[key] += 2 if m.length >= LONG else 1
    return {k: v for k, v in copied.items() if evidence[k] >= 2}


def _copy(group: list[str], claims: Sequence[Claim], rows: dict[str, list[int]],
          shared: dict[tuple[str, str], list[tuple[int, int]]], agencies: Agencies,
          by_id: dict[str, Article]) -> Copy:
    """One group's copy: its outlets in order, their copied sentences, its agency, and the share
    of the shortest article's words they are."""
    copied: dict[str, set[int]] = {a: set() for a in group}
    for a in group:
        for b in group:
            for i, j in shared.get((a, b), ()):
                copied[a].add(i)
                copied[b].add(j)
    size = {a: sum(len(words(claims[i].text)) for i in rows[a]) for a in group}
    group = sorted(group, key=lambda a: (claims[rows[a][0]].outlet, a))
    shortest = min(group, key=lambda a: (size[a], a))
    return Copy(
        outlets=tuple(claims[rows[a][0]].outlet for a in group),
        articles=tuple(group),
        agency=_agency(agencies.credited(by_id[a]) for a in group if a in by_id),
        claims=tuple(tuple(claims[i].id for i in sorted(copied[a])) for a in group),
        share=sum(len(words(claims[i].text)) for i in copied[shortest]) / max(size[shortest], 1),
    )


def and_join(names: Iterable[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def describe(copy: Copy) -> str:
    """One sentence for the report: who carries the same text, whose it is, how much of it
    (the sentences each outlet has of it, at the least)."""
    outlets = list(dict.fromkeys(copy.outlets))
    n = min((len(c) for c in copy.claims), default=0)
    count = f"{n} sentence" + ("" if n == 1 else "s")
    if copy.agency:
        return f"{and_join(outlets)} carry the same {copy.agency} text ({count})."
    nobody = "neither names" if len(outlets) == 2 else "none of them names"
    return f"{and_join(outlets)} carry the same text, from an agency {nobody} ({count})."


def sources(outlets: Sequence[str], claim_ids: Sequence[str], copies: Sequence[Copy]) -> int:
    """The independent sources among a fact's outlets: outlets whose claims in the fact are
    copied sentences of one copy count once."""
    ids = set(claim_ids)
    parent = {o: o for o in outlets}

    def root(o: str) -> str:
        while parent[o] != o:
            o = parent[o]
        return o

    for k in copies:
        who = [o for o, cs in zip(k.outlets, k.claims, strict=True) if o in parent and ids & set(cs)]
        for o in who[1:]:
            ra, rb = root(o), root(who[0])
            parent[max(ra, rb)] = min(ra, rb)
    return len({root(o) for o in outlets})
