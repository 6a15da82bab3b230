"""Coverage matrix and outlet agreement: numbers with numpy, geometry for the SVG templates.

The templates draw the SVG (so every label is escaped by Jinja); this module only decides
what goes where, in which colour and with which symbol, so the charts read without colour.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..schema import Cluster, Copy

ABSENT, STATED, DIFFERENT = 0, 1, 2
STATES = {
    ABSENT: {"name": "absent", "symbol": "–", "fill": "#f2f2f2", "ink": "#555555"},
    STATED: {"name": "stated", "symbol": "●", "fill": "#b9dfbb", "ink": "#1b5e20"},
    DIFFERENT: {"name": "stated differently", "symbol": "≠", "fill": "#ffc982", "ink": "#6b3500"},
}

CELL, ROW, LABEL_W, HEAD_H, OVERHANG = 76, 24, 430, 96, 100
# a chart names at most this many outlets, those that state the most of its facts; a line under
# it counts the rest (a story told by hundreds of outlets would draw hundreds squared cells)
MAX_OUTLETS = 20


def most_telling(clusters: Sequence[Cluster], outlets: Sequence[str], limit: int = MAX_OUTLETS) -> list[str]:
    """The ``limit`` of ``outlets`` that state the most of ``clusters`` (ties by name), in the
    order given."""
    if len(outlets) <= limit:
        return list(outlets)
    told = Counter(o for cl in clusters for o in set(cl.outlets))
    keep = set(sorted(outlets, key=lambda o: (-told[o], o))[:limit])
    return [o for o in outlets if o in keep]


def _evidence(cluster: Cluster) -> dict[str, list[str]]:
    """Outlet -> the signal kinds (omission aside) that name words of that outlet's telling."""
    out: dict[str, list[str]] = {}
    for s in cluster.signals:
        if s.kind == "omission":
            continue
        for outlet, terms in s.terms.items():
            if terms and outlet in cluster.outlets:
                out.setdefault(outlet, []).append(s.kind)
    return out


def coverage_matrix(clusters: Sequence[Cluster], outlets: Sequence[str]) -> np.ndarray:
    """facts x outlets: ABSENT, STATED, or DIFFERENT (the outlet's words are evidence of a divergence)."""
    m = np.zeros((len(clusters), len(outlets)), dtype=np.int8)
    col = {o: j for j, o in enumerate(outlets)}
    for i, cl in enumerate(clusters):
        ev = _evidence(cl) if cl.verdict == "diverge" else {}
        for o in cl.outlets:
            if o in col:
                m[i, col[o]] = DIFFERENT if o in ev else STATED
    return m


def agreement_matrix(clusters: Sequence[Cluster], outlets: Sequence[str],
                     copies: Sequence[Copy] = ()) -> tuple[np.ndarray, np.ndarray]:
    """(shared, agreed): facts both outlets state, and those on which no signal splits the pair.

    A signal splits two outlets when it lists words for both and the words differ
    (one says 'terrorist', the other nothing; 'Karabakh' against 'Nagorno-Karabakh'). Two
    outlets whose versions of a fact are sentences of one shared copy are one source there:
    the fact counts for neither their sharing nor their agreement.
    """
    n = len(outlets)
    col = {o: j for j, o in enumerate(outlets)}
    shared = np.zeros((n, n), dtype=np.int32)
    split = np.zeros((n, n), dtype=np.int32)
    for cl in clusters:
        present = np.zeros(n, dtype=bool)
        present[[col[o] for o in cl.outlets if o in col]] = True
        both = np.outer(present, present)
        ids = set(cl.claims)
        for k in copies:
            who = [col[o] for o, cs in zip(k.outlets, k.claims, strict=True) if o in col and ids & set(cs)]
            for a in who:
                for b in who:
                    if a != b:
                        both[a, b] = False
        shared += both
        apart = np.zeros((n, n), dtype=bool)
        for s in cl.signals:
            if s.kind == "omission":
                continue
            named = [(col[o], frozenset(t)) for o, t in s.terms.items() if o in col and present[col[o]]]
            for a, ta in named:
                for b, tb in named:
                    if ta != tb:
                        apart[a, b] = True
        split += apart & both
    return shared, shared - split


def _blend(frac: float) -> str:
    """Light to dark blue; the percentage is printed on the cell as well."""
    lo, hi = np.array([0xF1, 0xF5, 0xFB]), np.array([0x08, 0x45, 0x94])
    rgb = np.rint(lo + (hi - lo) * frac).astype(int)
    return "#" + "".join(f"{v:02x}" for v in rgb)


def coverage_chart(facts: Sequence, outlets: Sequence[str], limit: int = MAX_OUTLETS) -> dict:
    """Geometry of the coverage matrix for ``templates/_charts.html``; ``facts`` are view Facts.
    Past ``limit`` outlets, those stating the most facts (``outlets``, ``left_out``: the rest)."""
    given = len(outlets)
    outlets = most_telling([f.cluster for f in facts], outlets, limit)
    m = coverage_matrix([f.cluster for f in facts], outlets)
    cells, rows = [], []
    for i, f in enumerate(facts):
        y = HEAD_H + i * ROW
        label = f"{f.cluster.id} · {f.headline}"
        rows.append({"x": LABEL_W - 8, "y": y + ROW * 0.68, "text": label if len(label) <= 52 else label[:51] + "…",
                     "title": f"{f.cluster.id} ({f.cluster.verdict}, score {f.cluster.score:.2f}): {f.headline}",
                     "href": f"#fact-{f.cluster.id}"})
        ev = _evidence(f.cluster)
        rows[-1]["symbols"] = [STATES[int(k)]["symbol"] for k in m[i]]
        for j, o in enumerate(outlets):
            st = STATES[int(m[i, j])]
            why = f" ({', '.join(ev[o])})" if int(m[i, j]) == DIFFERENT else ""
            cells.append({"x": LABEL_W + j * CELL, "y": y, "w": CELL - 2, "h": ROW - 2,
                          "fill": st["fill"], "ink": st["ink"], "symbol": st["symbol"], "state": st["name"],
                          "title": f"{o}: {st['name']}{why} — {f.cluster.id}"})
    cols = [{"x": LABEL_W + j * CELL + CELL / 2, "y": HEAD_H - 8, "text": o} for j, o in enumerate(outlets)]
    return {"width": LABEL_W + len(outlets) * CELL + OVERHANG, "height": HEAD_H + len(facts) * ROW + 4,
            "cells": cells, "rows": rows, "cols": cols, "legend": [STATES[k] for k in (STATED, DIFFERENT, ABSENT)],
            "outlets": outlets, "left_out": given - len(outlets)}


def agreement_chart(clusters: Sequence[Cluster], outlets: Sequence[str], copies: Sequence[Copy] = (),
                    limit: int = MAX_OUTLETS) -> dict:
    """Geometry of the outlet x outlet agreement heatmap (share of shared facts told alike;
    a fact two outlets tell in one shared copy is not counted for them). Past ``limit``
    outlets, those stating the most facts (``outlets``, ``left_out``: the rest)."""
    given = len(outlets)
    outlets = most_telling(clusters, outlets, limit)
    shared, agreed = agreement_matrix(clusters, outlets, copies)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(shared > 0, agreed / np.maximum(shared, 1), np.nan)
    label_w, cell = 150, 84
    cells = []
    table = []
    for i, a in enumerate(outlets):
        row = []
        for j, b in enumerate(outlets):
            x, y = label_w + j * cell, HEAD_H + i * 44
            if i == j:
                cells.append({"x": x, "y": y, "w": cell - 2, "h": 42, "fill": "#ffffff", "ink": "#777777",
                              "text": "—", "sub": f"{int(shared[i, i])} facts", "title": f"{a}: {shared[i, i]} facts"})
                row.append(None)
                continue
            if shared[i, j] == 0:
                cells.append({"x": x, "y": y, "w": cell - 2, "h": 42, "fill": "#e6e6e6", "ink": "#555555",
                              "text": "n/a", "sub": "0 shared", "title": f"{a} and {b} share no fact"})
                row.append(None)
                continue
            f = float(frac[i, j])
            pct = f"{round(100 * f)}%"
            cells.append({"x": x, "y": y, "w": cell - 2, "h": 42, "fill": _blend(f),
                          "ink": "#ffffff" if f > 0.55 else "#111111", "text": pct,
                          "sub": f"{agreed[i, j]}/{shared[i, j]}",
                          "title": f"{a} and {b} tell {agreed[i, j]} of {shared[i, j]} shared facts alike"})
            row.append({"pct": pct, "agreed": int(agreed[i, j]), "shared": int(shared[i, j])})
        table.append({"outlet": a, "cells": row})
    rows = [{"x": label_w - 8, "y": HEAD_H + i * 44 + 26, "text": o} for i, o in enumerate(outlets)]
    cols = [{"x": label_w + j * cell + cell / 2, "y": HEAD_H - 8, "text": o} for j, o in enumerate(outlets)]
    return {"width": label_w + len(outlets) * cell + OVERHANG, "height": HEAD_H + len(outlets) * 44 + 4,
            "cells": cells, "rows": rows, "cols": cols, "table": table, "shared": shared, "agreed": agreed,
            "outlets": outlets, "left_out": given - len(outlets)}
