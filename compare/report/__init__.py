"""Report writers: report.json for programs, Markdown, HTML and CSV for people.

Three views of one Report: ``report`` (the editor's briefing), ``teach`` (a worksheet for a
media-literacy class) and ``factcheck`` (every checkable claim with the words to verify).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

from ..errors import CompareError
from ..schema import Report
from .factcheck import build_factcheck
from .teach import build_teach
from .view import build_facts, build_view, rank

__all__ = [
    "VIEWS", "facts_csv", "render", "render_factcheck", "render_html", "render_markdown", "render_teach",
    "to_json", "write_reports",
]


def to_json(report: Report) -> str:
    """The report.json document: sorted keys, stable bytes for the same input."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@cache
def _env():
    """One Jinja environment per process, so each template is compiled once."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("compare.report", "templates"),
        autoescape=select_autoescape(["html", "j2.html"], default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md_escape
    env.filters["mdp"] = _md_paragraphs
    env.filters["mdx"] = _md_excluded
    return env


def render_markdown(report: Report) -> str:
    return _env().get_template("report.md.j2").render(v=build_view(report))


def render_html(report: Report) -> str:
    return _env().get_template("report.html").render(v=build_view(report))


def render_teach(report: Report, fmt: str = "html", items: int | None = None) -> str:
    """The worksheet (``fmt`` "html" or "md"); ``items`` caps the number of facts."""
    t = build_teach(report) if items is None else build_teach(report, items)
    return _env().get_template("teach.html" if fmt == "html" else "teach.md.j2").render(t=t)


def render_factcheck(report: Report, fmt: str = "html") -> str:
    """Every checkable claim (``fmt`` "html" or "md")."""
    f = build_factcheck(report)
    return _env().get_template("factcheck.html" if fmt == "html" else "factcheck.md.j2").render(f=f)


_FORMULA = re.compile(r"^[=+\-@\t\r]")


def _cell(text: str) -> str:
    """One line of text, and no leading character a spreadsheet would run as a formula."""
    out = " ".join(str(text).split())
    return "'" + out if _FORMULA.match(out) else out


def facts_csv(report: Report) -> str:
    """facts.csv: one row per fact (shared and single-source), most divergent first."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "thread", "story", "verdict", "score", "outlets", "missing", "signal_kinds", "claims", "text"])
    for f in rank(build_facts(report)):
        cl = f.cluster
        w.writerow([cl.id, cl.thread, cl.story, cl.verdict, f"{cl.score:.2f}", _cell(";".join(cl.outlets)),
                    _cell(";".join(cl.missing)), ";".join(dict.fromkeys(s.kind for s in cl.signals)),
                    len(cl.claims), _cell(f.tellings[0].claim.text)])
    return buf.getvalue()


# view -> file name -> renderer
VIEWS: dict[str, dict[str, Callable[[Report], str]]] = {
    "report": {
        "report.json": to_json,
        "report.md": render_markdown,
        "report.html": render_html,
        "facts.csv": facts_csv,
    },
    "teach": {
        "teach.html": render_teach,
        "teach.md": lambda r: render_teach(r, "md"),
    },
    "factcheck": {
        "factcheck.html": render_factcheck,
        "factcheck.md": lambda r: render_factcheck(r, "md"),
    },
}


def _views(views: Iterable[str]) -> list[str]:
    names = list(dict.fromkeys(v for name in views for v in (VIEWS if name == "all" else [name])))
    unknown = [v for v in names if v not in VIEWS]
    if unknown:
        raise CompareError(f"unknown view {unknown[0]!r}; choose from {', '.join(VIEWS)} or all")
    return names


def render(report: Report, views: Iterable[str] = ("report",)) -> dict[str, str]:
    """File name -> document for the chosen views (``"all"`` for every view)."""
    return {name: fn(report) for v in _views(views) for name, fn in VIEWS[v].items()}


def write_reports(report: Report, out_dir: str | Path, views: Iterable[str] = ("report",)) -> list[Path]:
    """Write the chosen views' files into ``out_dir`` all or nothing."""
    docs = render(report, views)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    tmp_files = []
    try:
        for name, body in docs.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(body)
            os.chmod(tmp, 0o644)
            tmp_files.append((tmp, out / name))
        for tmp, final in tmp_files:
            os.replace(tmp, final)
            written.append(final)
    finally:
        for tmp, _ in tmp_files:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return written


def _md_escape(text: str) -> str:
    """Article text inside Markdown: no markup, no raw HTML, one line."""
    out = re.sub(r"\s+", " ", str(text))
    for ch in "\\`*_[]<>|#~":
        out = out.replace(ch, "\\" + ch)
    out = re.sub(r"^(\s*)([-+])", r"\1\\\2", out)  # not a list item
    return re.sub(r"^(\s*\d+)([.)])", r"\1\\\2", out)


def _md_paragraphs(text: str) -> str:
    """Article text keeping its paragraph breaks; each paragraph escaped as by ``md``."""
    parts = [_md_escape(p) for p in re.split(r"\n\s*\n", str(text))]
    for i in range(len(parts)):
        if i > 0:
            parts[i] = parts[i].lstrip()
        if i < len(parts) - 1:
            parts[i] = parts[i].rstrip()
    return "\n\n".join(parts)


def _md_excluded(text: str, reason: str) -> str:
    """Excluded text struck through on one line, with the reason."""
    body = _md_escape(text).strip()
    return f"*\\[{_md_escape(reason)}\\]* ~~{body}~~" if body else ""
