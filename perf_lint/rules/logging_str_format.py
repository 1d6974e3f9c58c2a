"""PRF302 logging-str-format."""

from __future__ import annotations

import string
from typing import Dict, List, Optional

import libcst as cst

from perf_lint.rule import Fix, Invalid, Valid
from perf_lint.rules._format_spec import proven, translate
from perf_lint.rules._logging import (
    Lazy,
    LoggingCall,
    LoggingRule,
    first_string,
    prefilter,
    string_literal,
    string_value,
)


def is_format_call(node: cst.BaseExpression) -> bool:
    """``<str literal>.format(...)``."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "format"
        and string_value(node.func.value) is not None
    )


def is_pure(node: cst.BaseExpression) -> bool:
    """Evaluating ``node`` has no effect and its value cannot change between
    two evaluations in one expression: a name or a literal constant."""
    return isinstance(
        node, (cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)
    ) or (isinstance(node, cst.ConcatenatedString) and string_value(node) is not None)


def format_to_lazy(rule: LoggingRule, node: cst.Call) -> Optional[Lazy]:
    """The lazy form of ``"...".format(...)``, or ``None``."""
    assert isinstance(node.func, cst.Attribute)
    template = string_value(node.func.value)
    assert template is not None
    positional: List[cst.BaseExpression] = []
    keywords: Dict[str, cst.BaseExpression] = {}
    order: List[cst.BaseExpression] = []
    for arg in node.args:
        if arg.star:
            return None
        if arg.keyword is None:
            positional.append(arg.value)
        else:
            keywords[arg.keyword.value] = arg.value
        order.append(arg.value)
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return None
    out: List[str] = []
    used: List[cst.BaseExpression] = []
    safe = True
    automatic: Optional[bool] = None
    next_index = 0
    for literal, name, spec, conversion in fields:
        out.append(literal.replace("%", "%%"))
        if name is None:
            continue
        if "{" in (spec or ""):
            return None
        value: Optional[cst.BaseExpression]
        if name == "":
            if automatic is False:
                return None
            automatic = True
            value = positional[next_index] if next_index < len(positional) else None
            next_index += 1
        elif name.isdigit():
            if automatic is True:
                return None
            automatic = False
            index = int(name)
            value = positional[index] if index < len(positional) else None
        elif name.isidentifier():
            value = keywords.get(name)
        else:
            return None  # attribute or index lookups
        if value is None:
            return None
        translation = translate(spec or "", conversion)
        if translation is None:
            return None
        types = None if translation.types is None else rule.infer(value)
        if not proven(translation, types):
            safe = False
        out.append(translation.percent)
        used.append(value)
    if not used:
        return None
    if not _same_evaluation(order, used):
        safe = False
    message = string_literal("".join(out), first_string(node.func.value))
    return Lazy(message, used, safe)


def _same_evaluation(order: List[cst.BaseExpression], used: List[cst.BaseExpression]) -> bool:
    """Whether passing ``used`` evaluates the same expressions, with the
    same effects, as the original arguments ``order``."""
    if [id(node) for node in order] == [id(node) for node in used]:
        return True
    return all(is_pure(node) for node in order)


class LoggingStrFormat(LoggingRule):
    """## What it does
    Checks for logging calls whose message is built with `str.format`.

    ## Why is this bad?
    `"...".format(...)` runs before the call, even when the level is
    disabled and the record is dropped. With `"... %s ...", arg` the logging
    module formats the message only when a handler emits it.

    Unlike PRF301, this rule also reports calls under an `isEnabledFor`
    guard, as the specification asks: the lazy form is the logging module's
    convention, and records keep their unformatted message for grouping.

    ## Example
    ```python
    logger.info("user {} logged in from {!r}".format(user, address))
    ```

    Use instead:
    ```python
    logger.info("user %s logged in from %r", user, address)
    ```

    ## Fix safety
    Fields may be automatically numbered, numbered or named; each becomes a
    `%` conversion under the same rules as PRF301 (`!r`, `!s`, `!a` always;
    a bare field or a spec only when the value's type is proven), and `%` in
    the text becomes `%%`. The message is written again from its value, in
    the original quotes where they can spell it. Fields with attribute or
    index lookups (`{0.name}`, `{d[key]}`), nested specs, starred arguments
    or fields without an argument get no fix. When fields use arguments in
    another order than they are written, twice, or not at all, the fix is
    safe only if every argument is a name or a literal; otherwise the
    evaluation of the arguments would change, and the fix is unsafe.
    """

    CODE = "PRF302"
    NAME = "logging-str-format"
    SUMMARY = '`"{}".format(x)` as a logging message → `"%s", x`, safe where proven'
    MESSAGE = "Logging message uses `str.format`; pass the values as arguments"
    FIX_MESSAGE = "Convert to %-style lazy arguments"
    FIX = Fix.SAFE_WHEN_PROVEN
    PATTERN = prefilter(r"format(?<!\wformat)(?!\w)")
    VALID = (
        Valid('logger.info("%s", x)\n'),
        Valid("logger.info(template.format(x))\n"),
        Valid('printer.info("{}".format(x))\n'),
    )
    INVALID = (
        Invalid(
            'logger.info("{!r} is {}%".format(x, y))\n',
            unsafe_fixed='logger.info("%r is %s%%", x, y)\n',
        ),
        Invalid(
            'logger.info("{0!r} and {0!r}".format(x))\n',
            fixed='logger.info("%r and %r", x, x)\n',
        ),
    )

    def check(self, found: LoggingCall) -> None:
        arg = found.message_arg
        if arg is None or not is_format_call(arg.value):
            return
        call = arg.value
        assert isinstance(call, cst.Call)
        lazy = format_to_lazy(self, call) if found.can_add_arguments() else None
        self.report_lazy(call, lazy)
