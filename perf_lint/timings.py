"""``--timings``: where a run spends its time, per phase and per rule.

Nothing here costs anything unless ``--timings`` is given: then the engine
is built with a ``Timings`` as its hooks (``Hooks``, defined here),
which the analysis calls around each of its stages and each rule method, in
the process that analyses (each worker records its own and sends its totals
back with each file). A phase's time excludes the phases nested in it (the
traversal's excludes the rules' methods, the fix loop's the analyses it
repeats)."""

from __future__ import annotations

import collections
import contextlib
import time
from typing import Any, Callable, ContextManager, Dict, Iterator, List, Optional


class Hooks:
    """Where an analysis reports its time: ``phase(name)`` around each stage
    and ``wrap(rule, method)`` around each rule method. These do nothing;
    ``Timings`` records (``--timings``)."""

    _NOTHING = contextlib.nullcontext()

    def phase(self, name: str) -> ContextManager[Any]:
        return self._NOTHING

    #: ``None``: rule methods run as they are.
    wrap: Optional[Callable[[Any, Callable[..., Any]], Callable[..., Any]]] = None


QUIET = Hooks()

#: The order phases are printed in.
PHASES = (
    "discover",
    "read",
    "cache lookup",
    "check (total)",
    "decode",
    "pre-filter",
    "syntax check (ast)",
    "parse (libcst)",
    "visit (traversal)",
    "positions",
    "report",
    "fix",
    "cache store",
    "cache prune",
    "write",
    "output",
)
RULE_PREFIX = "rule "


class Timings(Hooks):
    """Seconds and call counts per phase."""

    def __init__(self) -> None:
        self.seconds: Dict[str, float] = collections.defaultdict(float)
        self.calls: Dict[str, int] = collections.defaultdict(int)
        #: Time spent in phases nested in each open phase.
        self._nested: List[float] = []

    def add(self, phase: str, seconds: float, calls: int = 1) -> None:
        self.seconds[phase] += seconds
        self.calls[phase] += calls

    def phase(self, name: str) -> _Phase:
        return _Phase(self, name)

    def wrap(self, visitor: Any, method: Callable[..., Any]) -> Callable[..., Any]:
        """``method`` of a rule, timed as the rule's phase."""
        phase = RULE_PREFIX + getattr(visitor, "CODE", type(visitor).__name__)

        def timed(node: Any) -> Any:
            with _Phase(self, phase):
                return method(node)

        return timed

    def take(self) -> Dict[str, Any]:
        """The totals so far, as plain data, and start again from zero."""
        report = {"seconds": dict(self.seconds), "calls": dict(self.calls)}
        self.seconds.clear()
        self.calls.clear()
        return report

    def merge(self, report: Dict[str, Any]) -> None:
        for phase, seconds in report["seconds"].items():
            self.add(phase, seconds, report["calls"].get(phase, 0))

    def rows(self) -> Iterator[tuple]:  # type: ignore[type-arg]
        known = [p for p in PHASES if p in self.seconds]
        rules = sorted(p for p in self.seconds if p.startswith(RULE_PREFIX))
        other = sorted(p for p in self.seconds if p not in known and p not in rules)
        for phase in known + other + rules:
            yield phase, self.seconds[phase], self.calls[phase]

    def render(self, wall: float, processes: int = 0) -> str:
        lines = [
            f"{'phase':<32} {'seconds':>9} {'calls':>8}",
            f"{'-' * 32} {'-' * 9} {'-' * 8}",
        ]
        for phase, seconds, calls in self.rows():
            lines.append(f"{phase:<32} {seconds:9.3f} {calls:8d}")
        lines.append(f"{'-' * 32} {'-' * 9} {'-' * 8}")
        lines.append(f"{'wall time':<32} {wall:9.3f}")
        note = (
            f"worker processes: {processes}; phases inside 'check (total)' are summed over them;"
            if processes
            else "Phases inside 'check (total)' are nested in it;"
        )
        lines.append(note + " 'rule' rows are each rule's own visit_/leave_ methods.")
        return "\n".join(lines) + "\n"


class _Phase:
    """One phase's time, less the phases nested in it."""

    def __init__(self, timings: Timings, phase: str) -> None:
        self.timings, self.phase = timings, phase

    def __enter__(self) -> None:
        self.timings._nested.append(0.0)
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        spent = time.perf_counter() - self.start
        nested = self.timings._nested.pop()
        self.timings.add(self.phase, spent - nested)
        if self.timings._nested:
            self.timings._nested[-1] += spent
