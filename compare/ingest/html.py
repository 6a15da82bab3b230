"""Web pages -> text: the visible lines of a page, and trafilatura's reading of which are the article."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from ..errors import InputError


@dataclass(frozen=True)
class PageText:
    """What trafilatura reads as a page's main text and its reader comments: the lines of the
    page's visible text outside both are page chrome (menus, teasers, footers)."""

    main: str
    comments: str = ""
    title: str = ""

    @staticmethod
    def key(line: str) -> str:
        return re.sub(r"\W+", " ", line.lower()).strip()

    @cached_property
    def _main(self) -> tuple[str, frozenset[str]]:
        return self._index(self.main + "\n" + self.title)

    @cached_property
    def _comments(self) -> tuple[str, frozenset[str]]:
        return self._index(self.comments)

    def _index(self, text: str) -> tuple[str, frozenset[str]]:
        """A text's lines normalised: joined (to find a long line inside one) and as a set."""
        lines = [self.key(ln) for ln in text.splitlines()]
        return "\n".join(lines), frozenset(lines)

    def _has(self, index: tuple[str, frozenset[str]], line: str) -> bool:
        key = self.key(line)
        # a short line must be a whole line there ("Share" inside a sentence is no match)
        return bool(key) and (key in index[1] if len(key.split()) < 4 else key in index[0])

    def reason(self, line: str) -> str | None:
        """Why a visible line is not the outlet's text, or None when it is main text (the
        title included)."""
        if self._has(self._main, line):
            return None
        if self.comments and self._has(self._comments, line):
            return "reader comment"
        return "page chrome (outside the main text)"


def main_text(html: str) -> tuple[PageText | None, dict]:
    """trafilatura's reading of a page: its main text and comments, and its metadata (title,
    date, site name, author, URL). None when it finds no main text."""
    import logging

    import trafilatura

    for name in ("trafilatura", "htmldate", "courlan", "justext"):  # their notes on odd pages are not the user's
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        doc = trafilatura.bare_extraction(
            html, with_metadata=True, include_comments=True, include_tables=True,
            date_extraction_params={"extensive_search": False, "original_date": True})
    except Exception:  # a page trafilatura cannot read keeps every visible line, as before
        return None, {}
    if doc is None:
        return None, {}
    d = doc if isinstance(doc, dict) else doc.as_dict()
    meta = {k: str(d[f]).strip() for k, f in (("title", "title"), ("date", "date"), ("outlet", "sitename"),
                                              ("author", "author"), ("url", "url")) if d.get(f)}
    if not (d.get("text") or "").strip():
        return None, meta
    return PageText(d["text"], d.get("comments") or "", d.get("title") or ""), meta


def html_to_text(html: str) -> tuple[str, dict]:
    """Visible text of an HTML page, one block element a line, plus page metadata; under
    ``"page"`` trafilatura's :class:`PageText`, which says which lines are the article."""
    import lxml.html

    try:
        # an XML declaration is refused in a str; huge_tree lifts libxml2's depth limit of 256
        html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
        doc = lxml.html.document_fromstring(html, parser=lxml.html.HTMLParser(huge_tree=True))
    except Exception as exc:  # lxml raises several types for broken markup
        raise InputError(f"cannot parse HTML ({exc}); save the page as .txt instead") from exc
    page, found_meta = main_text(html)
    meta = {}
    for key, xpath in {
        "outlet": "//meta[@property='og:site_name']/@content",
        "url": "//link[@rel='canonical']/@href|//meta[@property='og:url']/@content",
        "date": "//meta[@property='article:published_time']/@content",
        "title": "//meta[@property='og:title']/@content",
        "page title": "//title/text()",
    }.items():
        found = doc.xpath(xpath)
        if found and str(found[0]).strip():
            meta[key] = str(found[0]).strip()
    # the page's own tags first, trafilatura's reading after, the <title> (often "… | Site") last
    meta = {**found_meta, **meta}
    if "page title" in meta:
        meta.setdefault("title", meta.pop("page title"))
    blocks = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "section",
              "article", "header", "footer", "aside", "nav", "figcaption", "blockquote", "ul",
              "ol", "figure", "time", "title", "td", "th", "dd", "dt", "main", "table"}
    # the text, a line break around each block element: read in one walk, the tree untouched
    # (lxml refuses to set text holding control characters, which real pages carry)
    from lxml import etree

    hidden = {"script", "style", "noscript", "template", "head"}
    parts: list[str] = []
    inside = 0  # how deep in a hidden element (a script's text is no page text; its tail is)
    for event, el in etree.iterwalk(doc, events=("start", "end")):
        element = isinstance(el.tag, str)
        tag = el.tag.lower() if element else ""
        block = tag in blocks
        if event == "start":
            inside += tag in hidden
            if not inside:
                if block and tag != "br":
                    parts.append("\n")
                if element and el.text:
                    parts.append(el.text)
        else:
            inside -= tag in hidden
            if not inside:
                if block:
                    parts.append("\n")
                if el.tail and el is not doc:
                    parts.append(el.tail)
    text = "".join(parts)
    lines = [re.sub(r"[ \t\r\f\v]+", " ", ln).strip() for ln in text.split("\n")]
    out, blank = [], False
    for ln in lines:
        if ln:
            out.append(ln)
            blank = False
        elif not blank and out:
            out.append("")
            blank = True
    if meta.get("date"):
        meta["date"] = meta["date"][:10]
    if page is not None:
        meta["page"] = page
    text = "\n".join(out).strip() + "\n"
    stripped = _strip_tags(html)
    # the parser gave up part way (nesting past even huge_tree's depth): read the tags away
    if len("".join(text.split())) < 0.8 * len("".join(stripped.split())):
        text = stripped
        meta.pop("page", None)
    return text, meta


def _strip_tags(html: str) -> str:
    """The text of markup no parser can read: scripts and styles dropped, every tag a line
    break, entities decoded, blank runs squeezed."""
    import html as html_lib

    body = re.sub(r"(?is)<(script|style|noscript|template|head)\b.*?</\1\s*>", "\n", html)
    body = html_lib.unescape(re.sub(r"<[^>]*>", "\n", body))
    lines = [re.sub(r"[ \t\r\f\v]+", " ", ln).strip() for ln in body.split("\n")]
    return "\n".join(ln for ln in lines if ln).strip() + "\n"
