"""Fixes: the edit each fix makes (for ``--diff``, JSON and editors), and
the fix loop that applies the fixes a mode chooses until nothing changes.

Rules only report; here the engine transforms. A report's ``replacement``
node is swapped in for the reported node (and its ``removals`` dropped from
their block) by one transformer, ``Replacer``; the loop re-analyses the new
text and applies again, at most ``MAX_ROUNDS`` times, and rolls back a round
whose result libcst or Python rejects."""

from __future__ import annotations

import re
from typing import (
    TYPE_CHECKING,
    AbstractSet,
    Any,
    Callable,
    Dict,
    FrozenSet,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
)

import libcst as cst

from perf_lint import _compat, syntax
from perf_lint.diagnostic import Diagnostic, Edit, Location
from perf_lint.positions import _advance
from perf_lint.source import FileResult, FixMode

if TYPE_CHECKING:  # pragma: no cover
    from perf_lint.analysis import Analysis, Fixable
    from perf_lint.rule import Report

#: Where a fix changes the text: from (line, column) to (line, column), as
#: libcst counts (1-based lines, 0-based columns); a point where statements
#: are inserted has both ends equal.
Region = Tuple[Tuple[int, int], Tuple[int, int]]

#: How many rounds of fixes one file gets before the engine stops.
MAX_ROUNDS = 10


class _Swap(cst.CSTTransformer):
    """Put already-fixed nodes into a replacement built from the originals."""

    def __init__(self, mapping: Dict[cst.CSTNode, cst.CSTNode]) -> None:
        super().__init__()
        self.mapping = mapping
        self.found: set = set()

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        if original_node in self.mapping:
            self.found.add(original_node)
            return self.mapping[original_node]
        return updated_node


class Replacer(cst.CSTTransformer):
    """Swap reported nodes for their replacements. Where replacements nest,
    the outer one is applied with the inner fixes carried into it when it
    holds the original inner nodes; otherwise only the inner ones are applied
    this round (the next round sees the rest). ``removals`` maps each
    statement a fix deletes to the reported node whose fix deletes it; it is
    dropped from its block once that fix is applied. ``insertions`` maps an
    anchor statement to the statements inserted after it (the fix loop
    chooses the fixes that insert so that nothing overlaps them). A
    replacement whose code is ``None`` is part of another fix and is not
    counted in ``applied``."""

    def __init__(
        self,
        replacements: Dict[cst.CSTNode, Tuple[Optional[str], cst.CSTNode]],
        removals: Optional[Dict[cst.CSTNode, cst.CSTNode]] = None,
        insertions: Optional[Dict[cst.CSTNode, List[cst.BaseStatement]]] = None,
    ) -> None:
        super().__init__()
        self.replacements = replacements
        self.applied: List[str] = []
        self._done: List[Tuple[cst.CSTNode, cst.CSTNode]] = []
        self._marks: List[int] = []
        self.removals = removals or {}
        self.insertions = insertions or {}
        self._applied_nodes: set = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node in self.replacements:
            self._marks.append(len(self._done))
        return True

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        if (self.removals or self.insertions) and isinstance(
            original_node, (cst.Module, cst.IndentedBlock)
        ):
            updated_node = self._edit_block(original_node, updated_node)
        if original_node not in self.replacements:
            return updated_node
        mark = self._marks.pop()
        code, replacement = self.replacements[original_node]
        inner = dict(self._done[mark:])
        if inner:
            swap = _Swap(inner)
            replacement = replacement.visit(swap)
            if len(swap.found) != len(inner):
                return updated_node
        self._done.append((original_node, replacement))
        if code is not None:
            self.applied.append(code)
        self._applied_nodes.add(original_node)
        return replacement

    def _edit_block(self, original: Any, updated: Any) -> Any:
        """Drop the statements of a block whose removing fix was applied,
        and insert statements after their anchors."""
        if len(original.body) != len(updated.body):
            return updated
        body: List[cst.CSTNode] = []
        changed = False
        for old, new in zip(original.body, updated.body):
            if old in self.removals and self.removals[old] in self._applied_nodes:
                changed = True
            else:
                body.append(new)
            added = self.insertions.get(old)
            if added:
                body.extend(added)
                changed = True
        return updated.with_changes(body=body) if changed else updated


def statement_code(statement: cst.CSTNode) -> str:
    """A statement's text as a module of its own renders it."""
    return _EMPTY.code_for_node(statement)


_EMPTY = cst.Module(body=[])


def whole_fix(fixes: Sequence[Tuple[str, Report]]) -> Replacer:
    """The transformer that applies the fixes of the (code, report) pairs
    ``fixes`` (each counted under its code): their replacements, the other
    places they change, the statements they remove, and the statements
    they insert (equal statements after one anchor once)."""
    replacements: Dict[cst.CSTNode, Tuple[Optional[str], cst.CSTNode]] = {}
    for code, report in fixes:  # where two reports share a node, the last one's fix wins
        replacements[report.node] = (code, report.replacement)  # type: ignore[assignment]
    reports = [report for _, report in fixes]
    removals: Dict[cst.CSTNode, cst.CSTNode] = {}
    insertions: Dict[cst.CSTNode, List[cst.BaseStatement]] = {}
    seen: Dict[cst.CSTNode, Set[str]] = {}
    for report in reports:
        if replacements[report.node][1] is not report.replacement:
            continue
        for node, replacement in report.also:
            replacements[node] = (None, replacement)
        for removed in report.removals:
            removals[removed] = report.node
        for anchor, statements in report.insertions:
            known = seen.setdefault(anchor, set())
            for statement in statements:
                text = statement_code(statement)
                if text not in known:
                    known.add(text)
                    insertions.setdefault(anchor, []).append(statement)
    return Replacer(replacements, removals, insertions)


# -- the edit of one fix -------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _location(source: str, offset: int) -> Location:
    """The 1-based row and column of a character offset."""
    row, start = 1, 0
    for match in _LINE_BREAK.finditer(source, 0, offset):
        row, start = row + 1, match.end()
    return Location(row, offset - start + 1)


def trimmed_edit(before: str, after: str, first_row: int = 1) -> Edit:
    """The edit that turns ``before`` into ``after``: the text between their
    first and last differing characters (never splitting a CRLF), located
    as if ``before`` started at the beginning of row ``first_row``."""
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    if 0 < start < len(before) and before[start - 1] == "\r" and before[start] == "\n":
        start -= 1
    end_old, end_new = len(before), len(after)
    while end_old > start and end_new > start and before[end_old - 1] == after[end_new - 1]:
        end_old, end_new = end_old - 1, end_new - 1
    if 0 < end_old < len(before) and before[end_old - 1] == "\r" and before[end_old] == "\n":
        end_old, end_new = end_old + 1, end_new + 1
    first, last = _location(before, start), _location(before, end_old)
    return Edit(
        content=after[start:end_new],
        location=Location(first.row + first_row - 1, first.column),
        end_location=Location(last.row + first_row - 1, last.column),
    )


def removal_edit(module: cst.Module, text: str, report: Report, positions: Any) -> Edit:
    """The one edit of a fix that replaces a statement and removes others:
    from those statements alone where they are consecutive statements of
    one block (``local_edit``), else the difference between the module's
    text and its rendering with the fix applied (``diff_edit``)."""
    return local_edit(module, report, positions) or diff_edit(module, text, report)


def diff_edit(module: cst.Module, text: str, report: Report) -> Edit:
    """The edit between ``text`` (the module's) and the module rendered with
    the whole fix of ``report`` applied."""
    return trimmed_edit(text, module.visit(whole_fix([("", report)])).code)


def insertion_edit(
    module: cst.Module,
    anchor: cst.CSTNode,
    statements: Sequence[cst.BaseStatement],
    positions: Any,
) -> Optional[Edit]:
    """The edit that inserts ``statements`` after ``anchor`` (a statement of
    a module or an indented block), as ``Replacer`` inserts them: their
    rendering at the anchor's indentation, right after the anchor's own
    rendering (its line break included). ``None`` where the module's
    rendering does not say where that is, or the anchor ends the module
    without a line break (the caller then takes the edit of the whole fix)."""
    rendered = positions.rendered.get(anchor)
    tokens = positions.tokens
    if rendered is None or rendered.end > len(tokens):
        return None
    new = []
    for statement in statements:
        text = _compat.render(statement, rendered.indent, module)
        if text is None:
            return None
        new.append(text)
    line, column = _advance(rendered.line, rendered.column, tokens[rendered.start : rendered.end])
    where = Location(line, column + 1)
    return Edit(content="".join(new), location=where, end_location=where)


def local_edit(module: cst.Module, report: Report, positions: Any) -> Optional[Edit]:
    """The edit from the statements alone: their text as the module's
    rendering holds it, against the replacement rendered at their
    indentation in the node's place, the removed statements gone and the
    statements between them as they are. ``None`` unless they all start
    lines at one indentation (statements of one block) and the node is one
    of them (or this libcst cannot render one statement alone)."""
    rendered = positions.rendered
    parts = (report.node, *report.removals)
    if not isinstance(report.replacement, cst.BaseStatement) or any(
        part not in rendered for part in parts
    ):
        return None
    ordered = sorted(parts, key=lambda part: rendered[part].start)
    spans = [rendered[part] for part in ordered]
    first = spans[0]
    if first.column != 0 or any(
        before.end > after.start or after.indent != first.indent or after.column != 0
        for before, after in zip(spans, spans[1:])
    ):
        return None
    tokens = positions.tokens
    new: List[str] = []
    for index, (part, span) in enumerate(zip(ordered, spans)):
        if index:
            new.extend(tokens[spans[index - 1].end : span.start])  # statements between
        if part is report.node:
            # At the module's end, without the newline its rendering leaves off.
            trailing = module.has_trailing_newline or span.end < len(tokens)
            text = _compat.render(report.replacement, first.indent, module, trailing)
            if text is None:
                return None
            new.append(text)
    old = "".join(tokens[first.start : spans[-1].end])
    return trimmed_edit(old, "".join(new), first_row=first.line)


# -- the fix loop ----------------------------------------------------------------------


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
