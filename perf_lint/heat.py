"""What a profile of a real run says of the functions of the file being
linted, for the rules that report only hot code (PRF6xx).

A rule reads ``FileContext.heat`` (a ``FileHeat``): ``function(qualname,
line)`` answers for one ``def`` with a ``FunctionHeat`` (calls, own and
cumulative share of the run, the share of each line where the profile has
lines, and the argument repeats ``perf-lint profile`` recorded), or
``None`` when the profile never saw it. Without a profile the answer is
``NO_HEAT``, whose ``known`` is ``False``: the rules that need a profile
are silent then.

This module is read-only and imports nothing of the profile package; the
facts are computed by a ``HeatSource`` (``perf_lint.profiles.heat.
ProfileHeat`` for ``check --profile`` and ``perf-lint profile``;
``StaticHeat`` for examples and tests), which is small and picklable (it is
sent to worker processes) and has an ``identity`` that enters the results
cache key of every file a profile-guided rule is selected for."""

from __future__ import annotations

import dataclasses
from typing import Dict, Mapping, Optional, Tuple


@dataclasses.dataclass(frozen=True)
class Repeats:
    """What ``perf-lint profile`` recorded of one function's arguments:
    ``calls`` recorded, ``keyed`` of them with every argument hashable by
    value (``int``, ``str``, tuples of such...), ``distinct`` argument
    tuples among those (at least: past ``capped`` no new one is stored, so
    later ones count as misses)."""

    calls: int
    keyed: int
    distinct: int
    capped: bool = False

    @property
    def hit_rate(self) -> float:
        """The share of the calls a cache of unbounded size would have
        answered: the keyed calls whose arguments an earlier call had."""
        if self.calls <= 0:
            return 0.0
        return max(self.keyed - self.distinct, 0) / self.calls

    def as_json(self) -> Dict[str, object]:
        return {
            "recorded_calls": self.calls,
            "hashable_calls": self.keyed,
            "distinct_arguments": self.distinct,
            "capped": self.capped,
            "hit_rate": round(self.hit_rate, 6),
        }


@dataclasses.dataclass(frozen=True)
class FunctionHeat:
    """One function as the profile saw it. ``calls`` is ``None`` for a
    sampling profile (only cProfile counts calls); ``lines`` maps a line
    to the share of the run spent on it (``None`` without line numbers)."""

    function: str
    calls: Optional[int]
    self_share: float
    cumulative_share: float
    lines: Optional[Mapping[int, float]] = None
    repeats: Optional[Repeats] = None
    #: cProfile's cumulative time of the function, in seconds (``None``
    #: for samples).
    cumulative_seconds: Optional[float] = None

    @property
    def seconds_per_call(self) -> Optional[float]:
        """Cumulative time per call, as the profiler measured it (its own
        overhead included), when known."""
        if self.cumulative_seconds is None or not self.calls:
            return None
        return self.cumulative_seconds / self.calls

    def line_share(self, first: int, last: int) -> Optional[float]:
        """The share of the run on lines ``first`` to ``last`` (``None``
        without line numbers)."""
        if self.lines is None:
            return None
        return sum(share for line, share in self.lines.items() if first <= line <= last)


class FileHeat:
    """The profile's facts about the functions of one file."""

    def __init__(
        self,
        known: bool,
        functions: Optional[Mapping[Tuple[str, int], FunctionHeat]] = None,
        default: Optional[FunctionHeat] = None,
    ) -> None:
        #: ``False``: no profile was given (the profile-guided rules are silent).
        self.known = known
        #: The answer for a function the facts do not name (examples).
        self.default = default
        self._functions: Dict[Tuple[str, int], FunctionHeat] = dict(functions or {})
        self._by_name: Dict[str, list] = {}  # type: ignore[type-arg]
        for (name, line), heat in self._functions.items():
            self._by_name.setdefault(name, []).append((line, heat))

    def function(self, qualname: str, line: Optional[int] = None) -> Optional[FunctionHeat]:
        """The facts of the function ``qualname`` (as ``__qualname__``
        spells it) whose ``def`` is on ``line``; with ``line`` unknown or
        no function of that name on it, the one function of that name (a
        name given to several functions answers ``None``)."""
        if line is not None:
            found = self._functions.get((qualname, line))
            if found is not None:
                return found
        named = self._by_name.get(qualname, [])
        if len(named) == 1:
            return named[0][1]  # type: ignore[no-any-return]
        return self.default if not named else None


#: What a rule sees without a profile.
NO_HEAT = FileHeat(False)


class HeatSource:
    """Where a run's profile facts come from (one per group of profiles)."""

    #: Changes whenever the facts can: the profile files and their
    #: recorded argument repeats (part of the results cache key).
    identity: str = ""

    def for_file(self, path: str, source: str) -> FileHeat:
        """The facts of the file ``path``, whose text is ``source``."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class StaticHeat(HeatSource):
    """Facts given by hand, for every file alike (rule examples, tests):
    ``functions`` maps a qualified name to its facts."""

    functions: Tuple[Tuple[str, FunctionHeat], ...] = ()
    #: The facts of every function not in ``functions``.
    default: Optional[FunctionHeat] = None

    @property
    def identity(self) -> str:  # type: ignore[override]
        return repr((self.functions, self.default))

    def for_file(self, path: str, source: str) -> FileHeat:
        return FileHeat(True, {(name, 0): heat for name, heat in self.functions}, self.default)


def hot(calls: int = 100_000, self_share: float = 0.2, **more: object) -> FunctionHeat:
    """A ``FunctionHeat`` for examples: a function called ``calls`` times."""
    return FunctionHeat("", calls, self_share, self_share, **more)  # type: ignore[arg-type]


#: Every function called 100,000 times with 20% of the run in its own code
#: (the default of the examples of the rules that need a profile).
ALL_HOT = StaticHeat(default=hot())
