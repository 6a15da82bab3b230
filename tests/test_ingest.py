from pathlib import Path

import pytest

from compare.errors import InputError
from compare.ingest import load_outlets, load_rules, parse_article, read_articles, unaccounted_words
from compare.schema import Span

from .conftest import PAPER, SEEDS, WIRE


def parse(text, known=None):
    return parse_article(text, "x.txt", "x", known or {}, load_outlets(), load_rules())


def body_text(art):
    return [art.text[s.start:s.end] for s in art.body]


def test_dateline_gives_outlet_and_is_excluded():
    art, warnings = parse(WIRE)
    assert art.outlet == "TASS" and art.outlet_detected_by == "dateline"
    assert body_text(art)[0].startswith("Dornish artillery shelled")
    assert ("dateline", "KALDOR, March 3 /TASS/. ") in [(e.reason, e.text) for e in art.excluded]
    assert warnings == []


def test_reader_comments_and_forms_are_excluded_with_reasons():
    art, _ = parse(WIRE)
    reasons = {e.text: e.reason for e in art.excluded}
    assert reasons["1. This is all propaganda, nobody believes it."] == "reader comment"
    assert reasons["Leave a Reply"] == "comment form"
    assert not any("propaganda" in b for b in body_text(art))


def test_newsletter_url_and_title():
    art, _ = parse(PAPER)
    assert art.outlet == "The Moscow Times" and art.outlet_detected_by == "url"
    assert art.date == "2024-03-04"
    assert art.title == "Shelling hits border town"
    reasons = {e.text: e.reason for e in art.excluded}
    assert reasons["Get the latest news every morning."] == "newsletter box"
    assert reasons["https://www.themoscowtimes.com/2024/03/04/shelling-a1"] == "source line"


def test_sentence_broken_by_blank_line_is_rejoined():
    art, _ = parse("Title here\n\nWith the river low and the dam closed for the whole of the dry season\n\n"
                   "farmers lost their crops. Officials agreed.\n")
    assert body_text(art) == ["With the river low and the dam closed for the whole of the dry season\n\n"
                              "farmers lost their crops. Officials agreed."]


def test_unknown_outlet_warns_and_uses_file_name():
    art, warnings = parse("Something happened today. It was big.\n")
    assert art.outlet == "x"
    assert "outlet not recognised" in warnings[0]


def test_manifest_overrides_detection(corpus):
    folder = corpus({"a.txt": WIRE, "manifest.toml": '[[article]]\nfile = "a.txt"\noutlet = "Wire Co"\n'
                     'date = "2024-03-04"\n'})
    arts, _ = read_articles([folder])
    assert [(a.outlet, a.date, a.outlet_detected_by) for a in arts] == [("Wire Co", "2024-03-04", "manifest")]


def test_html_and_jsonl_inputs(corpus):
    folder = corpus({
        "p.html": "<html><head><meta property='og:site_name' content='Daily Page'><script>x=1</script></head>"
                  "<body><h1>Dam talks stall</h1><p>Talks on the dam stalled on Monday.</p>"
                  "<p>Related: Other story</p></body></html>",
        "more.jsonl": '{"text": "Ministers met in Strell. They agreed to talk again.", "outlet": "Wire J"}\n',
    })
    arts, _ = read_articles([folder])
    by = {a.outlet: a for a in arts}
    assert set(by) == {"Daily Page", "Wire J"}
    assert body_text(by["Daily Page"]) == ["Talks on the dam stalled on Monday."]
    assert "x=1" not in by["Daily Page"].text


@pytest.mark.parametrize("make,message", [
    (lambda d: d / "missing", "no such file or folder"),
    (lambda d: d, "no article files"),
])
def test_bad_paths_raise_input_error(tmp_path, make, message):
    with pytest.raises(InputError, match=message):
        read_articles([make(tmp_path)])


def test_binary_file_is_rejected(tmp_path):
    f = tmp_path / "a.txt"
    f.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(InputError, match="not a text file"):
        read_articles([f])


def test_every_seed_word_is_in_body_heading_or_excluded():
    arts, _ = read_articles([SEEDS])
    assert len(arts) == 5
    for a in arts:
        assert unaccounted_words(a, list(a.body) + list(a.headings)) == [], a.source
        assert Path(a.source).name.endswith(".txt")


def test_seed_outlets_are_detected_from_text():
    arts, warnings = read_articles([SEEDS])
    assert [a.outlet for a in arts] == ["TASS", "TRT World", "Massis Post", "ARKA", "The Moscow Times"]
    # TASS and ARKA datelines ("MOSCOW, May 26. /TASS/.") give no year; TASS's day is the others'
    # day, ARKA's "April 16" is weeks from any of them (its true year is 2021, not theirs)
    assert [w.split("/")[-1] for w in warnings] == [
        "000_75e62693f20525bf.txt: the dateline gives no year; 2023 taken from the other articles",
        "003_a0fdcd33e81b8070.txt: the dateline gives no year and no other article is dated within 14 days "
        "of it; date left out (give it in a manifest)"]
    # Massis Post prints no date: seeds/manifest.csv gives it, and only it
    assert [a.date for a in arts] == ["2023-05-26", "2023-05-26", "2023-05-19", None, "2023-05-26"]
    assert [bool(a.date_guessed) for a in arts] == [True, False, False, True, False]
    assert arts[2].outlet_detected_by != "manifest"
    comments = [e for a in arts for e in a.excluded if e.reason == "reader comment"]
    assert any("Every time there are talks" in e.text for e in comments)


def test_unaccounted_words_reports_gaps():
    art, _ = parse(WIRE)
    assert "Dornish" in unaccounted_words(art, [])
    assert unaccounted_words(art, [Span(s.start, s.end) for s in art.body + art.headings]) == []


def test_yearless_dateline_takes_the_year_of_the_other_articles(corpus):
    folder = corpus({"wire.txt": WIRE,
                     "paper.txt": "Kaldun under fire\n\nMarch 4, 2024\n\nShelling hit the town on Monday.\n"})
    arts, warnings = read_articles([folder])
    dates = {a.id: a.date for a in arts}
    assert dates == {"paper": "2024-03-04", "wire": "2024-03-03"}
    assert any("wire.txt: the dateline gives no year; 2024 taken from the other articles" in w for w in warnings)


def test_yearless_dateline_alone_is_dropped_with_a_warning(corpus):
    arts, warnings = read_articles([corpus({"wire.txt": WIRE})])
    assert arts[0].date is None
    assert any("no other article has one" in w for w in warnings)


def test_common_page_chrome_is_excluded_with_its_reason():
    text = ("Plant leak contained\n\n"
            "By Kerry Dunne, Chief Reporter | Monday, June 3, 2024 | Updated 4:15pm\n\n"
            "June 3, 2024 · 4 min read\n\n"
            "Share this article\n\n"
            "Share: Facebook | X | Email\n\n"
            "Styrene leaked from a tank at the plant late on Sunday night.\n\n"
            "TAKE ACTION: Tell the state to order an independent investigation. Add your name\n\n"
            "Markets and industry news in your inbox every weekday.\n\n"
            "Sign up now\n\n"
            "We are reader-funded. Donate today to keep our reporting independent.\n\n"
            "Got a story? Email the newsdesk.\n")
    art, _ = parse(text)
    reasons = {e.text.strip(): e.reason for e in art.excluded}
    assert reasons == {
        "By Kerry Dunne, Chief Reporter | Monday, June 3, 2024 | Updated 4:15pm": "byline",
        "June 3, 2024 · 4 min read": "page chrome",
        "Share this article": "share buttons",
        "Share: Facebook | X | Email": "share buttons",
        "TAKE ACTION: Tell the state to order an independent investigation. Add your name": "call to action",
        "Markets and industry news in your inbox every weekday.": "newsletter box",
        "Sign up now": "newsletter box",
        "We are reader-funded. Donate today to keep our reporting independent.": "donation box",
        "Got a story? Email the newsdesk.": "tip line",
    }
    assert body_text(art) == ["Styrene leaked from a tank at the plant late on Sunday night."]


def test_a_broken_sentence_is_not_rejoined_across_excluded_text():
    text = ("Town demands answers\n\n"
            "Residents gathered outside the town hall on Monday evening to demand answers from the\n\n"
            "Related: Five years of spills\n\n"
            "company about the leak.\n")
    art, _ = parse(text)
    assert "Related: Five years of spills" in [e.text.strip() for e in art.excluded]
    assert not any("Related" in b for b in body_text(art)), body_text(art)


@pytest.mark.parametrize("sentence", [
    "Police warned residents that fake delivery notices may be landing in your inbox this week.",
    "Residents who want to help can donate now at the Red Cross shelter on Main Street, the mayor said.",
    "The Ledger, a reader-funded nonprofit newsroom, first reported the leak on Tuesday.",
    "Donate blood, the hospital urged residents on Monday.",
    "Support us, the protesters chanted outside parliament.",
    "Have a tip for the inspectors? The agency opened a hotline on Friday.",
    "Officials said there was no spam filter on the council's email server.",
    "By Tuesday, the water had receded.",
    "By noon the crews had left.",
])
def test_prose_that_looks_like_chrome_stays_article_text(sentence):
    art, _ = parse("Headline here\n\n" + sentence + "\n")
    assert body_text(art) == [sentence]


def test_a_long_menu_line_is_chrome_and_quick_to_match():
    menu = " | ".join(["News", "World News", "Business", "Opinion"] * 10)  # ambiguous regexes take hours here
    art, _ = parse("Headline here\n\n" + menu + "\n\nThe council met on Monday.\n")
    assert [e.reason for e in art.excluded] == ["page chrome"]


def test_yearless_dateline_gives_way_to_a_dated_url(corpus):
    wire = WIRE + "\nSource: https://wire.example/2021/03/03/shelling\n"
    arts, warnings = read_articles([corpus({"wire.txt": wire})])
    assert arts[0].date == "2021-03-03" and not any("no year" in w for w in warnings)


def test_yearless_dateline_takes_the_nearest_year_and_impossible_days_are_refused(corpus):
    paper = "Kaldun under fire\n\nJanuary 2, 2024\n\nShelling hit the town on Monday.\n"
    arts, _ = read_articles([corpus({"wire.txt": WIRE.replace("March 3", "Dec 31"), "paper.txt": paper})])
    assert {a.id: a.date for a in arts}["wire"] == "2023-12-31"
    arts, warnings = read_articles([corpus({"wire.txt": WIRE.replace("March 3", "Feb 30"), "paper.txt": paper})])
    assert {a.id: a.date for a in arts}["wire"] is None  # no such day: no date rather than a crash


def test_a_manifest_that_lists_nothing_is_refused(tmp_path):
    (tmp_path / "wire.txt").write_text(WIRE)
    (tmp_path / "m.toml").write_text('[files."wire.txt"]\noutlet = "Wire"\n')
    with pytest.raises(InputError, match="no articles listed"):
        read_articles([str(tmp_path / "wire.txt")], tmp_path / "m.toml")


STORY = ("Talks on the dam stalled on Monday after both delegations walked out of the meeting in Strell.\n\n"
         "A new round could be held next week, a mediator said.\n")


def test_a_folder_of_story_folders_is_read_at_every_level(tmp_path):
    for story, outlets in (("dam", ("a", "b")), ("budget/city", ("c", "d"))):
        folder = tmp_path / story
        folder.mkdir(parents=True)
        for o in outlets:
            (folder / f"{o}.txt").write_text(STORY, encoding="utf-8")
        (folder / "manifest.csv").write_text("file,outlet\n" + "".join(f"{o}.txt,Outlet {o.upper()}\n" for o in outlets),
                                             encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text(STORY, encoding="utf-8")
    out = tmp_path / "dam" / "report"  # an earlier run's report inside the corpus is passed over
    out.mkdir()
    (out / "report.json").write_text("{}", encoding="utf-8")
    (out / "report.md").write_text("# report", encoding="utf-8")
    arts, _ = read_articles([tmp_path])
    assert [(a.id, a.outlet, a.outlet_detected_by) for a in arts] == [
        ("c", "Outlet C", "manifest"), ("d", "Outlet D", "manifest"),
        ("a", "Outlet A", "manifest"), ("b", "Outlet B", "manifest")]


@pytest.mark.parametrize("first,outlet", [
    ("Fox News", "Fox News"), ("The New York Times", "The New York Times"), ("HuffPost", "HuffPost"),
    ("Huffington Post", "HuffPost"), ("NYT", "The New York Times"),
])
def test_a_first_line_naming_a_known_outlet_is_its_masthead(first, outlet):
    art, warnings = parse(f"{first}\n\nDam talks stall in Strell\n\n{STORY}")
    assert (art.outlet, art.outlet_detected_by) == (outlet, "masthead")
    assert ("masthead", first) in [(e.reason, e.text) for e in art.excluded]
    assert art.title == "Dam talks stall in Strell"
    assert warnings == []


def test_a_headline_that_is_no_outlet_stays_the_title():
    art, _ = parse(f"Sun sets on the dam talks\n\n{STORY}")
    assert art.title == "Sun sets on the dam talks" and art.outlet_detected_by == "file name"


def test_the_registry_knows_outlets_by_domain_and_agency_tag():
    from compare.ingest import load_outlets

    reg = load_outlets()
    assert len(reg) >= 400
    assert reg.by_url("https://edition.cnn.com/2024/03/04/world/x").name == "CNN"
    assert reg.by_url("https://www.nytimes.com/2015/02/25/world/x.html").name == "The New York Times"
    assert reg.by_url("https://example.org/x") is None
    assert reg.by_tag("(Reuters)").name == "Reuters"
    art, _ = parse("WASHINGTON (AP) — The dam talks stalled on Monday, officials said.\n")
    assert (art.outlet, art.outlet_detected_by) == ("Associated Press", "dateline")


def test_a_user_registry_csv_comes_first(tmp_path):
    from compare.ingest import load_outlets

    f = tmp_path / "mine.csv"
    f.write_text("name,domains,country,language,aliases,datelines\nStrell Courier,courier.example,XX,en,"
                 "The Courier,SC\n", encoding="utf-8")
    reg = load_outlets(f)
    assert reg.by_url("http://courier.example/a").name == "Strell Courier"
    assert reg.by_name("The Courier").name == "Strell Courier"


@pytest.mark.parametrize("junk", ["...", "(...)", "”", "* * *", "—"])
def test_punctuation_only_paragraphs_are_excluded_never_claims(junk):
    art, _ = parse(f"Dam talks stall\n\n{STORY}\n{junk}\n\nOfficials agreed to meet again.\n")
    assert ("no words (punctuation only)", junk) in [(e.reason, e.text) for e in art.excluded]
    assert not any(art.text[s.start:s.end].strip() == junk for s in (*art.body, *art.headings))
    assert unaccounted_words(art, art.body + art.headings) == []


def test_json_files_hold_one_article_or_a_list(corpus):
    folder = corpus({
        "one.json": '{"text": "Ministers met in Strell on Monday. They agreed to talk again.", "outlet": "Wire J"}',
        "many.json": '[{"text": "The dam reopened on Tuesday, officials said.", "outlet": "Wire K"},'
                     ' {"html": "<p>Water flowed again below the dam on Tuesday.</p>", "outlet": "Wire L"}]',
    })
    arts, _ = read_articles([folder])
    assert sorted(a.outlet for a in arts) == ["Wire J", "Wire K", "Wire L"]


def test_each_article_gets_its_language(corpus):
    folder = corpus({
        "en.txt": STORY,
        "ru.txt": "Переговоры о плотине зашли в тупик в понедельник после того, как обе делегации покинули "
                  "встречу в Стрелле. Новый раунд может пройти на следующей неделе, сообщил посредник.\n",
        "es.txt": "Las conversaciones sobre la presa se estancaron el lunes después de que ambas delegaciones "
                  "abandonaran la reunión en Strell. Una nueva ronda podría celebrarse la próxima semana.\n",
    })
    arts, _ = read_articles([folder])
    assert {a.id: a.language for a in arts} == {"en": "en", "ru": "ru", "es": "es"}


def test_manifests_as_spreadsheets_and_people_write_them(tmp_path):
    (tmp_path / "a.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "b.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "manifest.csv").write_bytes("\ufefffile,outlet,language,notes\na.txt,Outlet A,en-US,x\nb.txt,Outlet B,,\n"
                                            .encode("utf-8"))
    arts, _ = read_articles([tmp_path])
    assert [(a.outlet, a.language) for a in arts] == [("Outlet A", "en"), ("Outlet B", "en")]
    (tmp_path / "manifest.csv").unlink()
    (tmp_path / "manifest.toml").write_text('[article]\nfile = "a.txt"\n', encoding="utf-8")
    arts, warnings = read_articles([tmp_path])  # a folder's bad manifest costs only itself
    assert [(a.outlet, a.outlet_detected_by) for a in arts] == [("a", "file name"), ("b", "file name")]
    assert [w for w in warnings if "manifest.toml" in w] == [
        f"{tmp_path}/manifest.toml: skipped: write each article as [[article]] (a list of tables), not [article]; "
        "the files of its folder are read as if it were not there"]
    with pytest.raises(InputError, match=r"\[\[article\]\]"):
        read_articles([tmp_path], strict=True)


def test_xhtml_and_deep_markup_keep_their_text():
    from compare.ingest import html_to_text

    text, _ = html_to_text('<?xml version="1.0" encoding="UTF-8"?><html><body><p>Talks resumed on Monday.</p>'
                           '</body></html>')
    assert text == "Talks resumed on Monday.\n"
    deep = "<html><body><p>Menu</p>" + "<div>" * 3000 + "<p>The dam talks stalled.</p>" + "</div>" * 3000 + "</body></html>"
    assert "The dam talks stalled." in html_to_text(deep)[0]


def test_outlet_files_with_mistakes_are_one_line_errors(tmp_path):
    from compare.ingest import load_outlets

    bad = tmp_path / "o.toml"
    bad.write_text('[[outlet]]\nname = "Wire"\nmarks = ["(unclosed"]\n', encoding="utf-8")
    with pytest.raises(InputError, match="no regular expression"):
        load_outlets(bad)
    bad.write_text('[[outlet]]\nname = "Wire"\ndomains = "wire.example"\n', encoding="utf-8")
    assert load_outlets(bad).by_url("https://wire.example/a").name == "Wire"
    assert load_outlets().by_url("https://bbc.co.uk:x@evil.example/") is None


def test_a_yearless_dateline_weeks_from_every_other_article_keeps_no_year(corpus):
    # the other article is two months later: its year says nothing about the wire's
    paper = "Kaldun under fire\n\nMay 10, 2024\n\nShelling hit the town on Monday.\n"
    arts, warnings = read_articles([corpus({"wire.txt": WIRE, "paper.txt": paper})])
    wire = {a.id: a for a in arts}["wire"]
    assert wire.date is None and "March 3 without a year" in wire.date_guessed
    assert any("no other article is dated within 14 days" in w for w in warnings)
    # within the window the year is taken, and marked as a guess
    paper = paper.replace("May 10", "March 4")
    wire = {a.id: a for a in read_articles([corpus({"wire.txt": WIRE, "paper.txt": paper})])[0]}["wire"]
    assert wire.date == "2024-03-03" and "taken from the other articles" in wire.date_guessed
