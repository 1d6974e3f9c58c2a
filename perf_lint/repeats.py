"""What runs on every iteration of a loop, on the ``ast`` (the pre-filter's
side of ``perf_lint.frames``, which answers the same on libcst during the
traversal; a test holds the two to the same answers on generated programs).

"Repeats in a loop" means: evaluated on every iteration of a ``for``/
``async for`` body, a ``while`` test or body, or a comprehension's element,
conditions and inner ``for`` clauses, in the same function. A loop's
``else`` clause, a ``for`` statement's iterable and a comprehension's first
iterable run once, and a nested ``def``, ``lambda`` or ``class`` inside a
loop is not in it (its body runs when it is called; its decorators,
defaults and bases are left out too). The *innermost* loop of a node is the
closest loop whose repeated part holds it: for a call in the iterable of a
nested ``for``, that is the outer loop.

- ``iteration(loop)``: the parts of ``loop`` that run on each iteration;
- ``region(loop)``: the nodes whose innermost loop is ``loop``;
- ``repeated(nodes)``: every node under ``nodes`` that repeats in a loop.
"""

from __future__ import annotations

import ast
from typing import Iterable, Iterator, List, Tuple

from perf_lint import syntax

#: The ``ast`` loops (the shape nodes of the loop rules).
LOOPS: Tuple[type, ...] = (
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
#: Nested scopes: they hide the loops around them.
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def iteration(loop: ast.AST) -> List[ast.AST]:
    """What ``loop`` runs on every iteration: a ``for`` body; a ``while``
    test and body; a comprehension's element, first conditions and every
    later ``for`` clause (its first iterable runs once)."""
    kind = type(loop)
    if kind is ast.For or kind is ast.AsyncFor:
        return list(loop.body)  # type: ignore[attr-defined]
    if kind is ast.While:
        return [loop.test, *loop.body]  # type: ignore[attr-defined]
    parts: List[ast.AST]
    if kind is ast.DictComp:
        parts = [loop.key, loop.value]  # type: ignore[attr-defined]
    else:
        parts = [loop.elt]  # type: ignore[attr-defined]
    first, *rest = loop.generators  # type: ignore[attr-defined]
    parts.extend(first.ifs)
    parts.extend(rest)
    return parts


def region(loop: ast.AST) -> Iterator[ast.AST]:
    """The nodes evaluated on each iteration of ``loop`` that no nested loop
    repeats itself (see the module's docstring); nested scopes are left out."""
    kind = type(loop)
    pending: List[ast.AST]
    if kind is ast.While:
        pending = [loop.test, *loop.body]  # type: ignore[attr-defined]
    elif kind is ast.For or kind is ast.AsyncFor:
        pending = list(loop.body)  # type: ignore[attr-defined]
    else:
        generators = loop.generators  # type: ignore[attr-defined]
        if kind is ast.DictComp:
            pending = [loop.key, loop.value]  # type: ignore[attr-defined]
        else:
            pending = [loop.elt]  # type: ignore[attr-defined]
        for index, generator in enumerate(generators):
            pending.extend(generator.ifs)
            if index:
                pending.extend((generator.target, generator.iter))
    while pending:
        node = pending.pop()
        kind = type(node)
        if kind in SCOPES:
            continue
        yield node
        if kind is ast.For or kind is ast.AsyncFor:
            pending.extend((node.target, node.iter, *node.orelse))  # type: ignore[attr-defined]
        elif kind is ast.While:
            pending.extend(node.orelse)  # type: ignore[attr-defined]
        elif kind in COMPREHENSIONS:
            first = node.generators[0]  # type: ignore[attr-defined]
            pending.extend((first.target, first.iter))
        else:
            pending.extend(syntax.children(node))


def repeated(nodes: Iterable[ast.AST], nested_scopes: bool = True) -> Iterator[ast.AST]:
    """Every node under ``nodes`` (themselves included) that runs on each
    iteration of a loop of its own scope, in one walk: the nodes of the
    regions of all their loops. With ``nested_scopes`` false, the code of
    nested functions, classes and lambdas is not walked (one scope's code)."""
    pending: List[Tuple[ast.AST, bool]] = [(node, False) for node in nodes]
    while pending:
        node, looped = pending.pop()
        kind = type(node)
        if kind in SCOPES:
            if nested_scopes:  # its code starts outside any loop
                pending.extend((child, False) for child in syntax.children(node))
            continue
        if looped:
            yield node
        if kind is ast.For or kind is ast.AsyncFor:
            pending.extend((part, looped) for part in (node.target, node.iter, *node.orelse))  # type: ignore[attr-defined]
            pending.extend((part, True) for part in node.body)  # type: ignore[attr-defined]
        elif kind is ast.While:
            pending.extend((part, True) for part in (node.test, *node.body))  # type: ignore[attr-defined]
            pending.extend((part, looped) for part in node.orelse)  # type: ignore[attr-defined]
        elif kind in COMPREHENSIONS:
            first, *rest = node.generators  # type: ignore[attr-defined]
            pending.extend(((first.target, looped), (first.iter, looped)))
            pending.extend((part, True) for part in first.ifs)
            for generator in rest:
                pending.extend((part, True) for part in (generator.target, generator.iter))
                pending.extend((part, True) for part in generator.ifs)
            if kind is ast.DictComp:
                pending.extend(((node.key, True), (node.value, True)))  # type: ignore[attr-defined]
            else:
                pending.append((node.elt, True))  # type: ignore[attr-defined]
        else:
            pending.extend((child, looped) for child in syntax.children(node))
