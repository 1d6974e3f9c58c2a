"""PRF404 loop-set-comprehension."""

from __future__ import annotations

from perf_lint.rule import Invalid, Valid
from perf_lint.rules._loops import FOR, LOOP_NODES, PY312, FreshContainerLoop, adds


class LoopSetComprehension(FreshContainerLoop):
    """## What it does
    Checks for an empty set (`set()`, with or without an annotation) created
    just before a `for` or `async for` loop whose body only adds to it
    (`s.add(x)`), optionally under `if` statements without `else` and in
    nested `for` loops.

    ## Why is this bad?
    Each iteration looks `add` up and calls it; a set comprehension builds
    the same set with a dedicated instruction and says in one expression
    what the set holds.

    As for PRF401 (`perf-lint rule PRF401`), the fix is offered only when
    `target-version` is `py312` or later: before PEP 709 a set
    comprehension is a function call, slower than the loop on short loops.

    ## Example
    ```python
    def domains(emails):
        found = set()
        for email in emails:
            found.add(email.partition("@")[2])
        return found
    ```

    Use instead:
    ```python
    def domains(emails):
        found = {email.partition("@")[2] for email in emails}
        return found
    ```

    ## Fix safety
    Exactly the conditions of PRF401 (`perf-lint rule PRF401`): safe inside
    a function when neither the set nor the loop variables can be seen
    elsewhere, unsafe at module level and wherever something could see the
    difference, not offered in a class body.
    """

    CODE = "PRF404"
    NAME = "loop-set-comprehension"
    SUMMARY = (
        "`s = set()` + loop that only adds → set comprehension (`target-version` py312 on), "
        "safe where proven"
    )
    MESSAGE = "Loop only adds to `{name}`; use a set comprehension"
    FIX_MESSAGE = "Replace the loop by a set comprehension"
    KIND = "set"
    METHOD = "add"
    PATTERN = (FOR, r"add(?<!\wadd)\b")
    SHAPE_NODES = LOOP_NODES
    SCOPE_WIDE = True
    shape = staticmethod(adds)
    VALID = (
        Valid("def f(xs):\n    s = {1}\n    for x in xs:\n        s.add(x)\n    return s\n"),
        Valid("def f(xs):\n    s = set()\n    for x in xs:\n        s.add(len(s))\n    return s\n"),
    )
    INVALID = (
        Invalid("def f(xs):\n    s = set()\n    for x in xs:\n        s.add(x)\n    return s\n"),
        Invalid(
            "def f(xs):\n    s = set()\n    for x in xs:\n        s.add(x)\n    return s\n",
            fixed="def f(xs):\n    s = {x for x in xs}\n    return s\n",
            options=PY312,
        ),
    )
