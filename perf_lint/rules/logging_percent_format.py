"""PRF303 logging-percent-format."""

from __future__ import annotations

from typing import List, Optional

import libcst as cst

from perf_lint.rule import Fix, Invalid, Valid
from perf_lint.rules._logging import Lazy, LoggingCall, LoggingRule, prefilter

#: Types a single right operand may have for ``msg % x`` to format exactly
#: like ``msg % (x,)``: anything but a tuple or a mapping.
_SCALARS = frozenset({"str", "int", "float", "complex", "bool", "None", "bytes", "frozenset"})


def is_percent_format(rule: LoggingRule, node: cst.BaseExpression) -> bool:
    """``<str literal> % args``, or ``msg % args`` where ``msg`` is a name
    proven to hold a ``str`` (a constant string bound in the function or
    module, an annotated ``str``...)."""
    if not (isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo)):
        return False
    left = node.left
    if isinstance(left, cst.Name):
        return rule.infer(left) == frozenset({"str"})
    return _is_str_literal(left)


def _is_str_literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.ConcatenatedString):
        return _is_str_literal(node.left) and _is_str_literal(node.right)
    if isinstance(node, cst.SimpleString):
        return "b" not in node.prefix.lower()
    return isinstance(node, cst.FormattedString)


def _is_mapping_display(node: cst.BaseExpression) -> bool:
    """A dict display with at least one ``key: value`` (never empty)."""
    return isinstance(node, cst.Dict) and any(
        isinstance(element, cst.DictElement) for element in node.elements
    )


def percent_to_lazy(rule: LoggingRule, node: cst.BinaryOperation) -> Optional[Lazy]:
    right = node.right
    message = node.left
    if isinstance(right, cst.Tuple):
        if not right.elements or any(
            not isinstance(element, cst.Element) for element in right.elements
        ):
            return None
        arguments: List[cst.BaseExpression] = [element.value for element in right.elements]
        return Lazy(message, arguments, True)
    types = rule.infer(right)
    safe = (types is not None and types <= _SCALARS) or _is_mapping_display(right)
    return Lazy(message, [right], safe)


class LoggingPercentFormat(LoggingRule):
    """## What it does
    Checks for logging calls whose message is formatted with the `%`
    operator.

    ## Why is this bad?
    `"..." % args` runs before the call, even when the level is disabled and
    the record is dropped. Passing the arguments to the logging call lets it
    format the message only when a handler emits it.

    Like PRF302, and unlike PRF301, this rule also reports calls under an
    `isEnabledFor` guard.

    The message may also be a name proven to hold a `str`: a constant
    string bound in the function or the module (`msg = "%s items"`), or a
    name annotated `str`. Other names (parameters, attributes) are not
    reported, since `%` may be arithmetic.

    ## Example
    ```python
    logger.info("%s items in %.1fs" % (count, elapsed))
    ```

    Use instead:
    ```python
    logger.info("%s items in %.1fs", count, elapsed)
    ```

    ## Fix safety
    The message stays as it is and the right operand's items become the
    call's arguments, so the logging module applies the same `%` to the same
    values. This is **safe** when the right operand is a non-empty tuple
    display without starred items; when it is a dict display with at least
    one item (`LogRecord` uses a single non-empty mapping argument as the
    mapping, as `%` did); and when it is a single value proven not to be a
    tuple or a mapping (a literal, an annotated name, a builtin call), for
    which `msg % x` equals `msg % (x,)`. Any other single value gets an
    unsafe fix: a tuple would be formatted differently. An empty tuple gets
    no fix, since a call without arguments is not formatted at all (`%%`
    would stay doubled). A named message keeps its name. As with PRF301, an
    error in formatting is reported by the handler instead of raised by the
    call. No fix is offered when the message is passed by keyword or other
    positional or starred arguments follow it (the formatted text is then
    itself a template for them).
    """

    CODE = "PRF303"
    NAME = "logging-percent-format"
    SUMMARY = '`"%s" % x` as a logging message → `"%s", x`, safe where proven'
    MESSAGE = "Logging message is formatted with `%`; pass the values as arguments"
    FIX_MESSAGE = "Pass the values as lazy arguments"
    FIX = Fix.SAFE_WHEN_PROVEN
    PATTERN = prefilter("%")
    VALID = (
        Valid('logger.info("%s", x)\n'),
        Valid("logger.info(n % 2)\n"),
        Valid("def f(msg):\n    logger.info(msg % 2)\n"),
        Valid('printer.info("%s" % x)\n'),
    )
    INVALID = (
        Invalid('logger.info("%s %r" % (a, b))\n', fixed='logger.info("%s %r", a, b)\n'),
        Invalid('logger.info("%s" % x)\n', unsafe_fixed='logger.info("%s", x)\n'),
        Invalid('logger.info("%d%%" % len(x))\n', fixed='logger.info("%d%%", len(x))\n'),
        Invalid(
            'MSG = "%s done"\nlogger.info(MSG % len(x))\n',
            fixed='MSG = "%s done"\nlogger.info(MSG, len(x))\n',
        ),
    )

    def check(self, found: LoggingCall) -> None:
        arg = found.message_arg
        if arg is None or not is_percent_format(self, arg.value):
            return
        node = arg.value
        assert isinstance(node, cst.BinaryOperation)
        lazy = percent_to_lazy(self, node) if found.can_add_arguments() else None
        self.report_lazy(node, lazy)
