"""One article's text -> Article: its own text (body, headings) apart from page chrome, with
metadata detected. Every non-blank line ends up in ``Article.body``/``Article.headings``
(the outlet's own text, later split into claims) or in ``Article.excluded`` with a reason."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import printable
from ..schema import Article, Excluded, Span
from .html import PageText
from .outlets import Outlet, _data_text, registry

TERMINAL = tuple('.!?"”’\')…:;。！？」』।؟۔։')
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
INDENT = re.compile(r"[ \t]*")
WORDY = re.compile(r"[^\W_]")  # a letter or digit, in any script


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern
    reason: str
    scope: str
    max_words: int | None = None  # a longer line is article prose, whatever it contains


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


def load_rules(path: str | Path | None = None) -> list[Rule]:
    """Boilerplate rules from the packaged data file, or from ``path``."""
    raw = Path(path).read_text(encoding="utf-8") if path else _data_text("boilerplate.toml")
    rules = []
    for r in tomllib.loads(raw).get("rule", []):
        flags = re.IGNORECASE if r.get("ignore_case", True) else 0
        rules.append(Rule(re.compile(r["pattern"], flags), r["reason"], r.get("scope", "line"),
                          r.get("max_words")))
    return rules


MAX_LINE_CHARS = 10_000  # a longer line (a text with no line breaks) is read in pieces this long at most


def _pieces(text: str, start: int, end: int, size: int = MAX_LINE_CHARS) -> list[tuple[int, int]]:
    """[start, end) of ``text`` cut into pieces of at most ``size`` characters: after the last
    sentence stop in each window, else the last space, else at the size."""
    out = []
    while end - start > size:
        window = text[start:start + size]
        cut = max(window.rfind(". "), window.rfind("! "), window.rfind("? "), window.rfind("。"),
                  window.rfind("！"), window.rfind("？"))
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


# a yearless dateline takes the year of the other articles only when that puts it this close to
# one of them (one news cycle); farther off, the other articles say nothing about its year
YEAR_WINDOW_DAYS = 14


def complete_years(articles: list[Article]) -> tuple[list[Article], list[str]]:
    """Give yearless dates (--MM-DD) the year that puts them nearest the other articles' dates,
    when that lands within YEAR_WINDOW_DAYS of one of them; the year is then marked guessed
    (``Article.date_guessed``).

    Wire datelines often say "MOSCOW, May 26"; relative dates in the text ("yesterday") need
    the year. "Dec 31" beside articles of 2 January takes the year before. A dateline weeks
    away from every other article keeps no date (the user is told): a wrong year would misplace
    every relative date in it.
    """
    from dataclasses import replace

    dated = [date.fromisoformat(a.date) for a in articles if a.date and not a.date.startswith("--")]
    out, warnings = [], []
    for a in articles:
        if a.date and a.date.startswith("--"):
            month, day = int(a.date[2:4]), int(a.date[5:7])
            options = [d for y in sorted({x.year + k for x in dated for k in (-1, 0, 1)})
                       if (d := _valid(y, month, day))]
            gap = {d: min(abs((date.fromisoformat(d) - x).days) for x in dated) for d in options}
            best = min(options, key=lambda d: (gap[d], d)) if options else None
            said = f"{printable(a.source)}: the dateline gives no year"
            if best and gap[best] <= YEAR_WINDOW_DAYS:
                why = f"the dateline gives no year; {best[:4]} taken from the other articles"
                warnings.append(f"{said}; {best[:4]} taken from the other articles")
                a = replace(a, date=best, date_guessed=why)
            elif best:
                why = f"no other article is dated within {YEAR_WINDOW_DAYS} days of it"
                warnings.append(f"{said} and {why}; date left out (give it in a manifest)")
                a = replace(a, date=None, date_guessed=f"the dateline gives {_day_month(month, day)} without a year "
                                                       f"and {why}; no date used")
            else:
                warnings.append(f"{said} and no other article has one; date left out (give it in a manifest)")
                a = replace(a, date=None, date_guessed=f"the dateline gives {_day_month(month, day)} without a year; "
                                                       "no date used")
        out.append(a)
    return out, warnings


def _day_month(month: int, day: int) -> str:
    return f"{date(2000, month, day):%B} {day}"


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


# the longest metadata kept: a longer name, title or author is cut, a longer URL or date left out
# (cut, it would be a wrong one); a megabyte outlet name is copied into every claim of a report
LIMITS = {"outlet": 200, "title": 500, "author": 200, "url": 2_000, "date": 64}
_CUT = ("outlet", "title", "author")
_UNSEEN = {"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"}  # controls, format marks, spaces, lone accents
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800")  # fillers and the Braille blank: letters that show nothing
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_SURROGATES = re.compile("[\ud800-\udfff]")


def no_surrogates(text: str) -> str:
    """Lone surrogates (JSON's "\\ud800", a codec's leftovers) as U+FFFD: no UTF-8 writer takes them."""
    return _SURROGATES.sub("\ufffd", text)


def visible(text: str) -> bool:
    """Whether any character of ``text`` shows: one of zero-width spaces, joiners, BOMs and
    other marks alone is no name."""
    return any(ch not in _BLANKS and unicodedata.category(ch) not in _UNSEEN for ch in text)


def clean_metadata(fields: dict, cut: dict[str, tuple[int, int]]) -> dict:
    """``fields`` with outlet, title, author, URL and date made one line of visible text at
    most ``LIMITS`` long (or None); what was cut or left out goes to ``cut`` as
    {field: (its length, the limit)}."""
    out = dict(fields)
    for key, limit in LIMITS.items():
        value = out.get(key)
        if value is None:
            continue
        value = no_surrogates(_CONTROLS.sub(" ", str(value))).strip()
        if not visible(value):
            value = None
        elif len(value) > limit:
            cut[key] = (len(value), limit)
            value = value[:limit].rstrip() if key in _CUT else None
        out[key] = value
    return out


def _cut_warning(source: str, cut: dict[str, tuple[int, int]]) -> str:
    """One line naming every field of one article that was cut or left out."""
    said = []
    for key in (k for k in LIMITS if k in cut):
        n, limit = cut[key]
        size = f"{n:,} characters" if not said else f"{n:,}"
        said.append(f"{key} ({size}) cut to {limit:,}" if key in _CUT else f"{key} ({size}) over {limit:,} left out")
    return f"{printable(source)}: metadata too long: {', '.join(said)}"


def _match_rule(line: str, rules: list[Rule]) -> Rule | None:
    words = len(line.split())
    for rule in rules:
        if rule.max_words is not None and words > rule.max_words:
            continue
        if rule.pattern.search(line):
            return rule
    return None


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
    excluded as page chrome or reader comments before the project's own rules run. Metadata,
    given or found, is kept to ``LIMITS`` (one warning names what was cut)."""
    outlets = registry(outlets)
    cut: dict[str, tuple[int, int]] = {}
    known = clean_metadata(known, cut)
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
        if off_page:
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
        after = INDENT.match(text, nxt + 1).end() if nxt >= 0 else -1
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
                    found = getattr(outlets.by_tag(tag), "name", None)
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
                found = getattr(outlets.by_url(url), "name", None)
                if found:
                    meta.outlet, meta.outlet_by = found, "url"
    meta.url = clean_metadata({"url": meta.url}, cut)["url"]  # a URL found in the chrome
    if meta.url and not meta.outlet:
        found = getattr(outlets.by_url(meta.url), "name", None)
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
        host = (urlsplit(source).hostname or "") if source.lower().startswith(("http://", "https://")) else ""
        name = printable(Path(source).stem)[:LIMITS["outlet"]]
        meta.outlet, meta.outlet_by = (re.sub(r"^www\.", "", host), "address") if host else (
            name if visible(name) else aid, "file name")
        warnings.append(
            f"{printable(source)}: outlet not recognised, using '{printable(meta.outlet)}'; "
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
    meta.title = clean_metadata({"title": meta.title}, cut)["title"]  # a first line may be long
    if cut:
        warnings.insert(0, _cut_warning(source, cut))
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
