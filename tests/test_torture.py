"""The CLI end to end on the torture corpus (tests/torture.py): bad files skipped loudly, the good
ones reported, every error one line, an interrupted run leaving the last report as it was."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compare.cli import cli

from .torture import make

FAST = ["--embedder", "hashing", "--judge", "overlap", "--no-cache", "-q"]


def run_cli(*args):
    env = os.environ | {"HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "compare", *args], capture_output=True, text=True, env=env,
                          timeout=600)


@pytest.fixture(scope="module")
def torture(tmp_path_factory):
    folder = tmp_path_factory.mktemp("torture")
    expected = make(folder, max_chars=60_000)
    out = tmp_path_factory.mktemp("torture-out")
    res = run_cli("run", str(folder), "--out", str(out), "--max-article-chars", "60000", *FAST)
    return folder, expected, out, res


def test_bad_files_are_skipped_with_one_line_each_and_the_rest_reported(torture):
    folder, expected, out, res = torture
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    skipped = {Path(s["source"]).name: s["reason"] for s in report["skipped"]}
    for name, why in expected.items():
        if why is None:
            assert name not in skipped, skipped.get(name)
        else:
            assert why in skipped[name]
            lines = [ln for ln in res.stderr.splitlines() if name in ln and "skipped" in ln]
            assert len(lines) == 1 and lines[0].startswith("Warning: ")
    read = {Path(a["source"]).name for a in report["articles"]}
    assert read == {n for n, why in expected.items() if why is None}
    # the skipped files are named in the report pages too
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "Skipped, not read (7)" in md and "broken.txt" in md


def test_every_word_of_the_read_files_is_accounted_for(torture):
    folder, expected, out, res = torture
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    from compare.ingest import read_articles, unaccounted_words
    from compare.schema import Span

    arts, _ = read_articles([folder], max_chars=60_000)
    claims = {}
    for c in report["claims"]:
        claims.setdefault(c["article"], []).append(Span(c["start"], c["end"]))
    for a in arts:
        assert unaccounted_words(a, claims.get(a.id, [])) == [], a.source
    deep = next(a for a in arts if a.source.endswith("deep.html"))
    assert "Water rose below the Orvel Dam" in deep.text
    hostile = next(a for a in arts if a.source.endswith("hostile.html"))
    assert "alert" not in hostile.text


def test_strict_stops_at_the_first_bad_file(torture):
    folder, *_ = torture
    res = run_cli("run", str(folder), "--out", str(folder / "strict-out"), "--strict", "--max-article-chars",
                  "60000", *FAST)
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("Error: ") and "Traceback" not in res.stderr


def test_nothing_usable_is_one_error_line(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "b.txt").write_bytes(b"")
    res = run_cli("run", str(tmp_path), "--out", str(tmp_path / "out"), *FAST)
    assert res.returncode == 1
    assert res.stderr.startswith("Error: nothing usable in the input: 2 skipped")
    assert res.stderr.count("Error") == 1 and "Traceback" not in res.stderr


@pytest.mark.parametrize("where", ["file", "proc"])
def test_an_unwritable_out_is_one_error_line(torture, tmp_path, where):
    folder, *_ = torture
    if where == "file":
        out = tmp_path / "taken"
        out.write_text("a file where the folder should be", encoding="utf-8")
        target = out / "sub"
    else:  # no one, root included, makes folders in /proc
        target = Path("/proc/compare-out")
    res = run_cli("run", str(folder / "tass.txt"), str(folder / "moscow-times.txt"), "--out", str(target), *FAST)
    assert res.returncode == 1
    assert res.stderr.startswith("Error: cannot write the reports to") and res.stderr.count("\n") == 1


def test_an_interrupted_run_leaves_the_last_report_unchanged(torture, tmp_path, monkeypatch):
    folder, *_ = torture
    out = tmp_path / "out"
    args = ["run", str(folder / "tass.txt"), str(folder / "moscow-times.txt"), "--out", str(out), *FAST]
    assert CliRunner().invoke(cli, args).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    import compare.report as rep

    real = rep._documents

    def interrupted(*a, **k):  # the second document is cut short by ^C
        for n, (name, make_doc) in enumerate(real(*a, **k)):
            if n == 1:
                def cut(make_doc=make_doc):
                    yield next(iter(make_doc()))
                    raise KeyboardInterrupt
                yield name, cut
            else:
                yield name, make_doc

    monkeypatch.setattr(rep, "_documents", interrupted)
    (folder / "tass.txt").write_text((folder / "tass.txt").read_text() + "\nA new paragraph was added on Tuesday.\n")
    try:
        res = CliRunner().invoke(cli, args)
    finally:
        (folder / "tass.txt").write_text((folder / "tass.txt").read_text().replace(
            "\nA new paragraph was added on Tuesday.\n", ""))
    assert res.exit_code == 130
    assert "interrupted; nothing was written" in res.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no temporary file left either
