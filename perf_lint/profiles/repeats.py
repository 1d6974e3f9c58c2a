"""The argument repeats ``perf-lint profile`` records beside its cProfile
dump (``PROFILE.calls.json``), for the cacheable-call rule (PRF602).

After the profiled run, the program runs once more under ``record_calls``
(a script of the standard library alone, run by path in the program's
interpreter), which watches the functions of the project that the profile
shows called at least ``MIN_CALLS`` times, the ``MAX_FUNCTIONS`` with the
most cumulative time (not lambdas or comprehensions). A watched function
of an imported module is wrapped when its module has run; one of the
script itself is watched by a ``sys.settrace`` hook. For each call it
builds the tuple of its arguments (positional, then keyword ones sorted:
a call by keyword is another key, as for ``functools.lru_cache``) and,
when every argument is hashable *by value* (its type
defines ``__hash__``: numbers, strings, bytes, ``None``, tuples and
frozensets of such, enums, frozen dataclasses...), stores the tuple's hash
(never the arguments: no object is kept alive). A call whose arguments
include an unhashable value or one hashed by identity (a plain object: a
later object at the same address would look equal) is counted, but not as
cacheable. At most ``MAX_DISTINCT`` hashes are kept per function; past that
a new hash counts as a miss (the hit rate is then a lower bound).
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, NamedTuple, Sequence, Tuple

#: Functions called fewer times are not watched.
MIN_CALLS = 100
#: At most this many functions are watched (those with the most cumulative time).
MAX_FUNCTIONS = 40
#: At most this many distinct argument hashes are kept per function.
MAX_DISTINCT = 10_000
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "record_calls.py")


class Record(NamedTuple):
    """One watched function: where its code starts (``co_filename``,
    ``co_firstlineno``), its name, and what its calls' arguments were."""

    file: str
    line: int
    name: str
    calls: int
    keyed: int
    distinct: int
    capped: bool


def sidecar(profile: str) -> str:
    """Where the repeats of the profile at ``profile`` are kept."""
    return profile + ".calls.json"


def load(path: str) -> List[Record]:
    """The records at ``path``; none when it is missing or not readable
    (a profile taken without ``perf-lint profile`` has none)."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return [
            Record(
                str(item["file"]),
                int(item["line"]),
                str(item["name"]),
                int(item["calls"]),
                int(item["keyed"]),
                int(item["distinct"]),
                bool(item["capped"]),
            )
            for item in data["functions"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def targets(stats: Dict[Any, Any], files: Sequence[str]) -> List[Tuple[str, int, str]]:
    """The functions to watch, from ``pstats.Stats(...).stats`` (key
    ``(file, line, name)``, value ``(primitive calls, calls, own time,
    cumulative time, callers)``): in ``files`` (absolute paths), called at
    least ``MIN_CALLS`` times, the ``MAX_FUNCTIONS`` with the most
    cumulative time."""
    wanted = {os.path.abspath(path) for path in files}
    found = []
    for (file, line, name), numbers in stats.items():
        if not file or os.path.abspath(file) not in wanted or numbers[1] < MIN_CALLS:
            continue
        if name.startswith("<"):  # a lambda, comprehension or module: no cache for it
            continue
        found.append((-numbers[3], file, line, name))
    found.sort()
    return [(file, line, name) for _, file, line, name in found[:MAX_FUNCTIONS]]
