"""Date expressions -> calendar values an editor can check.

spaCy finds the expressions (DATE entities); dateparser parses the written forms; this module
decides what a relative or yearless expression means for the article it stands in:

- a weekday ("on Friday") is the latest such day on or before the article's date when the
  sentence tells the past, the next one on or after it when it tells the future, and the
  nearer of the two for the present tense (headlines);
- "yesterday", "the day before", "last month", "three days ago" count from the article's date;
- a day and month without a year ("November 9") take the year the same text writes with that
  day elsewhere, else the year that puts them on the right side of the article's date, else
  none ('--MM-DD');
- lengths of time ("44 days", "three decades") and vague spans ("recent years") are not dates.

Every value keeps the words it came from and a ``basis`` saying how it was reached; a value
whose year rests on a guessed article date is marked ``guessed``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .schema import DateMention

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
MONTH_RE = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)(?:[a-z]*)\.?(?![\w])",
                      re.IGNORECASE)
YEAR_RE = re.compile(r"(?<![\d,.])(1[6-9]\d\d|20\d\d)(?![\d])")
DECADE_RE = re.compile(r"\b(1[6-9]\d|20\d)0s\b")
DAY_RE = re.compile(r"(?<![\d])([0-3]?\d)(?:st|nd|rd|th)?(?![\d])")
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DAY_MONTH_RE = re.compile(rf"\b(?:{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
                          rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}(?:,?\s+\d{{4}})?)\b", re.IGNORECASE)
STEP_MONTH_RE = re.compile(r"\b(next|last|this|coming|previous)\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
                           re.IGNORECASE)
WEEKDAY_RE = re.compile(r"\b(?:(last|next|this|past|coming)\s+)?(" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
AGO_RE = re.compile(r"(?<![\d.,])\b(\d+|" + "|".join(NUMBER_WORDS) + r")\s+(day|week|month|year)s?\s+ago\b",
                    re.IGNORECASE)
REL_SPAN_RE = re.compile(r"\b(last|next|this|past|coming|previous)\s+(week|month|year)\b", re.IGNORECASE)
# a length or an open span of time, not a point: "44 days", "three decades", "recent years"
LENGTH_RE = re.compile(
    r"^(?:the\s+|a\s+|an\s+|some\s+|about\s+|nearly\s+|almost\s+|more than\s+|over\s+|at least\s+|up to\s+|"
    r"the past\s+|the last\s+|the next\s+|the first\s+|the previous\s+|another\s+)*"
    r"(?:\d[\d,.]*|" + "|".join(NUMBER_WORDS) + r"|several|many|few|a few|recent|coming|[a-z]+-(?:day|week|month|year))"
    r"[\s-]+(?:days?|weeks?|months?|years?|decades?|centuries|century|hours?)(?:\s+(?:long|old|later))?$",
    re.IGNORECASE)
# "over the past year", "in the last month": a span back from the article's day, not a date
TRAILING_RE = re.compile(r"\b(?:the|over the|in the|during the|for the)\s+(?:past|last|previous)\s+"
                         r"(?:week|month|year)\b", re.IGNORECASE)
FUTURE_AUX = frozenset({"will", "'ll", "shall", "wo", "ll"})
MODALS = frozenset({"would", "could", "might", "may", "should", "must", "can"})
# time-of-day entities that still name a day ("Sunday night", "3:30 p.m. Saturday")
DAY_IN_TIME = re.compile(r"\b(" + "|".join(WEEKDAYS) + r"|yesterday|today|tonight|tomorrow)\b", re.IGNORECASE)
FUTURE_LEMMAS = frozenset({"schedule", "plan", "expect", "due", "set", "intend", "hope", "aim", "slate"})


@dataclass(frozen=True)
class Found:
    """A date expression as spaCy found it, with the tense of the clause it dates."""

    text: str
    start: int
    end: int
    tense: str  # past | present | future


def tense_of(ent) -> str:
    """Past, present or future for the clause a spaCy DATE entity dates."""
    low = ent.text.lower()
    if re.search(r"\b(next|coming|tomorrow|upcoming)\b", low):
        return "future"
    if re.search(r"\b(last|yesterday|ago|previous|past)\b", low):
        return "past"
    tok = ent.root
    for step in range(6):  # up to the verb that governs the date
        if tok.pos_ in ("VERB", "AUX") or tok.head is tok:
            break
        head = tok.head
        if step <= 1 and head.pos_ in ("NOUN", "PROPN") and head.i not in range(ent.start, ent.end) \
                and tok.dep_ in ("npadvmod", "compound", "pobj", "nmod", "amod", "poss") \
                and (tok.dep_ != "pobj" or head.pos_ == "NOUN"):
            return "present"  # the date of a thing ("talks on March 11", "the Jan. 3 caucuses")
        if tok.dep_ == "pobj" and head.dep_ == "prep" and head.head.pos_ == "NOUN":
            return "present"
        tok = head
    chain = [tok]
    if tok.dep_ in ("xcomp", "ccomp", "advcl", "conj") and tok.head is not tok:
        chain.append(tok.head)
    for verb in chain:
        kids = list(verb.children)
        if any(k.dep_ in ("aux", "auxpass") and k.lower_ in FUTURE_AUX for k in kids):
            return "future"
        if any(k.dep_ in ("aux", "auxpass") and k.lower_ in MODALS for k in kids):
            return "present"  # "would be held", "could meet": either side of the article's day
        if verb.lemma_.lower() in FUTURE_LEMMAS and verb.tag_ in ("VBN", "VBZ", "VBP", "JJ"):
            return "future"
        if any(k.lower_ == "to" and k.dep_ == "aux" for k in kids) and verb.head.lemma_.lower() in (
                FUTURE_LEMMAS | {"be", "agree", "want", "promise", "go"}):
            return "future"  # "is to be sentenced", "plans to meet"
        if verb.tag_ == "VBN" and any(k.dep_ == "aux" and k.lower_ in ("have", "has", "'ve") for k in kids):
            # the present perfect takes no definite past time ("have agreed to talks on March
            # 11"): the date belongs to something else, on either side of the article's day
            return "present"
        if verb.tag_ in ("VBD", "VBN") or any(k.tag_ in ("VBD",) for k in kids if k.dep_.startswith("aux")):
            return "past"
        if verb.tag_ in ("VBZ", "VBP", "VBG"):
            return "present"
    return "past"


def found_in(sent) -> list[Found]:
    """The DATE entities of a spaCy span (and TIME ones naming a day), offsets relative to its doc."""
    return [Found(e.text, e.start_char, e.end_char, tense_of(e)) for e in sent.ents
            if e.label_ == "DATE" or (e.label_ == "TIME" and DAY_IN_TIME.search(e.text))]


def _weekday_near(base: dt.date, weekday: int, how: str) -> dt.date:
    back = (base.weekday() - weekday) % 7
    ahead = (weekday - base.weekday()) % 7
    if how == "last":  # "last Friday": that day of the week before the article's week
        return base - dt.timedelta(days=base.weekday() + 7 - weekday)
    if how == "next":
        return base + dt.timedelta(days=ahead or 7)
    if how == "future":
        return base + dt.timedelta(days=ahead)
    if how == "present":
        return base - dt.timedelta(days=back) if back <= ahead else base + dt.timedelta(days=ahead)
    return base - dt.timedelta(days=back)


def _month_of_week(monday: dt.date) -> str | None:
    sunday = monday + dt.timedelta(days=6)
    if (monday.year, monday.month) != (sunday.year, sunday.month):
        return None  # a week across two months has no month of its own
    return f"{monday.year:04d}-{monday.month:02d}"


def _shift_month(d: dt.date, months: int) -> tuple[int, int]:
    k = d.year * 12 + d.month - 1 + months
    return k // 12, k % 12 + 1


@lru_cache(maxsize=65536)  # a feed repeats its dates; each parse costs dateparser ~0.7 ms
def _parse(text: str, tense: str, base: dt.date | None):
    """dateparser's reading of a written date: (datetime, period) or (None, None)."""
    from dateparser.date import DateDataParser

    settings = {"PREFER_DATES_FROM": "future" if tense == "future" else "past",
                "RETURN_AS_TIMEZONE_AWARE": False, "PREFER_DAY_OF_MONTH": "first"}
    if base is not None:
        settings["RELATIVE_BASE"] = dt.datetime(base.year, base.month, base.day)
    try:
        data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    except Exception:  # dateparser trips on odd input: the expression stays unresolved  # noqa: BLE001
        return None, None
    return data.date_obj, data.period


def _clean(text: str) -> str:
    t = " ".join(text.replace("\u2019", "'").split())
    t = re.sub(r"^(?:on|in|of|by|since|from|until|till|through|during|at|for|as of|before|after|early|mid|late|"
               r"the end of|the start of|the beginning of|the middle of)\s+", "", t, flags=re.IGNORECASE)
    return re.sub(r"^(?:on|in|the)\s+", "", t, flags=re.IGNORECASE)


VALUE_RE = re.compile(r"(\d{4}(-\d\d(-\d\d)?)?|--\d\d-\d\d|\d{3}x)")


def resolve_one(found: Found, base: dt.date | None, base_guessed: bool = False,
                written: dict[tuple[int, int], int] | None = None, context_year: int | None = None) -> DateMention:
    """One expression -> its DateMention (see the module docstring for the rules);
    ``context_year`` is the last year written before it ("July 22 that year"). A value out of
    the calendar's range ("1000000 days ago", "tomorrow" on 31 December 9999) is no date."""
    try:
        m = _resolve_one(found, base, base_guessed, written, context_year)
    except (OverflowError, ValueError):
        m = None
    if m is None or (m.value is not None and not VALUE_RE.fullmatch(m.value)):
        return DateMention(found.text, found.start, found.end, None, "out of the calendar's range")
    return m


def _resolve_one(found: Found, base: dt.date | None, base_guessed: bool,
                 written: dict[tuple[int, int], int] | None, context_year: int | None) -> DateMention:
    written = written or {}
    raw = found.text
    low = " ".join(raw.lower().replace("\u2019", "'").split())
    on_base = f"the article's date, {base.isoformat()}" if base else ""
    guess = base_guessed

    def out(value: str | None, basis: str, guessed: bool = False) -> DateMention:
        return DateMention(raw, found.start, found.end, value, basis, guessed)

    decade = DECADE_RE.search(low)
    if decade:
        return out(decade.group(1) + "x", "a decade")
    if (LENGTH_RE.match(low) or TRAILING_RE.search(low)) and not YEAR_RE.search(low):
        return out(None, "a length of time, not a date")
    if len(YEAR_RE.findall(low)) >= 2 and not MONTH_RE.search(low):
        return out(None, "a span of years, not one date")
    ago = AGO_RE.search(low)
    if ago and re.search(r"\b(more than|over|about|nearly|almost|some|around|roughly|at least)\s+" + re.escape(
            ago.group(0).lower()), low):
        return out(None, "an approximate span back from the article's date")
    if ago:
        if base is None:
            return out(None, "counts back from an article date the article does not give")
        n = int(ago.group(1)) if ago.group(1).isdigit() else NUMBER_WORDS[ago.group(1).lower()]
        unit = ago.group(2).lower()
        if unit == "day":
            return out((base - dt.timedelta(days=n)).isoformat(), f"{n} days before {on_base}", guess)
        if unit == "week":
            return out(_month_of_week(base - dt.timedelta(days=7 * n + base.weekday())),
                       f"{n} weeks before {on_base}", guess)
        if unit == "month":
            y, m = _shift_month(base, -n)
            return out(f"{y:04d}-{m:02d}", f"{n} months before {on_base}", guess)
        return out(f"{base.year - n:04d}", f"{n} years before {on_base}", guess)
    rel_day = {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0,
               "earlier today": 0, "later today": 0, "yesterday": -1, "tomorrow": 1,
               "the day before yesterday": -2, "the day before": -1, "the previous day": -1,
               "a day earlier": -1, "the day after tomorrow": 2}
    for words, shift in sorted(rel_day.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{words}\b", low):
            if base is None:
                return out(None, f"'{words}' counts from an article date the article does not give")
            when = "the same day as" if shift == 0 else f"{abs(shift)} day{'s' if abs(shift) > 1 else ''} " \
                f"{'before' if shift < 0 else 'after'}"
            return out((base + dt.timedelta(days=shift)).isoformat(), f"{when} {on_base}", guess)
    wd = WEEKDAY_RE.search(low)
    has_month = bool(MONTH_RE.search(low))
    year = YEAR_RE.search(low)
    if wd and not has_month and not year:
        if base is None:
            return out(None, "a weekday, and the article gives no date to count from")
        mod = (wd.group(1) or "").lower()
        # "this past Friday" is the latest Friday; only "last Friday" reaches into the week before
        how = {"last": "last", "past": "past", "next": "next", "coming": "future"}.get(mod, found.tense)
        if mod == "this":
            how = "future" if found.tense == "future" else found.tense
        if re.search(r"\bnext week\b", low) or re.search(r"\blast week\b", low):
            return out(None, "a day of another week, not placed")
        day = _weekday_near(base, WEEKDAYS.index(wd.group(2).lower()), how)
        side = {"last": "that day of the week before the week of", "next": "the next such day after",
                "future": "the next such day on or after", "present": "the such day nearest",
                "past": "the latest such day on or before"}[how]
        return out(day.isoformat(), f"{side} {on_base} ({found.tense} tense)", guess)
    span = REL_SPAN_RE.search(low)
    if span and not has_month and not year:
        if base is None:
            return out(None, "counts from an article date the article does not give")
        which, unit = span.group(1).lower(), span.group(2).lower()
        step = {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1, "this": 0}[which]
        if unit == "week":
            monday = base - dt.timedelta(days=base.weekday()) + dt.timedelta(days=7 * step)
            return out(_month_of_week(monday), f"the week of {monday.isoformat()}, counted from {on_base}", guess)
        if unit == "month":
            y, m = _shift_month(base, step)
            return out(f"{y:04d}-{m:02d}", f"counted from {on_base}", guess)
        return out(f"{base.year + step:04d}", f"counted from {on_base}", guess)
    if not has_month and not year:
        return out(None, "too vague to place")
    text = _clean(raw)
    if year and not has_month:
        return out(year.group(1), "as written")
    that_year = re.search(r"\b(that|the same) year\b", low)
    if that_year and context_year is not None and has_month:
        parsed, period = _parse(_clean(raw[:that_year.start()]), found.tense, base)
        if parsed is not None:
            day = f"-{parsed.day:02d}" if period == "day" else ""
            return out(f"{context_year:04d}-{parsed.month:02d}{day}", f"'that year': the year written before it, "
                       f"{context_year}")
    step_month = STEP_MONTH_RE.search(low) if has_month and not year else None
    if step_month:
        text = re.sub(r"\b(next|last|this|coming|previous)\s+", "", text, flags=re.IGNORECASE)
    parsed, period = _parse(text, found.tense, base)
    if parsed is None:  # "February 28, ending years": read the day and month alone
        m = DAY_MONTH_RE.search(text)
        if m:
            parsed, period = _parse(m.group(0), found.tense, base)
            low = m.group(0).lower()
    day_words = MONTH_RE.sub(" ", YEAR_RE.sub(" ", low))
    has_day = bool(DAY_RE.search(day_words))
    if year:
        y = int(year.group(1))
        if parsed is None:
            return out(f"{y:04d}", "as written (only the year could be read)")
        if has_day and period == "day":
            return out(f"{y:04d}-{parsed.month:02d}-{parsed.day:02d}", "as written")
        return out(f"{y:04d}-{parsed.month:02d}", "as written")
    if parsed is None:
        return out(None, "could not be read as a date")
    month, mday = parsed.month, parsed.day
    if has_day and period == "day":
        if (month, mday) in written:
            y = written[(month, mday)]
            return out(f"{y:04d}-{month:02d}-{mday:02d}", "the year the article writes with this day elsewhere")
        if base is None:
            return out(f"--{month:02d}-{mday:02d}", "no year written, and the article gives no date")
        y = _year_for(month, mday, base, found.tense)
        if y is None:
            return out(f"--{month:02d}-{mday:02d}", "no such day in the years near the article's date")
        side = {"future": "the next such day on or after", "present": "the such day nearest"}.get(
            found.tense, "the latest such day on or before")
        return out(f"{y:04d}-{month:02d}-{mday:02d}", f"{side} {on_base} ({found.tense} tense)", guess)
    # a month alone
    if base is None:
        return out(None, "a month without a year, and the article gives no date")
    which = step_month.group(1).lower() if step_month else ""
    if which in ("next", "coming"):
        y = base.year if month > base.month else base.year + 1
        side = "the next such month after"
    elif which in ("last", "previous"):
        y = base.year if month < base.month else base.year - 1
        side = "the last such month before"
    elif which == "this":
        y, side = base.year, "that month in the year of"
    elif found.tense == "future":
        y = base.year if month >= base.month else base.year + 1
        side = "the next such month from"
    elif found.tense == "present":
        y = min((base.year - 1, base.year, base.year + 1),
                key=lambda yr: (abs((yr * 12 + month) - (base.year * 12 + base.month)), yr > base.year))
        side = "the such month nearest"
    else:
        y = base.year if month <= base.month else base.year - 1
        side = "the latest such month up to"
    return out(f"{y:04d}-{month:02d}", f"{side} {on_base}", guess)


def _year_for(month: int, day: int, base: dt.date, tense: str) -> int | None:
    """The year that puts a day and month on the right side of ``base`` for the tense."""
    def day_in(y: int) -> dt.date | None:
        try:
            return dt.date(y, month, day)
        except ValueError:
            return None
    return _year_on_side([(y, d) for y in (base.year - 1, base.year, base.year + 1) if (d := day_in(y))], base, tense)


def _year_on_side(options: list[tuple[int, dt.date]], base: dt.date, tense: str) -> int | None:
    if tense == "future":
        later = [(y, d) for y, d in options if d >= base]
        return min(later, key=lambda yd: yd[1])[0] if later else None
    if tense == "present":
        return min(options, key=lambda yd: (abs((yd[1] - base).days), yd[1] > base))[0] if options else None
    earlier = [(y, d) for y, d in options if d <= base]
    return max(earlier, key=lambda yd: yd[1])[0] if earlier else None


def written_days(found: Sequence[Found]) -> dict[tuple[int, int], int]:
    """(month, day) -> year for every full date the article writes out ("November 9, 2020")."""
    out: dict[tuple[int, int], int] = {}
    for f in found:
        low = f.text.lower()
        year = YEAR_RE.search(low)
        if not (year and MONTH_RE.search(low)):
            continue
        parsed, period = _parse(_clean(f.text), "past", None)
        if parsed is not None and period == "day" and DAY_RE.search(MONTH_RE.sub(" ", YEAR_RE.sub(" ", low))):
            out.setdefault((parsed.month, parsed.day), int(year.group(1)))
    return out


def resolve(found: Sequence[Found], published: str | None, base_guessed: bool = False) -> list[DateMention]:
    """Every expression of one article, resolved against its date (ISO 'YYYY-MM-DD' or None)."""
    base = dt.date.fromisoformat(published) if published and not published.startswith("--") else None
    written = written_days(found)
    out, last_year = [], None
    for f in found:
        out.append(resolve_one(f, base, base_guessed, written, last_year))
        year = YEAR_RE.search(f.text)
        if year:
            last_year = int(year.group(1))
    return out


def article_dates(text: str, published: str | None, nlp=None) -> list[DateMention]:
    """Resolve every date expression of a whole text (for benchmarks and one-off use)."""
    if nlp is None:
        from .claims import DEFAULT_SPACY_MODEL, load_spacy

        nlp = load_spacy(DEFAULT_SPACY_MODEL)
    found: list[Found] = []
    for para in re.finditer(r"[^\n]+", text):
        doc = nlp(para.group(0))
        found.extend(Found(f.text, f.start + para.start(), f.end + para.start(), f.tense) for f in found_in(doc))
    return resolve(found, published)
