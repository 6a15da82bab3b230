"""Inputs -> articles: files and folders (at every level, with their manifests), pages and
feeds; what cannot be read is skipped with its reason."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import stat
import tomllib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from ..errors import InputError, printable
from ..language import detect_language, normalize_language
from ..schema import Article
from .article import Rule, complete_years, load_rules, no_surrogates, parse_article, visible
from .html import html_to_text
from .outlets import Outlet, load_outlets, registry

ARTICLE_SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".xhtml", ".jsonl", ".json")
MANIFEST_NAMES = ("manifest.toml", "manifest.csv")
MAX_ARTICLE_CHARS = 2_000_000  # an article longer than this is skipped (--max-article-chars)


MAX_MANIFEST_BYTES = 64 * 2**20  # a manifest larger than this is no manifest
_KINDS = {stat.S_IFIFO: "a named pipe", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}
_FOLLOW = "pass --follow-links to read it"


def shown(path: str | os.PathLike) -> str:
    """A path as messages and reports give it (``Article.source``): control characters and bytes
    that are no UTF-8 escaped, so it prints, encodes and is written anywhere."""
    return printable(os.fspath(path))


def _real(path: str | os.PathLike) -> Path:
    """The path with every link resolved; a link that loops stays as it is (no error)."""
    return Path(os.path.realpath(path))


def _inside(real: Path, roots: Sequence[Path]) -> bool:
    return any(real == r or real.is_relative_to(r) for r in roots)


def _not_regular(mode: int) -> str:
    return f"not a regular file ({_KINDS.get(stat.S_IFMT(mode), 'no file')}); only regular files are read"


def _why_not(path: Path, roots: Sequence[Path] | None) -> tuple[os.stat_result | None, str]:
    """(its stat, "") when ``path`` is a regular file that may be read; else (None, why not).
    With ``roots``, a link that leads out of them is refused too."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if not os.path.islink(path):
            return None, f"cannot be read ({exc.strerror}); check its permissions"
        if exc.errno == errno.ELOOP:
            return None, "a symbolic link that loops; only regular files are read"
        return None, f"a symbolic link to nothing ({printable(os.readlink(path))}); only regular files are read"
    if not stat.S_ISREG(st.st_mode):
        return None, _not_regular(st.st_mode)
    if roots is not None and not _inside(_real(path), roots):
        return None, f"a symbolic link out of the folders given (to {shown(_real(path))}); {_FOLLOW}"
    return st, ""


def _is_report_folder(names: Sequence[str]) -> bool:
    """Whether a folder holds a report this tool wrote (any of its views' pairs of files)."""
    return any(f"{v}.md" in names and f"{v}.html" in names for v in ("report", "teach", "factcheck")) or (
        "report.json" in names and "report.md" in names)


def _walk(folder: Path, problems: list[tuple[str, str]], roots: Sequence[Path] | None,
          ) -> list[tuple[Path, os.stat_result]]:
    """Regular article files under ``folder``, every level, in path order, with their stat;
    hidden entries, the ``<page>_files`` folders browsers save beside a page and report folders
    are passed over. Devices, pipes, sockets, broken links and (with ``roots``) links out of
    them are added to ``problems``, never opened."""
    out = []
    visited: set[Path] = set()

    def unreadable(exc: OSError) -> None:  # a folder that cannot be entered is said, not passed over
        problems.append((shown(exc.filename), f"folder not read ({exc.strerror}); check its permissions"))

    for root, dirs, names in os.walk(folder, followlinks=True, onerror=unreadable):
        here = Path(root)
        if _real(here) in visited:  # a link back up the tree
            dirs[:] = []
            continue
        visited.add(_real(here))
        if _is_report_folder(names):  # a report of an earlier run written inside the corpus
            dirs[:] = []
            continue
        pages = {Path(n).stem for n in names if n.lower().endswith((".html", ".htm"))}
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not (d.endswith("_files") and d[:-len("_files")] in pages))
        for d in list(dirs):
            if roots is not None and os.path.islink(here / d) and not _inside(_real(here / d), roots):
                problems.append((shown(here / d), f"a symbolic link out of the folders given (to "
                                                  f"{shown(_real(here / d))}); {_FOLLOW}"))
                dirs.remove(d)
        for n in sorted(names):
            if n.startswith(".") or Path(n).suffix.lower() not in ARTICLE_SUFFIXES:
                continue
            st, why = _why_not(here / n, roots)
            if st is None:
                problems.append((shown(here / n), why))
            else:
                out.append((here / n, st))
    return sorted(out, key=lambda f: f[0].relative_to(folder).parts)


def discover(paths: Sequence[str | Path], problems: list[tuple[str, str]] | None = None,
             follow_links: bool = False) -> tuple[list[Path], dict[Path, dict]]:
    """Expand files and folders (at every level) into article files, and collect manifest
    entries: a manifest in any folder describes the files of that folder.

    Only regular files are taken: devices, named pipes, sockets and broken links are added to
    ``problems`` as (source, why), and so are links that lead out of the folders given, unless
    ``follow_links``; so is a folder's manifest that cannot be read (its folder's files are read
    without it)."""
    files, manifest, _ = _discover(paths, problems if problems is not None else [], follow_links)
    return files, manifest


def _discover(paths: Sequence[str | Path], problems: list[tuple[str, str]], follow_links: bool = False,
              ) -> tuple[list[Path], dict[Path, dict], dict[Path, tuple[int, int]]]:
    """:func:`discover`, with each file's (device, inode) as it was vetted: the file opened
    later must be that file."""
    if not paths:
        raise InputError("no input given; pass article files or a folder of them")
    found: list[tuple[Path, os.stat_result]] = []
    manifest: dict[Path, dict] = {}
    read: set[Path] = set()
    roots = None if follow_links else [_real(p) for p in map(Path, paths) if p.is_dir()]

    def manifests_of(folder: Path, within: list[Path] | None) -> None:
        if folder in read:
            return
        read.add(folder)
        for name in MANIFEST_NAMES:
            if not os.path.lexists(folder / name):
                continue
            try:
                st, why = _why_not(folder / name, within)
                if st is None:
                    raise InputError(f"{shown(folder / name)}: {why}")
                manifest.update(load_manifest(folder / name, (st.st_dev, st.st_ino)))
            except InputError as exc:  # one folder's manifest: its files are read as if it were not there
                problems.append((shown(folder / name), _reason(str(exc), shown(folder / name))
                                 + "; the files of its folder are read as if it were not there"))

    for p in map(Path, paths):
        if not os.path.lexists(p):
            raise InputError(f"{shown(p)}: no such file or folder; check the path")
        if p.is_dir():
            before = len(problems)
            here = _walk(p, problems, roots)
            if not here and len(problems) == before:
                raise InputError(
                    f"{shown(p)}: no article files ({', '.join(ARTICLE_SUFFIXES)}) found in it or its "
                    "subfolders; add articles or pass the files themselves"
                )
            for folder in dict.fromkeys(_real(f.parent) for f, _ in here):
                manifests_of(folder, roots)
            found.extend(here)
        else:  # a file given by name may lead anywhere, but must be a regular file
            st, why = _why_not(p, None)
            if st is None:
                problems.append((shown(p), why))
                continue
            found.append((p, st))
            # a manifest beside a file passed alone describes it too (a link out of its folder does not)
            manifests_of(_real(p.parent), None if follow_links else [_real(p.parent)])
    seen: set[Path] = set()
    files, identity = [], {}
    for f, st in found:
        if _real(f) not in seen:
            seen.add(_real(f))
            files.append(f)
            identity[f] = (st.st_dev, st.st_ino)
    return files, manifest, identity


def _reason(message: str, source: str) -> str:
    """An error message less the source it starts with, on one line."""
    msg = " ".join(message.split())
    return msg[len(source):].lstrip(":").strip() if msg.startswith(source) else msg


def load_manifest(path: str | Path, identity: tuple[int, int] | None = None) -> dict[Path, dict]:
    """TOML (``[[article]] file=…``) or CSV (``file,outlet,date,url,title``) -> {path: fields}."""
    path = Path(path)
    name = shown(path)
    if not os.path.lexists(path):
        raise InputError(f"{name}: manifest not found; check the path")
    raw = _read_bytes(path, MAX_MANIFEST_BYTES, "manifest", identity)
    try:
        text = raw.decode("utf-8-sig")  # utf-8-sig: spreadsheets start their CSV with a BOM
        if path.suffix.lower() == ".csv":
            rows = list(csv.DictReader(io.StringIO(text, newline="")))
        else:
            rows = tomllib.loads(text).get("article", [])
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, csv.Error) as exc:
        raise InputError(f"{name}: cannot parse manifest ({printable(' '.join(str(exc).split()))}); "
                         "fix its syntax") from exc
    if not isinstance(rows, list):
        given = "[article]" if isinstance(rows, dict) else f"article = {printable(repr(rows)[:40])}"
        raise InputError(f"{name}: write each article as [[article]] (a list of tables), not {given}")
    if not rows:
        raise InputError(f"{name}: no articles listed; write one [[article]] table (or CSV row) "
                         "per file, with file = \"name.txt\"")
    out = {}
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not isinstance(row.get("file"), str) or not row["file"].strip():
            raise InputError(f"{name}: entry {i} has no 'file'; give each entry the article's file name")
        target = _real(path.parent / row["file"])
        # extra columns are ignored, missing ones left to detection; values as text (capped when read)
        out[target] = {str(k): (str(v).strip() or None) if v is not None else None
                       for k, v in row.items() if k not in ("file", None)}
    return out


def _read_bytes(path: Path, limit: int, what: str, identity: tuple[int, int] | None = None,
                too_big: str = "") -> bytes:
    """At most ``limit`` bytes of a regular file. Opened without blocking (a named pipe or a
    device put in a file's place after it was vetted is refused, never waited on or read), and,
    with ``identity`` (device, inode), only when it is still the file that was vetted."""
    name = shown(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"{name}: a symbolic link that loops; only regular files are read") from exc
        raise InputError(f"{name}: cannot read the {what} ({exc.strerror}); check the path and its permissions"
                         ) from exc
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{name}: {_not_regular(st.st_mode)}")
        if identity is not None and (st.st_dev, st.st_ino) != identity:
            raise InputError(f"{name}: replaced by another file while the run read the folder; run again")
        too_big = too_big or f"over the limit of {limit / 2**20:.0f} MB for a {what}"
        if st.st_size > limit:
            raise InputError(f"{name}: {st.st_size / 2**20:.1f} MB, {too_big}")
        try:
            raw = fh.read(limit + 1)
        except OSError as exc:
            raise InputError(f"{name}: cannot read the {what} ({exc.strerror}); check its permissions") from exc
    if len(raw) > limit:  # it grew while being read
        raise InputError(f"{name}: over {limit / 2**20:.1f} MB, {too_big}")
    return raw


def _read_text(path: Path, max_chars: int = MAX_ARTICLE_CHARS, identity: tuple[int, int] | None = None) -> str:
    name = shown(path)
    # bytes a character may take: 4 in UTF-8; markup carries many bytes per visible character
    limit = (4 if path.suffix.lower() in (".txt", ".text", ".md") else 50) * max_chars
    too_big = f"over the limit of {max_chars:,} characters; split it or raise --max-article-chars"
    raw = _read_bytes(path, limit, "file", identity, too_big)
    if b"\x00" in raw[:8192]:
        raise InputError(f"{name}: not a text file; pass .txt, .html or .jsonl articles")
    if path.suffix.lower() in (".html", ".htm", ".xhtml"):  # a saved page says its encoding
        from .web import _charset

        declared = _charset(raw)
        if declared:
            try:
                return no_surrogates(raw.decode(declared))
            except (LookupError, UnicodeDecodeError):
                pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name}: not UTF-8 text; convert it with 'iconv -t UTF-8' and try again"
            ) from exc


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
    follow_links: bool = False,
) -> tuple[list[Article], list[str]]:
    """Read every article under ``paths`` (files, folders at every level, http(s) URLs of
    pages or RSS/Atom feeds, local feed files); return them with warnings for the user.

    A file or page that cannot be read (binary, undecodable, over ``max_chars`` characters,
    malformed, a parser failure, a failed fetch) is skipped with a warning line and appended
    to ``skipped`` as (source, reason); the others are read. ``strict`` stops at the first
    instead. Only when nothing is left does the run stop. ``fetcher`` (a
    :class:`compare.ingest.web.Fetcher`) fetches; ``since``/``until`` bound a feed's entries; the
    links of a fetched feed are not followed to local or private addresses unless the feed is
    on one.

    Only regular files are read (devices, named pipes, sockets and broken links are skipped),
    and links out of the folders given are skipped unless ``follow_links``. File names are given
    as :func:`compare.errors.printable` shows them (``Article.source``, warnings, ``skipped``).
    A manifest found in a folder that cannot be read is skipped with a warning and its folder's
    files read without it; a ``manifest`` given here that cannot be read stops the run."""
    skipped = skipped if skipped is not None else []

    def skip(source: str, exc: Exception) -> None:
        source = printable(source)
        msg = printable(" ".join(str(exc).split()))
        if strict:
            if isinstance(exc, InputError):
                raise exc
            raise InputError(f"{source}: cannot be read ({type(exc).__name__}: {msg}); "
                             "fix or remove the file") from exc
        reason = _reason(msg, source)
        if not isinstance(exc, InputError):
            reason = f"cannot be read ({type(exc).__name__}: {msg}); fix or remove the file"
        warnings.append(f"{source}: skipped: {reason}")
        skipped.append((source, reason))
    from .web import FEED_SUFFIXES, is_url

    urls = [str(p) for p in paths if is_url(str(p))]
    feeds = [Path(p) for p in paths if not is_url(str(p)) and Path(p).suffix.lower() in FEED_SUFFIXES
             and Path(p).is_file()]
    local = [p for p in paths if not is_url(str(p)) and Path(p) not in feeds]
    problems: list[tuple[str, str]] = []
    files, entries, identity = (_discover(local, problems, follow_links) if local or not (urls or feeds)
                                else ([], {}, {}))
    if manifest:
        entries.update(load_manifest(manifest))
    outlets = registry(outlets if outlets is not None else load_outlets())
    rules = rules if rules is not None else load_rules()
    articles: list[Article] = []
    warnings: list[str] = []
    ids: set[str] = set()

    for source, reason in problems:
        skip(source, InputError(f"{source}: {reason}"))

    def add(records: list[tuple[str, str, dict]], override: dict, from_page: bool) -> None:
        for source, stem, fields in records:
            body = fields.pop("text")
            page = fields.pop("page", None)
            if not body.strip():
                skip(source, InputError(f"{source}: no text found in the page; save it as .txt" if from_page
                                        else f"{source}: empty"))
                continue
            if len(body) > max_chars:
                skip(source, InputError(f"{source}: {len(body):,} characters, over the limit of {max_chars:,}; "
                                        "split it or raise --max-article-chars"))
                continue
            aid = _unique_id(re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "article", ids)
            known = {k: v for k, v in fields.items() if v and visible(str(v))}  # "\u200b" is no outlet
            if known.get("outlet") and from_page:
                known["outlet_by"] = "page metadata"
            given = {k: v for k, v in override.items() if v and visible(str(v))}
            known |= given
            if given.get("outlet"):
                known["outlet_by"] = "manifest"
            known["language"] = normalize_language(known.get("language"))
            try:
                art, warn = parse_article(body, source, aid, known, outlets, rules, page)
            except Exception as exc:  # this record only
                ids.discard(aid)
                skip(source, exc)
                continue
            if not known["language"]:
                own = "\n".join(art.text[s.start:s.end] for s in (*art.headings, *art.body))
                art = replace(art, language=detect_language(own))
            articles.append(art)
            warnings.extend(warn)

    for path in files:
        try:
            if path.suffix.lower() not in ARTICLE_SUFFIXES:
                raise InputError(
                    f"{shown(path)}: unsupported file type '{printable(path.suffix)}'; "
                    f"pass {', '.join(ARTICLE_SUFFIXES)}")
            records = _file_records(path, _read_text(path, max_chars, identity.get(path)), skip)
            add(records, entries.get(_real(path), {}), path.suffix.lower() in (".html", ".htm", ".xhtml"))
        except Exception as exc:  # one bad file never costs the others their report
            skip(shown(path), exc)
    if urls or feeds:
        from urllib.parse import urlsplit

        from .web import MAX_ENTRIES, Fetcher, _private, feed_entries, left_out

        fetcher = fetcher if fetcher is not None else Fetcher(given=urls)
        cap = getattr(fetcher, "max_entries", MAX_ENTRIES)

        def entries(text: str, source: str) -> list[tuple[str, dict]]:
            """A feed's links, at most ``cap`` of them; one warning says how many more there were."""
            links, more = feed_entries(text, source, since, until, cap)
            if more:
                warnings.append(left_out(source, len(links), more))
            return links
        seen: set[str] = set()

        def fresh(links: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
            """Each address once, however many feeds list it."""
            out = [(u, h) for u, h in links if u not in seen]
            seen.update(u for u, _ in out)
            return out

        def read_pages(links: list[tuple[str, dict]], private_ok: bool, feeds_ok: bool) -> None:
            for (url, hints), page in zip(links, fetcher.get_many([u for u, _ in links], private_ok), strict=True):
                try:
                    if isinstance(page, Exception):
                        raise page
                    if page.is_feed and not feeds_ok:
                        raise InputError(f"{url}: a feed inside a feed, not read; pass it on its own")
                    if page.is_feed:  # its entries; a local or private address only if the feed is on one
                        host = urlsplit(page.final_url).hostname or ""
                        read_pages(fresh(entries(page.text, url)), _private(host), False)
                    else:
                        add([_page_record(page, hints)], {}, True)
                except Exception as exc:  # this page only
                    skip(url, exc)

        read_pages(fresh([(u, {}) for u in urls]), True, True)
        for f in feeds:  # a saved feed file: its entries are checked like any address not typed
            try:
                links = entries(_read_text(f, max_chars), shown(f))
            except Exception as exc:
                skip(shown(f), exc)
                continue
            read_pages(fresh(links), True, False)
    if not articles:
        if skipped:
            raise InputError(f"nothing usable in the input: {len(skipped)} skipped (first: "
                             f"{printable(skipped[0][0])}: {printable(skipped[0][1])})")
        raise InputError("no article text found in the input; check that the files are not empty "
                         "and the addresses answer")
    articles, year_warnings = complete_years(articles)
    return articles, warnings + year_warnings


RECORD = re.compile(r":(\d+)$")


def split_record(source: str) -> tuple[str, int | None]:
    """A source as a run writes it -> (the file, the record number): "a.jsonl:3" is record 3 of
    a.jsonl (of a .jsonl or .json file that exists, when no file has the whole name); any other
    source is itself, with no record."""
    m = RECORD.search(source)
    base = source[:m.start()] if m else source
    if m and Path(base).suffix.lower() in (".jsonl", ".json") and not os.path.exists(source) \
            and os.path.exists(base):
        return base, int(m.group(1))
    return source, None


def record_of(path: Path, n: int, max_chars: int = MAX_ARTICLE_CHARS) -> dict:
    """Record ``n`` of a .jsonl or .json-list file, numbered as a run numbers them (the line of a
    .jsonl file, the place in a .json list, from 1), read as the run read the file."""
    name = shown(path)
    text = _read_text(path, max_chars)
    try:
        if path.suffix.lower() == ".jsonl":
            lines = text.splitlines()
            line = lines[n - 1] if 1 <= n <= len(lines) else ""
            rec = json.loads(line) if line.strip() else None
        else:
            doc = json.loads(text)
            items = doc.get("articles", doc) if isinstance(doc, dict) else doc
            rec = items[n - 1] if isinstance(items, list) and 1 <= n <= len(items) else None
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}: not JSON ({exc.msg}) where the run read record {n}; the file has changed "
                         "since the run, run it again") from exc
    if not isinstance(rec, dict):
        raise InputError(f"{name}: no article record {n}; the file has changed since the run, run it again")
    return rec


def _file_records(path: Path, text: str, skip=None) -> list[tuple[str, str, dict]]:
    """(source, id stem, fields with "text") for each article a file holds; with ``skip``, a
    bad record of a .jsonl or .json file is skipped alone (``skip(source, exc)``)."""
    records: list[tuple[str, str, dict]] = []
    suffix = path.suffix.lower()
    name = shown(path)

    def each(items, make) -> None:
        for n, item in items:
            try:
                records.append(make(n, item))
            except Exception as exc:
                if skip is None:
                    raise
                skip(f"{name}:{n}", exc)

    def jsonl(n: int, line: str):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}:{n}: not JSON ({exc.msg}); one article object a line") from exc
        return _json_record(rec, f"{name}:{n}", f"{path.stem}-{n}")

    if suffix == ".jsonl":
        each([(n, ln) for n, ln in enumerate(text.splitlines(), 1) if ln.strip()], jsonl)
    elif suffix == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}: not JSON ({exc.msg}); give one article object, or a list of them") from exc
        items = doc.get("articles", doc) if isinstance(doc, dict) else doc
        if isinstance(items, dict):
            records.append(_json_record(items, name, path.stem))
        elif isinstance(items, list):
            each(list(enumerate(items, 1)), lambda n, r: _json_record(r, f"{name}:{n}", f"{path.stem}-{n}"))
        else:
            raise InputError(f"{name}: give one article object, or a list of them")
    elif suffix in (".html", ".htm", ".xhtml"):
        body, meta = html_to_text(text)
        records.append((name, path.stem, meta | {"text": body}))
    else:
        records.append((name, path.stem, {"text": text}))
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
    body = no_surrogates(rec.get("text") or "")
    meta = {k: rec.get(k) for k in ("outlet", "title", "date", "url", "author", "language")}
    meta = {k: no_surrogates(v) for k, v in meta.items() if isinstance(v, str) and v.strip()}
    if isinstance(rec.get("html"), str) and rec["html"].strip():
        body, page = html_to_text(no_surrogates(rec["html"]))
        meta = {**page, **meta}
    return source, stem, meta | {"text": body}


def _unique_id(base: str, taken: set[str]) -> str:
    aid, n = base, 2
    while aid in taken:
        aid, n = f"{base}-{n}", n + 1
    taken.add(aid)
    return aid
