"""What a profile file says, whatever its format: frames (a function's
name, its file and a line) and either per-function totals (cProfile) or
weighted stacks (sampling profilers and speedscope's evented profiles)."""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional, Tuple

#: The units a profile's weights are counted in. Time is converted to seconds.
SECONDS, SAMPLES = "seconds", "samples"


@dataclasses.dataclass(frozen=True)
class Frame:
    """One function as the profile names it: ``name`` (``co_name`` or
    ``co_qualname``), ``file`` as written by the profiler (``""`` when the
    profile does not say) and ``line`` (the function's first line in
    cProfile, the line being executed in a sampled stack, ``None`` when the
    profile has no line numbers)."""

    name: str
    file: str
    line: Optional[int]


@dataclasses.dataclass(frozen=True)
class Totals:
    """cProfile's numbers for one function: total calls (recursive ones
    included), time in the function itself and cumulative time."""

    calls: int
    own: float
    cumulative: float


@dataclasses.dataclass
class Profile:
    """One profile file, read. Exactly one of ``functions`` (per-function
    totals, keyed by frame index) and ``stacks`` (root-first tuples of frame
    indices, with their weight) is set."""

    path: str
    format: str
    unit: str
    total: float
    frames: List[Frame]
    functions: Optional[Dict[int, Totals]] = None
    stacks: Optional[Dict[Tuple[int, ...], float]] = None
    #: Whether a frame's line is the line being executed (sampled stacks),
    #: which gives ``line_share``.
    executing_lines: bool = False

    @property
    def counts_calls(self) -> bool:
        """Only cProfile counts calls. (Speedscope's evented profiles do
        not: pyinstrument, for one, writes its sampled call tree as events.)"""
        return self.functions is not None
