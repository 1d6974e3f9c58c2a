"""Engine behaviour that no single rule fixture shows. Each case here was
found by a property test or on real code."""

from __future__ import annotations

import perf_lint
from perf_lint.config import Config
from perf_lint.engine import MAX_FIX_ROUNDS, Engine, FixMode


def test_lone_cr_files_are_reported_but_never_fixed() -> None:
    # libcst drops the final lone CR of such a file: fixing would change it.
    source = "x = 1\ry = 1 in [1, 2]\r"
    found = perf_lint.lint(source)
    assert [(d.code, d.location.row, d.fix) for d in found] == [("PRF101", 2, None)]
    assert perf_lint.fix(source, unsafe=True) == source


def test_fixes_inside_fstring_debug_fields_are_dropped() -> None:
    source = 'def f(x: int):\n    return f"{x in [1, 2]=}", f"{x in [3]!r}", f"{x in [4] = }"\n'
    found = perf_lint.lint(source)
    assert [d.fix is not None for d in found] == [False, True, False]
    assert perf_lint.fix(source, unsafe=True) == source.replace("[3]", "{3}")


def test_deep_nesting_is_fixed_in_one_run_and_idempotent() -> None:
    depth = MAX_FIX_ROUNDS + 5
    source = "x in [" * depth + "1" + "]" * depth + "\n"
    fixed = perf_lint.fix(source, unsafe=True)
    assert fixed == "x in {" * depth + "1" + "}" * depth + "\n"
    assert perf_lint.fix(fixed, unsafe=True) == fixed


def test_fix_counts_every_applied_fix() -> None:
    result = Engine(Config()).check_text("x in [x in (x in [1],)]\n", "x.py", fix=FixMode.UNSAFE)
    assert result.fixed == {"PRF101": 2, "PRF102": 1}
    assert result.diagnostics == []


def test_file_level_noqa_keeps_syntax_errors() -> None:
    found = perf_lint.lint("# perf-lint: noqa\ndef f(:\n    pass\n")
    assert [(d.code, d.name, d.location.row, d.location.column) for d in found] == [
        (None, "syntax-error", 2, 7)
    ]
