"""The committed table of ``bench/fix_speed.py`` (``perf_lint/data/fix_speed.json``):
it measures every rule that fixes, perf-lint offers no fix that it measured
slower, the decisions it records are the rules' current ones, and the rule
documentation shows it. The membership rules report exactly the displays
CPython turns into a constant set."""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Dict

import pytest

from perf_lint.config import Config
from perf_lint.docs import SPEED_TABLE, rule_page
from perf_lint.engine import Engine
from perf_lint.registry import BY_CODE, RULES
from perf_lint.rule import Fix

ROOT = Path(__file__).resolve().parent.parent
#: Below this ratio a fix counts as slower, unless it loses less than
#: ``NOISE_NS`` nanoseconds: timings of a few tens of nanoseconds on a shared
#: machine differ by that much between rounds.
SLOWER = 0.9
NOISE_NS = 5.0


def _table() -> Dict[str, Any]:
    return json.loads(SPEED_TABLE.read_text(encoding="utf-8"))


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fix_speed", ROOT / "bench" / "fix_speed.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fix_speed"] = module
    spec.loader.exec_module(module)
    return module


def test_every_fixing_rule_is_measured_on_several_pythons() -> None:
    table = _table()
    measured = {row["rule"] for row in table["cases"]}
    assert {rule.CODE for rule in RULES if rule.FIX is not Fix.NONE} <= measured
    assert len(table["pythons"]) >= 2
    for row in table["cases"]:
        assert set(row["results"]) == set(table["pythons"])


def test_the_table_holds_every_case_of_the_bench() -> None:
    keys = {case.key for case in _bench().all_cases()}
    rows = {f"{row['rule']}|{row['shape']}|{row['size']}" for row in _table()["cases"]}
    assert rows == keys


def test_no_fix_offered_is_slower() -> None:
    slower = [
        (row["rule"], row["shape"], row["size"], minor, result["ratio"])
        for row in _table()["cases"]
        for minor, result in row["results"].items()
        if result["offered"] is not False
        and result["ratio"] < SLOWER
        and result["after_ns"] - result["before_ns"] > NOISE_NS
    ]
    assert slower == []


def test_recorded_decisions_are_the_rules_current_ones() -> None:
    bench = _bench()
    cases = {case.key: case for case in bench.all_cases()}
    for row in _table()["cases"]:
        case = cases[f"{row['rule']}|{row['shape']}|{row['size']}"]
        for minor, result in row["results"].items():
            expected = bench.offered(case, minor) if case.lint else case.reported
            assert result["offered"] == expected, (case.key, minor)
            if BY_CODE[case.rule].FIX is Fix.NONE:
                assert expected is False


@pytest.mark.parametrize("code", ["PRF101", "PRF102", "PRF401", "PRF402", "PRF506"])
def test_rule_page_has_the_speed_section(code: str) -> None:
    table = _table()
    page = rule_page(BY_CODE[code])
    assert "\n## Speed\n" in page
    assert all(version in page for version in table["pythons"].values())
    rows = [row for row in table["cases"] if row["rule"] == code]
    for row in rows:
        size = "" if row["size"] is None else str(row["size"])
        ratios = " | ".join(
            f"*{r['ratio']:.2f}*" if r["offered"] is False else f"{r['ratio']:.2f}"
            for r in row["results"].values()
        )
        assert f"| {row['shape']} | {size} | {ratios} |" in page
    example = next((row for row in rows if row["size"] in (3, None)), rows[0])
    assert f"{example['before']}\n# fixed:\n{example['after']}\n" in page


def test_rules_without_measurements_have_no_speed_section() -> None:
    assert "Speed" not in rule_page(BY_CODE["PRF201"])


# -- membership: only what CPython folds into a constant set ------------------------

ELEMENTS = [
    "1",
    "-1",
    "+2.5",
    "3j",
    "'a'",
    "'a' 'b'",
    "b'c'",
    "None",
    "True",
    "...",
    "(1, 'x')",
    "((1, 2), 3)",
    "a",
    "a.b",
    "f'{a}'",
    "len(a)",
    "(1, a)",
    "*a",
    "-a",
    "(a := 1)",
]


def _folds(display: str) -> bool:
    """CPython stores the set of ``x in {...}`` as a frozenset constant."""
    code = compile(f"x in {display}", "<test>", "eval")
    return any(isinstance(const, frozenset) for const in code.co_consts)


@pytest.mark.parametrize("element", ELEMENTS)
@pytest.mark.parametrize("code, brackets", [("PRF101", "[]"), ("PRF102", "()")])
def test_membership_reports_only_what_becomes_a_constant(
    code: str, brackets: str, element: str
) -> None:
    engine = Engine(Config(select=(code,)))
    for elements in (f"{element},", f"'z', {element}", f"{element}, 'z', 1"):
        display = brackets[0] + elements + brackets[1]
        source = f"x in {display}\n"
        ast.parse(source)
        reported = bool(engine.check_text(source, "t.py").diagnostics)
        assert reported == _folds("{" + elements + "}"), source
