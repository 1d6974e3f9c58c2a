"""The text pre-filter: sound (never hides a diagnostic the full analysis
reports) and linear (no catastrophic regex backtracking)."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any, Dict, List, Tuple

import hypothesmith
import pytest
from hypothesis import assume, given

from perf_lint.config import Config, parse_table
from perf_lint.engine import Engine, _patterns, candidate_rules
from perf_lint.registry import RULES
from perf_lint.rules import _shapes
from tests.conftest import fixture_options, fixture_sources, hypothesis_settings, python_accepts

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
    from perf_lint.registry import BY_CODE

    rule = BY_CODE[code]
    assert all(pattern.search(source) for pattern in _patterns(rule)), "the text admits it"
    assert rule.SHAPE not in _shapes.shapes(source)  # type: ignore[operator]
    assert rule not in candidate_rules(source, RULES)
    everything = Engine(Config(select=(code,)))
    assert not everything.check_text(source, "x.py").diagnostics


def test_a_file_python_rejects_runs_every_rule_its_text_admits() -> None:
    # libcst then reports the syntax error; no shape can be known.
    source = "def f(xs):\n    for x in xs:\n        r.append(x)\n    return [\n"
    codes = {rule.CODE for rule in candidate_rules(source, RULES)}
    assert {"PRF401", "PRF402"} <= codes
    found = Engine(Config()).check_text(source, "x.py").diagnostics
    assert [d.name for d in found] == ["syntax-error"]


def test_loop_patterns_are_linear_on_long_comments() -> None:
    code = (
        "import time\n"
        "from perf_lint.engine import candidate_rules\n"
        "from perf_lint.registry import RULES\n"
        "source = 'for x in y:\\n    d[x]' + ('  # ' + ')' * 3000 + '\\n') * 50 + 'x'\n"
        "start = time.perf_counter()\n"
        "codes = [rule.CODE for rule in candidate_rules(source, RULES)]\n"
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


def _libcst_and_ast(source: str, collector: Any, from_ast: Any) -> Tuple[Any, Any]:
    """What a libcst collector of file facts finds in ``source``, and what
    its ``ast`` counterpart finds."""
    import ast

    import libcst as cst

    expected = collector()
    cst.parse_module(source).visit(expected)
    return expected, from_ast(ast.parse(source))


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


def _both_bindings(source: str) -> None:
    from perf_lint.rules._types import _FileBindings, file_bindings_from_ast

    expected, found = _libcst_and_ast(source, _FileBindings, file_bindings_from_ast)
    # Python reads identifiers NFKC-normalised (``ｗｉｄｔｈ = 1`` binds
    # ``width``), as ast spells them; libcst keeps the source's spelling.
    counts: Dict[str, int] = {}
    for name, count in expected.counts.items():
        key = unicodedata.normalize("NFKC", name)
        counts[key] = counts.get(key, 0) + count
    assert found.counts == counts
    for field in ("typing_names", "typing_modules", "star_import", "declared"):
        assert getattr(found, field) == getattr(expected, field), field


@pytest.mark.parametrize("source", BINDING_SHAPES)
def test_file_bindings_from_ast_are_libcsts(source: str) -> None:
    _both_bindings(source)


def test_file_bindings_from_ast_are_libcsts_on_the_stdlib() -> None:
    sources = _stdlib_sources(40, skip=("site-packages",))
    assert len(sources) > 30
    for source in sources:
        _both_bindings(source)


@hypothesis_settings(60)
@given(hypothesmith.from_grammar())
def test_file_bindings_from_ast_are_libcsts_on_generated_programs(source: str) -> None:
    import libcst as cst

    assume(python_accepts(source))
    try:
        cst.parse_module(source)
    except Exception:
        assume(False)
    _both_bindings(source)


LOGGER_SHAPES = [
    "import logging, logging.handlers as h, logging.config\nfrom logging import getLogger as g\n"
    "log = g(__name__)\nLOG: Logger = logging.getLogger()\n",
    "early = getLogger()\nfrom logging import getLogger, info as i, DEBUG, WARN as W\n"
    "late = getLogger()\n",
    "class C:\n    log = logging.getLogger()\n    def f(self):\n        self.log2 = h.getLogger()\n"
    "        cls.x, y = logging.getLogger(), 1\nimport logging\n",
    "if x:\n    import logging as lg\nelse:\n    pass\ntry:\n    a = lg.getLogger()\n"
    "except E:\n    b = lg.getLogger()\nfinally:\n    with c:\n        d = lg.getLogger()\n",
    "from logging import *\nfrom .logging import getLogger\nx = getLogger()\n",
    "match m:\n    case 1:\n        from logging import getLogger\n        z = getLogger()\n",
]


def _both_logger_bindings(source: str) -> None:
    from perf_lint.rules._logging import _LoggerBindings, logger_bindings_from_ast

    expected, found = _libcst_and_ast(source, _LoggerBindings, logger_bindings_from_ast)
    for field in ("modules", "get_logger", "functions", "levels", "names", "attributes"):
        assert getattr(found, field) == getattr(expected, field), field


@pytest.mark.parametrize("source", LOGGER_SHAPES)
def test_logger_bindings_from_ast_are_libcsts(source: str) -> None:
    _both_logger_bindings(source)


def test_logger_bindings_from_ast_are_libcsts_on_the_stdlib() -> None:
    sources = _stdlib_sources(40, holding="logging")
    assert len(sources) > 30
    for source in sources:
        _both_logger_bindings(source)


def test_file_facts_come_from_libcst_where_python_rejects_the_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Code libcst reads for a newer Python than the one running: no ast.
    import libcst as cst

    from perf_lint.rules._logging import _LoggerBindings
    from perf_lint.rules._types import _FileBindings, file_facts

    source = "import typing as t, logging\nx: int = 1\nlog = logging.getLogger()\n"
    module = cst.parse_module(source)
    monkeypatch.setattr(_shapes, "parse", lambda text: None)

    def never(tree: object) -> object:
        raise AssertionError("the ast of a text Python rejects")

    cache: Dict[object, object] = {}
    names = file_facts(cache, "file-bindings", source, module, never, _FileBindings)
    assert (names.counts, names.typing_modules) == ({"logging": 1, "x": 1, "log": 1}, {"t"})
    loggers = file_facts(cache, "logger-bindings", source, module, never, _LoggerBindings)
    assert (loggers.modules, loggers.names) == ({"logging"}, {"log"})
    assert file_facts(cache, "file-bindings", source, module, never, _FileBindings) is names


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


def test_reduction_stubs_definitions_without_shapes_and_keeps_every_line() -> None:
    reduced = _shapes.reduced(_REDUCIBLE, {_shapes.APPEND_LOOP})
    assert reduced is not None
    assert reduced.split("\n") == [
        "import os",
        "X = 1",
        "def quiet(): pass",
        "",
        "",
        "",
        "class Holder(Base):",
        '    """Doc."""',
        "    def hot(self, xs):",
        "        out = []",
        "        for x in xs:",
        "            out.append(x)",
        "        return out",
        "",
        "    def cold(): pass",
        "",
        "    class Inner: pass",
        "",
        "",
    ]
    crlf = _REDUCIBLE.replace("\n", "\r\n")
    assert _shapes.reduced(crlf, {_shapes.APPEND_LOOP}) == reduced.replace("\n", "\r\n")


def test_reduction_keeps_scopes_whose_rules_read_them_whole() -> None:
    append = {_shapes.APPEND_LOOP}
    # A loop in the module's own scope: its rules read every use in the module.
    module_loop = _REDUCIBLE + "for y in ys:\n    found.append(y)\n"
    assert _shapes.reduced(module_loop, append) is None
    # A membership test there reads only bindings, which stubs keep.
    membership = _REDUCIBLE + "r = X in [1, 2]\n"
    reduced = _shapes.reduced(membership, {_shapes.LIST_MEMBERSHIP})
    assert reduced is not None and "class Holder: pass" in reduced
    # A shape in a class's own body (not in a method): the class stays whole.
    class_level = _REDUCIBLE.replace('    """Doc."""\n', "    K = [v for v in X if v in [1]]\n")
    reduced = _shapes.reduced(class_level, {_shapes.LIST_MEMBERSHIP})
    assert reduced is not None and "async def cold(self):" in reduced
    # No shape anywhere (the engine then never parses); Python rejects it.
    assert _shapes.reduced("def f(xs):\n    out.append(1)\n", append) == "def f(): pass\n\n"
    assert _shapes.reduced("x = (\n", append) is None


def test_reduction_leaves_alone_what_a_stub_could_not_stand_for() -> None:
    append = {_shapes.APPEND_LOOP}
    hot = "def hot(xs):\n    for x in xs:\n        o.append(x)\n"
    # `:=` in a header binds in the enclosing scope; a non-ASCII name is
    # spelled differently by ast (NFKC) and libcst.
    for cold in ("@d(k := 1)\ndef cold():\n    pass\n", "def ﬁrst():\n    pass\n"):
        assert _shapes.reduced(cold + hot, append) is None
    # A lone carriage return is a line break ast and the split may count apart.
    assert _shapes.reduced("def cold():\r    pass\r" + hot, append) is None
    assert _shapes.reduced("def cold():\r\n    pass\r\n" + hot, append) is not None
