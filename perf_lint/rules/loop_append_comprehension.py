"""PRF401 loop-append-comprehension."""

from __future__ import annotations

from perf_lint.rule import Invalid, Valid
from perf_lint.rules._loops import FOR, LOOP_NODES, PY312, FreshContainerLoop, appends


class LoopAppendComprehension(FreshContainerLoop):
    """## What it does
    Checks for an empty list (`[]` or `list()`, with or without an
    annotation) created just before a `for` or `async for` loop whose body
    only appends to it, optionally under `if` statements without `else` and
    in nested `for` loops. Other statements may stand between the list and
    the loop (in the same block) when they cannot see it: none of them
    names the list, and none holds a `break` or `continue` of an enclosing
    loop; the comprehension then takes the loop's place (PRF403 and PRF404
    find their empty dict or set the same way).

    ## Why is this bad?
    The loop looks `append` up and calls it once per item. A list
    comprehension builds the same list with a dedicated instruction, which is
    faster, and says in one expression what the list holds.

    Before Python 3.12 (PEP 709) a comprehension is a function call, so the
    loop stays faster up to about ten items (up to a hundred on 3.11) and
    the comprehension wins only on longer loops (the "Speed" section below).
    From 3.12 on the comprehension is faster from three items on and within
    a few nanoseconds of the loop below that. The fix is therefore offered
    only when `target-version` is `py312` or later: set it in
    `[tool.perf-lint]` (ruff's key and values, `"py39"` to `"py313"`); it
    defaults to the lower bound of the project's `[project]
    requires-python`, else `py39`. For an older target the loop is still
    reported, without a fix.

    ## Example
    ```python
    def squares(numbers):
        result = []
        for n in numbers:
            if n > 0:
                result.append(n * n)
        return result
    ```

    Use instead:
    ```python
    def squares(numbers):
        result = [n * n for n in numbers if n > 0]
        return result
    ```

    ## Fix safety
    The fix replaces the two statements by one assignment of a list
    comprehension, keeping the annotation. The comment at the end of the
    `for` line (a note on the loop, another tool's `# noqa`) stays at the
    end of the new line, unless the list's own line has one; every other
    comment of the loop, inside its body included, moves to a line of its
    own above the new statement, in order. A comprehension has its own scope and binds the list only
    at the end, so the fix is offered as safe only when none of that can be
    seen. It is **unsafe** when:

    - the code is at module level (the list and the loop variable are
      globals, visible to the functions the loop calls and to importers
      after a failed import);
    - a loop variable is declared `global`/`nonlocal`, or used in a nested
      function, lambda, class or generator expression inside the loop;
    - the list's name is declared `global`/`nonlocal` or used in a nested
      scope, or the pair is inside a `try` or `with` of the function (when
      the loop raises, the original leaves a partly filled list that the
      handler, `finally` or the code after a suppressing `with` can read);
    - the function uses `locals()`, `vars()`, `dir()`, `eval`, `exec`,
      `globals()`, `breakpoint()` or frame introspection;
    - the element, a condition or a nested iterable uses `await` or
      `super`/`__class__` (zero-argument `super()` fails inside a
      comprehension before Python 3.12), or a loop variable is read before
      the comprehension binds it (in the loop's own iterable, say).

    No fix is offered in a class body (the comprehension could not see the
    class's names), when a loop target is not a plain name, when the loop
    holds `yield` or `:=`, or when a loop variable is read (or deleted)
    outside the loop where it may still hold the loop's value: after the
    loop, in a handler of a `try` around it, in a nested scope defined
    outside it, or before it inside an enclosing loop, unless a rebinding
    that the loop cannot come between (an assignment earlier in the same
    block, or another `for` over the same name around the read) shadows it.
    The comprehension would not bind it there: the code would raise
    `NameError` or `UnboundLocalError`, or see another value. The loop is
    not reported at all when the list is used inside it other than by
    `append`. A traceback's frame still shows a
    loop variable after an exception; debuggers are not considered.
    """

    CODE = "PRF401"
    NAME = "loop-append-comprehension"
    SUMMARY = (
        "`r = []` + loop that only appends → list comprehension (`target-version` py312 on); "
        "safe where nothing can see the difference (never in class bodies)"
    )
    MESSAGE = "Loop only appends to `{name}`; use a list comprehension"
    FIX_MESSAGE = "Replace the loop by a list comprehension"
    KIND = "list"
    METHOD = "append"
    PATTERN = (FOR, r"append")
    SHAPE_NODES = LOOP_NODES
    SCOPE_WIDE = True
    shape = staticmethod(appends)
    VALID = (
        Valid("def f(xs):\n    r = [0]\n    for x in xs:\n        r.append(x)\n    return r\n"),
        Valid("def f(xs):\n    r = []\n    for x in xs:\n        r.append(r)\n    return r\n"),
        Valid(
            "def f(xs):\n    r = []\n    for x in xs:\n        r.append(x)\n"
            "    else:\n        pass\n"
        ),
        Valid("def f(xs):\n    r = []\n    for x in xs:\n        print(x)\n        r.append(x)\n"),
        Valid("def f(xs):\n    r = []\n    print(r)\n    for x in xs:\n        r.append(x)\n"),
    )
    INVALID = (
        Invalid(
            "def f(xs):\n    r = []\n    for x in xs:\n        r.append(x + 1)\n    return r\n",
            fixed="def f(xs):\n    r = [x + 1 for x in xs]\n    return r\n",
            options=PY312,
        ),
        Invalid(
            "def f(xs):\n    r: list = list()\n    for x in xs:\n        if x:\n"
            "            r.append(x)\n    return r\n",
            fixed="def f(xs):\n    r: list = [x for x in xs if x]\n    return r\n",
            options=PY312,
        ),
        Invalid(
            "r = []\nfor x in xs:\n    r.append(x)\n",
            unsafe_fixed="r = [x for x in xs]\n",
            options=PY312,
        ),
        Invalid("class C:\n    r = []\n    for x in xs:\n        r.append(x)\n"),
        Invalid("def f(xs):\n    r = []\n    for x in xs:\n        r.append(x)\n    return r\n"),
        Invalid(
            "def f(xs):\n    r = []\n    for x in xs:\n        r.append(x)\n    return r\n",
            options=(("target-version", "py311"),),
        ),
        Invalid(
            "def f(xs):\n    r = []\n    n = len(xs)\n    for x in xs:\n        r.append(x * n)\n"
            "    return r\n",
            fixed="def f(xs):\n    n = len(xs)\n    r = [x * n for x in xs]\n    return r\n",
            options=PY312,
        ),
    )
