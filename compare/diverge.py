"""Cluster -> verdict and signals: how the outlets' tellings of one fact differ.

Each detector compares the claims of a multi-outlet cluster and returns at most one Signal
with the evidence terms per outlet and a plain sentence of explanation.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import combinations

from .context import StoryContext, names_of
from .schema import Claim, Signal

SIGNAL_KINDS = ("conflict", "wording", "naming", "agency", "attribution", "omission")
# what a conflict is about -> the kind a gold annotates it as (see tests/gold/README.md)
CONFLICT_GOLD_KINDS = {"date": "date", "year": "date", "number": "number", "actor": "contradiction",
                       "event": "contradiction", "contradiction": "contradiction"}
GOLD_KINDS = ("contradiction", "number", "date", "wording", "naming", "agency", "attribution", "omission")
WEIGHTS = {"conflict": 3.0, "wording": 2.0, "naming": 1.5, "agency": 1.5, "attribution": 1.0, "omission": 0.5}
VERDICT_KINDS = frozenset(SIGNAL_KINDS) - {"omission"}
# an outlet's word counts as its own wording when its story-wide log-odds z-score reaches this
DISTINCTIVE_Z = 1.96
# labels whose names can stand in one slot of a sentence for the same place or body
SLOT_LABELS = frozenset({"GPE", "LOC", "FAC", "ORG"})
# labels whose names are checked for spelling variants (Sergei / Sergey Lavrov)
SPELLING_LABELS = frozenset({"PERSON", "GPE", "LOC", "FAC"})


@dataclass(frozen=True)
class Referent:
    id: str
    label: str
    variants: dict[str, str]
    metonymy: bool = False


@dataclass(frozen=True)
class Lexicons:
    framing: dict[str, str]
    neutral: tuple[str, ...]  # set phrases in which a loaded word is not loaded
    referents: tuple[Referent, ...]
    variants: tuple[tuple[str, Referent], ...]  # every name of every referent, longest first
    # the working vocabulary of diplomacy, law and military reporting: never loaded by itself
    technical: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def load_lexicons() -> Lexicons:
    data = resources.files("compare.data")
    framing_file = tomllib.loads(data.joinpath("framing.toml").read_text(encoding="utf-8"))
    framing = framing_file["terms"]
    neutral = tuple(p.lower() for p in framing_file.get("neutral", {}).get("phrases", []))
    names = tomllib.loads(data.joinpath("names.toml").read_text(encoding="utf-8"))["referent"]
    referents = tuple(Referent(r["id"], r.get("label", r["id"]), dict(r["variants"]),
                               bool(r.get("metonymy", False))) for r in names)
    variants = tuple(sorted(((v, r) for r in referents for v in r.variants), key=lambda vr: -len(vr[0])))
    technical = frozenset(w.lower() for w in framing_file.get("technical", {}).get("words", []))
    return Lexicons({k.lower(): v for k, v in framing.items()}, neutral, referents, variants, technical)


def by_outlet(claims: Sequence[Claim]) -> dict[str, list[Claim]]:
    out: dict[str, list[Claim]] = {}
    for c in claims:
        out.setdefault(c.outlet, []).append(c)
    return dict(sorted(out.items()))


# --- wording ---------------------------------------------------------------------------


def loaded_terms(claim: Claim, framing: dict[str, str], neutral: Sequence[str] = ()) -> list[str]:
    """Framing-lexicon terms in a claim, as lemmas or phrases, outside neutral set phrases."""
    text = claim.text.lower()
    for phrase in neutral:
        text = re.sub(rf"\b{re.escape(phrase)}\b", " ", text)
    # a lemma counts where a word of its stem is left ("occupied" for occupy)
    found = [lem for lem in dict.fromkeys(claim.lemmas)
             if lem in framing and re.search(rf"\b{re.escape(lem[:max(3, len(lem) - 1)])}", text)]
    for phrase in framing:
        if " " in phrase or "-" in phrase:
            if re.search(rf"\b{re.escape(phrase)}\b", text):
                found.append(phrase)
    return sorted(set(found))


def _same_root(lemma: str, term: str) -> bool:
    """"shelling" for shell, "liberation" for liberate; not "shelter" for shell."""
    if lemma == term or (lemma.startswith(term) and len(lemma) - len(term) <= 3):
        return True
    stem = term[:-1]
    return len(term) >= 5 and lemma.startswith(stem) and lemma[len(stem):] in ("ion", "ation", "or", "ive")


def wording_signal(groups: dict[str, list[Claim]], context: StoryContext | None = None) -> Signal | None:
    """Loaded terms from the framing lexicon that the other outlets do not use for this fact.

    Words distinctive of an outlet across the story (log-odds z >= DISTINCTIVE_Z) are added as
    evidence when the lexicon fires; on their own they are topic more often than framing.
    """
    lex = load_lexicons()
    loaded = {o: sorted({t for c in cs for t in loaded_terms(c, lex.framing, lex.neutral)})
              for o, cs in groups.items()}
    lemmas = {o: {lem for c in cs for lem in c.lemmas} for o, cs in groups.items()}

    def everyone_uses(term: str) -> bool:  # "shell" and "shelling" are one word choice
        return all(any(_same_root(lem, term) for lem in lemmas[o]) or term in loaded[o] for o in groups)

    distinct = {o: [t for t in ts if not everyone_uses(t)] for o, ts in loaded.items()}
    own: dict[str, list[tuple[str, float]]] = {o: [] for o in groups}
    if context is not None:
        for o in (o for o in groups if distinct[o]):
            others = set().union(*(lemmas[x] for x in groups if x != o))
            z = context.distinctive.get(o, {})
            own[o] = sorted(((w, z[w]) for w in lemmas[o] - others - set(distinct[o])
                             if z.get(w, 0.0) >= DISTINCTIVE_Z), key=lambda wz: (-wz[1], wz[0]))
    if not any(distinct.values()):
        return None
    terms = {o: list(distinct[o]) + [w for w, _ in own[o]] for o in groups}
    outlets = tuple(o for o in groups if terms[o])
    parts = []
    for o in outlets:
        bits = []
        if distinct[o]:
            bits.append(f"uses {', '.join(repr(t) for t in distinct[o])} ({lex.framing[distinct[o][0]]})")
        if own[o]:
            bits.append("has words of its own across the story: "
                        + ", ".join(f"'{w}' (log-odds z {z:.1f})" for w, z in own[o]))
        parts.append(f"{o} " + " and ".join(bits))
    plain = [o for o in groups if not terms[o]]
    detail = "; ".join(parts)
    if plain:
        detail += f", where {', '.join(plain)} {'does' if len(plain) == 1 else 'do'} not."
    else:
        detail += "."
    return Signal("wording", tuple(groups), {o: t for o, t in terms.items()}, detail)


# --- naming ----------------------------------------------------------------------------


def names_used(claim: Claim, variants: Sequence[tuple[str, Referent]]) -> dict[str, str]:
    """referent id -> variant a claim uses; longest variants claim their text first."""
    text = claim.text
    taken = [False] * len(text)
    out: dict[str, str] = {}
    for variant, ref in variants:
        for m in re.finditer(rf"(?<![\w-]){re.escape(variant)}(?![\w-])", text):
            if any(taken[m.start():m.end()]):
                continue
            if ref.metonymy and not (claim.actor and variant in claim.actor):
                continue
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
            out.setdefault(ref.id, variant)
    return out


def _bare(name: str) -> str:
    return re.sub(r"^(?:the|The)\s+", "", name)


def _one_name(a: str, b: str) -> bool:
    """"St. Brigid's Hospital" and "St Brigid's": one name written shorter, not a rival name.
    Whole words count: "Niger" is not "Nigeria"."""
    wa, wb = (re.sub(r"[^\w\s]", "", x.lower()).split() for x in (a, b))
    short, long = sorted((wa, wb), key=len)
    return any(long[i:i + len(short)] == short for i in range(len(long) - len(short) + 1))


def _slot_names(claims: Sequence[Claim]) -> set[str]:
    return {_bare(e.split(":", 1)[1]) for c in claims for e in c.entities if e.split(":", 1)[0] in SLOT_LABELS}


def aligned_names(
    groups: dict[str, list[Claim]], context: StoryContext | None = None
) -> list[tuple[str, str, str, str, bool]]:
    """(outlet, name, outlet, name, declared) for two outlets naming one slot of the fact differently.

    A pair counts when the story's own text declares the two names aliases ("Halmberg, known
    as Kaldun"), or when each outlet has exactly one place or body name the other does not use
    in this fact nor anywhere in the story: a naming habit, not a choice of detail.
    """
    if context is None:
        return []
    out = []
    text = {o: " ".join(c.text for c in cs).lower() for o, cs in groups.items()}
    every = {o: {_bare(n) for n in names_of(cs)} for o, cs in groups.items()}
    for oa, ob in combinations(groups, 2):
        ua = sorted(n for n in every[oa] if n.lower() not in text[ob])
        ub = sorted(n for n in every[ob] if n.lower() not in text[oa])
        declared = [(x, y) for x in ua for y in ub if context.alias_of(x, y)]
        for x, y in declared:
            out.append((oa, x, ob, y, True))
        if declared:
            continue
        sa = [n for n in ua if n in _slot_names(groups[oa])]
        sb = [n for n in ub if n in _slot_names(groups[ob])]
        if (len(sa) == 1 and len(sb) == 1 and len(ua) == 1 and len(ub) == 1
                and not _one_name(sa[0], sb[0])
                and context.never_says(oa, sb[0]) and context.never_says(ob, sa[0])):
            out.append((oa, sa[0], ob, sb[0], False))
    return out


def variants_in(text: str, variants: Sequence[tuple[str, Referent]]) -> dict[str, set[str]]:
    """referent id -> every variant a whole text uses (longest first, as :func:`names_used`)."""
    taken = [False] * len(text)
    out: dict[str, set[str]] = {}
    for variant, ref in variants:
        for m in re.finditer(rf"(?<![\w-]){re.escape(variant)}(?![\w-])", text):
            if any(taken[m.start():m.end()]):
                continue
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
            out.setdefault(ref.id, set()).add(variant)
    return out


@lru_cache(maxsize=1024)  # an article is read for every fact its outlet tells: scan it once
def _article_variants(text: str) -> dict[str, set[str]]:
    return variants_in(text, load_lexicons().variants)


def naming_signal(groups: dict[str, list[Claim]], context: StoryContext | None = None,
                  texts: dict[str, str] | None = None) -> Signal | None:
    """Names of one referent that differ by side. ``texts`` (each outlet's whole articles)
    check the habit: an outlet that writes the other form anywhere in its article has made no
    choice of name."""
    from rapidfuzz import fuzz

    lex = load_lexicons()
    texts = texts or {}
    whole = {o: _article_variants(texts[o]) for o in groups if o in texts}
    used = {o: {} for o in groups}
    for o, cs in groups.items():
        for c in cs:
            for rid, v in names_used(c, lex.variants).items():
                used[o].setdefault(rid, v)

    def also_writes(o: str, other: str) -> bool:  # outlet o uses ``other`` somewhere itself
        return other.lower() in texts.get(o, "").lower() if o in texts else False

    terms: dict[str, list[str]] = {}
    details = []
    for ref in lex.referents:
        variants = {o: u[ref.id] for o, u in used.items() if ref.id in u}
        usages = {ref.variants[v] for v in variants.values()}
        # an outlet that writes a form of another usage for this referent anywhere in its
        # article ("Karabakh" and "Nagorno-Karabakh") has no naming habit here
        variants = {o: v for o, v in variants.items()
                    if not any(ref.variants[w] != ref.variants[v] and ref.variants[w] in usages
                               for w in whole.get(o, {}).get(ref.id, ()))}
        # two spellings the gazetteer gives the same usage are not a choice of side
        if len({ref.variants[v] for v in variants.values()}) > 1:
            for o, v in variants.items():
                terms.setdefault(o, []).append(v)
            details.append(
                f"{ref.label}: " + " vs ".join(f"'{v}' ({o}, {ref.variants[v]})" for o, v in variants.items())
            )
    # spelling variants of one name not in the gazetteer (Sergei/Sergey Lavrov)
    ents = {o: {e.split(":", 1)[1] for c in cs for e in c.entities
                if e.split(":", 1)[0] in SPELLING_LABELS} for o, cs in groups.items()}
    for (oa, ea), (ob, eb) in combinations(ents.items(), 2):
        for x in sorted(ea):
            for y in sorted(eb):
                if (x != y and x not in y and y not in x and fuzz.ratio(x, y) >= 85
                        and not also_writes(oa, y) and not also_writes(ob, x)):
                    terms.setdefault(oa, []).append(x)
                    terms.setdefault(ob, []).append(y)
                    details.append(f"'{x}' ({oa}) vs '{y}' ({ob})")
    for oa, x, ob, y, declared in aligned_names(groups, context):
        if any(x in t or y in t for t in terms.get(oa, []) + terms.get(ob, [])):
            continue  # already explained by the gazetteer
        if also_writes(oa, y) or also_writes(ob, x):
            continue
        terms.setdefault(oa, []).append(x)
        terms.setdefault(ob, []).append(y)
        why = "which the story's own text gives as one place's names" if declared else \
            "in the same place in the sentence"
        details.append(f"'{x}' ({oa}) vs '{y}' ({ob}), {why}")
    if not details:
        return None
    return Signal("naming", tuple(sorted(terms)), terms,
                  "The outlets name the same thing differently: " + "; ".join(details) + ".")


# --- agency ----------------------------------------------------------------------------


def _named_actor(claim: Claim) -> str | None:
    """The claim's actor when it names someone (a proper noun or an entity), not a pronoun or a noun."""
    if not claim.actor or claim.voice != "active":
        return None
    names = [e.split(":", 1)[1] for e in claim.entities]
    if claim.actor_named or any(n in claim.actor or claim.actor in n for n in names):
        return claim.actor
    return None


# entity labels that can name who acted: a sentence naming one has an actor, whatever its parse
ACTOR_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE"})


def _names_someone(c: Claim) -> bool:
    """Someone named does something somewhere in the sentence: the claim's actor, or a proper
    noun (a name) as the subject of any verb in it ("when the autonomous Region announced ...").
    Names that are only the event's participants ("clashes between A and B") do not count."""
    if c.actor:
        return True
    names = {w.lower() for e in c.entities if e.split(":", 1)[0] in ACTOR_LABELS
             for w in e.split(":", 1)[1].split()}
    return any(dep in ("nsubj", "csubj") and (pos == "PROPN" or lemma.lower() in names)
               for _s, _e, lemma, pos, dep, _h in c.tokens)


def agency_signal(groups: dict[str, list[Claim]]) -> Signal | None:
    """One outlet names who acted where another tells the event without an actor: no claim
    of that telling has an actor in its parse, and none names anyone who could have acted."""
    with_actor = {o: next((a for c in cs if not c.speaker and (a := _named_actor(c))), None)
                  for o, cs in groups.items()}
    without = {o: cs[0].voice for o, cs in groups.items()
               if all(c.voice in ("agentless", "passive") and not c.speaker and not _names_someone(c)
                      for c in cs)}
    named = {o: a for o, a in with_actor.items() if a}
    if not named or not without:
        return None
    terms = {o: [a] for o, a in named.items()} | {o: [f"({v}, no actor)"] for o, v in without.items()}
    detail = (
        f"{', '.join(f'{o} names the actor ({a})' for o, a in named.items())}; "
        f"{', '.join(without)} {'tells' if len(without) == 1 else 'tell'} it without one."
    )
    return Signal("agency", tuple(sorted(terms)), terms, detail)


# --- attribution -----------------------------------------------------------------------


def _surname(name: str) -> str:
    return re.sub(r"[’']s$", "", name.split()[-1]).lower()


def _named_source(speaker: str, claim: Claim) -> bool:
    """A source with a name ("Dmitry Peskov", "the Dornish Ministry", "Veskaria"), not
    "officials" whether or not it opens the sentence."""
    names = [e.split(":", 1)[1] for e in claim.entities]
    if any(n in speaker or speaker in n for n in names):
        return True
    return any(w[:1].isupper() for w in speaker.split()[1:])


NOTE = re.compile(r"\(([^()]{3,})\)|\[([^\[\]]{3,})\]")


def in_own_note(c: Claim, others: Sequence[Claim]) -> bool:
    """The part of an attributed claim the other outlets share sits in a bracketed or
    parenthetical note: the outlet's own voice inside the quote ("(at a meeting in Moscow -
    TASS)", "[the meeting]")."""
    notes = [m.group(1) or m.group(2) for m in NOTE.finditer(c.text)]
    if not notes or not others:
        return False
    words = lambda t: {w for w in re.findall(r"[a-z]{4,}", t.lower())}  # noqa: E731
    theirs = set().union(*(words(o.text) for o in others))
    inside = words(" ".join(notes)) & theirs
    outside = words(NOTE.sub(" ", c.text)) & theirs
    return len(inside) >= max(2, len(outside))


def attribution_signal(groups: dict[str, list[Claim]]) -> Signal | None:
    """A fact in one outlet's own voice and attributed by another, or to different speakers.
    A bracketed note in a quote is the outlet's own voice (:func:`in_own_note`)."""
    speakers = {o: None if in_own_note(cs[0], [c for x, xs in groups.items() if x != o for c in xs])
                else cs[0].speaker for o, cs in groups.items()}
    own = [o for o, s in speakers.items() if not s]
    attributed = {o: s for o, s in speakers.items() if s}
    # "officials said" about a date is routine sourcing; a named source, or a figure that one
    # outlet vouches for and another leaves to its source, is a difference a reader should see
    weighty = {o: s for o, s in attributed.items()
               if _named_source(s, groups[o][0]) or any(c.numbers for c in groups[o])}
    if own and weighty:
        terms = {o: ["(own voice)"] for o in own} | {o: [s] for o, s in attributed.items()}
        verb, whose = ("states", "its") if len(own) == 1 else ("state", "their")
        detail = (f"{', '.join(own)} {verb} it in {whose} own voice; "
                  + ", ".join(f"{o} attributes it to {s}" for o, s in attributed.items()) + ".")
        return Signal("attribution", tuple(sorted(terms)), terms, detail)
    named = {o: s for o, s in attributed.items() if s[:1].isupper()}
    if len({_surname(s) for s in named.values()}) > 1:
        terms = {o: [s] for o, s in named.items()}
        detail = "The outlets quote different sources: " + ", ".join(
            f"{o} cites {s}" for o, s in named.items()) + "."
        return Signal("attribution", tuple(sorted(terms)), terms, detail)
    return None


# --- the whole fact --------------------------------------------------------------------


def omission_signal(present: Sequence[str], story_outlets: Sequence[str],
                    excused: Sequence[str] = ()) -> Signal | None:
    """The outlets of the fact's stories that do not report it, when at least half report it;
    ``excused`` outlets (they tell it differently, or wrote before it happened) are never named."""
    missing = [o for o in story_outlets if o not in present and o not in excused]
    if not missing or len(present) < 2 or len(present) * 2 < len(story_outlets):
        return None
    return Signal(
        "omission", tuple(missing), {o: [] for o in missing},
        f"{len(present)} of {len(story_outlets)} outlets report this; "
        f"no sentence of {', '.join(missing)} was found to tell it.",
    )


def assess(
    claims: Sequence[Claim], story_outlets: Sequence[str], context: StoryContext | None = None,
    contradictions: Sequence[tuple[Claim, Claim, float]] = (),
    english: Callable[[Claim], bool] | None = None,
    excused: Sequence[str] = (),
    related: Sequence[tuple[Claim, Claim]] = (),
    texts: dict[str, str] | None = None,
) -> tuple[str, tuple[Signal, ...], float]:
    """Verdict, signals and divergence score for one cluster.

    ``context`` (see :func:`compare.context.story_context`) adds what the whole story tells:
    declared aliases for naming, each outlet's distinctive words for wording.
    ``contradictions`` are claim pairs the pair judge read as contradicting, with the
    probability. ``related`` are (claim of the fact, its related version in another outlet):
    their conflicts count too, so a single-source fact can be contested. ``texts`` are the
    outlets' whole articles, for the evidence checks (naming habits, what kind of event).
    ``english`` says which claims the word-reading checks (denials, wording, naming, agency,
    attribution, actors, event words) may read; numbers, dates and omissions read every claim.
    ``excused`` outlets are not said to omit the fact (see :func:`omission_signal`).
    """
    from .conflicts import conflicts

    groups = by_outlet(claims)
    is_en = english or (lambda c: True)
    pairs = [(a, b) for a, b in combinations(claims, 2) if a.outlet != b.outlet] + list(related)
    english_pair = [is_en(a) and is_en(b) for a, b in pairs]
    read = [p for p, en in zip(pairs, english_pair, strict=True) if en]
    found = list(conflicts(read, texts, [t for t in contradictions if is_en(t[0]) and is_en(t[1])]))
    # claims in other languages: only what needs no English reading (dates, years, numbers)
    have = {(s.about, s.outlets) for s in found}
    found += [s for s in conflicts([p for p, en in zip(pairs, english_pair, strict=True) if not en])
              if s.about in ("date", "year", "number") and (s.about, s.outlets) not in have]
    if len(groups) < 2:
        return "single-source", tuple(found), 0.0
    words = groups if english is None else by_outlet([c for c in claims if english(c)])
    signals = found + [
        s for s in (
            wording_signal(words, context),
            naming_signal(words, context, texts),
            agency_signal(words),
            attribution_signal(words),
            omission_signal(list(groups), story_outlets, excused),
        ) if s is not None
    ]
    verdict = "diverge" if any(s.kind in VERDICT_KINDS for s in signals) else "agree"
    score = sum(WEIGHTS[s.kind] for s in signals) + 0.25 * sum(
        len(v) for s in signals if s.kind == "wording" for v in s.terms.values())
    return verdict, tuple(signals), round(score, 4)
