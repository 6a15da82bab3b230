"""URLs and feeds, against a local HTTP server on 127.0.0.1 serving saved pages: never the internet."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from compare.cache import Cache
from compare.ingest import read_articles
from compare.ingest.web import Fetcher

PAGES = {
    "dam-talks.html": ("Daily Page", "Dam talks stall in Strell", "2024-03-04", [
        "Talks on the future of the Orvel Dam stalled on Monday after both delegations walked out of the "
        "meeting in Strell, officials from both sides said.",
        "The Veskarian delegation said it would not return until Dornland withdrew its demand for "
        "international monitors at the dam.",
        "A new round of talks could be held next week, a mediator said, but no date has been set.",
    ]),
    "dam-water.html": ("Evening Wire", "Water shortages spread below the Orvel Dam", "2024-03-05", [
        "Residents of Kaldun queued for drinking water on Tuesday as the flow of the river below the "
        "Orvel Dam fell for a third day, local officials said.",
        "The town's mayor said supplies would last no more than a week if the sluices stayed closed.",
        "Aid groups said they had sent 40 tankers of water to the town since Sunday.",
    ]),
}


def page_html(name: str, host: str) -> str:
    site, title, day, paras = PAGES[name]
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<html><head><title>{title} | {site}</title><meta property='og:site_name' content='{site}'>"
            f"<meta property='article:published_time' content='{day}T09:00:00Z'>"
            f"<link rel='canonical' href='https://news.example/{name}'></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>"
            f"<article><h1>{title}</h1>{body}</article>"
            f"<aside><h3>Most read</h3><ul><li><a href='/x'>Celebrity chef opens a new restaurant downtown</a></li>"
            f"</ul></aside><footer>Copyright 2024 {site}. All rights reserved.</footer></body></html>")


def feed_xml(host: str) -> str:
    items = "".join(
        f"<item><title>{PAGES[n][1]}</title><link>http://{host}/{n}</link>"
        f"<pubDate>{d}</pubDate></item>"
        for n, d in (("dam-talks.html", "Mon, 04 Mar 2024 09:00:00 GMT"),
                     ("dam-water.html", "Tue, 05 Mar 2024 09:00:00 GMT")))
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Dam news</title>"
            f"<link>http://{host}/</link>{items}</channel></rss>")


class Handler(BaseHTTPRequestHandler):
    hits: dict = {}

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, ctype: str, body: bytes, length: int | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (the http.server name)
        host = self.headers["Host"]
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        name = self.path.lstrip("/")
        if self.path == "/robots.txt":
            self._send(200, "text/plain", b"User-agent: *\nDisallow: /private/\n")
        elif name in PAGES:
            self._send(200, "text/html; charset=utf-8", page_html(name, host).encode())
        elif self.path == "/feed.xml":
            self._send(200, "application/rss+xml", feed_xml(host).encode())
        elif self.path == "/feed-elsewhere.xml":  # one entry on this host, one on another name for it
            self._send(200, "application/rss+xml", feed_xml(host).replace(
                f"http://{host}/dam-water.html", f"http://localhost:{host.split(':')[1]}/dam-water.html").encode())
        elif self.path == "/big.html":  # says 50 MB; the fetcher must stop before reading it
            self._send(200, "text/html", b"<html>", length=50 * 2**20)
        elif self.path == "/photo.jpg":
            self._send(200, "image/jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
        elif self.path == "/sneaky.xml":  # a "feed" whose body is a file name
            self._send(200, "application/xml", b"/etc/hostname")
        elif self.path == "/to-private.html":  # a redirect into a path robots.txt refuses
            self.send_response(302)
            self.send_header("Location", "/private/page.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/old.html":
            self.send_response(301)
            self.send_header("Location", "/dam-talks.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(404, "text/html", b"<html>not here</html>")


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def fetcher(cache=None):
    return Fetcher(cache, timeout=5, delay=0.0)


def shape(articles):
    return [(a.id, a.outlet, a.title, a.date, a.url, a.text, a.body, a.headings,
             [(e.start, e.end, e.reason) for e in a.excluded]) for a in articles]


def saved(tmp_path, server):
    host = server.split("//")[1]
    for name in PAGES:
        (tmp_path / name).write_text(page_html(name, host), encoding="utf-8")
    return tmp_path


def test_urls_read_as_the_saved_pages(tmp_path, server):
    files, _ = read_articles([saved(tmp_path, server)])
    urls, warnings = read_articles([f"{server}/{n}" for n in sorted(PAGES)], fetcher=fetcher())
    assert shape(urls) == shape(files)
    assert [a.source for a in urls] == [f"{server}/{n}" for n in sorted(PAGES)]
    a = urls[0]
    assert (a.outlet, a.outlet_detected_by, a.date) == ("Daily Page", "page metadata", "2024-03-04")
    reasons = {e.text: e.reason for e in a.excluded}
    assert reasons["Celebrity chef opens a new restaurant downtown"] == "page chrome (outside the main text)"
    assert not any("Celebrity" in a.text[s.start:s.end] for s in a.body)


def test_a_feed_reads_its_entries_within_the_dates(tmp_path, server):
    files, _ = read_articles([saved(tmp_path, server)])
    from_feed, _ = read_articles([f"{server}/feed.xml"], fetcher=fetcher())
    assert shape(from_feed) == shape(files)
    from datetime import date

    one, _ = read_articles([f"{server}/feed.xml"], fetcher=fetcher(), since=date(2024, 3, 5))
    assert [a.title for a in one] == ["Water shortages spread below the Orvel Dam"]
    # a feed saved as a file fetches its entries the same way
    (tmp_path / "dam.rss").write_text(feed_xml(server.split("//")[1]), encoding="utf-8")
    local, _ = read_articles([tmp_path / "dam.rss"], fetcher=fetcher())
    assert shape(local) == shape(files)


@pytest.mark.parametrize("path,why", [
    ("/gone.html", "answered 404"),
    ("/big.html", "over the 10 MB limit"),
    ("/photo.jpg", "image/jpeg, not a web page"),
    ("/private/page.html", "robots.txt does not allow"),
])
def test_a_bad_address_is_one_line_and_the_rest_goes_on(server, path, why):
    arts, warnings = read_articles([f"{server}/dam-talks.html", f"{server}{path}"], fetcher=fetcher())
    assert [a.title for a in arts] == ["Dam talks stall in Strell"]
    bad = [w for w in warnings if path in w]
    assert len(bad) == 1 and why in bad[0] and "\n" not in bad[0]


def test_an_unreachable_host_and_redirects(server):
    arts, warnings = read_articles([f"{server}/old.html", "http://127.0.0.1:9/nothing.html"], fetcher=fetcher())
    assert [a.title for a in arts] == ["Dam talks stall in Strell"]
    assert any(w.startswith("http://127.0.0.1:9/nothing.html: skipped: cannot connect") for w in warnings)


def test_fetched_pages_are_kept_in_the_cache(tmp_path, server):
    cache = Cache(tmp_path / "c.sqlite")
    url = f"{server}/dam-water.html"
    before = Handler.hits.get("/dam-water.html", 0)
    first, _ = read_articles([url], fetcher=fetcher(cache))
    again, _ = read_articles([url], fetcher=fetcher(cache))
    assert Handler.hits["/dam-water.html"] == before + 1
    assert shape(again) == shape(first)


def test_cli_runs_urls(tmp_path, server):
    from click.testing import CliRunner

    from compare.cli import cli

    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", f"{server}/feed.xml", f"{server}/gone.html", "--out", str(out),
                                   "--embedder", "hashing", "--judge", "overlap", "--no-cache"])
    assert res.exit_code == 0, res.output
    assert "gone.html: skipped: the server answered 404" in res.output
    assert Path(out / "report.json").is_file()


def test_a_feed_body_is_never_read_as_a_file_name_and_redirects_are_checked_hop_by_hop(server):
    arts, warnings = read_articles([f"{server}/dam-talks.html", f"{server}/sneaky.xml", f"{server}/to-private.html"],
                                   fetcher=fetcher())
    assert [a.title for a in arts] == ["Dam talks stall in Strell"]
    assert any("sneaky.xml: skipped: not an RSS or Atom feed" in w for w in warnings)
    assert any("to-private.html: skipped: the site's robots.txt does not allow" in w for w in warnings)


def test_private_addresses_are_known():
    from compare.ingest.web import _private, decode_page

    assert _private("127.0.0.1") and _private("10.1.2.3") and _private("169.254.169.254") and _private("::1")
    assert not _private("8.8.8.8")
    assert decode_page("Привет".encode("cp1251"), "text/html; charset=windows-1251") == "Привет"
    assert decode_page(b"<meta charset='windows-1251'>" + "Привет".encode("cp1251")).endswith("Привет")


def test_the_report_of_a_url_run_is_the_saved_pages_report(tmp_path, server, fast_pipeline):
    from compare.report import to_json

    def doc(report):
        d = json.loads(to_json(report))
        for a in d["articles"]:
            a.pop("source")
        d.pop("timings", None)
        return d

    saved_report = fast_pipeline.run([saved(tmp_path, server)])
    urls = [f"{server}/{n}" for n in sorted(PAGES)]
    url_report = fast_pipeline.run(urls, fetcher=fetcher())
    feed_report = fast_pipeline.run([f"{server}/feed.xml"], fetcher=fetcher())
    assert doc(url_report) == doc(saved_report) == doc(feed_report)
    assert len(saved_report.claims) >= 6


def test_cli_fetches_private_addresses_only_on_the_hosts_typed(tmp_path, server):
    """A feed on a typed 127.0.0.1 may list entries there, but not on another private host
    (localhost, the same machine by another name, stands for the metadata service)."""
    from click.testing import CliRunner

    from compare.cli import cli

    port = server.rsplit(":", 1)[1]
    res = CliRunner().invoke(cli, ["run", f"{server}/feed-elsewhere.xml", f"{server}/dam-water.html", "--out",
                                   str(tmp_path / "out"), "--embedder", "hashing", "--judge", "overlap", "--no-cache"])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("2 articles")
    refused = [ln for ln in res.stderr.splitlines() if "private" in ln]
    assert len(refused) == 1 and refused[0].startswith(
        f"Warning: http://localhost:{port}/dam-water.html: skipped: localhost resolves to ")  # 127.0.0.1 (and ::1)
    assert refused[0].endswith("a local or private address, which is fetched only when given on the command line")
