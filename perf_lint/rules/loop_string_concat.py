"""PRF407 loop-string-concat."""

from __future__ import annotations

from typing import List

import libcst as cst

from perf_lint.context import FileContext
from perf_lint.rule import Fix, Invalid, Rule, Valid
from perf_lint.rules import _shapes
from perf_lint.rules._loops import FOR_OR_WHILE
from perf_lint.rules._types import ScopeTracker, literal_types

_STR_RESULTS = _shapes.STR_RESULTS


class LoopStringConcat(Rule):
    """## What it does
    Checks for `s += <string>` and `s = s + <string>` inside the body of a
    `for` or `while` loop of the same function, where the added value is
    provably a string: a string literal, an f-string, a `str()`/`repr()`
    call (the builtin), a string method such as `.join()`, `.format()` or
    `.strip()` called on one of those, or a sum with one of those on either
    side. Names and other expressions are not taken as strings, so that
    lists and numbers are never reported.

    ## Why is this bad?
    Strings are immutable: each concatenation may copy everything built so
    far, so a loop of them can take time quadratic in the length of the
    result (CPython sometimes avoids the copy, PyPy and others do not).
    Collecting the parts in a list and joining them once is linear.

    ## Example
    ```python
    text = ""
    for line in lines:
        text += line.strip() + "\\n"
    ```

    Use instead:
    ```python
    parts = []
    for line in lines:
        parts.append(line.strip() + "\\n")
    text = "".join(parts)
    ```

    ## Fix safety
    There is no fix: the rewrite spans the loop and the code after it.
    """

    CODE = "PRF407"
    NAME = "loop-string-concat"
    MESSAGE = 'String concatenation in a loop; collect the parts and `"".join` them'
    FIX = Fix.NONE
    PATTERN = (FOR_OR_WHILE, r"\+")
    SHAPE = _shapes.STRING_CONCAT
    VALID = (
        Valid('s = ""\ns += "a"\n'),
        Valid("for x in xs:\n    n += 1\n"),
        Valid("for x in xs:\n    s += x\n"),
        Valid('for x in xs:\n    def f():\n        s += "a"\n'),
    )
    INVALID = (
        Invalid('for x in xs:\n    s += "a"\n'),
        Invalid('while x:\n    s = s + f"{x}"\n'),
        Invalid("for x in xs:\n    s += str(x)\n"),
    )

    def __init__(self, context: FileContext, options: object = None) -> None:
        super().__init__(context, options)
        self.tracker = ScopeTracker(context.module, context.cache, context.source)
        self.depth: List[int] = [0]
        self.loop_bodies: set = set()

    def visit_For(self, node: cst.For) -> None:
        self.loop_bodies.add(node.body)

    def visit_While(self, node: cst.While) -> None:
        self.loop_bodies.add(node.body)

    def visit_BaseSuite(self, node: cst.BaseSuite) -> None:
        if node in self.loop_bodies:
            self.depth[-1] += 1

    def leave_BaseSuite(self, node: cst.BaseSuite) -> None:
        if node in self.loop_bodies:
            self.depth[-1] -= 1

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.visit_BaseSuite(node)

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.leave_BaseSuite(node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.visit_BaseSuite(node)

    def leave_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.leave_BaseSuite(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth.append(0)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth.append(0)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth.pop()

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if (
            self.depth[-1]
            and isinstance(node.operator, cst.AddAssign)
            and isinstance(node.target, cst.Name)
            and self._string(node.value)
        ):
            self.report(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        if (
            self.depth[-1]
            and len(node.targets) == 1
            and isinstance(node.targets[0].target, cst.Name)
            and isinstance(value, cst.BinaryOperation)
            and isinstance(value.operator, cst.Add)
            and isinstance(value.left, cst.Name)
            and value.left.value == node.targets[0].target.value
            and self._string(value.right)
        ):
            self.report(node)

    def _string(self, node: cst.BaseExpression) -> bool:
        """``node`` is provably a ``str`` (names are never trusted: the rule
        does not track scopes)."""
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            return literal_types(node) == frozenset({"str"})
        if isinstance(node, cst.FormattedString):
            return True
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            return self._string(node.left) or self._string(node.right)
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Name):
                return func.value in ("str", "repr") and self.tracker.is_builtin(func.value)
            if isinstance(func, cst.Attribute) and func.attr.value in _STR_RESULTS:
                return self._string(func.value)
        return False
