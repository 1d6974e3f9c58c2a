"""PRF302 logging-str-format."""

from __future__ import annotations

import string
from typing import Dict, List, Optional, Tuple

import libcst as cst

from perf_lint.rule import Fix, Invalid, Valid
from perf_lint.rules._format_spec import contradicted, proven, translate
from perf_lint.rules._logging import (
    Lazy,
    LoggingCall,
    LoggingRule,
    comments,
    first_string,
    prefilter,
    string_literal,
    string_value,
)


def is_format_call(node: cst.BaseExpression) -> bool:
    """``<str literal>.format(...)`` or ``<name>.format(...)``."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "format"
        and (string_value(node.func.value) is not None or isinstance(node.func.value, cst.Name))
    )


def is_pure(node: cst.BaseExpression) -> bool:
    """Evaluating ``node`` has no effect and its value cannot change between
    two evaluations in one expression: a name or a literal constant."""
    return isinstance(
        node, (cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)
    ) or (isinstance(node, cst.ConcatenatedString) and string_value(node) is not None)


def format_to_lazy(
    rule: LoggingRule, node: cst.Call, bound: Optional[cst.BaseExpression] = None
) -> Optional[Lazy]:
    """The lazy form of ``"...".format(...)``, or ``None``; ``bound`` is
    the template's literal when the receiver is a name bound to it."""
    assert isinstance(node.func, cst.Attribute)
    source = node.func.value if bound is None else bound
    template = string_value(source)
    if template is None:
        return None
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
        if contradicted(translation, types):
            return None
        if not proven(translation, types):
            safe = False
        out.append(translation.percent)
        used.append(value)
    if not used:
        return None
    if not _same_evaluation(order, used):
        safe = False
    message = string_literal("".join(out), first_string(source))
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
    No fix is offered when the message is passed by keyword or other
    positional or starred arguments follow it (the formatted text is then
    itself a template for them).

    A template held by a name (`msg.format(a, b)`) is reported too. It is
    fixed only where its text is proven and nothing else can need the name:
    a local variable bound once, by `msg = "..."` alone on its line and
    without comments, in a block around the call and before it, and used
    nowhere else; the fix writes the converted text into the call and
    deletes that assignment. A module-level constant, a parameter or an
    attribute is reported without a fix.
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
        Valid('printer.info("{}".format(x))\n'),
        Valid("logger.info(self.template.format(x))\n"),
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
        Invalid("logger.info(template.format(x))\n"),
        Invalid(
            'def f(x):\n    msg = "got {!r}"\n    logger.info(msg.format(x))\n',
            fixed='def f(x):\n    logger.info("got %r", x)\n',
        ),
    )

    def check(self, found: LoggingCall) -> None:
        arg = found.message_arg
        if arg is None or not is_format_call(arg.value):
            return
        call = arg.value
        assert isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
        receiver = call.func.value
        if not found.can_add_arguments():
            self.report(call)
        elif isinstance(receiver, cst.Name):
            local = self._local_template(receiver)
            if local is None:
                self.report(call)
                return
            literal, statement = local
            self.report_lazy(call, format_to_lazy(self, call, literal), removals=(statement,))
        else:
            self.report_lazy(call, format_to_lazy(self, call))

    def _local_template(
        self, name: cst.Name
    ) -> Optional[Tuple[cst.BaseExpression, cst.SimpleStatementLine]]:
        """The literal a local variable holds and the statement that binds
        it, when the fix can write the literal in its place and delete that
        statement: the name is bound once in its function, by ``name = "..."``
        alone on a line without comments, in a block around the call and
        before it, and used nowhere else (no nested scope, no ``locals()``)."""
        found = self.types.binding_values(name.value)
        if found is None:
            return None
        scope, values = found
        if not isinstance(scope, cst.FunctionDef) or len(values) != 1:
            return None
        if string_value(values[0]) is None:
            return None
        names = self.context.scopes.names(scope)
        uses = names.uses.get(name.value, [])
        if names.introspective or name.value in names.declared or len(uses) != 2:
            return None
        store = next((use for use in uses if use.role == "store"), None)
        if store is None or not any(use.node is name and use.role == "load" for use in uses):
            return None
        target = names.parents.get(store.node)
        assign = names.parents.get(target) if target is not None else None
        line = names.parents.get(assign) if assign is not None else None
        if not (
            isinstance(target, cst.AssignTarget)
            and isinstance(assign, cst.Assign)
            and len(assign.targets) == 1
            and isinstance(line, cst.SimpleStatementLine)
            and len(line.body) == 1
        ):
            return None
        if comments(line):
            return None
        block = names.parents.get(line)
        for child, parent in names.ancestors(name):
            if parent is block:
                body = list(getattr(block, "body", ()))
                here = next(i for i, statement in enumerate(body) if statement is child)
                before = next((i for i, s in enumerate(body) if s is line), None)
                if before is not None and before < here:
                    return values[0], line
                return None
        return None
