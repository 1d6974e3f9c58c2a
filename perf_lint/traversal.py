"""A read-only batched traversal of a libcst tree: the visitors' ``visit_``
and ``leave_`` methods are called on the same nodes, in the same order, as
``libcst.visit_batched`` calls them, but no node is rebuilt.

libcst has one traversal for visitors and transformers alike: on the way up
it constructs (and validates) a copy of every node, which costs about as
much as parsing the file. Here the children of a node are read from its
fields, in the order its class's own ``_visit_and_replace_children`` visits
them: the field names that method hands to libcst's ``visit_*`` helpers,
read once per class from libcst's source. A class whose order cannot be
read that way falls back to libcst's ``children`` (same order, slower).

Attribute visitors (``visit_<Node>_<field>``) are not supported here: a
batch with one goes through libcst's own traversal."""

from __future__ import annotations

import dataclasses
import re
import sys
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

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

#: Module name -> class name -> the fields its ``_visit_and_replace_children``
#: visits, in order.
_MODULE_ORDERS: Dict[str, Dict[str, Tuple[str, ...]]] = {}
#: Node class -> its children's fields in visiting order (``None``: unknown).
_ORDERS: Dict[type, Optional[Tuple[str, ...]]] = {}

_Methods = Tuple[Callable[[cst.CSTNode], Any], ...]


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


def child_fields(cls: type) -> Optional[Tuple[str, ...]]:
    """The fields holding the children of a node of class ``cls``, in the
    order libcst visits them; ``None`` when libcst's source does not say."""
    if cls in _ORDERS:
        return _ORDERS[cls]
    order: Optional[Tuple[str, ...]] = None
    owner = next((k for k in cls.__mro__ if "_visit_and_replace_children" in vars(k)), None)
    if owner is not None:
        order = _module_orders(owner.__module__).get(owner.__qualname__)
        known = getattr(cls, "__dataclass_fields__", {})
        if order is not None and not all(field in known for field in order):
            order = None
    _ORDERS[cls] = order
    return order


def children(node: cst.CSTNode) -> List[cst.CSTNode]:
    """The children of ``node`` in libcst's visiting order (as its
    ``children`` property gives them, without rebuilding the node)."""
    fields = child_fields(type(node))
    if fields is None:
        return list(node.children)
    found: List[cst.CSTNode] = []
    for field in fields:
        value = getattr(node, field)
        if isinstance(value, cst.CSTNode):
            found.append(value)
        elif isinstance(value, (tuple, list)):
            found.extend(value)
    return found


def _has_attribute_visitor(names: Iterable[str]) -> bool:
    """Whether any of the method ``names`` is a libcst attribute visitor
    (``visit_For_body``): its node type is one of libcst's node classes."""
    for name in names:
        rest = name.partition("_")[2]
        node, underscore, _ = rest.partition("_")
        if underscore and isinstance(getattr(cst, node, None), type):
            return True
    return False


def _trivia() -> FrozenSet[type]:
    """libcst's whitespace, comment, operator and bracket classes: nodes
    whose subtrees hold nothing but such nodes."""
    from libcst._nodes import expression, op, whitespace

    found = {
        value
        for module in (op, whitespace)
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, cst.CSTNode)
        and value.__module__ == module.__name__
    }
    found.update(
        getattr(expression, name)
        for name in (
            "LeftParen",
            "RightParen",
            "LeftSquareBracket",
            "RightSquareBracket",
            "LeftCurlyBrace",
            "RightCurlyBrace",
        )
    )
    return frozenset(found)


_TRIVIA: Optional[FrozenSet[type]] = None


def visit_batched(node: cst.CSTNode, visitors: Sequence[cst.BatchableCSTVisitor]) -> None:
    """Run ``visitors`` over the tree under ``node`` in one traversal, as
    ``libcst.visit_batched`` does. When no visitor has a method for
    whitespace, comments, operators or brackets, those subtrees are not
    entered (no method could be called there)."""
    global _TRIVIA
    visits: Dict[str, List[Callable[[cst.CSTNode], Any]]] = {}
    leaves: Dict[str, List[Callable[[cst.CSTNode], Any]]] = {}
    for visitor in visitors:
        for name, method in visitor.get_visitors().items():
            kind, _, type_name = name.partition("_")
            (visits if kind == "visit" else leaves).setdefault(type_name, []).append(method)
    if _has_attribute_visitor([*visits, *leaves]):
        cst.visit_batched(node, visitors)
        return
    if _TRIVIA is None:
        _TRIVIA = _trivia()
    # Field values never entered: absent ones, and trivia when nothing visits it.
    skip: Set[type] = {type(None), type(cst.MaybeSentinel.DEFAULT)}
    if not any(cls.__name__ in visits or cls.__name__ in leaves for cls in _TRIVIA):
        skip.update(_TRIVIA)
    table: Dict[type, Tuple[_Methods, _Methods, Optional[Tuple[str, ...]]]] = {}

    def walk(current: cst.CSTNode, cls: type) -> None:
        entry = table.get(cls)
        if entry is None:
            name = cls.__name__
            entry = table[cls] = (
                tuple(visits.get(name, ())),
                tuple(leaves.get(name, ())),
                child_fields(cls),
            )
        before, after, fields = entry
        for method in before:
            method(current)
        if fields is None:
            for child in current.children:
                if type(child) not in skip:
                    walk(child, type(child))
        else:
            for field in fields:
                value = getattr(current, field)
                value_cls = type(value)
                if value_cls in skip:
                    continue
                if value_cls is tuple or value_cls is list:
                    for child in value:
                        child_cls = type(child)
                        if child_cls not in skip:
                            walk(child, child_cls)
                else:
                    walk(value, value_cls)
        for method in after:
            method(current)

    walk(node, type(node))


def _overrides(cls: type, *names: str) -> bool:
    return any(getattr(cls, name) is not getattr(cst.CSTVisitor, name) for name in names)


@dataclasses.dataclass
class _Plan:
    """How to walk for one visitor class: through libcst (``fallback``),
    through its own ``on_visit``/``on_leave`` (``generic``), or with its
    ``visit_``/``leave_`` functions per node class (``table``)."""

    fallback: bool
    generic: bool
    skip: Set[type]
    table: Dict[type, Tuple[Any, Any, Optional[Tuple[str, ...]]]]


_PLANS: Dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is not None:
        return plan
    global _TRIVIA
    if _TRIVIA is None:
        _TRIVIA = _trivia()
    # libcst's base classes define a no-op stub for every method name.
    names = [
        name
        for name in dir(cls)
        if name.startswith(("visit_", "leave_"))
        and not getattr(getattr(cls, name), "_is_no_op", False)
    ]
    fallback = _has_attribute_visitor(names) or _overrides(
        cls, "on_visit_attribute", "on_leave_attribute"
    )
    generic = _overrides(cls, "on_visit", "on_leave")
    skip: Set[type] = {type(None), type(cst.MaybeSentinel.DEFAULT)}
    if not generic and not any(
        f"visit_{trivia.__name__}" in names or f"leave_{trivia.__name__}" in names
        for trivia in _TRIVIA
    ):
        skip.update(_TRIVIA)
    plan = _PLANS[cls] = _Plan(fallback, generic, skip, {})
    return plan


def _method(cls: type, name: str) -> Any:
    found = getattr(cls, name, None)
    return None if getattr(found, "_is_no_op", False) else found


def visit(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """``node.visit(visitor)`` for a visitor that only looks: ``visit_<Node>``
    (children skipped when it returns ``False``) and ``leave_<Node>`` on
    every node in libcst's order, without rebuilding the tree. A visitor
    with attribute visitors goes through libcst's own traversal."""
    plan = _plan(type(visitor))
    if plan.fallback:
        node.visit(visitor)
        return
    generic, skip, table, visitor_cls = plan.generic, plan.skip, plan.table, type(visitor)
    on_visit, on_leave = visitor.on_visit, visitor.on_leave

    def walk(current: cst.CSTNode, cls: type) -> None:
        entry = table.get(cls)
        if entry is None:
            name = cls.__name__
            entry = table[cls] = (
                _method(visitor_cls, f"visit_{name}"),
                _method(visitor_cls, f"leave_{name}"),
                child_fields(cls),
            )
        before, after, fields = entry
        if generic:
            descend = on_visit(current)
        else:
            descend = before is None or before(visitor, current) is not False
        if descend:
            if fields is None:
                for child in current.children:
                    if type(child) not in skip:
                        walk(child, type(child))
            else:
                for field in fields:
                    value = getattr(current, field)
                    value_cls = type(value)
                    if value_cls in skip:
                        continue
                    if value_cls is tuple or value_cls is list:
                        for child in value:
                            child_cls = type(child)
                            if child_cls not in skip:
                                walk(child, child_cls)
                    else:
                        walk(value, value_cls)
        if generic:
            on_leave(current)
        elif after is not None:
            after(visitor, current)

    walk(node, type(node))
