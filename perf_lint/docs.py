"""Rule documentation, generated from the rules themselves: the text of
``perf-lint rule``, ``perf-lint rules`` and ``docs/rules.md``."""

from __future__ import annotations

import dataclasses
from typing import List, Type

from perf_lint.config import option_key
from perf_lint.registry import RULES
from perf_lint.rule import Fix, Rule

_FIX_LINES = {
    Fix.SAFE: "Fix is always available and safe.",
    Fix.SAFE_WHEN_PROVEN: "Fix is always available; it is safe where the rule can prove it, "
    "unsafe otherwise.",
    Fix.UNSAFE: "Fix is always available; it is unsafe (applied with `--unsafe-fixes`).",
    Fix.NONE: "No fix is available.",
}


def rule_page(rule: Type[Rule], heading: str = "#") -> str:
    """The full documentation of one rule, as Markdown."""
    lines: List[str] = [
        f"{heading} {rule.CODE} {rule.NAME}",
        "",
        f"Message: {rule.MESSAGE}",
        "",
        _FIX_LINES[rule.FIX],
        "",
    ]
    body = rule.documentation()
    if heading != "#":
        body = "\n".join(
            ("#" * (len(heading) - 1) + row) if row.startswith("## ") else row
            for row in body.splitlines()
        )
    lines.append(body)
    fields = dataclasses.fields(rule.OPTIONS)
    if fields:
        lines.extend(["", f"{heading}# Options", ""])
        for field in fields:
            help_text = field.metadata.get("help", "")
            lines.append(f"- `{option_key(field.name)}` (default `{field.default!r}`): {help_text}")
    return "\n".join(lines).rstrip() + "\n"


def rules_table() -> str:
    """One row per rule: code, name, fix level, message."""
    rows = [f"{'code':<8}{'name':<32}{'fix':<18}message"]
    for rule in RULES:
        rows.append(f"{rule.CODE:<8}{rule.NAME:<32}{rule.FIX.value:<18}{rule.MESSAGE}")
    return "\n".join(rows) + "\n"


def rules_markdown() -> str:
    """The whole of ``docs/rules.md``."""
    parts = [
        "# Rules",
        "",
        "Generated from the rules' own documentation by "
        "`python -m perf_lint.docs > docs/rules.md`; do not edit by hand.",
        "",
        "| code | name | fix | message |",
        "|---|---|---|---|",
    ]
    for rule in RULES:
        anchor = f"{rule.CODE.lower()}-{rule.NAME}"
        parts.append(
            f"| [{rule.CODE}](#{anchor}) | {rule.NAME} | {rule.FIX.value} | {rule.MESSAGE} |"
        )
    parts.append("")
    for rule in RULES:
        parts.append(rule_page(rule, heading="##"))
    return "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover
    print(rules_markdown(), end="")
