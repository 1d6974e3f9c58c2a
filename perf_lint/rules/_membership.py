"""The matcher PRF101 and PRF102 share: membership tests against a literal
container, rewritten to a set literal."""

from __future__ import annotations

import ast
from typing import ClassVar, Optional, Union

import libcst as cst

from perf_lint.context import FileContext
from perf_lint.rule import Fix, Rule
from perf_lint.rules._types import TypeInference, is_hashable_constant

# ``in`` not preceded by an identifier letter, then blanks, backslashes or
# comments, then the opening bracket of a list or a parenthesised literal.
# Each repetition can match in one way only (a comment runs to its newline),
# so the search stays linear: no catastrophic backtracking.
_IN_THEN = r"in(?<![^\W\d]in)(?:[\s\\]|#[^\n]*\n)*"


class LiteralMembership(Rule):
    """Base of the literal-membership rules (not registered itself)."""

    CONTAINER: ClassVar[type]
    FIX = Fix.SAFE_WHEN_PROVEN
    FIX_MESSAGE = "Convert to a set literal"

    def __init__(self, context: FileContext, options: object = None) -> None:
        super().__init__(context, options)
        self.types = TypeInference.of(context)

    # -- detection -------------------------------------------------------------
    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        last = len(node.comparisons) - 1
        for index, target in enumerate(node.comparisons):
            if isinstance(target.operator, (cst.In, cst.NotIn)):
                self._check(left, target.comparator, chained=index < last)
            left = target.comparator

    def _check(
        self, left: cst.BaseExpression, container: cst.BaseExpression, chained: bool
    ) -> None:
        if not isinstance(container, self.CONTAINER):
            return
        elements = container.elements  # type: ignore[attr-defined]
        if not elements or not all(
            isinstance(element, cst.Element) and is_hashable_constant(element.value)
            for element in elements
        ):
            # Only a display of constants becomes a constant: CPython folds
            # `x in {1, 2}` into a frozenset built once. A set display with
            # any other element is built, and each element hashed, at every
            # test: slower than searching the list or tuple (measured in
            # bench/fix_speed.py at every size from 1 to 100 elements).
            return
        replacement = as_set(container)  # type: ignore[arg-type]
        if replacement is None or chained or self.types.bound_unhashable(left):
            # Nothing to rewrite; or the literal is also the left operand of
            # the next comparison in a chain (`x in [1] == [1]`), whose result
            # a set would change; or a set would raise TypeError (always for
            # a display, on some path for a variable bound to one).
            self.report(container)
            return
        safe = self.types.infer(left) is not None
        self.report(container, replacement=replacement, safe=safe)


def tests_membership_in(node: ast.Compare, container: type) -> bool:
    """The shape of ``visit_Comparison``'s reports, on the ``ast``: an ``in``
    or ``not in`` against a non-empty display of ``container`` (``ast.List``
    or ``ast.Tuple``)."""
    return any(
        (type(operator) is ast.In or type(operator) is ast.NotIn)
        and type(right) is container
        and bool(right.elts)  # type: ignore[attr-defined]
        for operator, right in zip(node.ops, node.comparators)
    )


def as_set(container: Union[cst.List, cst.Tuple]) -> Optional[cst.Set]:
    """The same elements, comments and line breaks between braces."""
    if isinstance(container, cst.List):
        return cst.Set(
            elements=container.elements,
            lbrace=cst.LeftCurlyBrace(whitespace_after=container.lbracket.whitespace_after),
            rbrace=cst.RightCurlyBrace(whitespace_before=container.rbracket.whitespace_before),
            lpar=container.lpar,
            rpar=container.rpar,
        )
    if not container.lpar:
        return None
    inner_left, inner_right = container.lpar[-1], container.rpar[0]
    return cst.Set(
        elements=container.elements,
        lbrace=cst.LeftCurlyBrace(whitespace_after=inner_left.whitespace_after),
        rbrace=cst.RightCurlyBrace(whitespace_before=inner_right.whitespace_before),
        lpar=container.lpar[:-1],
        rpar=container.rpar[1:],
    )
