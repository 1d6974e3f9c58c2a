"""What the profile-guided rules (PRF6xx) share: the profile's facts of
the function being visited (``FileContext.heat``), found by its qualified
name and its ``def`` line."""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Union

import libcst as cst

from perf_lint.context import FileContext
from perf_lint.heat import FunctionHeat

Function = Union[cst.FunctionDef]


def enclosing(context: FileContext) -> List[cst.CSTNode]:
    """The scopes whose code holds the visited node, the module first (the
    traversal keeps them; a function's own scope is entered with its
    body)."""
    return context.scopes.chain()


def qualname(context: FileContext, node: cst.FunctionDef) -> str:
    """``node``'s ``__qualname__``, from the scopes around it."""
    parts: List[str] = []
    for scope in enclosing(context)[1:]:
        if isinstance(scope, cst.ClassDef):
            parts.append(scope.name.value + ".")
        elif isinstance(scope, cst.FunctionDef):
            parts.append(scope.name.value + ".<locals>.")
        else:  # a lambda or comprehension: no def inside one
            parts.append("<lambda>.<locals>.")
    return "".join(parts) + node.name.value


def _def_lines(context: FileContext) -> Dict[str, List[int]]:
    """The ``def`` lines of each qualified name in the file, in order."""
    found = context.cache.get("heat.def_lines")
    if found is not None:
        return found  # type: ignore[no-any-return]
    lines: Dict[str, List[int]] = {}

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                lines.setdefault(name, []).append(child.lineno)
                walk(child, name + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                walk(child, prefix + child.name + ".")
            elif isinstance(child, ast.Lambda):
                walk(child, prefix + "<lambda>.<locals>.")
            else:
                walk(child, prefix)

    if context.tree is not None:
        walk(context.tree, "")
    context.cache["heat.def_lines"] = lines
    return lines


class Functions:
    """Finds the profile's facts of the functions a rule visits, in the
    order of the file (one per rule instance: it counts the definitions of
    each name it has seen, to tell apart a property's getter and setter)."""

    def __init__(self, context: FileContext) -> None:
        self.context = context
        self.seen: Dict[str, int] = {}

    def heat(self, node: cst.FunctionDef) -> Optional[FunctionHeat]:
        """The facts of ``node`` (``None``: no profile, or not run). Call
        it once for every ``def`` visited, in order."""
        name = qualname(self.context, node)
        number = self.seen.get(name, 0)
        self.seen[name] = number + 1
        if not self.context.heat.known:
            return None
        lines = _def_lines(self.context).get(name, [])
        line = lines[number] if number < len(lines) else None
        return self.context.heat.function(name, line)


def count(number: int) -> str:
    """``96,000`` for a message."""
    return f"{number:,}"
