"""Which file of a profile is which linted file. Profiles are often taken
elsewhere (a container, CI, another checkout, py-spy's shortened names),
so files are matched by the longest common suffix of their paths, and a
match must be unique both ways:

- among the profile's files, one alone shares the longest suffix with the
  linted file (``a/util.py`` and ``b/util.py`` in the profile leave
  ``c/util.py`` unmatched: ambiguous);
- no other file of the run, nor any file of the linted project on disk,
  shares a longer suffix with that profile file (a profile of
  ``/ci/proj/a/util.py`` never describes ``proj/b/util.py`` when
  ``proj/a/util.py`` exists).
"""

from __future__ import annotations

import os
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

_SEPARATORS = re.compile(r"[\\/]+")


def parts(path: str) -> Tuple[str, ...]:
    """The components of a path as a profiler wrote it (``/`` or ``\\``)."""
    return tuple(part for part in _SEPARATORS.split(path) if part and part != ".")


def common_suffix(a: Sequence[str], b: Sequence[str]) -> int:
    count = 0
    while count < len(a) and count < len(b) and a[-1 - count] == b[-1 - count]:
        count += 1
    return count


def is_source(path: str) -> bool:
    """Whether a profile's file name can be a linted file (not ``~``,
    ``<frozen ...>``, ``<string>``, a thread or process label)."""
    return bool(path) and not path.startswith(("<", "~")) and path.endswith((".py", ".pyi", ".pyw"))


class Matcher:
    """Matches the linted files of a run to the files of one profile."""

    def __init__(self, profile_files: Iterable[str], linted: Iterable[str]) -> None:
        self.by_name: Dict[str, List[Tuple[str, Tuple[str, ...]]]] = {}
        for file in profile_files:
            if is_source(file):
                split = parts(file)
                if split:
                    self.by_name.setdefault(split[-1], []).append((file, split))
        self.linted: Dict[str, List[Tuple[str, ...]]] = {}
        for path in linted:
            split = parts(os.path.abspath(path))
            self.linted.setdefault(split[-1] if split else "", []).append(split)

    def match(self, linted: str, root: str) -> Tuple[Optional[str], bool]:
        """The profile file that is ``linted`` (an absolute path) and
        whether the match was ambiguous (``(None, True)``). ``root`` is the
        linted project's directory, searched for better candidates."""
        mine = parts(linted)
        if not mine:
            return None, False
        candidates = self.by_name.get(mine[-1], [])
        if not candidates:
            return None, False
        scored = sorted(((common_suffix(mine, split), file, split) for file, split in candidates))
        best, file, split = scored[-1]
        if len(scored) > 1 and scored[-2][0] == best:
            same = {entry[1] for entry in scored if entry[0] == best}
            if len(same) > 1:
                return None, True
        if self._better_elsewhere(mine, split, best, linted, root):
            return None, True
        return file, False

    def _better_elsewhere(
        self, mine: Tuple[str, ...], split: Tuple[str, ...], best: int, linted: str, root: str
    ) -> bool:
        for other in self.linted.get(mine[-1], []):
            if other != mine and common_suffix(other, split) >= best:
                return True  # another file of the run fits as well or better
        if best >= len(split):
            return False  # the profile's name is wholly matched: nothing is longer
        # Files of the project on disk that are not linted in this run: a
        # file there with a longer common suffix is the profiled one.
        root = os.path.abspath(root)
        base = linted
        for _ in range(best):
            base = os.path.dirname(base)
        while True:
            for longer in range(best + 1, len(split) + 1):
                candidate = os.path.join(base, *split[len(split) - longer :])
                if os.path.isfile(candidate) and not _same(candidate, linted):
                    return True
            parent = os.path.dirname(base)
            inside = parent == root or parent.startswith(root.rstrip(os.sep) + os.sep)
            if base == root or parent == base or not inside:
                return False
            base = parent


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
