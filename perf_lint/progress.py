"""A progress bar on stderr for long runs: only when stderr is a terminal,
the run covers at least ``THRESHOLD`` files and no ``CI`` variable is set.
tqdm is imported only when a bar is actually shown."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, Callable, Iterator, Optional, TextIO

#: The fewest files for which a bar is worth drawing.
THRESHOLD = 50


def wanted(total: int, stream: Optional[TextIO] = None) -> bool:
    """Whether a run over ``total`` files shows a bar on ``stream``."""
    stream = stream if stream is not None else sys.stderr
    if total < THRESHOLD or os.environ.get("CI"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextlib.contextmanager
def counter(total: int, stream: Optional[TextIO] = None) -> Iterator[Callable[..., None]]:
    """A callable that advances a bar of ``total`` files by one each time it
    is called (its arguments are ignored), drawn on ``stream`` (stderr) when
    one is wanted; the bar is cleared when the block ends."""
    stream = stream if stream is not None else sys.stderr
    if not wanted(total, stream):
        yield _ignore
        return
    from tqdm import tqdm

    with tqdm(
        total=total,
        file=stream,
        unit="file",
        desc="perf-lint",
        leave=False,
        dynamic_ncols=True,
        mininterval=0.1,
    ) as bar:
        yield lambda *_: bar.update(1)


def _ignore(*_: Any) -> None:
    """Advance no bar."""
