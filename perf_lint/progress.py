"""A progress bar on stderr for long runs: only when stderr is a terminal,
the run covers at least ``THRESHOLD`` files and no ``CI`` variable is set.
tqdm is imported only when a bar is actually shown."""

from __future__ import annotations

import os
import sys
from typing import Iterator, Optional, Sequence, TextIO, TypeVar

#: The fewest files for which a bar is worth drawing.
THRESHOLD = 50

T = TypeVar("T")


def wanted(total: int, stream: Optional[TextIO] = None) -> bool:
    """Whether a run over ``total`` files shows a bar on ``stream``."""
    stream = stream if stream is not None else sys.stderr
    if total < THRESHOLD or os.environ.get("CI"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def track(items: Sequence[T], stream: Optional[TextIO] = None) -> Iterator[T]:
    """Yield ``items``, advancing a bar on ``stream`` (stderr) when one is
    wanted; the bar is cleared when the iteration ends."""
    stream = stream if stream is not None else sys.stderr
    if not wanted(len(items), stream):
        yield from items
        return
    from tqdm import tqdm

    with tqdm(
        total=len(items),
        file=stream,
        unit="file",
        desc="perf-lint",
        leave=False,
        dynamic_ncols=True,
        mininterval=0.1,
    ) as bar:
        for item in items:
            yield item
            bar.update(1)
