"""Hostile servers, against a scripted server on 127.0.0.1 (never the internet): redirects into
private addresses, headers sent a byte at a time, compression bombs, unknown encodings, endless
feeds, an interrupt mid-fetch. Each ends in one warning line (or one ``Error:`` line), fast, and the
good pages of the corpus are still read."""

import gzip
import os
import signal
import socketserver
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest

from compare.ingest import read_articles
from compare.ingest.web import Fetcher

from .test_fetch import page_html

ROOT = Path(__file__).resolve().parent.parent


def response(status: str, headers: dict, body: bytes = b"") -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return f"HTTP/1.1 {status}\r\n{head}Connection: close\r\n\r\n".encode("latin-1") + body


def page(body: bytes, ctype: str = "text/html; charset=utf-8", **extra) -> bytes:
    return response("200 OK", {"Content-Type": ctype, "Content-Length": str(len(body))} | extra, body)


def redirect(location: str, status: str = "302 Found") -> bytes:
    return response(status, {"Location": location, "Content-Length": "0"})


def feed(entries: list[str]) -> bytes:
    items = "".join(f"<item><title>Entry {n}</title><link>{u}</link></item>" for n, u in enumerate(entries))
    return page(f"<?xml version='1.0'?><rss version='2.0'><channel><title>Feed</title>{items}</channel></rss>".encode(),
                "application/rss+xml")


def secret_html() -> bytes:
    return (b"<html><head><title>Instance credentials</title></head><body><article><h1>Instance credentials</h1>"
            b"<p>The access key of this machine is AKIA0000 and its secret is kept in the metadata service, "
            b"which answers any process that asks it on the link-local address.</p></article></body></html>")


def bomb(zeros: int) -> bytes:
    """``zeros`` zero bytes, gzipped twice: a few KB on the wire."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(2**20)
    once = b"".join(inner.compress(block) for _ in range(zeros // 2**20)) + inner.flush()
    return gzip.compress(once, 9)


class Scripted(socketserver.BaseRequestHandler):
    """Answers each path with what its route writes to the raw socket: bytes no HTTP library
    would send (lying lengths, a status line a byte at a time) are the point."""

    routes: dict = {}
    hits: dict = {}

    def handle(self):
        self.request.settimeout(10)
        data = b""
        try:
            while b"\r\n\r\n" not in data and len(data) < 65536:
                got = self.request.recv(4096)
                if not got:
                    return
                data += got
        except OSError:
            return
        path = data.split(b" ", 2)[1].decode("latin-1") if data.count(b" ") >= 2 else "/"
        Scripted.hits[path] = Scripted.hits.get(path, 0) + 1
        route = Scripted.routes.get(path) or Scripted.routes.get(path.split("?")[0])
        try:
            if route is None:
                self.request.sendall(response("404 Not Found", {"Content-Length": "9"}, b"not here."))
            elif callable(route):
                route(self.request)
            else:
                self.request.sendall(route)
        except OSError:  # the client gave up: that is what it should do
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start() -> tuple[str, Server]:
    """The scripted server, serving on a free port; its base URL."""
    srv = Server(("127.0.0.1", 0), Scripted)
    port = srv.server_address[1]
    base = f"http://127.0.0.1:{port}"

    def trickle(head: bytes, pause: float):
        def send(sock):
            for i in range(len(head)):
                sock.sendall(head[i:i + 1])
                time.sleep(pause)
            while True:  # then the headers never end
                sock.sendall(b"X")
                time.sleep(pause)
        return send

    good = page_html("dam-talks.html", f"127.0.0.1:{port}").encode()
    raw_deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    Scripted.routes.update({
        "/robots.txt": response("404 Not Found", {"Content-Length": "0"}),
        "/good.html": page(good),
        "/water.html": page(page_html("dam-water.html", f"127.0.0.1:{port}").encode()),
        "/secret.html": page(secret_html()),
        "/to-metadata": redirect("http://169.254.169.254/latest/meta-data/"),
        "/to-localhost": redirect(f"http://localhost:{port}/secret.html"),
        "/to-mapped": redirect(f"http://[::ffff:127.0.0.1]:{port}/secret.html", "301 Moved Permanently"),
        "/to-decimal": redirect(f"http://2130706433:{port}/secret.html", "307 Temporary Redirect"),
        "/to-zero": redirect(f"http://0.0.0.0:{port}/secret.html"),
        "/to-same": redirect("/good.html"),
        "/feed-private.xml": feed([f"{base}/good.html", f"http://localhost:{port}/secret.html",
                                   "http://169.254.169.254/latest/meta-data/"]),
        "/trickle": trickle(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n", 0.2),
        "/trickle-body": lambda s: (s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n"),
                                    [(s.sendall(b"<p>x</p>"), time.sleep(0.2)) for _ in range(1000)]),
        "/bomb.html": page(bomb(256 * 2**20), "text/html", **{"Content-Encoding": "gzip, gzip"}),
        "/gzip.html": page(gzip.compress(good), **{"Content-Encoding": "gzip"}),
        "/deflate.html": page(raw_deflate.compress(good) + raw_deflate.flush(), **{"Content-Encoding": "deflate"}),
        "/gzip-deflate.html": page(zlib.compress(gzip.compress(good)), **{"Content-Encoding": "gzip, deflate"}),
        "/triple.html": page(gzip.compress(gzip.compress(gzip.compress(good))),
                             **{"Content-Encoding": "gzip, gzip, gzip"}),
        "/br.html": page(b"\x1b\x00\x00\x00", **{"Content-Encoding": "br"}),
        "/feed-many.xml": feed([f"{base}/many/{n}.html" for n in range(30)]),
    })
    for n in range(30):
        Scripted.routes[f"/many/{n}.html"] = page(good.replace(b"Dam talks stall", f"Dam talks stall ({n})".encode()))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return base, srv


@pytest.fixture(scope="module")
def hostile():
    base, srv = start()
    yield base
    srv.shutdown()
    srv.server_close()


def quick(**kw):
    return Fetcher(None, **{"timeout": 5, "delay": 0.0} | kw)


def within(seconds: float, fn):
    """fn()'s result, or a failure when it has not returned after ``seconds``."""
    box: dict = {}

    def run():
        try:
            box["v"] = fn()
        except BaseException as exc:  # noqa: BLE001 (handed to the test's thread)
            box["e"] = exc

    t = threading.Thread(target=run, daemon=True)
    began = time.monotonic()
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still fetching after {seconds} s"
    if "e" in box:
        raise box["e"]
    return box["v"], time.monotonic() - began


def one_warning(warnings, path):
    bad = [w for w in warnings if path in w]
    assert len(bad) == 1 and "\n" not in bad[0], warnings
    return bad[0]


# 1. private addresses ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path,where", [
    ("/to-localhost", "localhost"),
    ("/to-mapped", "::ffff:127.0.0.1"),
    ("/to-decimal", "2130706433"),
    ("/to-zero", "0.0.0.0"),
    ("/to-metadata", "169.254.169.254"),
])
def test_a_redirect_from_a_given_address_to_another_private_one_is_refused(hostile, path, where):
    before = Scripted.hits.get("/secret.html", 0)
    (arts, warnings), _ = within(20, lambda: read_articles([f"{hostile}/good.html", f"{hostile}{path}"],
                                                           fetcher=quick(given=[f"{hostile}/good.html", f"{hostile}{path}"])))
    assert [a.title for a in arts] == ["Dam talks stall in Strell"]
    line = one_warning(warnings, path)
    assert "local or private address" in line and where in line
    assert Scripted.hits.get("/secret.html", 0) == before  # refused before connecting


def test_a_public_page_redirecting_to_the_metadata_service_is_refused(hostile):
    """news.test stands for a public site: only the injected resolver knows it, so the page is
    reached at the very address the check saw (no second lookup a rebinding DNS could answer)."""
    port = hostile.rsplit(":", 1)[1]
    asked = []

    def resolve(host, port):
        asked.append(host)
        return ["127.0.0.1"] if host == "news.test" else []

    typed = [f"http://news.test:{port}/good.html", f"http://news.test:{port}/to-metadata"]
    arts, warnings = read_articles(typed, fetcher=quick(given=typed, resolve=resolve))
    assert [a.title for a in arts] == ["Dam talks stall in Strell"]
    line = one_warning(warnings, "/to-metadata")
    assert "redirected to http://169.254.169.254/latest/meta-data/" in line and "private" in line
    assert "169.254.169.254" not in asked  # an address needs no lookup; it is checked as it is


def test_a_name_that_resolves_to_a_private_address_is_refused_unless_given(hostile):
    port = hostile.rsplit(":", 1)[1]

    def resolve(host, port):
        return {"news.test": ["127.0.0.1"], "inside.test": ["10.0.0.7", "127.0.0.1"]}.get(host, [])

    Scripted.routes["/to-inside"] = redirect(f"http://inside.test:{port}/secret.html")
    typed = [f"http://news.test:{port}/to-inside"]
    arts_warn = []
    with pytest.raises(Exception, match="nothing usable"):
        read_articles(typed, fetcher=quick(given=typed, resolve=resolve), skipped=arts_warn)
    assert len(arts_warn) == 1 and "inside.test" in arts_warn[0][1] and "private" in arts_warn[0][1]
    # given on the command line, the same address is fetched
    typed = [f"http://inside.test:{port}/secret.html"]
    arts, _ = read_articles(typed, fetcher=quick(given=typed, resolve=resolve))
    assert [a.title for a in arts] == ["Instance credentials"]


def test_a_feeds_entries_on_other_private_addresses_are_refused(hostile):
    typed = [f"{hostile}/feed-private.xml"]
    arts, warnings = read_articles(typed, fetcher=quick(given=typed))
    assert [a.title for a in arts] == ["Dam talks stall in Strell"]
    assert len(warnings) == 2 and all("local or private address" in w for w in warnings), warnings


def test_without_given_addresses_each_url_passed_may_be_private_but_not_its_redirects(hostile):
    """A library caller that names no ``given``: the URLs it passes are its own, a redirect to
    another private host is still refused."""
    arts, warnings = read_articles([f"{hostile}/good.html", f"{hostile}/to-localhost", f"{hostile}/to-same"],
                                   fetcher=quick())
    assert [a.title for a in arts] == ["Dam talks stall in Strell"] * 2
    assert "local or private address" in one_warning(warnings, "/to-localhost")


def test_addresses_are_classified():
    from compare.ingest.web import _private, _public

    for a in ("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
              "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "ff02::1", "ff0e::1",
              "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "192.0.2.1"):
        assert not _public(a), a
        assert _private(a), a
    for a in ("8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"):
        assert _public(a) and not _private(a), a


# 2. one deadline per page ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/trickle", "/trickle-body"])
def test_a_server_that_trickles_is_given_up_at_the_deadline(hostile, path):
    (arts, warnings), took = within(15, lambda: read_articles(
        [f"{hostile}/good.html", f"{hostile}{path}"], fetcher=quick(timeout=5, deadline=2)))
    assert took < 8
    assert [a.title for a in arts] == ["Dam talks stall in Strell"]
    assert "took over 2 s" in one_warning(warnings, path)


def test_a_host_past_its_deadlines_for_its_budget_is_not_asked_again(hostile):
    """Six trickling entries of one host cost two deadlines (its budget), not six; one slow
    page alone costs the host's other pages nothing."""
    Scripted.routes.update({f"/trickle/{n}": Scripted.routes["/trickle"] for n in range(6)})
    urls = [f"{hostile}/trickle/{n}" for n in range(6)]
    pages, took = within(20, lambda: quick(deadline=1.5, host_budget=3).get_many(urls))
    assert took < 5.5
    assert sum("took over 1.5 s to send the page" in str(p) for p in pages) == 2
    assert sum("not asked again" in str(p) for p in pages) == 4
    pages = quick(deadline=1.5, host_budget=3).get_many([f"{hostile}/trickle", f"{hostile}/good.html",
                                                         f"{hostile}/water.html"])
    assert [type(p).__name__ for p in pages] == ["FetchError", "Page", "Page"]


# 3. compression ----------------------------------------------------------------------------------------

def test_a_compression_bomb_is_stopped_at_the_cap_as_it_is_decoded(hostile):
    """256 MiB of zeros in ~1 KB, gzipped twice: refused at 10 MB, read in a child process
    whose peak memory is measured."""
    code = ("import re, sys; from compare.ingest.web import Fetcher;"
            "r = Fetcher(None, timeout=5, delay=0).get_many([sys.argv[1]])[0];"
            "print(type(r).__name__, r);"  # VmHWM: this process's own peak (ru_maxrss counts its parent's at fork)
            "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))")
    out = subprocess.run([sys.executable, "-c", code, f"{hostile}/bomb.html"], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    kind, peak = out.stdout.splitlines()[0], int(out.stdout.splitlines()[-1])
    assert kind.startswith("FetchError") and "over the 10 MB limit" in kind
    assert peak < 150 * 1024, out.stdout  # KiB: the bomb never lands in memory


@pytest.mark.parametrize("path", ["/gzip.html", "/deflate.html", "/gzip-deflate.html"])
def test_compressed_pages_are_read(hostile, path):
    arts, warnings = read_articles([f"{hostile}{path}"], fetcher=quick())
    assert [a.title for a in arts] == ["Dam talks stall in Strell"] and not warnings


@pytest.mark.parametrize("path,why", [("/triple.html", "3 content encodings"), ("/br.html", "br")])
def test_stacked_and_unknown_encodings_are_refused(hostile, path, why):
    arts, warnings = read_articles([f"{hostile}/good.html", f"{hostile}{path}"], fetcher=quick())
    assert [a.title for a in arts] == ["Dam talks stall in Strell"]
    assert why in one_warning(warnings, path)


# 11. an interrupt --------------------------------------------------------------------------------------

def test_an_interrupt_stops_fetching_at_once_and_keeps_what_was_fetched(hostile, tmp_path):
    """A feed of 40 slow entries (0.3 s each): one SIGINT after a few have come stops the run
    within 2 s with one Error line; the pages fetched so far are in the cache."""
    def slow(n):
        def send(sock):
            time.sleep(0.3)
            sock.sendall(Scripted.routes[f"/many/{n % 30}.html"])
        return send

    Scripted.routes.update({f"/slow/{n}.html": slow(n) for n in range(40)})
    Scripted.routes["/feed-slow.xml"] = feed([f"{hostile}/slow/{n}.html" for n in range(40)])
    cache = tmp_path / "c.sqlite"
    env = os.environ | {"HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "compare", "run", f"{hostile}/feed-slow.xml", "--out",
                             str(tmp_path / "out"), "--cache", str(cache), "--embedder", "hashing", "--judge",
                             "overlap", "-q"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True,
                            # a suite started in the background (`make test &`) ignores SIGINT, and
                            # so would the run: give it the default, as a terminal would
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    start = time.monotonic()
    while sum(Scripted.hits.get(f"/slow/{n}.html", 0) for n in range(40)) < 4:
        assert time.monotonic() - start < 60, "the feed's entries were never fetched"
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    try:
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    took = time.monotonic() - sent
    assert took < 2.5, f"exited {took:.1f} s after the interrupt"
    assert proc.returncode == 130
    assert err.strip().splitlines() == [err.strip().splitlines()[-1]] and err.strip().startswith("Error: interrupted")
    assert "Traceback" not in err
    with sqlite3.connect(cache) as db:
        kept = db.execute("SELECT count(*) FROM pages WHERE url LIKE '%/slow/%'").fetchone()[0]
    assert kept >= 2


def test_each_page_goes_into_the_cache_as_it_comes(hostile):
    """Two quick pages are in the cache while a third (on another host: a host past its
    deadline is not asked again) still trickles."""
    class Recorder:
        def __init__(self):
            self.put: dict = {}

        def get_page(self, url):
            return None

        def put_page(self, url, *rest):
            self.put[url] = time.monotonic()

    cache = Recorder()
    urls = [f"{hostile}/good.html", f"{hostile}/water.html", f"{hostile.replace('127.0.0.1', 'localhost')}/trickle-body"]
    pages = Fetcher(cache, timeout=5, delay=0.0, deadline=2, workers=3).get_many(urls)
    done = time.monotonic()
    assert [type(p).__name__ for p in pages] == ["Page", "Page", "FetchError"], pages
    assert sorted(cache.put) == sorted(urls[:2])
    assert all(done - t > 1.0 for t in cache.put.values())


# 12. endless feeds -------------------------------------------------------------------------------------

def test_a_feeds_entries_are_capped():
    from compare.ingest.web import MAX_ENTRIES, feed_entries

    items = "".join(f"<item><title>{n}</title><link>https://one.example/{n}.html</link></item>" for n in range(10_000))
    text = f"<?xml version='1.0'?><rss version='2.0'><channel><title>All</title>{items}</channel></rss>"
    links, left = feed_entries(text, "https://one.example/feed.xml", max_entries=MAX_ENTRIES)
    assert MAX_ENTRIES == 200 and len(links) == 200 and left == 9_800
    assert links[0][0] == "https://one.example/0.html"
    links, left = feed_entries(text, "feed.xml", max_entries=None)
    assert (len(links), left) == (10_000, 0)


def test_a_feed_fetches_at_most_max_entries_and_says_how_many_were_left_out(hostile):
    before = sum(Scripted.hits.get(f"/many/{n}.html", 0) for n in range(30))
    arts, warnings = read_articles([f"{hostile}/feed-many.xml"], fetcher=quick(max_entries=5))
    assert len(arts) == 5
    assert sum(Scripted.hits.get(f"/many/{n}.html", 0) for n in range(30)) - before == 5
    line = one_warning(warnings, "feed-many.xml")
    assert "25 of its 30 entries left out" in line and "--max-entries" in line


def test_cli_max_entries(hostile, tmp_path):
    from click.testing import CliRunner

    from compare.cli import cli

    Scripted.routes["/water.html"] = page(page_html("dam-water.html", hostile.split("//")[1]).encode())
    Scripted.routes["/feed-two.xml"] = feed([f"{hostile}/good.html", f"{hostile}/water.html", f"{hostile}/many/1.html"])
    res = CliRunner().invoke(cli, ["run", f"{hostile}/feed-two.xml", "--max-entries", "2", "--out", str(tmp_path / "o"),
                                   "--embedder", "hashing", "--judge", "overlap", "--no-cache"])
    assert res.exit_code == 0, res.output
    assert [ln for ln in res.stderr.splitlines() if "left out" in ln] == [
        f"Warning: {hostile}/feed-two.xml: 1 of its 3 entries left out (--max-entries 2); "
        "pass a larger --max-entries to read more"]


# 5. nothing printed raw --------------------------------------------------------------------------------

def test_cli_prints_no_escape_sequence_it_was_given(hostile, tmp_path):
    from click.testing import CliRunner

    from compare.cli import cli

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("MOSCOW, March 4, 2024 /TASS/. Talks on the Orvel Dam stalled on Monday, officials said.\n")
    (folder / "b.txt").write_text("Talks on the Orvel Dam stalled on Monday, The Moscow Times reported.\n")
    (folder / "evil\x1b]0;pwned\x07\x1b[2J.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    res = CliRunner().invoke(cli, ["run", str(folder), f"{hostile}/\x1b[31mred.html", "--out", str(tmp_path / "o"),
                                   "--embedder", "hashing", "--judge", "overlap", "--no-cache"])
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.output and "\x07" not in res.output
    assert "evil\\x1b]0;pwned\\x07\\x1b[2J.txt: skipped" in res.stderr
    assert "\\x1b[31mred.html: skipped" in res.stderr
    res = CliRunner().invoke(cli, ["run", str(tmp_path / "gone\x1b[2J"), "--out", str(tmp_path / "o"),
                                   "--embedder", "hashing", "--judge", "overlap", "--no-cache"])
    assert res.exit_code == 1 and "\x1b" not in res.output and "gone\\x1b[2J" in res.output
    assert res.output.startswith("Error: ")
    # the CLI's own lines: the files written, an --out it cannot use, click's refusal of a value
    good = [str(folder / "a.txt"), str(folder / "b.txt")]
    res = CliRunner().invoke(cli, ["run", *good, "--out", str(tmp_path / "o\x1b[2J"), "--embedder", "hashing",
                                   "--judge", "overlap", "--no-cache"])
    assert res.exit_code == 0 and "\x1b" not in res.output and "o\\x1b[2J" in res.stdout
    (tmp_path / "f\x1b[2J").write_text("a file in the way")
    res = CliRunner().invoke(cli, ["run", *good, "--out", str(tmp_path / "f\x1b[2J" / "o"), "--no-cache"])
    assert res.exit_code == 1 and "\x1b" not in res.output and res.output.startswith("Error: cannot write")
    res = CliRunner().invoke(cli, ["run", *good, "--view", "\x1b[2Jall"])
    assert res.exit_code == 2 and "\x1b" not in res.output and "\\x1b[2Jall" in res.output
