"""Measure first: rank diagnostics by what their functions cost in a
profile of a real run (``perf-lint check --profile FILE``, ``profile`` in
``[tool.perf-lint]``, the language server).

The profile is applied after the engine: it never changes which
diagnostics exist or their fixes, and nothing of it enters the results
cache, except for the rules that read it (PRF6xx: ``heat`` gives them its
facts, and the cache key of their files holds its identity). Imported
only when a profile is given.

- ``formats``: reading cProfile dumps, folded stacks and speedscope JSON;
- ``scopes``: the functions of a linted file, from its ``ast``;
- ``paths``: which profile file is which linted file;
- ``attribution``: the numbers of each diagnostic's function;
- ``report``: the suffix, header, order, JSON object, summary of hot code
  and warnings the outputs show;
- ``heat``: the facts of each function for the profile-guided rules;
- ``repeats`` and ``record_calls``: the argument record of ``perf-lint
  profile`` (PRF602).
"""

from __future__ import annotations

import math
import os
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from perf_lint.diagnostic import Diagnostic
from perf_lint.profiles.attribution import ProfileSet
from perf_lint.profiles.formats import DEFAULT_LIMIT, ProfileError, read
from perf_lint.profiles.model import Profile
from perf_lint.profiles.report import Ranking, coverage_warnings, header, identity

__all__ = ["DEFAULT_LIMIT", "ProfileError", "ProfileSet", "Ranking", "load", "rank"]

_READ: Dict[Tuple[str, int, int, int], Profile] = {}


def _read_once(path: str, limit: int) -> Profile:
    """``read``, remembered while the file is unchanged (the language
    server asks again on every change of a document)."""
    try:
        info = os.stat(path)
    except OSError:
        return read(path, limit)  # raises the error that names the file
    key = (os.path.abspath(path), info.st_mtime_ns, info.st_size, limit)
    known = _READ.get(key)
    if known is None:
        known = read(path, limit)
        if len(_READ) >= 32:
            _READ.clear()
        _READ[key] = known
    return known


def load(paths: Sequence[str], limit: int = DEFAULT_LIMIT) -> ProfileSet:
    """The profiles at ``paths``, read and added up; a ``ProfileError``
    names the first file that cannot be used. Each must be a regular file
    of at most ``limit`` bytes (``max-profile-size``:
    ``perf_lint.config.configured_profile_limit``)."""
    found = ProfileSet([_read_once(path, limit) for path in paths])
    if not math.isfinite(found.total):
        raise ProfileError(", ".join(paths), "the profiles' totals add up to too large a number")
    return found


def rank(
    groups: Sequence[Tuple[Sequence[str], ProfileSet, Sequence[Diagnostic]]],
    sources: Dict[str, str],
    roots: Dict[str, str],
    others: Optional[Sequence[Dict[str, Callable[[], str]]]] = None,
) -> Ranking:
    """The ``Ranking`` of a run: for each group of diagnostics, the names
    of its profiles (for the header), the profiles and the diagnostics.
    ``sources`` holds the text of every file with diagnostics, ``roots``
    the directory of each file's project; ``others``, for each group, its
    other linted files (a path and how to read its text), for the
    summary of hot functions and the warnings about the profiles' coverage
    (without it, only the files of ``sources`` count)."""
    headers: List[str] = []
    answers = {}
    hottest = []
    warnings: List[str] = []
    for number, (names, profiles, diagnostics) in enumerate(groups):
        headers.append(header(names, profiles))
        paths = {d.path for d in diagnostics if not d.is_file_problem and d.path in sources}
        mine = {path: sources[path] for path in paths}
        rest = None
        if others is not None:
            rest = {path: read for path, read in others[number].items() if path not in mine}
        found = profiles.attribute(mine, roots, rest)
        warnings.extend(coverage_warnings(found.coverage, bool(mine) or bool(rest)))
        holding = set()
        for diagnostic in diagnostics:
            if diagnostic.is_file_problem:
                continue
            answers_of_file = found.files.get(diagnostic.path)
            if answers_of_file is None:
                continue
            start, end = diagnostic.location, diagnostic.end_location
            answers[identity(diagnostic)] = answers_of_file.answer(
                (start.row, start.column), (end.row, end.column)
            )
            holding.add(answers_of_file.key((start.row, start.column)))
        hottest.extend((function, function.key in holding) for function in found.hottest(10))
    return Ranking(headers, answers, hottest, warnings)
