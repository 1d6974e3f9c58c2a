"""PRF304 logging-concat."""

from __future__ import annotations

from typing import List, Optional

import libcst as cst

from perf_lint.rule import Fix, Invalid, Valid
from perf_lint.rules._logging import (
    Lazy,
    LoggingCall,
    LoggingRule,
    first_string,
    prefilter,
    string_literal,
    string_value,
)


def _operands(node: cst.BaseExpression) -> List[cst.BaseExpression]:
    """The operands of a left-nested chain of unparenthesised ``+``."""
    if (
        isinstance(node, cst.BinaryOperation)
        and isinstance(node.operator, cst.Add)
        and not node.lpar
    ):
        return [*_operands(node.left), node.right]
    return [node]


def _is_text(node: cst.BaseExpression) -> bool:
    return string_value(node) is not None or isinstance(node, cst.FormattedString)


def is_concatenation(node: cst.BaseExpression) -> bool:
    """A ``+`` (as ruff's G003, whatever its operands), unless every operand
    is a ``str`` literal: the compiler folds those, nothing runs at call
    time."""
    if not (isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)):
        return False
    operands = _operands(node.with_changes(lpar=[], rpar=[]))
    return not all(string_value(operand) is not None for operand in operands)


def concat_to_lazy(rule: LoggingRule, node: cst.BinaryOperation) -> Optional[Lazy]:
    operands = _operands(node.with_changes(lpar=[], rpar=[]))
    if not any(_is_text(operand) for operand in operands[:2]):
        # Without a string among the first two operands, the first ``+``
        # may add numbers: no fix.
        return None
    out: List[str] = []
    arguments: List[cst.BaseExpression] = []
    like = None
    for operand in operands:
        if isinstance(operand, cst.FormattedString):
            return None
        value = string_value(operand)
        if value is not None:
            out.append(value.replace("%", "%%"))
            like = like or first_string(operand)
            continue
        out.append("%s")
        arguments.append(_unwrap_str(rule, operand))
    if not arguments:
        return None
    return Lazy(string_literal("".join(out), like), arguments, False)


def _unwrap_str(rule: LoggingRule, node: cst.BaseExpression) -> cst.BaseExpression:
    """``x`` for ``str(x)`` (``%s`` calls ``str`` itself)."""
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "str"
        and len(node.args) == 1
        and node.args[0].keyword is None
        and not node.args[0].star
        and rule.context.facts.is_builtin("str")
    ):
        return node.args[0].value
    return node


class LoggingConcat(LoggingRule):
    """## What it does
    Checks for logging calls whose message is built with `+` (string
    concatenation), unless every operand is a string literal, which the
    compiler joins once.

    ## Why is this bad?
    The concatenation (and any `str()` inside it) runs before the call, even
    when the level is disabled and the record is dropped. Passing the values
    as arguments lets the logging module format the message only when a
    handler emits it.

    ## Example
    ```python
    logger.info("connected to " + host + ":" + str(port))
    ```

    Use instead:
    ```python
    logger.info("connected to %s:%s", host, port)
    ```

    ## Fix safety
    The fix is always **unsafe**: `"a" + x` raises `TypeError` unless `x` is
    a string, and a `str` subclass may print differently through `%s`, so
    the message only matches for plain strings. Each literal operand becomes
    text (`%` doubled), each other operand a `%s` with the operand as the
    argument (`str(x)` passes `x`, since `%s` calls `str`), for any
    logging method, `log(level, ...)` included. Concatenations with an
    f-string operand, whose comments cannot be kept, or in which neither of
    the first two operands is a string literal (the first `+` could add
    numbers) get no fix; neither does a message passed by keyword or
    followed by other positional or starred arguments, as in
    `log(level, "[chan " + name + "] " + msg, *args)`: the joined text is
    then itself the template those arguments are formatted into, and no
    `%s` rewrite of its parts keeps that.
    """

    CODE = "PRF304"
    NAME = "logging-concat"
    SUMMARY = (
        '`"a " + x` as a logging message → `"a %s", x`, unsafe (none when arguments '
        "follow the message)"
    )
    MESSAGE = "Logging message is built with `+`; pass the values as arguments"
    FIX_MESSAGE = "Convert to %-style lazy arguments"
    FIX = Fix.UNSAFE
    PATTERN = prefilter(r"\+")
    VALID = (
        Valid('logger.info("%s", x)\n'),
        Valid('logger.info("a" + "b")\n'),
        Valid('printer.info("a" + x)\n'),
    )
    INVALID = (
        Invalid(
            'logger.info("a " + x + " b " + str(y))\n',
            unsafe_fixed='logger.info("a %s b %s", x, y)\n',
        ),
    )

    def check(self, found: LoggingCall) -> None:
        arg = found.message_arg
        if arg is None or not is_concatenation(arg.value):
            return
        node = arg.value
        assert isinstance(node, cst.BinaryOperation)
        lazy = concat_to_lazy(self, node) if found.can_add_arguments() else None
        self.report_lazy(node, lazy, safe=False)
