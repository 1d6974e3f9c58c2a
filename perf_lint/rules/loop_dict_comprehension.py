"""PRF403 loop-dict-comprehension."""

from __future__ import annotations

from perf_lint.rule import Fix, Invalid, NoOptions, Valid
from perf_lint.rules._loops import FOR, LOOP_NODES, PY312, SETITEM, FreshContainerLoop, stores_items


class LoopDictComprehension(FreshContainerLoop):
    """## What it does
    Checks for an empty dict (`{}` or `dict()`, with or without an
    annotation) created just before a `for` or `async for` loop whose body
    only stores items in it (`d[key] = value`), optionally under `if`
    statements without `else` and in nested `for` loops.

    ## Why is this bad?
    A dict comprehension says in one expression what the dict holds.

    It is not faster: measured (`bench/fix_speed.py`, the "Speed" section
    below), the loop's item assignment is as fast as the comprehension's
    on CPython 3.12 and later (within a few percent at every size), and
    before 3.12 (PEP 709) the comprehension is a function call, slower than
    the loop up to about ten items and no faster on longer loops. So the
    rule is opt-in and offers no fix: turn it on for the style, not for
    speed.

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
    No fix is offered, since it would not make the code faster. Rewriting
    by hand changes behaviour where PRF401's fix would be unsafe (`perf-lint
    rule PRF401`), and also where evaluating the key before the value
    matters: `d[k] = v` evaluates `v` first, `{k: v for ...}` evaluates `k`
    first.
    """

    CODE = "PRF403"
    NAME = "loop-dict-comprehension"
    SUMMARY = (
        "`d = {}` + loop that only stores `d[k] = v` → dict comprehension, no fix (not faster)"
    )
    MESSAGE = "Loop only stores items in `{name}`; use a dict comprehension"
    FIX = Fix.NONE
    OPTIONS = NoOptions
    OPT_IN = True
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
        Invalid("def f(xs):\n    d = {}\n    for x in xs:\n        d[x] = g(x)\n    return d\n"),
        Invalid(
            "def f(xs):\n    d = dict()\n    for x in xs:\n        d[k(x)] = g(x)\n    return d\n",
            options=PY312,
        ),
    )
