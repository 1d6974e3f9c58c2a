"""PRF402 loop-append-extend."""

from __future__ import annotations

import libcst as cst

from perf_lint.rule import Invalid, Rule, Valid
from perf_lint.rules._loops import (
    FOR,
    LOOP_NODES,
    LoopFacts,
    appends,
    bound_to_list,
    init_value,
    is_empty,
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
    generator expression says in one call what the list gains.

    It is not faster: measured (`bench/fix_speed.py`, the "Speed" section
    below), `extend` with a generator expression is slower than the loop on
    every CPython from 3.9 to 3.13 up to at least ten items, and at every
    size from 3.11 on, where the interpreter specialises the `append` call.
    So the rule is opt-in and offers no fix: turn it on for the style, not
    for speed.

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
    No fix is offered, since it would slow the code down. Rewriting by hand
    changes behaviour where the receiver may not be a list at the time the
    loop runs, where the loop variables are read after the loop, or where
    the element raises `StopIteration` (a `RuntimeError` inside a generator
    expression). The loop is not reported when the list is used inside it
    other than by `append`.
    """

    CODE = "PRF402"
    NAME = "loop-append-extend"
    SUMMARY = "loop that only appends to an existing list → `r.extend(...)`, no fix (not faster)"
    MESSAGE = "Loop only appends to `{name}`; use `{name}.extend(...)`"
    OPT_IN = True
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
        Invalid("def f(xs):\n    r = [0]\n    for x in xs:\n        r.append(x)\n    return r\n"),
        Invalid("def f(xs, r: list):\n    for x in xs:\n        if x:\n            r.append(x)\n"),
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
        self.report(node, name=name)
