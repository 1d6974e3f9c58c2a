"""``docs/rules.md`` is generated from the rules and must not go stale."""

from __future__ import annotations

from pathlib import Path

from perf_lint.docs import rule_page, rules_markdown
from perf_lint.registry import RULES


def test_rules_markdown_is_current(root: Path) -> None:
    current = (root / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == rules_markdown(), "regenerate: python -m perf_lint.docs > docs/rules.md"


def test_every_rule_is_documented() -> None:
    text = rules_markdown()
    for rule in RULES:
        assert f"## {rule.CODE} {rule.NAME}" in text
        assert rule.documentation().splitlines()[1] in rule_page(rule)
