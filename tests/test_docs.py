"""``docs/rules.md`` and the README's table of rules are generated from the
registry and the rules' own text, and must not go stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from perf_lint.docs import readme_table, rule_page, rules_markdown, with_readme_table
from perf_lint.registry import RULES


def test_rules_markdown_is_current(root: Path) -> None:
    current = (root / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == rules_markdown(), "regenerate: python -m perf_lint.docs --write"


def test_readme_table_is_current(root: Path) -> None:
    current = (root / "README.md").read_text(encoding="utf-8")
    assert current == with_readme_table(current), "regenerate: python -m perf_lint.docs --write"
    # The generated block is the only table of rules: a second, hand-kept one
    # goes stale (one lacked PRF103 and PRF501-PRF506).
    assert current.count("| code | name | default | fix |") == 1
    assert current.count("<!-- end of rules -->") == 1
    table = readme_table()
    for rule in RULES:
        default = "*opt-in*" if rule.OPT_IN else "on"
        assert f"| {rule.CODE} | {rule.NAME} | {default} | " in table
        assert rule.SUMMARY, f"{rule.CODE} has no SUMMARY for the README"


def test_every_rule_is_documented() -> None:
    text = rules_markdown()
    for rule in RULES:
        assert f"## {rule.CODE} {rule.NAME}" in text
        assert rule.documentation().splitlines()[1] in rule_page(rule)


def test_rule_command_prints_the_documented_text(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``perf-lint rule CODE`` and the section of ``docs/rules.md`` hold the
    same text; only the heading levels differ (one level deeper in the file)."""
    from perf_lint.cli import main

    document = (root / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert main(["rule", rule.CODE]) == 0
        printed = capsys.readouterr().out.splitlines()
        start = document.index(f"## {rule.CODE} {rule.NAME}\n")
        section = document[start:].splitlines()[: len(printed)]
        assert len(section) == len(printed)
        for in_file, on_screen in zip(section, printed):
            assert in_file in (on_screen, "#" + on_screen), (rule.CODE, in_file, on_screen)
        assert section[0] == "#" + printed[0]


def test_configuration_keys_are_documented(root: Path) -> None:
    """``docs/configuration.md`` is generated from the known-keys table and
    the rules' options: every key the loader accepts has its row, and a key
    that is not there is refused."""
    from perf_lint.config import GENERAL_KEYS, ConfigError, parse_table, rule_option_fields
    from perf_lint.docs import configuration_markdown

    current = (root / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert current == configuration_markdown(), "regenerate: python -m perf_lint.docs --write"
    for key in (*GENERAL_KEYS, *rule_option_fields()):
        assert f"| `{key}` |" in current, key
    assert "max-profile-size" in GENERAL_KEYS
    with pytest.raises(ConfigError, match="unknown key `max-profile-sizes`"):
        parse_table({"max-profile-sizes": 1}, "pyproject.toml", root, None)
