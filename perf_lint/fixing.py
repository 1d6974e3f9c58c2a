"""Fixes: the edit each fix makes (for ``--diff``, JSON and editors), and
the fix loop that applies the fixes a mode chooses until nothing changes.

Rules only report; here the engine transforms. A report's ``replacement``
node is swapped in for the reported node (and its ``removals`` dropped from
their block) by one transformer, ``Replacer``; the loop re-analyses the new
text and applies again, at most ``MAX_ROUNDS`` times, and rolls back a round
whose result libcst or Python rejects."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

import libcst as cst

from perf_lint import _compat, syntax
from perf_lint.diagnostic import Edit, Location
from perf_lint.source import FileResult, FixMode

if TYPE_CHECKING:  # pragma: no cover
    from perf_lint.analysis import Analysis
    from perf_lint.rule import Report

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
    dropped from its block once that fix is applied."""

    def __init__(
        self,
        replacements: Dict[cst.CSTNode, Tuple[str, cst.CSTNode]],
        removals: Optional[Dict[cst.CSTNode, cst.CSTNode]] = None,
    ) -> None:
        super().__init__()
        self.replacements = replacements
        self.applied: List[str] = []
        self._done: List[Tuple[cst.CSTNode, cst.CSTNode]] = []
        self._marks: List[int] = []
        self.removals = removals or {}
        self._applied_nodes: set = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node in self.replacements:
            self._marks.append(len(self._done))
        return True

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        if self.removals and isinstance(original_node, (cst.Module, cst.IndentedBlock)):
            updated_node = self._remove(original_node, updated_node)
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
        self.applied.append(code)
        self._applied_nodes.add(original_node)
        return replacement

    def _remove(self, original: Any, updated: Any) -> Any:
        """Drop the statements of a block whose removing fix was applied."""
        if len(original.body) != len(updated.body):
            return updated
        kept = [
            new
            for old, new in zip(original.body, updated.body)
            if self.removals.get(old) not in self._applied_nodes
        ]
        if len(kept) == len(updated.body):
            return updated
        return updated.with_changes(body=kept)


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
    the fix of ``report`` applied."""
    replacer = Replacer(
        {report.node: ("", report.replacement)},  # type: ignore[dict-item]
        dict.fromkeys(report.removals, report.node),
    )
    return trimmed_edit(text, module.visit(replacer).code)


def local_edit(module: cst.Module, report: Report, positions: Any) -> Optional[Edit]:
    """The edit from the statements alone: their text as the module's
    rendering holds it, against the replacement rendered at their
    indentation. ``None`` unless they are consecutive statements of one
    block and the node is one of them (or this libcst cannot render one
    statement alone)."""
    rendered = positions.rendered
    parts = (report.node, *report.removals)
    if not isinstance(report.replacement, cst.BaseStatement) or any(
        part not in rendered for part in parts
    ):
        return None
    spans = sorted((rendered[part] for part in parts), key=lambda span: span.start)
    first = spans[0]
    if first.column != 0 or any(
        before.end != after.start or after.indent != first.indent
        for before, after in zip(spans, spans[1:])
    ):
        return None
    # At the module's end, without the newline its rendering leaves off.
    trailing = module.has_trailing_newline or spans[-1].end < len(positions.tokens)
    new = _compat.render(report.replacement, first.indent, module, trailing_newline=trailing)
    if new is None:
        return None
    old = "".join(positions.tokens[first.start : spans[-1].end])
    return trimmed_edit(old, new, first_row=first.line)


# -- the fix loop ----------------------------------------------------------------------


def _compiles(source: str) -> bool:
    return syntax.parse(source) is not None


def fix_text(
    source: str,
    path: str,
    mode: FixMode,
    encoding: str,
    analyse: Callable[[str, bool], Analysis],
) -> FileResult:
    """Apply the fixes ``mode`` chooses to ``source`` until nothing changes.
    ``analyse(text, reduce)`` is the analysis of a text: reduced (what a lint
    run sees) or of the whole text (whose module the fixes edit)."""
    result = FileResult(path, source, encoding)
    lint = analyse(source, True)
    current = _for_fixing(lint, source, mode, analyse)
    if current is not lint and not mode.fixes_any(current.diagnostics):
        # The definitions a lint run left out hold what libcst cannot parse
        # (valid Python it does not support) or reproduce exactly: no fix is
        # applied to such a file. Report the lint run's diagnostics, without
        # their fixes, and say why.
        reported = lint.diagnostics if not current.parses else current.diagnostics
        result.diagnostics = [d.without_fix() for d in reported]
        result.fixed_source = source
        result.messages.append(
            f"{path}: libcst cannot parse or exactly reproduce the whole file; no fix was applied"
        )
        return result
    text = source
    for _ in range(MAX_ROUNDS):
        chosen = {
            fix.report.node: (fix.diagnostic.code or "", fix.report.replacement)
            for fix in current.fixes
            if mode.applies(fix.diagnostic.fix.applicability)  # type: ignore[union-attr]
        }
        if not chosen or current.module is None:
            break
        removals = {
            removed: fix.report.node
            for fix in current.fixes
            if fix.report.node in chosen and chosen[fix.report.node][1] is fix.report.replacement
            for removed in fix.report.removals
        }
        replacer = Replacer(chosen, removals)  # type: ignore[arg-type]
        new_text = current.module.visit(replacer).code
        if new_text == text:
            break
        following = _for_fixing(analyse(new_text, True), new_text, mode, analyse)
        if not following.parses:
            result.messages.append(
                f"{path}: a fix produced code that does not parse; "
                "fixes of the last round were rolled back"
            )
            break
        result.fixed.update(replacer.applied)
        text, current = new_text, following
    if text != source and _compiles(source) and not _compiles(text):
        result.messages.append(
            f"{path}: fixes produced code that Python does not accept; the file is unchanged"
        )
        result.fixed.clear()
        text, current = source, analyse(source, True)
    result.fixed_source = text
    result.diagnostics = current.diagnostics
    return result


def _for_fixing(
    lint: Analysis, source: str, mode: FixMode, analyse: Callable[[str, bool], Analysis]
) -> Analysis:
    """The analysis the fix loop needs: ``lint`` (what a lint run sees:
    libcst given only the definitions that hold a shape, the same
    diagnostics, fixes included) when no fix of ``mode`` applies, else the
    whole text's (the fixes edit its module)."""
    if not lint.parses or not mode.fixes_any(lint.diagnostics):
        return lint
    return analyse(source, False)
