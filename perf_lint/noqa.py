"""``# noqa`` comments, read the way flake8 reads them so that the command and
the flake8 plugin suppress the same diagnostics."""

from __future__ import annotations

import functools
import io
import re
import tokenize
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

# flake8's own inline syntax: ``# noqa`` or ``# noqa: CODE[, CODE...]``,
# case-insensitive, anywhere on the line.
_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
# File level: ``# perf-lint: noqa`` alone, or ``# perf-lint: noqa: PRF101, PRF3``.
_FILE = re.compile(
    r"^[ \t\f]*# perf-lint: ?noqa(?::\s?(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_SPLIT = re.compile(r"[,\s]+")

#: ``None`` in a suppression means "every code".
Suppression = Optional[FrozenSet[str]]


def lines(text: str) -> List[str]:
    """``text``'s lines, ends kept, as Python, flake8 and patch(1) count
    them: broken at ``\n``, ``\r\n`` and ``\r`` only (``str.splitlines``
    also breaks at form feeds, ``\x1c``-``\x1e``, ``\x85`` and Unicode
    separators, which shifts every later line)."""
    return io.StringIO(text, newline="").readlines()


def _codes(text: Optional[str]) -> Suppression:
    if text is None:
        return None
    return frozenset(code.upper() for code in _SPLIT.split(text) if code)


def _covers(suppression: Suppression, code: Optional[str]) -> bool:
    if suppression is None:
        return True
    if code is None:
        return False
    return any(code.startswith(prefix) for prefix in suppression)


def file_suppression(source: str) -> Tuple[bool, Suppression]:
    """Whether ``# perf-lint: noqa`` appears, and for which codes."""
    if "perf-lint" not in source:
        return False, frozenset()
    every: List[str] = []
    for match in _FILE.finditer(source):
        codes = _codes(match.group("codes"))
        if codes is None:
            return True, None
        every.extend(codes)
    return bool(every), frozenset(every)


def file_suppresses(suppression: Tuple[bool, Suppression], code: Optional[str]) -> bool:
    present, codes = suppression
    return present and _covers(codes, code)


class InlineNoqa:
    """The inline ``# noqa`` comments of one source."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._joined: Optional[Dict[int, Tuple[int, int]]] = None
        #: The comment of each line that has one (``None``: the source does
        #: not tokenize, and whole lines are searched, as flake8 would).
        self._comments: Optional[Dict[int, str]] = None
        self._per_line: Dict[int, Tuple[bool, Suppression]] = {}

    # Both are computed on first use: an analysis makes one of these per
    # file, and most files report nothing to look up.
    @functools.cached_property
    def present(self) -> bool:
        return "noqa" in self._source.lower()

    @functools.cached_property
    def _lines(self) -> List[str]:
        return lines(self._source)

    def _line_groups(self) -> Dict[int, Tuple[int, int]]:
        """flake8's view of lines: lines joined by one token (a multi-line
        string) or by a backslash belong together. The same pass finds each
        line's comment: only a comment can hold a ``# noqa`` (one inside a
        string, such as a pattern that removes them, suppresses nothing)."""
        if self._joined is None:
            groups: Dict[int, Tuple[int, int]] = {}
            comments: Optional[Dict[int, str]] = {}
            low, high = len(self._lines) + 2, -1
            try:
                tokens = tokenize.generate_tokens(io.StringIO("".join(self._lines)).readline)
                for tok in tokens:
                    if tok.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                        continue
                    if tok.type == tokenize.COMMENT:
                        comments[tok.start[0]] = tok.string  # type: ignore[index]
                    low, high = min(low, tok.start[0]), max(high, tok.end[0])
                    if tok.type in (tokenize.NL, tokenize.NEWLINE):
                        for line in range(low, high + 1):
                            groups[line] = (low, high)
                        low, high = len(self._lines) + 2, -1
            except (tokenize.TokenError, SyntaxError):
                comments = None
            self._joined, self._comments = groups, comments
        return self._joined

    def _suppression(self, line: int) -> Tuple[bool, Suppression]:
        if line not in self._per_line:
            self._line_groups()
            if self._comments is not None:
                text = self._comments.get(line, "")
            else:
                text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
            match = _INLINE.search(text)
            self._per_line[line] = (True, _codes(match.group("codes"))) if match else (False, None)
        return self._per_line[line]

    def lines_for(self, start: int, end: int) -> Iterable[int]:
        groups = self._line_groups()
        low, high = start, end
        for line in (start, end):
            if line in groups:
                low, high = min(low, groups[line][0]), max(high, groups[line][1])
        return range(low, high + 1)

    def suppresses(self, code: Optional[str], start: int, end: int) -> bool:
        """True when a ``# noqa`` on any line from ``start`` to ``end`` (or a
        line flake8 joins to them) covers ``code``."""
        if not self.present or code is None:
            return False
        for line in self.lines_for(start, end):
            present, codes = self._suppression(line)
            if present and _covers(codes, code):
                return True
        return False
