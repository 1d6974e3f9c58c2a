"""Every use of libcst's private API, in one place.

perf-lint reads a few of libcst's internals to be fast: the order in which a
node class visits its fields (from its ``_visit_and_replace_children``
source), the no-op stubs of ``CSTVisitor``, the whitespace and operator node
modules, the code generation state that ``PositionProvider`` renders with,
and ``_codegen``. Nothing outside this module touches a name of libcst that
starts with an underscore.

At import, ``check`` looks for each of them (attribute checks only, so that
start-up stays cheap) and records what is there in ``SUPPORTED``. Every
fast path has a slower one on libcst's public API, which the engine takes
when a part is missing, so a libcst release that changes these internals
makes perf-lint slower, never wrong; ``perf-lint check --timings`` says
which parts are missing. The range of libcst releases tested is pinned in
``pyproject.toml``; CI also runs the suite against the newest release."""

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


def position_state_class() -> Optional[type]:
    """libcst's position-recording code generation state, which
    ``perf_lint.positions`` extends (``None`` when this libcst lacks it)."""
    if not SUPPORTED["positions"]:
        return None
    from libcst.metadata.position_provider import PositionProvidingCodegenState

    return PositionProvidingCodegenState


def codegen(module: cst.Module, state: Any) -> None:
    """Render ``module`` into ``state``."""
    module._codegen(state)


def computed(provider: Any) -> Dict[cst.CSTNode, Any]:
    """The ranges a position provider has recorded."""
    return provider._computed  # type: ignore[no-any-return]
