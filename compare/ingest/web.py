"""Pages and feeds named on the command line: fetched politely, checked, kept in the cache.

Only URLs the user gave are fetched (and, for a feed the user gave, its entries' links); a
link inside an article is never followed. Each host's robots.txt is read first and obeyed;
requests to one host are spaced ``delay`` seconds apart, at most ``workers`` hosts at a time.
A response over ``max_bytes``, of a type that is no page or feed, or an HTTP error is refused
with one line that names the URL and why; the run goes on with the rest.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from ..errors import InputError

USER_AGENT = "compare-news/0.1 (news comparison for research; +https://pypi.org/project/compare-news/)"
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")
FEED_SUFFIXES = (".xml", ".rss", ".atom")


def is_url(arg: str) -> bool:
    return str(arg).lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class Page:
    url: str  # as given
    final_url: str  # after redirects
    content_type: str
    text: str

    @property
    def is_feed(self) -> bool:
        head = self.text.lstrip()[:500].lower()
        return self.content_type in FEED_TYPES or "<rss" in head or "<feed" in head or "<rdf:rdf" in head


class FetchError(InputError):
    """One page that could not be had; its message is the user's one line."""


class Fetcher:
    """HTTP(S) pages by httpx: timeouts, a size cap, redirects, robots.txt, one host at a
    time per ``delay``; pages already in ``cache`` (a :class:`compare.cache.Cache`) are not
    fetched again."""

    def __init__(self, cache=None, timeout: float = 20.0, max_bytes: int = 10 * 2**20, delay: float = 1.0,
                 workers: int = 4, user_agent: str = USER_AGENT, max_redirects: int = 5):
        self.cache = cache
        self.timeout, self.max_bytes, self.delay = timeout, max_bytes, delay
        self.workers, self.user_agent, self.max_redirects = workers, user_agent, max_redirects
        self._robots: dict[str, RobotFileParser | None] = {}
        self._last: dict[str, float] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._client = None

    def _http(self):
        import httpx

        if self._client is None:  # redirects are followed by hand, each hop checked
            self._client = httpx.Client(timeout=self.timeout, follow_redirects=False,
                                        headers={"User-Agent": self.user_agent})
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _host_lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    def _polite(self, host: str) -> None:
        wait = self._last.get(host, 0.0) + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last[host] = time.monotonic()

    def _read(self, url: str, cap: int) -> tuple[int, str, str, dict, bytes]:
        """(status, reason, final URL, headers, body) of one GET, the body read to ``cap``
        bytes at most and within ``timeout`` seconds in all; no redirect followed."""
        deadline = time.monotonic() + self.timeout
        with self._http().stream("GET", url) as r:
            headers = {k.lower(): v for k, v in r.headers.items()}
            length = headers.get("content-length", "0")
            if length.isdigit() and int(length) > cap:
                return r.status_code, r.reason_phrase, str(r.url), headers | {"x-over": length}, b""
            body = bytearray()
            for chunk in r.iter_bytes():
                body += chunk
                if len(body) > cap:
                    return r.status_code, r.reason_phrase, str(r.url), headers | {"x-over": str(len(body))}, b""
                if time.monotonic() > deadline:
                    raise FetchError(f"{url}: the answer took over {self.timeout:g} s; try again later or "
                                     "save the page")
            return r.status_code, r.reason_phrase, str(r.url), headers, bytes(body)

    def _allowed(self, url: str) -> bool:
        """Whether the host's robots.txt lets this agent fetch ``url`` (read once a host; none
        found allows everything; a server error or refusal there allows nothing, as RFC 9309
        asks)."""
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        if root not in self._robots:
            rp: RobotFileParser | None = RobotFileParser()
            try:
                self._polite(parts.netloc)
                status, _, _, headers, body = self._read(root + "/robots.txt", 512 * 1024)
                if status in (401, 403) or status >= 500:
                    rp.disallow_all = True
                elif status >= 300 or "x-over" in headers:
                    rp = None  # none (or a redirect away, or absurdly long): everything allowed
                else:
                    rp.parse(body.decode("utf-8", errors="replace").splitlines())
            except Exception:  # an unreachable host: the page's own fetch will say why
                rp = None
            self._robots[root] = rp
        rp = self._robots[root]
        return rp is None or rp.can_fetch(self.user_agent, url)

    def _fetch(self, url: str, private_ok: bool = True) -> Page:
        import httpx

        hop = url
        for _ in range(self.max_redirects + 1):
            parts = urlsplit(hop)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FetchError(f"{url}: {hop} is not a web address; give it as https://host/path")
            if not private_ok and _private(parts.hostname):
                raise FetchError(f"{url}: leads to a local or private address ({parts.hostname}), which is "
                                 "fetched only when given on the command line")
            with self._host_lock(parts.netloc):
                if not self._allowed(hop):
                    raise FetchError(f"{url}: the site's robots.txt does not allow fetching it; "
                                     "save the page and pass the file")
                self._polite(parts.netloc)
                try:
                    status, reason, final, headers, body = self._read(hop, self.max_bytes)
                except httpx.TimeoutException:
                    raise FetchError(f"{url}: no answer within {self.timeout:g} s; try again later or "
                                     "save the page") from None
                except httpx.HTTPError as exc:
                    raise FetchError(f"{url}: cannot connect ({type(exc).__name__}); check the address and "
                                     "the network") from None
            if status in (301, 302, 303, 307, 308) and headers.get("location"):
                hop = urljoin(hop, headers["location"])
                continue
            break
        else:
            raise FetchError(f"{url}: more than {self.max_redirects} redirects; open it in a browser and "
                             "pass the address it ends at")
        if status >= 400:
            raise FetchError(f"{url}: the server answered {status} {reason}; check the address")
        if "x-over" in headers:
            raise FetchError(f"{url}: the page is over the {self.max_bytes / 2**20:.0f} MB limit; save the "
                             "article's text and pass the file")
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype and ctype not in PAGE_TYPES + FEED_TYPES:
            raise FetchError(f"{url}: the server sent {ctype}, not a web page or feed; "
                             "pass the article's text instead")
        if b"\x00" in body[:8192]:
            raise FetchError(f"{url}: the server sent binary data, not a web page; pass the article's text instead")
        return Page(url, final, ctype, decode_page(body, headers.get("content-type", "")))

    def get_many(self, urls: Sequence[str], private_ok: bool = True) -> list[Page | FetchError]:
        """Every URL, from the cache where it is, else several hosts at a time; a failure in
        place of its page. The cache is read and written here, in the calling thread.
        ``private_ok`` False refuses local and private addresses (links a feed gave)."""
        out: dict[str, Page | FetchError] = {}
        for u in dict.fromkeys(urls):
            hit = self.cache.get_page(u) if self.cache is not None else None
            if hit is not None and not Page(u, *hit).is_feed:  # a feed is read afresh: it has news
                out[u] = Page(u, *hit)
        todo = [u for u in dict.fromkeys(urls) if u not in out]

        def one(u: str) -> Page | FetchError:
            try:
                return self._fetch(u, private_ok)
            except FetchError as exc:
                return exc
            except Exception as exc:  # a malformed address, an encoding httpx refuses: that page only
                return FetchError(f"{u}: cannot be fetched ({type(exc).__name__}: {' '.join(str(exc).split())})")

        if len(todo) > 1:
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                got = list(pool.map(one, todo))
        else:
            got = [one(u) for u in todo]
        for u, page in zip(todo, got, strict=True):
            out[u] = page
            if isinstance(page, Page) and self.cache is not None:
                self.cache.put_page(u, page.final_url, page.content_type, page.text)
        return [out[u] for u in urls]


def _private(host: str) -> bool:
    """Whether ``host`` is this machine or a private network: an address, or a name that
    resolves to one (a name that does not resolve is left to the fetch to report)."""
    import ipaddress
    import socket

    try:
        addrs = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            addrs = [ipaddress.ip_address(a[4][0].split("%")[0]) for a in socket.getaddrinfo(host, None)]
        except (OSError, UnicodeError, ValueError):
            return host.lower() in ("localhost",) or host.lower().endswith(".localhost")
    return any(a.is_private or a.is_loopback or a.is_link_local or a.is_reserved or a.is_unspecified
               for a in addrs)


def _charset(raw: bytes, content_type: str = "") -> str | None:
    """The encoding a page declares: its HTTP header, a BOM, <meta charset>, or an XML declaration."""
    m = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    if m:
        return m.group(1)
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    head = raw[:4096]
    m = (re.search(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", head, re.IGNORECASE)
         or re.search(rb"<\?xml[^>]+encoding\s*=\s*[\"']([\w.:-]+)", head, re.IGNORECASE))
    return m.group(1).decode("ascii", errors="ignore") if m else None


def decode_page(raw: bytes, content_type: str = "") -> str:
    """A page's text in the encoding it declares, else UTF-8, else cp1252; bytes no encoding
    reads become U+FFFD rather than stopping the run."""
    for enc in (_charset(raw, content_type), "utf-8-sig"):
        if enc:
            try:
                return raw.decode(enc)
            except (LookupError, UnicodeDecodeError):
                continue
    return raw.decode("cp1252", errors="replace")


def _entry_date(entry) -> date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        t = entry.get(key)
        if t:
            return datetime(*t[:6], tzinfo=UTC).date()
    return None


def feed_links(text: str, source: str, since: date | None = None, until: date | None = None) -> list[tuple[str, dict]]:
    """The entries of an RSS or Atom feed as (link, fields), within ``since``..``until`` (an
    entry without a date is kept); fields: the entry's title and date, for a page that gives none."""
    import feedparser

    # bytes, never a string: feedparser reads a string as a file name or a URL to open itself
    parsed = feedparser.parse(io.BytesIO(text.encode("utf-8")),
                              response_headers={"content-type": "application/xml; charset=utf-8"})
    if parsed.bozo and not parsed.entries:
        raise InputError(f"{source}: not an RSS or Atom feed ({parsed.get('bozo_exception', 'unreadable')}); "
                         "check the address")
    out = []
    for e in parsed.entries:
        link = (e.get("link") or "").strip()
        if not is_url(link):
            continue
        d = _entry_date(e)
        if d is not None and ((since and d < since) or (until and d > until)):
            continue
        out.append((link, {"title": (e.get("title") or "").strip() or None,
                           "date": d.isoformat() if d else None}))
    return out
