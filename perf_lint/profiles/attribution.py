"""What each diagnostic's function cost in a set of profiles.

A profile's frames are mapped onto the linted files' scopes (``scopes``):
the file by ``paths.Matcher``, then the function by name (``co_name`` or
qualified name) and line (the profile's line must lie within a function of
that name; the innermost wins; two candidates on the same line are
ambiguous). When the line lies in no function of that name (the file
changed since the profile was taken, or is being edited), a name that
denotes one function both in the profile and in the file still matches,
without line numbers; other names match nothing. A frame without a line
matches only a name that is unique in the file. Frames of comprehensions
and generator expressions count as their enclosing function's, as Python
3.12 inlines them; one known only by its line (cProfile's ``<listcomp>``)
counts only inside a function found at its own line.

Numbers, for a function *f* and a profile's total *T* (cProfile: the sum of
every function's own time, as ``pstats`` prints it; samplers: all samples
or sampled time, idle stacks included):

- ``cumulative_share``: cProfile's cumulative time of *f* / *T*; for stacks,
  the weight of the stacks that hold *f* (once per stack) / *T*;
- ``self_share``: *f*'s own time / *T*; for stacks, those with *f* as leaf;
- ``calls``: cProfile's total calls (recursive ones included); ``None``
  for the other formats, which do not count calls;
- ``line_share`` (samplers with line numbers only): the weight of the
  stacks where *f*'s frame is on a line of the reported statement and its
  body / *T*;
- ``at_most`` (what fixing the finding can win at most, by which findings
  are ranked and ``--min-share`` filters): ``line_share`` where there is
  one, else ``self_share``; never ``cumulative_share``.

A diagnostic without numbers is ``NOT_IN_PROFILE`` (no profile holds its
file), ``NOT_RUN`` (cProfile, which records every call, never entered its
function), ``NOT_SAMPLED`` (a sampler never saw it) or ``AMBIGUOUS``.
``Attribution`` also tells how much of each profile lies in the linted
files (``Coverage``) and which of their functions have the most own time.

Several profiles add up (their totals too); they must count the same unit
(time or samples)."""

from __future__ import annotations

import collections
import dataclasses
import functools
import os
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, Union

from perf_lint.profiles.formats import ProfileError
from perf_lint.profiles.model import Frame, Profile
from perf_lint.profiles.paths import Matcher, is_source
from perf_lint.profiles.scopes import COMPREHENSIONS, FileScopes, Scope

#: What a diagnostic's answer is when its function has no numbers: never
#: entered (deterministic profiles: cProfile), never seen in a sample (the
#: sampling profilers), its file in no profile, or no unique match.
NOT_RUN, NOT_SAMPLED, NOT_IN_PROFILE = "not run", "not sampled", "file not in the profile"
AMBIGUOUS = "ambiguous"
_Key = Tuple[str, int]  # (linted path, scope index)


@dataclasses.dataclass(frozen=True)
class Share:
    """What one diagnostic's function cost."""

    function: str
    calls: Optional[int]
    cumulative_share: float
    self_share: float
    line_share: Optional[float]

    @property
    def at_most(self) -> float:
        """What fixing the finding can win at most: the time spent in its
        statement and body where the profile has lines (``line_share``),
        else its function's own time (``self_share``), never the time of
        the functions it calls (``cumulative_share``)."""
        return self.self_share if self.line_share is None else self.line_share

    def as_json(self) -> Dict[str, object]:
        return {
            "function": self.function,
            "calls": self.calls,
            "at_most_share": round(self.at_most, 6),
            "cumulative_share": round(self.cumulative_share, 6),
            "self_share": round(self.self_share, 6),
            "line_share": None if self.line_share is None else round(self.line_share, 6),
        }


#: A diagnostic's answer: its ``Share``, ``NOT_RUN``, ``NOT_SAMPLED``,
#: ``NOT_IN_PROFILE`` or ``AMBIGUOUS``.
Answer = Union[Share, str]


@dataclasses.dataclass(frozen=True)
class HotFunction:
    """A function of a linted file and its own time (``self_share``)."""

    path: str
    line: int
    function: str
    self_share: float
    key: _Key


@dataclasses.dataclass(frozen=True)
class Coverage:
    """How much of one profile lies in the linted files: the share of its
    weight there (cProfile: the own time of their functions; stacks: the
    stacks that pass through them) and how many linted files it holds."""

    profile: Profile
    share: float
    files: int


@dataclasses.dataclass
class _Totals:
    calls: int = 0
    cumulative: float = 0.0
    own: float = 0.0
    lines: Dict[FrozenSet[int], float] = dataclasses.field(
        default_factory=lambda: collections.defaultdict(float)
    )


class Attribution:
    """What a set of profiles says of the linted files: each file's answers
    (``files``; ``None`` when its text does not parse), how much of each
    profile the linted files hold (``coverage``) and their functions with
    the most own time (``hottest``)."""

    def __init__(
        self,
        files: Dict[str, Optional[FileAnswers]],
        coverage: List[Coverage],
        functions: List[HotFunction],
    ) -> None:
        self.files = files
        self.coverage = coverage
        self.functions = functions

    def hottest(self, count: int) -> List[HotFunction]:
        ordered = sorted(self.functions, key=lambda f: (-f.self_share, f.path, f.line))
        # Under 0.1% of the run, code is not hot, whatever its rank.
        return [f for f in ordered[:count] if f.self_share >= HOT_ENOUGH]


#: The least own share of the run a function needs to be listed as hot.
HOT_ENOUGH = 0.001


class ProfileSet:
    """Profiles read together; their weights add up."""

    def __init__(self, profiles: Sequence[Profile]) -> None:
        units = {profile.unit for profile in profiles}
        if len(units) > 1:
            kinds = ", ".join(f"{p.path} ({p.unit})" for p in profiles)
            raise ProfileError(profiles[0].path, f"cannot add up time and samples: {kinds}")
        self.profiles = list(profiles)
        self.unit = units.pop()
        self.total = sum(profile.total for profile in profiles)
        self.counts_calls = all(profile.counts_calls for profile in profiles)
        self.has_lines = all(profile.executing_lines for profile in profiles)

    @property
    def unentered(self) -> str:
        """The answer for a function the profiles never saw: ``NOT_RUN``
        when they count every call (cProfile), else ``NOT_SAMPLED``."""
        return NOT_RUN if self.counts_calls else NOT_SAMPLED

    def attribute(
        self,
        sources: Dict[str, str],
        roots: Dict[str, str],
        others: Optional[Dict[str, Callable[[], str]]] = None,
    ) -> Attribution:
        """The answers for the files of ``sources`` (a path and its text),
        and what the profiles say of them and of ``others`` (the other
        linted files: a path and how to get its text, asked only for a file
        a profile holds). ``roots`` maps a path to its project's directory."""
        texts: Dict[str, Callable[[], str]] = dict(others or {})
        for path, text in sources.items():
            texts[path] = functools.partial(str, text)
        absolute = {path: os.path.abspath(path) for path in texts}
        parsed: Dict[str, Optional[FileScopes]] = {}

        def scopes_of(path: str) -> Optional[FileScopes]:
            if path not in parsed:
                try:
                    parsed[path] = FileScopes(texts[path]())
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    parsed[path] = None
            return parsed[path]

        totals: Dict[_Key, _Totals] = {}
        ambiguous: Set[_Key] = set()
        ambiguous_files: Set[str] = set()
        seen_files: Set[str] = set()
        unlined: Set[_Key] = set()  # functions found by name alone: their lines moved
        coverage: List[Coverage] = []
        for profile in self.profiles:
            matcher = Matcher({frame.file for frame in profile.frames}, absolute.values())
            linted_for: Dict[str, str] = {}
            for path in texts:
                file, unclear = matcher.match(absolute[path], roots.get(path, os.getcwd()))
                if unclear:
                    ambiguous_files.add(path)
                elif file is not None and scopes_of(path) is not None:
                    linted_for[file] = path
            seen_files.update(linted_for.values())
            scopes = {path: parsed[path] for path in linted_for.values()}
            args = (linted_for, scopes, totals, ambiguous, unlined)
            share = self._add(profile, *args)  # type: ignore[arg-type]
            coverage.append(Coverage(profile, share, len(linted_for)))
        answers: Dict[str, Optional[FileAnswers]] = {}
        for path in sources:
            unclear = path in ambiguous_files
            found = scopes_of(path) if unclear or path in seen_files else None
            if (unclear or path in seen_files) and found is None:
                answers[path] = None
                continue
            seen = path in seen_files or unclear
            answers[path] = FileAnswers(
                self, path, found, totals, ambiguous, unclear, unlined, seen
            )
        functions = []
        for (path, index), entry in totals.items():
            found = parsed.get(path)
            if found is None or (path, index) in ambiguous:
                continue
            scope = found.scopes[index]
            share = min(entry.own / self.total, 1.0)
            functions.append(HotFunction(path, scope.header, scope.qualname, share, (path, index)))
        return Attribution(answers, coverage, functions)

    def _add(
        self,
        profile: Profile,
        linted_for: Dict[str, str],
        scopes: Dict[str, FileScopes],
        totals: Dict[_Key, _Totals],
        ambiguous: Set[_Key],
        unlined: Set[_Key],
    ) -> float:
        """Add one profile's numbers to ``totals``; the share of its weight
        that lies in the linted files (``linted_for``: a profile's file name
        to the linted path)."""
        resolved = _resolve_frames(profile, linted_for, scopes, ambiguous)
        for key, _inlined, moved in resolved.values():
            if moved:
                unlined.add(key)
        frames = profile.frames
        inside = 0.0
        if profile.functions is not None:
            for index, numbers in profile.functions.items():
                if frames[index].file in linted_for:
                    inside += numbers.own
                hit = resolved.get(index)
                if hit is None:
                    continue
                key, inlined, _moved = hit
                entry = totals.setdefault(key, _Totals())
                entry.own += numbers.own
                if not inlined:
                    entry.calls += numbers.calls
                    entry.cumulative += numbers.cumulative
            return min(inside / profile.total, 1.0) if profile.total else 0.0
        for stack, weight in (profile.stacks or {}).items():
            if any(frames[index].file in linted_for for index in stack):
                inside += weight
            seen: Dict[_Key, Set[int]] = {}
            for index in stack:
                hit = resolved.get(index)
                if hit is None:
                    continue
                lines = seen.setdefault(hit[0], set())
                line = frames[index].line
                if line is not None and not hit[2]:
                    lines.add(line)
            if not seen:
                continue
            for key, lines in seen.items():
                entry = totals.setdefault(key, _Totals())
                entry.cumulative += weight
                entry.lines[frozenset(lines)] += weight
            leaf = _leaf(stack, frames)
            hit = resolved.get(leaf) if leaf is not None else None
            if hit is not None:
                totals[hit[0]].own += weight
        return min(inside / profile.total, 1.0) if profile.total else 0.0


def _leaf(stack: Tuple[int, ...], frames: List[Frame]) -> Optional[int]:
    """The innermost Python frame of a stack (pyinstrument ends a stack
    with a ``[self]`` frame of no file for a function's own time; py-spy's
    ``--native`` adds C frames below the Python ones)."""
    for index in reversed(stack):
        file = frames[index].file
        if is_source(file) or file.startswith("<"):  # "<frozen importlib._bootstrap>"
            return index
    return None


def _comprehension(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in COMPREHENSIONS


def _resolve_frames(
    profile: Profile,
    linted_for: Dict[str, str],
    scopes: Dict[str, FileScopes],
    ambiguous: Set[_Key],
) -> Dict[int, Tuple[_Key, bool, bool]]:
    """Each frame of a matched file: its (path, scope), whether it is a
    comprehension counted as its function, and whether it was found by name
    alone (its line lies in no function of that name: the file changed)."""
    first_lines = profile.functions is not None or not profile.executing_lines
    lines_of: Dict[Tuple[str, str], Set[Optional[int]]] = {}
    if first_lines:  # each (name, first line) is one function
        for frame in profile.frames:
            lines_of.setdefault((frame.file, frame.name), set()).add(frame.line)
    resolved: Dict[int, Tuple[_Key, bool, bool]] = {}
    later = []
    for index, frame in enumerate(profile.frames):
        path = linted_for.get(frame.file)
        if path is None:
            continue
        if _comprehension(frame.name) and ".<locals>." not in frame.name:
            later.append((index, frame, path))
            continue
        unique = len(lines_of.get((frame.file, frame.name), ())) <= 1
        found = _resolve(frame, scopes[path], unique)
        if isinstance(found, list):
            ambiguous.update((path, scope.index) for scope in found)
        elif found is not None:
            scope, moved = found
            resolved[index] = ((path, scope.index), _comprehension(frame.name), moved)
    # A comprehension named without its function (cProfile's "<listcomp>")
    # is found by its line alone: only inside a function found at its line.
    anchored = {hit[0] for hit in resolved.values() if not hit[2]}
    for index, frame, path in later:
        found = _resolve(frame, scopes[path], False)
        if isinstance(found, tuple) and (path, found[0].index) in anchored:
            resolved[index] = ((path, found[0].index), True, False)
    return resolved


def _resolve(
    frame: Frame, found: FileScopes, unique: bool
) -> Union[Tuple[Scope, bool], List[Scope], None]:
    """The scope a frame is (and whether it was found by name alone, its
    line being in no function of that name), a list of the scopes it could
    equally be (ambiguous), or ``None``. ``unique``: the profile has one
    function of this name in the file, which may then be found by name."""
    name = frame.name
    leaf = name.rsplit(".", 1)[-1]
    if leaf in COMPREHENSIONS:
        if ".<locals>." in name:  # a qualified name says whose it is
            owner = Frame(name.rsplit(".<locals>.", 1)[0], frame.file, frame.line)
            return _resolve(owner, found, unique)
        if frame.line is None:
            return None
        candidates = [s for s in found.scopes if s.contains_line(frame.line)]
    else:
        named = [
            s
            for s in found.scopes
            if s.name == leaf
            and ("." not in name or name == s.qualname or name.endswith("." + s.qualname))
        ]
        if frame.line is None:
            if len(named) > 1:
                return named
            return (named[0], False) if named else None
        candidates = [s for s in named if s.contains_line(frame.line)]
        if not candidates:
            if len(named) == 1 and unique:
                return named[0], True
            return named or None  # several functions it could be: ambiguous
    if not candidates:
        return None
    deepest = max(s.depth for s in candidates)
    innermost = [s for s in candidates if s.depth == deepest]
    return (innermost[0], False) if len(innermost) == 1 else innermost


class FileAnswers:
    """The answers for the diagnostics of one linted file (``scopes`` is
    ``None`` for a file no profile holds)."""

    def __init__(
        self,
        profiles: ProfileSet,
        path: str,
        scopes: Optional[FileScopes],
        totals: Dict[_Key, _Totals],
        ambiguous: Set[_Key],
        file_ambiguous: bool,
        unlined: Set[_Key],
        seen: bool = True,
    ) -> None:
        self.profiles = profiles
        self.unlined = unlined
        self.path = path
        self.scopes = scopes
        self.totals = totals
        self.ambiguous = ambiguous
        self.file_ambiguous = file_ambiguous
        self.seen = seen

    def key(self, start: Tuple[int, int]) -> Optional[_Key]:
        """The (path, scope) of the function around ``start``."""
        if self.scopes is None:
            return None
        return (self.path, self.scopes.innermost(*start).index)

    def answer(self, start: Tuple[int, int], end: Tuple[int, int]) -> Answer:
        if self.file_ambiguous:
            return AMBIGUOUS
        if not self.seen or self.scopes is None:
            return NOT_IN_PROFILE
        scope = self.scopes.innermost(*start)
        key = (self.path, scope.index)
        if key in self.ambiguous:
            return AMBIGUOUS
        entry = self.totals.get(key)
        if entry is None:
            return self.profiles.unentered
        total = self.profiles.total
        line_share: Optional[float] = None
        if self.profiles.has_lines and key not in self.unlined:
            first, last = self.scopes.statement_lines(scope, start, end)
            weight = sum(
                w for lines, w in entry.lines.items() if any(first <= n <= last for n in lines)
            )
            line_share = min(weight / total, 1.0)
        return Share(
            function=scope.qualname,
            calls=entry.calls if self.profiles.counts_calls else None,
            cumulative_share=min(entry.cumulative / total, 1.0),
            self_share=min(entry.own / total, 1.0),
            line_share=line_share,
        )
