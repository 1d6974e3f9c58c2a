"""The text pre-filter: sound (never hides a diagnostic the full analysis
reports) and linear (no catastrophic regex backtracking)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from perf_lint.config import Config, parse_table
from perf_lint.engine import Engine, candidate_rules
from perf_lint.registry import RULES
from tests.conftest import fixture_options, fixture_sources

SHAPES = [
    "x in [1, 2]\n",
    "x in(1, 2)\n",
    "x in\\\n  [1, 2]\n",
    "(x in  # a comment\n  [1, 2])\n",
    "(x in  # comment ## with #### hashes\n  # another\n  (1, 2))\n",
    "(x not in\n\n  ((1, 2)))\n",
    "y = 1in [1]\n",
    "f(x)in[1]\n",
]


@pytest.mark.parametrize("source", SHAPES)
def test_prefilter_admits_every_reported_shape(source: str) -> None:
    found = Engine(Config()).check_text(source, "x.py").diagnostics
    assert found, "the shape is reported"
    admitted = {rule.CODE for rule in candidate_rules(source, RULES)}
    assert {d.code for d in found} <= admitted


def test_prefilter_admits_every_fixture() -> None:
    for path in fixture_sources():
        source = path.read_text(encoding="utf-8")
        config = parse_table(fixture_options(source), path.name, Path.cwd(), None)
        found = {d.code for d in Engine(config).check_text(source, str(path)).diagnostics}
        assert found, path.name
        assert found <= {rule.CODE for rule in candidate_rules(source, RULES, config)}, path.name


def test_prefilter_is_linear_on_runs_of_hashes() -> None:
    # pickletools.py once took minutes: "in" followed by a long run of "#".
    code = (
        "from perf_lint.engine import candidate_rules\n"
        "from perf_lint.registry import RULES\n"
        "source = 'x = a in b  ' + '#' * 5000 + '\\n' + 'in ' + '#' * 5000\n"
        "print(len(candidate_rules(source, RULES)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "0"
