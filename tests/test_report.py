import json

from compare.report import render_html, render_markdown, to_json, write_reports

HOSTILE = """Evil Outlet headline

The minister said <script>alert(1)</script> that <img src=x onerror="alert(2)"> talks failed. See <a href="javascript:alert(3)">this</a> and </script><b>bold</b> *stars* [link](http://x).

Original url:
https://evil.example/2024/01/02/x
"""

FRIENDLY = "Talks failed on Monday, the minister said. The ministers met in Geneva.\n"


def hostile_report(fast_pipeline, corpus):
    folder = corpus({"evil.txt": HOSTILE, "ok.txt": FRIENDLY,
                     "manifest.toml": '[[article]]\nfile = "ok.txt"\noutlet = "Good Wire"\n'
                                      '[[article]]\nfile = "evil.txt"\noutlet = "Evil <b>Outlet</b>"\n'})
    return fast_pipeline.run([folder])


def test_html_escapes_article_text(fast_pipeline, corpus):
    html = render_html(hostile_report(fast_pipeline, corpus))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'onerror="alert(2)"' not in html and "<img" not in html
    assert 'href="javascript:' not in html
    assert "Evil <b>Outlet</b>" not in html and "Evil &lt;b&gt;Outlet&lt;/b&gt;" in html
    assert html.count("<script>") == 1  # only the page's own filter script


def test_html_is_self_contained(fast_pipeline, corpus):
    html = render_html(hostile_report(fast_pipeline, corpus))
    assert "http://" not in html.replace("http://x", "").split("<h2>Articles</h2>")[0]
    assert "<link" not in html and "src=\"http" not in html


def test_markdown_escapes_markup(fast_pipeline, corpus):
    md = render_markdown(hostile_report(fast_pipeline, corpus))
    assert "<script>" not in md and "\\<script\\>" in md
    assert "\\*stars\\*" in md


def test_json_contract_and_stable_bytes(fast_pipeline, corpus):
    report = hostile_report(fast_pipeline, corpus)
    doc = json.loads(to_json(report))
    assert {"articles", "claims", "clusters", "excluded", "model", "params", "timings", "stories"} <= set(doc)
    assert {"id", "source", "outlet", "title", "date", "url"} <= set(doc["articles"][0])
    assert {"id", "article", "text", "speaker"} <= set(doc["claims"][0])
    assert {"id", "claims", "outlets", "verdict", "signals", "story"} <= set(doc["clusters"][0])
    clustered = [c for cl in doc["clusters"] for c in cl["claims"]]
    assert sorted(clustered) == sorted(c["id"] for c in doc["claims"])  # each claim in exactly one cluster
    again = json.loads(to_json(fast_pipeline.run([corpus({})])))
    again["timings"] = doc["timings"] = {}
    assert again == doc


def test_write_reports_writes_three_files(fast_pipeline, corpus, tmp_path):
    out = tmp_path / "out"
    written = write_reports(hostile_report(fast_pipeline, corpus), out)
    assert sorted(p.name for p in written) == ["report.html", "report.json", "report.md"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_highlight_matches_inflections_of_lemmas():
    from compare.report.view import highlight

    pieces = highlight("backed by foreign mercenaries, Baku liberated towns", ["mercenary", "liberate"], "wording")
    assert [p.text for p in pieces if p.mark] == ["mercenaries", "liberated"]
    assert "".join(p.text for p in pieces) == "backed by foreign mercenaries, Baku liberated towns"
