"""Each rule's own VALID/INVALID examples, and the shape every rule must have."""

from __future__ import annotations

import dataclasses
import importlib
import re
from typing import List, Tuple, Type

import pytest

from perf_lint.config import Config
from perf_lint.engine import Engine, FixMode
from perf_lint.heat import ALL_HOT
from perf_lint.registry import RULES, codes_matching, rule_for
from perf_lint.rule import Fix, Invalid, Rule, Valid

SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Fix safety")


def _examples(kind: type) -> List[Tuple[Type[Rule], object]]:
    found = []
    for rule in RULES:
        examples = rule.VALID if kind is Valid else rule.INVALID
        found.extend((rule, example) for example in examples)
    return found


def _ids(item: Tuple[Type[Rule], object]) -> str:
    rule, example = item
    return f"{rule.CODE}:{example.code!r}"  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", _examples(Valid), ids=_ids)
def test_valid_examples(case: Tuple[Type[Rule], Valid]) -> None:
    rule, example = case
    engine = Engine(Config(select=(rule.CODE,)), heat=_heat(rule, example))
    result = engine.check_text(example.code, "example.py")
    assert result.diagnostics == []


def _heat(rule: Type[Rule], example: object) -> object:
    """The profile facts an example is checked with: its own, else (for a
    rule that needs a profile) every function hot."""
    given = example.heat  # type: ignore[attr-defined]
    return given if given is not None or not rule.NEEDS_PROFILE else ALL_HOT


@pytest.mark.parametrize("case", _examples(Invalid), ids=_ids)
def test_invalid_examples(case: Tuple[Type[Rule], Invalid]) -> None:
    rule, example = case
    config = Config(select=(rule.CODE,), options=dict(example.options))
    engine = Engine(config, heat=_heat(rule, example))  # type: ignore[arg-type]
    found = engine.check_text(example.code, "example.py").diagnostics
    assert found and {d.code for d in found} == {rule.CODE}
    safe = engine.check_text(example.code, "example.py", fix=FixMode.SAFE).fixed_source
    unsafe = engine.check_text(example.code, "example.py", fix=FixMode.UNSAFE).fixed_source
    expected_safe = example.fixed if example.fixed is not None else example.code
    assert safe == expected_safe
    expected_unsafe = example.unsafe_fixed if example.unsafe_fixed is not None else expected_safe
    assert unsafe == expected_unsafe


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.CODE)
def test_rule_shape(rule: Type[Rule]) -> None:
    assert re.fullmatch(r"PRF\d{3}", rule.CODE)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.NAME)
    assert "\n" not in rule.MESSAGE and rule.MESSAGE
    doc = rule.documentation()
    positions = [doc.find(section) for section in SECTIONS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), rule.CODE
    assert rule.VALID and rule.INVALID
    if rule.FIX is Fix.NONE:
        assert all(e.fixed is None and e.unsafe_fixed is None for e in rule.INVALID)
    else:
        assert any(e.fixed is not None or e.unsafe_fixed is not None for e in rule.INVALID)
    # One class in one module named after it, under perf_lint/rules/.
    module = re.sub(r"(?<!^)(?=[A-Z])", "_", rule.__name__).lower()
    assert rule.__module__ == f"perf_lint.rules.{module}"
    assert getattr(importlib.import_module(rule.__module__), rule.__name__) is rule
    assert dataclasses.is_dataclass(rule.OPTIONS)
    assert rule.OPTIONS.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_codes_and_names_are_unique() -> None:
    assert len({r.CODE for r in RULES}) == len(RULES)
    assert len({r.NAME for r in RULES}) == len(RULES)


def test_lookup() -> None:
    assert rule_for("prf101").CODE == "PRF101"
    assert rule_for("tuple-literal-membership").CODE == "PRF102"
    with pytest.raises(KeyError):
        rule_for("PRF999")
    # Codes are never renumbered: these exist whatever rules are added.
    for prefix, code in (("PRF1", "PRF101"), ("prf2", "PRF201"), ("PRF30", "PRF301")):
        assert code in codes_matching(prefix)
    codes = [rule.CODE for rule in RULES]
    for prefix in ("PRF", "PRF1", "PRF10", "PRF4", "PRF40", "PRF101", "PRF9"):
        found = codes_matching(prefix)
        assert found == tuple(code for code in codes if code.startswith(prefix.upper()))
        assert all(code.startswith(prefix) for code in found)
    assert codes_matching("PRF9") == ()
    assert set(codes_matching("PRF10")) <= set(codes_matching("PRF1"))
    assert "PRF201" not in codes_matching("PRF1")
