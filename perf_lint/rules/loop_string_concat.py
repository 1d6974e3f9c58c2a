"""PRF407 loop-string-concat."""

from __future__ import annotations

import ast
from typing import FrozenSet, List, Sequence, Set, Union

import libcst as cst

from perf_lint import traversal
from perf_lint.context import FileContext
from perf_lint.rule import Fix, Invalid, Valid
from perf_lint.rules._loops import FOR_OR_WHILE, MarkedBodies
from perf_lint.rules._types import literal_types
from perf_lint.scopes import target_names

Loop = Union[cst.For, cst.While]

#: Methods whose result the rule takes to be a string when called on one.
_STR_RESULTS = frozenset(
    {"join", "format", "lower", "upper", "strip", "lstrip", "rstrip", "replace", "title"}
)


class LoopStringConcat(MarkedBodies):
    """## What it does
    Checks for `s += <string>` and `s = s + <string>` inside the body of a
    `for` or `while` loop of the same function, where the added value is
    provably a string: a string literal, an f-string, a `str()`/`repr()`
    call (the builtin), a string method such as `.join()`, `.format()` or
    `.strip()` called on one of those, or a sum with one of those on either
    side. Names and other expressions are not taken as strings, so that
    lists and numbers are never reported.

    Only a string carried from one iteration to the next is reported: not
    the innermost loop's own variable (`for s in ...: s += "/"`), nor a name
    that the iteration has just bound afresh before the concatenation (an
    assignment that does not read the name, earlier in the same block or in
    a block around it inside the loop; both branches of an `if`/`else`, a
    `try` body and each of its handlers, where a branch that ends with
    `continue`, `break`, `return` or `raise` does not count; a `with ...
    as s`; `s := ...` in the test of an `if` around it or before it),
    since neither accumulates anything.

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
    SUMMARY = '`s += "..."` in a loop; no fix'
    MESSAGE = 'String concatenation in a loop; collect the parts and `"".join` them'
    FIX = Fix.NONE
    PATTERN = (FOR_OR_WHILE, r"\+")
    SHAPE_NODES = (ast.AugAssign, ast.Assign)
    VALID = (
        Valid('s = ""\ns += "a"\n'),
        Valid("for x in xs:\n    n += 1\n"),
        Valid("for x in xs:\n    s += x\n"),
        Valid('for x in xs:\n    def f():\n        s += "a"\n'),
        Valid('for s in xs:\n    s += "/"\n'),
        Valid('for x in xs:\n    s = x\n    if s:\n        s += "/"\n'),
    )
    INVALID = (
        Invalid('for x in xs:\n    s += "a"\n'),
        Invalid('while x:\n    s = s + f"{x}"\n'),
        Invalid("for x in xs:\n    s += str(x)\n"),
    )

    @staticmethod
    def shape(node: ast.AST, source: str) -> bool:
        """``s += <maybe a string>`` or ``s = s + <maybe a string>``."""
        if type(node) is ast.AugAssign:
            return (
                type(node.op) is ast.Add
                and type(node.target) is ast.Name
                and _maybe_string(node.value)
            )
        value = node.value  # type: ignore[attr-defined]
        return (
            type(value) is ast.BinOp
            and type(value.op) is ast.Add
            and type(value.left) is ast.Name
            and _maybe_string(value.right)
        )

    def __init__(self, context: FileContext, options: object = None) -> None:
        super().__init__(context, options)
        #: Concatenations whose target the innermost loop around them binds
        #: afresh in each iteration before they run (nothing is carried).
        self.fresh: Set[cst.CSTNode] = set()

    def visit_For(self, node: cst.For) -> None:
        self.mark(node.body)
        _mark_fresh(node.body, frozenset(target_names(node.target)), self.fresh)

    def visit_While(self, node: cst.While) -> None:
        self.mark(node.body)
        _mark_fresh(node.body, frozenset(), self.fresh)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if (
            self.inside()
            and node not in self.fresh
            and isinstance(node.operator, cst.AddAssign)
            and isinstance(node.target, cst.Name)
            and self._string(node.value)
        ):
            self.report(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        if (
            self.inside()
            and node not in self.fresh
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
                return func.value in ("str", "repr") and self.context.facts.is_builtin(func.value)
            if isinstance(func, cst.Attribute) and func.attr.value in _STR_RESULTS:
                return self._string(func.value)
        return False


def _mark_fresh(body: cst.BaseSuite, fresh: FrozenSet[str], found: Set[cst.CSTNode]) -> None:
    """Add to ``found`` each ``s += ...`` and ``s = s + ...`` in a loop's
    ``body`` (not in nested loops, which are judged on their own, nor in
    nested functions or classes) whose target is in ``fresh`` there: the
    loop's own variables, and names bound afresh by an assignment earlier in
    the same block or in a block around it."""
    statements: Sequence[cst.CSTNode]
    if isinstance(body, cst.SimpleStatementSuite):
        statements = [body]
    else:
        statements = body.body  # type: ignore[assignment]
    for statement in statements:
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in statement.body:
                target = _concatenated(small)
                if target is not None and target in fresh:
                    found.add(small)
                fresh = fresh | _fresh_bindings(small)
            continue
        if isinstance(statement, (cst.For, cst.While, cst.FunctionDef, cst.ClassDef)):
            continue
        inner = fresh | _walrus_in_test(statement) | _with_targets(statement)
        for block in _blocks(statement):
            _mark_fresh(block, inner, found)
        fresh = inner | _bound_by(statement)


#: What every name is bound by, for a block that never falls through.
_EVERY = frozenset({"*"})


def _block_bindings(body: Union[cst.BaseSuite, None]) -> FrozenSet[str]:
    """The names that every way through ``body`` to its end binds afresh
    (``_EVERY`` when no way falls through: it ends with ``continue``,
    ``break``, ``return`` or ``raise``)."""
    if body is None:
        return frozenset()
    statements: Sequence[cst.CSTNode]
    if isinstance(body, cst.SimpleStatementSuite):
        statements = [body]
    else:
        statements = body.body  # type: ignore[assignment]
    bound: FrozenSet[str] = frozenset()
    for statement in statements:
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in statement.body:
                if isinstance(small, (cst.Continue, cst.Break, cst.Return, cst.Raise)):
                    return _EVERY
                bound = bound | _fresh_bindings(small)
        elif not isinstance(statement, (cst.For, cst.While, cst.FunctionDef, cst.ClassDef)):
            bound = bound | _walrus_in_test(statement) | _bound_by(statement)
    return bound


def _all_of(outcomes: List[FrozenSet[str]]) -> FrozenSet[str]:
    """The names every outcome binds (``_EVERY`` binds them all)."""
    found = _EVERY
    for outcome in outcomes:
        if outcome is _EVERY or outcome == _EVERY:
            continue
        found = outcome if found == _EVERY else found & outcome
    return found


def _bound_by(statement: cst.CSTNode) -> FrozenSet[str]:
    """The names a compound statement binds afresh on every way through it
    that reaches the next statement: both branches of an ``if``/``else``
    (a branch that ends with ``continue``, ``break``, ``return`` or
    ``raise`` counts as binding everything), a ``try`` body and each of its
    handlers, a ``with`` statement's ``as`` targets and body."""
    found: FrozenSet[str] = frozenset()
    if isinstance(statement, cst.If):
        outcomes = [_block_bindings(statement.body)]
        orelse = statement.orelse
        if orelse is None:
            return found
        if isinstance(orelse, cst.If):
            outcomes.append(_walrus_in_test(orelse) | _bound_by(orelse))
        else:
            outcomes.append(_block_bindings(orelse.body))
        found = _all_of(outcomes)
    elif isinstance(statement, (cst.Try, cst.TryStar)):
        body = _block_bindings(statement.body)
        if statement.orelse is not None:
            body = _all_of([body]) | _block_bindings(statement.orelse.body)
        handlers = [_block_bindings(handler.body) for handler in statement.handlers]
        found = _all_of([body, *handlers])
        if statement.finalbody is not None:
            found = found | _block_bindings(statement.finalbody.body)
    elif isinstance(statement, cst.With):
        found = _with_targets(statement) | _block_bindings(statement.body)
    return frozenset() if found == _EVERY else found


def _with_targets(statement: cst.CSTNode) -> FrozenSet[str]:
    """The names a ``with`` statement's ``as`` targets bind."""
    if not isinstance(statement, cst.With):
        return frozenset()
    return frozenset(
        name
        for item in statement.items
        if item.asname is not None
        for name in target_names(item.asname.name)
    )


def _walrus_in_test(statement: cst.CSTNode) -> FrozenSet[str]:
    """The names an ``if`` or ``while`` test binds with ``:=`` (the test
    always runs) to a value that does not read them."""
    test = getattr(statement, "test", None)
    if not isinstance(statement, cst.If) or test is None:
        return frozenset()
    collector = _Walrus()
    traversal.visit(test, collector)
    return frozenset(collector.found)


class _Walrus(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: Set[str] = set()

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if isinstance(node.target, cst.Name) and node.target.value not in _names_in(node.value):
            self.found.add(node.target.value)


def _concatenated(small: cst.CSTNode) -> Union[str, None]:
    """The name that ``s += ...`` or ``s = s + ...`` adds to."""
    if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
        return small.target.value
    if (
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and isinstance(small.targets[0].target, cst.Name)
        and isinstance(small.value, cst.BinaryOperation)
        and isinstance(small.value.left, cst.Name)
        and small.value.left.value == small.targets[0].target.value
    ):
        return small.targets[0].target.value
    return None


def _fresh_bindings(small: cst.CSTNode) -> FrozenSet[str]:
    """The names an assignment binds to a value that does not read them."""
    if isinstance(small, cst.Assign):
        targets = [target.target for target in small.targets]
        value: Union[cst.BaseExpression, None] = small.value
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        targets, value = [small.target], small.value
    else:
        return frozenset()
    names = {name for target in targets for name in target_names(target)}
    read = _names_in(value) if value is not None else set()
    return frozenset(names - read)


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: Set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.found.add(node.value)


def _names_in(node: cst.CSTNode) -> Set[str]:
    collector = _Names()
    traversal.visit(node, collector)
    return collector.found


def _blocks(statement: cst.CSTNode) -> List[cst.BaseSuite]:
    """The blocks of a compound statement other than a loop: ``if``/``elif``/
    ``else``, ``with``, ``try`` and its handlers, ``match`` cases."""
    found: List[cst.BaseSuite] = []
    pending: List[cst.CSTNode] = [statement]
    while pending:
        node = pending.pop()
        for child in traversal.children(node):
            if isinstance(child, cst.BaseSuite):
                found.append(child)
            elif isinstance(
                child,
                (
                    cst.If,
                    cst.Else,
                    cst.ExceptHandler,
                    cst.ExceptStarHandler,
                    cst.Finally,
                    cst.MatchCase,
                ),
            ):
                pending.append(child)
    return found  # fmt: skip


def _maybe_string(node: ast.AST) -> bool:
    """What ``_string`` could prove to be a string (it proves less)."""
    kind = type(node)
    if kind is ast.Constant:
        return isinstance(node.value, str)  # type: ignore[attr-defined]
    if kind is ast.JoinedStr:
        return True
    if kind is ast.BinOp:
        return type(node.op) is ast.Add and (  # type: ignore[attr-defined]
            _maybe_string(node.left) or _maybe_string(node.right)  # type: ignore[attr-defined]
        )
    if kind is ast.Call:
        func = node.func  # type: ignore[attr-defined]
        if type(func) is ast.Name:
            return func.id in ("str", "repr")
        if type(func) is ast.Attribute and func.attr in _STR_RESULTS:
            return _maybe_string(func.value)
    return False
