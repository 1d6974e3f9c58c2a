"""PRF403 loop-dict-comprehension."""

from __future__ import annotations

from perf_lint.rule import Invalid, Valid
from perf_lint.rules._loops import FOR, LOOP_NODES, SETITEM, FreshContainerLoop, stores_items


class LoopDictComprehension(FreshContainerLoop):
    """## What it does
    Checks for an empty dict (`{}` or `dict()`, with or without an
    annotation) created just before a `for` or `async for` loop whose body
    only stores items in it (`d[key] = value`), optionally under `if`
    statements without `else` and in nested `for` loops.

    ## Why is this bad?
    Each iteration looks the dict up and calls its item assignment; a dict
    comprehension builds the same dict with a dedicated instruction and says
    in one expression what the dict holds.

    ## Example
    ```python
    def index(users):
        by_id = {}
        for user in users:
            by_id[user.id] = user
        return by_id
    ```

    Use instead:
    ```python
    def index(users):
        by_id = {user.id: user for user in users}
        return by_id
    ```

    ## Fix safety
    The same conditions as PRF401 (`perf-lint rule PRF401`) decide whether
    the fix is safe, unsafe or not offered, with one more: `d[k] = v`
    evaluates `v` before `k`, while `{k: v for ...}` evaluates `k` first. The
    fix is safe only when one of the two can neither raise nor have an
    effect (a constant, a loop variable, or a tuple of those); otherwise it
    is unsafe.
    """

    CODE = "PRF403"
    NAME = "loop-dict-comprehension"
    SUMMARY = "`d = {}` + loop that only stores `d[k] = v` → dict comprehension, safe where proven"
    MESSAGE = "Loop only stores items in `{name}`; use a dict comprehension"
    FIX_MESSAGE = "Replace the loop by a dict comprehension"
    KIND = "dict"
    METHOD = "setitem"
    PATTERN = (FOR, SETITEM)
    SHAPE_NODES = LOOP_NODES
    SCOPE_WIDE = True
    shape = staticmethod(stores_items)
    VALID = (
        Valid("def f(xs):\n    d = {1: 2}\n    for x in xs:\n        d[x] = 1\n    return d\n"),
        Valid("def f(xs):\n    d = {}\n    for x in xs:\n        d[x] = d\n    return d\n"),
        Valid("def f(xs):\n    d = {}\n    for x in xs:\n        d[x:1] = 1\n    return d\n"),
    )
    INVALID = (
        Invalid(
            "def f(xs):\n    d = {}\n    for x in xs:\n        d[x] = g(x)\n    return d\n",
            fixed="def f(xs):\n    d = {x: g(x) for x in xs}\n    return d\n",
        ),
        Invalid(
            "def f(xs):\n    d = dict()\n    for x in xs:\n        d[k(x)] = g(x)\n    return d\n",
            unsafe_fixed="def f(xs):\n    d = {k(x): g(x) for x in xs}\n    return d\n",
        ),
    )
