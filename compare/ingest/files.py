"""Inputs -> articles: files and folders (at every level, with their manifests), pages and
feeds; what cannot be read is skipped with its reason."""

from __future__ import annotations

import csv
import json
import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from ..errors import InputError
from ..language import detect_language, normalize_language
from ..schema import Article
from .article import Rule, complete_years, load_rules, parse_article
from .html import html_to_text
from .outlets import Outlet, load_outlets, registry

ARTICLE_SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".xhtml", ".jsonl", ".json")
MANIFEST_NAMES = ("manifest.toml", "manifest.csv")
MAX_ARTICLE_CHARS = 2_000_000  # an article longer than this is skipped (--max-article-chars)


def _is_report_folder(names: Sequence[str]) -> bool:
    """Whether a folder holds a report this tool wrote (any of its views' pairs of files)."""
    return any(f"{v}.md" in names and f"{v}.html" in names for v in ("report", "teach", "factcheck")) or (
        "report.json" in names and "report.md" in names)


def _walk(folder: Path, problems: list[tuple[str, str]] | None = None) -> list[Path]:
    """Article files under ``folder``, every level, in path order; hidden entries, the
    ``<page>_files`` folders browsers save beside a page and report folders are passed over."""
    out = []
    visited: set[Path] = set()
    def unreadable(exc: OSError) -> None:  # a folder that cannot be entered is said, not passed over
        if problems is not None:
            problems.append((str(exc.filename), f"folder not read ({exc.strerror}); check its permissions"))

    for root, dirs, names in os.walk(folder, followlinks=True, onerror=unreadable):
        here = Path(root)
        if here.resolve() in visited:  # a link back up the tree
            dirs[:] = []
            continue
        visited.add(here.resolve())
        if _is_report_folder(names):  # a report of an earlier run written inside the corpus
            dirs[:] = []
            continue
        pages = {Path(n).stem for n in names if n.lower().endswith((".html", ".htm"))}
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not (d.endswith("_files") and d[:-len("_files")] in pages))
        out.extend(here / n for n in sorted(names)
                   if not n.startswith(".") and Path(n).suffix.lower() in ARTICLE_SUFFIXES)
    return sorted(out, key=lambda f: f.relative_to(folder).parts)


def discover(paths: Sequence[str | Path], problems: list[tuple[str, str]] | None = None,
             ) -> tuple[list[Path], dict[Path, dict]]:
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
            found = _walk(p, problems)
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
        if path.suffix.lower() == ".csv":  # utf-8-sig: spreadsheets start their CSV with a BOM
            with path.open(encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.DictReader(fh))
        else:
            rows = tomllib.loads(path.read_text(encoding="utf-8-sig")).get("article", [])
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot parse manifest ({' '.join(str(exc).split())}); fix its syntax") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read the manifest ({exc.strerror}); check permissions") from exc
    if isinstance(rows, dict):
        raise InputError(f"{path}: write each article as [[article]] (a list of tables), not [article]")
    if not rows:
        raise InputError(f"{path}: no articles listed; write one [[article]] table (or CSV row) "
                         "per file, with file = \"name.txt\"")
    out = {}
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not isinstance(row.get("file"), str) or not row["file"].strip():
            raise InputError(f"{path}: entry {i} has no 'file'; give each entry the article's file name")
        target = (path.parent / row["file"]).resolve()
        # extra columns are ignored, missing ones left to detection; values as text
        out[target] = {str(k): (str(v).strip() or None) if v is not None else None
                       for k, v in row.items() if k not in ("file", None)}
    return out


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check permissions") from exc
    if b"\x00" in raw[:8192]:
        raise InputError(f"{path}: not a text file; pass .txt, .html or .jsonl articles")
    if path.suffix.lower() in (".html", ".htm", ".xhtml"):  # a saved page says its encoding
        from .web import _charset

        declared = _charset(raw)
        if declared:
            try:
                return raw.decode(declared)
            except (LookupError, UnicodeDecodeError):
                pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{path}: not UTF-8 text; convert it with 'iconv -t UTF-8' and try again"
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
) -> tuple[list[Article], list[str]]:
    """Read every article under ``paths`` (files, folders at every level, http(s) URLs of
    pages or RSS/Atom feeds, local feed files); return them with warnings for the user.

    A file or page that cannot be read (binary, undecodable, over ``max_chars`` characters,
    malformed, a parser failure, a failed fetch) is skipped with a warning line and appended
    to ``skipped`` as (source, reason); the others are read. ``strict`` stops at the first
    instead. Only when nothing is left does the run stop. ``fetcher`` (a
    :class:`compare.ingest.web.Fetcher`) fetches; ``since``/``until`` bound a feed's entries; the
    links of a fetched feed are not followed to local or private addresses unless the feed is
    on one."""
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
    from .web import FEED_SUFFIXES, is_url

    urls = [str(p) for p in paths if is_url(str(p))]
    feeds = [Path(p) for p in paths if not is_url(str(p)) and Path(p).suffix.lower() in FEED_SUFFIXES
             and Path(p).is_file()]
    local = [p for p in paths if not is_url(str(p)) and Path(p) not in feeds]
    problems: list[tuple[str, str]] = []
    files, entries = discover(local, problems) if local or not (urls or feeds) else ([], {})
    if manifest:
        entries.update(load_manifest(manifest))
    outlets = registry(outlets if outlets is not None else load_outlets())
    rules = rules if rules is not None else load_rules()
    articles: list[Article] = []
    warnings: list[str] = []
    ids: set[str] = set()

    for source, reason in problems:
        warnings.append(f"{source}: skipped: {reason}")
        skipped.append((source, reason))

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
            known = {k: v for k, v in fields.items() if v}
            if known.get("outlet") and from_page:
                known["outlet_by"] = "page metadata"
            known |= {k: v for k, v in override.items() if v}
            if override.get("outlet"):
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
                    f"{path}: unsupported file type '{path.suffix}'; pass {', '.join(ARTICLE_SUFFIXES)}"
                )
            size = path.stat().st_size
            # bytes a character may take: 4 in UTF-8; markup carries many bytes per visible character
            if size > (4 if path.suffix.lower() in (".txt", ".text", ".md") else 50) * max_chars:
                raise InputError(f"{path}: {size / 2**20:.1f} MB, over the limit of {max_chars:,} characters; "
                                 "split it or raise --max-article-chars")
            records = _file_records(path, _read_text(path), skip)
            add(records, entries.get(path.resolve(), {}), path.suffix.lower() in (".html", ".htm", ".xhtml"))
        except Exception as exc:  # one bad file never costs the others their report
            skip(str(path), exc)
    if urls or feeds:
        from urllib.parse import urlsplit

        from .web import Fetcher, _private, feed_links

        fetcher = fetcher if fetcher is not None else Fetcher()
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
                        read_pages(fresh(feed_links(page.text, url, since, until)), _private(host), False)
                    else:
                        add([_page_record(page, hints)], {}, True)
                except Exception as exc:  # this page only
                    skip(url, exc)

        read_pages(fresh([(u, {}) for u in urls]), True, True)
        for f in feeds:  # a feed file the user gave: its links are the user's
            try:
                links = feed_links(_read_text(f), str(f), since, until)
            except Exception as exc:
                skip(str(f), exc)
                continue
            read_pages(fresh(links), True, False)
    if not articles:
        if skipped:
            raise InputError(f"nothing usable in the input: {len(skipped)} skipped (first: {skipped[0][0]}: "
                             f"{skipped[0][1]})")
        raise InputError("no article text found in the input; check that the files are not empty "
                         "and the addresses answer")
    articles, year_warnings = complete_years(articles)
    return articles, warnings + year_warnings


def _file_records(path: Path, text: str, skip=None) -> list[tuple[str, str, dict]]:
    """(source, id stem, fields with "text") for each article a file holds; with ``skip``, a
    bad record of a .jsonl or .json file is skipped alone (``skip(source, exc)``)."""
    records: list[tuple[str, str, dict]] = []
    suffix = path.suffix.lower()

    def each(items, make) -> None:
        for n, item in items:
            try:
                records.append(make(n, item))
            except Exception as exc:
                if skip is None:
                    raise
                skip(f"{path}:{n}", exc)

    def jsonl(n: int, line: str):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not JSON ({exc.msg}); one article object a line") from exc
        return _json_record(rec, f"{path}:{n}", f"{path.stem}-{n}")

    if suffix == ".jsonl":
        each([(n, ln) for n, ln in enumerate(text.splitlines(), 1) if ln.strip()], jsonl)
    elif suffix == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not JSON ({exc.msg}); give one article object, or a list of them") from exc
        items = doc.get("articles", doc) if isinstance(doc, dict) else doc
        if isinstance(items, dict):
            records.append(_json_record(items, str(path), path.stem))
        elif isinstance(items, list):
            each(list(enumerate(items, 1)), lambda n, r: _json_record(r, f"{path}:{n}", f"{path.stem}-{n}"))
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
