"""The fix loop: apply the fixes a mode chooses until nothing changes.

Rules only report; the analysis (``perf_lint.analysis``) turns reports into
diagnostics with fixes (their edits: ``perf_lint.edits``). Here a round
chooses the fixes that can go together, applies them with one transformer
(``edits.whole_fix``), re-analyses the new text and applies again, at most
``MAX_ROUNDS`` times, and rolls back a round whose result libcst or Python
rejects."""

from __future__ import annotations

import re
from typing import AbstractSet, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from perf_lint import syntax
from perf_lint.analysis import Analysis, Fixable
from perf_lint.diagnostic import Diagnostic, Edit, FileResult
from perf_lint.edits import Region, whole_fix
from perf_lint.trust import FixMode

#: How many rounds of fixes one file gets before the engine stops.
MAX_ROUNDS = 10


def choose(fixes: Sequence[Fixable], mode: FixMode) -> List[Fixable]:
    """The fixes one round applies: every fix ``mode`` applies that changes
    only its node (and removes statements), since those nest (``Replacer``
    carries inner fixes into outer ones), and then, in the order of their
    diagnostics, each compound fix (``Report.compound``) whose places
    overlap no fix chosen so far, so that all of its parts are applied
    together; the others wait for a later round. A compound fix with the
    very edits of one chosen (several diagnostics of one measurement offer
    one fix) is chosen with it: it changes nothing more, and counts as
    applied."""
    applicable = [
        fix
        for fix in fixes
        if mode.applies(fix.diagnostic.fix.applicability)  # type: ignore[union-attr]
    ]
    chosen = [fix for fix in applicable if not fix.report.compound]
    taken = [region for fix in chosen for region in fix.regions]
    compound = [fix for fix in applicable if fix.report.compound]
    same: List[Tuple[Edit, ...]] = []
    for fix in sorted(compound, key=lambda fix: fix.diagnostic.sort_key):
        edits = fix.diagnostic.fix.edits  # type: ignore[union-attr]
        if not any(overlap(mine, other) for mine in fix.regions for other in taken):
            chosen.append(fix)
            taken.extend(fix.regions)
            same.append(edits)
        elif edits in same:  # one fix that several diagnostics offer: applied once
            chosen.append(fix)
    return chosen


def overlap(first: Region, second: Region) -> bool:
    """Two places of fixes overlap: ranges that share text, or a point
    (where statements are inserted) strictly inside a range. Ranges that
    only touch do not overlap, nor do two points."""
    (a, b), (c, d) = first, second
    if a == b and c == d:
        return False
    if a == b:
        return c < a < d
    if c == d:
        return a < c < b
    return a < d and c < b


#: A finding as ``--min-share`` names the ones whose fixes may be applied:
#: its code and its start and end (row, column) in the text being fixed.
Finding = Tuple[Optional[str], int, int, int, int]


def finding(diagnostic: Diagnostic) -> Finding:
    start, end = diagnostic.location, diagnostic.end_location
    return (diagnostic.code, start.row, start.column, end.row, end.column)


def lines_moved(before: str, after: str) -> Dict[int, int]:
    """Each line of ``before`` that is in ``after`` as it was (1-based):
    its number there."""
    import difflib

    from perf_lint.noqa import lines

    # Lines as rows count them (not str.splitlines, which also breaks at
    # form feeds and other separators and would shift every row after one).
    old, new = lines(before), lines(after)
    moved: Dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, first, last, other, _ in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(last - first):
                moved[first + offset + 1] = other + offset + 1
    return moved


def carried(only: AbstractSet[Finding], before: str, after: str) -> FrozenSet[Finding]:
    """The findings of ``only`` (positions in ``before``) at their positions
    in ``after``: those whose first and last lines are lines that the fixes
    left as they were (moved up or down by lines added or removed above
    them). A finding on a line that a fix changed is dropped: it was fixed,
    or it is no longer the finding that was allowed."""
    moved = lines_moved(before, after)
    kept = set()
    for code, row, column, end_row, end_column in only:
        if row in moved and end_row in moved:
            kept.add((code, moved[row], column, moved[end_row], end_column))
    return frozenset(kept)


def _compiles(source: str) -> bool:
    return syntax.parse(source) is not None


def fix_text(
    source: str,
    path: str,
    mode: FixMode,
    encoding: str,
    analyse: Callable[[str, bool], Analysis],
    only: Optional[AbstractSet[Finding]] = None,
) -> FileResult:
    """Apply the fixes ``mode`` chooses to ``source`` until nothing changes.
    ``analyse(text, reduce)`` is the analysis of a text: reduced (what a lint
    run sees) or of the whole text (whose module the fixes edit). With
    ``only`` (``--min-share``), only the fixes of those findings (positions
    in ``source``) are applied: the others are never chosen, in any round."""
    result = FileResult(path, source, encoding)
    lint = analyse(source, True)
    allowed: Optional[FrozenSet[Finding]] = None if only is None else frozenset(only)
    current = _for_fixing(lint, source, mode, analyse, allowed)
    if current is not lint and not mode.fixes_any(_allowed(current.diagnostics, allowed)):
        # The definitions a lint run left out hold what libcst cannot parse
        # (valid Python it does not support) or reproduce exactly: no fix is
        # applied to such a file. Report the lint run's diagnostics, without
        # their fixes, and say why.
        reported = lint.diagnostics if not current.parses else current.diagnostics
        result.diagnostics = [d.without_fix() for d in reported]
        result.fixed_source = source
        if current.withheld and current.module is not None:
            result.messages.append(withheld_message(path, source, current.module.code))
        else:
            result.messages.append(
                f"{path}: libcst cannot parse or exactly reproduce the whole file; "
                "no fix was applied"
            )
        return result
    if current.withheld and current.module is not None and current.reduction is None:
        # libcst does not give back the text it parsed: every fix is withheld.
        result.messages.append(withheld_message(path, source, current.module.code))
    text = source
    for _ in range(MAX_ROUNDS):
        fixes = current.fixes
        if allowed is not None:
            fixes = [fix for fix in fixes if finding(fix.diagnostic) in allowed]
        chosen = choose(fixes, mode)
        if not chosen or current.module is None:
            break
        replacer = whole_fix([(fix.diagnostic.code or "", fix.report) for fix in chosen])
        new_text = current.module.visit(replacer).code
        if new_text == text:
            break
        next_allowed = None if allowed is None else carried(allowed, text, new_text)
        following = _for_fixing(analyse(new_text, True), new_text, mode, analyse, next_allowed)
        if not following.parses:
            result.messages.append(
                f"{path}: a fix produced code that does not parse; "
                "fixes of the last round were rolled back"
            )
            break
        result.fixed.update(replacer.applied)
        text, current, allowed = new_text, following, next_allowed
    if text != source and _compiles(source) and not _compiles(text):
        result.messages.append(
            f"{path}: fixes produced code that Python does not accept; the file is unchanged"
        )
        result.fixed.clear()
        text, current = source, analyse(source, True)
    result.fixed_source = text
    result.diagnostics = current.diagnostics
    return result


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def withheld_message(path: str, source: str, code: str) -> str:
    """Why no fix is offered for a file whose text libcst parses but does
    not reproduce (``code``): the first place they differ, and what is
    there. Known causes: a form feed in the indentation of a statement's
    line (libcst drops it, and the indentation before it), and a lone
    carriage return ending the last line of a file with CR line endings."""
    offset = next(
        (i for i, (a, b) in enumerate(zip(source, code)) if a != b), min(len(source), len(code))
    )
    row = len(_LINE_BREAK.findall(source, 0, offset)) + 1
    lines = _LINE_BREAK.split(source)
    line = lines[row - 1] if row <= len(lines) else ""
    indent = line[: len(line) - len(line.lstrip(" \t\x0c"))]
    if "\x0c" in indent:
        what = "a form feed before the statement on this line"
    elif source[offset:] == "\r":
        what = "a lone carriage return (CR) ends the file"
    else:
        what = "libcst writes this line back differently"
    return (
        f"{path}:{row}: no fix offered: libcst does not reproduce the file exactly "
        f"({what}), and a fix is only made on text it reproduces"
    )


def _allowed(
    diagnostics: Sequence[Diagnostic], allowed: Optional[FrozenSet[Finding]]
) -> Sequence[Diagnostic]:
    if allowed is None:
        return diagnostics
    return [d for d in diagnostics if finding(d) in allowed]


def _for_fixing(
    lint: Analysis,
    source: str,
    mode: FixMode,
    analyse: Callable[[str, bool], Analysis],
    allowed: Optional[FrozenSet[Finding]] = None,
) -> Analysis:
    """The analysis the fix loop needs: ``lint`` (what a lint run sees:
    libcst given only the definitions that hold a shape, the same
    diagnostics, fixes included) when no fix of ``mode`` applies (to the
    ``allowed`` findings, when given), else the whole text's (the fixes
    edit its module)."""
    if not lint.parses or not mode.fixes_any(_allowed(lint.diagnostics, allowed)):
        return lint
    return analyse(source, False)
