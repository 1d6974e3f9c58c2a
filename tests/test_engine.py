"""Engine behaviour that no single rule fixture shows. Each case here was
found by a property test or on real code."""

from __future__ import annotations

from typing import Any

import libcst as cst
import pytest

import perf_lint
from perf_lint import analysis, fixing
from perf_lint.config import Config
from perf_lint.engine import Engine, FixMode
from perf_lint.fixing import MAX_ROUNDS
from perf_lint.rule import Fix, Rule


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


class _ListToTuple(Rule):
    """A toy rule whose fixes nest: every list display becomes a tuple (the
    membership rules no longer nest: only displays of constants are
    reported)."""

    CODE = "PRF996"
    NAME = "list-to-tuple"
    MESSAGE = "A list"
    FIX = Fix.SAFE

    def visit_List(self, node: cst.List) -> None:
        parens = {"lpar": [cst.LeftParen()], "rpar": [cst.RightParen()]}
        self.report(node, replacement=cst.Tuple(elements=node.elements, **parens))


def _toy_fix(source: str) -> Any:
    return fixing.fix_text(
        source,
        "t.py",
        FixMode.SAFE,
        "utf-8",
        lambda text, reduce: analysis.analyse(
            text, "t.py", [_ListToTuple], Config(), reduce=reduce
        ),
    )


def test_deep_nesting_is_fixed_in_one_run_and_idempotent() -> None:
    depth = MAX_ROUNDS + 5
    source = "x = " + "[" * depth + "1" + "]" * depth + "\n"
    result = _toy_fix(source)
    assert result.fixed_source == "x = " + "(" * depth + "1" + ",)" * depth + "\n"
    assert result.fixed == {"PRF996": depth}
    again = _toy_fix(result.fixed_source)
    assert again.fixed_source == result.fixed_source and not again.fixed


def test_fix_counts_every_applied_fix() -> None:
    source = "((x in [1]) in (True,)) in [False]\n"
    result = Engine(Config()).check_text(source, "x.py", fix=FixMode.UNSAFE)
    assert result.fixed == {"PRF101": 2, "PRF102": 1}
    assert result.diagnostics == []


def test_file_level_noqa_keeps_syntax_errors() -> None:
    found = perf_lint.lint("# perf-lint: noqa\ndef f(:\n    pass\n")
    assert [(d.code, d.name, d.location.row, d.location.column) for d in found] == [
        ("E902", "syntax-error", 2, 7)
    ]


@pytest.mark.parametrize("separator", ["\x0c", "\x1c", "\x85", "\u2028"])
def test_inline_noqa_counts_lines_as_python_does(separator: str) -> None:
    """A form feed or a Unicode line separator inside a line is no line
    break to Python (nor to flake8): the ``# noqa`` below it still applies
    to its own line, and the unmarked finding is still reported."""
    source = (
        f"# page{separator}break\n"
        "x = 1\n"
        "if x in [1, 2]:  # noqa: PRF101\n"
        "    pass\n"
        "if x in [1, 2]:\n"
        "    pass\n"
    )
    found = perf_lint.lint(source)
    assert [(d.code, d.location.row) for d in found] == [("PRF101", 5)]


@pytest.mark.parametrize(
    ("cold", "why"),
    [
        (  # valid Python that libcst cannot parse
            "    (x): int\n",
            "x.py: libcst cannot parse or exactly reproduce the whole file; no fix was applied",
        ),
        (  # parsed, not reproduced: the first line that differs is named
            "    try:\n        pass\n    except OSError :\n        pass\n",
            "x.py:8: no fix offered: libcst does not reproduce the file exactly (libcst writes "
            "this line back differently), and a fix is only made on text it reproduces",
        ),
    ],
)
def test_fixing_a_file_libcst_cannot_take_whole_applies_nothing_and_says_why(
    cold: str, why: str
) -> None:
    """A lint run gives libcst only the definition holding the finding and
    offers its fix; libcst cannot parse (or reproduce exactly) the rest of
    the file, so ``--fix`` applies nothing: it reports the same finding,
    without a fix, and says why (instead of a syntax error, or silence)."""
    source = "def hot(xs):\n    return xs in [1, 2]\n\n\ndef cold():\n" + cold
    engine = Engine()
    lint = engine.check_text(source, "x.py")
    assert [(d.code, d.location.row, d.fix is not None) for d in lint.diagnostics] == [
        ("PRF101", 2, True)
    ]
    fixed = engine.check_text(source, "x.py", fix=FixMode.UNSAFE)
    assert fixed.fixed_source == source and not fixed.changed
    assert [(d.code, d.location.row, d.fix) for d in fixed.diagnostics] == [("PRF101", 2, None)]
    assert fixed.messages == [why]


@pytest.mark.slow
def test_removal_edits_from_the_statements_alone_equal_whole_module_ones() -> None:
    """A fix that removes statements gets its JSON edit from the statements
    it changes (their rendering against the replacement's); it is the edit
    a rendering of the whole module with the fix applied gives (which took
    one whole-module rendering per fix)."""
    import libcst as cst

    from perf_lint import edits, traversal
    from perf_lint import positions as positions_module
    from perf_lint.context import FileContext
    from perf_lint.registry import RULES
    from tests.conftest import FIXTURES

    sources = [path.read_text() for path in sorted(FIXTURES.glob("PRF40*.py"))]
    loop = (
        "    out{n} = []\n    # before\n    for x in items:\n        out{n}.append(x + {n})  # c\n"
    )
    sources.append("def f(items):\n" + "".join(loop.format(n=n) for n in range(30)))
    nested = (
        "class C:\n\tdef f(self, items):\n\t\tif items:\n\t\t\tout = set()\n"
        "\t\t\tfor x in items:  # c\n\t\t\t\tout.add(x)\n\t\t\treturn out\n"
    )
    sources += [nested, nested.replace("\n", "\r\n"), "d = {}\r\nfor k in ks:\r\n    d[k] = 1"]
    checked = 0
    for source in sources:
        module = cst.parse_module(source)
        context = FileContext("x.py", source, module)
        py312 = Config(options={"target-version": "py312"})  # comprehension fixes offered
        instances = [
            rule(context, py312.rule_options(rule))
            for rule in RULES
            if rule.CODE.startswith("PRF40")
        ]
        traversal.visit_batched(module, instances, frame=context.scopes)
        reports = [
            r
            for i in instances
            for r in i.reports
            if isinstance(r.replacement, cst.BaseStatement) or (r.removals and r.replacement)
        ]
        if not reports:
            continue
        wrapper = cst.metadata.MetadataWrapper(module, unsafe_skip_copy=True)
        positions = positions_module.report_positions(
            module, reports, lambda w=wrapper: w.resolve(cst.metadata.PositionProvider)
        )
        for report in reports:
            whole = edits.diff_edit(module, source, report)
            assert edits.removal_edit(module, source, report, positions) == whole
            # From the statements alone, a container created away from its
            # loop (statements between them) too.
            local = edits.local_edit(module, report, positions)
            assert local is not None and local == whole
            checked += 1
    assert checked >= 63


def test_valid_python_libcst_rejects_is_no_syntax_error_when_no_libcst_rule_needs_it() -> None:
    # `(x): int = 1` in a function is valid Python libcst cannot parse. The
    # text admits PRF401/402 (`for`, `append`), but no loop only appends, so
    # libcst is never asked; it used to report a syntax error here.
    source = "def f(xs):\n    (x): int = 1\n    for y in xs:\n        r.append(y)\n        g()\n"
    assert Engine(Config()).check_text(source, "m.py").diagnostics == []


def test_a_module_too_deep_for_libcsts_traversal_gets_its_size_finding() -> None:
    # 3,000 implicitly concatenated strings overflow libcst's recursive
    # visit; the size rules need no libcst (it used to be a parse-error).
    from pathlib import Path

    from perf_lint.config import parse_table

    source = "x = (\n" + '"a"\n' * 3000 + ")\n"
    table = {"max-module-lines": 100, "extend-select": ["PRF2"]}
    engine = Engine(parse_table(table, "t", Path.cwd(), None))
    found = engine.check_text(source, "m.py").diagnostics
    assert [(d.code, d.location.row, d.location.column) for d in found] == [("PRF201", 1, 1)]
