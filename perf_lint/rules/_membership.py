"""The matcher PRF101 and PRF102 share: membership tests against a literal
container, rewritten to a set literal."""

from __future__ import annotations

from typing import ClassVar, Optional, Union

import libcst as cst

from perf_lint.context import FileContext
from perf_lint.rule import Fix, Rule
from perf_lint.rules._types import ScopeTracker, is_hashable_constant, is_unhashable_display

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
        self.scopes = ScopeTracker(context.module, context.cache, context.source)

    # -- scopes --------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scopes.visit_scope_header(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scopes.visit_scope_header(node)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.scopes.enter_block(node)

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.scopes.leave_block(node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.scopes.enter_block(node)

    def leave_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.scopes.leave_block(node)

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.enter(node)

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.leave(node)

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self.scopes.enter(node)

    def leave_ListComp(self, node: cst.ListComp) -> None:
        self.scopes.leave(node)

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self.scopes.enter(node)

    def leave_SetComp(self, node: cst.SetComp) -> None:
        self.scopes.leave(node)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self.scopes.enter(node)

    def leave_DictComp(self, node: cst.DictComp) -> None:
        self.scopes.leave(node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self.scopes.enter(node)

    def leave_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self.scopes.leave(node)

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
        if not elements:
            return
        if any(
            isinstance(element, cst.Element) and is_unhashable_display(element.value)
            for element in elements
        ):
            return
        replacement = as_set(container)  # type: ignore[arg-type]
        if replacement is None or chained or is_unhashable_display(left):
            # Nothing to rewrite; or the literal is also the left operand of
            # the next comparison in a chain (`x in [1] == [1]`), whose result
            # a set would change; or a set would always raise TypeError.
            self.report(container)
            return
        safe = (
            all(
                isinstance(element, cst.Element) and is_hashable_constant(element.value)
                for element in elements
            )
            and self.scopes.infer(left) is not None
        )
        self.report(container, replacement=replacement, safe=safe)


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
