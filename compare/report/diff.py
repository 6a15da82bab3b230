"""Two articles side by side: each claim of the first beside its counterpart in the second.

Built on the run's counterparts (compare/linking/counterparts.py): "same" where the pair judge
links the two as one fact, "related" where it finds the second the closest telling but is not
sure enough to call it one fact, and nothing where no claim of the second comes close. Each
pair carries the signals of the fact they share (wording, naming, agency, numbers, dates). What
each article adds is the claims without a counterpart.
"""

from __future__ import annotations

import os
import tempfile
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
    only_b: tuple[Claim, ...]  # claims of the second that are no counterpart of the first's


def build_diff(report: Report, a_id: str | None = None, b_id: str | None = None) -> Diff:
    """The side-by-side reading of two articles of ``report`` (its only two when no ids are
    given), in the order of the first article."""
    arts = {a.id: a for a in report.articles}
    if a_id is None and b_id is None:
        if len(report.articles) != 2:
            raise CompareError(f"the inputs give {len(report.articles)} articles; diff reads exactly two")
        a_id, b_id = report.articles[0].id, report.articles[1].id
    for given in (a_id, b_id):
        if given not in arts:
            raise CompareError(f"no article {given!r} in the run; its articles are {', '.join(sorted(arts))}")
    claims = {c.id: c for c in report.claims}
    fact_of = {cid: cl for cl in report.clusters for cid in cl.claims}
    # a conflict between a fact's claim and its related version holds for that pair too
    disputes: dict[frozenset, list[Signal]] = {}
    for cl in report.clusters:
        for sig in cl.signals:
            if sig.kind == "conflict" and len(sig.sides) >= 2:
                disputes.setdefault(frozenset(cid for _, cid, _ in sig.sides), []).append(sig)
    rows, used = [], set()
    for c in (c for c in report.claims if c.article == a_id):
        k = next((k for k in report.counterparts.get(c.id, ()) if claims[k.claim].article == b_id), None)
        b = claims[k.claim] if k is not None else None
        cl = fact_of.get(c.id)
        shared = cl is not None and b is not None and b.id in cl.claims
        signals = tuple(s for s in cl.signals if s.kind != "omission") if shared else ()
        if b is not None and not shared:
            signals = tuple(disputes.get(frozenset((c.id, b.id)), ()))
        if b is not None:
            used.add(b.id)
        rows.append(Row(c, b, k.grade if k is not None else "none", k.p if k is not None else None, signals,
                        _pieces(c.text, _terms_for(c.outlet, signals)),
                        _pieces(b.text, _terms_for(b.outlet, signals)) if b is not None else ()))
    only_b = tuple(c for c in report.claims if c.article == b_id and c.id not in used)
    return Diff(arts[a_id], arts[b_id], tuple(rows), only_b)


def _head(label: str, a: Article) -> str:
    title = " ".join((a.title or a.source or a.id).split())
    return f"{label}: {a.outlet} · {title} · {a.date or 'no date'}"


def _line(pieces: tuple[Piece, ...]) -> str:
    """A sentence with its signal words in brackets: [illegally|wording]."""
    return "".join(f"[{p.text}|{p.mark}]" if p.mark else p.text for p in pieces)


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


def write_html(d: Diff, out_dir: str | Path) -> Path:
    """diff.html in ``out_dir``, written to a temporary file and renamed into place."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".diff.html.", dir=out)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(render_html(d))
    os.chmod(tmp, 0o644)
    os.replace(tmp, out / "diff.html")
    return out / "diff.html"
