"""Progress bars for the stages that can take minutes, on stderr (tqdm, MPL-2.0/MIT).

Off unless the command line turns them on (:func:`enable`), which it does when stderr is a
terminal and ``-q`` was not given: reports, logs and piped output never see them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_enabled = False


def enable(on: bool | None = None) -> None:
    """Turn bars on (``on`` None: when stderr is a terminal)."""
    global _enabled
    _enabled = sys.stderr.isatty() if on is None else on


def enabled() -> bool:
    return _enabled


def track(items: Iterable[T], total: int, desc: str, unit: str = "it") -> Iterator[T]:
    """``items`` with a bar when bars are on and the work is big enough to watch."""
    if not _enabled or total < 50:
        yield from items
        return
    from tqdm import tqdm

    with tqdm(items, total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True) as bar:
        yield from bar
