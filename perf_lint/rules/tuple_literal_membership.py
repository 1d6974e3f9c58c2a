"""PRF102 tuple-literal-membership."""

from __future__ import annotations

import ast

import libcst as cst

from perf_lint.rule import Invalid, Valid
from perf_lint.rules._membership import _IN_THEN, LiteralMembership, tests_membership_in


class TupleLiteralMembership(LiteralMembership):
    """## What it does
    Checks for membership tests (`in`, `not in`) against a tuple literal, in
    conditions, comprehensions, chained comparisons and extra parentheses.

    ## Why is this bad?
    A tuple is searched element by element, so each test costs time linear
    in its length. A set literal of constants is folded by CPython into a
    `frozenset` constant and answers in constant time; it is faster from one
    element on (the "Speed" section below), with one exception, the
    tuple's best case: when the value tested is the first element's own
    object (an interned string literal such as a default argument
    `mode="r"`, a small int), the tuple finds it by identity at once and
    the set costs 1 to 3 ns more per test (0.77x to 1.0x, none on 3.13; the
    "same object found first" rows). An equal value that is another object
    is found faster by the set even in first place.

    Only tuples whose every element is a constant are reported, as in
    PRF101 (`perf-lint rule PRF101`): a set display with any other element
    (`x in (a.b, a.c)`) is built at every test and is slower than the
    tuple. Empty tuples are not reported either.

    ## Example
    ```python
    if method in ("GET", "HEAD"):
        ...
    ```

    Use instead:
    ```python
    if method in {"GET", "HEAD"}:
        ...
    ```

    ## Fix safety
    The fix replaces the tuple's own parentheses by braces and keeps every
    element, comment and line break (a one-element tuple `(a,)` becomes the
    one-element set `{a,}`). It is safe under exactly the conditions of
    PRF101 (`perf-lint rule PRF101`): the left operand provably hashable.
    Otherwise it is unsafe.
    """

    CODE = "PRF102"
    NAME = "tuple-literal-membership"
    SUMMARY = "`x in (1, 2)` → `x in {1, 2}`, safe where proven"
    MESSAGE = "Membership test against a tuple literal; use a set literal"
    CONTAINER = cst.Tuple
    PATTERN = _IN_THEN + r"\("
    SHAPE_NODES = (ast.Compare,)
    VALID = (
        Valid("x in {1, 2}\n"),
        Valid("x in items\n"),
        Valid("for x in (1, 2):\n    pass\n"),
        Valid("x == (1, 2)\n"),
        Valid("x in ([1], [2])\n"),
        Valid("x in ()\n"),
        Valid("x in (a.b, a.c)\n"),
        Valid('x in ("a", f"{b}")\n'),
    )
    INVALID = (
        Invalid("x in (1, 2)\n", unsafe_fixed="x in {1, 2}\n"),
        Invalid('x = "a"\ny = x in ("a", "b")\n', fixed='x = "a"\ny = x in {"a", "b"}\n'),
        Invalid('x = f()\ny = x in ("a", "b")\n', unsafe_fixed='x = f()\ny = x in {"a", "b"}\n'),
        Invalid('"a" in ("a",)\n', fixed='"a" in {"a",}\n'),
        Invalid("str(x) in ((1, 2))\n", fixed="str(x) in ({1, 2})\n"),
    )

    @staticmethod
    def shape(node: ast.AST, source: str) -> bool:
        return tests_membership_in(node, ast.Tuple)  # type: ignore[arg-type]
