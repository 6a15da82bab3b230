"""Property-based tests (hypothesis) over ingest and claims: whatever the text, no exception
escapes, every word ends in a claim or an excluded span, and the same input gives the same result.

CI runs 200 examples a property (the "ci" profile, registered in conftest.py);
``pytest --hypothesis-profile=long`` runs 2,000 for a longer local search.
"""

from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compare.claims import other_language_claims, split_sentences
from compare.errors import InputError
from compare.ingest import html_to_text, load_outlets, load_rules, parse_article, read_articles, unaccounted_words

OUTLETS, RULES = load_outlets(), load_rules()

# the odd characters real files hold: controls, zero-width and bidi marks, emoji, CRLF, BOM, NUL
ODD = st.sampled_from(["\x00", "\x07", "\r\n", "\r", "\ufeff", "\u200b", "\u200d", "\u202e", "\u2066", "\U0001F30A",
                       "\t", "\u00a0", "\u2028", "…", "“", "”", "—", "/TASS/.", "Original url: https://x.example/a",
                       "Leave a Reply", "Advertisement", "...", "(...)", "\n\n"])
WORDS = st.sampled_from(["The", "dam", "talks", "stalled", "on", "Monday.", "Officials", "said", "12", "people",
                         "MOSCOW,", "March", "4", "Kaldun", "«Переговоры»", "presa", "Վեսկարիա", "said:", '"We',
                         "will", "respond,"])
TEXT = st.lists(st.one_of(WORDS, ODD, st.text(max_size=12)), max_size=80).map(" ".join)
LONG_LINE = st.integers(min_value=10_500, max_value=30_000).map(lambda n: ("word " * (n // 5 + 1))[:n])


def accounted(art):
    return unaccounted_words(art, list(art.body) + list(art.headings)) == []


@given(TEXT)
def test_any_text_parses_and_every_word_is_accounted_for(text):
    art, _ = parse_article(text, "x.txt", "x", {}, OUTLETS, RULES)
    assert accounted(art)
    again, _ = parse_article(text, "x.txt", "x", {}, OUTLETS, RULES)
    assert again == art


@given(st.one_of(LONG_LINE, TEXT.map(lambda t: t * 40)))
def test_long_lines_are_read_in_bounded_pieces(text):
    art, _ = parse_article(text, "x.txt", "x", {}, OUTLETS, RULES)
    assert accounted(art)
    assert all(s.end - s.start <= 2 * 10_000 + 2 for s in art.body)


TAGS = st.sampled_from(["div", "p", "span", "script", "style", "article", "nav", "footer", "h1", "li", "ul", "table",
                        "td", "br", "b", "a"])


@st.composite
def html_pages(draw):
    parts = []
    for _ in range(draw(st.integers(0, 30))):
        tag = draw(TAGS)
        choice = draw(st.integers(0, 3))
        if choice == 0:
            parts.append(f"<{tag}>")
        elif choice == 1:
            parts.append(f"</{tag}>")
        elif choice == 2:
            parts.append(draw(TEXT))
        else:
            parts.append(f"<{tag}>{draw(TEXT)}</{tag}>")
    depth = draw(st.integers(0, 3000))
    return "<html><body>" + "<div>" * depth + "".join(parts) + "</div>" * depth + "</body></html>"


@given(html_pages())
def test_any_markup_reads_or_says_why(page):
    try:
        text, meta = html_to_text(page)
    except InputError:
        return
    art, _ = parse_article(text, "x.html", "x", {k: v for k, v in meta.items() if isinstance(v, str)},
                           OUTLETS, RULES, meta.get("page"))
    assert accounted(art)


@given(TEXT)
def test_sentences_of_other_languages_cover_the_text(text):
    spans = split_sentences(text)
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))
    covered = "".join(text[a:b] for a, b in spans)
    assert "".join(covered.split()) == "".join(text.split())


@given(TEXT, st.sampled_from(["ru", "es", "hy", "zz"]))
def test_other_language_claims_never_fail(text, lang):
    from compare.schema import Article, Span

    body = text.strip()
    if not body:
        return
    start = text.index(body[0])
    art = Article(id="x", source="x", outlet="X", title=None, date="2024-03-04", url=None, text=text,
                  body=(Span(start, start + len(body)),), language=lang)
    claims = other_language_claims(art)
    assert all(text[c.start:c.end] == c.text for c in claims)


@pytest.fixture(scope="module")
def extractor_module():
    from compare.claims import ClaimExtractor, load_spacy

    return ClaimExtractor(nlp=load_spacy())


@given(TEXT)
def test_english_claims_hold_every_body_word(extractor_module, text):
    art, _ = parse_article(text, "x.txt", "x", {"outlet": "X"}, OUTLETS, RULES)
    claims = extractor_module.extract([art])
    from compare.schema import Span

    assert unaccounted_words(art, [Span(c.start, c.end) for c in claims]) == []


@given(st.lists(st.tuples(st.sampled_from(["a.txt", "b.txt", "c.md", "d.jsonl", "manifest.csv"]),
                          st.binary(max_size=300) | TEXT.map(str.encode)), min_size=1, max_size=5))
def test_any_folder_reads_or_stops_with_one_line(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("any")
    for name, data in files:
        (folder / name).write_bytes(data)
    try:
        arts, warnings = read_articles([folder])
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert all("\n" not in w for w in warnings)
    for a in arts:
        assert accounted(a)
    assert read_articles([folder]) == (arts, warnings)  # the same folder reads the same


# the URL layer: whatever a server answers, a page ends as an article or one warning ---------------------

CASES: dict = {}  # path -> the answer's spec, read by the scripted server's routes


from .test_fetch_hostile import hostile as hostile  # noqa: E402,F401  the scripted server, one fixture for both files


def _framed(status: bytes, headers: list[tuple[str, str]], body: bytes, framing: str) -> bytes:
    if framing == "chunked":
        sizes = [body[i:i + 7] for i in range(0, len(body), 7)]
        body = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(c), c) for c in sizes) + b"0\r\n\r\n"
        headers = headers + [("Transfer-Encoding", "chunked")]
    elif framing == "chunked-cut":
        body = b"%x\r\n%s" % (len(body) + 100, body)
        headers = headers + [("Transfer-Encoding", "chunked")]
    elif framing in ("length", "longer", "shorter"):
        n = len(body) + {"length": 0, "longer": 500, "shorter": -min(len(body), 40)}[framing]
        headers = headers + [("Content-Length", str(n))]
    elif framing == "two-lengths":
        headers = headers + [("Content-Length", str(len(body))), ("Content-Length", "3")]
    head = b"".join(f"{k}: {v}\r\n".encode("latin-1", "replace") for k, v in headers)
    return status + b"\r\n" + head + b"Connection: close\r\n\r\n" + body  # "close": no length, ends at close


def _encoded(body: bytes, coding: str) -> tuple[bytes, str | None]:
    import gzip
    import zlib

    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    return {
        "none": (body, None), "identity": (body, "identity"), "gzip": (gzip.compress(body), "gzip"),
        "x-gzip": (gzip.compress(body), "x-gzip"), "deflate": (zlib.compress(body), "deflate"),
        "raw-deflate": (raw.compress(body) + raw.flush(), "deflate"),
        "gzip-twice": (gzip.compress(gzip.compress(body)), "gzip, gzip"),
        "gzip-thrice": (gzip.compress(gzip.compress(gzip.compress(body))), "gzip, gzip, gzip"),
        "br": (body, "br"), "compress": (body, "compress"), "gzip-lie": (body, "gzip"),
        "gzip-cut": (gzip.compress(body)[:-12], "gzip"), "two-members": (gzip.compress(body[:50]) + gzip.compress(body[50:]), "gzip"),
    }[coding]


ODD_LOCATIONS = ["{next}", "{next_rel}", "../fz/{n}/hop/{i1}", "//127.0.0.1:{port}/fz/{n}/hop/{i1}", "", " ",
                 "?q=1", "#top", "http://localhost:{port}/fz/{n}/final", "http://169.254.169.254/latest/meta-data/",
                 "http://[::ffff:127.0.0.1]:{port}/", "file:///etc/hostname", "javascript:alert(1)", "http://[::1",
                 "http:///nohost", "ftp://127.0.0.1/x", "/\\\\127.0.0.1/x", "/fz/{n}/hop/{i}", "/é/ü?ß=1",
                 "/" + "a" * 3000, "http://a b/", "\x7f/x"]

answers = st.fixed_dictionaries({
    "status": st.sampled_from([b"HTTP/1.1 200 OK", b"HTTP/1.1 204 No Content", b"HTTP/1.1 206 Partial",
                               b"HTTP/1.1 300 Choices", b"HTTP/1.1 304 Not Modified", b"HTTP/1.1 301 Moved",
                               b"HTTP/1.1 302 Found", b"HTTP/1.1 404 Not Found", b"HTTP/1.1 500 Oops",
                               b"HTTP/1.1 503 Busy", b"HTTP/1.1 999 What", b"HTTP/1.0 200 OK", b"HELLO",
                               b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK", b"HTTP/1.1 100 Continue",
                               b"HTTP/1.1 101 Switching Protocols", b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
                                                                    b"HTTP/1.1 200 OK"]),
    "hops": st.integers(0, 7),
    "location": st.sampled_from(ODD_LOCATIONS),
    "ctype": st.sampled_from(["text/html", "text/html; charset=utf-8", "TEXT/HTML; Charset=ISO-8859-1",
                              "text/html; charset=bogus", "text/html; charset=utf-16", "text/html; charset=punycode",
                              "text/html; charset=base64", "text/plain", "application/xhtml+xml",
                              "application/octet-stream", "image/png", "", "text/html;;;", "text/html\x00"]),
    "body": st.sampled_from(["good", "empty", "nul", "cp1251", "words", "junk", "tags"]),
    "coding": st.sampled_from(["none", "identity", "gzip", "x-gzip", "deflate", "raw-deflate", "gzip-twice",
                               "gzip-thrice", "br", "compress", "gzip-lie", "gzip-cut", "two-members"]),
    "framing": st.sampled_from(["length", "longer", "shorter", "chunked", "chunked-cut", "close", "two-lengths"]),
})


def _body(kind: str, host: str) -> bytes:
    from .test_fetch import page_html

    return {"good": page_html("dam-water.html", host).encode(), "empty": b"",
            "nul": b"<html>\x00\x00\x00</html>", "cp1251": "<p>Переговоры о плотине зашли в тупик.</p>".encode("cp1251"),
            "words": b"Talks on the dam stalled on Monday, officials said.", "junk": bytes(range(256)) * 4,
            "tags": b"<html><body><div><div><p>" * 50}[kind]


def _route(n: int, port: int):
    """The scripted server's answer for case ``n``: ``hops`` redirects (the last to an odd
    Location when the spec's status is a redirect), then the spec's answer."""
    def send(sock, i: int):
        spec = CASES[n]
        fill = {"n": n, "i": i, "i1": i + 1, "port": port, "next": f"http://127.0.0.1:{port}/fz/{n}/hop/{i + 1}",
                "next_rel": f"{i + 1}"}
        if i < spec["hops"]:
            location = ("{next}" if i % 2 else "{next_rel}").format(**fill)
            sock.sendall(_framed(b"HTTP/1.1 302 Found", [("Location", location)], b"", "length"))
            return
        status = spec["status"]
        headers = [("Content-Type", spec["ctype"])] if spec["ctype"] else []
        if status.split(b" ")[1:2] and status.split(b" ")[1][:1] == b"3":
            headers.append(("Location", spec["location"].format(**fill)))
        body, coding = _encoded(_body(spec["body"], f"127.0.0.1:{port}"), spec["coding"])
        if coding:
            headers.append(("Content-Encoding", coding))
        sock.sendall(_framed(status, headers, body, spec["framing"]))

    return send


@settings(max_examples=80, deadline=None)
@given(answers)
def test_any_answer_ends_in_an_article_or_one_warning(hostile, spec):
    import time

    from compare.ingest.web import Fetcher

    from .test_fetch import PAGES, page_html
    from .test_fetch_hostile import Scripted

    port = int(hostile.rsplit(":", 1)[1])
    n = len(CASES)
    CASES[n] = spec
    for i in range(9):
        Scripted.routes[f"/fz/{n}/hop/{i}"] = partial(_route(n, port), i=i)
    Scripted.routes[f"/fz/{n}/final"] = Scripted.routes[f"/fz/{n}/hop/8"]
    Scripted.routes["/fz/good.html"] = _framed(b"HTTP/1.1 200 OK", [("Content-Type", "text/html")],
                                               page_html("dam-talks.html", "x").encode(), "length")
    good, case = f"{hostile}/fz/good.html", f"{hostile}/fz/{n}/hop/0"
    began = time.monotonic()
    arts, warnings = read_articles([good, case], fetcher=Fetcher(None, timeout=2, deadline=4, delay=0.0,
                                                                given=[good, case]))
    assert time.monotonic() - began < 6
    assert [a.title for a in arts if a.source == good] == [PAGES["dam-talks.html"][1]]
    skipped = [w for w in warnings if w.startswith(case + ": skipped: ")]
    assert len(skipped) + sum(a.source == case for a in arts) == 1, (warnings, [a.source for a in arts])
    assert all("\n" not in w and "Traceback" not in w for w in warnings)
    assert not [w for w in skipped if "cannot be fetched (" in w], skipped  # every failure is a known one
