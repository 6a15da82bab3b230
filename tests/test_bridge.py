import numpy as np
import pytest

from compare.bridge import bridge, margin_scores, mutual_links
from compare.schema import Article, Claim, Story, Thread


def unit(rows):
    x = np.asarray(rows, dtype=float)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_margin_is_the_cosine_over_the_neighbours_mean():
    a, b = unit([[1, 0.1, 0]]), unit([[1, 0, 0], [0, 1, 0]])
    m, cos = margin_scores(a, b, k=2)
    near_a = cos[0].mean()  # both of b are a's 2 nearest
    near_b = cos[0]  # a is each b's only neighbour
    assert np.allclose(m[0], cos[0] / ((near_a + near_b) / 2))


def test_only_mutual_best_matches_over_the_margin_are_links():
    # a0 and b0 are each other's best; a1's best is b0 too, but b0 prefers a0
    a = unit([[1, 0, 0, 0], [0.9, 0.3, 0, 0], [0, 0, 0, 1]])
    b = unit([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0.05]])
    found = mutual_links(a, b, margin=1.0)
    assert [(i, j) for i, j, _ in found] == [(0, 0), (2, 2)]
    assert mutual_links(a, b, margin=10.0) == []
    assert mutual_links(a[:0], b) == []


def art(aid, lang):
    return Article(id=aid, source=f"{aid}.txt", outlet=aid.upper(), title=aid, date=None, url=None, text="",
                   language=lang)


def claim(cid, aid):
    return Claim(id=cid, article=aid, outlet=aid.upper(), text=cid, start=0, end=1)


def test_an_article_joins_the_story_it_matches_and_its_claims_the_facts():
    articles = [art("en1", "en"), art("en2", "en"), art("ru", "ru"), art("es", "es")]
    claims = [claim("e1", "en1"), claim("e2", "en1"), claim("e3", "en2"), claim("e4", "en2"),
              claim("r1", "ru"), claim("r2", "ru"), claim("r3", "ru"), claim("x1", "es")]
    v = unit([[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0], [0, 0, 0, 1, 0, 0],
              [1, 0.05, 0, 0, 0, 0], [0, 1, 0.05, 0, 0, 0], [0, 0, 0, 0, 1, 0],  # r3 matches nothing
              [0, 0, 0, 0, 0, 1]])
    stories = [Story("s1", ("en1",), "one", "t1"), Story("s2", ("en2",), "two", "t2")]
    threads = [Thread("t1", ("s1",), "one"), Thread("t2", ("s2",), "two")]
    out = bridge(articles, claims, v, stories, threads, {0: 0, 1: 1, 2: 2, 3: 3}, margin=1.01, min_links=2)
    assert [s.articles for s in out.stories[:2]] == [("en1", "ru"), ("en2",)]
    assert out.labels[4] == out.labels[0] and out.labels[5] == out.labels[1]
    assert len(set(out.labels.tolist())) == len(out.labels) - 2  # r3 and x1 stand alone
    assert sorted(out.links) == [4, 5]
    # the Spanish article matched no story: a story (and thread) of its own
    assert out.stories[2].articles == ("es",) and out.stories[2].thread == "t3"
    assert [t.id for t in out.threads] == ["t1", "t2", "t3"]


@pytest.mark.slow
def test_a_russian_translation_is_linked_to_its_english_original(tmp_path, fast_pipeline):
    en = ("Dam talks stall in Strell\n\n"
          "Talks on the future of the Orvel Dam stalled on Monday after both delegations walked out of the meeting.\n\n"
          "The Veskarian delegation said it would not return until Dornland dropped its demand for monitors.\n\n"
          "A mediator said a new round of talks could be held next week.\n")
    other = ("Water runs short below the Orvel Dam\n\n"
             "Residents of Kaldun queued for drinking water on Tuesday as the river fell for a third day.\n\n"
             "The mayor said supplies would last no more than a week.\n")
    ru = ("Переговоры в Стрелле зашли в тупик\n\n"
          "Переговоры о будущем плотины Орвел зашли в тупик в понедельник после того, как обе делегации покинули встречу.\n\n"
          "Делегация Вескарии заявила, что не вернётся, пока Дорнланд не откажется от требования о наблюдателях.\n\n"
          "Посредник сообщил, что новый раунд переговоров может пройти на следующей неделе.\n")
    for name, text in (("wire.txt", en), ("paper.txt", other), ("ru.txt", ru)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "manifest.csv").write_text("file,outlet\nwire.txt,Wire\npaper.txt,Paper\nru.txt,Vesti\n",
                                           encoding="utf-8")
    import time

    class Slow:  # the multilingual encoder, half a second slower a call
        def __init__(self, inner):
            self.inner = inner

        def encode(self, texts):
            time.sleep(0.5)
            return self.inner.encode(texts)

        def describe(self):
            return self.inner.describe()

    fast_pipeline.multilingual = Slow(fast_pipeline.multilingual)
    t = time.perf_counter()
    report = fast_pipeline.run([tmp_path])
    wall = time.perf_counter() - t
    # each second counted in one stage: the bridge's vectors are not the clustering's too
    assert report.timings["embed multilingual"] >= 0.5 > report.timings["cluster"]
    assert sum(report.timings.values()) <= wall
    langs = {a.id: a.language for a in report.articles}
    assert langs == {"paper": "en", "ru": "ru", "wire": "en"}
    links = report.params["bridge"]["links"]
    by_id = {c.id: c for c in report.claims}
    assert len(links) >= 3
    for t, (e, _m) in links.items():
        assert by_id[t].article == "ru" and by_id[e].article == "wire"
    pairs = sorted((by_id[t].start, by_id[e].start) for t, (e, _m) in links.items())
    assert [e for _, e in pairs] == sorted(e for _, e in pairs)  # each sentence to its own original
    assert any("not in English (ru)" in w for w in report.warnings)
    for cl in report.clusters:  # no word-reading signal from the Russian claims
        for s in cl.signals:
            if s.kind in ("wording", "naming", "agency", "attribution"):
                assert "Vesti" not in s.outlets


def test_a_story_is_looked_for_by_the_leads_of_its_first_articles_only():
    from compare.bridge import LEAD, LEAD_ARTICLES, STORIES_LOOKED_INTO, LazyVectors

    # 8 stories of 20 English articles, 4 claims each, and one Spanish article like story 0's
    articles, claims, stories, threads = [], [], [], []
    for s in range(8):
        ids = [f"s{s}a{k}" for k in range(20)]
        articles += [art(a, "en") for a in ids]
        claims += [claim(f"{a}c{j}", a) for a in ids for j in range(4)]
        stories.append(Story(f"s{s}", tuple(ids), f"story {s}", f"t{s}"))
        threads.append(Thread(f"t{s}", (f"s{s}",), f"story {s}"))
    articles.append(art("es", "es"))
    claims += [claim(f"esc{j}", "es") for j in range(4)]
    rng = np.random.default_rng(0)
    base = unit(rng.normal(size=(len(claims), 16)))
    base[-4:] = base[:4] + 0.01  # the Spanish article restates s0a0
    asked = set()

    def encode(r):
        asked.update(r)
        return unit(base[r])

    out = bridge(articles, claims, LazyVectors(len(claims), encode), stories, threads,
                 {i: i for i in range(len(claims) - 4)}, margin=1.01, min_links=2)
    assert out.stories[0].articles[-1] == "es"
    leads = 8 * LEAD_ARTICLES * LEAD
    looked_into = STORIES_LOOKED_INTO * 20 * 4
    assert len(asked) <= leads + looked_into + 4 < 8 * 20 * LEAD  # not every article's lead
