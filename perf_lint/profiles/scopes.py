"""The functions of a linted file as a profiler sees them (from its
``ast``): every ``def``, ``lambda`` and class body, and the module, each
with the name and qualified name its code object gets and the lines it
spans; the innermost one around a position; the lines of the statement at
a position."""

from __future__ import annotations

import ast
import dataclasses
from typing import List, Optional, Tuple

MODULE = "<module>"
#: Code objects that Python 3.12 inlines into their function (and 3.8-3.11
#: run as functions of their own): their time counts as their function's.
COMPREHENSIONS = frozenset({"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"})


@dataclasses.dataclass(frozen=True)
class Scope:
    """One code object. ``first`` is its first line as ``co_firstlineno``
    gives it (the first decorator's line for a decorated definition, 3.8
    and later); ``header`` the ``def``/``class`` line; ``last`` its last."""

    index: int
    name: str
    qualname: str
    first: int
    header: int
    last: int
    depth: int
    parent: Optional[int]
    #: Where the scope's own code starts and ends: (row, column), 1-based
    #: code point columns (decorators belong to the enclosing scope).
    start: Tuple[int, int]
    end: Tuple[int, int]

    def contains_line(self, line: int) -> bool:
        return self.first <= line <= self.last


class FileScopes:
    """The scopes and statements of one source text."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()
        tree = ast.parse(source)
        last = max(len(self.lines), 1)
        self.scopes: List[Scope] = [
            Scope(0, MODULE, MODULE, 1, 1, last, 0, None, (1, 1), (last + 1, 1))
        ]
        self._statements: List[Tuple[Tuple[int, int], Tuple[int, int], int, int]] = []
        self._walk(tree, 0, "")

    def _column(self, row: int, offset: int) -> int:
        """``ast``'s UTF-8 byte offset as a 1-based code point column."""
        if not 1 <= row <= len(self.lines):
            return offset + 1
        return len(self.lines[row - 1].encode("utf-8")[:offset].decode("utf-8", "ignore")) + 1

    def _span(self, node: ast.AST) -> Tuple[Tuple[int, int], Tuple[int, int]]:
        start = (node.lineno, self._column(node.lineno, node.col_offset))  # type: ignore[attr-defined]
        end_row = node.end_lineno or node.lineno  # type: ignore[attr-defined]
        end_column = node.end_col_offset or 0  # type: ignore[attr-defined]
        return start, (end_row, self._column(end_row, end_column))

    def _walk(self, node: ast.AST, parent: int, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            scope = parent
            child_prefix = prefix
            if isinstance(child, ast.stmt):
                start, end = self._span(child)
                last = child.end_lineno or child.lineno
                self._statements.append((start, end, child.lineno, last))
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                name = "<lambda>" if isinstance(child, ast.Lambda) else child.name
                qualname = prefix + name
                decorators = getattr(child, "decorator_list", [])
                first = min([child.lineno] + [d.lineno for d in decorators])
                start, end = self._span(child)
                scope = len(self.scopes)
                self.scopes.append(
                    Scope(
                        scope,
                        name,
                        qualname,
                        first,
                        child.lineno,
                        child.end_lineno or child.lineno,
                        self.scopes[parent].depth + 1,
                        parent,
                        start,
                        end,
                    )
                )
                is_class = isinstance(child, ast.ClassDef)
                child_prefix = qualname + ("." if is_class else ".<locals>.")
                for decorator in decorators:  # evaluated in the enclosing scope
                    self._walk_expression(decorator, parent, prefix)
                for part in ast.iter_child_nodes(child):
                    if part not in decorators:
                        self._walk(_Only(part), scope, child_prefix)
                continue
            self._walk(child, scope, child_prefix)

    def _walk_expression(self, node: ast.AST, parent: int, prefix: str) -> None:
        self._walk(_Only(node), parent, prefix)

    # -- queries ---------------------------------------------------------------
    def innermost(self, row: int, column: int) -> Scope:
        """The innermost scope whose code holds the position."""
        where = (row, column)
        best = self.scopes[0]
        for scope in self.scopes[1:]:
            if scope.start <= where < scope.end and scope.depth > best.depth:
                best = scope
        return best

    def statement_lines(
        self, scope: Scope, start: Tuple[int, int], end: Tuple[int, int]
    ) -> Tuple[int, int]:
        """The lines of the statements, bodies included, that hold ``start``
        and ``end`` (the scope's own lines for a diagnostic on its header)."""
        first = self._statement(scope, start)
        last = self._statement(scope, end)
        if first is None or last is None:
            return scope.first, scope.last
        return min(first[0], last[0]), max(first[1], last[1])

    def _statement(self, scope: Scope, where: Tuple[int, int]) -> Optional[Tuple[int, int]]:
        best: Optional[Tuple[int, int]] = None
        for begin, finish, first, last in self._statements:
            if not begin <= where <= finish or not scope.first <= first <= scope.last:
                continue
            if (first, last) == (scope.header, scope.last) and scope.index:
                continue  # the scope's own definition
            if best is None or (last - first) < (best[1] - best[0]):
                best = (first, last)
        return best


class _Only(ast.AST):
    """A node whose only child is ``node`` (to walk one subtree)."""

    _fields = ("node",)

    def __init__(self, node: ast.AST) -> None:
        super().__init__()
        self.node = node
