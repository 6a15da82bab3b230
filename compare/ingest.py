"""Files -> Article: metadata detection and separation of the outlet's own text.

Every non-blank line of an input ends up either in ``Article.body``/``Article.headings``
(the outlet's own text, later split into claims) or in ``Article.excluded`` with a reason.
"""

from __future__ import annotations

import csv
import json
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from .errors import InputError
from .schema import Article, Excluded, Span

ARTICLE_SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".xhtml", ".jsonl", ".json")
MANIFEST_NAMES = ("manifest.toml", "manifest.csv")
TERMINAL = tuple('.!?"”’\')…:;')
MONTHS = (
    "jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|"
    "sep(t|tember)?|oct(ober)?|nov(ember)?|dec(ember)?"
)
MONTH_NUM = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
DATE_LINE = re.compile(
    rf"^((updated|published|posted)\s*:?\s*)?((mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
    rf"(({MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+({MONTHS})\.?,?\s+\d{{4}}|\d{{4}}-\d\d-\d\d)"
    rf"([,\s]+\d{{1,2}}[:.]\d\d(\s*[ap]\.?m\.?)?(\s*[A-Z]{{2,4}})?)?\s*$",
    re.IGNORECASE,
)
DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'\- ]{1,40}(?:,\s*[A-Z][A-Za-z.'\- ]{1,30}?)?)"
    r"(?:,\s*(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?))?"
    r"\s*(?:\.?\s*/(?P<tag>[^/\n]{2,30})/\.?|\((?P<tag2>[^)\n]{2,40})\)\s*[—–-]+|[—–]+|--)\s+"
)
URL = re.compile(r"https?://[^\s<>\"')]+")
URL_DATE = re.compile(r"/(20\d\d|19\d\d)/(\d{1,2})/(\d{1,2})(/|$|-)")
HEADING_MAX_WORDS = 12
MAX_ARTICLE_CHARS = 2_000_000  # an article longer than this is skipped (--max-article-chars)
WORDY = re.compile(r"[^\W_]")  # a letter or digit, in any script


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern
    reason: str
    scope: str
    max_words: int | None = None  # a longer line is article prose, whatever it contains


@dataclass(frozen=True)
class Outlet:
    name: str
    domains: tuple[str, ...] = ()
    datelines: tuple[str, ...] = ()
    marks: tuple[re.Pattern, ...] = ()
    aliases: tuple[str, ...] = ()
    country: str | None = None
    language: str | None = None


def _name_key(name: str) -> str:
    """An outlet name as a first line or a tag may write it: case, "The" and punctuation aside."""
    return re.sub(r"\W+", "", re.sub(r"^\s*the\s+", "", name.lower()))


class OutletRegistry(list):
    """Outlets in order of precedence (the first to claim a domain, tag or name wins), with
    look-ups by a URL's host, a dateline tag and a name standing alone."""

    def __init__(self, outlets: Iterable[Outlet] = ()):
        super().__init__(outlets)
        self._host: dict[str, Outlet] = {}
        self._tag: dict[str, Outlet] = {}
        self._name: dict[str, Outlet] = {}
        for o in self:
            for d in o.domains:
                self._host.setdefault(d.lower(), o)
            for t in o.datelines:
                self._tag.setdefault(t.strip(" ./()").lower(), o)
            for n in (o.name, *o.aliases):
                if _name_key(n):
                    self._name.setdefault(_name_key(n), o)

    def by_url(self, url: str) -> Outlet | None:
        host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip().lower()).split("/")[0].split(":")[0]
        parts = host.split(".")
        for k in range(len(parts) - 1):  # news.bbc.co.uk, bbc.co.uk, co.uk
            o = self._host.get(".".join(parts[k:]))
            if o is not None:
                return o
        return None

    def by_tag(self, tag: str) -> Outlet | None:
        return self._tag.get(tag.strip(" ./()").lower())

    def by_name(self, text: str) -> Outlet | None:
        """The outlet a name standing alone names ("The New York Times", "NYT"); a key of
        under three characters only when written exactly as listed."""
        if len(text.split()) > 8:
            return None
        o = self._name.get(_name_key(text))
        if o is not None and len(_name_key(text)) < 3 and text.strip() not in (o.name, *o.aliases):
            return None
        return o


def registry(outlets: Sequence[Outlet]) -> OutletRegistry:
    return outlets if isinstance(outlets, OutletRegistry) else OutletRegistry(outlets)


@dataclass
class _Line:
    start: int
    end: int
    text: str


@dataclass
class _Meta:
    outlet: str | None = None
    outlet_by: str = ""
    title: str | None = None
    date: str | None = None
    url: str | None = None


def _data_text(name: str) -> str:
    return resources.files("compare.data").joinpath(name).read_text(encoding="utf-8")


def load_rules(path: str | Path | None = None) -> list[Rule]:
    """Boilerplate rules from the packaged data file, or from ``path``."""
    raw = Path(path).read_text(encoding="utf-8") if path else _data_text("boilerplate.toml")
    rules = []
    for r in tomllib.loads(raw).get("rule", []):
        flags = re.IGNORECASE if r.get("ignore_case", True) else 0
        rules.append(Rule(re.compile(r["pattern"], flags), r["reason"], r.get("scope", "line"),
                          r.get("max_words")))
    return rules


def _registry_rows(text: str) -> list[dict]:
    """Rows of a registry CSV (name, domains, country, language, aliases, datelines) as tables."""
    rows = []
    for row in csv.DictReader(text.splitlines()):
        if not (row.get("name") or "").strip():
            continue
        rows.append({
            "name": row["name"].strip(),
            "domains": (row.get("domains") or "").split(),
            "aliases": [a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()],
            "datelines": [d.strip() for d in (row.get("datelines") or "").split("|") if d.strip()],
            "country": (row.get("country") or "").strip() or None,
            "language": (row.get("language") or "").strip() or None,
        })
    return rows


def load_outlets(extra: str | Path | None = None) -> OutletRegistry:
    """The outlet registry: a user file (``--outlets``, TOML as outlets.toml or CSV as
    outlets.csv) first, then the packaged signatures (outlets.toml: chrome marks), then the
    packaged registry (outlets.csv); entries of one name are merged."""
    tables = tomllib.loads(_data_text("outlets.toml")).get("outlet", [])
    tables += _registry_rows(_data_text("outlets.csv"))
    if extra:
        try:
            raw = Path(extra).read_text(encoding="utf-8")
            user = (_registry_rows(raw) if Path(extra).suffix.lower() == ".csv"
                    else tomllib.loads(raw).get("outlet", []))
        except (OSError, UnicodeDecodeError, csv.Error, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"{extra}: cannot read outlet signatures ({exc}); fix the TOML or CSV") from exc
        tables = user + tables
    merged: dict[str, dict] = {}
    for t in tables:
        if not isinstance(t, dict) or not t.get("name"):
            raise InputError(f"{extra or 'outlets'}: an outlet without a name; give each one name = \"...\"")
        m = merged.setdefault(_name_key(t["name"]) or t["name"], {"name": t["name"]})
        for key in ("domains", "datelines", "marks", "aliases"):
            m[key] = list(dict.fromkeys(m.get(key, []) + list(t.get(key, []))))
        for key in ("country", "language"):
            m[key] = m.get(key) or t.get(key)
    return OutletRegistry(
        Outlet(
            t["name"],
            tuple(d.lower() for d in t["domains"]),
            tuple(t["datelines"]),
            tuple(re.compile(m, re.IGNORECASE) for m in t["marks"]),
            tuple(t["aliases"]),
            t["country"],
            t["language"],
        )
        for t in merged.values()
    )


# --- files and manifests -------------------------------------------------------------


def _is_report_folder(names: Sequence[str]) -> bool:
    """Whether a folder holds a report this tool wrote (report.json beside report.md or .html)."""
    return "report.json" in names and ("report.md" in names or "report.html" in names)


def _walk(folder: Path) -> list[Path]:
    """Article files under ``folder``, every level, in path order; hidden entries, the
    ``<page>_files`` folders browsers save beside a page and report folders are passed over."""
    out = []
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        if _is_report_folder(names):  # a report of an earlier run written inside the corpus
            dirs[:] = []
            continue
        pages = {Path(n).stem for n in names if n.lower().endswith((".html", ".htm"))}
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not (d.endswith("_files") and d[:-len("_files")] in pages))
        out.extend(here / n for n in sorted(names)
                   if not n.startswith(".") and Path(n).suffix.lower() in ARTICLE_SUFFIXES)
    return sorted(out, key=lambda f: f.relative_to(folder).parts)


def discover(paths: Sequence[str | Path]) -> tuple[list[Path], dict[Path, dict]]:
    """Expand files and folders (at every level) into article files, and collect manifest
    entries: a manifest in any folder describes the files of that folder."""
    files: list[Path] = []
    manifest: dict[Path, dict] = {}
    read: set[Path] = set()
    if not paths:
        raise InputError("no input given; pass article files or a folder of them")

    def manifests_of(folder: Path) -> None:
        if folder in read:
            return
        read.add(folder)
        for name in MANIFEST_NAMES:
            if (folder / name).is_file():
                manifest.update(load_manifest(folder / name))

    for p in map(Path, paths):
        if not p.exists():
            raise InputError(f"{p}: no such file or folder; check the path")
        if p.is_dir():
            found = _walk(p)
            if not found:
                raise InputError(
                    f"{p}: no article files ({', '.join(ARTICLE_SUFFIXES)}) found in it or its "
                    "subfolders; add articles or pass the files themselves"
                )
            for folder in dict.fromkeys(f.parent.resolve() for f in found):
                manifests_of(folder)
            files.extend(found)
        else:
            files.append(p)
            manifests_of(p.parent.resolve())  # a manifest beside a file passed alone describes it too
    seen: set[Path] = set()
    unique = []
    for f in files:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            unique.append(f)
    return unique, manifest


def load_manifest(path: str | Path) -> dict[Path, dict]:
    """TOML (``[[article]] file=…``) or CSV (``file,outlet,date,url,title``) -> {path: fields}."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: manifest not found; check the path")
    try:
        if path.suffix.lower() == ".csv":
            with path.open(encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh))
        else:
            rows = tomllib.loads(path.read_text(encoding="utf-8")).get("article", [])
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot parse manifest ({exc}); fix its syntax") from exc
    if not rows:
        raise InputError(f"{path}: no articles listed; write one [[article]] table (or CSV row) "
                         "per file, with file = \"name.txt\"")
    out = {}
    for i, row in enumerate(rows, 1):
        if not row.get("file"):
            raise InputError(f"{path}: entry {i} has no 'file'; give each entry the article's file name")
        target = (path.parent / row["file"]).resolve()
        out[target] = {k: (v or None) for k, v in row.items() if k != "file"}
    return out


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check permissions") from exc
    if b"\x00" in raw[:8192]:
        raise InputError(f"{path}: not a text file; pass .txt, .html or .jsonl articles")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{path}: not UTF-8 text; convert it with 'iconv -t UTF-8' and try again"
            ) from exc


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

    def _has(self, whole: str, line: str) -> bool:
        key = self.key(line)
        if not key:
            return False
        # a short line must be a whole line there ("Share" inside a sentence is no match)
        if len(key.split()) < 4:
            return f"\n{key}\n" in whole
        return key in whole

    def reason(self, line: str) -> str | None:
        """Why a visible line is not the outlet's text, or None when it is main text."""
        main = self._norm("main", self.main + "\n" + self.title)
        if self._has(main, line):
            return None
        if self.comments and self._has(self._norm("comments", self.comments), line):
            return "reader comment"
        return "page chrome (outside the main text)"

    def _norm(self, name: str, text: str) -> str:
        cache = self.__dict__.setdefault("_cache", {})
        if name not in cache:
            cache[name] = "\n" + "\n".join(self.key(ln) for ln in text.splitlines()) + "\n"
        return cache[name]


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
        doc = lxml.html.document_fromstring(html)
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
    if not text.strip():  # the parser gave up (nesting past its depth limit): read the tags away
        text = _strip_tags(html)
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


def read_articles(
    paths: Sequence[str | Path],
    manifest: str | Path | None = None,
    outlets: Sequence[Outlet] | None = None,
    rules: list[Rule] | None = None,
    fetcher=None,
    since: date | None = None,
    until: date | None = None,
    strict: bool = False,
    skipped: list[tuple[str, str]] | None = None,
    max_chars: int = MAX_ARTICLE_CHARS,
) -> tuple[list[Article], list[str]]:
    """Read every article under ``paths`` (files, folders at every level, http(s) URLs of
    pages or RSS/Atom feeds, local feed files); return them with warnings for the user.

    A file or page that cannot be read (binary, undecodable, over ``max_chars`` characters,
    malformed, a parser failure, a failed fetch) is skipped with a warning line and appended
    to ``skipped`` as (source, reason); the others are read. ``strict`` stops at the first
    instead. Only when nothing is left does the run stop. ``fetcher`` (a
    :class:`compare.fetch.Fetcher`) fetches; ``since``/``until`` bound a feed's entries."""
    skipped = skipped if skipped is not None else []

    def skip(source: str, exc: Exception) -> None:
        if strict:
            if isinstance(exc, InputError):
                raise exc
            raise InputError(f"{source}: cannot be read ({type(exc).__name__}: {exc}); "
                             "fix or remove the file") from exc
        msg = " ".join(str(exc).split())
        reason = msg[len(source):].lstrip(":").strip() if msg.startswith(source) else msg
        if not isinstance(exc, InputError):
            reason = f"cannot be read ({type(exc).__name__}: {msg}); fix or remove the file"
        warnings.append(f"{source}: skipped: {reason}")
        skipped.append((source, reason))
    from .fetch import FEED_SUFFIXES, is_url

    urls = [str(p) for p in paths if is_url(str(p))]
    feeds = [Path(p) for p in paths if not is_url(str(p)) and Path(p).suffix.lower() in FEED_SUFFIXES
             and Path(p).is_file()]
    local = [p for p in paths if not is_url(str(p)) and Path(p) not in feeds]
    files, entries = discover(local) if local or not (urls or feeds) else ([], {})
    if manifest:
        entries.update(load_manifest(manifest))
    outlets = registry(outlets if outlets is not None else load_outlets())
    rules = rules if rules is not None else load_rules()
    articles: list[Article] = []
    warnings: list[str] = []
    ids: set[str] = set()

    def add(records: list[tuple[str, str, dict]], override: dict, from_page: bool, skip=None,
            max_chars: int = MAX_ARTICLE_CHARS) -> None:
        for source, stem, fields in records:
            body = fields.pop("text")
            page = fields.pop("page", None)
            if not body.strip():
                reason = ("no text found in the page; save it as .txt" if from_page
                          else "empty")
                warnings.append(f"{source}: skipped: {reason}")
                skipped.append((source, reason))
                continue
            if len(body) > max_chars:
                reason = (f"{len(body):,} characters, over the limit of {max_chars:,}; "
                          "split it or raise --max-article-chars")
                if strict:
                    raise InputError(f"{source}: {reason}")
                warnings.append(f"{source}: skipped: {reason}")
                skipped.append((source, reason))
                continue
            aid = _unique_id(re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "article", ids)
            known = {k: v for k, v in fields.items() if v}
            if known.get("outlet") and from_page:
                known["outlet_by"] = "page metadata"
            known |= {k: v for k, v in override.items() if v}
            if override.get("outlet"):
                known["outlet_by"] = "manifest"
            art, warn = parse_article(body, source, aid, known, outlets, rules, page)
            if not known.get("language"):
                from dataclasses import replace

                from .language import detect_language

                own = "\n".join(art.text[s.start:s.end] for s in (*art.headings, *art.body))
                art = replace(art, language=detect_language(own))
            articles.append(art)
            warnings.extend(warn)

    for path in files:
        try:
            if path.suffix.lower() not in ARTICLE_SUFFIXES:
                raise InputError(
                    f"{path}: unsupported file type '{path.suffix}'; pass {', '.join(ARTICLE_SUFFIXES)}"
                )
            size = path.stat().st_size
            # bytes a character may take: 4 in UTF-8; markup carries many bytes per visible character
            if size > (4 if path.suffix.lower() in (".txt", ".text", ".md") else 50) * max_chars:
                raise InputError(f"{path}: {size / 2**20:.1f} MB, over the limit of {max_chars:,} characters; "
                                 "split it or raise --max-article-chars")
            records = _file_records(path, _read_text(path))
            add(records, entries.get(path.resolve(), {}), path.suffix.lower() in (".html", ".htm", ".xhtml"),
                skip, max_chars)
        except Exception as exc:  # one bad file never costs the others their report
            skip(str(path), exc)
    if urls or feeds:
        from .fetch import Fetcher, feed_links

        fetcher = fetcher if fetcher is not None else Fetcher()
        wanted: list[tuple[str, dict]] = [(u, {}) for u in urls]
        for f in feeds:
            try:
                wanted.extend(feed_links(_read_text(f), str(f), since, until))
            except Exception as exc:
                skip(str(f), exc)
        pages = fetcher.get_many([u for u, _ in wanted])
        for (url, hints), page in zip(wanted, pages, strict=True):
            if isinstance(page, Exception):
                skip(url, page)
                continue
            if page.is_feed:  # a feed's entries, each page fetched in turn
                entries_ = feed_links(page.text, url, since, until)
                got = fetcher.get_many([u for u, _ in entries_])
                for (u, h), p in zip(entries_, got, strict=True):
                    if isinstance(p, Exception):
                        skip(u, p)
                    elif p.is_feed:
                        skip(u, InputError(f"{u}: a feed inside a feed, not read; pass it on its own"))
                    else:
                        try:
                            add([_page_record(p, h)], {}, True, skip, max_chars)
                        except Exception as exc:
                            skip(u, exc)
                continue
            try:
                add([_page_record(page, hints)], {}, True, skip, max_chars)
            except Exception as exc:
                skip(url, exc)
    if not articles:
        if skipped:
            raise InputError(f"nothing usable in the input: {len(skipped)} skipped (first: {skipped[0][0]}: "
                             f"{skipped[0][1]})")
        raise InputError("no article text found in the input; check that the files are not empty "
                         "and the addresses answer")
    articles, year_warnings = complete_years(articles)
    return articles, warnings + year_warnings


def _file_records(path: Path, text: str) -> list[tuple[str, str, dict]]:
    """(source, id stem, fields with "text") for each article a file holds."""
    records: list[tuple[str, str, dict]] = []
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}: not JSON ({exc.msg}); one article object a line") from exc
            records.append(_json_record(rec, f"{path}:{n}", f"{path.stem}-{n}"))
    elif suffix == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not JSON ({exc.msg}); give one article object, or a list of them") from exc
        items = doc.get("articles", doc) if isinstance(doc, dict) else doc
        if isinstance(items, dict):
            records.append(_json_record(items, str(path), path.stem))
        elif isinstance(items, list):
            records.extend(_json_record(r, f"{path}:{n}", f"{path.stem}-{n}") for n, r in enumerate(items, 1))
        else:
            raise InputError(f"{path}: give one article object, or a list of them")
    elif suffix in (".html", ".htm", ".xhtml"):
        body, meta = html_to_text(text)
        records.append((str(path), path.stem, meta | {"text": body}))
    else:
        records.append((str(path), path.stem, {"text": text}))
    return records


def _page_record(page, hints: dict) -> tuple[str, str, dict]:
    """A fetched page as a record: the id from the address's last part ("…/tass-talks.html"
    gives tass-talks), the URL the fetch ended at, a feed entry's title and date as hints."""
    from urllib.parse import urlsplit

    parts = urlsplit(page.final_url)
    last = [s for s in parts.path.split("/") if s]
    stem = Path(last[-1]).stem if last else parts.netloc
    if page.content_type == "text/plain":
        meta: dict = {"text": page.text}
    else:
        try:
            body, meta = html_to_text(page.text)
        except InputError as exc:
            raise InputError(f"{page.url}: {exc}") from None
        meta["text"] = body
    meta.setdefault("url", page.final_url)  # the page's own canonical address first
    for k in ("title", "date"):
        if hints.get(k) and not meta.get(k):
            meta[k] = hints[k]
    return page.url, stem, meta


def _json_record(rec, source: str, stem: str) -> tuple[str, str, dict]:
    """One article object of a .json or .jsonl file: "text" (or "html"), and optionally
    "outlet", "title", "date", "url", "author", "language"."""
    if not isinstance(rec, dict) or not (isinstance(rec.get("text"), str) or isinstance(rec.get("html"), str)):
        raise InputError(f"{source}: needs a \"text\" (or \"html\") field holding the article")
    body = rec.get("text") or ""
    meta = {k: rec.get(k) for k in ("outlet", "title", "date", "url", "author", "language")}
    meta = {k: v for k, v in meta.items() if isinstance(v, str) and v.strip()}
    if isinstance(rec.get("html"), str) and rec["html"].strip():
        body, page = html_to_text(rec["html"])
        meta = {**page, **meta}
    return source, stem, meta | {"text": body}


def _unique_id(base: str, taken: set[str]) -> str:
    aid, n = base, 2
    while aid in taken:
        aid, n = f"{base}-{n}", n + 1
    taken.add(aid)
    return aid


# --- one article -----------------------------------------------------------------------


MAX_LINE_CHARS = 10_000  # a longer line (a text with no line breaks) is read in pieces this long at most


def _pieces(text: str, start: int, end: int, size: int = MAX_LINE_CHARS) -> list[tuple[int, int]]:
    """[start, end) of ``text`` cut into pieces of at most ``size`` characters: after the last
    sentence stop in each window, else the last space, else at the size."""
    out = []
    while end - start > size:
        window = text[start:start + size]
        cut = max(window.rfind(". "), window.rfind("! "), window.rfind("? "))
        cut = cut + 1 if cut > size // 4 else window.rfind(" ")
        cut = cut if cut > size // 4 else size
        piece = text[start:start + cut]
        out.append((start, start + len(piece.rstrip())))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        out.append((start, end))
    return out


def _lines(text: str) -> list[_Line]:
    """The non-blank lines of ``text``, stripped, a very long one in bounded pieces."""
    out = []
    for m in re.finditer(r"[^\n]+", text):
        raw = m.group(0)
        stripped = raw.strip()
        if not stripped:
            continue
        start = m.start() + (len(raw) - len(raw.lstrip()))
        for a, b in _pieces(text, start, start + len(stripped)):
            out.append(_Line(a, b, text[a:b]))
    return out


def _month_day(s: str) -> str | None:
    """A dateline date with no year ("May 26") -> --MM-DD, completed later from the other articles."""
    m = re.fullmatch(rf"({MONTHS})\.?\s+(\d{{1,2}})", s.strip(), re.IGNORECASE)
    if not m:
        return None
    month, day = MONTH_NUM[m.group(1)[:3].lower()], int(m.group(m.lastindex))
    if not _valid(2000, month, day):  # a leap year, so 29 February passes here
        return None
    return f"--{month:02d}-{day:02d}"


def complete_years(articles: list[Article]) -> tuple[list[Article], list[str]]:
    """Give yearless dates (--MM-DD) the year that puts them nearest the other articles' dates.

    Wire datelines often say "MOSCOW, May 26"; relative dates in the text ("yesterday") need
    the year. "Dec 31" beside articles of 2 January takes the year before. With no dated
    article to go by, the date is dropped and the user is told.
    """
    from dataclasses import replace

    dated = [date.fromisoformat(a.date) for a in articles if a.date and not a.date.startswith("--")]
    out, warnings = [], []
    for a in articles:
        if a.date and a.date.startswith("--"):
            month, day = int(a.date[2:4]), int(a.date[5:7])
            options = [d for y in sorted({x.year + k for x in dated for k in (-1, 0, 1)})
                       if (d := _valid(y, month, day))]
            if options:
                best = min(options, key=lambda d: (min(abs((date.fromisoformat(d) - x).days) for x in dated), d))
                warnings.append(f"{a.source}: the dateline gives no year; {best[:4]} taken from the other articles")
                a = replace(a, date=best)
            else:
                warnings.append(f"{a.source}: the dateline gives no year and no other article has one; "
                                "date left out (give it in a manifest)")
                a = replace(a, date=None)
        out.append(a)
    return out, warnings


def _valid(year: int, month: int, day: int) -> str | None:
    """YYYY-MM-DD when the date exists (no 30 February), else None."""
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _iso_date(s: str) -> str | None:
    """A full date written in a common English form -> YYYY-MM-DD (None if no such day)."""
    s = s.strip()
    m = re.search(r"(\d{4})-(\d\d)-(\d\d)", s)
    if m:
        return _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.search(rf"\b({MONTHS})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})", s, re.IGNORECASE)
    if m:
        mon, day, year = MONTH_NUM[m.group(1)[:3].lower()], int(m.group(m.lastindex - 1)), m.group(m.lastindex)
        return _valid(int(year), mon, day)
    m = re.search(rf"\b(\d{{1,2}})\s+({MONTHS})\.?,?\s+(\d{{4}})", s, re.IGNORECASE)
    if m:
        day, mon, year = int(m.group(1)), MONTH_NUM[m.group(2)[:3].lower()], m.group(m.lastindex)
        return _valid(int(year), mon, day)
    return None


def _match_rule(line: str, rules: list[Rule]) -> Rule | None:
    words = len(line.split())
    for rule in rules:
        if rule.max_words is not None and words > rule.max_words:
            continue
        if rule.pattern.search(line):
            return rule
    return None


def _outlet_from_url(url: str, outlets: Sequence[Outlet]) -> str | None:
    o = registry(outlets).by_url(url)
    return o.name if o else None


def _outlet_from_tag(tag: str, outlets: Sequence[Outlet]) -> str | None:
    o = registry(outlets).by_tag(tag)
    return o.name if o else None


def parse_article(
    text: str,
    source: str,
    aid: str,
    known: dict,
    outlets: Sequence[Outlet],
    rules: list[Rule],
    page: PageText | None = None,
) -> tuple[Article, list[str]]:
    """Split one article's text into body, headings and excluded spans; detect metadata.
    With ``page`` (an HTML page read by trafilatura), lines outside its main text are
    excluded as page chrome or reader comments before the project's own rules run."""
    outlets = registry(outlets)
    given = known.get("outlet")
    if given and known.get("outlet_by") == "page metadata":  # a site name the registry knows
        o = outlets.by_name(given)
        given = o.name if o else given
    meta = _Meta(
        outlet=given,
        outlet_by=(known.get("outlet_by") or "manifest") if given else "",
        title=known.get("title"),
        date=_iso_date(str(known["date"])) if known.get("date") else None,
        url=known.get("url"),
    )
    excluded: list[Excluded] = []

    def exclude(start: int, end: int, reason: str) -> None:
        excluded.append(Excluded(aid, start, end, text[start:end], reason))

    # 1. line rules, trailing regions (comments, forms, teasers) and repeated lines
    region: str | None = None
    seen: set[str] = set()
    candidates: list[_Line] = []
    date_lines: list[str] = []
    for n, line in enumerate(_lines(text)):
        named = outlets.by_name(line.text) if n == 0 and not line.text.endswith(TERMINAL) else None
        if named is not None:  # "Fox News" over the title: the outlet's masthead
            exclude(line.start, line.end, "masthead")
            if not meta.outlet:
                meta.outlet, meta.outlet_by = named.name, "masthead"
            continue
        off_page = page.reason(line.text) if page is not None else None
        if off_page and not (page.title and PageText.key(line.text) == PageText.key(page.title)):
            exclude(line.start, line.end, off_page)
            continue
        rule = _match_rule(line.text, rules)
        if rule:
            if rule.scope == "region":
                region = rule.reason
            exclude(line.start, line.end, rule.reason)
            continue
        if region:
            exclude(line.start, line.end, region)
            continue
        if not WORDY.search(line.text):
            exclude(line.start, line.end, "no words (punctuation only)")
            continue
        key = re.sub(r"\W+", " ", line.text.lower()).strip()
        if key in seen and len(key.split()) >= 3:
            exclude(line.start, line.end, "repeated headline")
            continue
        seen.add(key)
        if DATE_LINE.match(line.text):
            date_lines.append(line.text)
            exclude(line.start, line.end, "date line")
            continue
        candidates.append(line)

    # a newsletter's name on the line over its pitch ("The Ledger Daily Briefing") is the box too
    pitches = {e.start: e for e in excluded if e.reason == "newsletter box"}
    kept = []
    for line in candidates:
        nxt = text.find("\n", line.end)
        after = nxt + 1 + (len(text[nxt + 1:]) - len(text[nxt + 1:].lstrip(" \t"))) if nxt >= 0 else -1
        if (after in pitches and not line.text.endswith(TERMINAL) and len(line.text.split()) <= 6
                and text[line.end:nxt].strip() == ""):
            exclude(line.start, line.end, "newsletter box")
        else:
            kept.append(line)
    candidates = kept

    # 2. headings (title first) versus body paragraphs; rejoin sentences broken by a blank line
    headings: list[Span] = []
    body: list[Span] = []
    pending: _Line | None = None
    dateline_done = False
    yearless: str | None = None
    for i, line in enumerate(candidates):
        if pending is not None:
            if not text[pending.end:line.start].strip():  # nothing excluded in between
                body.append(Span(pending.start, line.end))
                pending = None
                continue
            body.append(Span(pending.start, pending.end))
            pending = None
        unterminated = not line.text.endswith(TERMINAL)
        words = len(line.text.split())
        first_text = not body and not headings
        if unterminated and (words <= HEADING_MAX_WORDS or (first_text and words <= 40)):
            headings.append(Span(line.start, line.end))
            if meta.title is None and first_text:
                meta.title = line.text
            continue
        start = line.start
        if not dateline_done:
            dateline_done = True
            m = DATELINE.match(line.text)
            if m and len(m.group("place").split()) <= 4:
                exclude(line.start, line.start + m.end(), "dateline")
                start = line.start + m.end()
                tag = m.group("tag") or m.group("tag2")
                if tag and not meta.outlet:
                    found = _outlet_from_tag(tag, outlets)
                    if found:
                        meta.outlet, meta.outlet_by = found, "dateline"
                if m.group("date") and not meta.date:
                    meta.date = _iso_date(m.group("date"))
                    yearless = None if meta.date else _month_day(m.group("date"))
        if unterminated and i + 1 < len(candidates):
            pending = _Line(start, line.end, line.text)
            continue
        body.append(Span(start, line.end))
    if pending is not None:
        body.append(Span(pending.start, pending.end))

    # 3. metadata from the excluded chrome: URLs, source lines, newsletter boxes
    chrome = [e for e in excluded if e.reason not in ("reader comment", "photo caption")]
    for e in chrome:
        for url in URL.findall(e.text):
            meta.url = meta.url or url.rstrip(".,")
            if not meta.outlet:
                found = _outlet_from_url(url, outlets)
                if found:
                    meta.outlet, meta.outlet_by = found, "url"
    if meta.url and not meta.outlet:
        found = _outlet_from_url(meta.url, outlets)
        if found:
            meta.outlet, meta.outlet_by = found, "url"
    if meta.url and not meta.date:
        m = URL_DATE.search(meta.url)
        if m:
            meta.date = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if not meta.date and date_lines:
        meta.date = _iso_date(date_lines[0])
    if not meta.date and yearless:
        meta.date = yearless  # --MM-DD: read_articles completes the year
    if not meta.outlet:
        for o in outlets:
            if any(p.search(e.text) for p in o.marks for e in chrome):
                meta.outlet, meta.outlet_by = o.name, "page chrome"
                break
    warnings = []
    if not meta.outlet:
        meta.outlet, meta.outlet_by = Path(source).stem, "file name"
        warnings.append(
            f"{source}: outlet not recognised, using '{meta.outlet}'; "
            "name it in a manifest or add a signature to outlets.toml"
        )
    # the outlet's own name standing alone is a masthead, not a headline
    name_key = re.sub(r"\W+", "", meta.outlet.lower())
    for h in list(headings):
        if re.sub(r"\W+", "", text[h.start:h.end].lower()) == name_key:
            headings.remove(h)
            exclude(h.start, h.end, "masthead")
            if meta.title == text[h.start:h.end]:
                meta.title = text[headings[0].start:headings[0].end] if headings else None
    excluded.sort(key=lambda e: e.start)
    return (
        Article(
            id=aid,
            source=source,
            outlet=meta.outlet,
            title=meta.title,
            date=meta.date,
            url=meta.url,
            text=text,
            body=tuple(body),
            headings=tuple(headings),
            excluded=tuple(excluded),
            outlet_detected_by=meta.outlet_by,
            author=known.get("author"),
            language=known.get("language") or "en",
        ),
        warnings,
    )


def unaccounted_words(article: Article, spans: Iterable[Span]) -> list[str]:
    """Words of the article covered neither by ``spans`` (claims) nor by an excluded span."""
    covered = bytearray(len(article.text))
    for s in list(spans) + [Span(e.start, e.end) for e in article.excluded]:
        covered[s.start:s.end] = b"\x01" * (s.end - s.start)
    return [
        m.group(0) for m in re.finditer(r"\S+", article.text)
        if not all(covered[m.start():m.end()])
    ]
