"""What the commands share below ``perf_lint.cli``: the types of their
options' values, and the seam through which one command runs ``perf-lint
check`` inside itself and watches it (``perf-lint profile``,
``perf_lint.measure``): a ``CheckWatch`` it hands to a ``RunCheck`` that
the CLI gives it.

Nothing here imports the CLI or a command, so neither imports the other."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, Callable, Counter, List, Optional, Sequence, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from perf_lint.diagnostic import Diagnostic


def codes(text: str) -> List[str]:
    """A comma-separated list of rule selectors (``--select``)."""
    parts = [part.strip() for part in text.split(",")]
    if not all(parts):
        raise argparse.ArgumentTypeError(f"empty rule selector in {text!r}")
    return parts


def jobs(text: str) -> int:
    """A number of worker processes (``--jobs``): at least 1."""
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def percent(text: str) -> float:
    """A share of run time in percent (``--min-share``): 0 to 100."""
    value = _number(text, float)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError("must be between 0 and 100")
    return value


_N = TypeVar("_N", int, float)


def _number(text: str, kind: Callable[[str], _N]) -> _N:
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


class CheckWatch:
    """What a command that runs ``perf-lint check`` inside itself sees of
    that run, and where it takes over. This one watches nothing: the run
    writes its fixed files and prints its report as on the command line."""

    def take(self, outcome: Any, fixed: Counter[str]) -> bool:
        """A fixed file about to be written (``runner.Outcome``; ``fixed``
        counts its fixes by code): ``True`` when the watcher takes it
        instead, so that the run neither writes it nor reports it unwritten
        (it counts as fixed)."""
        return False

    def finished(self, diagnostics: Sequence[Diagnostic], failed: bool) -> Optional[int]:
        """The diagnostics the run shows, before it prints them (``failed``:
        an error happened): the exit code to end with instead of printing,
        or ``None`` to print the report as usual."""
        return None


#: Run ``perf-lint check`` with these arguments (``check`` first), watched:
#: its exit code.
RunCheck = Callable[[List[str], CheckWatch], int]
