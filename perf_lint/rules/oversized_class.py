"""PRF203 oversized-class."""

from __future__ import annotations

import ast
import dataclasses
from typing import List, Optional

from perf_lint.rule import Invalid, SourceReport, SourceRule, Valid
from perf_lint.rules._size import class_size, definitions, line_bound, name_span


@dataclasses.dataclass(frozen=True)
class OversizedClassOptions:
    max_class_lines: int = dataclasses.field(
        default=300, metadata={"min": 1, "help": "longest class allowed, in lines"}
    )
    max_methods: int = dataclasses.field(
        default=30, metadata={"min": 1, "help": "most methods a class may define"}
    )


def _methods(count: int) -> str:
    return "class C:\n" + "".join(f"    def m{i}(self):\n        pass\n" for i in range(count))


class OversizedClass(SourceRule):
    """## What it does
    Checks for classes longer than `max-class-lines` (default 300) or with
    more than `max-methods` (default 30) methods. A class's lines run from
    its `class` line to the end of its last statement (decorators above it
    are not counted). Its methods are the `def` and `async def` statements
    directly in its body: properties, static and class methods count, a
    property's setter counts once more; methods defined under an `if` or
    `try` in the body, and nested classes' methods, do not. Reported at the
    class's name; a `# noqa` goes on the `class` line.

    ## Why is this bad?
    A class that does everything is a bottleneck for performance work: its
    instances carry every attribute, its methods share state that defeats
    caching, and its profile mixes unrelated costs. Smaller classes can be
    measured, cached and replaced one at a time.

    ## Example
    A 900-line `Manager` class with 60 methods for parsing, storage and
    rendering.

    Use instead: `Parser`, `Store` and `Renderer`, composed by a small
    `Manager`.

    ## Fix safety
    No fix is offered.
    """

    CODE = "PRF203"
    NAME = "oversized-class"
    SUMMARY = "none; too many lines or methods, at the class's name"
    MESSAGE = "Class `{name}` is too large ({detail})"
    OPTIONS = OversizedClassOptions
    PATTERN = r"\bclass\b"
    VALID = (Valid(_methods(30)),)
    INVALID = (Invalid(_methods(31)),)

    OPT_IN = True
    STUBS = False

    @classmethod
    def admits(cls, source: str, options: OversizedClassOptions) -> bool:
        max_lines, max_methods = options.max_class_lines, options.max_methods
        return line_bound(source) > max_lines or source.count("def") > max_methods

    @classmethod
    def check_source(
        cls, source: str, tree: Optional[ast.Module], options: OversizedClassOptions
    ) -> List[SourceReport]:
        if tree is None:
            return []
        max_lines, max_methods = options.max_class_lines, options.max_methods
        found = []
        for node in definitions(tree, (ast.ClassDef,)):
            size = class_size(node)  # type: ignore[arg-type]
            detail = []
            if size.lines > max_lines:
                detail.append(f"{size.lines} lines > {max_lines}")
            if size.methods > max_methods:
                detail.append(f"{size.methods} methods > {max_methods}")
            if detail:
                span = name_span(source, node)  # type: ignore[arg-type]
                found.append(cls.report_at(*span, name=size.name, detail=", ".join(detail)))
        return found
