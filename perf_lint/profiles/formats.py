"""Reading profile files, with the format told by the content:

- cProfile / profile dumps (``python -m cProfile -o out.pstats``,
  ``pstats.Stats.dump_stats``): a ``marshal``-ed dictionary of
  ``(file, first line, name) -> (primitive calls, calls, own time,
  cumulative time, callers)``;
- speedscope JSON (``py-spy record --format speedscope``, pyinstrument's
  ``-r speedscope``, ...): ``sampled`` and ``evented`` profiles;
- folded stacks, one ``frame;frame;...;frame count`` per line: py-spy's
  ``--format raw`` (frames ``name (file:line)``, or ``name (file)`` with
  ``--nolineno``), austin 3's text output (frames ``file:name:line``, the
  metric in microseconds, ``#`` metadata lines) and any tool that writes
  those frames. Frames without a file (``main;work 12``) are read but never
  match a linted file.

Only a regular file is read (a FIFO or device is refused before it is
opened for reading), and never more than a limit (``max-profile-size``).
Anything else is a ``ProfileError`` that names the file, as is a number too
large to add up (a 330-digit count)."""

from __future__ import annotations

import collections
import itertools
import json
import marshal
import math
import re
from typing import Any, Dict, List, Optional, Tuple

from perf_lint.profiles.model import SAMPLES, SECONDS, Frame, Profile, Totals

EXPECTED = "expected a cProfile dump, folded stacks or speedscope JSON"
#: The largest profile read when nothing says otherwise (``max-profile-size``
#: in ``[tool.perf-lint]``, in megabytes: ``perf_lint.config``).
DEFAULT_LIMIT = 100_000_000


class ProfileError(Exception):
    """A profile that cannot be used; the message names the file."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def read(path: str, limit: int = DEFAULT_LIMIT) -> Profile:
    """The profile in the file at ``path``, whatever its format: a regular
    file of at most ``limit`` bytes (no more than ``limit + 1`` are read)."""
    from perf_lint.reading import Refused, TooLarge, read_regular

    try:
        data = read_regular(path, limit)
    except TooLarge as refused:
        size = f"{refused.size:,} bytes" if refused.size is not None else "it grew while read"
        raise ProfileError(
            path,
            f"profile too large ({size}, more than `max-profile-size` = "
            f"{_megabytes(limit)}); raise `max-profile-size` in [tool.perf-lint] to read it",
        ) from None
    except Refused as refused:
        raise ProfileError(path, f"cannot read profile: {refused.reason}") from None
    except OSError as error:
        raise ProfileError(path, f"cannot read profile: {error.strerror or error}") from None
    if not data.strip():
        raise ProfileError(path, f"empty file ({EXPECTED})")
    try:
        return parse(path, data)
    except ProfileError:
        raise
    except (RecursionError, MemoryError) as error:  # pragma: no cover - pathological input
        raise ProfileError(path, f"cannot read profile: {type(error).__name__}") from None


def _megabytes(limit: int) -> str:
    """A limit in bytes as ``max-profile-size`` says it (SI megabytes)."""
    if limit % 1_000_000 == 0:
        return f"{limit // 1_000_000} MB"
    return f"{limit:,} bytes"


def finite(path: str, value: float, what: str) -> float:
    """``value``, which must be a finite number (a huge count, ``1e400`` in
    JSON or a NaN in a dump would make every share meaningless)."""
    if not math.isfinite(value):
        raise ProfileError(path, f"{what} is too large or not a number")
    return value


def parse(path: str, data: bytes) -> Profile:
    first = data[:1]
    if first in (b"\xfb",):  # marshal's dictionary, as pstats writes it
        return _pstats(path, data)
    text = _text(data)
    if text is None:
        if first == b"{":
            return _pstats(path, data)
        raise ProfileError(path, f"binary data, not a profile ({EXPECTED})")
    if text.lstrip()[:1] in ("{", "["):
        try:
            document = json.loads(text)
        except ValueError as error:
            if first == b"{" and _looks_like_pstats(data):
                return _pstats(path, data)
            raise ProfileError(path, f"invalid or truncated JSON ({error})") from None
        return _speedscope(path, document)
    return _folded(path, text)


def _text(data: bytes) -> Optional[str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    return text


def _looks_like_pstats(data: bytes) -> bool:
    try:
        return isinstance(marshal.loads(data), dict)
    except (EOFError, ValueError, TypeError):
        return False


# -- cProfile -------------------------------------------------------------------
def _pstats(path: str, data: bytes) -> Profile:
    try:
        stats = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        raise ProfileError(path, "truncated or corrupt cProfile dump") from None
    if not isinstance(stats, dict):
        raise ProfileError(path, f"not a profile ({EXPECTED})")
    frames: List[Frame] = []
    functions: Dict[int, Totals] = {}
    total = 0.0
    for key, value in stats.items():
        if not (
            isinstance(key, tuple)
            and len(key) == 3
            and isinstance(key[0], str)
            and isinstance(key[1], int)
            and isinstance(key[2], str)
            and isinstance(value, tuple)
            and len(value) == 5
            and all(isinstance(number, (int, float)) for number in value[:4])
        ):
            raise ProfileError(path, f"not a cProfile dump ({EXPECTED})")
        file, line, name = key
        _primitive, calls, own, cumulative = value[:4]
        try:
            calls, own, cumulative = int(calls), float(own), float(cumulative)
        except (OverflowError, ValueError):  # an infinite or NaN count, a huge integer
            calls, own, cumulative = 0, math.inf, math.inf
        finite(path, own + cumulative, f"a number of {name} ({file}:{line})")
        functions[len(frames)] = Totals(calls, own, cumulative)
        frames.append(Frame(name, file, line))
        total += own
    finite(path, total, "the total time")
    if not frames or total <= 0:
        raise ProfileError(path, "the cProfile dump records no time")
    return Profile(path, "pstats", SECONDS, total, frames, functions=functions)


# -- folded stacks ------------------------------------------------------------------
#: py-spy: ``name (file:line)`` or, with --nolineno, ``name (file)``.
_PY_SPY = re.compile(r"(?P<name>.+) \((?P<file>.*?)(?::(?P<line>\d+))?\)")
#: austin 3: ``file:name:line``.
_AUSTIN = re.compile(r"(?P<file>.+):(?P<name>[^:]+):(?P<line>\d+)")
_COUNT = re.compile(r"\d+(?:\.\d+)?(?:,-?\d+(?:\.\d+)?)*")


def _frame(text: str) -> Frame:
    match = _PY_SPY.fullmatch(text)
    if match is None:
        match = _AUSTIN.fullmatch(text)
    if match is None:
        return Frame(text, "", None)
    line = match.group("line")
    return Frame(match.group("name"), match.group("file"), int(line) if line else None)


def _folded(path: str, text: str) -> Profile:
    unit, scale = SAMPLES, 1.0
    frames: List[Frame] = []
    index: Dict[str, int] = {}
    stacks: Dict[Tuple[int, ...], float] = collections.defaultdict(float)
    read_any = False
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            header = line[1:].strip().lower()
            if header.startswith("austin"):
                unit, scale = SECONDS, 1e-6  # austin's metric is in microseconds
            elif header.startswith("mode:") and "memory" in header:
                raise ProfileError(path, "a memory profile; a time or sample profile is needed")
            continue
        stack, _, count = line.rpartition(" ")
        if not _COUNT.fullmatch(count):
            if not read_any and not stacks:
                raise ProfileError(path, f"not a profile ({EXPECTED})")
            raise ProfileError(
                path, f"line {number} is not `frame;frame;... count` (truncated file?)"
            )
        read_any = read_any or bool(stack.strip())
        ids = []
        for part in stack.strip().split(";") if stack.strip() else ():
            known = index.get(part)
            if known is None:
                known = index[part] = len(frames)
                frames.append(_frame(part))
            ids.append(known)
        value = finite(path, float(count.split(",")[0]), f"the count on line {number}")
        stacks[tuple(ids)] += value * scale
    total = finite(path, sum(stacks.values()), "the total of the counts")
    if not read_any or total <= 0:
        raise ProfileError(path, "the profile holds no samples")
    executing = any(frame.line is not None for frame in frames)
    return Profile(
        path, "folded", unit, total, frames, stacks=dict(stacks), executing_lines=executing
    )


# -- speedscope -----------------------------------------------------------------------
_UNITS = {
    "none": (SAMPLES, 1.0),
    "nanoseconds": (SECONDS, 1e-9),
    "microseconds": (SECONDS, 1e-6),
    "milliseconds": (SECONDS, 1e-3),
    "seconds": (SECONDS, 1.0),
}


def _speedscope(path: str, document: Any) -> Profile:
    def need(condition: bool, what: str = "") -> None:
        if not condition:
            detail = f" ({what})" if what else ""
            raise ProfileError(path, f"JSON, but not a speedscope profile{detail}")

    need(isinstance(document, dict) and "profiles" in document and "shared" in document)
    shared = document["shared"]
    need(isinstance(shared, dict) and isinstance(shared.get("frames"), list), "no shared.frames")
    frames: List[Frame] = []
    for raw in shared["frames"]:
        need(isinstance(raw, dict) and isinstance(raw.get("name"), str), "a frame without a name")
        file = raw.get("file")
        line = raw.get("line")
        need(file is None or isinstance(file, str), "a frame's file is not a string")
        need(line is None or (isinstance(line, int) and not isinstance(line, bool)), "bad line")
        frames.append(Frame(raw["name"], file or "", line))
    profiles = document["profiles"]
    need(isinstance(profiles, list) and bool(profiles), "no profiles")
    stacks: Dict[Tuple[int, ...], float] = collections.defaultdict(float)
    units = set()
    total = 0.0
    for profile in profiles:
        need(isinstance(profile, dict), "a profile is not an object")
        unit = profile.get("unit", "none")
        if unit == "bytes":
            raise ProfileError(path, "a memory profile; a time or sample profile is needed")
        need(unit in _UNITS, f"unknown unit {unit!r}")
        kind, scale = _UNITS[unit]
        units.add(kind)
        if profile.get("type") == "sampled":
            samples, weights = profile.get("samples"), profile.get("weights")
            need(isinstance(samples, list) and isinstance(weights, list), "samples and weights")
            need(len(samples) == len(weights), "as many weights as samples")
            for stack, weight in zip(samples, weights):
                need(type(stack) is list and _number(weight), "a sample")
                try:
                    stacks[tuple(stack)] += weight * scale
                except TypeError:  # a list or object among the frame indices
                    need(False, "a sample's frame")
                total += weight * scale
        elif profile.get("type") == "evented":
            total += _events(path, profile, frames, scale, stacks, need)
        else:
            need(False, f"unknown profile type {profile.get('type')!r}")
    # The frame indices of every distinct stack, checked at once (a 100 MB
    # profile holds tens of millions of them, in far fewer distinct stacks):
    # ints (not floats nor bools) within the frames.
    indices = set(itertools.chain.from_iterable(stacks))
    need(
        not indices
        or (set(map(type, indices)) == _INT and min(indices) >= 0 and max(indices) < len(frames)),
        "a sample's frame",
    )
    if len(units) > 1:
        raise ProfileError(path, "mixes profiles in time and in samples")
    finite(path, total + sum(stacks.values()), "the total of the samples")
    if total <= 0:
        raise ProfileError(path, "the profile holds no samples")
    return Profile(
        path,
        "speedscope",
        units.pop(),
        total,
        frames,
        stacks=dict(stacks),
        executing_lines=_executing_lines(document, frames),
    )


def _executing_lines(document: Dict[str, Any], frames: List[Frame]) -> bool:
    """Whether the frames' lines are the lines being executed (py-spy: one
    frame per function and line) rather than each function's first line
    (pyinstrument: one frame per function)."""
    if str(document.get("exporter", "")).startswith("py-spy"):
        return True
    lines: Dict[Tuple[str, str], set] = {}  # type: ignore[type-arg]
    for frame in frames:
        if frame.line is not None:
            seen = lines.setdefault((frame.file, frame.name), set())
            seen.add(frame.line)
            if len(seen) > 1:
                return True
    return False


_INT = {int}


def _number(value: Any) -> bool:
    """A finite number, at least 0 (JSON's ``1e400`` is infinite, and an
    integer of 400 digits cannot be added to a float)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value)) and value >= 0
    except OverflowError:
        return False


def _index(value: Any, frames: List[Frame]) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(frames)


def _events(
    path: str,
    profile: Dict[str, Any],
    frames: List[Frame],
    scale: float,
    stacks: Dict[Tuple[int, ...], float],
    need: Any,
) -> float:
    """Add an evented profile's open stacks, weighted by the time between
    events, to ``stacks``. Returns the profile's length."""
    events = profile.get("events")
    start, end = profile.get("startValue"), profile.get("endValue")
    need(isinstance(events, list) and _number(start) and _number(end), "events")
    stack: List[int] = []
    at = start
    for event in events:
        need(isinstance(event, dict) and event.get("type") in ("O", "C"), "an event")
        frame, when = event.get("frame"), event.get("at")
        need(_index(frame, frames) and _number(when) and when >= at, "an event's frame or time")
        if stack and when > at:
            stacks[tuple(stack)] += (when - at) * scale
        at = when
        if event["type"] == "O":
            stack.append(frame)
        else:
            if not stack or stack[-1] != frame:
                raise ProfileError(path, "speedscope events do not nest (truncated file?)")
            stack.pop()
    if stack:
        raise ProfileError(path, "speedscope events left open (truncated file?)")
    return float(max(end, at) - start) * scale
