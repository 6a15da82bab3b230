import json

import pytest
from click.testing import CliRunner

from compare.cli import cli

from .conftest import PAPER, WIRE


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_run_writes_reports(corpus, tmp_path):
    folder = corpus({"wire.txt": WIRE, "paper.txt": PAPER})
    out = tmp_path / "out"
    res = invoke("run", str(folder), "--out", str(out), "--embedder", "hashing", "--judge", "overlap")
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0].startswith("2 articles, ")
    assert "Warning: " in res.stderr and "gives no year" in res.stderr  # the WIRE dateline
    doc = json.loads((out / "report.json").read_text())
    assert {a["outlet"] for a in doc["articles"]} == {"TASS", "The Moscow Times"}
    assert not any("propaganda" in c["text"] for c in doc["claims"])
    assert any(e["reason"] == "reader comment" for e in doc["excluded"])


def test_run_view_all_writes_every_view(corpus, tmp_path):
    folder = corpus({"wire.txt": WIRE, "paper.txt": PAPER})
    out = tmp_path / "out"
    res = invoke("run", str(folder), "--out", str(out), "--embedder", "hashing", "--judge", "overlap", "--view", "all")
    assert res.exit_code == 0, res.output
    names = sorted(["report.html", "report.json", "report.md", "facts.csv", "teach.html", "teach.md",
                    "factcheck.html", "factcheck.md"])
    assert sorted(p.name for p in out.iterdir()) == names
    assert sorted(res.stdout.splitlines()[1:]) == sorted(str(out / n) for n in names)


def test_run_views_can_be_combined(corpus, tmp_path):
    folder = corpus({"wire.txt": WIRE, "paper.txt": PAPER})
    out = tmp_path / "out"
    res = invoke("run", str(folder), "--out", str(out), "--embedder", "hashing", "--judge", "overlap", "--view", "teach",
                 "--view", "factcheck")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["factcheck.html", "factcheck.md", "teach.html", "teach.md"]


def test_run_unknown_view_is_refused(corpus, tmp_path):
    res = invoke("run", str(corpus({"wire.txt": WIRE})), "--view", "slides", "--embedder", "hashing", "--judge", "overlap")
    assert res.exit_code == 2 and "Invalid value for '--view': 'slides' is not one of" in res.output


def test_cli_views_match_the_library():
    from compare.report import VIEWS

    opt = next(p for p in cli.commands["run"].params if p.name == "views")
    assert list(opt.type.choices) == [*VIEWS, "all"]


def test_missing_path_is_one_line_error(tmp_path):
    res = invoke("run", str(tmp_path / "nope"), "--out", str(tmp_path / "o"), "--embedder", "hashing", "--judge", "overlap")
    assert res.exit_code == 1
    assert res.output == f"Error: {tmp_path / 'nope'}: no such file or folder; check the path\n"
    assert not (tmp_path / "o").exists()


def test_empty_folder_is_one_line_error(tmp_path):
    res = invoke("run", str(tmp_path), "--embedder", "hashing", "--judge", "overlap")
    assert res.exit_code == 1 and res.output.count("\n") == 1
    assert "no article files" in res.output


def test_single_outlet_is_refused_without_writing(corpus, tmp_path):
    folder = corpus({"a.txt": WIRE, "b.txt": WIRE.replace("Sunday", "Monday")})
    out = tmp_path / "out"
    res = invoke("run", str(folder), "--out", str(out), "--embedder", "hashing", "--judge", "overlap")
    assert res.exit_code == 1
    assert "come from one outlet (TASS)" in res.output and res.output.count("\n") == 1
    assert not out.exists()


def test_binary_input_is_refused(tmp_path):
    (tmp_path / "x.txt").write_bytes(b"\x00\xff\x00")
    res = invoke("run", str(tmp_path / "x.txt"), "--embedder", "hashing", "--judge", "overlap")
    assert res.exit_code == 1 and "not a text file" in res.output
    assert "Traceback" not in res.output


def test_evaluate_prints_scores(tmp_path, corpus):
    folder = corpus({"wire.txt": WIRE, "paper.txt": PAPER})
    gold = tmp_path / "g.toml"
    gold.write_text(
        f'corpus = "{folder}"\n'
        '[[fact]]\nid = "shelling"\nverdict = "diverge"\nsignals = ["number", "naming", "agency"]\n'
        'claims = [{ file = "wire.txt", quote = "Dornish artillery shelled" },\n'
        '          { file = "paper.txt", quote = "Shelling broke out near Kaldun" }]\n'
        '[[non_claim]]\nfile = "wire.txt"\nquote = "This is all propaganda"\nreason = "reader comment"\n'
    )
    res = invoke("evaluate", str(gold), "--embedder", "hashing", "--judge", "overlap", "--json")
    assert res.exit_code == 0, res.output
    result = json.loads(res.output)[0]
    assert result["non_claims_leaked"] == [] and result["lost_words"] == 0
    assert result["facts"] == 1 and 0 <= result["links"]["f1"] <= 1


def test_evaluate_bad_gold_is_one_line_error(tmp_path):
    gold = tmp_path / "g.toml"
    gold.write_text('corpus = "."\n[[fact]]\nid = "x"\nverdict = "maybe"\n')
    res = invoke("evaluate", str(gold), "--embedder", "hashing", "--judge", "overlap")
    assert res.exit_code == 1
    assert res.output.startswith("Error: ") and "verdict must be" in res.output


def test_same_input_same_bytes_whatever_the_hash_seed(corpus, tmp_path):
    """Set and dict order must not leak into the reports: two processes, two hash seeds."""
    import os
    import subprocess
    import sys

    folder = corpus({"wire.txt": WIRE, "paper.txt": PAPER})
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        env = os.environ | {"PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "compare", "run", str(folder), "--out", str(out),
                        "--embedder", "hashing", "--judge", "overlap", "--view", "all"], check=True, env=env, capture_output=True)
        outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outs[0].keys() == outs[1].keys() and len(outs[0]) == 8
    assert outs[0] == outs[1]


def test_pairs_scores_each_line_in_input_order(tmp_path):
    import json

    f = tmp_path / "in.jsonl"
    f.write_text('{"a": "Dornish artillery shelled Halmberg on Sunday", "b": "Dornish artillery shelled Halmberg on Sunday night"}\n'
                 '\n'
                 '{"a": "Dornish artillery shelled Halmberg", "b": "The bridge in Kaldor reopened"}\n', encoding="utf-8")
    res = invoke("pairs", str(f), "--judge", "overlap", "--batch", "1")
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.output.splitlines()]
    assert len(rows) == 2
    assert set(rows[0]) == {"same", "judge", "nli", "entailment", "neutral", "contradiction"}
    assert rows[0]["same"] > 0.5 > rows[1]["same"]
    assert rows[1]["nli"] == "neutral"


@pytest.mark.parametrize(("line", "message"), [
    ("not json", "Error: line 1: not JSON"),
    ('{"a": "x"}', 'Error: line 1: needs string fields "a" and "b"'),
])
def test_pairs_bad_line_is_one_line_error(tmp_path, line, message):
    f = tmp_path / "in.jsonl"
    f.write_text(line + "\n", encoding="utf-8")
    res = invoke("pairs", str(f), "--judge", "overlap")
    assert res.exit_code == 1
    assert res.output.strip().splitlines()[-1].startswith(message)
    assert "Traceback" not in res.output


DIFF_A = {"text": "Rebels seized the dam on the Orvel river on Friday.\n\nThe government called the attack an act "
                  "of terror.\n\nTalks will resume next week in Aster.",
          "outlet": "Alpha Wire", "title": "Dam seized", "date": "2024-03-08"}
DIFF_B = {"text": "Fighters took control of the dam on the Orvel river on Friday.\n\nTalks will resume next week "
                  "in Aster.\n\nThe river supplies water to 40,000 people.",
          "outlet": "Beta Post", "title": "Fighters take the dam", "date": "2024-03-08"}
FAST = ("--embedder", "hashing", "--judge", "overlap", "--no-cache", "-q")


def _two(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(DIFF_A))
    b.write_text(json.dumps(DIFF_B))
    return a, b


def test_diff_prints_each_claim_beside_its_counterpart(tmp_path):
    a, b = _two(tmp_path)
    res = invoke("diff", str(a), str(b), *FAST)
    assert res.exit_code == 0, res.output
    assert res.stdout == (
        "A: Alpha Wire · Dam seized · 2024-03-08\n"
        "B: Beta Post · Fighters take the dam · 2024-03-08\n"
        "\n"
        "3 claims of A: 1 the same fact in B, 1 related (probably the same event, told differently or disputed), "
        "1 with nothing close in B; 1 claim only in B.\n"
        "\n"
        "[1] related (P 0.68)\n"
        "  A: Rebels seized the dam on the Orvel river on Friday.\n"
        "  B: Fighters took control of the dam on the Orvel river on Friday.\n"
        "[2] only in A\n"
        "  A: The government called the attack an act of terror.\n"
        "[3] same (P 0.99)\n"
        "  A: Talks will resume next week in Aster.\n"
        "  B: Talks will resume next week in Aster.\n"
        "\n"
        "Only in B:\n"
        "  B: The river supplies water to 40,000 people.\n")
    assert res.stderr == ""


def test_diff_writes_the_two_columns_when_asked(tmp_path):
    a, b = _two(tmp_path)
    res = invoke("diff", str(a), str(b), "--out", str(tmp_path / "out"), *FAST)
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[-1] == str(tmp_path / "out" / "diff.html")
    page = (tmp_path / "out" / "diff.html").read_text()
    assert page.count('<tr data-grade="') == 3 and '<tr data-grade="none">' in page  # a row per claim of A
    assert '<tr class="only-b" data-grade="only-b">' in page and "40,000 people" in page


def test_diff_errors_say_what_to_do(tmp_path):
    a, b = _two(tmp_path)
    res = invoke("diff", str(tmp_path), str(b), *FAST)  # a folder of two articles
    assert res.exit_code == 1
    assert res.stderr == f"Error: {tmp_path} gives 2 articles; diff reads one article from each input\n"
    res = invoke("diff", str(tmp_path / "nope.json"), str(b), *FAST)
    assert res.exit_code == 1
    assert res.stderr == f"Error: {tmp_path / 'nope.json'}: no such file or folder; check the path\n"
    res = invoke("diff", str(a), *FAST)
    assert res.exit_code == 2 and "Missing argument 'SECOND'" in res.stderr


def test_diff_reads_a_jsonl_article_and_refuses_one_article_twice(tmp_path):
    a, b = _two(tmp_path)
    lines = tmp_path / "a.jsonl"
    lines.write_text(json.dumps(DIFF_A) + "\n")
    res = invoke("diff", str(lines), str(b), *FAST)
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("A: Alpha Wire · Dam seized · 2024-03-08\n")
    res = invoke("diff", str(a), str(a), *FAST)
    assert res.exit_code == 1
    assert res.stderr == "Error: the two inputs are the same article; give two different ones\n"


def _run_ids(tmp_path, *inputs):
    res = invoke("run", *map(str, inputs), "--out", str(tmp_path / "run"), "--view", "report", *FAST)
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    return {a["outlet"]: a["id"] for a in report["articles"]}


def test_diff_reads_two_articles_of_a_run_by_their_ids(tmp_path):
    a, b = _two(tmp_path)
    ids = _run_ids(tmp_path, a, b)
    by_file = invoke("diff", str(a), str(b), *FAST)
    by_id = invoke("diff", ids["Alpha Wire"], ids["Beta Post"], "--run", str(tmp_path / "run"), *FAST)
    assert by_id.exit_code == 0, by_id.output
    assert by_id.stdout == by_file.stdout and by_id.stderr == ""


def test_diff_by_ids_reads_only_the_two_records_of_a_jsonl_file(tmp_path):
    lines = tmp_path / "both.jsonl"
    third = dict(DIFF_B, outlet="Gamma Daily", text="Talks will resume next week in Aster, officials said.")
    lines.write_text(json.dumps(DIFF_A) + "\n" + json.dumps(DIFF_B) + "\n" + json.dumps(third) + "\n")
    ids = _run_ids(tmp_path, lines)
    with open(lines, "a") as fh:  # a line the run never read: the diff reads only its two records
        fh.write("{not json\n")
    res = invoke("diff", ids["Beta Post"], ids["Alpha Wire"], "--run", str(tmp_path / "run"), *FAST)
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("A: Beta Post · Fighters take the dam · 2024-03-08\n"
                                 "B: Alpha Wire · Dam seized · 2024-03-08\n")
    by_file = invoke("diff", str(_two(tmp_path)[1]), str(_two(tmp_path)[0]), *FAST)
    assert res.stdout == by_file.stdout  # the two alone: Gamma's telling links nothing through


def test_diff_by_ids_errors_say_what_to_do(tmp_path):
    a, b = _two(tmp_path)
    ids = _run_ids(tmp_path, a, b)
    run = str(tmp_path / "run")
    res = invoke("diff", ids["Alpha Wire"], "nope", "--run", run, *FAST)
    assert res.exit_code == 1
    assert res.stderr == (f"Error: nope is no article of the run in {run} (its ids look like "
                          f"{', '.join(sorted(ids.values()))}; report.json lists them all)\n")
    res = invoke("diff", "x", "y", "--run", str(tmp_path), *FAST)
    assert res.exit_code == 1
    assert res.stderr == f"Error: {tmp_path}: no report.json; give the --out folder of a 'compare run'\n"
    b.write_text(json.dumps(dict(DIFF_B, text=DIFF_B["text"] + " More.")))
    res = invoke("diff", ids["Alpha Wire"], ids["Beta Post"], "--run", run, *FAST)
    assert res.exit_code == 1
    n = len(DIFF_B["text"])
    assert res.stderr == (f"Error: {ids['Beta Post']}: {b} has changed since the run ({n:,} characters then, "
                          f"{n + 6:,} now); make the run again\n")
    b.unlink()
    res = invoke("diff", ids["Alpha Wire"], ids["Beta Post"], "--run", run, *FAST)
    assert res.exit_code == 1
    assert res.stderr == f"Error: the run read {ids['Beta Post']} from {b}, which no longer exists; make the run again\n"
    (tmp_path / "run" / "report.json").write_text('{"articles": [{"id": 1, "source": null}]}')
    res = invoke("diff", "x", "y", "--run", run, *FAST)
    assert res.exit_code == 1
    assert res.stderr == f"Error: {tmp_path / 'run' / 'report.json'}: not a report of 'compare run' (TypeError); run it again\n"
    res = invoke("diff", ids["Alpha Wire"], ids["Alpha Wire"], "--run", run, *FAST)
    assert res.exit_code == 1
    assert res.stderr == "Error: the two inputs are the same article; give two different ones\n"


def test_diff_writes_a_worksheet_of_the_two_articles_when_asked(tmp_path):
    a, b = _two(tmp_path)
    res = invoke("diff", str(a), str(b), "--out", str(tmp_path / "out"), "--worksheet", *FAST)
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[-3:] == [str(tmp_path / "out" / n) for n in ("diff.html", "teach.html", "teach.md")]
    md = (tmp_path / "out" / "teach.md").read_text()
    assert "Two articles side by side: Alpha Wire and Beta Post" in md
    assert "| Talks will resume next week in Aster. | Talks will resume next week in Aster. |" in md
    res = invoke("diff", str(a), str(b), "--worksheet", *FAST)
    assert res.exit_code == 1 and res.stderr == "Error: --worksheet writes files: give --out DIR too\n"


def test_diff_by_ids_of_a_run_made_elsewhere_says_where_to_run_it(tmp_path, monkeypatch):
    a, b = _two(tmp_path)
    monkeypatch.chdir(tmp_path)
    res = invoke("run", "a.json", "b.json", "--out", "run", "--view", "report", *FAST)
    assert res.exit_code == 0, res.output
    ids = {x["outlet"]: x["id"] for x in json.loads((tmp_path / "run" / "report.json").read_text())["articles"]}
    monkeypatch.chdir(tmp_path / "run")
    res = invoke("diff", ids["Alpha Wire"], ids["Beta Post"], "--run", ".", *FAST)
    assert res.exit_code == 1
    assert res.stderr == (f"Error: the run read {ids['Alpha Wire']} from a.json, which cannot be read from here; "
                          "run diff in the folder the run was made in\n")


def test_a_worksheet_of_two_articles_that_share_nothing_says_so(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("The harvest in Strell was the largest in a decade.\n")
    b.write_text("A new bridge opened over the Kaldor river on Monday.\n")
    res = invoke("diff", str(a), str(b), "--out", str(tmp_path / "out"), "--worksheet", *FAST)
    assert res.exit_code == 0, res.output
    assert "Warning: the two articles share no sentence, so the worksheet has no side-by-side exercise" in res.stderr
    md = (tmp_path / "out" / "teach.md").read_text()
    assert "side by side" not in md and "### Story" not in md  # no exercise, and no empty story left for it
