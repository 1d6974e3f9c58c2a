"""PRF202 complex-function."""

from __future__ import annotations

import ast
import dataclasses
from typing import List, Optional

from perf_lint.rule import Invalid, SourceReport, SourceRule, Valid
from perf_lint.rules._size import (
    decision_bound,
    definitions,
    function_complexity,
    name_span,
    statement_text,
)


@dataclasses.dataclass(frozen=True)
class ComplexFunctionOptions:
    max_complexity: int = dataclasses.field(
        default=15, metadata={"min": 1, "help": "highest cyclomatic complexity allowed"}
    )


def _branches(count: int) -> str:
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(count))
    return f"def f(x):\n{body}    return -1\n"


class ComplexFunction(SourceRule):
    """## What it does
    Checks for functions whose cyclomatic complexity, as radon computes it,
    is above `max-complexity` (default 15). The score is 1 plus one for each
    `if`/`elif`, `for`/`while` (and their `else`), `except` clause and a
    `try`'s `else`, `and`/`or`, `assert`, comprehension `for` and `if`,
    conditional expression and non-wildcard `case`. The message gives the
    score and radon's rank (A: 1–5, B: 6–10, C: 11–20, D: 21–30, E: 31–40,
    F: 41 and more). It is reported at the function's name on its `def`
    line, as ruff reports C901; a `# noqa` goes on that line.

    Every function is scored on its own: methods, and functions nested in
    other functions (closures), have their own score and add nothing to the
    enclosing function's, as in radon; lambdas and comprehensions count
    towards the function that holds them. (mccabe, behind ruff's C901 and
    flake8's C901, counts a closure's branches in the enclosing function
    too, and does not count `and`/`or`, comprehensions or `assert`.)

    ## Why is this bad?
    A function with many paths is hard to profile and to optimise: its hot
    path is hidden among the others, and a change for speed risks breaking a
    path nobody tests. Splitting it lets each part be measured, cached or
    specialised on its own.

    ## Example
    A request handler with twenty `if`/`elif` branches on the action name.

    Use instead: a dictionary from action names to small functions.

    ## Fix safety
    No fix is offered.
    """

    CODE = "PRF202"
    NAME = "complex-function"
    SUMMARY = "none; radon cyclomatic complexity and rank, at the function's name"
    MESSAGE = "`{name}` is too complex ({complexity} > {limit}, rank {rank})"
    OPTIONS = ComplexFunctionOptions
    PATTERN = r"\bdef\b"
    VALID = (Valid(_branches(14)),)
    INVALID = (Invalid(_branches(15)),)

    OPT_IN = True

    @classmethod
    def admits(cls, source: str, options: ComplexFunctionOptions) -> bool:
        # A score above the limit needs at least `limit` decision keywords.
        return decision_bound(source, options.max_complexity)

    @classmethod
    def check_source(
        cls, source: str, tree: Optional[ast.Module], options: ComplexFunctionOptions
    ) -> List[SourceReport]:
        if tree is None:
            return []
        # Scores come from `ast` and radon; a function is scored only when
        # its own text holds enough decision keywords to exceed the limit.
        limit = options.max_complexity
        found = []
        for node in definitions(tree, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not decision_bound(statement_text(source, node), limit):  # type: ignore[arg-type]
                continue
            score = function_complexity(node)  # type: ignore[arg-type]
            if score.complexity > limit:
                found.append(
                    cls.report_at(
                        *name_span(source, node),  # type: ignore[arg-type]
                        name=score.name,
                        complexity=score.complexity,
                        limit=limit,
                        rank=score.rank,
                    )
                )
        return found
