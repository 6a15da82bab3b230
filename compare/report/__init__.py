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
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

from ..errors import CompareError
from ..schema import Report
from .factcheck import build_factcheck
from .phrases import about, article_date, claim_dates, contested_once
from .teach import build_teach
from .view import build_facts, build_view, rank

__all__ = [
    "VIEWS", "facts_csv", "render", "render_factcheck", "render_html", "render_markdown", "render_teach",
    "render_teach_sheet", "write_documents",
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
    env.filters["adate"] = article_date  # an article's date, "(year guessed)" where it is a guess
    env.filters["cdates"] = claim_dates  # a claim's dates, each with the words it came from
    env.filters["about"] = about  # what a conflict signal is about, in words
    return env


def render_markdown(report: Report) -> str:
    return _env().get_template("report.md.j2").render(v=build_view(report, pairs=False))


def render_html(report: Report) -> str:
    return _env().get_template("report.html").render(v=build_view(report))


def render_teach(report: Report, fmt: str = "html", items: int | None = None,
                 pair: tuple[str, str] | None = None) -> str:
    """The worksheet (``fmt`` "html" or "md"); ``items`` caps the number of facts; ``pair``
    (two article ids) is read side by side, by default the two sharing the most claims."""
    t = build_teach(report, pair=pair) if items is None else build_teach(report, items, pair=pair)
    return render_teach_sheet(t, fmt)


def render_teach_sheet(t: dict, fmt: str = "html") -> str:
    """A worksheet :func:`~compare.report.teach.build_teach` built, as HTML or Markdown."""
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


# past this many articles, report.html is an index and each thread gets its own page
SPLIT_AT = 200


def _by_thread(report: Report) -> tuple[dict[str, list], dict[str, list]]:
    """Stories and facts of each thread."""
    stories: dict[str, list] = {}
    for st in report.stories:
        stories.setdefault(st.thread, []).append(st)
    facts: dict[str, list] = {}
    for cl in report.clusters:
        facts.setdefault(cl.thread, []).append(cl)
    return stories, facts


def thread_reports(report: Report) -> list[tuple[str, Report]]:
    """One report per thread: its stories, their articles and claims (in the report's order),
    its facts."""
    from dataclasses import replace

    claims: dict[str, list] = {}
    for c in report.claims:
        claims.setdefault(c.article, []).append(c)
    stories, facts = _by_thread(report)
    position = {a.id: k for k, a in enumerate(report.articles)}
    out = []
    for th in report.threads:
        arts = sorted((a for s in stories.get(th.id, ()) for a in s.articles), key=position.__getitem__)
        out.append((th.id, replace(report, articles=tuple(report.articles[position[a]] for a in arts),
                                   claims=tuple(c for a in arts for c in claims.get(a, ())),
                                   clusters=tuple(facts.get(th.id, ())), stories=tuple(stories.get(th.id, ())),
                                   threads=(th,))))
    return out


def render_index(report: Report) -> str:
    """The index page of a split report: every thread with its stories and counts, linked."""
    outlet_of = {a.id: a.outlet for a in report.articles}
    stories, facts = _by_thread(report)
    rows = []
    for th in report.threads:
        arts = [a for s in stories.get(th.id, ()) for a in s.articles]
        verdicts = [c.verdict for c in facts.get(th.id, ())]
        rows.append({"id": th.id, "title": th.title, "stories": stories.get(th.id, []), "articles": len(arts),
                     "outlets": sorted({outlet_of[a] for a in arts}),
                     "contested": len(contested_once(facts.get(th.id, ()))),
                     "diverge": verdicts.count("diverge"), "agree": verdicts.count("agree")})
    verdicts = [c.verdict for c in report.clusters]
    i = {"rows": rows, "articles": len(report.articles), "outlets": len(set(outlet_of.values())),
         "stories": len(report.stories), "threads": report.threads, "claims": len(report.claims),
         "shared": verdicts.count("diverge") + verdicts.count("agree"), "diverge": verdicts.count("diverge"),
         "contested": len(contested_once(report.clusters)),
         "model": report.model.get("name", "")}
    return _env().get_template("index.html").render(i=i)


def split_html(report: Report) -> dict[str, str]:
    """report.html as an index, and threads/<id>.html for each thread."""
    docs = {"report.html": render_index(report)}
    for tid, sub in thread_reports(report):
        docs[f"threads/{tid}.html"] = render_html(sub)
    return docs


def _views(views: Iterable[str]) -> list[str]:
    names = list(dict.fromkeys(v for name in views for v in (VIEWS if name == "all" else [name])))
    unknown = [v for v in names if v not in VIEWS]
    if unknown:
        raise CompareError(f"unknown view {unknown[0]!r}; choose from {', '.join(VIEWS)} or all")
    return names


Producer = Callable[[], Iterable[str]]


def _documents(report: Report, views: Iterable[str], split_at: int) -> Iterator[tuple[str, Producer]]:
    """(file name, a producer of its text in pieces) for the chosen views, one at a time, so a
    large report is never held as every document at once; report.json comes out in chunks."""
    for v in _views(views):
        for name, fn in VIEWS[v].items():
            if name == "report.html" and len(report.articles) > split_at:
                yield "report.html", lambda: [render_index(report)]
                for tid, sub in thread_reports(report):
                    yield f"threads/{tid}.html", lambda sub=sub: [render_html(sub)]
            elif name == "report.json":
                yield name, lambda: _json_chunks(report)
            else:
                yield name, lambda fn=fn: [fn(report)]


def _json_chunks(report: Report) -> Iterator[str]:
    """:func:`to_json` in pieces (the same bytes)."""
    yield from json.JSONEncoder(ensure_ascii=False, indent=2, sort_keys=True).iterencode(report.to_dict())
    yield "\n"


def render(report: Report, views: Iterable[str] = ("report",), split_at: int = SPLIT_AT) -> dict[str, str]:
    """File name -> document for the chosen views (``"all"`` for every view). Past ``split_at``
    articles, report.html is an index and each thread has its own page (threads/<id>.html)."""
    return {name: "".join(make()) for name, make in _documents(report, views, split_at)}


def write_reports(report: Report, out_dir: str | Path, views: Iterable[str] = ("report",),
                  split_at: int = SPLIT_AT) -> list[Path]:
    """Write the chosen views' files into ``out_dir`` all or nothing (see :func:`write_documents`)."""
    views = _views(views)  # an unknown view stops before anything is written
    return write_documents(out_dir, _documents(report, views, split_at))


def write_documents(out_dir: str | Path, documents: Iterable[tuple[str, Callable[[], Iterable[str]]]]) -> list[Path]:
    """Write each (name, pieces) document into ``out_dir`` all or nothing: each goes to a
    temporary file as it is rendered, and all are renamed into place once every one is written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    tmp_files = []
    try:
        for name, make in documents:
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{Path(name).name}.", dir=(out / name).parent)
            tmp_files.append((tmp, out / name))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                for piece in make():
                    fh.write(piece)
            os.chmod(tmp, 0o644)
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
