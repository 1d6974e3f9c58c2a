"""The shapes of code the libcst rules report, found with ``ast``: the
second, sound pre-filter, after the text patterns. A rule names its shape
in ``SHAPE``; a file whose ``ast`` holds none of the selected rules' shapes
is never parsed by libcst. ``ast.parse`` and one walk cost a small part of a
libcst parse, and the tree is shared by the size rules and the engine's
syntax checks (cached per text).

Each shape is a necessary condition of a rule's report, read off the rule's
own matching code: it may hold where the rule reports nothing, never the
other way round. Tests check this on the fixtures and near misses
(``test_prefilter.py``), on generated loops and logging calls
(``test_loop_behaviour.py``, ``test_logging.py``) and on a standard-library
sample run with and without every shortcut (``test_shortcuts.py``)."""

from __future__ import annotations

import ast
import functools
import warnings
from typing import Dict, FrozenSet, Optional, Set

#: A loop whose innermost body (through ``for``/``if`` levels holding one
#: statement each and no ``else``) only calls ``append`` (PRF401, PRF402).
APPEND_LOOP = "append-loop"
#: The same, calling ``add`` (PRF404).
ADD_LOOP = "add-loop"
#: The same, storing ``d[k] = v`` (PRF403).
SETITEM_LOOP = "setitem-loop"
#: ``for x in list(...)`` (PRF405).
LIST_CAST_LOOP = "list-cast-loop"
#: A ``for`` loop or comprehension ``for`` with a two-name target over
#: ``.items()``, one of the names occurring only there (PRF406).
ITEMS_LOOP = "items-loop"
#: ``s += <maybe a string>`` or ``s = s + <maybe a string>`` (PRF407).
STRING_CONCAT = "string-concat"
#: ``in``/``not in`` a non-empty list display (PRF101) or tuple (PRF102).
LIST_MEMBERSHIP = "list-membership"
TUPLE_MEMBERSHIP = "tuple-membership"
#: A call of a method or function named as a logging call (PRF301–PRF305).
LOGGING_CALL = "logging-call"

#: The logging methods (and functions of ``logging``), each with its level
#: (``log`` takes the level as its first argument); the logging rules use it.
LOGGING_METHODS: Dict[str, int] = {
    "debug": 10,
    "info": 20,
    "warning": 30,
    "warn": 30,
    "error": 40,
    "exception": 40,
    "critical": 50,
    "fatal": 50,
    "log": 0,
}
#: Methods whose result PRF407 takes to be a string when called on one.
STR_RESULTS = frozenset(
    {"join", "format", "lower", "upper", "strip", "lstrip", "rstrip", "replace", "title"}
)
_LOOPS = (ast.For, ast.AsyncFor)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@functools.lru_cache(maxsize=2)
def parse(source: str) -> Optional[ast.Module]:
    """``ast`` of ``source``, or ``None`` where Python rejects it (cached:
    the pre-filters, the size rules and the engine's syntax checks share
    it; never modified)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None


@functools.lru_cache(maxsize=2)
def shapes(source: str) -> Optional[FrozenSet[str]]:
    """The shapes ``source`` holds; ``None`` where Python rejects it (every
    rule then runs, and libcst reports the error)."""
    tree = parse(source)
    if tree is None:
        return None
    found: Set[str] = set()
    # Name counts are compared only in ASCII text: ast spells identifiers
    # NFKC-normalised, libcst as written.
    plain = source.isascii()
    try:
        for node in ast.walk(tree):
            kind = type(node)
            if kind is ast.Compare:
                _membership(node, found)  # type: ignore[arg-type]
            elif kind is ast.Call:
                func = node.func  # type: ignore[attr-defined]
                if (type(func) is ast.Attribute and func.attr in LOGGING_METHODS) or (
                    type(func) is ast.Name and func.id in LOGGING_METHODS
                ):
                    found.add(LOGGING_CALL)
            elif kind is ast.For or kind is ast.AsyncFor:
                _loop(node, found, plain)  # type: ignore[arg-type]
            elif kind in _COMPREHENSIONS:
                for generator in node.generators:  # type: ignore[attr-defined]
                    if _items_loop(generator, node, plain):
                        found.add(ITEMS_LOOP)
            elif kind is ast.AugAssign:
                if (
                    type(node.op) is ast.Add  # type: ignore[attr-defined]
                    and type(node.target) is ast.Name  # type: ignore[attr-defined]
                    and _maybe_string(node.value)  # type: ignore[attr-defined]
                ):
                    found.add(STRING_CONCAT)
            elif kind is ast.Assign:
                value = node.value  # type: ignore[attr-defined]
                if (
                    type(value) is ast.BinOp
                    and type(value.op) is ast.Add
                    and type(value.left) is ast.Name
                    and _maybe_string(value.right)
                ):
                    found.add(STRING_CONCAT)
    except RecursionError:  # pragma: no cover - a tree too deep to look into
        return None
    return frozenset(found)


def _membership(node: ast.Compare, found: Set[str]) -> None:
    for operator, right in zip(node.ops, node.comparators):
        if type(operator) is ast.In or type(operator) is ast.NotIn:
            if type(right) is ast.List and right.elts:
                found.add(LIST_MEMBERSHIP)
            elif type(right) is ast.Tuple and right.elts:
                found.add(TUPLE_MEMBERSHIP)


def _loop(node: ast.AST, found: Set[str], plain: bool) -> None:
    if _items_loop(node, node, plain):
        found.add(ITEMS_LOOP)
    call = node.iter  # type: ignore[attr-defined]
    if type(call) is ast.Call and type(call.func) is ast.Name and call.func.id == "list":
        found.add(LIST_CAST_LOOP)
    inner: ast.AST = node
    while isinstance(inner, (*_LOOPS, ast.If)):
        if inner.orelse or len(inner.body) != 1:  # type: ignore[attr-defined]
            return
        inner = inner.body[0]  # type: ignore[attr-defined]
    if type(inner) is ast.Expr:
        call = inner.value  # type: ignore[attr-defined]
        if type(call) is ast.Call and type(call.func) is ast.Attribute:
            if call.func.attr == "append":
                found.add(APPEND_LOOP)
            elif call.func.attr == "add":
                found.add(ADD_LOOP)
    elif type(inner) is ast.Assign:
        targets = inner.targets  # type: ignore[attr-defined]
        if len(targets) == 1 and type(targets[0]) is ast.Subscript:
            found.add(SETITEM_LOOP)


def _items_loop(loop: ast.AST, scope: ast.AST, plain: bool) -> bool:
    """``for a, b in x.items()`` (a statement, or a comprehension's ``for``
    with ``scope`` the whole comprehension) where PRF406 may find ``a`` or
    ``b`` unused: it reports only a name that occurs at most once in
    ``scope``, and libcst's count of a name (it counts definitions,
    parameters and ``except`` names too) is never below ast's."""
    target, call = loop.target, loop.iter  # type: ignore[attr-defined]
    if not (
        type(target) in (ast.Tuple, ast.List)
        and len(target.elts) == 2
        and all(type(element) is ast.Name for element in target.elts)
        and type(call) is ast.Call
        and not call.args
        and not call.keywords
        and type(call.func) is ast.Attribute
        and call.func.attr == "items"
    ):
        return False
    if not plain:
        return True
    first, second = (element.id for element in target.elts)
    counts = {first: 0, second: 0}
    for node in ast.walk(scope):
        if type(node) is ast.Name and node.id in counts:
            counts[node.id] += 1
    return min(counts.values()) <= 1


def _maybe_string(node: ast.AST) -> bool:
    """What PRF407 could prove to be a string (it proves less)."""
    kind = type(node)
    if kind is ast.Constant:
        return isinstance(node.value, str)  # type: ignore[attr-defined]
    if kind is ast.JoinedStr:
        return True
    if kind is ast.BinOp:
        return type(node.op) is ast.Add and (  # type: ignore[attr-defined]
            _maybe_string(node.left) or _maybe_string(node.right)  # type: ignore[attr-defined]
        )
    if kind is ast.Call:
        func = node.func  # type: ignore[attr-defined]
        if type(func) is ast.Name:
            return func.id in ("str", "repr")
        if type(func) is ast.Attribute and func.attr in STR_RESULTS:
            return _maybe_string(func.value)
    return False
