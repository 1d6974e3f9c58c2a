"""Positions for the reported nodes only.

libcst's ``PositionProvider`` renders the whole module and records a range
for every node; on a file with one diagnostic that is most of the cost of
the run. Here only the top-level statements that hold a report are rendered
with positions recorded; the statements before them are rendered plainly
(only their line breaks are counted) and the statements after the last one
are not rendered at all. A top-level statement's rendering does not depend
on what precedes it (it starts a line, at the module's indentation, which is
none), so the ranges are exactly ``PositionProvider``'s.

Which statement holds a report is learnt during the rules' own traversal:
``StatementMarks`` runs first in the batch and notes, as each top-level
statement is entered, how many reports each rule has made so far. Any node
that is not covered (a report on the module itself, a node a rule reports
from elsewhere) makes ``Positions`` fall back to the full computation, so a
lookup never fails and never differs from libcst's answer."""

from __future__ import annotations

import bisect
import re
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodeRange, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

_NEWLINE = re.compile(r"\r\n?|\n")


class StatementMarks(cst.BatchableCSTVisitor):
    """Notes the report counts of every rule as each top-level statement of
    ``module`` is entered. Must come first in the batch."""

    def __init__(self, module: cst.Module, rules: Sequence[Any]) -> None:
        super().__init__()
        self._top = {id(statement): index for index, statement in enumerate(module.body)}
        self._rules = rules
        #: ``(statement index, [reports so far per rule])`` in document order.
        self.marks: List[Tuple[int, List[int]]] = []

    def _enter(self, node: cst.CSTNode) -> None:
        index = self._top.get(id(node))
        if index is not None:
            self.marks.append((index, [len(rule.reports) for rule in self._rules]))

    # Every kind of statement that can stand at the top of a module.
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._enter(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._enter(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._enter(node)

    def visit_If(self, node: cst.If) -> None:
        self._enter(node)

    def visit_For(self, node: cst.For) -> None:
        self._enter(node)

    def visit_While(self, node: cst.While) -> None:
        self._enter(node)

    def visit_Try(self, node: cst.Try) -> None:
        self._enter(node)

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._enter(node)

    def visit_With(self, node: cst.With) -> None:
        self._enter(node)

    def visit_Match(self, node: cst.Match) -> None:
        self._enter(node)

    def statements(self) -> Set[int]:
        """The indexes of the top-level statements in which reports were made
        (as far as the counts tell; a wrong guess only costs time)."""
        found: Set[int] = set()
        if not self.marks:
            return found
        for position, rule in enumerate(self._rules):
            counts = [mark[1][position] for mark in self.marks]
            for number in range(len(rule.reports)):
                # The last statement entered with at most `number` reports before it.
                where = bisect.bisect_right(counts, number) - 1
                if where >= 0:
                    found.add(self.marks[where][0])
        return found


def _advance(line: int, column: int, tokens: List[str]) -> Tuple[int, int]:
    """Where rendering ``tokens`` from ``line``/``column`` ends, counted as
    ``PositionProvidingCodegenState`` counts (token by token)."""
    text = "".join(tokens)
    if "\r" not in text:
        breaks = text.count("\n")
        if not breaks:
            return line, column + len(text)
        return line + breaks, len(text) - text.rfind("\n") - 1
    for token in tokens:  # a CR at the end of one token and LF at the next: two breaks
        segments = _NEWLINE.split(token)
        if len(segments) == 1:
            column += len(token)
        else:
            line += len(segments) - 1
            column = len(segments[-1])
    return line, column


def statement_positions(module: cst.Module, wanted: Set[int]) -> Dict[cst.CSTNode, CodeRange]:
    """``PositionProvider``'s ranges for every node inside the top-level
    statements whose indexes are in ``wanted``."""
    provider = PositionProvider()
    if not wanted:
        return provider._computed
    plain = CodegenState(
        default_indent=module.default_indent, default_newline=module.default_newline
    )
    line, column = 1, 0
    for header in module.header:
        header._codegen(plain)
    last = max(wanted)
    for index, statement in enumerate(module.body[: last + 1]):
        if index not in wanted:
            statement._codegen(plain)
            continue
        line, column = _advance(line, column, plain.tokens)
        plain.tokens.clear()
        state = PositionProvidingCodegenState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            provider=provider,
        )
        state.line, state.column = line, column
        statement._codegen(state)
        line, column = state.line, state.column
    return provider._computed


class Positions(Mapping):  # type: ignore[type-arg]
    """The ranges of the nodes in the reported statements, falling back to
    the full computation for anything else."""

    def __init__(
        self,
        sparse: Dict[cst.CSTNode, CodeRange],
        full: Callable[[], Mapping],  # type: ignore[type-arg]
    ) -> None:
        self._sparse = sparse
        self._resolve = full
        self._full: Optional[Mapping] = None  # type: ignore[type-arg]

    def _all(self) -> Mapping:  # type: ignore[type-arg]
        if self._full is None:
            self._full = self._resolve()
        return self._full

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        found = self._sparse.get(node)
        return found if found is not None else self._all()[node]

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def report_positions(
    module: cst.Module,
    marks: StatementMarks,
    full: Callable[[], Mapping],  # type: ignore[type-arg]
) -> Positions:
    """Positions for the engine: computed for the statements that hold a
    report, the rest only if asked for."""
    return Positions(statement_positions(module, marks.statements()), full)
