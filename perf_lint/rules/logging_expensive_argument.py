"""PRF305 logging-expensive-argument."""

from __future__ import annotations

import dataclasses
from typing import Optional

import libcst as cst

from perf_lint import traversal
from perf_lint.rule import Fix, Invalid, Valid
from perf_lint.rules._logging import (
    DEFAULT_LOGGER_NAMES,
    LEVELS,
    LoggingCall,
    LoggingRule,
    prefilter,
)

#: Builtins that cost little whatever their argument (``str`` and ``repr``
#: call a method, but that is what ``%s``/``%r`` would do anyway).
CHEAP_BUILTINS = frozenset(
    {
        "abs",
        "ascii",
        "bool",
        "callable",
        "chr",
        "float",
        "getattr",
        "hasattr",
        "hash",
        "id",
        "int",
        "isinstance",
        "issubclass",
        "len",
        "ord",
        "repr",
        "str",
        "type",
    }
)
#: Keywords of a logging call that are not formatted into the message.
_RECORD_KEYWORDS = frozenset({"exc_info", "stack_info", "stacklevel"})


@dataclasses.dataclass(frozen=True)
class ExpensiveArgumentOptions:
    logger_names: tuple = dataclasses.field(
        default=DEFAULT_LOGGER_NAMES,
        metadata={"help": "glob patterns of names taken to be loggers"},
    )
    expensive_argument_level: str = dataclasses.field(
        default="debug",
        metadata={
            "help": "report calls at this level and below",
            "choices": ("debug", "info", "warning", "error", "critical"),
        },
    )


class _Calls(cst.CSTVisitor):
    """Finds a call that runs when the expression is evaluated (not inside a
    lambda) and is not one of the cheap builtins."""

    def __init__(self, rule: LoggingExpensiveArgument) -> None:
        super().__init__()
        self.rule = rule
        self.found: Optional[cst.Call] = None

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        func = node.func
        cheap = (
            isinstance(func, cst.Name)
            and func.value in CHEAP_BUILTINS
            and self.rule.context.facts.is_builtin(func.value)
        )
        if not cheap and self.found is None:
            self.found = node
        return self.found is None


class LoggingExpensiveArgument(LoggingRule):
    """## What it does
    Checks for logging calls (as PRF301 defines them) at the level set by
    `expensive-argument-level` or below (default `debug`: only `debug`
    calls; `info` adds `info` calls, and so on) whose arguments call a
    function, outside an
    `if <logger>.isEnabledFor(...)` guard (or a cached one: `if
    self._does_debug:` where the file binds that name or `self`/`cls`
    attribute from `isEnabledFor(...)`). The message itself counts
    (`logger.debug(state.dump())`), unless it is an f-string, a `%` or `+`
    operation or a `.format(...)` call: PRF301-PRF304 report those. One
    call gets one diagnostic, at its first costly argument. Calls of cheap builtins (`len`,
    `str`, `repr`, `id`, `type`, `getattr`, `isinstance`, ...) are allowed,
    as are calls inside a `lambda`; `exc_info`, `stack_info` and `stacklevel`
    are not looked at. `log(level, ...)` is checked when its level is a
    known constant (`logging.DEBUG`, `DEBUG` imported from `logging`, an
    integer).

    ## Why is this bad?
    Arguments are evaluated before the call, even when the level is disabled
    and the record is dropped: lazy `%s` formatting saves the formatting but
    not the work of computing the values. Debug logging is usually disabled
    in production, where that work is wasted on every call.

    ## Example
    ```python
    logger.debug("state: %s", compute_state_dump())
    ```

    Use instead:
    ```python
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("state: %s", compute_state_dump())
    ```

    ## Fix safety
    There is no fix: adding the guard changes whether the call runs, which
    is only right when it has no effect other than the value it returns.
    """

    CODE = "PRF305"
    NAME = "logging-expensive-argument"
    SUMMARY = (
        "a call in the arguments of a `debug` logging call; none (guard it with `isEnabledFor`)"
    )
    MESSAGE = (
        "Argument of a `{method}` logging call is computed even when the level is "
        "disabled; guard the call with `isEnabledFor`"
    )
    FIX = Fix.NONE
    OPTIONS = ExpensiveArgumentOptions
    PATTERN = prefilter()
    VALID = (
        Valid('logger.debug("%s", len(x))\n'),
        Valid('logger.info("%s", compute())\n'),
        Valid(
            "import logging\n"
            "if logger.isEnabledFor(logging.DEBUG):\n"
            '    logger.debug("%s", compute())\n'
        ),
    )
    INVALID = (
        Invalid('logger.debug("%s", compute())\n'),
        Invalid('import logging\nlogging.log(logging.DEBUG, "%s", x.dump())\n'),
    )

    def check(self, found: LoggingCall) -> None:
        threshold = LEVELS[self.options.expensive_argument_level.upper()]
        if found.level is None or found.level > threshold or self.guards.active:
            return
        skip = {0 if found.method == "log" else None}
        for index, arg in enumerate(found.call.args):
            if index in skip:
                continue
            if index == found.message and _formatted(arg.value):
                continue  # PRF301-PRF304's: the message is built by formatting
            if arg.keyword is not None and arg.keyword.value in _RECORD_KEYWORDS:
                continue
            if arg.keyword is not None and arg.keyword.value == "level":
                continue
            calls = _Calls(self)
            traversal.visit(arg.value, calls)
            if calls.found is not None:
                # One diagnostic per call, at its first costly argument.
                self.report(arg.value, method=found.method)
                return


def _formatted(node: cst.BaseExpression) -> bool:
    """A message that PRF301-PRF304 look at: an f-string, a ``%`` or ``+``
    operation, a ``.format(...)`` call."""
    if isinstance(node, cst.FormattedString):
        return True
    if isinstance(node, cst.ConcatenatedString):  # `"a " f"{b}"`
        return _formatted(node.left) or _formatted(node.right)
    if isinstance(node, cst.BinaryOperation):
        return isinstance(node.operator, (cst.Modulo, cst.Add))
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "format"
    )
