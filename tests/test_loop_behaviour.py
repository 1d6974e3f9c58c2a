"""The loop rules (PRF401-PRF407) keep behaviour (SPEC.md §4):

* hand-written programs that print their results print the same thing after
  ``perf-lint check --fix`` (and after ``--unsafe-fixes`` where the unsafe
  fix is expected to keep behaviour), run as separate Python processes;
* generated loops of every shape the rules match (names reused in every
  position, conditions, nested loops, reads after the loop, enclosing
  loops, ``try`` blocks, class bodies, module level, side effects in the
  element) either stay untouched or print the same after the safe fix;
* every fix keeps the multiset of comments, and its JSON edit, applied
  alone, gives the text the engine writes;
* the text pre-filter admits every generated source the rules report.
"""

from __future__ import annotations

import collections
import contextlib
import io
import subprocess
import sys
import tokenize
from pathlib import Path
from typing import Callable, Counter, List, Set

import pytest
from hypothesis import example, find, given, settings
from hypothesis import strategies as st

from perf_lint.config import Config
from perf_lint.engine import Engine, FixMode
from tests.conftest import hypothesis_settings, without_shortcuts
from tests.test_properties import apply_edits

LOOP_CODES = ("PRF401", "PRF402", "PRF403", "PRF404", "PRF405", "PRF406", "PRF407")
#: The comprehension fixes are offered from Python 3.12 on.
PY312 = {"target-version": "py312"}
ENGINE = Engine(Config(select=LOOP_CODES, options=PY312))

PROGRAMS = {
    "function": """
def squares(xs):
    out = []
    for x in xs:
        if x % 2:
            out.append(x * x)
    return out
print(squares(range(7)))
""",
    "class_body": """
class Table:
    factor = 10
    rows = []
    for i in range(3):
        rows.append(i * factor)
    table = {}
    for i in range(3):
        table[i] = factor
print(Table.rows, Table.table)
""",
    "loop_variable_after_loop": """
def last(xs):
    out = []
    for x in xs:
        out.append(x)
    return out, x
print(last([1, 2, 3]))
""",
    "self_referencing": """
def fib(n):
    out = [0, 1]
    for i in range(n):
        out.append(out[-1] + out[-2])
    seen = set()
    for i in range(n):
        seen.add(len(seen))
    return out, seen
print(fib(6))
""",
    "async": """
import asyncio

async def numbers():
    for i in range(4):
        await asyncio.sleep(0)
        yield i

async def main():
    out = []
    async for n in numbers():
        if n:
            out.append(n * 2)
    first = {}
    async for n in numbers():
        first[n] = n + 1
    return out, first

print(asyncio.run(main()))
""",
    "exception_in_try": """
def partial(xs):
    out = []
    try:
        out = []
        for x in xs:
            out.append(10 // x)
    except ZeroDivisionError:
        pass
    return out
print(partial([1, 2, 0, 5]))
""",
    "module_level": """
values = []
for n in range(4):
    values.append(n * 3)
print(values, n)
""",
    "closure": """
def make(xs):
    out = []
    for x in xs:
        out.append(lambda: x)
    return [f() for f in out]
print(make([1, 2, 3]))
""",
    "enclosing_loop": """
def batches(groups):
    x = None
    seen = []
    for group in groups:
        seen.append(x)
        out = []
        for x in group:
            out.append(x)
    return seen, out
print(batches([[1, 2], [3, 4]]))
""",
    "dict_order": """
log = []
def k(v):
    log.append(("key", v))
    return v
def v(x):
    log.append(("value", x))
    return x * 2
def build(xs):
    d = {}
    for x in xs:
        d[k(x)] = v(x)
    return d
print(build([1, 2]), log)
""",
    "list_cast": """
def walk():
    items = [3, 1, 2]
    items.sort()
    out = []
    for x in list(items):
        out.append(x)
    pairs = {"a": 1, "b": 2}
    for key, _ in pairs.items():
        out.append(key)
    text = ""
    for x in out:
        text += str(x)
    return out, text
print(walk())
""",
    "mutating_copy": """
def drain():
    items = [1, 2, 3]
    for x in list(items):
        items.remove(x)
    return items
print(drain())
""",
}
#: Programs whose unsafe fixes are expected to keep behaviour too.
UNSAFE_KEEPS = {"function", "self_referencing", "async", "list_cast", "closure"}
#: Programs whose unsafe fixes do change the output: why they are unsafe.
UNSAFE_CHANGES = {
    "module_level",
    "exception_in_try",
}
#: Programs that get no fix at all: the loop variable is read after the loop
#: (its last value, or the next iteration of an enclosing loop), where a
#: comprehension would not bind it (issue 32: NameError, UnboundLocalError).
NOT_FIXED = {"loop_variable_after_loop", "enclosing_loop"}
# ``dict_order`` showed why PRF403's fix was unsafe; PRF403 offers no fix
# since issue 29 (not faster), so no flag changes that program.


def _run(path: Path) -> str:
    result = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    errors = result.stderr.strip().splitlines()
    return result.stdout + (errors[-1] if errors else "")


def _fix(path: Path, *flags: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", "--select", "PRF4", *flags, str(path)],
        capture_output=True,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_programs_print_the_same_after_fixing(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.py"
    path.write_text(PROGRAMS[name].lstrip(), encoding="utf-8")
    # The comprehension fixes are offered from Python 3.12 on.
    (tmp_path / "pyproject.toml").write_text(
        '[tool.perf-lint]\ntarget-version = "py312"\n', encoding="utf-8"
    )
    before = _run(path)
    _fix(path, "--fix")
    assert _run(path) == before
    if name in UNSAFE_KEEPS | UNSAFE_CHANGES:
        _fix(path, "--fix", "--unsafe-fixes")
        assert (_run(path) == before) == (name in UNSAFE_KEEPS)
    if name in NOT_FIXED:
        _fix(path, "--fix", "--unsafe-fixes")
        assert path.read_text(encoding="utf-8") == PROGRAMS[name].lstrip()


def test_the_programs_are_fixed_where_safe(tmp_path: Path) -> None:
    """The behaviour tests are not vacuous: safe fixes happen in the
    programs where they are safe, and not where they are not."""
    changed = set()
    for name, source in PROGRAMS.items():
        result = ENGINE.check_text(source.lstrip(), f"{name}.py", fix=FixMode.SAFE)
        if result.changed:
            changed.add(name)
    assert changed == {"function", "async", "list_cast"}


# -- generated loops ---------------------------------------------------------------

_NAMES = ["x", "y", "acc", "n"]


def _comments(source: str) -> Counter[str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return collections.Counter(t.string for t in tokens if t.type == tokenize.COMMENT)


@st.composite
def loops(draw: Callable) -> str:
    """A program with one container-filling loop in many surroundings."""
    kind = draw(st.sampled_from(["list", "list()", "dict", "dict()", "set"]))
    acc = draw(st.sampled_from(_NAMES))
    init = {"list": "[]", "list()": "list()", "dict": "{}", "dict()": "dict()", "set": "set()"}
    annotation = draw(st.sampled_from(["", ": object"]))
    depth = draw(st.integers(1, 2))
    lines: List[str] = []
    targets = []
    indent = ""
    body_lines = []
    for level in range(depth):
        target = draw(st.sampled_from([*_NAMES, "(x, y)", "i"]))
        source = draw(st.sampled_from(["xs", "range(3)", "pairs", "[x for x in xs]", "n_items(n)"]))
        if source == "pairs" or target == "(x, y)":
            source, target = "pairs", "(x, y)" if draw(st.booleans()) else "p"
        targets.append(target)
        body_lines.append(f"{indent}for {target} in {source}:  # loop {level}")
        indent += "    "
        if draw(st.booleans()):
            name = draw(st.sampled_from([*_NAMES, "p", "i"]))
            body_lines.append(f"{indent}if check({name}):")
            indent += "    "
    element = draw(st.sampled_from([*_NAMES, "p", "i", "(n, 1)", "side(1)", "side(n)", "3"]))
    if kind.startswith("dict"):
        key = draw(st.sampled_from([*_NAMES, "p", "i", "side(0)", "7"]))
        body_lines.append(f"{indent}{acc}[{key}] = {element}  # store")
    else:
        method = "add" if kind == "set" else "append"
        body_lines.append(f"{indent}{acc}.{method}({element})  # fill")
    place = draw(st.sampled_from(["function", "function", "module", "class", "loop", "try"]))
    # Statements between the container and the loop: some cannot see it
    # (the loop stays a comprehension), some name it or leave the block.
    seen = draw(st.sampled_from([*_NAMES, "p", "i"]))
    leave = draw(st.sampled_from(["break", "continue"])) if place == "loop" else "pass"
    between = draw(
        st.sampled_from(
            [
                [],
                [],
                ["trace.append('between')"],
                [f"trace.append(repr({seen}))"],
                [f"{seen} = side(2)"],
                [f"if check({seen}):", f"    {leave}"],
                ["for _ in xs:", "    continue"],
            ]
        )
    )
    pair = [f"{acc}{annotation} = {init[kind]}  # init", *between, *body_lines]
    after = draw(st.sampled_from(["", *_NAMES, "p", "i"]))
    lines = [
        "import collections",
        "trace = []",
        "def side(v):",
        "    trace.append(v)",
        "    return v",
        "def check(v):",
        "    trace.append(('check', v))",
        "    return v != 1",
        "def n_items(v):",
        "    return range(2)",
        "xs = [1, 2, 3]",
        "pairs = [(1, 2), (3, 4)]",
    ]

    def shown(name: str, pad: str) -> List[str]:
        return [
            f"{pad}try:",
            f"{pad}    trace.append(repr({name}))",
            f"{pad}except Exception as error:",
            f"{pad}    trace.append(type(error).__name__)",
        ]

    def body(pad: str) -> List[str]:
        out = [pad + line for line in pair]
        if after:
            out += shown(after, pad)
        out += shown(acc, pad)
        return out

    if place == "module":
        lines += ["n = 5", *body("")]
    elif place == "class":
        lines += ["class C:", "    n = 5", *body("    ")]
    else:
        lines += ["def f(n):", "    x = y = acc = p = i = 0"]
        if place == "loop":
            lines += ["    for _round in range(2):", *shown(after or "x", "        ")]
            lines += body("        ")
        elif place == "try":
            lines += ["    try:", *body("        "), "    except Exception:", "        pass"]
            lines += shown(acc, "    ")
        else:
            lines += body("    ")
        lines += ["f(5)"]
    lines += ["print(trace)"]
    return "\n".join(lines) + "\n"


def _execute(source: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(source, "generated.py", "exec"), {"__name__": "generated"})
        except Exception as error:  # the program's own failure is behaviour too
            print("raised", type(error).__name__)
    return out.getvalue()


@pytest.mark.slow
@hypothesis_settings(60)
@given(loops())
def test_generated_loops_keep_behaviour(source: str) -> None:
    result = ENGINE.check_text(source, "generated.py", fix=FixMode.SAFE)
    fixed = result.fixed_source
    assert fixed is not None
    if fixed != source:
        assert _execute(fixed) == _execute(source), fixed
    for mode in (FixMode.SAFE, FixMode.UNSAFE):
        output = ENGINE.check_text(source, "generated.py", fix=mode).fixed_source
        assert output is not None
        compile(output, "generated.py", "exec")
        assert _comments(output) == _comments(source)
        again = ENGINE.check_text(output, "generated.py", fix=mode).fixed_source
        assert again == output


# Found by this property: the JSON edit of a statement replaced by one with
# comment lines above it (PRF402 moving the loop's comments) left those
# lines unindented.
@example(
    "def f(xs):\n    y = []\n    print(y)\n    for x in xs:  # loop 0\n"
    "        y.append(x)  # fill\n    return y\n"
)
@hypothesis_settings(30)
@given(loops())
def test_each_edit_alone_matches_the_engine(source: str) -> None:
    """A diagnostic's JSON edit, applied alone, writes what the engine
    writes when that one fix is the only one (one rule selected, one loop)."""
    for diagnostic in ENGINE.check_text(source, "generated.py").diagnostics:
        if diagnostic.fix is None:
            continue
        engine = Engine(Config(select=(diagnostic.code,), options=PY312))  # type: ignore[arg-type]
        mode = FixMode.UNSAFE if diagnostic.fix.applicability == "unsafe" else FixMode.SAFE
        alone = apply_edits(source, diagnostic.fix.edits)
        compile(alone, "generated.py", "exec")
        assert _comments(alone) == _comments(source)
        if diagnostic.code in ("PRF401", "PRF402", "PRF403", "PRF404"):
            assert alone == engine.check_text(source, "generated.py", fix=mode).fixed_source


@hypothesis_settings(40)
@given(loops())
def test_shortcuts_change_nothing_on_generated_loops(source: str) -> None:
    found = ENGINE.check_text(source, "generated.py").diagnostics
    assert found == without_shortcuts(source, ENGINE.config, "generated.py")


def _loop_outcomes(source: str) -> Set[str]:
    """What the loop rules offer on ``source``: "safe", "unsafe" or "none"."""
    found = set()
    for diagnostic in ENGINE.check_text(source, "generated.py").diagnostics:
        if diagnostic.code in ("PRF401", "PRF403", "PRF404"):
            fix = diagnostic.fix
            found.add(fix.applicability.value if fix is not None else "none")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("outcome", ["safe", "unsafe", "none"])
def test_generator_reaches_every_outcome(outcome: str) -> None:
    """The generated programs get safe fixes, unsafe-only fixes and none:
    a search (seeded, so the run is repeatable) finds a program of each."""
    search = settings(max_examples=2000, database=None, derandomize=True, deadline=None)
    source = find(loops(), lambda text: outcome in _loop_outcomes(text), settings=search)
    assert outcome in _loop_outcomes(source)
