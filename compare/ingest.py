"""Files -> Article: metadata detection and separation of the outlet's own text.

Every non-blank line of an input ends up either in ``Article.body``/``Article.headings``
(the outlet's own text, later split into claims) or in ``Article.excluded`` with a reason.
"""

from __future__ import annotations

import csv
import json
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from .errors import InputError
from .schema import Article, Excluded, Span

ARTICLE_SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".jsonl")
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


def load_outlets(extra: str | Path | None = None) -> list[Outlet]:
    """Outlet signatures: the packaged file, then a user file whose entries come first."""
    tables = tomllib.loads(_data_text("outlets.toml")).get("outlet", [])
    if extra:
        try:
            user = tomllib.loads(Path(extra).read_text(encoding="utf-8")).get("outlet", [])
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"{extra}: cannot read outlet signatures ({exc}); fix the TOML") from exc
        tables = user + tables
    return [
        Outlet(
            t["name"],
            tuple(d.lower() for d in t.get("domains", [])),
            tuple(t.get("datelines", [])),
            tuple(re.compile(m, re.IGNORECASE) for m in t.get("marks", [])),
        )
        for t in tables
    ]


# --- files and manifests -------------------------------------------------------------


def discover(paths: Sequence[str | Path]) -> tuple[list[Path], dict[Path, dict]]:
    """Expand files and folders into article files, and collect manifest entries."""
    files: list[Path] = []
    manifest: dict[Path, dict] = {}
    read: set[Path] = set()
    if not paths:
        raise InputError("no input given; pass article files or a folder of them")
    for p in map(Path, paths):
        if not p.exists():
            raise InputError(f"{p}: no such file or folder; check the path")
        if p.is_dir():
            found = sorted(
                f for f in p.iterdir()
                if f.is_file() and f.suffix.lower() in ARTICLE_SUFFIXES and not f.name.startswith(".")
            )
            for name in MANIFEST_NAMES:
                if (p / name).is_file():
                    manifest.update(load_manifest(p / name))
            if not found:
                raise InputError(
                    f"{p}: no article files ({', '.join(ARTICLE_SUFFIXES)}) found; "
                    "add articles or pass the files themselves"
                )
            files.extend(found)
        else:
            files.append(p)
            # a manifest beside a file passed alone describes it too
            folder = p.parent.resolve()
            for name in MANIFEST_NAMES:
                if (folder / name).is_file() and folder not in read:
                    manifest.update(load_manifest(folder / name))
            read.add(folder)
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


def html_to_text(html: str) -> tuple[str, dict]:
    """Visible text of an HTML page, one block element a line, plus page metadata."""
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(html)
    except Exception as exc:  # lxml raises several types for broken markup
        raise InputError(f"cannot parse HTML ({exc}); save the page as .txt instead") from exc
    meta = {}
    for key, xpath in {
        "outlet": "//meta[@property='og:site_name']/@content",
        "url": "//link[@rel='canonical']/@href|//meta[@property='og:url']/@content",
        "date": "//meta[@property='article:published_time']/@content",
        "title": "//meta[@property='og:title']/@content|//title/text()",
    }.items():
        found = doc.xpath(xpath)
        if found and str(found[0]).strip():
            meta[key] = str(found[0]).strip()
    for bad in doc.xpath("//script|//style|//noscript|//template|//head"):
        bad.drop_tree()
    blocks = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "section",
              "article", "header", "footer", "aside", "nav", "figcaption", "blockquote", "ul",
              "ol", "figure", "time", "title"}
    for el in doc.iter():
        if isinstance(el.tag, str) and el.tag.lower() in blocks:
            el.tail = "\n" + (el.tail or "")
            if el.tag.lower() != "br":
                el.text = "\n" + (el.text or "")
    text = doc.text_content()
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
    return "\n".join(out).strip() + "\n", meta


def read_articles(
    paths: Sequence[str | Path],
    manifest: str | Path | None = None,
    outlets: list[Outlet] | None = None,
    rules: list[Rule] | None = None,
) -> tuple[list[Article], list[str]]:
    """Read every article under ``paths``; return them with warnings for the user."""
    files, entries = discover(paths)
    if manifest:
        entries.update(load_manifest(manifest))
    outlets = outlets if outlets is not None else load_outlets()
    rules = rules if rules is not None else load_rules()
    articles: list[Article] = []
    warnings: list[str] = []
    ids: set[str] = set()
    for path in files:
        if path.suffix.lower() not in ARTICLE_SUFFIXES:
            raise InputError(
                f"{path}: unsupported file type '{path.suffix}'; pass {', '.join(ARTICLE_SUFFIXES)}"
            )
        text = _read_text(path)
        records: list[tuple[str, str, dict]] = []
        if path.suffix.lower() == ".jsonl":
            for n, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{n}: not JSON ({exc.msg}); one article object a line") from exc
                if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                    raise InputError(f"{path}:{n}: needs a \"text\" field holding the article")
                body = rec["text"]
                meta = {k: rec.get(k) for k in ("outlet", "title", "date", "url")}
                if rec.get("html"):
                    body, page = html_to_text(rec["html"])
                    meta = {**page, **{k: v for k, v in meta.items() if v}}
                records.append((f"{path}:{n}", f"{path.stem}-{n}", meta | {"text": body}))
        elif path.suffix.lower() in (".html", ".htm"):
            body, meta = html_to_text(text)
            records.append((str(path), path.stem, meta | {"text": body}))
        else:
            records.append((str(path), path.stem, {"text": text}))
        override = entries.get(path.resolve(), {})
        for source, stem, fields in records:
            body = fields.pop("text")
            if not body.strip():
                warnings.append(f"{source}: empty, skipped")
                continue
            aid = _unique_id(re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "article", ids)
            known = {k: v for k, v in fields.items() if v} | {k: v for k, v in override.items() if v}
            art, warn = parse_article(body, source, aid, known, outlets, rules)
            articles.append(art)
            warnings.extend(warn)
    if not articles:
        raise InputError("no article text found in the input; check that the files are not empty")
    articles, year_warnings = complete_years(articles)
    return articles, warnings + year_warnings


def _unique_id(base: str, taken: set[str]) -> str:
    aid, n = base, 2
    while aid in taken:
        aid, n = f"{base}-{n}", n + 1
    taken.add(aid)
    return aid


# --- one article -----------------------------------------------------------------------


def _lines(text: str) -> list[_Line]:
    out = []
    for m in re.finditer(r"[^\n]+", text):
        raw = m.group(0)
        stripped = raw.strip()
        if not stripped:
            continue
        start = m.start() + (len(raw) - len(raw.lstrip()))
        out.append(_Line(start, start + len(stripped), stripped))
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


def _outlet_from_url(url: str, outlets: list[Outlet]) -> str | None:
    host = re.sub(r"^https?://(www\.)?", "", url.lower()).split("/")[0]
    for o in outlets:
        if any(host == d or host.endswith("." + d) for d in o.domains):
            return o.name
    return None


def _outlet_from_tag(tag: str, outlets: list[Outlet]) -> str | None:
    norm = tag.strip(" ./()").lower()
    for o in outlets:
        if any(norm == d.lower() for d in o.datelines):
            return o.name
    return None


def parse_article(
    text: str,
    source: str,
    aid: str,
    known: dict,
    outlets: list[Outlet],
    rules: list[Rule],
) -> tuple[Article, list[str]]:
    """Split one article's text into body, headings and excluded spans; detect metadata."""
    meta = _Meta(
        outlet=known.get("outlet"),
        outlet_by="manifest" if known.get("outlet") else "",
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
    for line in _lines(text):
        rule = _match_rule(line.text, rules)
        if rule:
            if rule.scope == "region":
                region = rule.reason
            exclude(line.start, line.end, rule.reason)
            continue
        if region:
            exclude(line.start, line.end, region)
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
        if unterminated and (words <= HEADING_MAX_WORDS or first_text):
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
