"""PRF203 oversized-class."""

from __future__ import annotations

import dataclasses
from typing import List

import libcst as cst

from perf_lint.rule import Invalid, Rule, Valid
from perf_lint.rules._size import class_sizes, line_bound


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


class OversizedClass(Rule):
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
    MESSAGE = "Class `{name}` is too large ({detail})"
    OPTIONS = OversizedClassOptions
    PATTERN = r"\bclass\b"
    VALID = (Valid(_methods(30)),)
    INVALID = (Invalid(_methods(31)),)

    @classmethod
    def admits(cls, source: str, options: OversizedClassOptions) -> bool:
        max_lines, max_methods = options.max_class_lines, options.max_methods
        if line_bound(source) <= max_lines and source.count("def") <= max_methods:
            return False
        sizes = class_sizes(source)
        return sizes is not None and any(
            size.lines > max_lines or size.methods > max_methods for size in sizes
        )

    def __init__(self, context, options=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context, options)
        self.classes: List[cst.ClassDef] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        sizes = class_sizes(self.context.source)
        if sizes is None or len(sizes) != len(self.classes):  # pragma: no cover
            return  # Python rejects the file, or libcst and ast disagree
        max_lines, max_methods = self.options.max_class_lines, self.options.max_methods
        for node, size in zip(self.classes, sizes):
            detail = []
            if size.lines > max_lines:
                detail.append(f"{size.lines} lines > {max_lines}")
            if size.methods > max_methods:
                detail.append(f"{size.methods} methods > {max_methods}")
            if detail:
                self.report(node.name, name=size.name, detail=", ".join(detail))
