"""The torture corpus: small files of the kinds real folders hold, made on the spot (nothing big
is committed). ``python -m tests.torture FOLDER`` writes it for a look by hand.

``make(folder)`` writes the files and returns what a run must make of each bad one: the part of
its reason the ``skipped`` entry gives, or None for a file that must be read despite its oddity.
"""

from __future__ import annotations

import sys
from pathlib import Path

WIRE = ("Dam talks stall in Strell\n\n"
        "STRELL, March 4 /TASS/. Talks on the future of the Orvel Dam stalled on Monday after both "
        "delegations walked out of the meeting in Strell, officials from both sides said.\n\n"
        "The Veskarian delegation said it would not return until Dornland dropped its demand for "
        "international monitors at the dam.\n")
PAPER = ("Orvel Dam talks break down\n\n"
         "Negotiations over the Orvel Dam broke down in Strell on Monday when both delegations left "
         "the room, according to officials.\n\n"
         "Dornland insists on international monitors at the dam, a demand Veskaria rejects.\n\n"
         "Original url: https://www.themoscowtimes.com/2024/03/04/dam-talks-a1\n")


def make(folder: Path, max_chars: int = 20_000) -> dict[str, str | None]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {
        "tass.txt": WIRE.encode(),
        "moscow-times.txt": PAPER.encode(),
        # read as they are: odd but text
        "crlf-bom.txt": ("\ufeff" + PAPER.replace("Negotiations", "Talks").replace("\n", "\r\n")).encode(),
        "marks.txt": ("Bidi\u202e and zero\u200bwidth marks\n\nOfficials\u200d said the \U0001F30A river "
                      "rose\u2066 by 2 metres on Monday \u0007after the dam opened.\n").encode(),
        "long-line.txt": (("The dam held through the night and officials said the river would fall. " * 700)
                          .strip() + "\n").encode(),  # 50,000 characters, no line break
        "deep.html": ("<html><body>" + "<div>" * 50_000 + "<p>Water rose below the Orvel Dam on Monday, "
                      "residents of Kaldun said.</p>" + "</div>" * 50_000 + "</body></html>").encode(),
        "hostile.html": (b"<html><head><title>x</title></head><body><article><h1>Dam <script>alert(1)</script>"
                         b"talks</h1><p>Talks on the dam <img src=x onerror=alert(2)> stalled on Monday, "
                         b"officials said.</p></article></body></html>"),
        "copy-of-tass.txt": WIRE.encode(),  # a duplicate download
        # skipped, each with its reason
        "broken.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "undecodable.txt": b"Dam talks \x81\x8d\x8f\x90\x9d stalled on Monday.\n",
        "huge.txt": ("The dam held. " * (max_chars // 14 + 100)).encode(),
        "empty.txt": b"",
        "blank.md": b"   \n\t\n  \r\n",
        "bad.jsonl": b'{"text": "Fine line one.", "outlet": "J"}\n{not json\n',
        "nul.txt": b"Dam\x00talks\x00stalled" * 10,
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    # a manifest with a missing column and an extra one
    (folder / "manifest.csv").write_text("file,outlet,colour\ntass.txt,TASS,red\nmoscow-times.txt,,blue\n",
                                         encoding="utf-8")
    return {
        "broken.txt": "not a text file", "undecodable.txt": "not UTF-8", "huge.txt": "over the limit",
        "empty.txt": "empty", "blank.md": "empty", "bad.jsonl:2": "not JSON", "nul.txt": "not a text file",
        "bad.jsonl:1": None,  # the good line of a file with a bad one is read
        "tass.txt": None, "moscow-times.txt": None, "crlf-bom.txt": None, "marks.txt": None,
        "long-line.txt": None, "deep.html": None, "hostile.html": None, "copy-of-tass.txt": None,
    }


if __name__ == "__main__":
    make(Path(sys.argv[1]))
