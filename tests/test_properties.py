"""Property-based tests (hypothesis) over ingest and claims: whatever the text, no exception
escapes, every word ends in a claim or an excluded span, and the same input gives the same result.

CI runs 200 examples a property (the "ci" profile, registered in conftest.py);
``pytest --hypothesis-profile=long`` runs 2,000 for a longer local search.
"""

import pytest
from hypothesis import given
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
