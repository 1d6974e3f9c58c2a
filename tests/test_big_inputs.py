"""Big flat inputs cost about what parsing them costs, and deep but valid
ones are analysed: a long ``or`` chain (flat to ``ast``, one level per
operator to libcst) is analysed like a short one, in ``check`` and in
``--fix``; a file libcst's own parser cannot take (though Python can) is
named with that reason.

The timing tests compare ratios of CPU time measured in this process (the
best of a few runs), never absolute times."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, List, Tuple

import libcst as cst
import pytest

import perf_lint
from perf_lint import positions, prefilter
from perf_lint.config import Config
from perf_lint.engine import Engine
from perf_lint.registry import BY_CODE
from perf_lint.trust import FixMode

#: The perf_lint under test (the one this process imported).
ROOT = Path(perf_lint.__file__).resolve().parent.parent


def chain(operator: str, terms: int) -> str:
    """A function returning a membership test (PRF101) joined to ``terms``
    names by ``operator``."""
    names = [f"a{index}" for index in range(terms)]
    return (
        f"def f(x, {', '.join(names)}):\n"
        f"    return x in [1, 2] {operator} {f' {operator} '.join(names)}\n"
    )


def found(source: str) -> List[Tuple[Any, ...]]:
    diagnostics = Engine(Config()).check_text(source, "chain.py").diagnostics
    return [
        (
            d.code,
            d.location,
            d.end_location,
            d.message,
            d.fix.edits if d.fix is not None else None,
        )
        for d in diagnostics
    ]


#: From Python 3.12 the C recursion limit is fixed (``sys.setrecursionlimit``
#: does not raise it, and no stack size helps): about 900 levels of libcst's
#: tree are the most that can be analysed there, and deeper files are
#: refused by name (E902), never a crash.
C_LIMITED = sys.version_info >= (3, 12)


def _refused(diagnostics: List[Any]) -> bool:
    return [d.code for d in diagnostics] == ["E902"] and "nested too deeply" in diagnostics[
        0
    ].message


@pytest.mark.parametrize("operator", ["or", "and"])
def test_a_long_boolean_chain_is_analysed_like_a_short_one(operator: str) -> None:
    short = found(chain(operator, 3))
    assert [item[0] for item in short] == ["PRF101"]
    if C_LIMITED:  # analysed as the short one (3.13), or refused by name (3.12)
        assert found(chain(operator, 500)) == short
        long = Engine(Config()).check_text(chain(operator, 2000), "c.py").diagnostics
        assert _refused(long) or found(chain(operator, 2000)) == short
        return
    assert found(chain(operator, 2000)) == short


def test_a_long_chain_is_fixed() -> None:
    source = chain("or", 2000)
    result = Engine(Config()).check_text(source, "chain.py", fix=FixMode.UNSAFE)
    if C_LIMITED and _refused(result.diagnostics):
        assert not result.changed
        return
    assert result.fixed["PRF101"] == 1
    assert result.fixed_source == source.replace("x in [1, 2]", "x in {1, 2}")
    ast.parse(result.fixed_source)


def test_a_chain_deeper_than_the_main_stack_is_analysed(tmp_path: Path) -> None:
    # 10,000 terms: libcst's native parser overflowed the 8 MB main stack
    # (the process died with SIGSEGV); Python accepts the file.
    path = tmp_path / "long_or.py"
    path.write_text(chain("or", 10_000))
    run = subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", "--no-cache", "--jobs", "1", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    if C_LIMITED:
        assert f"{path}:1:1: E902 cannot analyse: nested too deeply" in run.stdout
        return
    assert f"{path}:2:17: PRF101" in run.stdout
    assert "E902" not in run.stdout


def test_a_chain_too_deep_to_analyse_is_refused_by_name() -> None:
    source = "x = " + " or ".join(f"a{index}" for index in range(100_001)) + "\nx in [1, 2]\n"
    diagnostics = Engine(Config()).check_text(source, "huge.py").diagnostics
    assert [(d.code, d.path) for d in diagnostics] == [("E902", "huge.py")]
    assert "nested too deeply" in diagnostics[0].message
    assert "100,000" in diagnostics[0].message


def test_what_only_libcst_cannot_parse_is_named_so() -> None:
    # libcst's parser takes about 3,000 implicitly concatenated strings;
    # Python takes many more.
    strings = "".join(f"        'part{index}'\n" for index in range(4000))
    source = f"def f(x):\n    y = x in [1, 2]\n    return (\n{strings}    )\n"
    ast.parse(source)
    diagnostics = Engine(Config()).check_text(source, "strings.py").diagnostics
    assert [(d.code, d.path) for d in diagnostics] == [("E902", "strings.py")]
    assert "libcst cannot parse this file, which Python accepts" in diagnostics[0].message
    assert "SyntaxError" not in diagnostics[0].message


# -- cost ----------------------------------------------------------------------------


def best_time(call: Callable[[], Any], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        call()
        times.append(time.process_time() - start)
    return min(times)


def test_reducing_many_definitions_with_findings_is_not_quadratic() -> None:
    # 4,000 functions, each with a loop (a shape of the scope-wide rules):
    # every shape line was checked against every definition (16 million
    # comparisons); it costs a small part of Python's own parse.
    source = "".join(
        f"def f{index}(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n"
        "    return out\n\n\n"
        for index in range(4000)
    )
    tree = ast.parse(source)
    rules = [BY_CODE["PRF401"], BY_CODE["PRF402"]]
    found = prefilter.candidates(source, tree, rules)
    assert len(found.lines[BY_CODE["PRF401"]]) == 4000  # type: ignore[index]
    reducing = best_time(lambda: prefilter.reduced(source, tree, found))
    parsing = best_time(lambda: ast.parse(source))
    assert reducing < 0.2 * parsing


def test_positions_inside_a_reported_list_cost_a_fraction_of_its_parse() -> None:
    # The engine needs the ranges of the reported node and its parentheses
    # (and the statements around a statement): a 30,000-item list recorded
    # 130,000 ranges, costing more than libcst's parse of the file.
    items = "".join(f"    {index},\n" for index in range(30_000))
    source = f"def f(x):\n    return x in [\n{items}    ]\n"
    parsing = best_time(lambda: cst.parse_module(source), runs=2)
    module = cst.parse_module(source)
    statement = module.body[0].body.body[0].body[0]  # type: ignore[attr-defined]
    listed = statement.value.comparisons[0].comparator
    assert isinstance(listed, cst.List)

    def compute() -> positions.Positions:
        full = lambda: pytest.fail("fell back to the full computation")  # noqa: E731
        return positions.report_positions(module, [_Report(listed)], full)

    found = compute()
    assert found[listed].start.line == 2
    assert found[listed].end.line == 30_003
    assert best_time(compute) < 0.5 * parsing


class _Report:
    """A report of ``node`` with no fix."""

    def __init__(self, node: cst.CSTNode) -> None:
        self.node = node
        self.replacement = None
