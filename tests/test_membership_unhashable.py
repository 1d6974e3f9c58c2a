"""Issue 32 item 3: a membership test whose left operand is a variable that
the function binds to a list, dict or set (a display, a comprehension, a
``.copy()`` of one, a ``list()``/``dict()``/``set()`` call) on some path is
reported, but gets no fix, even an unsafe one: the set would raise
``TypeError: unhashable type`` where the list or tuple answered ``False``."""

from __future__ import annotations

from pathlib import Path

import pytest

from perf_lint.config import parse_table
from perf_lint.engine import Engine, FixMode


def _engine() -> Engine:
    return Engine(parse_table({"select": ["PRF101", "PRF102"]}, "test", Path.cwd(), None))


def _run(source: str) -> tuple:
    engine = _engine()
    found = engine.check_text(source, "case.py").diagnostics
    fixed = engine.check_text(source, "case.py", fix=FixMode.UNSAFE).fixed_source
    return [d.code for d in found], fixed


UNHASHABLE = [
    "    key = []\n",
    "    key = [p for p in xs]\n",
    "    key = {'a': 1}\n",
    "    key = {1, 2}\n",
    "    key = {p: 1 for p in xs}\n",
    "    key = [1].copy()\n",
    "    key = list(xs)\n",
    "    key = dict()\n",
    "    key = set(xs)\n",
    "    key = ([],)\n",
]


@pytest.mark.parametrize("binding", UNHASHABLE)
@pytest.mark.parametrize("container", ["('a', 'b')", "['a', 'b']"])
def test_a_variable_bound_to_an_unhashable_value_gets_no_fix(binding: str, container: str) -> None:
    source = (
        "def f(xs, flag):\n"
        "    key = 'a'\n"
        "    if flag:\n"
        f"    {binding}"
        f"    return key in {container}\n"
    )
    codes, fixed = _run(source)
    assert codes == ["PRF102" if container.startswith("(") else "PRF101"]
    assert fixed is None or fixed == source
    # and the program shows why: the set would raise where the literal did not
    namespace: dict = {}
    exec(compile(source, "case.py", "exec"), namespace)
    assert namespace["f"]([1], True) is False


@pytest.mark.parametrize(
    "binding",
    [
        "    key = 'b'\n",
        "    key = xs[0]\n",  # unknown: the unsafe fix stays
        "    key = (1, 2)\n",
        "    key = list\n",  # the class itself hashes
    ],
)
def test_other_bindings_keep_the_fix(binding: str) -> None:
    source = (
        f"def f(xs, flag):\n    key = 'a'\n    if flag:\n    {binding}"
        "    return key in ('a', 'b')\n"
    )
    codes, fixed = _run(source)
    assert codes == ["PRF102"]
    assert fixed == source.replace("('a', 'b')", "{'a', 'b'}")


def test_a_rebound_builtin_is_not_the_builtin() -> None:
    source = (
        "def list(xs):\n    return 'a'\n\n"
        "def f(xs):\n    key = list(xs)\n    return key in ('a', 'b')\n"
    )
    codes, fixed = _run(source)
    assert codes == ["PRF102"]
    assert fixed == source.replace("('a', 'b')", "{'a', 'b'}")


def test_the_name_of_an_inner_scope_is_another_variable() -> None:
    source = (
        "def f(xs):\n"
        "    key = 'a'\n"
        "    def g():\n        key = []\n        return key\n"
        "    return key in ('a', 'b')\n"
    )
    codes, fixed = _run(source)
    assert codes == ["PRF102"]
    assert fixed == source.replace("('a', 'b')", "{'a', 'b'}")
