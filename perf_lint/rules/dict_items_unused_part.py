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
    read, a name that occurs nowhere else in a comprehension, or a name
    that a `for` statement does not read and that no read elsewhere in the
    function or module can see the loop's binding of: it may occur there
    as another binding (a later assignment or loop target that comes
    before every read after the loop), but not in a nested function, nor
    declared `global`/`nonlocal` (not in a class body, whose names stay
    visible as attributes). The other part may be a nested target (`for
    k, (a, b) in d.items()`, which becomes `for (a, b) in d.values()`).

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
            isinstance(e, cst.Element) and (isinstance(e.value, cst.Name) or _nested(e.value))
            for e in target.elements
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
        names = self._names(loop) if statement else None  # type: ignore[arg-type]
        # A nested target (`for k, (a, b) in d.items()`) is kept: only a
        # plain name is looked at.
        first_dummy = isinstance(first, cst.Name) and self._unused(
            first.value, loop if statement else scope, names
        )
        second_dummy = isinstance(second, cst.Name) and self._unused(
            second.value, loop if statement else scope, names
        )
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
        else in its scope (a comprehension), or, for a ``for`` statement,
        a name the loop does not read and no read elsewhere in the function
        or module can see the loop's binding of (a use in a nested scope,
        a read after the loop that no other binding comes before)."""
        if uses_inside(scope, name) > 1:
            return False
        if DUMMY.match(name):
            return True
        if names is None:
            return isinstance(scope, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp))
        return (
            not names.introspective
            and name not in names.declared
            and not names.read_elsewhere(name, scope)
        )


def _catches_attribute_error(handler: cst.ExceptHandler) -> bool:
    """``except AttributeError`` or ``except (..., AttributeError, ...)``."""
    kind = handler.type
    kinds = [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
    return any(isinstance(k, cst.Name) and k.value == "AttributeError" for k in kinds)


def _nested(node: cst.BaseExpression) -> bool:
    """A nested target of plain names: ``(a, b)``, ``[a, b]``."""
    return isinstance(node, (cst.Tuple, cst.List)) and all(
        isinstance(e, cst.Element) and isinstance(e.value, cst.Name) for e in node.elements
    )


def _plain_or_nested(node: ast.AST) -> bool:
    if type(node) is ast.Name:
        return True
    return type(node) in (ast.Tuple, ast.List) and all(
        type(element) is ast.Name
        for element in node.elts  # type: ignore[attr-defined]
    )


def _items_loop(loop: ast.AST, scope: ast.AST, source: str) -> bool:
    target, call = loop.target, loop.iter  # type: ignore[attr-defined]
    if not (
        type(target) in (ast.Tuple, ast.List)
        and len(target.elts) == 2
        and all(_plain_or_nested(element) for element in target.elts)
        and any(type(element) is ast.Name for element in target.elts)
        and type(call) is ast.Call
        and not call.args
        and not call.keywords
        and type(call.func) is ast.Attribute
        and call.func.attr == "items"
    ):
        return False
    if not source.isascii():
        return True
    counts = {element.id: 0 for element in target.elts if type(element) is ast.Name}
    for node in syntax.walk(scope):
        if type(node) is ast.Name and node.id in counts:
            counts[node.id] += 1
    return min(counts.values()) <= 1
