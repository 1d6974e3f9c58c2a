"""``--timings``: where a run spends its time, per phase and per rule.

Nothing here costs anything unless ``--timings`` is given: ``install`` wraps
the engine's phases and every rule's ``visit_``/``leave_`` methods in place,
in the process that analyses (each worker installs its own and sends its
totals back with each file)."""

from __future__ import annotations

import collections
import functools
import time
from typing import Any, Callable, Dict, Iterator, List

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


class Timings:
    """Seconds and call counts per phase."""

    def __init__(self) -> None:
        self.seconds: Dict[str, float] = collections.defaultdict(float)
        self.calls: Dict[str, int] = collections.defaultdict(int)

    def add(self, phase: str, seconds: float, calls: int = 1) -> None:
        self.seconds[phase] += seconds
        self.calls[phase] += calls

    def take(self) -> Dict[str, Any]:
        """The totals so far, as plain data, and start again from zero."""
        report = {"seconds": dict(self.seconds), "calls": dict(self.calls)}
        self.seconds.clear()
        self.calls.clear()
        return report

    def merge(self, report: Dict[str, Any]) -> None:
        for phase, seconds in report["seconds"].items():
            self.add(phase, seconds, report["calls"].get(phase, 0))

    def timer(self, phase: str) -> _Timer:
        return _Timer(self, phase)

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


class _Timer:
    def __init__(self, timings: Timings, phase: str) -> None:
        self.timings, self.phase = timings, phase

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings.add(self.phase, time.perf_counter() - self.start)


def _timed(timings: Timings, phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(function, "_perf_lint_timed", False):
        return function

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            timings.add(phase, time.perf_counter() - start)

    wrapper._perf_lint_timed = True  # type: ignore[attr-defined]
    return wrapper


class _Exclusive:
    """Time of the outer phase minus the phases nested in it (``fix`` is the
    fix loop without the analyses it repeats)."""

    def __init__(self, timings: Timings, phase: str, inner: List[str]) -> None:
        self.timings, self.phase, self.inner = timings, phase, inner

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        timings, phase, inner = self.timings, self.phase, self.inner

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            before = sum(timings.seconds.get(name, 0.0) for name in inner)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent = time.perf_counter() - start
                nested = sum(timings.seconds.get(name, 0.0) for name in inner) - before
                timings.add(phase, max(0.0, spent - nested))

        return wrapper


def install(timings: Timings) -> Timings:
    """Wrap the engine's phases and the rules' methods so that they report
    to ``timings``. Process-wide; meant for a ``--timings`` run only."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper

    from perf_lint import engine, positions, traversal
    from perf_lint.registry import RULES

    rules = [RULE_PREFIX + rule.CODE for rule in RULES]
    # The phases of one analysis of one text, in PHASES' order, and the rules.
    analysis = [*PHASES[PHASES.index("pre-filter") : PHASES.index("report") + 1], *rules]
    engine.decode = _timed(timings, "decode", engine.decode)
    engine.candidate_rules = _timed(timings, "pre-filter", engine.candidate_rules)
    engine._reduced = _timed(timings, "pre-filter", engine._reduced)
    engine._compiles = _timed(timings, "syntax check (ast)", engine._compiles)
    cst.parse_module = _timed(timings, "parse (libcst)", cst.parse_module)
    MetadataWrapper.resolve = _timed(timings, "positions", MetadataWrapper.resolve)
    positions.report_positions = _timed(timings, "positions", positions.report_positions)
    # The wrapper's visit_batched may call the module's: count it once.
    nested = [*rules, "visit (traversal)"]
    traversal.visit_batched = _Exclusive(timings, "visit (traversal)", nested).wrap(
        traversal.visit_batched
    )
    MetadataWrapper.visit_batched = _Exclusive(timings, "visit (traversal)", nested).wrap(
        MetadataWrapper.visit_batched
    )
    if not getattr(engine.Engine._analyse, "_perf_lint_timed", False):
        others = [name for name in analysis if name != "report"]
        engine.Engine._analyse = _Exclusive(timings, "report", others).wrap(engine.Engine._analyse)
        engine.Engine._analyse._perf_lint_timed = True  # type: ignore[attr-defined]
        engine.Engine.check_text = _Exclusive(timings, "fix", [*analysis, "report"]).wrap(
            engine.Engine.check_text
        )
    for rule in RULES:
        phase = RULE_PREFIX + rule.CODE
        if rule.SOURCE_ONLY and not getattr(rule.check_source, "_perf_lint_timed", False):
            rule.check_source = _timed(timings, phase, rule.check_source)  # type: ignore[method-assign]
        for name in dir(rule):
            if name.startswith(("visit_", "leave_")):
                method = getattr(rule, name)
                if callable(method) and not getattr(method, "_is_no_op", False):
                    setattr(rule, name, _timed(timings, phase, method))
    return timings
