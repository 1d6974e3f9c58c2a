"""Rule documentation, generated from the registry and the rules' own
text: ``perf-lint rule``, ``perf-lint rules``, ``docs/rules.md`` and the
table of rules in the README (between its ``rules`` markers); and
``docs/configuration.md``, every key of ``[tool.perf-lint]`` from the
known-keys table (``perf_lint.config.KEYS``) and the rules' options. The
"Speed" section of a rule comes from the table ``bench/fix_speed.py``
measures (``perf_lint/data/fix_speed.json``).

``python -m perf_lint.docs --write`` regenerates the files; the tests fail
when one is stale."""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Type

from perf_lint.config import KEYS, option_key, rule_option_fields
from perf_lint.registry import RULES
from perf_lint.rule import BaseRule, Fix

_FIX_LINES = {
    Fix.SAFE: "Fix is always available and safe.",
    Fix.SAFE_WHEN_PROVEN: "Fix is always available; it is safe where the rule can prove it, "
    "unsafe otherwise.",
    Fix.UNSAFE: "Fix is always available; it is unsafe (applied with `--unsafe-fixes`).",
    Fix.NONE: "No fix is available.",
}


#: The table ``bench/fix_speed.py`` writes.
SPEED_TABLE = Path(__file__).resolve().parent / "data" / "fix_speed.json"


@functools.lru_cache(maxsize=1)
def speed_table() -> Optional[Dict[str, Any]]:
    """The measured table of fix speeds (``None`` when it is not there)."""
    try:
        return json.loads(SPEED_TABLE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def speed_section(rule: Type[BaseRule], heading: str = "#") -> List[str]:
    """The "Speed" section of ``rule``'s page: for each shape and size
    ``bench/fix_speed.py`` measured, the time of the reported code divided
    by the time of the code the fix (or the "Use instead") writes, on each
    Python measured. Empty for a rule that was not measured."""
    table = speed_table()
    rows = [row for row in (table or {}).get("cases", ()) if row["rule"] == rule.CODE]
    if table is None or not rows:
        return []
    minors = list(table["pythons"])
    versions = ", ".join(table["pythons"].values())
    lines = [
        f"{heading}# Speed",
        "",
        f"Measured by `python bench/fix_speed.py` on CPython {versions}: the time of the "
        "reported code divided by the time of the code the fix writes (or, without a fix, "
        'the "Use instead" code), so above 1 the replacement is faster '
        f"({table['method']}). A ratio in *italics* is one where perf-lint does not offer "
        "the fix (for that `target-version`) or does not report the code.",
        "",
        "```python",
    ]
    # One example per shape (with 3 items where size applies); shapes that
    # differ only in the data (a value found or absent) share theirs.
    examples: Dict[str, Dict[str, Any]] = {}
    for row in rows:
        known = examples.get(row["shape"])
        if known is None or (known["size"] != 3 and row["size"] == 3):
            examples[row["shape"]] = row
    shown: Dict[Tuple[str, str], List[str]] = {}
    for shape, row in examples.items():
        size = "" if row["size"] is None else f", {row['size']} items"
        shown.setdefault((row["before"], row["after"]), []).append(shape + size)
    for index, ((before, after), shapes) in enumerate(shown.items()):
        lines += [*([""] if index else []), f"# {'; '.join(shapes)}", before, "# fixed:", after]
    lines += [
        "```",
        "",
        "| shape | items | " + " | ".join(minors) + " |",
        "|---|---|" + "---|" * len(minors),
    ]
    for row in rows:
        cells = []
        for minor in minors:
            result = row["results"][minor]
            text = f"{result['ratio']:.2f}"
            cells.append(f"*{text}*" if result["offered"] is False else text)
        size = "" if row["size"] is None else str(row["size"])
        lines.append(f"| {row['shape']} | {size} | " + " | ".join(cells) + " |")
    return lines


def rule_page(rule: Type[BaseRule], heading: str = "#") -> str:
    """The full documentation of one rule, as Markdown."""
    fix_line = _FIX_LINES[rule.FIX]
    if any(field.name == "target_version" for field in dataclasses.fields(rule.OPTIONS)):
        from perf_lint.rules._loops import INLINED_COMPREHENSIONS

        fix_line = (
            f'Fix is available when `target-version` is `"{INLINED_COMPREHENSIONS}"` or later; '
            "it is safe where the rule can prove it, unsafe otherwise."
        )
    lines: List[str] = [
        f"{heading} {rule.CODE} {rule.NAME}",
        "",
        f"Message: {rule.MESSAGE}",
        "",
        fix_line,
        "",
    ]
    if rule.OPT_IN:
        size_rules = " (or `PRF2` for every size rule)" if rule.CODE.startswith("PRF2") else ""
        lines += [
            "Opt-in: not in the default selection. Turn it on with a selector that names it: "
            f"`--extend-select {rule.CODE}`{size_rules}, or "
            f'`extend-select = ["{rule.CODE}"]` in `[tool.perf-lint]`.',
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
    section = speed_section(rule, heading)
    if section:
        lines += ["", *section]
    return "\n".join(lines).rstrip() + "\n"


def rules_table() -> str:
    """One row per rule: code, name, fix level, message."""
    rows = [f"{'code':<8}{'name':<32}{'fix':<18}{'default':<9}message"]
    for rule in RULES:
        default = "opt-in" if rule.OPT_IN else "on"
        rows.append(f"{rule.CODE:<8}{rule.NAME:<32}{rule.FIX.value:<18}{default:<9}{rule.MESSAGE}")
    return "\n".join(rows) + "\n"


def rules_markdown() -> str:
    """The whole of ``docs/rules.md``."""
    parts = [
        "# Rules",
        "",
        "Generated from the rules' own documentation by "
        "`python -m perf_lint.docs --write`; do not edit by hand.",
        "",
        "Rules marked *opt-in* are not in the default selection; a selector that names "
        "them turns them on (`--extend-select PRF2`).",
        "",
        "| code | name | fix | default | message |",
        "|---|---|---|---|---|",
    ]
    for rule in RULES:
        anchor = f"{rule.CODE.lower()}-{rule.NAME}"
        default = "*opt-in*" if rule.OPT_IN else "on"
        parts.append(
            f"| [{rule.CODE}](#{anchor}) | {rule.NAME} | {rule.FIX.value} | {default} "
            f"| {rule.MESSAGE} |"
        )
    parts.append("")
    for rule in RULES:
        parts.append(rule_page(rule, heading="##"))
    parts += ["## PRF001 unused-noqa", "", UNUSED_NOQA_TEXT]
    parts += ["## E902 file-problem", "", FILE_PROBLEM_TEXT]
    return "\n".join(parts)


#: The documentation of ``PRF001`` (unused noqa comments), an opt-in check the
#: engine makes after the rules (``perf_lint.noqa``).
UNUSED_NOQA_TEXT = """\
*Opt-in*, turned on only by a selector that names it (`--extend-select PRF001`
or `PRF0`; `--select PRF` leaves it off); fix: safe. ruff's `RUF100` for PRF
codes; the flake8 plugin reports it too when selected. The language server
does not report it (its incremental analysis does not record which `# noqa`
comments were used).

## What it does
Reports a `# noqa: PRF...` comment whose PRF codes suppress nothing in the
file: the finding it once hid is gone, the code names a rule that is not
selected, or a file-level `# perf-lint: noqa` already covers it. Only PRF
codes are judged (`# noqa: E501, PRF101` is about PRF101 alone: the other
codes belong to other tools), and a bare `# noqa` is never reported.

## Why is this bad?
A stale `# noqa` hides the next finding on its line without anyone
deciding so.

## Fix safety
The fix removes the unused codes: the whole directive when no code is left
in it, the whole comment when nothing else is (`# noqa: PRF101  # why`
keeps `# why`); the code is not touched.
"""


#: The documentation of ``E902`` (file problems), in ``docs/rules.md`` and
#: SARIF's rule descriptions.
FILE_PROBLEM_TEXT = """\
A problem with a file itself rather than with its code: it cannot be read
(`io-error`: a missing path, a permission denied, a directory loop), its
bytes are not Python source text (`decode-error`: binary data, an encoding
that its PEP 263 declaration does not name), or Python cannot parse it
(`syntax-error`, `parse-error`). Every output format gives it the code
`E902` (ruff's code for a file it cannot read) and the kind as its name,
at the place the problem is (1:1 when there is none). The run goes on with
the other files, and the exit code is 1.

No rule selection hides it (`--select PRF1` does not): only `--ignore
E902` (or `ignore`/`per-file-ignores` in the configuration) does, and then
it is printed as a warning on stderr and does not count towards the exit
code. `# noqa` comments cannot silence it. The flake8 plugin leaves file
problems to flake8, which reports them as its own `E902` and `E999`.
"""


def configuration_markdown() -> str:
    """The whole of ``docs/configuration.md``: every key ``[tool.perf-lint]``
    accepts (an unknown key is an error), with its value and default."""
    parts = [
        "# Configuration keys",
        "",
        "Generated from the known-keys table (`perf_lint/config.py`) and the rules' "
        "options by `python -m perf_lint.docs --write`; do not edit by hand.",
        "",
        "Every key of `[tool.perf-lint]` (or the top level of a `--config` file that is "
        "not a `pyproject.toml`). A key not listed here, or a value of the wrong type, "
        "is an error naming the key and the file (exit 2). A `pyproject.toml` that is "
        "not a regular file, is not UTF-8, is not TOML, nests too deeply or whose "
        "`tool` is not a table is an error naming it, wherever it is on the way up.",
        "",
        "## General keys",
        "",
        "| key | value | default | meaning |",
        "|---|---|---|---|",
    ]
    for key in KEYS:
        parts.append(f"| `{key.name}` | {key.value} | {key.default} | {key.help} |")
    parts += [
        "",
        "## Rule options",
        "",
        "Declared by the rules (`perf-lint rule CODE` shows each rule's); the flake8 "
        "plugin also reads them from flake8's configuration as `--perf-lint-KEY`.",
        "",
        "| key | rules | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, (field, rules) in sorted(rule_option_fields().items()):
        codes = ", ".join(rule.CODE for rule in rules)
        help_text = field.metadata.get("help", "")
        parts.append(f"| `{name}` | {codes} | `{field.default!r}` | {help_text} |")
    return "\n".join(parts) + "\n"


#: The markers around the README's table of rules.
README_START = "<!-- rules: generated by `python -m perf_lint.docs --write` -->"
README_END = "<!-- end of rules -->"


def readme_table() -> str:
    """The README's table of rules: code, name, whether it is on by default
    and what the fix does."""
    rows = ["| code | name | default | fix |", "|---|---|---|---|"]
    rows += [
        f"| {rule.CODE} | {rule.NAME} | {'*opt-in*' if rule.OPT_IN else 'on'} | {rule.SUMMARY} |"
        for rule in RULES
    ]
    return "\n".join(rows) + "\n"


def with_readme_table(readme: str) -> str:
    """``readme`` with the text between its markers replaced by the table."""
    start = readme.index(README_START) + len(README_START)
    end = readme.index(README_END, start)
    return readme[:start] + "\n" + readme_table() + readme[end:]


class RuffFlag(NamedTuple):
    """One row of ``docs/ruff.md``: a flag of ``ruff check``, what
    ``perf-lint check`` does with it (``same``: the flag, with ruff's
    meaning; ``differs``: the flag, with the difference said; ``refused``:
    a usage error, exit 2), and the details."""

    flag: str
    support: str
    details: str


#: ``ruff check``'s flags (ruff 0.17) and perf-lint's answer to each; every
#: row is tested (``tests/test_ruff_flags.py``).
RUFF_FLAGS = (
    RuffFlag("--fix", "same", "Apply the safe fixes and write the files."),
    RuffFlag("--unsafe-fixes", "same", "Consider unsafe fixes too."),
    RuffFlag("--show-fixes", "same", "List the fixes applied, per file."),
    RuffFlag("--diff", "same", "Print the fixes as a unified diff; write nothing; exit 1 if any."),
    RuffFlag(
        "-w, --watch",
        "same",
        "Check again whenever a Python file or `pyproject.toml` under the paths changes (polling).",
    ),
    RuffFlag("--fix-only", "same", "Apply fixes; neither report nor fail on what is left."),
    RuffFlag("--ignore-noqa", "same", "`# noqa` comments hide nothing."),
    RuffFlag(
        "--output-format",
        "differs",
        "`text` (ruff's `concise`), `json`, `json-lines`, `sarif`, `github`, `junit`, "
        "`grouped`; `--format` is the older name. ruff's `full`, `gitlab`, `pylint`, "
        "`rdjson` and `azure` are refused.",
    ),
    RuffFlag("-o, --output-file", "same", "Write the report to the file, not stdout."),
    RuffFlag(
        "--target-version",
        "same",
        "`py39` ... `py313`; wins over `target-version` and `requires-python`.",
    ),
    RuffFlag("--preview", "refused", "perf-lint has no preview rules."),
    RuffFlag("--extension", "refused", "Only `.py` and `.pyi` files are checked."),
    RuffFlag(
        "--statistics",
        "same",
        "Counts per rule; with `--output-format json`, ruff's objects (`code`, `name`, "
        "`count`, `fixable`, `fixable_count`).",
    ),
    RuffFlag(
        "--add-noqa",
        "differs",
        "Add `# noqa: CODE` to every line with a diagnostic (to a `# noqa: ...` already "
        "there); no REASON argument.",
    ),
    RuffFlag("--add-ignore", "refused", "Use `--add-noqa`."),
    RuffFlag("--show-files", "same", "List the files that would be checked, and exit 0."),
    RuffFlag(
        "--show-settings",
        "differs",
        "The resolved configuration of the first file, as `key = value` lines.",
    ),
    RuffFlag("--select", "same", "Code prefixes: `PRF`, `PRF1`, `PRF101`, `E902`."),
    RuffFlag("--ignore", "same", "Code prefixes."),
    RuffFlag("--extend-select", "same", "Code prefixes."),
    RuffFlag(
        "--per-file-ignores",
        "same",
        "`PATTERN:CODES` pairs, comma-separated (`tests/*:PRF101,PRF102`); replaces "
        "`per-file-ignores`.",
    ),
    RuffFlag("--extend-per-file-ignores", "same", "Adds to `per-file-ignores`."),
    RuffFlag("--fixable", "refused", "Every fix is fixable; choose with `--select`."),
    RuffFlag("--unfixable", "refused", "Every fix is fixable; choose with `--select`."),
    RuffFlag("--extend-fixable", "refused", "Every fix is fixable."),
    RuffFlag(
        "--exclude",
        "same",
        "Replaces `exclude` (comma-separated patterns, matched as in the configuration).",
    ),
    RuffFlag("--extend-exclude", "same", "Adds to `extend-exclude`."),
    RuffFlag("--respect-gitignore", "refused", "`.gitignore` is not read; use `extend-exclude`."),
    RuffFlag(
        "--force-exclude",
        "same",
        "Exclusions apply to files named on the command line (and `--stdin-filename`) too; "
        "`--no-force-exclude` turns it off. The pre-commit hooks use it.",
    ),
    RuffFlag("-n, --no-cache", "same", "Neither read nor write the results cache."),
    RuffFlag("--cache-dir", "same", "Where the results cache lives."),
    RuffFlag(
        "--stdin-filename",
        "same",
        "The name of the file read from stdin; alone (no path) it reads stdin.",
    ),
    RuffFlag("-e, --exit-zero", "same", "Exit 0 even when diagnostics remain."),
    RuffFlag("--exit-non-zero-on-fix", "same", "Exit 1 when a file was fixed."),
    RuffFlag("-q, --quiet", "same", "Print diagnostics only."),
    RuffFlag("-s, --silent", "refused", "Use `--quiet` and the exit code."),
    RuffFlag("-v, --verbose", "refused", "Use `--timings` for where the time goes."),
    RuffFlag(
        "--config",
        "differs",
        "A `pyproject.toml` or TOML file; ruff's inline `KEY = VALUE` overrides are refused.",
    ),
    RuffFlag("--isolated", "refused", "Use `--config` with an empty TOML file."),
    RuffFlag("--color", "refused", "Colour follows the terminal, `NO_COLOR` and `FORCE_COLOR`."),
    RuffFlag("--line-length", "refused", "No rule of perf-lint depends on it."),
)


def ruff_markdown() -> str:
    """The whole of ``docs/ruff.md``: ``ruff check``'s flags, row by row."""
    lines = [
        "# perf-lint for ruff users",
        "",
        "<!-- generated by `python -m perf_lint.docs --write` from perf_lint/docs.py -->",
        "",
        "`perf-lint check` takes `ruff check`'s flags with ruff's meanings where",
        "they apply. *same*: the flag does what it does in ruff; *differs*: the",
        "flag exists and the difference is said; *refused*: a usage error (exit 2,",
        "`check`'s usage printed). Configuration keys follow ruff's too",
        "([configuration.md](configuration.md)); `# noqa`, `# ruff: noqa` and",
        "`# flake8: noqa` are honoured as ruff honours them.",
        "",
        "| ruff check | perf-lint check | details |",
        "|---|---|---|",
    ]
    for row in RUFF_FLAGS:
        flags = ", ".join(f"`{flag}`" for flag in row.flag.split(", "))
        lines.append(f"| {flags} | {row.support} | {row.details} |")
    return "\n".join(lines) + "\n"


def write(root: Path) -> List[Path]:
    """Regenerate ``docs/rules.md`` and the README's table under ``root``;
    the files that changed."""
    changed = []
    targets = {
        root / "docs" / "rules.md": lambda text: rules_markdown(),
        root / "docs" / "configuration.md": lambda text: configuration_markdown(),
        root / "docs" / "ruff.md": lambda text: ruff_markdown(),
        root / "README.md": with_readme_table,
    }
    for path, render in targets.items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        wanted = render(current)
        if wanted != current:
            path.write_text(wanted, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: Optional[Sequence[str]] = None) -> int:  # pragma: no cover
    args = sys.argv[1:] if argv is None else list(argv)
    if args == ["--write"]:
        root = Path(__file__).resolve().parent.parent
        for path in write(root):
            print(f"rewrote {path.relative_to(root)}")
        return 0
    print(rules_markdown(), end="")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
