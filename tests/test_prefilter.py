"""The pre-filter (``perf_lint.prefilter``): sound (a run with it switched
off reports exactly the same), linear (no catastrophic regex backtracking),
and the file facts it shares with the rules (read from ``ast``)."""

from __future__ import annotations

import ast
import subprocess
import symtable
import sys
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

import pytest
from hypothesis import assume, given

from perf_lint import facts, noqa, prefilter, syntax
from perf_lint.config import Config, parse_table
from perf_lint.engine import Engine
from perf_lint.registry import BY_CODE, RULES
from tests.conftest import (
    candidate_codes,
    fixture_code,
    fixture_heat,
    fixture_options,
    fixture_sources,
    grammar_programs,
    hypothesis_settings,
    python_accepts,
    without_shortcuts,
)

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
    assert found == without_shortcuts(source, prefilter=False)


def test_prefilter_admits_every_fixture() -> None:
    for path in fixture_sources():
        source = path.read_text(encoding="utf-8")
        table = {"select": [fixture_code(path)], **fixture_options(source)}
        config = parse_table(table, path.name, Path.cwd(), None)
        heat = fixture_heat(path)  # a real profile for the rules that need one
        found = Engine(config, heat=heat).check_text(source, str(path)).diagnostics
        assert found, path.name
        unfiltered = without_shortcuts(source, config, str(path), heat=heat, prefilter=False)
        assert found == unfiltered, path.name


def test_prefilter_is_linear_on_runs_of_hashes() -> None:
    # pickletools.py once took minutes: "in" followed by a long run of "#".
    code = (
        "from perf_lint import prefilter\n"
        "from perf_lint.registry import RULES\n"
        "source = 'x = a in b  ' + '#' * 5000 + '\\n' + 'in ' + '#' * 5000\n"
        "print(len(prefilter.candidates(source, None, RULES).rules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "0"


# -- the ast shapes: the second pre-filter ------------------------------------------------

#: Code each rule's text pattern admits but whose ``ast`` lacks the rule's
#: shape: the rule must not be run on it (and reports nothing there).
NEAR_MISSES = [
    ("PRF101", "x in []\nfor y in z:\n    pass\nw = [1] + v\n"),
    ("PRF102", "x in ()\nprint(x in y, (1, 2))\n"),
    ("PRF401", "def f(xs):\n    r = []\n    for x in xs:\n        r.append(x)\n        g()\n"),
    ("PRF402", "for x in xs:\n    if x:\n        r.append(x)\n    else:\n        pass\n"),
    ("PRF403", "for x in xs:\n    d[x] += 1\nd[0] = 1\n"),
    ("PRF404", "s.add(1)\nfor x in xs:\n    s.add(x) or t.add(x)\n"),
    ("PRF405", "for x in tuple(list(y)):\n    pass\n"),
    ("PRF406", "for k in d.items():\n    pass\nx = [a for a, b, c in d.items()]\n"),
    ("PRF406", "for k, v in d.items():\n    print(k, v)\ny = {a: b for a, b in d.items()}\n"),
    ("PRF407", "for x in xs:\n    n += 1\n    s += y\n    t = t + len(x)\n"),
    ("PRF301", 'import logging\nhelp = "call logger.info(...)"\nprint(f"{help}")\n'),
]


@pytest.mark.parametrize(("code", "source"), NEAR_MISSES)
def test_rules_are_not_run_where_their_shape_is_missing(code: str, source: str) -> None:
    rule = BY_CODE[code]
    assert all(pattern.search(source) for pattern in prefilter.patterns(rule)), "the text admits it"
    assert prefilter.shape_lines(source, syntax.parse(source), [rule]) == {rule: []}
    assert code not in candidate_codes(source, RULES)
    assert not without_shortcuts(source, Config(select=(code,)))


def test_a_file_python_rejects_runs_every_rule_its_text_admits() -> None:
    # libcst then reports the syntax error; no shape can be known.
    source = "def f(xs):\n    for x in xs:\n        r.append(x)\n    return [\n"
    assert {"PRF401", "PRF402"} <= set(candidate_codes(source, RULES))
    found = Engine(Config()).check_text(source, "x.py").diagnostics
    assert [d.name for d in found] == ["syntax-error"]


def test_loop_patterns_are_linear_on_long_comments() -> None:
    code = (
        "import time\n"
        "from perf_lint import prefilter\n"
        "from perf_lint.registry import RULES\n"
        "source = 'for x in y:\\n    d[x]' + ('  # ' + ')' * 3000 + '\\n') * 50 + 'x'\n"
        "start = time.perf_counter()\n"
        "codes = [rule.CODE for rule in prefilter.candidates(source, None, RULES).rules]\n"
        "print(codes, time.perf_counter() - start < 5)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[] True"


# -- the file's bindings, read from ast ----------------------------------------------------

BINDING_SHAPES = [
    "ｗｉｄｔｈ = 1\nwidth = 2\n",
    "a = b, [c, *d] = e\nf: int = 1\ng += 1\nfor h, i in j: pass\n[k for l in m]\n(n := 1)\n",
    "del o, p[0], (q, r)\nwith s as (t, u), v as w.x: pass\n",
    "try: pass\nexcept E as y: pass\n",
    "def f(a, /, b=1, *c, d, **e): pass\nasync def g(*, h): pass\nlambda i, *j: 0\n",
    "class C: pass\ndef k():\n    global m\n    nonlocal_ = 1\ndef n():\n    x = 1\n"
    "    def o():\n        nonlocal x\n",
    "match p:\n    case [q, *r]: pass\n    case {**s}: pass\n    case T() as u: pass\n",
    "import a.b.c, d as e, typing, typing_extensions as te\nfrom typing import List as L\n"
    "from . import f\nfrom .typing import g\nfrom h import *\n",
    'x = f"{(y := 1)}"\n',
]


def _stdlib_sources(count: int, holding: str = "", skip: Tuple[str, ...] = ()) -> List[str]:
    """``count`` modules of the standard library's folder spread over the
    alphabet (those whose text holds ``holding``, in no folder named in
    ``skip``) that this Python accepts."""
    import sysconfig

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    texts = [
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(stdlib.rglob("*.py"))
        if not set(skip) & set(path.parts)
    ]
    texts = [text for text in texts if holding in text]
    return [text for text in texts[:: max(1, len(texts) // count)][:count] if python_accepts(text)]


def _symtable_bindings(source: str) -> Set[str]:
    """Every name some scope of ``source`` binds, as CPython's own symbol
    table says (assigned, imported, a parameter, declared ``global`` or
    ``nonlocal``): the oracle of ``facts.bindings``."""
    found: Set[str] = set()
    pending = [(symtable.symtable(source, "x.py", "exec"), "")]
    while pending:
        table, owner = pending.pop()
        if table.get_type() == "class":
            owner = "_" + table.get_name().lstrip("_")
        pending.extend((child, owner) for child in table.get_children())
        for symbol in table.get_symbols():
            name = symbol.get_name()
            if owner and name.startswith(owner + "__"):  # private names are mangled
                name = name[len(owner) :]
            if (
                symbol.is_assigned()
                or symbol.is_imported()
                or symbol.is_parameter()
                or symbol.is_declared_global()
                or symbol.is_nonlocal()
                or symbol.is_namespace()
            ):
                found.add(name)
    return found


def _check_bindings(source: str) -> None:
    found = facts.bindings(ast.parse(source))
    # ``from typing import X`` and ``import typing`` are recorded apart.
    every = {*found.counts, *found.typing_names, *found.typing_modules}
    assert every == _symtable_bindings(source) - {".0"}
    assert set(found.counts) <= every
    stars = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.names[0].name == "*"
    ]
    assert found.star_import == bool(stars)


@pytest.mark.parametrize("source", BINDING_SHAPES)
def test_file_bindings_are_the_symbol_tables(source: str) -> None:
    _check_bindings(source)


@pytest.mark.slow
def test_file_bindings_are_the_symbol_tables_on_the_stdlib() -> None:
    sources = _stdlib_sources(40, skip=("site-packages",))
    assert len(sources) > 30
    for source in sources:
        _check_bindings(source)


@pytest.mark.slow
# Generated calls such as ``1()`` compile with a SyntaxWarning.
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@hypothesis_settings(60)
@given(grammar_programs())
def test_file_bindings_are_the_symbol_tables_on_generated_programs(source: str) -> None:
    assume(python_accepts(source))
    try:
        symtable.symtable(source, "x.py", "exec")
    except SyntaxError:  # names the compiler rejects (``nonlocal`` at module level)
        assume(False)
    _check_bindings(source)


def test_file_bindings_count_and_sort_their_names() -> None:
    found = facts.bindings(ast.parse(BINDING_SHAPES[-2]))
    assert found.counts == {"a": 1, "e": 1, "f": 1, "g": 1}
    assert found.typing_modules == {"typing", "te"}
    assert found.typing_names == {"L": "List"}
    assert found.star_import
    assert not found.is_builtin("a") and not found.is_builtin("len")
    alone = facts.bindings(ast.parse("str = 1\nglobal g\n"))
    assert alone.counts == {"str": 1, "g": 1} and alone.declared == {"g"}
    assert not alone.is_builtin("str") and alone.is_builtin("len")


LOGGER_SHAPES = [
    (
        "import logging, logging.handlers as h, logging.config\n"
        "from logging import getLogger as g\n"
        "log = g(__name__)\nLOG: Logger = logging.getLogger()\n",
        {"modules": {"logging"}, "get_logger": {"g"}, "names": {"log", "LOG"}},
    ),
    (
        "early = getLogger()\nfrom logging import getLogger, info as i, DEBUG, WARN as W\n"
        "late = getLogger()\n",
        {
            "get_logger": {"getLogger"},
            "functions": {"i"},
            "levels": {"DEBUG": 10, "W": 30},
            "names": {"late"},
        },
    ),
    (
        "class C:\n    log = logging.getLogger()\n    def f(self):\n"
        "        self.log2 = h.getLogger()\n"
        "        cls.x, y = logging.getLogger(), 1\nimport logging\n",
        {"modules": {"logging"}},
    ),
    (
        "import logging\nclass C:\n    log = logging.getLogger()\n    def f(self):\n"
        "        self.log2 = logging.getLogger()\n        cls.x = logging.getLogger()\n",
        {"modules": {"logging"}, "names": {"log"}, "attributes": {"log", "log2", "x"}},
    ),
    (
        "if x:\n    import logging as lg\nelse:\n    pass\ntry:\n    a = lg.getLogger()\n"
        "except E:\n    b = lg.getLogger()\nfinally:\n    with c:\n        d = lg.getLogger()\n",
        {"modules": {"lg"}, "names": {"a", "b", "d"}},
    ),
    (
        "from logging import *\nfrom .logging import getLogger\nx = getLogger()\n",
        {
            "get_logger": {"getLogger"},
            "functions": set(facts.LOGGING_METHODS),
            "levels": facts.LOGGING_LEVELS,
            "names": {"x"},
        },
    ),
    (
        "match m:\n    case 1:\n        from logging import getLogger\n        z = getLogger()\n",
        {"get_logger": {"getLogger"}, "names": {"z"}},
    ),
]


@pytest.mark.parametrize(("source", "expected"), LOGGER_SHAPES)
def test_logger_bindings(source: str, expected: Dict[str, Any]) -> None:
    found = facts.loggers(ast.parse(source))
    empty = facts.Loggers()
    for field in ("modules", "get_logger", "functions", "levels", "names", "attributes"):
        assert getattr(found, field) == expected.get(field, getattr(empty, field)), field


def test_file_facts_are_unknown_where_python_rejects_the_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Code libcst reads for a newer Python than the one running: no ast.
    # Nothing is then proven builtin and no binding makes a logger.
    unknown = facts.FileFacts(None)
    assert not unknown.is_builtin("str")
    assert unknown.loggers == facts.Loggers()
    source = (
        "import logging\nlog = logging.getLogger()\ndef f(x: str):\n"
        "    log.info(f'{x}')\n    return x in ['a', 'b']\n"
    )
    known = Engine(Config()).check_text(source, "new.py").diagnostics
    assert [(d.code, d.fix.applicability.value) for d in known] == [  # type: ignore[union-attr]
        ("PRF301", "safe"),
        ("PRF101", "safe"),
    ]
    monkeypatch.setattr(syntax, "parse", lambda text: None)
    found = Engine(Config()).check_text(source, "new.py").diagnostics
    # The logger is known by its name; neither fix is proven safe any more
    # (``str`` might be rebound, so ``x: str`` proves nothing).
    assert [(d.code, d.fix.applicability.value) for d in found] == [  # type: ignore[union-attr]
        ("PRF301", "unsafe"),
        ("PRF101", "unsafe"),
    ]


# -- reduction: what libcst is given ----------------------------------------------

_REDUCIBLE = (
    "import os\n"
    "X = 1\n"
    "@decorate(1)\n"
    "def quiet(a,\n"
    "          b=2):\n"
    "    return [a for a in b]\n"
    "class Holder(Base):\n"
    '    """Doc."""\n'
    "    def hot(self, xs):\n"
    "        out = []\n"
    "        for x in xs:\n"
    "            out.append(x)\n"
    "        return out\n"
    "\n"
    "    async def cold(self):\n"
    "        await self.x\n"
    "    class Inner:\n"
    "        pass\n"
)


def _reduction(source: str, *codes: str, settled: Any = ()) -> Any:
    tree = syntax.parse(source)
    rules = [BY_CODE[code] for code in codes]
    lines = prefilter.shape_lines(source, tree, rules) if tree is not None else None
    return prefilter.reduced(source, tree, prefilter.Candidates(rules, lines), settled)


def _reduce(source: str, *codes: str) -> Any:
    """What libcst is given for the rules ``codes`` (``None``: the whole)."""
    found = _reduction(source, *codes)
    return None if found is None else found.text


def test_reduction_stubs_definitions_without_shapes_and_maps_every_kept_line() -> None:
    found = _reduction(_REDUCIBLE, "PRF401")
    assert found is not None
    assert found.text.split("\n") == [
        "import os",
        "X = 1",
        "def quiet(): pass",
        "class Holder(Base):",
        '    """Doc."""',
        "    def hot(self, xs):",
        "        out = []",
        "        for x in xs:",
        "            out.append(x)",
        "        return out",
        "",
        "    def cold(): pass",
        "    class Inner: pass",
        "",
    ]
    assert found.stubbed == ((3, 6), (15, 16), (17, 18))
    whole = _REDUCIBLE.split("\n")
    for row, line in enumerate(found.text.split("\n"), start=1):
        if "pass" not in line:
            assert whole[found.row(row) - 1] == line, row
        else:
            assert whole[found.row(row) - 1].lstrip().startswith(("@", "def", "async", "class"))
    crlf = _REDUCIBLE.replace("\n", "\r\n")
    assert _reduce(crlf, "PRF401") == found.text.replace("\n", "\r\n")


def test_reduction_leaves_out_settled_definitions() -> None:
    source = "def a(xs):\n    return [x for x in xs if x in [1]]\n\n\n" * 3
    found = _reduction(source, "PRF101", settled=[(1, 2), (9, 10)])
    assert found is not None and found.stubbed == ((1, 2), (9, 10))
    middle = source.split("\n\n\n")[1]
    assert found.text == "def a(): pass\n\n\n" + middle + "\n\n\ndef a(): pass\n\n\n"
    assert [found.row(row) for row in range(1, 9)] == [1, 3, 4, 5, 6, 7, 8, 9]


def test_reduction_keeps_scopes_whose_rules_read_them_whole() -> None:
    append = "PRF401"
    # A loop in the module's own scope: its rules read every use in the module.
    module_loop = _REDUCIBLE + "for y in ys:\n    found.append(y)\n"
    assert _reduce(module_loop, append) is None
    # A membership test there reads only bindings, which stubs keep.
    membership = _REDUCIBLE + "r = X in [1, 2]\n"
    reduced = _reduce(membership, "PRF101")
    assert reduced is not None and "class Holder: pass" in reduced
    # A shape in a class's own body (not in a method): the class stays whole.
    class_level = _REDUCIBLE.replace('    """Doc."""\n', "    K = [v for v in X if v in [1]]\n")
    reduced = _reduce(class_level, "PRF101")
    assert reduced is not None and "async def cold(self):" in reduced
    # No shape anywhere (the engine then never parses); Python rejects it.
    assert _reduce("def f(xs):\n    out.append(1)\n", append) == "def f(): pass\n"
    assert _reduce("x = (\n", append) is None


def test_reduction_leaves_alone_what_a_stub_could_not_stand_for() -> None:
    append = "PRF401"
    hot = "def hot(xs):\n    for x in xs:\n        o.append(x)\n"
    # `:=` in a header binds in the enclosing scope; a non-ASCII name is
    # spelled differently by ast (NFKC) and libcst.
    for cold in ("@d(k := 1)\ndef cold():\n    pass\n", "def ﬁrst():\n    pass\n"):
        assert _reduce(cold + hot, append) is None
    # A lone carriage return is a line break ast and the split may count apart.
    assert _reduce("def cold():\r    pass\r" + hot, append) is None
    assert _reduce("def cold():\r\n    pass\r\n" + hot, append) is not None


def test_imports_resolve_only_names_bound_once() -> None:
    source = (
        "import re as r\nfrom re import match\nimport os.path\n"
        "from datetime import datetime as dt\nimport time\ntime = 3\n"
        "from . import sibling\nfrom json import *\ndef f():\n    import glob\n"
        "import io\nimport io\n"
    )
    found = facts.FileFacts(ast.parse(source))
    assert found.imports == {
        "r": "re",
        "match": "re.match",
        "os": "os",
        "dt": "datetime.datetime",
        "glob": "glob",
    }
    assert found.qualified("r.compile") == "re.compile"
    assert found.qualified("dt.now") == "datetime.datetime.now"
    assert found.qualified("time.time") is None  # rebound by `time = 3`
    assert found.qualified("io.open") is None  # imported twice
    assert found.qualified("sibling") is None  # relative
    assert facts.FileFacts(None).imports == {}


@pytest.mark.slow
def test_file_bindings_remembered_by_statement_are_the_whole_walks() -> None:
    memo: Dict[Any, Any] = {}
    for source in [*BINDING_SHAPES, *_stdlib_sources(10), *(s for s, _ in LOGGER_SHAPES)]:
        tree = ast.parse(source)
        lines = noqa.lines(source)
        for _ in range(2):  # computed, then remembered
            assert facts.bindings(tree, lines, memo) == facts.bindings(tree)
    assert memo
