"""PRF301 logging-fstring."""

from __future__ import annotations

import ast
import warnings
from typing import List, Optional

import libcst as cst

from perf_lint.rule import Fix, Invalid, Valid
from perf_lint.rules._format_spec import contradicted, proven, translate
from perf_lint.rules._logging import (
    Lazy,
    LoggingCall,
    LoggingRule,
    literal_eval,
    prefilter,
)


def has_placeholder(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.ConcatenatedString):
        return has_placeholder(node.left) or has_placeholder(node.right)
    return isinstance(node, cst.FormattedString) and any(
        isinstance(part, cst.FormattedStringExpression) for part in node.parts
    )


def is_fstring_message(node: cst.BaseExpression) -> bool:
    """An f-string (or a concatenation with one) with a placeholder."""
    if isinstance(node, cst.ConcatenatedString):
        return _all_str(node) and has_placeholder(node)
    return isinstance(node, cst.FormattedString) and has_placeholder(node)


def _all_str(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.ConcatenatedString):
        return _all_str(node.left) and _all_str(node.right)
    if isinstance(node, cst.SimpleString):
        return "b" not in node.prefix.lower()
    return isinstance(node, cst.FormattedString)


class _Converter:
    def __init__(self, rule: LoggingRule) -> None:
        self.rule = rule
        self.code = rule.context.module.code_for_node
        self.percents: List[str] = []
        self.arguments: List[cst.BaseExpression] = []
        self.safe = True

    def convert(self, node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        if isinstance(node, cst.ConcatenatedString):
            left, right = self.convert(node.left), self.convert(node.right)
            if left is None or right is None:
                return None
            return node.with_changes(left=left, right=right)
        if isinstance(node, cst.SimpleString):
            body = node.value[len(node.prefix) + len(node.quote) : -len(node.quote)]
            return node.with_changes(
                value=node.prefix + node.quote + body.replace("%", "%%") + node.quote
            )
        if isinstance(node, cst.FormattedString):
            return self._fstring(node)
        return None  # pragma: no cover - callers pass string literals only

    def _fstring(self, node: cst.FormattedString) -> Optional[cst.SimpleString]:
        quote = node.end
        prefix = node.start[: -len(quote)].replace("f", "").replace("F", "")
        body: List[str] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                text = part.value.replace("%", "%%").replace("{{", "{").replace("}}", "}")
                body.append(text)
                continue
            assert isinstance(part, cst.FormattedStringExpression)
            spec_parts = part.format_spec or []
            if any(isinstance(p, cst.FormattedStringExpression) for p in spec_parts):
                return None
            spec = "".join(p.value for p in spec_parts)  # type: ignore[union-attr]
            conversion = part.conversion
            if part.equal is not None:
                debug = (
                    self.code(part.whitespace_before_expression)
                    + self.code(part.expression)
                    + self.code(part.whitespace_after_expression)
                    + self.code(part.equal.whitespace_before)
                    + "="
                    + self.code(part.equal.whitespace_after)
                )
                body.append(debug.replace("%", "%%"))
                if conversion is None and not spec:
                    conversion = "r"
            translation = translate(spec, conversion)
            if translation is None:
                return None
            types = None if translation.types is None else self.rule.infer(part.expression)
            if contradicted(translation, types):
                return None
            if not proven(translation, types):
                self.safe = False
            body.append(translation.percent)
            self.percents.append(translation.percent)
            self.arguments.append(part.expression)
        return cst.SimpleString(
            prefix + quote + "".join(body) + quote, lpar=node.lpar, rpar=node.rpar
        )


def _expected_template(code: str, percents: List[str]) -> Optional[str]:
    """The message the original f-string stands for, with each placeholder
    replaced by its ``%`` conversion (from Python's own parse)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse("(" + code + "\n)", mode="eval").body
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None
    if not isinstance(tree, ast.JoinedStr):
        return None
    out: List[str] = []
    index = 0
    for value in tree.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            out.append(value.value.replace("%", "%%"))
        elif isinstance(value, ast.FormattedValue) and index < len(percents):
            out.append(percents[index])
            index += 1
        else:
            return None
    return "".join(out) if index == len(percents) else None


def fstring_to_lazy(rule: LoggingRule, node: cst.BaseExpression) -> Optional[Lazy]:
    """The lazy form of the f-string message ``node``, checked against
    Python's reading of the original; ``None`` when there is none."""
    converter = _Converter(rule)
    message = converter.convert(node)
    if message is None or not converter.arguments:
        return None
    expected = _expected_template(rule.context.module.code_for_node(node), converter.percents)
    if expected is None or literal_eval(rule.context.module.code_for_node(message)) != expected:
        return None
    return Lazy(message, converter.arguments, converter.safe)


class LoggingFstring(LoggingRule):
    """## What it does
    Checks for logging calls whose message is an f-string, outside an
    `if <logger>.isEnabledFor(...)` guard (also after
    `if not <logger>.isEnabledFor(...): return` in the same block, and under
    a cached guard: a name or `self`/`cls` attribute that the file binds
    from `isEnabledFor(...)`, as in `if self._does_debug:`).

    A logging call, for all the PRF30x rules, is a call of `debug`, `info`,
    `warning`, `warn`, `error`, `exception`, `critical`, `fatal` or `log`
    (whose message is its second argument) on a logger: the `logging`
    module (under any alias, or those functions imported from it); a name,
    or a `self.x`/`cls.x` attribute, bound anywhere in the file from
    `logging.getLogger(...)` or an imported `getLogger(...)`; a
    `logging.getLogger(...)` call itself; or a receiver whose name (the last
    attribute of `self.logger`) matches a glob of the `logger-names` option
    (default `log`, `logger`, `_log`, `_logger`, `LOG`, `LOGGER`,
    `_LOGGER`, `*_logger`, `*_log`). Any other object with a `.debug()`
    method is not a logger.

    ## Why is this bad?
    An f-string is formatted before the call, even when the level is
    disabled and the record is dropped. With `"... %s ...", arg` the logging
    module formats the message only when a handler emits it. Handlers and
    error trackers can also group records by their unformatted message.

    ## Example
    ```python
    logger.debug(f"loaded {name!r} in {elapsed:.2f}s")
    ```

    Use instead:
    ```python
    logger.debug("loaded %r in %.2fs", name, elapsed)
    ```

    ## Fix safety
    The fix keeps every other argument and keyword (`exc_info`, `extra`,
    `stacklevel`...) and every comment, turns literal `%` into `%%`, `{{`
    and `}}` into braces, and `{x=}` into `x=%r` with the debug text exactly
    as Python renders it. It is offered only when the message has an
    argument and no other positional argument follows the message, and only
    after checking that the new message, read by Python, is the original
    text with each placeholder replaced by its `%` conversion.

    It is **safe** when, whenever the original call formats its message
    without raising, `record.getMessage()` returns the same text:

    * `{x!r}`, `{x!s}`, `{x!a}` become `%r`, `%s`, `%a`, which call the same
      `repr`/`str`/`ascii`, for any value;
    * `{x}` becomes `%s`, but `format(x, "")` calls `type(x).__format__`,
      which a class may define differently from `__str__` (mixed-in `Enum`
      members did before Python 3.11), so this is safe only when the type of
      `x` is proven from literals, annotations or builtin calls;
    * a format spec is translated only when `%`-formatting reproduces it:
      widths, `<`/`>` alignment and precision for strings; sign, `#`, zero
      padding and width for `d`, `x`, `X`, `o` (`int`, `bool`); and the same
      plus precision for `e`, `f`, `g` and their capitals (`int`, `float`,
      `bool`), each proven by a property test. It is safe when the value's
      type is proven to be one of those types (annotations are taken to mean
      the builtin type, not a subclass that overrides `__format__`). Fill
      characters, `^`/`=` alignment, grouping, `%`, `n`, `c`, nested
      `{...}` specs and widths on numbers without a type get no fix; nor
      does any spec on a value whose type is proven and rendered otherwise
      by the `%` conversion (`{n:5}` with `n: int` right-aligns, `%-5s`
      would not). Every row is tested on real values of each builtin type.

    A single argument that is a non-empty mapping is used by `LogRecord` as
    the mapping for `%`-formatting; since every generated conversion is
    positional, `"%s" % mapping` prints the mapping just as the f-string
    did. Anything unproven gets an unsafe fix. Lazy formatting runs when a
    handler emits the record: an exception from `__str__` or `__format__`
    is then reported by the handler (`Handler.handleError`) instead of
    propagating from the call, and when the level is disabled nothing is
    formatted at all, which is the purpose of the rule.
    """

    CODE = "PRF301"
    NAME = "logging-fstring"
    SUMMARY = '`logger.info(f"{x!r}")` → `logger.info("%r", x)`, safe where proven'
    MESSAGE = "Logging message is an f-string; pass the values as arguments"
    FIX_MESSAGE = "Convert to %-style lazy arguments"
    FIX = Fix.SAFE_WHEN_PROVEN
    # An f-string prefix (``f``, ``rf``, ``fr`` in any case; ``ff`` and ``rr``
    # pass too), found from its quote, a literal ``re`` looks for quickly.
    PATTERN = prefilter(
        r"""['"](?:(?<=[fF]['"])(?<!\w[fF]['"])|(?<=[fFrR][fFrR]['"])(?<!\w[fFrR][fFrR]['"]))"""
    )
    VALID = (
        Valid('logger.info("%s", x)\n'),
        Valid('import logging\nif logger.isEnabledFor(logging.DEBUG):\n    logger.debug(f"{x}")\n'),
        Valid('printer.info(f"{x}")\n'),
        Valid('logger.info(f"no placeholder")\n'),
    )
    INVALID = (
        Invalid('logger.info(f"{x!r} done")\n', fixed='logger.info("%r done", x)\n'),
        Invalid(
            'logger.info(f"{x} 100%", exc_info=True)\n',
            unsafe_fixed='logger.info("%s 100%%", x, exc_info=True)\n',
        ),
        Invalid(
            'def f(n: int):\n    logger.warning(f"{n:05d} {n=}")\n',
            fixed='def f(n: int):\n    logger.warning("%05d n=%r", n, n)\n',
        ),
    )

    def check(self, found: LoggingCall) -> None:
        arg = found.message_arg
        if arg is None or self.guards.active or not is_fstring_message(arg.value):
            return
        lazy = fstring_to_lazy(self, arg.value) if found.can_add_arguments() else None
        self.report_lazy(arg.value, lazy)
