"""The ``ast`` side of an analysis: parsing a text once, and walking its
tree quickly. libcst-free: the pre-filters, the file facts, the size rules
and the syntax checks all read the one tree this module builds, which the
analysis passes along (it is never modified)."""

from __future__ import annotations

import ast
import warnings
from typing import Dict, FrozenSet, Iterator, List, Optional, Tuple


def parse(source: str) -> Optional[ast.Module]:
    """The ``ast`` of ``source``, or ``None`` where this Python rejects it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None


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
    return walk_except(tree, _NOTHING)


_NOTHING: FrozenSet[int] = frozenset()


def walk_except(tree: ast.AST, skipped: FrozenSet[int]) -> Iterator[ast.AST]:
    """``walk``, not entering the nodes whose ``id`` is in ``skipped`` (nor
    yielding them)."""
    pending = [tree]
    pop, push = pending.pop, pending.append
    reversed_fields = _REVERSED_FIELDS
    node_class = ast.AST
    while pending:
        node = pop()
        if skipped and id(node) in skipped:
            continue
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


def target_names(node: ast.AST) -> Iterator[str]:
    """The names an assignment target binds (through tuples, lists and
    starred targets)."""
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            yield from target_names(element)
    elif isinstance(node, ast.Starred):
        yield from target_names(node.value)


def dotted(node: ast.AST) -> str:
    """``a.b.c`` for a chain of attributes on a name; ``""`` otherwise."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return inner + "." + node.attr if inner else ""
    return ""


def last_part(node: ast.AST) -> str:
    """``b`` for ``a.b`` and for ``b``; ``""`` otherwise."""
    if type(node) is ast.Name:
        return node.id  # type: ignore[attr-defined,no-any-return]
    if type(node) is ast.Attribute:
        return node.attr  # type: ignore[attr-defined,no-any-return]
    return ""


def cst_depth(tree: ast.AST) -> int:
    """How deep libcst's tree of the text nests, as far as ``tree`` tells:
    its own depth, with ``a or b or c`` counted as libcst nests it (each
    ``or`` one level; ``ast`` keeps the operands in one flat list). CPython
    bounds the depth of its own tree (below 3,000 levels), but not the
    length of a flat ``or`` chain."""
    deepest = 0
    pending: List[Tuple[ast.AST, int]] = [(tree, 1)]
    pop, push = pending.pop, pending.append
    bool_op = ast.BoolOp
    while pending:
        node, level = pop()
        if level > deepest:
            deepest = level
        if type(node) is bool_op:
            level += len(node.values) - 1  # type: ignore[attr-defined]
        level += 1
        for child in children(node):
            push((child, level))
    return deepest
