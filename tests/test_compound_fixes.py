"""Fixes that change more than one place (``Report.also``) or insert
statements (``Report.insertions``): each diagnostic's edits are exactly what
fixing it alone does, byte for byte; ``--fix`` applies such fixes whole, once
(equal insertions once per round), in separate rounds where they overlap
other fixes; the results are idempotent; the command's JSON and the language
server carry every edit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List, Sequence, Type

import libcst as cst
import pytest

from perf_lint import analysis, fixing
from perf_lint.config import Config
from perf_lint.diagnostic import Edit, Location
from perf_lint.edits import whole_fix
from perf_lint.engine import Engine, FixMode
from perf_lint.registry import BY_CODE
from perf_lint.rule import Fix, Invalid, Rule, Valid
from tests.conftest import FIXTURES
from tests.test_properties import apply_edits
from tests.test_server import actions_at, apply, client, open_document  # noqa: F401

# -- two rules made for these tests -------------------------------------------------


class SwapWithPartners(Rule):
    """A fix that changes several places: ``swap()`` becomes ``done()`` and
    every ``partner()`` of the file becomes ``done_too()``.

    ## What it does / ## Why is this bad? / ## Example / ## Fix safety
    Test rule."""

    CODE = "PRF998"
    NAME = "swap-with-partners"
    MESSAGE = "swap"
    FIX_MESSAGE = "swap"
    FIX = Fix.SAFE
    VALID = (Valid("x\n"),)
    INVALID = (Invalid("swap()\n"),)

    def __init__(self, context, options=None):  # type: ignore[no-untyped-def]
        super().__init__(context, options)
        self.partners: List[cst.Call] = []
        self.swaps: List[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "partner":
            self.partners.append(node)
        elif isinstance(node.func, cst.Name) and node.func.value == "swap":
            self.swaps.append(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        also = [(call, call.with_changes(func=cst.Name("done_too"))) for call in self.partners]
        for call in self.swaps:
            self.report(call, replacement=call.with_changes(func=cst.Name("done")), also=also)


class NeedsConstant(Rule):
    """A fix that inserts a statement: ``need(N)`` becomes ``have_N`` and
    ``have_N = N`` is inserted after the first statement of the module (or,
    for ``need_here(N)``, after the first statement of the block holding the
    call's statement).

    ## What it does / ## Why is this bad? / ## Example / ## Fix safety
    Test rule."""

    CODE = "PRF997"
    NAME = "needs-constant"
    MESSAGE = "need"
    FIX_MESSAGE = "need"
    FIX = Fix.SAFE
    VALID = (Valid("x\n"),)
    INVALID = (Invalid("need(1)\n"),)

    def __init__(self, context, options=None):  # type: ignore[no-untyped-def]
        super().__init__(context, options)
        self.blocks: List[cst.CSTNode] = [context.module]

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.blocks.append(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.blocks.pop()

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Name) or func.value not in ("need", "need_here"):
            return
        if len(node.args) != 1 or not isinstance(node.args[0].value, cst.Integer):
            return
        number = node.args[0].value.value
        block = self.blocks[-1] if func.value == "need_here" else self.blocks[0]
        anchor = block.body[0]  # type: ignore[attr-defined]
        statement = cst.parse_statement(f"have_{number} = {number}\n")
        self.report(
            node,
            replacement=cst.Name(f"have_{number}", lpar=node.lpar, rpar=node.rpar),
            insert_after=[(anchor, [statement])],
        )


TOYS: Sequence[Type[Rule]] = (SwapWithPartners, NeedsConstant)


#: The comprehension fixes are offered from Python 3.12 on.
CONFIG = Config(options={"target-version": "py312"})


def _analyse(source: str, rules: Sequence[Type[Rule]] = TOYS) -> analysis.Analysis:
    return analysis.analyse(source, "t.py", rules, CONFIG, reduce=False)


def _fix(source: str, rules: Sequence[Type[Rule]] = TOYS, mode: FixMode = FixMode.SAFE):
    return fixing.fix_text(
        source,
        "t.py",
        mode,
        "utf-8",
        lambda text, reduce: analysis.analyse(text, "t.py", rules, CONFIG, reduce=reduce),
    )


def _alone(result: analysis.Analysis, fix: analysis.Fixable) -> str:
    """The text with this one fix applied by the fix loop's transformer."""
    assert result.module is not None
    return result.module.visit(whole_fix([("", fix.report)])).code


def assert_edits_are_the_fix(source: str, rules: Sequence[Type[Rule]] = TOYS) -> int:
    """Every fix's edits, applied to ``source``, give what applying that fix
    alone gives; the number of fixes checked."""
    result = _analyse(source, rules)
    for fix in result.fixes:
        edits = fix.diagnostic.fix.edits  # type: ignore[union-attr]
        assert apply_edits(source, edits) == _alone(result, fix), (source, edits)
        starts = [(e.location.row, e.location.column) for e in edits]
        assert starts == sorted(starts), "edits come in text order"
    return len(result.fixes)


# -- the edits of one fix ---------------------------------------------------------------

LAYOUTS = [
    # An insertion after the module's first statement, a replacement below.
    "import os\nx = need(1)\n",
    # A trailing comment on the anchor; CRLF line endings; tabs.
    "import os  # why\n\ndef f():\n    return need(2)\n",
    "import os\r\n\r\ndef f():\r\n\treturn need(2) + need(3)\r\n",
    # The same insertion offered by two fixes; a docstring as the anchor.
    '"""doc."""\nprint(need(4), need(4))\n',
    # Insertions in an indented block, at its indentation.
    "def f():\n    a = 1\n    if a:\n        b = 2\n        return need_here(5)\n",
    "class C:\n\tx = 1\n\tdef m(self):\n\t\ty = 2\n\t\treturn (need_here(6))\n",
    # The anchor is the block's last statement, followed by a comment.
    "def f():\n    return need_here(7)\n    # trailing\nz = 1\n",
    # The anchor ends the file without a line break: the whole fix's edit.
    "need(8)",
    "x = 1; y = need(9)",
    # Several places changed by one fix; comments around them.
    "partner()\nswap()  # one\nif x:\n    partner(  # two\n    )\n",
    "swap()\nswap()\npartner()\n",
    "a = partner() + partner()\r\nb = swap()\r\n",
]


@pytest.mark.parametrize("source", LAYOUTS)
def test_a_fixs_edits_are_what_fixing_it_alone_gives(source: str) -> None:
    assert assert_edits_are_the_fix(source) > 0


def test_insertion_edits_sit_after_the_anchor_at_its_indentation() -> None:
    source = "def f():\n    a = 1\n    return need_here(5)\n"
    (diagnostic,) = _analyse(source).diagnostics
    assert diagnostic.fix is not None
    assert diagnostic.fix.edits == (
        Edit("    have_5 = 5\n", Location(3, 1), Location(3, 1)),
        Edit("have_5", Location(3, 12), Location(3, 24)),
    )


def test_a_fix_that_only_changes_other_places_has_no_edit_at_its_node() -> None:
    # PRF506 leaves the subtraction as it is and rewrites the readings.
    source = "import time\nt0 = time.time()\nt1 = time.time()\nprint(t1 - t0)\n"
    (diagnostic,) = _analyse(source, [BY_CODE["PRF506"]]).diagnostics
    assert diagnostic.fix is not None
    assert [(e.location.row, e.content) for e in diagnostic.fix.edits] == [
        (2, "time.perf_counter()"),
        (3, "time.perf_counter()"),
    ]


def test_a_replacement_spanning_lines_in_a_block_is_indented_as_fixing_indents_it() -> None:
    # The edit of a one-node fix used to render the replacement as if at
    # module level: an editor applying it shifted the inner lines left.
    source = 'def f(x: str):\n    return x in [\n        "a",\n        "b",\n    ]\n'
    engine = Engine(Config(select=("PRF101",)))
    (diagnostic,) = engine.check_text(source, "x.py").diagnostics
    assert diagnostic.fix is not None
    fixed = engine.check_text(source, "x.py", fix=FixMode.SAFE).fixed_source
    assert apply_edits(source, diagnostic.fix.edits) == fixed
    assert fixed == source.replace("[", "{").replace("    ]", "    }")


# -- the fix loop ------------------------------------------------------------------------


def test_equal_insertions_are_made_once_per_round() -> None:
    result = _fix("import os\nprint(need(1), need(1), need(2))\nprint(need(1))\n")
    assert result.fixed_source == (
        "import os\nhave_1 = 1\nhave_2 = 2\nprint(have_1, have_1, have_2)\nprint(have_1)\n"
    )
    assert result.fixed["PRF997"] == 4
    assert _fix(result.fixed_source).fixed_source == result.fixed_source  # type: ignore[arg-type]


def test_overlapping_compound_fixes_are_applied_in_separate_rounds() -> None:
    # Both `swap()` fixes rewrite the same `partner()`: the first is applied
    # whole; the second waits for the next round, which no longer sees a
    # partner, and applies what is left of it.
    source = "swap()\npartner()\nswap()\n"
    first = _analyse(source)
    chosen = fixing.choose(first.fixes, FixMode.SAFE)
    assert [fix.diagnostic.location.row for fix in chosen] == [1]
    result = _fix(source)
    assert result.fixed_source == "done()\ndone_too()\ndone()\n"
    assert result.fixed["PRF998"] == 2


def test_a_compound_fix_waits_for_a_simple_fix_around_it() -> None:
    # PRF401 turns the loop into a comprehension; PRF501's call inside it is
    # fixed in the next round, in the comprehension.
    source = (
        "import re\n\n\ndef f(xs):\n    r = []\n    for x in xs:\n"
        "        r.append(re.match('a', x))\n    return r\n"
    )
    rules = [BY_CODE["PRF401"], BY_CODE["PRF501"]]
    first = _analyse(source, rules)
    assert sorted(fix.diagnostic.code for fix in first.fixes) == ["PRF401", "PRF501"]
    chosen = fixing.choose(first.fixes, FixMode.SAFE)
    assert [fix.diagnostic.code for fix in chosen] == ["PRF401"]
    result = _fix(source, rules)
    assert result.fixed_source == (
        "import re\n\n_F_PATTERN_1 = re.compile('a')\n\n\ndef f(xs):\n"
        "    r = [_F_PATTERN_1.match(x) for x in xs]\n    return r\n"
    )
    assert result.fixed == {"PRF401": 1, "PRF501": 1}
    assert _fix(result.fixed_source, rules).fixed_source == result.fixed_source  # type: ignore[arg-type]


def test_one_fix_offered_by_several_diagnostics_is_applied_once_and_counted_for_each() -> None:
    source = (
        "import time\n\n\ndef f(work):\n    start = time.time()\n    work()\n"
        "    a = time.time() - start\n    b = time.time() - start\n    return a, b\n"
    )
    rules = [BY_CODE["PRF506"]]
    one, two = _analyse(source, rules).fixes
    assert one.diagnostic.fix == two.diagnostic.fix
    result = _fix(source, rules, FixMode.UNSAFE)
    assert result.fixed_source == source.replace("time.time()", "time.perf_counter()")
    assert result.fixed["PRF506"] == 2


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (((1, 0), (1, 5)), ((1, 5), (1, 9)), False),  # touching ranges
        (((1, 0), (1, 5)), ((1, 4), (1, 9)), True),
        (((1, 0), (3, 0)), ((2, 0), (2, 4)), True),  # one inside the other
        (((2, 0), (2, 0)), ((1, 0), (3, 0)), True),  # a point inside a range
        (((1, 0), (1, 0)), ((1, 0), (3, 0)), False),  # a point at its start
        (((3, 0), (3, 0)), ((1, 0), (3, 0)), False),  # ... or its end
        (((2, 0), (2, 0)), ((2, 0), (2, 0)), False),  # two points
    ],
)
def test_overlap(first, second, expected) -> None:  # type: ignore[no-untyped-def]
    assert fixing.overlap(first, second) is expected
    assert fixing.overlap(second, first) is expected


# -- the real rules: edits on fixtures and real code ----------------------------------------


def test_real_rules_edits_are_what_fixing_alone_gives() -> None:
    rules = [BY_CODE["PRF501"], BY_CODE["PRF506"]]
    paths = [p for p in sorted(FIXTURES.glob("PRF50[16]*.py")) if not p.name.endswith("fixed.py")]
    checked = sum(assert_edits_are_the_fix(p.read_text(encoding="utf-8"), rules) for p in paths)
    assert checked >= 40


STDLIB = Path("/work/corpora/stdlib")


@pytest.mark.slow
@pytest.mark.skipif(not STDLIB.is_dir(), reason="the stdlib corpus is not here")
def test_real_rules_edits_on_the_standard_library() -> None:
    rules = [BY_CODE["PRF501"], BY_CODE["PRF506"]]
    names = [
        "_osx_support.py",
        "fnmatch.py",
        "html/parser.py",
        "http/cookiejar.py",
        "lib2to3/pgen2/conv.py",
        "test/test_re.py",
        "urllib/request.py",
    ]
    checked = sum(
        assert_edits_are_the_fix((STDLIB / name).read_text(encoding="utf-8"), rules)
        for name in names
    )
    assert checked >= 50


# -- the fronts ----------------------------------------------------------------------------


def test_json_output_lists_every_edit(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("import re\n\n\ndef f(xs):\n    return [re.match('a', x) for x in xs]\n")
    done = subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", "--no-cache", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    (found,) = json.loads(done.stdout)
    assert found["fix"]["edits"] == [
        {
            "content": "\n_F_PATTERN_1 = re.compile('a')\n",
            "location": {"row": 2, "column": 1},
            "end_location": {"row": 2, "column": 1},
        },
        {
            "content": "_F_PATTERN_1.match(x)",
            "location": {"row": 5, "column": 13},
            "end_location": {"row": 5, "column": 29},
        },
    ]


def test_the_results_cache_keeps_every_edit() -> None:
    from perf_lint import cache

    source = (FIXTURES / "PRF506.py").read_text(encoding="utf-8")
    found = Engine(Config(select=("PRF501", "PRF506"))).check_text(source, "x.py").diagnostics
    assert any(d.fix is not None and len(d.fix.edits) > 1 for d in found)
    assert cache.diagnostics_from_bytes(cache.diagnostics_to_bytes(found), "x.py") == found


# -- the language server's quick fix ---------------------------------------------------


@pytest.mark.asyncio
async def test_the_quick_fix_applies_every_edit(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    source = "import re\n\n\ndef f(xs):\n    return [re.match('a', x) for x in xs]\n"
    path = tmp_path / "m.py"
    diagnostics = await open_document(client, path, source)
    (diagnostic,) = [d for d in diagnostics if d.code == "PRF501"]
    actions = await actions_at(client, path.as_uri(), [diagnostic], diagnostic.range)
    (quick_fix,) = [a for a in actions if a.title.startswith("Fix PRF501")]
    assert quick_fix.edit is not None
    fixed = Engine().check_text(source, str(path), fix=FixMode.SAFE).fixed_source
    assert apply(source, quick_fix.edit, path.as_uri()) == fixed
    assert "_F_PATTERN_1 = re.compile('a')" in fixed  # type: ignore[operator]
