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
import bisect
import functools
import re
import warnings
from typing import Collection, Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple

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
#: Shapes whose rules look at every use of a name in the scope around the
#: shape, nested scopes included (``ScopeNames``): a module or class scope
#: holding one is never reduced.
SCOPE_WIDE = frozenset(
    {APPEND_LOOP, ADD_LOOP, SETITEM_LOOP, LIST_CAST_LOOP, ITEMS_LOOP, STRING_CONCAT}
)
_LOOPS = (ast.For, ast.AsyncFor)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


#: Fields never walked into: expression contexts (a third of a module's
#: nodes) and operators (``Load``, ``Add``, ``In``: singletons that tell
#: nothing a walk here looks for; their parents' ``op``/``ops`` do).
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops"})
#: The fields of each node class that may hold nodes, less the skipped ones.
_FIELDS: Dict[type, Tuple[str, ...]] = {}
#: The same, last field first (``walk`` pushes children in reverse).
_REVERSED_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _fields(kind: type) -> Tuple[str, ...]:
    fields = _FIELDS[kind] = tuple(
        name
        for name in kind._fields
        if name not in _SKIPPED_FIELDS  # type: ignore[attr-defined]
    )
    _REVERSED_FIELDS[kind] = fields[::-1]
    return fields


def children(node: ast.AST) -> List[ast.AST]:
    """``ast.iter_child_nodes(node)`` as a list, leaving out expression
    contexts and operators (see ``_SKIPPED_FIELDS``)."""
    kind = type(node)
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _fields(kind)
    found: List[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            found.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            found.append(value)
    return found


def walk(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node under ``tree`` (itself included) but expression contexts
    and operators, depth first in source order: ``ast.walk`` with a third
    fewer nodes."""
    pending = [tree]
    pop, push = pending.pop, pending.append
    reversed_fields = _REVERSED_FIELDS
    node_class = ast.AST
    while pending:
        node = pop()
        yield node
        kind = type(node)
        fields = reversed_fields.get(kind)
        if fields is None:
            _fields(kind)
            fields = reversed_fields[kind]
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for index in range(len(value) - 1, -1, -1):
                    item = value[index]
                    if isinstance(item, node_class):
                        push(item)
            elif isinstance(value, node_class):
                push(value)


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
    found = shape_lines(source)
    return None if found is None else frozenset(found)


@functools.lru_cache(maxsize=2)
def shape_lines(source: str) -> Optional[Dict[str, List[int]]]:
    """The lines on which each shape ``source`` holds starts; ``None``
    where Python rejects it. Never modified."""
    tree = parse(source)
    if tree is None:
        return None
    found: Dict[str, List[int]] = {}
    # Name counts are compared only in ASCII text: ast spells identifiers
    # NFKC-normalised, libcst as written.
    plain = source.isascii()
    try:
        for node in walk(tree):
            kind = type(node)
            if kind is ast.Compare:
                _membership(node, found)  # type: ignore[arg-type]
            elif kind is ast.Call:
                func = node.func  # type: ignore[attr-defined]
                if (type(func) is ast.Attribute and func.attr in LOGGING_METHODS) or (
                    type(func) is ast.Name and func.id in LOGGING_METHODS
                ):
                    _add(found, LOGGING_CALL, node)
            elif kind is ast.For or kind is ast.AsyncFor:
                _loop(node, found, plain)  # type: ignore[arg-type]
            elif kind in _COMPREHENSIONS:
                for generator in node.generators:  # type: ignore[attr-defined]
                    if _items_loop(generator, node, plain):
                        _add(found, ITEMS_LOOP, node)
            elif kind is ast.AugAssign:
                if (
                    type(node.op) is ast.Add  # type: ignore[attr-defined]
                    and type(node.target) is ast.Name  # type: ignore[attr-defined]
                    and _maybe_string(node.value)  # type: ignore[attr-defined]
                ):
                    _add(found, STRING_CONCAT, node)
            elif kind is ast.Assign:
                value = node.value  # type: ignore[attr-defined]
                if (
                    type(value) is ast.BinOp
                    and type(value.op) is ast.Add
                    and type(value.left) is ast.Name
                    and _maybe_string(value.right)
                ):
                    _add(found, STRING_CONCAT, node)
    except RecursionError:  # pragma: no cover - a tree too deep to look into
        return None
    return found


def _add(found: Dict[str, List[int]], shape: str, node: ast.AST) -> None:
    found.setdefault(shape, []).append(node.lineno)  # type: ignore[attr-defined]


def _membership(node: ast.Compare, found: Dict[str, List[int]]) -> None:
    for operator, right in zip(node.ops, node.comparators):
        if type(operator) is ast.In or type(operator) is ast.NotIn:
            if type(right) is ast.List and right.elts:
                _add(found, LIST_MEMBERSHIP, node)
            elif type(right) is ast.Tuple and right.elts:
                _add(found, TUPLE_MEMBERSHIP, node)


def _loop(node: ast.AST, found: Dict[str, List[int]], plain: bool) -> None:
    if _items_loop(node, node, plain):
        _add(found, ITEMS_LOOP, node)
    call = node.iter  # type: ignore[attr-defined]
    if type(call) is ast.Call and type(call.func) is ast.Name and call.func.id == "list":
        _add(found, LIST_CAST_LOOP, node)
    inner: ast.AST = node
    while isinstance(inner, (*_LOOPS, ast.If)):
        if inner.orelse or len(inner.body) != 1:  # type: ignore[attr-defined]
            return
        inner = inner.body[0]  # type: ignore[attr-defined]
    if type(inner) is ast.Expr:
        call = inner.value  # type: ignore[attr-defined]
        if type(call) is ast.Call and type(call.func) is ast.Attribute:
            if call.func.attr == "append":
                _add(found, APPEND_LOOP, node)
            elif call.func.attr == "add":
                _add(found, ADD_LOOP, node)
    elif type(inner) is ast.Assign:
        targets = inner.targets  # type: ignore[attr-defined]
        if len(targets) == 1 and type(targets[0]) is ast.Subscript:
            _add(found, SETITEM_LOOP, node)


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
    for node in walk(scope):
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


# -- reduction: only the definitions that hold a shape go to libcst ---------------


def reduced(source: str, needed: Collection[str]) -> Optional[str]:
    """``source`` with every function and class that holds none of the
    ``needed`` shapes replaced by a one-line stub of the same name (``def
    f(): pass``, ``class C: pass``) followed by blank lines, so that every
    line keeps its number and every kept line its text; ``None`` when
    nothing can be left out.

    The libcst rules see the definitions holding their shapes whole, and the
    bindings of every scope around them as they were: a stub binds its name
    as the definition did (``_ScopeBindings`` reads no more of it than the
    name, the decorators, defaults and bases, which are kept whole when they
    bind a name with ``:=``). The file's bindings and logger bindings come
    from the ``ast`` of the whole text. A class is reduced only when all of
    its shapes lie in its methods or nested classes; nothing is reduced when
    a ``SCOPE_WIDE`` shape lies in the module's own scope, whose rules
    look at every use of a name in the module. Text with a lone carriage
    return (a line break to Python that ``ast`` and the line split below
    might count differently) is never reduced."""
    tree = parse(source)
    found = shape_lines(source)
    if tree is None or found is None or source.count("\r") != source.count("\r\n"):
        return None
    hot = sorted({line for shape in needed for line in found.get(shape, ())})
    wide = sorted(
        {line for shape in SCOPE_WIDE.intersection(needed) for line in found.get(shape, ())}
    )
    spans = [_span(node) for node in tree.body if type(node) in _DEFINITIONS]
    if any(not any(first <= line <= last for first, last in spans) for line in wide):
        return None
    stubs: List[Tuple[int, int, str]] = []
    lines = source.split("\n")
    _plan(tree.body, hot, ":=" in source, lines, stubs)
    if not stubs:
        return None
    for first, last, stub in stubs:
        line = lines[first - 1]
        indent = line[: len(line) - len(line.lstrip(" \t\f"))]
        lines[first - 1] = indent + stub + ("\r" if line.endswith("\r") else "")
        for index in range(first, last):
            lines[index] = "\r" if lines[index].endswith("\r") else ""
    return "\n".join(lines)


def _span(node: ast.AST) -> Tuple[int, int]:
    """The first and last line of a definition, decorators included."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])  # type: ignore[attr-defined]
    return first, node.end_lineno  # type: ignore[attr-defined]


def _holds(hot: Sequence[int], first: int, last: int) -> bool:
    index = bisect.bisect_left(hot, first)
    return index < len(hot) and hot[index] <= last


_NAMED = re.compile(r"\s*(?:async\s+def|def|class)\s+(\w+)")


def _plan(
    body: Sequence[ast.stmt], hot: Sequence[int], walrus: bool, lines: List[str], stubs: list
) -> None:
    """Stubs for the definitions in ``body`` that hold no ``hot`` line, and
    for those inside its classes whose shapes all lie in their definitions.
    A stub is made only for a name written as ``ast`` spells it (``ast``
    gives names NFKC-normalised, libcst as written)."""
    for node in body:
        kind = type(node)
        if kind not in _DEFINITIONS:
            continue
        first, last = _span(node)
        if not _holds(hot, first, last):
            written = _NAMED.match(lines[node.lineno - 1])
            if (
                written is not None
                and written.group(1) == node.name  # type: ignore[attr-defined]
                and not (walrus and _binds_in_header(node))
            ):
                form = "class {}: pass" if kind is ast.ClassDef else "def {}(): pass"
                stubs.append((first, last, form.format(node.name)))  # type: ignore[attr-defined]
        elif kind is ast.ClassDef:
            inner = [_span(child) for child in node.body if type(child) in _DEFINITIONS]  # type: ignore[attr-defined]
            held = hot[bisect.bisect_left(hot, first) : bisect.bisect_right(hot, last)]
            if all(any(a <= line <= b for a, b in inner) for line in held):
                _plan(node.body, hot, walrus, lines, stubs)  # type: ignore[attr-defined]


def _binds_in_header(node: ast.AST) -> bool:
    """A ``:=`` in the parts of a definition that run in the enclosing
    scope (decorators, defaults, annotations, bases, keywords)."""
    if type(node) is ast.ClassDef:
        parts: List[ast.AST] = [*node.decorator_list, *node.bases, *node.keywords]  # type: ignore[attr-defined]
    else:
        args = node.args  # type: ignore[attr-defined]
        parts = [*node.decorator_list, *args.defaults, *args.kw_defaults]  # type: ignore[attr-defined]
        parts += [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
        parts += [args.vararg, args.kwarg, node.returns]  # type: ignore[attr-defined]
    return any(
        type(inner) is ast.NamedExpr for part in parts if part is not None for inner in walk(part)
    )
