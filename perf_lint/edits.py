"""Report to edit: what a rule's report changes in the text, worked out in
one place for every front (``--diff``, JSON, editors) and for the fix loop.

A report's ``replacement`` node goes in the place of its node (and its
``removals`` leave their block, its ``insertions`` follow their anchors):
``whole_fix`` is the one transformer that does this to a module, which the
fix loop (``perf_lint.fixing``) applies. The edit of one fix is read off
libcst's rendering of the module where its places allow (``fix_of``), else
it is the difference the whole fix makes to the module's text
(``diff_edit``). ``unfixable`` says which reports get no edit at all.

Positions are libcst's here (1-based lines, 0-based columns), edits'
locations 1-based in both."""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst.metadata import CodePosition

from perf_lint import _compat, traversal
from perf_lint.diagnostic import Edit, FixRecord, Location
from perf_lint.positions import _advance
from perf_lint.rule import Report

#: Where a fix changes the text: from (line, column) to (line, column), as
#: libcst counts (1-based lines, 0-based columns); a point where statements
#: are inserted has both ends equal.
Region = Tuple[Tuple[int, int], Tuple[int, int]]


def span(node: cst.CSTNode, positions: Any) -> tuple:  # type: ignore[type-arg]
    """Start and end of ``node`` including its own parentheses (libcst's
    positions leave them out, but they belong to what a fix replaces)."""
    if isinstance(node, cst.Module):  # a file-level diagnostic: at 1:1, as in ruff
        return CodePosition(1, 0), CodePosition(1, 0)
    where = positions[node]
    start, end = where.start, where.end
    lpar, rpar = getattr(node, "lpar", None), getattr(node, "rpar", None)
    if lpar and rpar:
        start, end = positions[lpar[0]].start, positions[rpar[-1]].end
    return start, end


def _edits(
    module: cst.Module,
    text: str,
    report: Report,
    positions: Any,
    where: Tuple[CodePosition, CodePosition],
) -> Tuple[Edit, ...]:
    """The edits of a report's fix, in text order: one for its node (with
    the statements it removes), and for a compound fix one for each other
    node it replaces and one for each anchor it inserts statements after
    (none for the node where it stays as it is). Where one of them cannot
    be worked out from its place alone, the one edit of the whole fix."""
    if not report.compound:
        return (_edit(module, text, report, positions, where),)
    edits: List[Edit] = []
    if report.replacement is not report.node:
        if report.removals:
            local = local_edit(module, report, positions)
            if local is None:
                return (diff_edit(module, text, report),)
            edits.append(local)
        else:
            edits.append(_edit(module, text, report, positions, where))
    for node, replacement in report.also:
        edits.append(_node_edit(module, node, replacement, positions, *span(node, positions)))
    anchors: dict = {}  # type: ignore[type-arg]
    for anchor, statements in report.insertions:  # one edit per anchor, equal statements once
        known = anchors.setdefault(anchor, {})
        for statement in statements:
            known.setdefault(statement_code(statement), statement)
    for anchor, known in anchors.items():
        inserted = insertion_edit(module, anchor, list(known.values()), positions)
        if inserted is None:
            return (diff_edit(module, text, report),)
        edits.append(inserted)
    return tuple(
        sorted(
            edits,
            key=lambda e: (
                e.location.row,
                e.location.column,
                e.end_location.row,
                e.end_location.column,
            ),
        )
    )


def fix_of(
    module: cst.Module,
    text: str,
    report: Report,
    positions: Any,
    where: Tuple[CodePosition, CodePosition],
    row: Optional[Callable[[int], int]] = None,
) -> Tuple[FixRecord, Tuple[Region, ...]]:
    """The fix of ``report``, whose node spans ``where`` (``span``) in
    ``module``, whose text is ``text``: its record (the edits in text order)
    and the places it changes. ``row`` maps the rows of a reduced text to
    the whole text's (``None``: ``text`` is the whole)."""
    edits = _edits(module, text, report, positions, where)
    places = _regions(report, positions, *where)
    if row is not None:
        edits = tuple(_moved(edit, row) for edit in edits)
        places = tuple(((row(a[0]), a[1]), (row(b[0]), b[1])) for a, b in places)
    record = FixRecord(report.applicability, report.fix_message or "", edits)  # type: ignore[arg-type]
    return record, places


def _edit(
    module: cst.Module,
    text: str,
    report: Report,
    positions: Any,
    where: Tuple[CodePosition, CodePosition],
) -> Edit:
    """The edit of a report's node (with the statements its fix removes; a
    statement that replaces statements is rendered at their indentation,
    comment lines included)."""
    if report.removals or isinstance(report.replacement, cst.BaseStatement):
        return removal_edit(module, text, report, positions)
    return _node_edit(module, report.node, report.replacement, positions, *where)  # type: ignore[arg-type]


def _node_edit(
    module: cst.Module,
    node: cst.CSTNode,
    replacement: cst.CSTNode,
    positions: Any,
    start: CodePosition,
    end: CodePosition,
) -> Edit:
    """The edit that puts ``replacement`` in the place of ``node``, which
    runs from ``start`` to ``end``: rendered at the indentation of the block
    around it, as the module renders it there (a replacement that spans
    lines indents its continuation lines by the block's indentation)."""
    rendered = positions.rendered.get(node)
    content = None
    if rendered is not None and rendered.indent:
        content = _compat.render(replacement, rendered.indent, module)
    return Edit(
        content=content if content is not None else module.code_for_node(replacement),
        location=Location(start.line, start.column + 1),
        end_location=Location(end.line, end.column + 1),
    )


def _regions(
    report: Report, positions: Any, start: CodePosition, end: CodePosition
) -> Tuple[Region, ...]:
    """The places a report's fix changes (``Fixable.regions``); its node
    is not one where it stays as it is."""
    spans = [] if report.replacement is report.node else [(start, end)]
    spans.extend(span(node, positions) for node, _ in report.also)
    for removed in report.removals:
        where = positions[removed]
        spans.append((where.start, where.end))
    for anchor, _ in report.insertions:
        point = positions[anchor].end
        spans.append((point, point))
    return tuple(((first.line, first.column), (last.line, last.column)) for first, last in spans)


def _moved(edit: Edit, row: Callable[[int], int]) -> Edit:
    """``edit`` (made on the reduced text) with the whole text's rows."""
    return Edit(
        edit.content,
        Location(row(edit.location.row), edit.location.column),
        Location(row(edit.end_location.row), edit.end_location.column),
    )


# -- a fix applied to a module ---------------------------------------------------------


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


# -- the edit of one fix from the rendering, or from the difference it makes -----------


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


# -- when fixes cannot be trusted -------------------------------------------------


class _DebugFields(cst.CSTVisitor):
    """Nodes inside an f-string ``{expr=}`` field, whose source text is part
    of the output: no fix may touch them."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.inside: set = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.FormattedStringExpression) and node.equal is not None:
            self.depth += 1
        if self.depth:
            self.inside.add(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, cst.FormattedStringExpression) and original_node.equal:
            self.depth -= 1


_DEBUG_FIELD = re.compile(r"=\s*[}!:]")


def unreproduced(
    module: cst.Module, source: str, reports: Sequence[Report], code: Optional[str] = None
) -> bool:
    """A report offers a fix and ``module`` (whose text is ``code``, when
    known) does not reproduce ``source`` exactly (libcst drops a final lone
    CR, for one): no fix can be trusted."""
    if not any(report.replacement is not None for report in reports):
        return False
    return (code if code is not None else module.code) != source


def unfixable(
    module: cst.Module, source: str, reports: Sequence[Report], unreproduced: bool
) -> set:
    """The reported nodes whose fix must be dropped: all of them when libcst
    does not reproduce the file exactly, else those whose fix changes a
    node inside an f-string debug field."""
    fixing_reports = [report for report in reports if report.replacement is not None]
    if not fixing_reports:
        return set()
    if unreproduced:
        return {report.node for report in fixing_reports}
    if not _DEBUG_FIELD.search(source):
        return set()
    fields = _DebugFields()
    traversal.visit(module, fields)
    return {
        report.node
        for report in fixing_reports
        if report.node in fields.inside
        or any(node in fields.inside for node, _ in report.also)
        or any(anchor in fields.inside for anchor, _ in report.insertions)
    }
