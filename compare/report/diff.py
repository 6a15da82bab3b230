"""Two articles side by side: each claim of the first beside its counterpart in the second.

Built on the run's counterparts (compare/linking/counterparts.py): "same" where the pair judge
links the two as one fact, "related" where it finds the second the closest telling but is not
sure enough to call it one fact, and nothing where no claim of the second comes close. Each
pair carries the signals of the fact they share (wording, naming, agency, numbers, dates). What
each article adds is the claims without a counterpart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import CompareError
from ..schema import Article, Claim, Report, Signal
from .view import KIND_NAMES, Piece, _pieces, _terms_for


@dataclass(frozen=True)
class Row:
    """One claim of the first article and its counterpart in the second (None: nothing close)."""

    a: Claim
    b: Claim | None
    grade: str  # "same", "related" or "none"
    p: float | None
    signals: tuple[Signal, ...]
    a_pieces: tuple[Piece, ...]
    b_pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class Diff:
    a: Article
    b: Article
    rows: tuple[Row, ...]
    only_b: tuple[Claim, ...]  # claims of the second with no counterpart in the first


@dataclass(frozen=True)
class DiffIndex:
    """What every pair of one report reads: its claims by id and by article, the fact of each
    claim, and the conflicts by their sides (built once for all the pairs of a report)."""

    articles: dict
    claims: dict
    by_article: dict
    fact_of: dict
    disputes: dict

    @classmethod
    def of(cls, report: Report) -> DiffIndex:
        by_article: dict[str, list[Claim]] = {}
        for c in report.claims:
            by_article.setdefault(c.article, []).append(c)
        disputes: dict[frozenset, list[Signal]] = {}
        for cl in report.clusters:
            for sig in cl.signals:
                if sig.kind == "conflict" and len(sig.sides) >= 2:
                    ids = [cid for _, cid, _ in sig.sides]
                    for x in ids:  # every two sides of a conflict dispute each other
                        for y in ids:
                            if x < y:
                                disputes.setdefault(frozenset((x, y)), []).append(sig)
        return cls({a.id: a for a in report.articles}, {c.id: c for c in report.claims}, by_article,
                   {cid: cl for cl in report.clusters for cid in cl.claims}, disputes)


def build_diff(report: Report, a_id: str | None = None, b_id: str | None = None,
               index: DiffIndex | None = None) -> Diff:
    """The side-by-side reading of two articles of ``report`` (its only two when no ids are
    given), in the order of the first article. ``index``: :meth:`DiffIndex.of` the report,
    when many pairs of it are read."""
    ix = index or DiffIndex.of(report)
    arts = ix.articles
    if a_id is None and b_id is None:
        if len(report.articles) != 2:
            raise CompareError(f"the inputs give {len(report.articles)} articles; diff reads exactly two")
        a_id, b_id = report.articles[0].id, report.articles[1].id
    for given in (a_id, b_id):
        if given not in arts:
            raise CompareError(f"no article {given!r} in the run; its articles are {', '.join(sorted(arts))}")
    if a_id == b_id:
        raise CompareError("the two inputs are the same article; give two different ones")
    rows, used = [], set()
    for c in ix.by_article.get(a_id, []):
        k = next((k for k in report.counterparts.get(c.id, ()) if ix.claims[k.claim].article == b_id), None)
        b = ix.claims[k.claim] if k is not None else None
        cl = ix.fact_of.get(c.id)
        shared = cl is not None and b is not None and b.id in cl.claims
        # only what holds between these two outlets: a conflict between others is not theirs
        signals = tuple(s for s in cl.signals if s.kind != "omission" and {c.outlet, b.outlet} <= set(s.outlets)
                        and (s.kind != "conflict" or {c.id, b.id} <= {cid for _, cid, _ in s.sides})
                        ) if shared else ()
        if b is not None and not shared:
            signals = tuple(ix.disputes.get(frozenset((c.id, b.id)), ()))
        if b is not None:
            used.add(b.id)
        rows.append(Row(c, b, k.grade if k is not None else "none", k.p if k is not None else None, signals,
                        _pieces(c.text, _terms_for(c.outlet, signals)),
                        _pieces(b.text, _terms_for(b.outlet, signals)) if b is not None else ()))
    # a claim of B that tells one of A's facts again (a headline and its lead) is not B's alone
    only_b = tuple(c for c in ix.by_article.get(b_id, []) if c.id not in used and not any(
        ix.claims[k.claim].article == a_id for k in report.counterparts.get(c.id, ())))
    return Diff(arts[a_id], arts[b_id], tuple(rows), only_b)


def _head(label: str, a: Article) -> str:
    title = " ".join((a.title or a.source or a.id).split())
    return f"{label}: {a.outlet} · {title} · {a.date or 'no date'}"


def _line(pieces: tuple[Piece, ...]) -> str:
    """A sentence on one line, its signal words in brackets: [illegally|wording]."""
    return " ".join("".join(f"[{p.text}|{p.mark}]" if p.mark else p.text for p in pieces).split())


def render_text(d: Diff) -> str:
    """The diff as plain text (what `compare diff` prints)."""
    same = sum(r.grade == "same" for r in d.rows)
    related = sum(r.grade == "related" for r in d.rows)
    def n(k: int, what: str) -> str:
        return f"{k} {what}" + ("" if k == 1 else "s")

    out = [_head("A", d.a), _head("B", d.b), "",
           f"{n(len(d.rows), 'claim')} of A: {same} the same fact in B, {related} related (probably the same "
           f"event, told differently or disputed), {len(d.rows) - same - related} with nothing close in B; "
           f"{n(len(d.only_b), 'claim')} only in B.", ""]
    for k, r in enumerate(d.rows, 1):
        if r.grade == "none":
            out.append(f"[{k}] only in A")
        else:
            kinds = ", ".join(dict.fromkeys(KIND_NAMES.get(s.kind, s.kind) for s in r.signals))
            out.append(f"[{k}] {r.grade} (P {r.p:.2f})" if r.p is not None else f"[{k}] {r.grade}")
            if kinds:
                out[-1] += f" · {kinds}"
        out.append(f"  A: {_line(r.a_pieces)}")
        if r.b is not None:
            out.append(f"  B: {_line(r.b_pieces)}")
    if d.only_b:
        out += ["", "Only in B:"] + [f"  B: {' '.join(c.text.split())}" for c in d.only_b]
    return "\n".join(out) + "\n"


def render_html(d: Diff) -> str:
    """The two articles in two columns, each claim of A beside its counterpart (a page alone)."""
    from . import _env

    return _env().get_template("diff.html").render(d=d)


def write_html(d: Diff, out_dir: str | Path, report: Report | None = None) -> list[Path]:
    """diff.html in ``out_dir``; with ``report`` (the two articles' run), also teach.html and
    teach.md, a worksheet whose side-by-side exercise is these two articles. All or nothing."""
    from . import render_teach_sheet, write_documents
    from .teach import build_teach

    docs = [("diff.html", lambda: [render_html(d)])]
    if report is not None:
        t = build_teach(report, pair=(d.a.id, d.b.id))  # one worksheet, in two formats
        docs += [("teach.html", lambda: [render_teach_sheet(t, "html")]),
                 ("teach.md", lambda: [render_teach_sheet(t, "md")])]
    return write_documents(out_dir, docs)
