"""Report writers: report.json for programs, report.md and report.html for people."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from ..schema import Report
from .view import build_view

__all__ = ["render_html", "render_markdown", "to_json", "write_reports"]


def to_json(report: Report) -> str:
    """The report.json document: sorted keys, stable bytes for the same input."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _env():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("compare.report", "templates"),
        autoescape=select_autoescape(["html", "j2.html"], default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_markdown(report: Report) -> str:
    env = _env()
    env.filters["md"] = _md_escape
    return env.get_template("report.md.j2").render(v=build_view(report))


def render_html(report: Report) -> str:
    return _env().get_template("report.html").render(v=build_view(report))


def _md_escape(text: str) -> str:
    """Article text inside Markdown: no markup, no raw HTML, one line."""
    out = re.sub(r"\s+", " ", str(text))
    for ch in "\\`*_[]<>|#":
        out = out.replace(ch, "\\" + ch)
    return out


def write_reports(report: Report, out_dir: str | Path) -> list[Path]:
    """Write report.json, report.md and report.html into ``out_dir`` all or nothing."""
    out = Path(out_dir)
    docs = {
        "report.json": to_json(report),
        "report.md": render_markdown(report),
        "report.html": render_html(report),
    }
    out.mkdir(parents=True, exist_ok=True)
    written = []
    tmp_files = []
    try:
        for name, body in docs.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
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
