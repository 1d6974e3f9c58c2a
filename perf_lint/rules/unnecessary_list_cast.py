"""PRF405 unnecessary-list-cast."""

from __future__ import annotations

import ast
from typing import Callable, Optional

import libcst as cst

from perf_lint.rule import Fix, Invalid, Rule, Valid
from perf_lint.rules._loops import (
    FOR,
    LOOP_NODES,
    LoopFacts,
    Site,
    comments_outside,
    uses_inside,
)
from perf_lint.scopes import ScopeNames

_DISPLAYS = (
    cst.List,
    cst.Tuple,
    cst.Set,
    cst.Dict,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.SimpleString,
    cst.ConcatenatedString,
)
_IMMUTABLE = (cst.Tuple, cst.SimpleString, cst.ConcatenatedString)
#: Builtins that read a container without keeping a way to change it.
_READERS = frozenset(
    {"len", "list", "tuple", "sorted", "set", "frozenset", "sum", "min", "max", "any", "all"}
)


class UnnecessaryListCast(Rule):
    """## What it does
    Checks for `for x in list(y)` where `y` is a list, tuple, set, dict or
    string display (or a name bound only to such displays in its scope, or
    a parameter annotated with such a type) that the loop does not use.
    Other arguments (a call, a generator, an unannotated parameter) are left
    alone: `list()` may be needed to take a snapshot.

    ## Why is this bad?
    `list(y)` copies the whole container before the loop starts, which costs
    time and memory for nothing when `y` can be iterated directly.

    ## Example
    ```python
    def total(prices):
        items = (1, 2, 3)
        for price in list(items):
            ...
    ```

    Use instead:
    ```python
    def total(prices):
        items = (1, 2, 3)
        for price in items:
            ...
    ```

    ## Fix safety
    Iterating a container directly differs from iterating a copy only when
    the container changes during the loop. The loop is not reported when it
    uses `y` at all (a method call, `del y[...]`, `y[i] = ...`, `y += ...`,
    passing `y` to a call, rebinding it). The fix is safe when `y` is a
    display, when every binding of the name is a tuple or string display
    (immutable), or, for a list, set or dict, when the name is a local
    variable of a function that never lets another reference to it exist:
    every other use is a method call on it, a subscript, a membership test,
    iteration or an argument of `len`, `list`, `sorted` and similar
    builtins; it is not used in a nested scope or declared `global`/
    `nonlocal`, and the function does not use `locals()` or frame
    introspection. Otherwise (a module-level or class-level list that a
    called function could change, an alias, a parameter, whose caller holds
    a reference to it) the fix is unsafe. No fix is
    offered when a comment inside the call would be lost.
    """

    CODE = "PRF405"
    NAME = "unnecessary-list-cast"
    SUMMARY = "`for x in list(y)` → `for x in y`, safe where `y` cannot change"
    MESSAGE = "Unnecessary `list()` call around the iterable of a `for` loop"
    FIX_MESSAGE = "Remove the `list()` call"
    FIX = Fix.SAFE_WHEN_PROVEN
    PATTERN = (FOR, r"list(?<!\wlist)\b")
    SHAPE_NODES = LOOP_NODES
    SCOPE_WIDE = True
    VALID = (
        Valid("def f(y):\n    for x in list(y):\n        pass\n"),
        Valid("def f():\n    y = [1]\n    for x in list(y):\n        y.append(x)\n"),
        Valid("for x in list(g()):\n    pass\n"),
        Valid("for x in list(a for a in b):\n    pass\n"),
    )
    INVALID = (
        Invalid(
            "for x in list((1, 2)):\n    print(x)\n",
            fixed="for x in (1, 2):\n    print(x)\n",
        ),
        Invalid(
            "def f():\n    y = [1, 2]\n    for x in list(y):\n        print(x)\n",
            fixed="def f():\n    y = [1, 2]\n    for x in y:\n        print(x)\n",
        ),
        Invalid(
            "y = [1, 2]\nfor x in list(y):\n    print(x)\n",
            unsafe_fixed="y = [1, 2]\nfor x in y:\n    print(x)\n",
        ),
    )

    @staticmethod
    def shape(node: ast.AST, source: str) -> bool:
        """A loop over ``list(...)``."""
        call = node.iter  # type: ignore[attr-defined]
        return type(call) is ast.Call and type(call.func) is ast.Name and call.func.id == "list"

    def visit_For(self, node: cst.For) -> None:
        call = node.iter
        if node.asynchronous is not None or not isinstance(call, cst.Call):
            return
        if not (isinstance(call.func, cst.Name) and call.func.value == "list"):
            return
        if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
            return
        facts = LoopFacts.of(self.context)
        site = facts.sites.get(node)
        if site is None or not facts.builtin("list"):
            return
        value = call.args[0].value
        if isinstance(value, _DISPLAYS):
            safe: Optional[bool] = True
        elif isinstance(value, cst.Name):
            name = value.value
            if uses_inside(node.body, name) or uses_inside(node.target, name):
                return
            safe = self._name_safety(facts, site, name)
            if safe is None:
                return
        else:
            return
        replacement = None
        if not comments_outside(call, [value]):
            replacement = value
            if call.lpar:
                replacement = value.with_changes(
                    lpar=[*call.lpar, *value.lpar], rpar=[*value.rpar, *call.rpar]
                )
        self.report(call, replacement=replacement, safe=safe)

    def _name_safety(self, facts: LoopFacts, site: Site, name: str) -> Optional[bool]:
        """``None`` when the name's type is not known, else whether the fix
        is safe (see the docstring)."""
        names = facts.names(site.scope)
        kinds = set()
        if isinstance(site.scope, cst.FunctionDef):
            params = site.scope.params
            for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                if param.name.value == name:
                    kinds.add(_annotation_kind(param.annotation))
        for use in names.uses.get(name, ()):
            if use.role == "store":
                kinds.add(_binding_kind(names, use.node))
        if not kinds or None in kinds:
            return None
        if kinds == {"immutable"}:
            return True
        return (
            isinstance(site.scope, cst.FunctionDef)
            and "parameter" not in kinds
            and name not in names.declared
            and not names.introspective
            and all(
                _reads_only(names, use.node, facts.builtin)
                for use in names.uses[name]
                if use.role != "store"
            )
            and not any(use.role == "nested" for use in names.uses[name])
        )


def _annotation_kind(annotation: Optional[cst.Annotation]) -> Optional[str]:
    if annotation is None:
        return None
    node = annotation.annotation
    if isinstance(node, cst.Subscript):
        node = node.value
    if isinstance(node, cst.Attribute):
        node = node.attr
    if not isinstance(node, cst.Name):
        return None
    known = ("tuple", "Tuple", "str", "list", "List", "dict", "Dict", "set", "Set")
    # The caller keeps a reference to the argument (and may pass a subclass).
    return "parameter" if node.value in known else None


def _binding_kind(names: ScopeNames, node: cst.Name) -> Optional[str]:
    parent = names.parents.get(node)
    value = None
    if isinstance(parent, cst.AssignTarget):
        statement = names.parents.get(parent)
        if isinstance(statement, cst.Assign):
            value = statement.value
    elif isinstance(parent, cst.AnnAssign):
        value = parent.value
    if not isinstance(value, _DISPLAYS):
        return None
    return "immutable" if isinstance(value, _IMMUTABLE) else "mutable"


def _reads_only(names: ScopeNames, node: cst.Name, builtin: Callable[[str], bool]) -> bool:
    """This use of a container cannot create another reference to it."""
    parent = names.parents.get(node)
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return isinstance(names.parents.get(parent), cst.Call)
    if isinstance(parent, cst.Subscript) and parent.value is node:
        return True
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
        return True
    if isinstance(parent, cst.ComparisonTarget) and isinstance(
        parent.operator, (cst.In, cst.NotIn)
    ):
        return True
    if isinstance(parent, cst.Arg) and not parent.keyword and not parent.star:
        call = names.parents.get(parent)
        return (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Name)
            and call.func.value in _READERS
            and builtin(call.func.value)
        )
    return False
