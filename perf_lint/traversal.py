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

import inspect
from typing import (
    Any,
    Callable,
    Collection,
    Dict,
    FrozenSet,
    Iterable,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
)

import libcst as cst

from perf_lint import _compat

#: Node class -> its children's fields in visiting order (``None``: unknown).
_ORDERS: Dict[type, Optional[Tuple[str, ...]]] = {}


def child_fields(cls: type) -> Optional[Tuple[str, ...]]:
    """The fields holding the children of a node of class ``cls``, in the
    order libcst visits them; ``None`` when libcst's source does not say."""
    if cls in _ORDERS:
        return _ORDERS[cls]
    order = _ORDERS[cls] = _compat.field_order(cls)
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


#: The classes of field values that hold no node.
_ABSENT = frozenset({type(None), type(cst.MaybeSentinel.DEFAULT)})


def _skipped(visited: Optional[Collection[str]]) -> FrozenSet[type]:
    """The classes of field values a walk never enters: absent values, and
    trivia when none of its classes is among the ``visited`` class names
    (``None``: the visitor sees every node)."""
    if visited is None or any(cls.__name__ in visited for cls in _compat.trivia()):
        return _ABSENT
    return _ABSENT | _compat.trivia()


_Call = Optional[Callable[[cst.CSTNode], Any]]


def _walk(
    root: cst.CSTNode, calls_for: Callable[[type], Tuple[_Call, _Call]], skip: FrozenSet[type]
) -> None:
    """The traversal both entry points share. On each node: the enter call
    of its class (children skipped when it returns ``False``), the children
    in libcst's order but those whose class is in ``skip``, then the leave
    call. ``calls_for`` gives the two calls of a class (``None``: nothing)."""
    table: Dict[type, Tuple[_Call, _Call, Optional[Tuple[str, ...]]]] = {}

    def walk(current: cst.CSTNode, cls: type) -> None:
        entry = table.get(cls)
        if entry is None:
            entry = table[cls] = (*calls_for(cls), child_fields(cls))
        enter, leave, fields = entry
        if enter is None or enter(current) is not False:
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
        if leave is not None:
            leave(current)

    walk(root, type(root))


def _all(methods: Sequence[Callable[[cst.CSTNode], Any]]) -> _Call:
    """One call running ``methods`` in turn, whatever they return (a batched
    visitor cannot skip children)."""
    if not methods:
        return None

    def call(node: cst.CSTNode) -> None:
        for method in methods:
            method(node)

    return call


#: The visitor method names of each visitor class (see ``visitor_methods``).
_METHOD_NAMES: Dict[type, Tuple[str, ...]] = {}


def visitor_methods(visitor: cst.BatchableCSTVisitor) -> Dict[str, Callable[..., Any]]:
    """``visitor``'s ``visit_*``/``leave_*`` methods by name, as libcst's
    ``get_visitors`` finds them, with the names read once per class from the
    dictionaries of the classes it defines: libcst's ``inspect.getmembers``
    reads each of the 1,600 stubs it inherits, about a millisecond per
    visitor per file."""
    cls = type(visitor)
    names = _METHOD_NAMES.get(cls)
    if names is None:
        # libcst's own classes hold only its empty stubs: look at the others.
        stubs = set(cst.BatchableCSTVisitor.__mro__)
        own = {
            name
            for klass in cls.__mro__
            if klass not in stubs
            for name in vars(klass)
            if name.startswith(("visit_", "leave_"))
        }
        kept = []
        for name in sorted(own):
            method = getattr(visitor, name)
            if (
                inspect.ismethod(method)
                and method.__name__.startswith(("visit_", "leave_"))
                and not getattr(method, "_is_no_op", False)
            ):
                kept.append(name)
        names = _METHOD_NAMES[cls] = tuple(kept)
    return {name: getattr(visitor, name) for name in names}


def visit_batched(
    node: cst.CSTNode,
    visitors: Sequence[cst.BatchableCSTVisitor],
    frame: Optional[cst.BatchableCSTVisitor] = None,
    wrap: Optional[Callable[[Any, Callable[..., Any]], Callable[..., Any]]] = None,
) -> None:
    """Run ``visitors`` over the tree under ``node`` in one traversal, as
    ``libcst.visit_batched`` does. ``frame`` (the scope chain) is visited
    before every visitor on the way into a node and left after every one on
    the way out, so that they all see the state of the node they visit.
    ``wrap(visitor, method)``, when given, replaces each visitor method (the
    ``--timings`` hook). When no visitor has a method for whitespace,
    comments, operators or brackets, those subtrees are not entered (no
    method could be called there)."""
    visits: Dict[str, List[Callable[[cst.CSTNode], Any]]] = {}
    leaves: Dict[str, List[Callable[[cst.CSTNode], Any]]] = {}
    for visitor in visitors:
        for name, method in visitor_methods(visitor).items():
            kind, _, type_name = name.partition("_")
            if wrap is not None:
                method = wrap(visitor, method)
            (visits if kind == "visit" else leaves).setdefault(type_name, []).append(method)
    if frame is not None:
        for name, method in visitor_methods(frame).items():
            kind, _, type_name = name.partition("_")
            if kind == "visit":
                visits.setdefault(type_name, []).insert(0, method)
            else:
                leaves.setdefault(type_name, []).append(method)
    if _has_attribute_visitor([*visits, *leaves]):
        # libcst leaves in the visitors' order: the frame comes first there.
        cst.visit_batched(node, [*([frame] if frame is not None else []), *visitors])
        return

    def calls_for(cls: type) -> Tuple[_Call, _Call]:
        return _all(visits.get(cls.__name__, ())), _all(leaves.get(cls.__name__, ()))

    _walk(node, calls_for, _skipped({*visits, *leaves}))


def _overrides(cls: type, *names: str) -> bool:
    return any(getattr(cls, name) is not getattr(cst.CSTVisitor, name) for name in names)


class _Plan(NamedTuple):
    """How to walk for one visitor class: through libcst (``fallback``),
    through its own ``on_visit``/``on_leave`` (``generic``), or with its
    ``visit_``/``leave_`` methods per node class; ``skip`` as in ``_walk``."""

    fallback: bool
    generic: bool
    skip: FrozenSet[type]


_PLANS: Dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is None:
        # libcst's base classes define a no-op stub for every method name.
        names = [
            name
            for name in dir(cls)
            if name.startswith(("visit_", "leave_")) and not _compat.is_no_op(getattr(cls, name))
        ]
        generic = _overrides(cls, "on_visit", "on_leave")
        plan = _PLANS[cls] = _Plan(
            fallback=_has_attribute_visitor(names)
            or _overrides(cls, "on_visit_attribute", "on_leave_attribute"),
            generic=generic,
            skip=_skipped(None if generic else {name.partition("_")[2] for name in names}),
        )
    return plan


def _bound(visitor: cst.CSTVisitor, name: str) -> _Call:
    found = getattr(type(visitor), name, None)
    if found is None or _compat.is_no_op(found):
        return None
    return getattr(visitor, name)  # type: ignore[no-any-return]


def visit(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """``node.visit(visitor)`` for a visitor that only looks: ``visit_<Node>``
    (children skipped when it returns ``False``) and ``leave_<Node>`` on
    every node in libcst's order, without rebuilding the tree. A visitor
    with attribute visitors goes through libcst's own traversal."""
    plan = _plan(type(visitor))
    if plan.fallback:
        node.visit(visitor)
        return
    if plan.generic:
        on_visit = visitor.on_visit
        # libcst enters the children when ``on_visit``'s answer is true.
        calls: Tuple[_Call, _Call] = (lambda current: bool(on_visit(current)), visitor.on_leave)

        def calls_for(cls: type) -> Tuple[_Call, _Call]:
            return calls

    else:

        def calls_for(cls: type) -> Tuple[_Call, _Call]:
            name = cls.__name__
            return _bound(visitor, f"visit_{name}"), _bound(visitor, f"leave_{name}")

    _walk(node, calls_for, plan.skip)
