"""Diagnostics grouped by file, each with the source lines it covers and
``^`` markers under the reported code (the layout of ruff's full output)::

    example.py:
      3:9 PRF101 [*] Membership test against a list literal; use a set literal
        |
      3 | if x in [1, 2]:
        |         ^^^^^^
        = fix: Use a set literal
"""

from __future__ import annotations

import re
from typing import Dict, List, Tuple

from perf_lint.diagnostic import Diagnostic
from perf_lint.output import RunSummary
from perf_lint.output.text import closing, fixes, statistics
from perf_lint.trust import Applicability

#: How many source lines a long diagnostic quotes before eliding the rest.
MAX_QUOTED_LINES = 6
_LINES = re.compile(r"\r\n|\r|\n")
_TAB = 4


def _width(text: str) -> int:
    return len(text.expandtabs(_TAB))


def snippet(source: str, diagnostic: Diagnostic) -> List[str]:
    """The quoted lines of ``diagnostic``, with markers (nothing when the
    source is unknown or the location lies outside it)."""
    lines = _LINES.split(source)
    start, end = diagnostic.location, diagnostic.end_location
    if not 1 <= start.row <= len(lines):
        return []
    last = min(end.row, len(lines))
    rows = list(range(start.row, last + 1))
    elided = len(rows) > MAX_QUOTED_LINES
    if elided:
        rows = [*rows[: MAX_QUOTED_LINES - 1], rows[-1]]
    gutter = len(str(rows[-1]))
    blank = " " * gutter + " |"
    out = [blank]
    for index, row in enumerate(rows):
        if elided and index == len(rows) - 1:
            out.append(" " * gutter + " ...")
        text = lines[row - 1]
        out.append(f"{row:>{gutter}} | {text.expandtabs(_TAB)}".rstrip())
        begin = start.column - 1 if row == start.row else len(text) - len(text.lstrip())
        finish = end.column - 1 if row == end.row else len(text)
        begin = min(begin, len(text))
        width = max(_width(text[:finish]) - _width(text[:begin]), 1)
        out.append(f"{blank} {' ' * _width(text[:begin])}{'^' * width}")
    return out


def _by_file(diagnostics: List[Diagnostic]) -> List[Tuple[str, List[Diagnostic]]]:
    """The diagnostics of each file, files in the order of their first
    diagnostic (by position, or the hottest first with a profile)."""
    files: Dict[str, List[Diagnostic]] = {}
    for diagnostic in diagnostics:
        files.setdefault(diagnostic.path, []).append(diagnostic)
    return list(files.items())


def render(summary: RunSummary) -> str:
    rows: List[str] = summary.header()
    if summary.statistics:
        rows += statistics(summary)
    else:
        for path, group in _by_file(summary.ordered()):
            rows.append(f"{path}:")
            source = summary.sources.get(path, "")
            for diagnostic in group:
                where = f"{diagnostic.location.row}:{diagnostic.location.column}"
                mark = "[*] " if summary.fixable(diagnostic) else ""
                message = diagnostic.message + summary.suffix(diagnostic)
                rows.append(f"  {where} {diagnostic.code} {mark}{message}")
                rows.extend("    " + row for row in snippet(source, diagnostic))
                fix = diagnostic.fix
                if fix is not None and fix.message:
                    label = "fix" if fix.applicability is Applicability.SAFE else "unsafe fix"
                    pad = " " * len(str(diagnostic.end_location.row))
                    rows.append(f"    {pad} = {label}: {fix.message}")
            rows.append("")
    hot = summary.hot_code()
    if hot:
        rows += [*hot[1:], ""]  # after the blank line that ends the last file
    if not summary.quiet:
        if summary.show_fixes:
            rows.extend(fixes(summary))
        rows.extend(closing(summary))
    return "".join(row + "\n" for row in rows)
