"""Story-wide evidence for judging single facts: declared aliases and each outlet's own vocabulary.

A fact's claims are too short to say much on their own. The story around them tells which names
the text itself declares to be one place ("Halmberg, known in Veskaria as Kaldun"), and which
words an outlet uses distinctively compared with the other outlets (weighted log-odds).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .schema import NAME_LABELS, Claim

_CAP = r"([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)"
# wording after a name that declares a second name for it: "X, known in Y as Z", "X, also
# called Z", "X (Z ...)", "X, formerly Z", "X, which changed its name from Z", "X, a town ...
# that Dornland calls Z"
_ALIAS_AFTER = (
    r",?\s*(?:also\s+|locally\s+|widely\s+|officially\s+|formerly\s+|now\s+)?"
    r"(?:known|called|named|referred\s+to)(?:\s+[\w-]+){0,3}?\s+as\s+" + _CAP,
    r",?\s*(?:also\s+|formerly\s+|locally\s+)?(?:called|named)\s+" + _CAP,
    r"\s*\(\s*" + _CAP,
    r",?\s*(?:formerly|previously)\s+" + _CAP,
    r",?\s*(?:which|that|who)\s+changed\s+(?:its|their)\s+name\s+from\s+" + _CAP,
    r",?[^.;:()]{0,80}?\b(?:that|which|what)\s+(?:[\w-]+\s+){1,4}?"
    r"(?:calls?|names?|refers?\s+to\s+as|knows?\s+as)\s+" + _CAP,
)


@dataclass(frozen=True)
class StoryContext:
    """What a story's claims tell about each of its facts."""

    aliases: frozenset[frozenset[str]] = frozenset()
    distinctive: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # outlet -> lemma -> z
    mentions: Mapping[str, str] = field(default_factory=dict)  # outlet -> its claims' text, lower-cased

    def never_says(self, outlet: str, name: str) -> bool:
        """True when nothing the outlet wrote in the story contains ``name``."""
        return outlet in self.mentions and name.lower() not in self.mentions[outlet]

    def alias_of(self, a: str, b: str) -> bool:
        """Whether the story declares ``a`` and ``b`` one referent; "Norvale" stands for
        "Norvale Chemicals" and the other way round."""
        def same(x: str, y: str) -> bool:
            return x == y or (len(min(x, y, key=len)) >= 4 and (x in y or y in x))

        return any((same(a, x) and same(b, y)) or (same(a, y) and same(b, x))
                   for x, y in (tuple(pair) for pair in self.aliases if len(pair) == 2))


def names(claim: Claim) -> list[str]:
    """Entity texts of the name-like labels, in order of first mention."""
    return list(dict.fromkeys(
        e.split(":", 1)[1] for e in claim.entities if e.split(":", 1)[0] in NAME_LABELS))


def names_of(claims: Sequence[Claim]) -> list[str]:
    """Every name-like entity of several claims, in order of first mention."""
    return list(dict.fromkeys(n for c in claims for n in names(c)))


# a capitalised name right before wording that can only introduce another name for it
_ANCHOR = re.compile(_CAP + r"(?=,?\s*(?:formerly|previously|(?:which|that)\s+changed\s+(?:its|their)\s+name"
                     r"|(?:also\s+|locally\s+|widely\s+)?known\s+(?:\w+\s+){0,3}?as|also\s+called)\b)")
_NOT_NAMES = frozenset({"The", "A", "An", "It", "This", "That", "He", "She", "They", "We"})


def declared_aliases(claims: Sequence[Claim]) -> frozenset[frozenset[str]]:
    """Pairs of names a claim's own wording declares to be one referent.

    The first name is one spaCy found, or capitalised words right before "formerly", "known
    as" and the like; the second is whatever capitalised words the pattern points at, since
    small models often miss the rarer of two names. Acronyms are not rival names ("the
    Organisation for Security ... (OSCE)").
    """
    found = set()
    for c in claims:
        anchors = names(c)
        for m in _ANCHOR.finditer(c.text):
            words = m.group(1).split()
            while words and words[0] in _NOT_NAMES:
                words = words[1:]
            if words:
                anchors.append(" ".join(words))
        for n in dict.fromkeys(anchors):
            for pattern in _ALIAS_AFTER:
                for m in re.finditer(rf"(?<!\w){re.escape(n)}{pattern}", c.text):
                    alias = m.group(1)
                    if alias == n or alias in n or n in alias or (alias.isupper() and len(alias) <= 6):
                        continue
                    found.add(frozenset((n, alias)))
    return frozenset(found)


def log_odds_z(
    counts: Mapping[str, int], rest: Mapping[str, int], prior: Mapping[str, float], alpha0: float,
) -> dict[str, float]:
    """Weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008).

    z-score of each word of ``counts`` against ``rest``; the prior is ``alpha0`` pseudo-counts
    spread over the words in proportion to ``prior`` (a background frequency).
    """
    total = sum(prior.values()) or 1.0
    n_i, n_j = sum(counts.values()), sum(rest.values())
    z = {}
    for w, y_i in counts.items():
        a_w = alpha0 * prior.get(w, 0.0) / total or alpha0 / (len(prior) + 1)
        y_j = rest.get(w, 0)
        delta = (math.log((y_i + a_w) / (n_i + alpha0 - y_i - a_w))
                 - math.log((y_j + a_w) / (n_j + alpha0 - y_j - a_w)))
        z[w] = delta / math.sqrt(1.0 / (y_i + a_w) + 1.0 / (y_j + a_w))
    return z


def lemma_counts(claims: Sequence[Claim]) -> Counter:
    """How often each lemma occurs in ``claims``: the background the log-odds prior reads."""
    return Counter(lem for c in claims for lem in c.lemmas)


def distinctive_words(
    claims: Sequence[Claim], background: Sequence[Claim] | Counter | None = None, alpha0: float = 10.0,
) -> dict[str, dict[str, float]]:
    """Per outlet, z-scores of its content words against the other outlets of the story.
    ``background``: the claims (or their :func:`lemma_counts`, counted once for many stories)
    the prior is read from; the story's own claims by default.

    Names are left out: an outlet that covers a person the others do not is not framing.
    """
    prior = background if isinstance(background, Counter) else lemma_counts(
        claims if background is None else background)
    name_words = {w.lower() for c in claims for n in names(c) for w in re.findall(r"\w+", n)}
    by_outlet: dict[str, Counter] = {}
    for c in claims:
        by_outlet.setdefault(c.outlet, Counter()).update(
            lem for lem in c.lemmas if lem not in name_words)
    out = {}
    for o, counts in sorted(by_outlet.items()):
        rest = Counter()
        for other, cs in by_outlet.items():
            if other != o:
                rest.update(cs)
        out[o] = log_odds_z(counts, rest, prior, alpha0)
    return out


def story_context(claims: Sequence[Claim], background: Sequence[Claim] | Counter | None = None) -> StoryContext:
    mentions: dict[str, list[str]] = {}
    for c in claims:
        mentions.setdefault(c.outlet, []).append(c.text.lower())
    return StoryContext(declared_aliases(claims), distinctive_words(claims, background),
                        {o: "\n".join(t) for o, t in mentions.items()})
