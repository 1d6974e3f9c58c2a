"""What the logging rules (PRF301-PRF305) share: which calls are logging
calls, which of them run under an ``isEnabledFor`` guard, and how a lazy
``"... %s ...", arg, ...`` replacement is put together.

A logger is the ``logging`` module (under any alias), a name or a
``self.x``/``cls.x`` attribute bound anywhere in the file from
``logging.getLogger(...)`` or ``getLogger(...)`` (imported from
``logging``), a ``logging.getLogger(...)`` call itself, or a name (or the
last attribute of a dotted receiver, as in ``self.logger``) matching one of
the ``logger-names`` glob patterns. Bindings are collected for the whole
file, not per scope: a name bound from ``getLogger`` in one function is
taken to be a logger in the others too."""

from __future__ import annotations

import ast
import dataclasses
import fnmatch
import re
import warnings
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple, Union

import libcst as cst

from perf_lint import frames, traversal
from perf_lint.context import FileContext
from perf_lint.facts import LOGGING_LEVELS, LOGGING_METHODS, Loggers
from perf_lint.rule import Rule
from perf_lint.rules._types import TypeInference
from perf_lint.scopes import dotted

#: Each logging method (and function of ``logging``) with its level.
METHODS: Dict[str, int] = LOGGING_METHODS
LEVELS: Dict[str, int] = LOGGING_LEVELS
DEFAULT_LOGGER_NAMES = (
    "log",
    "logger",
    "_log",
    "_logger",
    "LOG",
    "LOGGER",
    "_LOGGER",
    "*_logger",
    "*_log",
)

# Blanks, line continuations and comments: each repetition matches in one
# way only (a comment runs to its newline), so searches stay linear.
_GAP = r"(?:[\s\\]|#[^\n]*\n)*"
_METHOD = "(?:" + "|".join(METHODS) + ")"
# Every logging call a rule reports names a method before an opening
# parenthesis, and is either a method call (the name follows a dot) or a
# call of a function imported from ``logging``, whose name then occurs in
# the file. Each alternative starts with its literal (the lookbehind comes
# after it), which ``re`` finds far faster than a leading lookbehind.
CALL_PATTERNS = (
    "|".join(rf"{name}(?<!\w{name}){_GAP}\(" for name in METHODS),
    rf"logging|\.{_GAP}{_METHOD}{_GAP}\(",
)


def prefilter(*also: str) -> Tuple[str, ...]:
    """A sound pre-filter: a logging call, and each of ``also`` somewhere
    (the shared patterns are searched once per file for all the rules)."""
    return (*CALL_PATTERNS, *also)


@dataclasses.dataclass(frozen=True)
class LoggingOptions:
    """Options every logging rule reads."""

    logger_names: Tuple[str, ...] = dataclasses.field(
        default=DEFAULT_LOGGER_NAMES,
        metadata={"help": "glob patterns of names taken to be loggers"},
    )


def logging_call_shape(node: ast.AST, source: str) -> bool:
    """The shape of every logging rule's reports, on the ``ast``: a call of
    a method, or a function, named as a logging method."""
    func = node.func  # type: ignore[attr-defined]
    kind = type(func)
    return (kind is ast.Attribute and func.attr in METHODS) or (
        kind is ast.Name and func.id in METHODS
    )


def is_get_logger(loggers: Loggers, node: cst.BaseExpression) -> bool:
    """``node`` is a ``getLogger(...)`` call, as far as ``loggers`` knows."""
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    if isinstance(func, cst.Name):
        return func.value in loggers.get_logger
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == "getLogger"
        and dotted(func.value) in loggers.modules
    )


@dataclasses.dataclass(frozen=True)
class LoggingCall:
    """A logging call: ``level`` is the method's level (``None`` for ``log``
    with a level that is not a known constant); ``message`` is the index in
    ``call.args`` of the message argument (``None`` when there is none)."""

    call: cst.Call
    method: str
    level: Optional[int]
    message: Optional[int]

    @property
    def message_arg(self) -> Optional[cst.Arg]:
        return None if self.message is None else self.call.args[self.message]

    def can_add_arguments(self) -> bool:
        """Whether lazy arguments can follow the message: it is passed by
        position and no other positional or starred argument follows it."""
        arg = self.message_arg
        if arg is None or arg.keyword is not None or arg.star:
            return False
        return all(
            other.keyword is not None or other.star == "**"
            for other in self.call.args[self.message + 1 :]  # type: ignore[operator]
        )


def _function_body(frame: frames.Frame) -> bool:
    return frame.kind == frames.FUNCTION and frame.part == "body"


class _Guards:
    """Whether the node being visited runs only when an ``isEnabledFor``
    test passed: inside ``if <...>.isEnabledFor(...):`` (also as an ``and``
    operand), in the ``else`` of ``if not <...>.isEnabledFor(...):``, and
    after ``if not <...>.isEnabledFor(...): return`` (or ``raise``,
    ``continue``, ``break``) in the same block. A cached guard counts as the
    call: a name, or a ``self``/``cls`` attribute, that the file binds from
    ``isEnabledFor(...)`` (``if self._does_debug:``). Function bodies start
    unguarded, since they run later.

    The guards mark suites (a guarded body, a block after a guard that
    exits); the file's context (``perf_lint.frames``) tells which suites
    are open around the node in its function."""

    def __init__(self, loggers: Callable[[], Loggers], where: frames.Frames) -> None:
        self._loggers = loggers
        self._where = where
        #: Suite -> how many guards mark it (the bodies they guard, the
        #: blocks in which one has exited).
        self._marks: Dict[cst.CSTNode, int] = {}

    @property
    def active(self) -> bool:
        marks = self._marks
        return bool(marks) and any(suite in marks for suite in self._where.suites(_function_body))

    def _is_enabled(self, node: cst.BaseExpression) -> bool:
        if _is_enabled_call(node):
            return True
        if isinstance(node, cst.Name):
            return node.value in self._loggers().enabled_names
        return (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and node.value.value in ("self", "cls")
            and node.attr.value in self._loggers().enabled_attributes
        )

    def _mark(self, suite: cst.CSTNode) -> None:
        self._marks[suite] = self._marks.get(suite, 0) + 1

    def visit_If(self, node: cst.If) -> None:
        sense = _guard_sense(node.test, self._is_enabled)
        if sense is True:
            self._mark(node.body)
        elif sense is False and isinstance(node.orelse, cst.Else):
            self._mark(node.orelse.body)

    def leave_If(self, node: cst.If) -> None:
        block = self._where.suite()
        if (
            block is not None
            and _guard_sense(node.test, self._is_enabled) is False
            and _exits(node.body)
        ):
            self._mark(block)

    def leave_block(self, block: cst.CSTNode) -> None:
        self._marks.pop(block, None)


def _is_enabled_call(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "isEnabledFor"
    )


def _guard_sense(
    test: cst.BaseExpression, is_enabled: Callable[[cst.BaseExpression], bool]
) -> Optional[bool]:
    """``True`` when ``test`` passing implies an ``isEnabledFor`` test
    (``is_enabled``) passed, ``False`` when ``test`` failing does
    (``not ...``)."""
    if is_enabled(test):
        return True
    if (
        isinstance(test, cst.BooleanOperation)
        and isinstance(test.operator, cst.And)
        and (
            _guard_sense(test.left, is_enabled) is True
            or _guard_sense(test.right, is_enabled) is True
        )
    ):
        return True
    if (
        isinstance(test, cst.UnaryOperation)
        and isinstance(test.operator, cst.Not)
        and _guard_sense(test.expression, is_enabled) is True
    ):
        return False
    return None


def _exits(body: cst.BaseSuite) -> bool:
    statements: Sequence[cst.CSTNode]
    if isinstance(body, cst.IndentedBlock):
        statements = body.body
        if len(statements) != 1 or not isinstance(statements[0], cst.SimpleStatementLine):
            return False
        statements = statements[0].body
    else:
        statements = body.body  # type: ignore[attr-defined]
    return bool(statements) and isinstance(
        statements[-1], (cst.Return, cst.Raise, cst.Continue, cst.Break)
    )


@dataclasses.dataclass
class Lazy:
    """A lazy form of a message: the new message, its arguments, and
    whether the formatted text is proven identical."""

    message: cst.BaseExpression
    arguments: List[cst.BaseExpression]
    safe: bool


class LoggingRule(Rule):
    """Base of the logging rules (not registered itself): tracks scopes (for
    type inference) and guards, and calls ``check`` on every logging call."""

    OPTIONS = LoggingOptions

    SHAPE_NODES = (ast.Call,)
    shape = staticmethod(logging_call_shape)

    def __init__(self, context: FileContext, options: object = None) -> None:
        super().__init__(context, options)
        self.types = TypeInference.of(context)
        self.guards = _Guards(lambda: context.facts.loggers, context.scopes)
        self._patterns = [
            re.compile(fnmatch.translate(pattern)) for pattern in self.options.logger_names
        ]

    # -- to override ------------------------------------------------------
    def check(self, found: LoggingCall) -> None:
        raise NotImplementedError

    def report_lazy(
        self,
        node: cst.BaseExpression,
        lazy: Optional[Lazy],
        safe: Optional[bool] = None,
        removals: Sequence[cst.CSTNode] = (),
    ) -> None:
        """Report the message ``node``, with the rewrite to ``lazy``'s
        arguments as its fix when there is one that keeps every comment;
        ``safe`` overrides ``lazy.safe``; ``removals`` are statements the fix
        deletes."""
        replacement = None
        if lazy is not None:
            replacement = lazy_arguments(node, lazy.message, lazy.arguments)
        if lazy is None or replacement is None:
            self.report(node)
            return
        self.report(
            node,
            replacement=replacement,
            safe=lazy.safe if safe is None else safe,
            removals=removals,
        )

    # -- guards -----------------------------------------------------------
    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.guards.leave_block(original_node)

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self.guards.leave_block(original_node)

    def visit_If(self, node: cst.If) -> None:
        self.guards.visit_If(node)

    def leave_If(self, original_node: cst.If) -> None:
        self.guards.leave_If(original_node)

    # -- logging calls ------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        found = self.match(node)
        if found is not None:
            self.check(found)

    @property
    def bindings(self) -> Loggers:
        return self.context.facts.loggers

    def is_logger(self, node: cst.BaseExpression) -> bool:
        bindings = self.bindings
        if isinstance(node, cst.Name):
            name = node.value
            if name in bindings.modules or name in bindings.names:
                return True
        elif isinstance(node, cst.Attribute):
            name = node.attr.value
            if dotted(node) in bindings.modules:
                return True
            if (
                isinstance(node.value, cst.Name)
                and node.value.value in ("self", "cls")
                and name in bindings.attributes
            ):
                return True
        elif isinstance(node, cst.Call):
            return is_get_logger(bindings, node)
        else:
            return False
        return any(pattern.match(name) for pattern in self._patterns)

    def match(self, node: cst.Call) -> Optional[LoggingCall]:
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method not in METHODS or not self.is_logger(func.value):
                return None
        elif isinstance(func, cst.Name):
            method = func.value
            if method not in self.bindings.functions or method not in METHODS:
                return None
        else:
            return None
        level: Optional[int] = METHODS[method]
        position = 0
        if method == "log":
            level = self._level(node.args[0]) if node.args else None
            position = 1
        message = _message_index(node.args, position)
        return LoggingCall(node, method, level, message)

    def _level(self, arg: cst.Arg) -> Optional[int]:
        if arg.keyword is not None or arg.star:
            return None
        value = arg.value
        if isinstance(value, cst.Integer):
            return int(value.value, 0)
        if isinstance(value, cst.Name):
            return self.bindings.levels.get(value.value)
        if isinstance(value, cst.Attribute) and dotted(value.value) in self.bindings.modules:
            return LEVELS.get(value.attr.value)
        return None

    def infer(self, node: cst.BaseExpression) -> Optional[FrozenSet[str]]:
        return self.types.infer(node)


def _message_index(args: Sequence[cst.Arg], position: int) -> Optional[int]:
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == "msg":
            return index
    if len(args) > position and all(
        not arg.star and arg.keyword is None for arg in args[: position + 1]
    ):
        return position
    return None


# -- building the lazy replacement ----------------------------------------------

_NEEDS_PARENS = (cst.Tuple, cst.Yield, cst.NamedExpr, cst.GeneratorExp, cst.Lambda, cst.IfExp)


def as_argument(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` as it can stand among call arguments."""
    if isinstance(node, _NEEDS_PARENS) and not node.lpar:
        return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node


class _Comments(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: List[str] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.found.append(node.value)


def comments(node: cst.CSTNode) -> List[str]:
    collector = _Comments()
    traversal.visit(node, collector)
    return sorted(collector.found)


def lazy_arguments(
    original: cst.BaseExpression,
    message: cst.BaseExpression,
    arguments: Sequence[cst.BaseExpression],
) -> Optional[cst.Tuple]:
    """The replacement of the message argument ``original``: ``message, a,
    b`` (a tuple without parentheses prints as the argument list it stands
    for). The parentheses around ``original`` go around ``message``.
    ``None`` when a comment of ``original`` would be lost."""
    if original.lpar and not message.lpar:
        message = message.with_changes(lpar=original.lpar, rpar=original.rpar)
    elements = [cst.Element(message)] + [cst.Element(as_argument(a)) for a in arguments]
    replacement = cst.Tuple(elements, lpar=[], rpar=[])
    if comments(replacement) != comments(original):
        return None
    return replacement


def string_value(node: cst.BaseExpression) -> Optional[str]:
    """The value of a ``str`` literal (plain or implicitly concatenated),
    ``None`` for anything else (bytes, f-strings)."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover - libcst rejects what it parsed
            return None
        return value if isinstance(value, str) else None
    return None


def first_string(node: cst.BaseExpression) -> Optional[cst.SimpleString]:
    while isinstance(node, cst.ConcatenatedString):
        node = node.left
    return node if isinstance(node, cst.SimpleString) else None


def literal_eval(code: str) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.literal_eval("(" + code + "\n)")
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None


def string_literal(value: str, like: Optional[cst.SimpleString]) -> cst.SimpleString:
    """A literal whose value is ``value``, quoted like ``like`` where that
    spells it exactly (raw strings stay raw when they can), else escaped."""
    prefix, quote = "", '"'
    if like is not None:
        prefix = like.prefix.lower().replace("b", "")
        quote = like.quote
    if "r" in prefix:
        candidate = prefix + quote + value + quote
        if literal_eval(candidate) == value:
            return cst.SimpleString(candidate)
        prefix = prefix.replace("r", "")
    triple = len(quote) == 3
    out = []
    for char in value:
        if char == "\\":
            out.append("\\\\")
        elif char == quote[0]:
            out.append("\\" + char)
        elif char == "\n" and triple:
            out.append(char)
        elif char in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif not char.isprintable():
            code = ord(char)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
        else:
            out.append(char)
    candidate = prefix + quote + "".join(out) + quote
    if literal_eval(candidate) != value:
        candidate = repr(value)
    return cst.SimpleString(candidate)


Literal = Union[cst.SimpleString, cst.ConcatenatedString, cst.FormattedString]
