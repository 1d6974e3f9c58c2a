"""PRF101 list-literal-membership."""

from __future__ import annotations

import ast

import libcst as cst

from perf_lint.rule import Invalid, Valid
from perf_lint.rules._membership import _IN_THEN, LiteralMembership, tests_membership_in


class ListLiteralMembership(LiteralMembership):
    """## What it does
    Checks for membership tests (`in`, `not in`) against a list literal, in
    conditions, comprehensions, chained comparisons and parenthesised lists.

    ## Why is this bad?
    A list is searched element by element: every test costs time linear in
    its length, and Python builds the list again each time the expression
    runs. A set literal of constants is built once (CPython folds it into a
    `frozenset` constant) and answers in constant time.

    Only lists whose every element is a constant (a number, a string,
    bytes, `None`, `True`, `False`, `...`, or a tuple of those) are
    reported: CPython folds only such a set display into a constant. A set
    display with any other element (`x in [a.b, a.c]`) is built, and each
    element hashed, every time the test runs: measured from 1 to 100
    elements (the "Speed" section below), it is slower for short displays
    and about as fast as the list from three elements on (0.8x to 1.2x), so
    no length makes it pay. A display of constants is faster from one
    element on, with one exception, the list's best case: when the value
    tested is the first element's own object (an interned string literal
    such as a default argument `mode="r"`, a small int), the list finds it
    by identity at once and the set costs 1 to 3 ns more per test (0.76x to
    1.0x, none on 3.13; the "same object found first" rows), a tie within
    this machine's noise for one test but not a gain. An equal value that
    is another object is found faster by the set even in first place.
    Empty lists are not reported either.

    ## Example
    ```python
    if status in ["active", "pending"]:
        ...
    ```

    Use instead:
    ```python
    if status in {"active", "pending"}:
        ...
    ```

    ## Fix safety
    The fix replaces the brackets by braces and keeps every element, comment
    and line break. A set hashes the value tested, which raises `TypeError`
    for an unhashable value (a list, a dict) where the list did not, so the
    fix is safe only when the left operand is provably hashable: a literal;
    a name whose every binding in its scope is annotated with `str`, `int`,
    `float`, `complex`, `bool`, `frozenset`, `None`,
    `Optional[...]`/`Union[...]`/`X | Y` of those, `Literal[...]`, or
    `Tuple[...]` of those (not `bytes`, which admits the unhashable
    `bytearray`); in a class body, the enclosing binding of the name must be
    proven too, since the body reads it until its own runs; the result of
    `str()`, `int()`, `len()`, `repr()` and other builtins that always
    return such a value (when the file does not rebind the builtin); or a
    string method such as `.lower()` called on a proven string. Anything
    else gets an unsafe fix, except in two cases where no fix is offered:
    the left operand is itself a list, dict or set display or comprehension
    (a set would always raise), a `.copy()` of one or a call of the builtin
    `list`, `dict` or `set`, or a variable that any assignment of its scope
    binds to one of those (a set would raise on that path); or the literal
    is also the left operand of the next comparison in a chain, as in
    `x in [1, 2] == [1, 2]` (the set would change that comparison's result).
    """

    CODE = "PRF101"
    NAME = "list-literal-membership"
    SUMMARY = "`x in [1, 2]` → `x in {1, 2}`, safe where proven"
    MESSAGE = "Membership test against a list literal; use a set literal"
    CONTAINER = cst.List
    PATTERN = _IN_THEN + r"[\[(]"
    SHAPE_NODES = (ast.Compare,)
    VALID = (
        Valid("x in {1, 2}\n"),
        Valid("x in items\n"),
        Valid("for x in [1, 2]:\n    pass\n"),
        Valid("x == [1, 2]\n"),
        Valid("x in [[1], [2]]\n"),
        Valid("x in []\n"),
        Valid("x in [a, b]\n"),
        Valid("x in [a.b, 1]\n"),
        Valid('x in ["a", *rest]\n'),
    )
    INVALID = (
        Invalid("x in [1, 2]\n", unsafe_fixed="x in {1, 2}\n"),
        Invalid(
            'def f(x: str):\n    return x in ["a", "b"]\n',
            fixed='def f(x: str):\n    return x in {"a", "b"}\n',
        ),
        Invalid("len(x) not in [1, 2]\n", fixed="len(x) not in {1, 2}\n"),
        Invalid("x in [-1, (2, 'a'), None]\n", unsafe_fixed="x in {-1, (2, 'a'), None}\n"),
    )

    @staticmethod
    def shape(node: ast.AST, source: str) -> bool:
        return tests_membership_in(node, ast.List)  # type: ignore[arg-type]
