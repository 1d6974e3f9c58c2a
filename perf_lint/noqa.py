"""``# noqa`` comments, read the way flake8 and ruff read them so that the
command and the flake8 plugin suppress the same diagnostics.

Inline: ``# noqa`` and ``# noqa: CODE[, CODE...]`` in a comment, in any
case, with or without spaces around ``:`` and after ``#`` (ruff accepts
``#noqa:PRF101``), codes separated by commas and/or spaces; every ``# noqa``
of a comment counts (``# noqa: E731  # noqa: PRF101``). File level, on a
line of its own: ``# perf-lint: noqa``, ``# ruff: noqa`` or
``# flake8: noqa`` (ruff honours flake8's form too), alone or with codes."""

from __future__ import annotations

import functools
import io
import re
import tokenize
import weakref
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from perf_lint.diagnostic import Applicability, Diagnostic, Edit, FixRecord, Location

#: The code and name of an unused noqa comment (ruff's RUF100), an opt-in
#: check the engine makes after the rules (``unused_diagnostics``).
UNUSED_NOQA = "PRF001"
UNUSED_NOQA_NAME = "unused-noqa"

# The inline syntax: a bare noqa or one with codes (flake8's, and ruff's
# looser spacing), case-insensitive, anywhere in a comment.
_CODE = r"[A-Z]+[0-9]+"
_INLINE = re.compile(
    rf"#[ \t]*noqa(?:[ \t]*:[ \t]*(?P<codes>{_CODE}(?:(?:[ \t]*,[ \t]*|[ \t]+){_CODE})*))?",
    re.IGNORECASE,
)
# File level: perf-lint's (or ruff's or flake8's) file-wide noqa, alone or
# with codes (PRF101, PRF3).
_FILE = re.compile(
    r"^[ \t\f]*#[ \t]*(?:perf-lint|ruff|flake8)[ \t]*[:=][ \t]*noqa"
    r"(?:[ \t]*:[ \t]*(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?[ \t]*,?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_HAS_FILE = re.compile(r"(?:perf-lint|ruff|flake8)[ \t]*[:=][ \t]*noqa", re.IGNORECASE)
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


#: ``file_suppression`` of a source without any.
NOTHING_SUPPRESSED: Tuple[bool, Suppression] = (False, frozenset())


def file_suppression(source: str) -> Tuple[bool, Suppression]:
    """Whether ``# perf-lint: noqa`` (or ``# ruff: noqa``, ``# flake8:
    noqa``) appears, and for which codes."""
    if _HAS_FILE.search(source) is None:
        return False, frozenset()
    every: List[str] = []
    for match in _FILE.finditer(source):
        codes = _codes(match.group("codes"))
        if codes is None:
            return True, None
        every.extend(codes)
    return bool(every), frozenset(every)


def comment_suppression(text: str) -> Tuple[bool, Suppression]:
    """Whether ``text`` (a comment) holds a ``# noqa``, and which codes all
    of its ``# noqa`` name together (``None``: a bare one, every code)."""
    every: List[str] = []
    found = False
    for match in _INLINE.finditer(text):
        found = True
        codes = _codes(match.group("codes"))
        if codes is None:
            return True, None
        every.extend(codes)
    return (True, frozenset(every)) if found else (False, None)


def file_suppresses(suppression: Tuple[bool, Suppression], code: Optional[str]) -> bool:
    present, codes = suppression
    return present and _covers(codes, code)


#: The ``InlineNoqa`` of each source text someone holds (``InlineNoqa.of``).
_LIVE: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # type: ignore[type-arg]


class InlineNoqa:
    """The inline ``# noqa`` comments of one source, and which of their
    codes suppressed something (``used``, for unused-noqa)."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._joined: Optional[Dict[int, Tuple[int, int]]] = None
        #: The comment of each line that has one (``None``: the source does
        #: not tokenize, and whole lines are searched, as flake8 would).
        self._comments: Optional[Dict[int, str]] = None
        self._per_line: Dict[int, Tuple[bool, Suppression]] = {}
        #: (line, listed code) of every code of a noqa comment that
        #: suppressed a diagnostic.
        self.used: Set[Tuple[int, str]] = set()

    @classmethod
    def of(cls, source: str) -> InlineNoqa:
        """The ``InlineNoqa`` of ``source``: the one someone else holds for
        the same text (the engine holds one while an analysis runs, and
        reads what it recorded), else a new one."""
        found = _LIVE.get(source)
        if found is None:
            found = _LIVE[source] = cls(source)
        return found  # type: ignore[no-any-return]

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
            self._per_line[line] = comment_suppression(text)
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
        suppressed = False
        for line in self.lines_for(start, end):
            present, codes = self._suppression(line)
            if present and _covers(codes, code):
                suppressed = True
                for listed in codes or ():
                    if code.startswith(listed):
                        self.used.add((line, listed))
        return suppressed

    def directives(self) -> Iterable[Tuple[int, int, str]]:
        """(line, column, comment text) of every comment holding a
        ``# noqa``; nothing when the source does not tokenize."""
        if not self.present:
            return
        self._line_groups()
        for line, comment in sorted((self._comments or {}).items()):
            if _INLINE.search(comment) is not None:
                whole = self._lines[line - 1].rstrip("\r\n")
                yield line, len(whole) - len(comment), comment


def add_noqa(source: str, wanted: Dict[int, Iterable[str]]) -> Tuple[str, int]:
    """``source`` with a ``# noqa`` naming the codes of ``wanted`` (by row)
    on each of those rows (``--add-noqa``), and how many lines changed. The
    comment goes on the row's last physical line (after a multi-line
    string or a backslash continuation), added to a ``# noqa: ...`` that is
    there, after any other comment; a bare ``# noqa`` is left alone."""
    inline = InlineNoqa(source)
    text = inline._lines[:]
    by_line: Dict[int, List[str]] = {}
    for row, codes in wanted.items():
        line = max(inline.lines_for(row, row))
        by_line.setdefault(line, []).extend(codes)
    changed = 0
    for line, codes in sorted(by_line.items()):
        if not 0 < line <= len(text):
            continue
        present, suppression = inline._suppression(line)
        missing = sorted({code for code in codes if not (present and _covers(suppression, code))})
        if not missing:
            continue
        whole = text[line - 1]
        body = whole.rstrip("\r\n")
        end = whole[len(body) :]
        comment = (inline._comments or {}).get(line)
        match = None
        if comment is not None and body.endswith(comment):
            matches = list(_INLINE.finditer(comment))
            match = matches[-1] if matches and matches[-1].group("codes") else None
        if match is not None:
            at = len(body) - len(comment) + match.end("codes")  # type: ignore[operator]
            body = f"{body[:at]}, {', '.join(missing)}{body[at:]}"
        else:
            body = f"{body.rstrip()}  # noqa: {', '.join(missing)}"
        text[line - 1] = body + end
        changed += 1
    return "".join(text), changed


def unused(inline: InlineNoqa, prefix: str) -> List[Tuple[int, int, int, List[str], str]]:
    """The ``# noqa`` comments whose codes starting with ``prefix`` (``PRF``:
    other tools' codes are theirs) suppressed nothing: (line, start column,
    end column, the unused codes, the comment without them; ``""`` when
    nothing is left of it). Columns are 0-based, in characters; the end is
    the comment's, the start where the removed text begins."""
    found = []
    for line, column, comment in inline.directives():
        gone: List[str] = []
        pieces: List[str] = []
        at = 0
        for match in _INLINE.finditer(comment):
            codes = match.group("codes")
            if codes is None:
                continue
            listed = [code.upper() for code in _SPLIT.split(codes) if code]
            dead = [c for c in listed if c.startswith(prefix) and (line, c) not in inline.used]
            if not dead:
                continue
            gone += dead
            kept = [c for c in listed if c not in dead]
            if kept:
                pieces.append(comment[at : match.start("codes")] + ", ".join(kept))
            else:
                pieces.append(comment[at : match.start()].rstrip(" \t"))
            at = match.end()
        if not gone:
            continue
        rest = "".join(pieces) + comment[at:]
        start = column
        if rest.strip() in ("", "#"):
            rest = ""
            body = inline._lines[line - 1][:column]
            start = len(body.rstrip(" \t\f"))
        elif not rest.startswith("#"):
            rest = "# " + rest.lstrip(" \t")
        found.append((line, start, column + len(comment), gone, rest))
    return found


def unused_diagnostics(inline: InlineNoqa, path: str) -> List[Diagnostic]:
    """``PRF001`` for each ``# noqa`` comment naming PRF codes that
    suppressed nothing in the analysis that used ``inline``; its fix
    removes those codes (the directive, or the comment, when nothing else
    is left in it)."""
    found = []
    for line, start, end, codes, rest in unused(inline, "PRF"):
        listed = ", ".join(f"`{code}`" for code in codes)
        column = end - len(inline._lines[line - 1].rstrip("\r\n")[start:end].lstrip(" \t\f"))
        edit = Edit(rest, Location(line, start + 1), Location(line, end + 1))
        found.append(
            Diagnostic(
                UNUSED_NOQA,
                UNUSED_NOQA_NAME,
                f"Unused `noqa` directive (unused: {listed})",
                path,
                Location(line, column + 1),
                Location(line, end + 1),
                FixRecord(Applicability.SAFE, "Remove unused `noqa` directive", (edit,)),
            )
        )
    return found


def apply_edits(source: str, edits: Iterable[Edit]) -> str:
    """``source`` with one-line ``edits`` applied (they do not overlap)."""
    text = lines(source)
    for edit in sorted(edits, key=lambda e: (e.location.row, e.location.column), reverse=True):
        row = edit.location.row - 1
        line = text[row]
        text[row] = (
            line[: edit.location.column - 1] + edit.content + line[edit.end_location.column - 1 :]
        )
    return "".join(text)
