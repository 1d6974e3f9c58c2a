"""PRF402 loop-append-extend."""

from __future__ import annotations

import libcst as cst

from perf_lint.rule import Fix, Invalid, Rule, Valid
from perf_lint.rules._loops import (
    FOR,
    LOOP_NODES,
    LoopFacts,
    appends,
    bound_to_list,
    comp_for,
    init_value,
    is_empty,
    loop_comments,
    loop_safety,
    parenthesized,
    parses,
    references_inside,
)


class LoopAppendExtend(Rule):
    """## What it does
    Checks for a `for` or `async for` loop whose body only appends to a list
    that already exists (one bound to a list display, comprehension,
    `list()` or `sorted()` call, or annotated `list`, in the same scope),
    optionally under `if` statements without `else` and in nested `for`
    loops. A list created empty just before the loop is PRF401's case.

    ## Why is this bad?
    The loop looks `append` up and calls it once per item; `extend` with a
    generator expression adds the same items in one call.

    ## Example
    ```python
    def collect(rows, out):
        out: list = out
        for row in rows:
            out.append(row.name)
    ```

    Use instead:
    ```python
    def collect(rows, out):
        out: list = out
        out.extend(row.name for row in rows)
    ```

    ## Fix safety
    The fix is always unsafe. The receiver may not be a list at the time the
    loop runs (nothing proves the type of a name that is bound more than
    once), the loop variables are no longer bound after the loop, and a
    `StopIteration` raised by the element becomes a `RuntimeError` inside a
    generator expression. A generator expression (not a list comprehension)
    is used so that, as with the loop, the items computed before an
    exception are already in the list and no temporary list is built. No fix
    is offered in a class body, when a loop target is not a plain name, or
    when the loop holds `yield` or `:=`. The loop is not reported when the
    list is used inside it other than by `append`.
    """

    CODE = "PRF402"
    NAME = "loop-append-extend"
    SUMMARY = "loop that only appends to an existing list → `r.extend(...)`, unsafe"
    MESSAGE = "Loop only appends to `{name}`; use `{name}.extend(...)`"
    FIX_MESSAGE = "Replace the loop by `{name}.extend(...)`"
    FIX = Fix.UNSAFE
    PATTERN = (FOR, r"append")
    SHAPE_NODES = LOOP_NODES
    SCOPE_WIDE = True
    shape = staticmethod(appends)
    VALID = (
        Valid("def f(xs):\n    r = []\n    for x in xs:\n        r.append(x)\n    return r\n"),
        Valid("def f(xs, r):\n    for x in xs:\n        r.append(x)\n"),
        Valid("def f(xs):\n    r = [1]\n    for x in xs:\n        r.append(r[-1] + x)\n"),
    )
    INVALID = (
        Invalid(
            "def f(xs):\n    r = [0]\n    for x in xs:\n        r.append(x)\n    return r\n",
            unsafe_fixed="def f(xs):\n    r = [0]\n    r.extend(x for x in xs)\n    return r\n",
        ),
        Invalid(
            "def f(xs, r: list):\n    for x in xs:\n        if x:\n            r.append(x)\n",
            unsafe_fixed="def f(xs, r: list):\n    r.extend(x for x in xs if x)\n",
        ),
    )

    def visit_For(self, node: cst.For) -> None:
        facts = LoopFacts.of(self.context)
        site = facts.sites.get(node)
        filling = facts.filling(node)
        if site is None or filling is None or filling.method != "append" or node in facts.inner:
            return
        name = filling.receiver_name
        if name is None or references_inside(filling, name):
            return
        init = facts.fresh_init(site, name)
        value = init_value(init, name) if init is not None else None
        if value is not None and is_empty(value, "list", facts.builtin("list")):
            return  # a fresh list: PRF401
        if not bound_to_list(facts, site.scope, name):
            return
        replacement = None
        if loop_safety(facts, filling, site, name).fixable:
            generator = cst.GeneratorExp(
                elt=parenthesized(filling.element, element=True),
                for_in=comp_for(filling),
                lpar=[],
                rpar=[],
            )
            call = cst.Call(
                func=cst.Attribute(value=filling.receiver, attr=cst.Name("extend")),
                args=[cst.Arg(generator)],
            )
            replacement = cst.SimpleStatementLine(
                body=[cst.Expr(call)], leading_lines=loop_comments(filling)
            )
            if not parses(replacement):
                replacement = None
        self.report(node, replacement=replacement, safe=False, name=name)
