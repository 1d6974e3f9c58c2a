"""Every use of libcst's private API, in one place.

perf-lint reads a few of libcst's internals to be fast: the order in which a
node class visits its fields (from its ``_visit_and_replace_children``
source), the no-op stubs of ``CSTVisitor``, the whitespace and operator node
modules, the code generation state that ``PositionProvider`` renders with
(extended here to count lines and columns lazily: ``position_state_class``)
and ``_codegen``. Nothing outside this module touches a name of libcst that
starts with an underscore or imports a module of libcst that is not public
(tests/test_libcst_fence.py).

At import, ``check`` looks for each of them (attribute checks only, so that
start-up stays cheap) and records what is there in ``SUPPORTED``. Every
fast path has a slower one on libcst's public API, which the engine takes
when a part is missing, so a libcst release that changes these internals
makes perf-lint slower, never wrong; ``perf-lint check --timings`` says
which parts are missing. The range of libcst releases tested is pinned in
``pyproject.toml``; CI runs the fixture and rule tests against its lower
bound and the whole suite against the newest release (``.ci/run``)."""

from __future__ import annotations

import functools
import re
import sys
from typing import Any, Dict, FrozenSet, Optional, Sequence, Tuple

import libcst as cst

#: libcst's helpers that visit one field of a node, with the field's name as
#: their second argument.
_FIELD = re.compile(
    r"\bvisit_(?:required|optional|sentinel|sequence|iterable|body_sequence|body_iterable)"
    r"\(\s*self\s*,\s*\"(\w+)\""
)
_CLASS = re.compile(r"^class (\w+)\b", re.M)
_METHOD = "    def _visit_and_replace_children("
#: The first line after a method's body: one indented by at most four spaces
#: that does not close the method's signature.
_BODY_END = re.compile(r"^ {0,4}(?!\))\S", re.M)


def check() -> Dict[str, bool]:
    """Which private parts of libcst this release has: ``field-order``
    (children visited in the order the source of a class's
    ``_visit_and_replace_children`` gives), ``no-op-stubs``, ``trivia``
    (the modules of whitespace and operator nodes), ``positions`` (the
    position-recording code generation state) and ``codegen``."""
    found = {
        "field-order": hasattr(cst.Name, "_visit_and_replace_children"),
        "no-op-stubs": getattr(cst.CSTVisitor.visit_Name, "_is_no_op", False) is True,
        "codegen": hasattr(cst.Module, "_codegen"),
    }
    try:
        from libcst._nodes import expression, op, whitespace  # noqa: F401
    except ImportError:
        found["trivia"] = False
    else:
        found["trivia"] = all(hasattr(expression, name) for name in _BRACKETS)
    try:
        from libcst._nodes.internal import CodegenState
        from libcst.metadata.position_provider import PositionProvidingCodegenState
    except ImportError:
        found["positions"] = False
    else:
        state_parts = ("tokens", "indent_tokens", "add_token", "add_indent_tokens")
        fields = getattr(PositionProvidingCodegenState, "__dataclass_fields__", {})
        found["positions"] = (
            found["codegen"]
            and all(part in fields or hasattr(CodegenState, part) for part in state_parts)
            and all(
                hasattr(PositionProvidingCodegenState, part)
                for part in (
                    "_update_position",
                    "before_codegen",
                    "after_codegen",
                    "record_syntactic_position",
                    "pop_trailing_newline",
                )
            )
            and all(part in fields for part in ("line", "column", "provider"))
        )
    return found


_BRACKETS = (
    "LeftParen",
    "RightParen",
    "LeftSquareBracket",
    "RightSquareBracket",
    "LeftCurlyBrace",
    "RightCurlyBrace",
)

SUPPORTED: Dict[str, bool] = check()


def missing() -> Tuple[str, ...]:
    """The private parts this libcst lacks (its fast paths are off)."""
    return tuple(part for part, present in SUPPORTED.items() if not present)


# -- traversal ------------------------------------------------------------------


def is_no_op(method: Any) -> bool:
    """``method`` is one of ``CSTVisitor``'s empty stubs."""
    return bool(getattr(method, "_is_no_op", False))


#: Module name -> class name -> the fields its ``_visit_and_replace_children``
#: visits, in order.
_MODULE_ORDERS: Dict[str, Dict[str, Tuple[str, ...]]] = {}


def _module_orders(name: str) -> Dict[str, Tuple[str, ...]]:
    found = _MODULE_ORDERS.get(name)
    if found is not None:
        return found
    found = _MODULE_ORDERS[name] = {}
    module = sys.modules.get(name)
    loader = getattr(module, "__loader__", None)
    try:
        text = loader.get_source(name) if loader is not None else None  # type: ignore[attr-defined]
    except (ImportError, OSError):
        text = None
    if not text:
        return found
    starts = [(match.start(), match.group(1)) for match in _CLASS.finditer(text)]
    for index, (start, class_name) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        method = text.find(_METHOD, start, end)
        if method < 0:
            continue
        body_start = text.index("\n", method) + 1
        body_end = _BODY_END.search(text, body_start, end)
        body = text[body_start : body_end.start() if body_end else end]
        # A field named twice is visited in one of two branches (ImportFrom's
        # names: one node or a sequence of them).
        found[class_name] = tuple(dict.fromkeys(_FIELD.findall(body)))
    return found


def field_order(cls: type) -> Optional[Tuple[str, ...]]:
    """The fields holding the children of a node of class ``cls``, in the
    order libcst visits them, read from the source of the class's
    ``_visit_and_replace_children``; ``None`` when that source does not say
    (the caller then uses the public ``children``)."""
    if not SUPPORTED["field-order"]:
        return None
    owner = next((k for k in cls.__mro__ if "_visit_and_replace_children" in vars(k)), None)
    if owner is None:
        return None
    order = _module_orders(owner.__module__).get(owner.__qualname__)
    known = getattr(cls, "__dataclass_fields__", {})
    if order is not None and not all(field in known for field in order):
        return None
    return order


@functools.cache
def trivia() -> FrozenSet[type]:
    """libcst's whitespace, comment, operator and bracket classes: nodes
    whose subtrees hold nothing but such nodes (empty when unknown, so that
    every subtree is walked)."""
    if not SUPPORTED["trivia"]:
        return frozenset()
    from libcst._nodes import expression, op, whitespace

    found = {
        value
        for module in (op, whitespace)
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, cst.CSTNode)
        and value.__module__ == module.__name__
    }
    found.update(getattr(expression, name) for name in _BRACKETS)
    return frozenset(found)


# -- code generation ----------------------------------------------------------------


def render(
    node: cst.CSTNode, indent: Sequence[str], module: cst.Module, trailing_newline: bool = True
) -> Optional[str]:
    """``node`` rendered as the module would render it inside a block
    indented by the ``indent`` tokens (without its trailing newline when
    not ``trailing_newline``); ``None`` without libcst's ``_codegen``."""
    if not SUPPORTED["positions"]:
        return None
    from libcst._nodes.internal import CodegenState

    state = CodegenState(
        default_indent=module.default_indent, default_newline=module.default_newline
    )
    state.indent_tokens.extend(indent)
    node._codegen(state)
    if not trailing_newline:
        state.pop_trailing_newline()
    return "".join(state.tokens)


_NEWLINE = re.compile(r"\r\n?|\n")


def advance(line: int, column: int, tokens: Sequence[str]) -> Tuple[int, int]:
    """Where rendering ``tokens`` from ``line``/``column`` ends, counted as
    libcst's position-recording state counts (its private
    ``_update_position``, token by token: a CR ending one token and an LF
    starting the next are two line breaks)."""
    text = "".join(tokens)
    if "\r" not in text:
        breaks = text.count("\n")
        if not breaks:
            return line, column + len(text)
        return line + breaks, len(text) - text.rfind("\n") - 1
    for token in tokens:
        segments = _NEWLINE.split(token)
        if len(segments) == 1:
            column += len(token)
        else:
            line += len(segments) - 1
            column = len(segments[-1])
    return line, column


def position_state_class() -> Optional[type]:
    """A code generation state that records positions as libcst's
    ``PositionProvider`` does, but counts lines and columns only when asked
    (``None`` when this libcst lacks the parts it needs).

    It is libcst's ``PositionProvidingCodegenState`` whose ``add_token`` and
    ``add_indent_tokens`` only append (libcst's call the private
    ``_update_position`` after every token). What a subclass may use:

    - ``sync()``: bring ``line`` and ``column`` up to where ``tokens`` ends
      (call it before reading them, and before the ``before_codegen``,
      ``after_codegen`` and ``record_syntactic_position`` of libcst, which
      read them);
    - ``recorded()``: the ranges recorded so far, node -> ``CodeRange``
      (the provider's store, which libcst's hooks write to);
    - the dataclass fields ``tokens``, ``indent_tokens``, ``line``,
      ``column`` and ``provider``, and libcst's hooks above to extend."""
    if not SUPPORTED["positions"]:
        return None
    return _lazy_position_state()


@functools.cache
def _lazy_position_state() -> type:
    from libcst.metadata.position_provider import PositionProvidingCodegenState

    class LazyPositionState(PositionProvidingCodegenState):  # type: ignore[misc]
        #: ``line`` and ``column`` are where ``tokens[:_synced]`` ends.
        _synced = 0

        def sync(self) -> None:
            if self._synced != len(self.tokens):
                self.line, self.column = advance(
                    self.line, self.column, self.tokens[self._synced :]
                )
                self._synced = len(self.tokens)

        def recorded(self) -> Dict[cst.CSTNode, Any]:
            return self.provider._computed  # type: ignore[no-any-return]

        def add_token(self, value: str) -> None:
            self.tokens.append(value)

        def add_indent_tokens(self) -> None:
            self.tokens.extend(self.indent_tokens)

        def pop_trailing_newline(self) -> None:
            self.sync()  # ``PositionProvider`` counted the newline before it goes
            super().pop_trailing_newline()
            self._synced = len(self.tokens)

    return LazyPositionState


def codegen(module: cst.Module, state: Any) -> None:
    """Render ``module`` into ``state``."""
    module._codegen(state)


def computed(provider: Any) -> Dict[cst.CSTNode, Any]:
    """The ranges a position provider has recorded."""
    return provider._computed  # type: ignore[no-any-return]
