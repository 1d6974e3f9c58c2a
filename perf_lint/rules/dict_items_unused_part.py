"""PRF406 dict-items-unused-part."""

from __future__ import annotations

import ast
from typing import Optional, Union

import libcst as cst

from perf_lint import frames, syntax
from perf_lint.rule import Fix, Invalid, Valid
from perf_lint.rules._loops import (
    DUMMY,
    FOR,
    LOOP_NODES,
    LoopFacts,
    MarkedBodies,
    comments_outside,
    uses_inside,
)
from perf_lint.scopes import ScopeNames

Loop = Union[cst.For, cst.CompFor]
#: The methods in which a mapping class defines its own iteration: iterating
#: over ``self`` or calling ``self.values()`` there would recurse.
_ITERATION_METHODS = frozenset({"keys", "values", "__iter__"})


class DictItemsUnusedPart(MarkedBodies):
    """## What it does
    Checks for loops and comprehensions over `d.items()` that unpack the
    pair into two names of which one is never used: a dummy (`_`, `__`,
    `_unused`: ruff's default dummy-variable pattern) that the loop does not
    read, or a name that occurs nowhere else in its scope (the comprehension,
    or the function or module around a `for` statement; not in a class
    body, whose names stay visible as attributes).

    ## Why is this bad?
    `.items()` builds a tuple for every pair only for half of it to be
    thrown away. Iterating over the dict gives the keys directly, and
    `.values()` the values.

    ## Example
    ```python
    for name, _ in options.items():
        print(name)
    for _, value in options.items():
        print(value)
    ```

    Use instead:
    ```python
    for name in options:
        print(name)
    for value in options.values():
        print(value)
    ```

    ## Fix safety
    The fix is unsafe: nothing proves that the receiver is a dict (any
    object can have an `items()` method whose iteration differs from its
    own iteration, or that has no `values()` method), and the dummy name is
    no longer bound after the loop. No fix is offered when a comment in the
    target or the call would be lost.

    Nothing is reported on `self.items()` (the method's first parameter)
    inside a method named `keys`, `values` or `__iter__`: that is where a
    mapping class defines its own iteration from `items()`, and iterating
    over `self` or calling `self.values()` there would recurse forever.
    Nor is a loop over `.items()` in the body of a `try` that catches
    `AttributeError` (not in a function defined there): the call tells a
    mapping from other values (`try: for k, v in values.items(): ...
    except AttributeError: ...`), and iterating over a list or a string
    instead would not raise.
    """

    CODE = "PRF406"
    NAME = "dict-items-unused-part"
    SUMMARY = "`for k, _ in d.items()` → `for k in d` (`.values()` for values), unsafe"
    MESSAGE = "Unused {part} of `.items()`; iterate over {suggestion}"
    FIX_MESSAGE = "Iterate over {suggestion}"
    FIX = Fix.UNSAFE
    PATTERN = (FOR, r"items(?<!\witems)\b")
    SHAPE_NODES = (*LOOP_NODES, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    SCOPE_WIDE = True
    VALID = (
        Valid("for k, v in d.items():\n    print(k, v)\n"),
        Valid("for _, _ in d.items():\n    pass\n"),
        Valid("for k, _ in d.items():\n    print(k, _)\n"),
        Valid("for k, _ in d.items(x):\n    pass\n"),
    )
    INVALID = (
        Invalid(
            "for k, _ in d.items():\n    print(k)\n",
            unsafe_fixed="for k in d:\n    print(k)\n",
        ),
        Invalid(
            "[v for _, v in d.items()]\n",
            unsafe_fixed="[v for v in d.values()]\n",
        ),
    )

    @staticmethod
    def shape(node: ast.AST, source: str) -> bool:
        """``for a, b in x.items()`` (a loop, or a comprehension's ``for``
        with the whole comprehension as the scope) in which the rule may find
        ``a`` or ``b`` unused: it reports only a name that occurs at most
        once there, and libcst's count of a name (it counts definitions,
        parameters and ``except`` names too) is never below ``ast``'s.
        Names are counted only in ASCII text: ``ast`` spells identifiers
        NFKC-normalised, libcst as written."""
        if type(node) in LOOP_NODES:
            return _items_loop(node, node, source)
        return any(_items_loop(loop, node, source) for loop in node.generators)  # type: ignore[attr-defined]

    #: A function's or lambda's body runs after the ``try`` around it has
    #: ended; a class body runs inside it.
    RESTART = frozenset({frames.FUNCTION, frames.LAMBDA})

    def visit_Try(self, node: cst.Try) -> None:
        if any(_catches_attribute_error(handler) for handler in node.handlers):
            self.mark(node.body)

    def visit_For(self, node: cst.For) -> None:
        self._check(node, node, statement=True)

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._comprehension(node)

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._comprehension(node)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._comprehension(node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._comprehension(node)

    def _comprehension(self, node: cst.CSTNode) -> None:
        comp: Optional[cst.CompFor] = node.for_in  # type: ignore[attr-defined]
        while comp is not None:
            self._check(comp, node)
            comp = comp.inner_for_in

    def _names(self, loop: cst.For) -> Optional[ScopeNames]:
        """The names of the function or module around a ``for`` statement
        (``None`` in a class body); computed only for a loop of the shape
        the rule looks for, since it walks the whole scope."""
        facts = LoopFacts.of(self.context)
        site = facts.sites.get(loop)
        if site is None or isinstance(site.scope, cst.ClassDef):
            return None
        return facts.names(site.scope)

    def _check(self, loop: Loop, scope: cst.CSTNode, statement: bool = False) -> None:
        target, call = loop.target, loop.iter
        if not isinstance(target, cst.Tuple) or len(target.elements) != 2:
            return
        if not all(
            isinstance(e, cst.Element) and isinstance(e.value, cst.Name) for e in target.elements
        ):
            return
        if not isinstance(call, cst.Call) or call.args:
            return
        if not isinstance(call.func, cst.Attribute) or call.func.attr.value != "items":
            return
        if self._defines_iteration(call.func.value):
            return
        if self.inside():
            return  # ``.items()`` tells a mapping from other values here
        first, second = (e.value for e in target.elements)
        assert isinstance(first, cst.Name) and isinstance(second, cst.Name)
        names = self._names(loop) if statement else None  # type: ignore[arg-type]
        first_dummy = self._unused(first.value, scope, names)
        second_dummy = self._unused(second.value, scope, names)
        if bool(first_dummy) == bool(second_dummy):
            return
        kept = first if second_dummy else second
        receiver = call.func.value
        if second_dummy:
            part, suggestion, new_iter = "value", "the dict", receiver
        else:
            part, suggestion = "key", "`.values()`"
            new_iter = call.with_changes(func=call.func.with_changes(attr=cst.Name("values")))
        replacement = None
        if not comments_outside(target, [kept]) and not comments_outside(call, [receiver]):
            if call.lpar and new_iter is receiver:
                new_iter = receiver.with_changes(
                    lpar=[*call.lpar, *receiver.lpar], rpar=[*receiver.rpar, *call.rpar]
                )
            replacement = loop.with_changes(target=kept, iter=new_iter)
        self.report(loop, replacement=replacement, part=part, suggestion=suggestion)

    def _defines_iteration(self, receiver: cst.BaseExpression) -> bool:
        """``receiver`` is the first parameter of an enclosing method named
        ``keys``, ``values`` or ``__iter__``, whose own iteration the fix
        would call."""
        if not isinstance(receiver, cst.Name):
            return False
        stack = self.context.scopes.chain()
        for index in range(len(stack) - 1, 0, -1):
            scope = stack[index]
            if (
                isinstance(scope, cst.FunctionDef)
                and scope.name.value in _ITERATION_METHODS
                and isinstance(stack[index - 1], cst.ClassDef)
            ):
                params = [*scope.params.posonly_params, *scope.params.params]
                if params and params[0].name.value == receiver.value:
                    return True
        return False

    @staticmethod
    def _unused(name: str, scope: cst.CSTNode, names: Optional[ScopeNames]) -> bool:
        """A dummy name that the loop never reads, or a name used nowhere
        else in its scope (a comprehension, or the function or module
        around a ``for`` statement)."""
        if uses_inside(scope, name) > 1:
            return False
        if DUMMY.match(name):
            return True
        if names is None:
            return isinstance(scope, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp))
        return len(names.uses.get(name, ())) == 1 and not names.introspective


def _catches_attribute_error(handler: cst.ExceptHandler) -> bool:
    """``except AttributeError`` or ``except (..., AttributeError, ...)``."""
    kind = handler.type
    kinds = [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
    return any(isinstance(k, cst.Name) and k.value == "AttributeError" for k in kinds)


def _items_loop(loop: ast.AST, scope: ast.AST, source: str) -> bool:
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
    if not source.isascii():
        return True
    first, second = (element.id for element in target.elts)
    counts = {first: 0, second: 0}
    for node in syntax.walk(scope):
        if type(node) is ast.Name and node.id in counts:
            counts[node.id] += 1
    return min(counts.values()) <= 1
