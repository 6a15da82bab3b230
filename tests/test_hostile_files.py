"""Files a corpus folder should not hold, or should not be trusted for: devices, named pipes,
links out of the folders given or to themselves, names with escape sequences or bytes that are
no UTF-8, metadata a megabyte long, broken manifests. Each costs one warning line (or, given on
the command line, one `Error:` line), never a hang, a traceback or the rest of the corpus."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from compare.errors import InputError
from compare.ingest import discover, load_manifest, read_articles

from .torture import PAPER, WIRE

FAST = ["--embedder", "hashing", "--judge", "none", "-q"]
ESC_NAME = "\x1b]0;pwned\x07\x1b[2Jx.txt"
RAW_NAME = b"a\xff\xfe.txt"  # no UTF-8: os.fsdecode gives surrogate escapes


class Hung(BaseException):
    """Raised by ``deadline``: no ``except Exception`` (or ``except OSError``) of the code under test catches it."""


@contextmanager
def deadline(seconds: int = 20):
    """Fail, rather than hang, when what is inside blocks (a FIFO opened for reading)."""
    def expire(*_):
        raise Hung(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def good(folder: Path) -> Path:
    """Two readable articles of two outlets (TASS by its dateline, The Moscow Times by its URL)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tass.txt").write_text(WIRE, encoding="utf-8")
    (folder / "moscow-times.txt").write_text(PAPER, encoding="utf-8")
    return folder


def names(articles) -> set[str]:
    return {Path(a.source).name for a in articles}


def lines_about(warnings: list[str], name: str) -> list[str]:
    return [w for w in warnings if name in w]


# 4. devices, FIFOs, links out of the folders given


def test_devices_and_named_pipes_are_skipped_before_they_are_opened(tmp_path):
    folder = good(tmp_path / "corpus")
    os.symlink("/dev/zero", folder / "zero.txt")
    os.mkfifo(folder / "pipe.txt")
    problems: list[tuple[str, str]] = []
    files, _ = discover([folder], problems)
    assert {f.name for f in files} == {"tass.txt", "moscow-times.txt"}
    assert {Path(s).name: why for s, why in problems} == {
        "zero.txt": "not a regular file (a device); only regular files are read",
        "pipe.txt": "not a regular file (a named pipe); only regular files are read"}
    with deadline():
        arts, warnings = read_articles([folder])
    assert names(arts) == {"tass.txt", "moscow-times.txt"}
    assert len(lines_about(warnings, "zero.txt")) == 1 and len(lines_about(warnings, "pipe.txt")) == 1


def test_a_named_pipe_given_by_name_or_swapped_in_is_never_waited_on(tmp_path, monkeypatch):
    folder = good(tmp_path / "corpus")
    os.mkfifo(tmp_path / "pipe.txt")
    skipped: list[tuple[str, str]] = []
    with deadline():
        arts, warnings = read_articles([folder / "tass.txt", folder / "moscow-times.txt", tmp_path / "pipe.txt"],
                                       skipped=skipped)
    assert names(arts) == {"tass.txt", "moscow-times.txt"}
    assert [(Path(s).name, why) for s, why in skipped] == [
        ("pipe.txt", "not a regular file (a named pipe); only regular files are read")]
    # a regular file found by the walk, a FIFO by the time it is opened: the opened file is checked
    from compare.ingest import files as ingest_files

    real = ingest_files._discover

    def swapped(*args, **kwargs):
        found, manifest, seen = real(*args, **kwargs)
        (folder / "tass.txt").unlink()
        os.mkfifo(folder / "tass.txt")
        return found, manifest, seen

    monkeypatch.setattr(ingest_files, "_discover", swapped)
    with deadline():
        arts, warnings = read_articles([folder])
    assert names(arts) == {"moscow-times.txt"}
    assert len(lines_about(warnings, "tass.txt")) == 1


def test_links_out_of_the_folders_given_are_skipped_unless_followed(tmp_path):
    folder = good(tmp_path / "corpus")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("The root password was changed on Monday, the admin said.\n")
    (outside / "more").mkdir()
    (outside / "more" / "note.txt").write_text("The backup ran on Monday night, the admin said.\n")
    os.symlink(outside / "secret.txt", folder / "passwd.txt")
    os.symlink(outside / "more", folder / "elsewhere")
    (outside / "m.csv").write_text("file,outlet\ntass.txt,Leaked\n")
    os.symlink(outside / "m.csv", folder / "manifest.csv")  # a manifest is a file like the others
    # links that stay inside are read: into a hidden folder, and between two folders given
    (folder / ".store").mkdir()
    (folder / ".store" / "kept.dat").write_text(PAPER.replace("Negotiations", "Talks"))
    os.symlink(folder / ".store" / "kept.dat", folder / "inside.txt")
    other = good(tmp_path / "other")
    os.symlink(other / "tass.txt", folder / "from-other.txt")
    (other / "tass.txt").write_text(WIRE.replace("Monday", "Tuesday"))
    arts, warnings = read_articles([folder, other])
    assert names(arts) == {"tass.txt", "moscow-times.txt", "inside.txt", "from-other.txt"}
    assert not any("root password" in a.text or "backup" in a.text for a in arts)
    assert "Leaked" not in {a.outlet for a in arts}
    for name in ("passwd.txt", "elsewhere", "manifest.csv"):
        [line] = lines_about(warnings, name)
        assert "a symbolic link out of the folders given" in line and "--follow-links" in line
    arts, warnings = read_articles([folder], follow_links=True)
    assert {"passwd.txt", "note.txt"} <= names(arts) and "Leaked" in {a.outlet for a in arts}


def test_a_link_to_itself_or_to_nothing_is_skipped_with_one_warning(tmp_path):
    folder = good(tmp_path / "corpus")
    os.symlink("self.txt", folder / "self.txt")
    os.symlink("gone.txt", folder / "dangling.txt")
    os.symlink("loop", folder / "loop")  # a folder link to itself
    skipped: list[tuple[str, str]] = []
    arts, warnings = read_articles([folder], skipped=skipped)
    assert names(arts) == {"tass.txt", "moscow-times.txt"}
    assert sorted((Path(s).name, why) for s, why in skipped) == [
        ("dangling.txt", "a symbolic link to nothing (gone.txt); only regular files are read"),
        ("self.txt", "a symbolic link that loops; only regular files are read")]
    assert len(lines_about(warnings, "self.txt")) == 1
    # given by name, the same
    arts, warnings = read_articles([folder / "tass.txt", folder / "moscow-times.txt", folder / "self.txt"])
    assert names(arts) == {"tass.txt", "moscow-times.txt"} and len(lines_about(warnings, "self.txt")) == 1


# 5. escape sequences in file names


def test_escape_sequences_in_file_names_are_printed_escaped(tmp_path):
    folder = good(tmp_path / "corpus")
    (folder / ESC_NAME).write_bytes(b"\x00\x01binary")
    (folder / ("\x1b[2Jnews.txt")).write_text("Officials said the river rose on Monday, residents said.\n")
    skipped: list[tuple[str, str]] = []
    arts, warnings = read_articles([folder], skipped=skipped)
    assert len(arts) == 3
    assert not any(ch in w for w in warnings for ch in "\x1b\x07")
    [line] = lines_about(warnings, "pwned")
    assert line == f"{folder}/\\x1b]0;pwned\\x07\\x1b[2Jx.txt: skipped: not a text file; pass .txt, .html or .jsonl articles"
    [unknown] = lines_about(warnings, "news")
    assert "\\x1b[2Jnews" in unknown
    # the report's sources are printable too: a Markdown report cat'ed to a terminal runs nothing
    assert not any("\x1b" in a.source or "\x1b" in a.outlet for a in arts)
    assert not any("\x1b" in s for s, _ in skipped)


# 6. metadata with no limit


BIG = {"outlet": "O" * 1_000_000, "title": "T" * 5_000_000, "author": "A" * 300_000,
       "url": "https://x.example/" + "u" * 5_000, "date": "2024-03-04" + " " * 70 + "x"}


def test_metadata_of_a_json_record_is_capped_with_one_warning(tmp_path):
    folder = good(tmp_path / "corpus")
    (folder / "big.jsonl").write_text(json.dumps({"text": "Officials said the dam held on Monday."} | BIG) + "\n")
    arts, warnings = read_articles([folder])
    [a] = [a for a in arts if a.source.endswith("big.jsonl:1")]
    assert (len(a.outlet), len(a.title), len(a.author), a.url, a.date) == (200, 500, 200, None, None)
    [line] = lines_about(warnings, "big.jsonl")
    assert line == (f"{folder}/big.jsonl:1: metadata too long: outlet (1,000,000 characters) cut to 200, "
                    "title (5,000,000) cut to 500, author (300,000) cut to 200, url (5,018) over 2,000 left out, "
                    "date (81) over 64 left out")


def test_metadata_from_manifests_pages_and_first_lines_is_capped(tmp_path):
    folder = good(tmp_path / "corpus")
    (folder / "a.txt").write_text("Officials said the dam held on Monday.\n")
    (folder / "manifest.csv").write_text(f"file,outlet,url\na.txt,{'M' * 50_000},https://a.example/{'x' * 3000}\n")
    sub = folder / "sub"
    sub.mkdir()
    (sub / "b.txt").write_text("Officials said the river rose on Monday.\n")
    (sub / "manifest.toml").write_text(f'[[article]]\nfile = "b.txt"\ntitle = "{"H" * 9000}"\n')
    (folder / "page.html").write_text(
        f'<html><head><meta property="og:site_name" content="{"S" * 400_000}">'
        f'<meta property="og:title" content="{"Q" * 800_000}"></head>'
        "<body><article><p>Officials said the dam held on Monday, residents said.</p></article></body></html>")
    long_title = " ".join(["Headline" + "x" * 60] * 30)  # 30 words, 2,069 characters, no stop: the title
    (folder / "first-line.txt").write_text(f"{long_title}\n\nOfficials said the dam held on Monday.\n")
    arts, warnings = read_articles([folder])
    by = {Path(a.source).name: a for a in arts}
    assert by["a.txt"].outlet == "M" * 200 and by["a.txt"].url is None
    assert by["b.txt"].title == "H" * 500
    assert by["page.html"].outlet == "S" * 200 and by["page.html"].title == "Q" * 500
    assert by["first-line.txt"].title == long_title[:500]
    for name, fields in (("a.txt", ("outlet (50,000 characters) cut to 200", "url (3,018) over 2,000 left out")),
                         ("b.txt", ("title (9,000 characters) cut to 500",)),
                         ("page.html", ("outlet (400,000 characters) cut to 200", "title (800,000) cut to 500")),
                         ("first-line.txt", ("title (2,069 characters) cut to 500",))):
        [line] = [w for w in lines_about(warnings, f"/{name}") if "too long" in w]
        assert all(f in line for f in fields), line


@pytest.mark.parametrize("blank", ["\u200b", "\u2060", "\ufeff", " \u200b\t\u200d ", "\u3164", "\x1b\x07"])
def test_an_outlet_name_of_invisible_characters_is_no_name(tmp_path, blank):
    folder = good(tmp_path / "corpus")
    (folder / "tass.txt").unlink()
    (folder / "wire.jsonl").write_text(json.dumps({"text": WIRE, "outlet": blank}) + "\n")
    (folder / "plain.txt").write_text("Officials said the dam held on Monday.\n")
    (folder / "manifest.csv").write_text(f"file,outlet\nplain.txt,{blank}\n")
    arts, _ = read_articles([folder])
    by = {Path(a.source).name: a for a in arts}
    assert (by["wire.jsonl:1"].outlet, by["wire.jsonl:1"].outlet_detected_by) == ("TASS", "dateline")
    assert (by["plain.txt"].outlet, by["plain.txt"].outlet_detected_by) == ("plain", "file name")


# 7. file names that are not UTF-8


def test_a_file_name_that_is_no_utf8_is_read_and_can_be_written_anywhere(tmp_path):
    folder = good(tmp_path / "corpus")
    fd = os.open(os.fsencode(folder) + b"/" + RAW_NAME, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"Officials said the dam held on Monday, residents of Strell said.\n")
    os.close(fd)
    fd = os.open(os.fsencode(folder) + b"/b\xff.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"\x00\x00binary")
    os.close(fd)
    skipped: list[tuple[str, str]] = []
    arts, warnings = read_articles([folder], skipped=skipped)
    [odd] = [a for a in arts if "a\\xff\\xfe" in a.source]
    assert odd.source == f"{folder}/a\\xff\\xfe.txt" and odd.outlet == "a\\xff\\xfe"
    assert [(s, why) for s, why in skipped] == [
        (f"{folder}/b\\xff.txt", "not a text file; pass .txt, .html or .jsonl articles")]
    for text in [a.source for a in arts] + [a.outlet for a in arts] + warnings + [s for s, _ in skipped]:
        text.encode("utf-8")  # JSON, HTML, Markdown, the cache keys and the terminal all take it


def test_lone_surrogates_in_json_text_are_replaced(tmp_path):
    folder = good(tmp_path / "corpus")
    (folder / "odd.jsonl").write_text('{"text": "Officials said the dam \\ud800held on Monday.", '
                                      '"outlet": "Odd \\udcff News", "title": "T\\udfff"}\n')
    arts, _ = read_articles([folder])
    [a] = [a for a in arts if a.source.endswith("odd.jsonl:1")]
    assert (a.text, a.outlet, a.title) == ("Officials said the dam \ufffdheld on Monday.", "Odd \ufffd News", "T\ufffd")


def test_cache_keys_take_any_string():
    from compare.cache import digest

    assert digest("a\udcff\udcfe.txt") != digest("a\udcfe\udcff.txt")
    assert digest("tass.txt") == digest("tass.txt")


# 9. manifests


@pytest.mark.parametrize("manifest,why", [
    ("article = 5\n", "write each article as [[article]]"),
    ('article = "x.txt"\n', "write each article as [[article]]"),
    ("[[article]\nfile =\n", "cannot parse manifest"),
    ('[article]\nfile = "x.txt"\n', "write each article as [[article]]"),
    ('[[article]]\nfile = 5\n', "entry 1 has no 'file'"),
])
def test_a_bad_manifest_in_a_folder_costs_only_itself(tmp_path, manifest, why):
    folder = good(tmp_path / "corpus")
    sub = folder / "sub"
    sub.mkdir()
    (sub / "x.txt").write_text("Officials said the river rose on Monday, residents said.\n")
    (sub / "manifest.toml").write_text(manifest)
    skipped: list[tuple[str, str]] = []
    arts, warnings = read_articles([folder], skipped=skipped)
    assert names(arts) == {"tass.txt", "moscow-times.txt", "x.txt"}
    assert [a.outlet_detected_by for a in arts if a.source.endswith("x.txt")] == ["file name"]
    [line] = lines_about(warnings, "manifest.toml")
    assert line.startswith(f"{sub}/manifest.toml: skipped: ") and why in line
    assert line.endswith("the files of its folder are read as if it were not there")
    assert [Path(s).name for s, _ in skipped] == ["manifest.toml"]
    with pytest.raises(InputError, match="manifest"):
        read_articles([folder], strict=True)
    with pytest.raises(InputError, match=why.replace("[", r"\[").replace("]", r"\]")):
        read_articles([folder / "tass.txt", folder / "moscow-times.txt"], manifest=sub / "manifest.toml")


def test_a_manifest_given_by_name_must_be_a_regular_file(tmp_path):
    os.mkfifo(tmp_path / "m.toml")
    with deadline(), pytest.raises(InputError, match="not a regular file"):
        load_manifest(tmp_path / "m.toml")


# end to end through the CLI


def run_cli(*args, timeout=240):
    env = os.environ | {"HF_HUB_OFFLINE": "1"}

    def limit():  # a run that reads /dev/zero dies here instead of taking the machine's memory
        resource.setrlimit(resource.RLIMIT_AS, (8 * 2**30, 8 * 2**30))

    return subprocess.run([sys.executable, "-m", "compare", *args], capture_output=True, env=env,
                          timeout=timeout, preexec_fn=limit)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    folder = good(root / "corpus")
    os.symlink("/dev/zero", folder / "zero.txt")
    os.mkfifo(folder / "pipe.txt")
    os.symlink("/etc/passwd", folder / "passwd.txt")
    os.symlink("self.txt", folder / "self.txt")
    (folder / ESC_NAME).write_bytes(b"\x00\x01binary")
    (folder / "big.jsonl").write_text(json.dumps({"text": "Officials said the dam held on Monday night.",
                                                  "outlet": "O" * 1_000_000, "title": "T" * 5_000_000}) + "\n")
    (folder / "zw.jsonl").write_text(json.dumps({"text": "Residents said the river fell on Tuesday.",
                                                 "outlet": "\u200b\u2060\ufeff"}) + "\n")
    fd = os.open(os.fsencode(folder) + b"/" + RAW_NAME, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"Officials said the dam held on Monday, residents of Strell said.\n")
    os.close(fd)
    sub = folder / "sub"
    sub.mkdir()
    (sub / "manifest.toml").write_text("article = 5\n")
    (sub / "x.txt").write_text("Officials said the river rose on Monday, residents said.\n")
    return root, folder


@pytest.mark.parametrize("cache", ["--no-cache", "--cache"])
def test_the_cli_reads_the_good_files_of_a_hostile_folder(hostile, cache):
    root, folder = hostile
    out = root / f"out{cache}"
    args = ["--no-cache"] if cache == "--no-cache" else ["--cache", str(root / "cache.sqlite")]
    res = run_cli("run", str(folder), "--out", str(out), *FAST, *args)
    stderr = res.stderr.decode("utf-8")
    assert res.returncode == 0, stderr
    assert "Traceback" not in stderr and "\x1b" not in stderr and "\x07" not in stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    read = {Path(a["source"]).name for a in report["articles"]}
    assert read == {"tass.txt", "moscow-times.txt", "big.jsonl:1", "zw.jsonl:1", "a\\xff\\xfe.txt", "x.txt"}
    skipped = {Path(s["source"]).name: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {"zero.txt", "pipe.txt", "passwd.txt", "self.txt", "\x1b]0;pwned\\x07\x1b[2Jx.txt"
                            .replace("\x1b", "\\x1b"), "manifest.toml"}
    for name in skipped:
        assert sum(name in line for line in stderr.splitlines()) == 1, (name, stderr)
    assert sum("big.jsonl" in line for line in stderr.splitlines()) == 1
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "root:" not in md and "\x1b" not in md
    assert sum(f.stat().st_size for f in out.iterdir()) < 2_000_000
    outlets = {a["outlet"] for a in report["articles"]}
    assert "O" * 200 in outlets and not any("\u200b" in o for o in outlets)


def test_the_cli_reads_a_link_out_of_the_folder_only_with_follow_links(tmp_path):
    folder = good(tmp_path / "corpus")
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("MOSCOW, May 26. /TASS/. Officials said the river fell on Tuesday in Strell.\n")
    os.symlink(outside, folder / "linked.txt")
    for flag, expected in (((), False), (("--follow-links",), True)):
        out = tmp_path / f"out{len(flag)}"
        res = run_cli("run", str(folder), "--out", str(out), *FAST, "--no-cache", *flag)
        assert res.returncode == 0, res.stderr.decode("utf-8")
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        assert ("linked.txt" in {Path(a["source"]).name for a in report["articles"]}) is expected
