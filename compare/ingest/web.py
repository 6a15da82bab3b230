"""Pages and feeds named on the command line: fetched politely, checked, kept in the cache.

Only URLs the user gave are fetched (and, for a feed the user gave, its entries' links, at most
``max_entries`` of them); a link inside an article is never followed. Each host's robots.txt is
read first and obeyed; requests to one host are spaced ``delay`` seconds apart, at most
``workers`` hosts at a time. Only the hosts the user typed may be local or private addresses:
every other host, a redirect's or a feed entry's, is resolved once, its addresses checked, and
the connection made to a checked address. Each page has one deadline for everything its fetch
waits on (connecting, headers, body, redirects, robots.txt), and its body is decompressed as it
comes, never past ``max_bytes``. A page that fails is refused with one line that names the URL
and why; the run goes on with the rest.
"""

from __future__ import annotations

import io
import ipaddress
import math
import queue
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from ..errors import InputError

USER_AGENT = "compare-news/0.1 (news comparison for research; +https://pypi.org/project/compare-news/)"
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")
FEED_SUFFIXES = (".xml", ".rss", ".atom")
MAX_ENTRIES = 200  # a feed's entries read at most (--max-entries)
CODINGS = {"gzip": 31, "x-gzip": 31, "deflate": None}  # content codings read, as zlib wbits (None: by the bytes)
MAX_CODINGS = 2  # "gzip, gzip" is read; a third layer is refused
_PIECE = 256 * 1024  # bytes decompressed at a time
_SLICE = 0.25  # seconds a socket waits before the fetch looks again for an interrupt
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


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


class _Refused(Exception):
    """A connection the address rules forbid: ``host`` resolves to no public address."""

    def __init__(self, host: str, addresses: Sequence[str]):
        super().__init__(host)
        self.host, self.addresses = host, list(addresses)


class _TooBig(Exception):
    """A body over the size cap, raw or decoded."""


class _Stopped(BaseException):
    """The batch was interrupted: the worker ends now (BaseException, so no handler of a
    single page's errors mistakes it for one)."""


def _public(address: str) -> bool:
    """Whether an IP address is one the internet routes to: not loopback, private, link-local,
    shared, multicast, reserved or unspecified, IPv4 or IPv6, nor an IPv6 address that carries
    such an IPv4 address (mapped, 6to4, NAT64)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0].strip("[]"))
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:  # ::ffff:a.b.c.d is a.b.c.d
        return _public(str(ip.ipv4_mapped))
    if ip.version == 6:
        inner = ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        if inner is not None and not _public(str(inner)):
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local
                                 or ip.is_reserved or ip.is_unspecified)


def _literal(host: str) -> bool:
    """Whether ``host`` is an IP address rather than a name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def _resolve(host: str, port: int) -> list[str]:
    """The addresses of ``host``, as the system resolver gives them (an address is itself)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def _private(host: str) -> bool:
    """Whether ``host`` is this machine or a private network: an address, or a name that
    resolves to one (a name that does not resolve is left to the fetch to report)."""
    try:
        addrs = _resolve(host, 80)
    except (OSError, UnicodeError, ValueError):
        return host.lower() in ("localhost",) or host.lower().endswith(".localhost")
    return not all(_public(a) for a in addrs)


def _origin(url: str) -> tuple[str, int] | None:
    """(host, port) as the connection sees them, or None for an address httpx cannot read."""
    import httpx

    try:
        u = httpx.URL(url)
        return u.raw_host.decode("ascii").lower(), u.port or (443 if u.scheme == "https" else 80)
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return None


def _secs(wait: float) -> float | None:
    """A socket's timeout for ``wait`` seconds (None: no limit)."""
    return None if math.isinf(wait) else wait


def _short(url: str, n: int = 200) -> str:
    return url if len(url) <= n else url[:n] + "…"


class _Net:
    """httpcore's network backend with the fetcher's rules: a host not given may connect only to
    public addresses, resolved once and connected to as checked (nothing a rebinding DNS can
    change between the check and the connection); every wait ends by the page's deadline."""

    def __init__(self, fetcher: Fetcher):
        self.fetcher = fetcher

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        import httpcore

        f = self.fetcher
        wait = f._wait(timeout, httpcore.ConnectTimeout)
        try:
            addresses = f._lookup(host, port, wait)
        except OSError as exc:
            f._wait(timeout, httpcore.ConnectTimeout)  # the deadline, if that is what ended the lookup
            raise httpcore.ConnectError(f"cannot resolve {host} ({exc})") from None
        if (host.lower(), port) not in getattr(f._ctx, "trusted", ()):
            if not any(_public(a) for a in addresses):
                raise _Refused(host, addresses)
            addresses = [a for a in addresses if _public(a)]
        err: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                wait = _secs(f._wait(timeout, httpcore.ConnectTimeout))
                stream = httpcore.SyncBackend().connect_tcp(address, port, wait, local_address, socket_options)
                return _Stream(stream, f)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                err = exc
        raise err

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise OSError("the fetcher connects to web addresses only")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _Stream:
    """A connection whose reads wait in short slices (an interrupt is seen at once) and never
    past the page's deadline, however slowly the bytes come."""

    def __init__(self, inner, fetcher: Fetcher):
        self.inner, self.fetcher = inner, fetcher

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        import httpcore

        end = time.monotonic() + (timeout if timeout is not None else math.inf)
        while True:
            left = min(end - time.monotonic(), self.fetcher._wait(None, httpcore.ReadTimeout))
            if left <= 0:
                raise httpcore.ReadTimeout(f"no data within {timeout} s")
            try:
                return self.inner.read(max_bytes, min(left, _SLICE))
            except httpcore.ReadTimeout:
                continue

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        import httpcore

        self.inner.write(buffer, _secs(self.fetcher._wait(timeout, httpcore.WriteTimeout)))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        import httpcore

        wait = _secs(self.fetcher._wait(timeout, httpcore.ConnectTimeout))
        return _Stream(self.inner.start_tls(ssl_context, server_hostname, wait), self.fetcher)

    def get_extra_info(self, info: str):
        return self.inner.get_extra_info(info)


class Fetcher:
    """HTTP(S) pages by httpx: a deadline a page, a size cap, redirects, robots.txt, one host
    at a time per ``delay``; pages already in ``cache`` (a :class:`compare.cache.Cache`) are
    not fetched again, and each page fetched is put there as it comes.

    ``timeout`` bounds each wait for the server (connecting, each read); ``deadline`` bounds a
    page's whole fetch, however slowly its bytes come; a host whose pages have run past their
    deadlines for ``host_budget`` seconds in all is not asked again. ``given``: the addresses
    the user typed, whose hosts alone may be local or private (None: each URL passed to
    :meth:`get_many` with ``private_ok`` counts as typed). ``resolve(host, port)`` gives a
    host's addresses (the system resolver by default; tests stand in a public name).
    ``max_entries``: a feed's entries read at most (see :func:`feed_entries`)."""

    def __init__(self, cache=None, timeout: float = 20.0, max_bytes: int = 10 * 2**20, delay: float = 1.0,
                 workers: int = 4, user_agent: str = USER_AGENT, max_redirects: int = 5, deadline: float = 30.0,
                 max_entries: int | None = MAX_ENTRIES, given: Collection[str] | None = None,
                 resolve: Callable[[str, int], Sequence[str]] | None = None, host_budget: float = 60.0):
        self.cache = cache
        self.timeout, self.max_bytes, self.delay, self.deadline = timeout, max_bytes, delay, deadline
        self.workers, self.user_agent, self.max_redirects = workers, user_agent, max_redirects
        self.max_entries, self.given, self.resolve, self.host_budget = max_entries, given, resolve, host_budget
        self._robots: dict[str, RobotFileParser | None] = {}
        self._last: dict[str, float] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._late: dict[tuple[str, int], float] = {}  # seconds each host ran pages past their deadline
        self._guard = threading.Lock()
        self._ctx = threading.local()  # the page being fetched in this thread: trusted, deadline, stop
        self._given: set[tuple[str, int]] | None = None
        self._transport = None

    # connections ---------------------------------------------------------------------------

    def _http(self):
        """The transport, used without httpx's client: nothing reads a Location header but
        :meth:`_fetch`, and no cookie or proxy comes in between."""
        import httpcore
        import httpx

        with self._guard:
            if self._transport is None:
                # no connection is kept, so each request passes the address rules; proxies from
                # the environment would hide the address connected to, so none is used
                transport = httpx.HTTPTransport(trust_env=False)
                transport._pool = httpcore.ConnectionPool(  # noqa: SLF001 (the only way to pass a backend)
                    ssl_context=httpx.create_ssl_context(), max_keepalive_connections=0, network_backend=_Net(self))
                self._transport = transport
        return self._transport

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def _wait(self, timeout: float | None, late: type[Exception]) -> float:
        """How long one wait may last: ``timeout`` cut to the page's deadline; past the deadline
        ``late`` is raised, and an interrupt stops the worker."""
        ctx = self._ctx
        stop = getattr(ctx, "stop", None)
        if stop is not None and stop.is_set():
            raise _Stopped
        end = getattr(ctx, "deadline", None)
        left = math.inf if end is None else end - time.monotonic()
        if left <= 0:
            ctx.late = True
            raise late(f"over the {self.deadline:g} s deadline")
        return left if timeout is None else min(timeout, left)

    def _lookup(self, host: str, port: int, wait: float) -> list[str]:
        """``host``'s addresses within ``wait`` seconds (a resolver that hangs costs no more);
        an address is itself, never looked up."""
        try:
            return [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            pass
        resolve = self.resolve or _resolve
        box: dict = {}
        done = threading.Event()

        def work():
            try:
                box["v"] = list(resolve(host, port))
            except Exception as exc:  # handed to the fetching thread
                box["e"] = exc
            done.set()

        threading.Thread(target=work, daemon=True, name="compare-resolve").start()
        if not done.wait(min(wait, self.timeout)):
            raise OSError(f"no answer from the resolver within {min(wait, self.timeout):g} s")
        if "e" in box:
            raise OSError(str(box["e"]))
        return box["v"]

    @contextmanager
    def _budget(self):
        """One request within what is left of the page's deadline."""
        ctx = self._ctx
        began = time.monotonic()
        ctx.deadline = began + ctx.left
        try:
            yield
        finally:
            ctx.left -= time.monotonic() - began
            ctx.deadline = None

    def _host_lock(self, host: str):
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        return _Acquired(lock, getattr(self._ctx, "stop", None))

    def _polite(self, host: str) -> None:
        wait = self._last.get(host, 0.0) + self.delay - time.monotonic()
        if wait > 0:
            stop = getattr(self._ctx, "stop", None)
            if stop is None:
                time.sleep(wait)
            elif stop.wait(wait):
                raise _Stopped
        self._last[host] = time.monotonic()

    # one request ---------------------------------------------------------------------------

    def _get(self, url: str, cap: int, types: tuple[str, ...] | None = None) -> tuple[int, str, dict, bytes]:
        """(status, reason, headers, body) of one GET within the page's deadline, no redirect
        followed; the body is read only for a 2xx answer of one of ``types`` (any when None),
        decompressed as it comes and never held past ``cap`` bytes (raises :class:`_TooBig`)."""
        import httpx

        request = httpx.Request("GET", url, headers={"User-Agent": self.user_agent,
                                                     "Accept-Encoding": ", ".join(CODINGS)},
                                extensions={"timeout": httpx.Timeout(self.timeout).as_dict()})
        with self._budget():
            r = self._http().handle_request(request)
            try:
                headers = {k.lower(): v for k, v in r.headers.items()}
                if not 200 <= r.status_code < 300:
                    return r.status_code, r.reason_phrase, headers, b""
                ctype = headers.get("content-type", "").split(";")[0].strip().lower()
                if types is not None and ctype and ctype not in types:
                    return r.status_code, r.reason_phrase, headers, b""
                length = headers.get("content-length", "").strip()
                if length.isdigit() and int(length) > cap:
                    raise _TooBig(length)
                codings = [c.strip().lower() for c in r.headers.get_list("content-encoding", split_commas=True)]
                return r.status_code, r.reason_phrase, headers, _body(r.iter_raw(), codings, cap)
            finally:
                r.close()

    def _allowed(self, url: str) -> bool:
        """Whether the host's robots.txt lets this agent fetch ``url`` (read once a host; none
        found allows everything; a server error or refusal there allows nothing, as RFC 9309
        asks)."""
        import httpx

        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        if root not in self._robots:
            rp: RobotFileParser | None = RobotFileParser()
            try:
                self._polite(parts.netloc)
                status, _, _, body = self._get(root + "/robots.txt", 512 * 1024)
                if status in (401, 403) or status >= 500:
                    rp.disallow_all = True
                elif status >= 300:
                    rp = None  # none (or a redirect away): everything allowed
                else:
                    rp.parse(body.decode("utf-8", errors="replace").splitlines())
            except (_TooBig, zlib.error, _BadCoding):  # absurdly long or unreadable: as if none
                rp = None
            except httpx.TimeoutException:  # not kept: the page's own fetch says why
                return True
            except httpx.HTTPError:  # an unreachable host: the page's own fetch will say why
                rp = None
            self._robots[root] = rp
        rp = self._robots[root]
        return rp is None or rp.can_fetch(self.user_agent, url)

    # one page ------------------------------------------------------------------------------

    def _fetch(self, url: str, trusted: set[tuple[str, int]]) -> Page:
        import httpx

        ctx = self._ctx
        ctx.trusted, ctx.left, ctx.late = trusted, self.deadline, False
        hop = url
        for _ in range(self.max_redirects + 1):
            try:
                parts = urlsplit(hop)
                web = parts.scheme in ("http", "https") and bool(parts.hostname)
            except ValueError:  # "http://[::1": no address at all
                web = False
            origin = _origin(hop) if web else None
            if origin is None:
                if hop == url:
                    raise FetchError(f"{url}: is not a web address; give it as https://host/path")
                raise FetchError(f"{url}: redirects to {_short(hop)}, which is not a web address; open it in a "
                                 "browser and pass the address it ends at")
            try:
                with self._host_lock(parts.netloc):
                    if self._late.get(origin, 0.0) >= self.host_budget:
                        raise FetchError(f"{url}: {parts.hostname} has run pages past the {self.deadline:g} s "
                                         f"deadline for {self._late[origin]:.0f} s, so it is not asked again in this "
                                         "run; try again later or save the page")
                    if not self._allowed(hop):
                        raise FetchError(f"{url}: the site's robots.txt does not allow fetching it; "
                                         "save the page and pass the file")
                    self._polite(parts.netloc)
                    status, reason, headers, body = self._get(hop, self.max_bytes, PAGE_TYPES + FEED_TYPES)
            except (_Refused, _TooBig, _BadCoding, zlib.error, httpx.HTTPError, httpx.InvalidURL) as exc:
                raise self._failure(url, hop, origin, exc) from None
            if 300 <= status < 400:
                location = headers.get("location", "").strip()
                if status not in (301, 302, 303, 307, 308) or not location:
                    raise FetchError(f"{url}: the server answered {status} {reason} with no address to go to; "
                                     "open it in a browser and pass the address it ends at")
                try:
                    hop = urljoin(hop, location)
                except ValueError:
                    hop = location
                continue
            break
        else:
            raise FetchError(f"{url}: more than {self.max_redirects} redirects; open it in a browser and "
                             "pass the address it ends at")
        if not 200 <= status < 300:
            raise FetchError(f"{url}: the server answered {status} {reason}; check the address")
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype and ctype not in PAGE_TYPES + FEED_TYPES:
            raise FetchError(f"{url}: the server sent {_short(ctype, 60)}, not a web page or feed; "
                             "pass the article's text instead")
        if b"\x00" in body[:8192]:
            raise FetchError(f"{url}: the server sent binary data, not a web page; pass the article's text instead")
        return Page(url, hop, ctype, decode_page(body, headers.get("content-type", "")))

    def _failure(self, url: str, hop: str, origin: tuple[str, int], exc: Exception) -> FetchError:
        """The user's one line for a request that failed: what happened and what to do."""
        import httpx

        to = "" if hop == url else f"redirected to {_short(hop)}: "
        if isinstance(exc, _Refused):
            shown = f"{exc.host} is" if _literal(exc.host) or not exc.addresses else \
                f"{exc.host} resolves to {', '.join(exc.addresses[:3])},"
            why = f"{to}{shown} a local or private address, which is fetched only when given on the command line"
        elif isinstance(exc, httpx.TimeoutException) and self._ctx.late:
            with self._guard:
                self._late[origin] = self._late.get(origin, 0.0) + self.deadline
            why = f"the server took over {self.deadline:g} s to send the page; try again later or save the page"
        elif isinstance(exc, httpx.TimeoutException):
            why = f"no answer within {self.timeout:g} s; try again later or save the page"
        elif isinstance(exc, _TooBig):
            why = (f"the page is over the {self.max_bytes / 2**20:.0f} MB limit; save the article's text and "
                   "pass the file")
        elif isinstance(exc, _BadCoding):
            why = f"the server sent the page in {exc}, which is not read; save the page and pass the file"
        elif isinstance(exc, zlib.error):
            why = "the server sent a damaged compressed page; try again later or save the page"
        elif isinstance(exc, httpx.InvalidURL):
            why = f"{to}not an address that can be fetched; open it in a browser and pass the address it ends at"
        elif isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
            why = (f"the server broke off or sent no valid HTTP ({type(exc).__name__}); try again later or save "
                   "the page")
        elif "CERTIFICATE" in str(exc).upper():
            why = "the site's certificate cannot be verified; open it in a browser and save the page"
        else:
            why = f"cannot connect ({type(exc).__name__}); check the address and the network"
        return FetchError(f"{url}: {why}")

    def _trusted(self, url: str, private_ok: bool) -> set[tuple[str, int]]:
        """The hosts that may be private while ``url`` is fetched: those typed by the user."""
        if self.given is not None:
            with self._guard:
                if self._given is None:
                    self._given = {o for o in map(_origin, self.given) if o is not None}
            return self._given
        origin = _origin(url)
        return {origin} if private_ok and origin is not None else set()

    def _one(self, url: str, private_ok: bool) -> Page | FetchError:
        try:
            return self._fetch(url, self._trusted(url, private_ok))
        except FetchError as exc:
            return exc
        except Exception as exc:  # a malformed address, an odd answer: that page only
            return FetchError(f"{url}: cannot be fetched ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})")

    def _each(self, urls: list[str], private_ok: bool) -> Iterator[tuple[str, Page | FetchError]]:
        """(url, page or failure) as each is done, ``workers`` at a time; an interrupt (or the
        caller stopping) ends the workers at their next wait, without waiting for the batch."""
        todo: queue.SimpleQueue = queue.SimpleQueue()
        for u in urls:
            todo.put(u)
        done: queue.SimpleQueue = queue.SimpleQueue()
        stop = threading.Event()

        def work():
            self._ctx.stop = stop
            while not stop.is_set():
                try:
                    u = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    done.put((u, self._one(u, private_ok)))
                except _Stopped:
                    return

        threads = [threading.Thread(target=work, daemon=True, name="compare-fetch")
                   for _ in range(min(self.workers, len(urls)))]
        for t in threads:
            t.start()
        try:
            for _ in urls:
                while True:
                    try:
                        yield done.get(timeout=_SLICE)
                        break
                    except queue.Empty:
                        if not any(t.is_alive() for t in threads) and done.empty():
                            raise RuntimeError("the fetching threads ended early") from None
        finally:
            stop.set()

    def get_many(self, urls: Sequence[str], private_ok: bool = True) -> list[Page | FetchError]:
        """Every URL, from the cache where it is, else several hosts at a time; a failure in
        place of its page. Each page goes into the cache as it comes, in the calling thread.
        ``private_ok`` False refuses local and private addresses (links a feed gave); with
        ``given`` set, only the hosts given may be private whatever ``private_ok`` says."""
        out: dict[str, Page | FetchError] = {}
        for u in dict.fromkeys(urls):
            hit = self.cache.get_page(u) if self.cache is not None else None
            if hit is not None and not Page(u, *hit).is_feed:  # a feed is read afresh: it has news
                out[u] = Page(u, *hit)
        todo = [u for u in dict.fromkeys(urls) if u not in out]
        if todo:
            with closing(self._each(todo, private_ok)) as arriving:
                for u, page in arriving:
                    out[u] = page
                    if isinstance(page, Page) and self.cache is not None:
                        self.cache.put_page(u, page.final_url, page.content_type, page.text)
        return [out[u] for u in urls]


class _Acquired:
    """A host's lock, waited for in slices so an interrupt is seen."""

    def __init__(self, lock: threading.Lock, stop: threading.Event | None):
        self.lock, self.stop = lock, stop

    def __enter__(self):
        while not self.lock.acquire(timeout=_SLICE):
            if self.stop is not None and self.stop.is_set():
                raise _Stopped
        return self

    def __exit__(self, *exc):
        self.lock.release()


class _BadCoding(Exception):
    """A content coding not read (unknown, or stacked past ``MAX_CODINGS``)."""


def _body(raw: Iterable[bytes], codings: list[str], cap: int) -> bytes:
    """The body, its content codings undone as its bytes arrive; more than ``cap`` bytes, on
    the wire or decoded, raises :class:`_TooBig` before they are held."""
    codings = [c for c in codings if c and c != "identity"]
    unknown = [c for c in codings if c not in CODINGS]
    if unknown:
        raise _BadCoding(f"the encoding {_short(unknown[0], 40)!r}")
    if len(codings) > MAX_CODINGS:
        raise _BadCoding(f"{len(codings)} content encodings stacked")

    def counted(chunks: Iterable[bytes]) -> Iterator[bytes]:
        seen = 0
        for chunk in chunks:
            seen += len(chunk)
            if seen > cap:
                raise _TooBig(seen)
            yield chunk

    stream: Iterable[bytes] = counted(raw)
    for coding in reversed(codings):  # the last coding applied is undone first
        stream = _inflate(stream, coding)
    body = bytearray()
    for piece in stream:
        body += piece
        if len(body) > cap:
            raise _TooBig(len(body))
    return bytes(body)


def _inflate(chunks: Iterable[bytes], coding: str) -> Iterator[bytes]:
    """One gzip or deflate layer undone, ``_PIECE`` bytes of output at a time (a bomb never
    expands past what the caller takes); concatenated gzip members are read, bytes after the
    end are ignored, a stream cut short raises ``zlib.error``."""
    z = None
    head = b""
    for data in chunks:
        data, head = head + data, b""
        while data:
            if z is None:
                if coding == "deflate" and len(data) < 2:
                    head = data
                    break
                wbits = CODINGS[coding]
                if wbits is None:  # "deflate" is zlib-wrapped by the standard, raw by many servers
                    wbits = 15 if (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0 else -15
                z = zlib.decompressobj(wbits)
            out = z.decompress(data, _PIECE)
            if out:
                yield out
            if z.eof:
                rest = z.unused_data
                if CODINGS[coding] == 31 and rest.startswith(b"\x1f\x8b"):
                    z, data = None, rest
                    continue
                return
            data = z.unconsumed_tail
    if z is None:
        if head:
            raise zlib.error("the compressed page ends early")
        return
    tail = z.flush()
    if tail:
        yield tail
    if not z.eof:
        raise zlib.error("the compressed page ends early")


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
            except (LookupError, UnicodeError, ValueError):
                continue
    return raw.decode("cp1252", errors="replace")


def _entry_date(entry) -> date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        t = entry.get(key)
        if t:
            try:
                return datetime(*t[:6], tzinfo=UTC).date()
            except (TypeError, ValueError):
                continue
    return None


def feed_entries(text: str, source: str, since: date | None = None, until: date | None = None,
                 max_entries: int | None = MAX_ENTRIES) -> tuple[list[tuple[str, dict]], int]:
    """The entries of an RSS or Atom feed as (link, fields), within ``since``..``until`` (an
    entry without a date is kept), the first ``max_entries`` of them (None: all), and how many
    more there were; fields: the entry's title and date, for a page that gives none."""
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
    if max_entries is None or len(out) <= max_entries:
        return out, 0
    return out[:max_entries], len(out) - max_entries


def left_out(source: str, kept: int, more: int) -> str:
    """The one warning for a feed cut at ``--max-entries``."""
    return (f"{source}: {more:,} of its {kept + more:,} entries left out (--max-entries {kept:,}); "
            "pass a larger --max-entries to read more")


def feed_links(text: str, source: str, since: date | None = None, until: date | None = None,
               max_entries: int | None = None) -> list[tuple[str, dict]]:
    """The links :func:`feed_entries` gives, without the count of those left out."""
    return feed_entries(text, source, since, until, max_entries)[0]
