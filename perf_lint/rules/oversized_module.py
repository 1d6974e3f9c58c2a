"""PRF201 oversized-module."""

from __future__ import annotations

import ast
import dataclasses
from typing import List, Optional

from perf_lint.rule import Invalid, SourceReport, SourceRule, Valid
from perf_lint.rules._size import (
    METRICS,
    module_size,
    physical_lines,
    size_bound,
    split_plan,
)


@dataclasses.dataclass(frozen=True)
class OversizedModuleOptions:
    max_module_lines: int = dataclasses.field(
        default=400, metadata={"min": 1, "help": "largest module size allowed"}
    )
    module_size_metric: str = dataclasses.field(
        default="lines",
        metadata={"choices": METRICS, "help": "how module size is measured: lines, sloc or lloc"},
    )


def measure(source: str, metric: str) -> Optional[int]:
    """The size of ``source`` by ``metric``; ``None`` where radon cannot
    measure it."""
    if metric == "lines":
        return physical_lines(source)
    try:
        return module_size(source).measure(metric)
    except (SyntaxError, ValueError, IndexError, RecursionError):
        return None


class OversizedModule(SourceRule):
    """## What it does
    Checks for modules longer than `max-module-lines` (default 400), measured
    by `module-size-metric`: `lines` (physical lines, the default), `sloc`
    (radon's source lines: lines holding code, not blank lines, comments or
    docstrings) or `lloc` (radon's logical lines: statements, where
    `if x: y` and `a = 1; b = 2` count two each). The diagnostic is reported
    at 1:1; to silence it with `# noqa: PRF201`, put that comment on line 1,
    or write `# perf-lint: noqa: PRF201` on a line of its own anywhere.

    The message names a split plan: the module's top-level definitions
    (functions, classes, assignments) grouped by the references between them,
    largest group first. Groups do not reference each other, so each one can
    move to a module of its own; imports follow the groups that use them.
    References are read as Python resolves names: a class body reads the
    module's name until one of its own statements has bound it (`class
    State: Worker = Worker` needs the module's `Worker`), its methods never
    see its names. Definitions that bind the same name (`@overload`s, a
    `try`/`except ImportError` fallback, a redefinition) move together: a
    name is never in two groups. A
    definition that three or more others use (a shared helper, constant or
    base class) does not tie its users together: it is listed as shared, to
    stay or to move to a common module. Statements that bind no name (`if
    __name__ == "__main__":`, module-level calls) and dunder assignments such
    as `__all__` stay. `--format json` carries the whole plan under
    `"data"`.

    ## Why is this bad?
    A large module is slow to import as a whole even when a caller needs one
    function of it, and its profile is hard to read. Modules that hold
    unrelated groups of code resist lazy imports, caching and parallel work;
    the groups named are where to cut.

    ## Example
    A 1,200-line `utils.py` holding date helpers, an HTTP client and a CSV
    exporter that never call each other.

    Use instead: `dates.py`, `http_client.py` and `export.py`.

    ## Fix safety
    No fix is offered: moving code changes import paths.
    """

    CODE = "PRF201"
    NAME = "oversized-module"
    SUMMARY = (
        "none; reported at 1:1 with a split plan (groups of top-level definitions that do "
        'not reference each other; the whole plan in `--format json` under `"data"`)'
    )
    MESSAGE = "Module has {size} {metric} (limit {limit}); {plan}"
    OPTIONS = OversizedModuleOptions
    VALID = (Valid("def f():\n    return 1\n"),)
    INVALID = (Invalid("x = 1\n" * 401),)

    OPT_IN = True

    @classmethod
    def admits(cls, source: str, options: OversizedModuleOptions) -> bool:
        return size_bound(source, options.module_size_metric) > options.max_module_lines

    @classmethod
    def check_source(
        cls, source: str, tree: Optional[ast.Module], options: OversizedModuleOptions
    ) -> List[SourceReport]:
        metric, limit = options.module_size_metric, options.max_module_lines
        size = measure(source, metric)
        if size is None or size <= limit:
            return []
        plan = split_plan(tree) if tree is not None else None
        data = {"size": size, "metric": metric, "limit": limit}
        if plan is not None:
            data["split_plan"] = plan.as_data()
        summary = plan.summary() if plan is not None else "no split plan (Python rejects the file)"
        # A file-level diagnostic: at 1:1, as in ruff (suppressed on line 1).
        slots = {"size": size, "metric": metric, "limit": limit, "plan": summary}
        return [cls.report_at((1, 0), (1, 0), data=data, **slots)]
