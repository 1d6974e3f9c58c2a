"""The logging rules PRF301-PRF305 beyond their fixtures:

* every format spec the fixes accept renders like its ``%`` conversion for
  values of the types it is accepted for (a property);
* a safe fix keeps the logged text: ``record.getMessage()`` is identical
  before and after the fix, for generated messages and arbitrary values,
  including strings with ``%`` and ``{}``, tuples, dicts and ``None``;
* programs that log through a capturing handler print the same messages
  before and after ``perf-lint check --fix``;
* the pre-filter never hides a diagnostic; options reach the rules.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

from perf_lint import config as config_module
from perf_lint import flake8 as flake8_module
from perf_lint.config import parse_table
from perf_lint.engine import Engine, FixMode
from perf_lint.registry import RULES
from perf_lint.rule import Applicability
from perf_lint.rules._format_spec import FLOATS, INTEGERS, STR, translate
from tests.conftest import candidate_codes, hypothesis_settings, without_shortcuts

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")

LOGGING_CODES = ("PRF301", "PRF302", "PRF303", "PRF304", "PRF305")


def _engine(*codes: str, **options: Any) -> Engine:
    table: Dict[str, Any] = {"select": list(codes or LOGGING_CODES), **options}
    return Engine(parse_table(table, "pyproject.toml", Path.cwd(), None))


# -- format specs ----------------------------------------------------------------

SPEC_PARTS = st.tuples(
    st.sampled_from(["", "<", ">"]),
    st.sampled_from(["", "+", " "]),
    st.sampled_from(["", "#"]),
    st.sampled_from(["", "0"]),
    st.sampled_from(["", "1", "7", "12"]),
    st.sampled_from(["", ".0", ".1", ".4"]),
    st.sampled_from([*"sdxXoeEfFgG", ""]),
)
STRINGS = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["%s", "{}", "%(a)s", "100%", "é", ""]
)
VALUES_BY_TYPE = {
    "str": STRINGS,
    "int": st.integers(min_value=-(10**30), max_value=10**30),
    "bool": st.booleans(),
    "float": st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([0.0, -0.0, 1e16, 1e-7, 0.5, 2.5]),
}
ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | STRINGS,
    lambda inner: (
        st.tuples(inner, inner)
        | st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2)
        | st.lists(inner, max_size=2)
    ),
    max_leaves=4,
)


@pytest.mark.slow
@hypothesis_settings(200)
@given(SPEC_PARTS, st.sampled_from([None, "r", "s", "a"]), st.data())
def test_accepted_specs_render_like_percent(parts: Tuple[str, ...], conversion, data) -> None:
    spec = "".join(parts)
    translation = translate(spec, conversion)
    assume(translation is not None)
    assert translation is not None
    if translation.types is None or translation.types == frozenset({"*"}):
        types = ["str", "int", "bool", "float"]
    else:
        assert translation.types in (STR, INTEGERS, FLOATS)
        types = sorted(translation.types)
    for kind in types:
        value = data.draw(VALUES_BY_TYPE[kind], label=kind)
        converted = {None: lambda v: v, "r": repr, "s": str, "a": ascii}[conversion](value)
        assert format(converted, spec) == translation.percent % (value,), (spec, value)


def test_refused_specs() -> None:
    for spec in ("^10", "=10", "*<10", ",", "_d", "n", "%", "c", ".2d", "#d", "05s", "+s"):
        assert translate(spec) is None, spec
    # A width without a type prints bool as 1: only strings get it.
    assert translate("5").types == STR  # type: ignore[union-attr]


# -- safe fixes keep the message ---------------------------------------------------

_SPECS = ["", "", "", ">8", "<6", ".3", "d", "05d", "+x", "#o", ".2f", "10.3e", "g", "s", ",", "^5"]
_ANNOTATIONS = {"str": STRINGS, "int": VALUES_BY_TYPE["int"], "float": st.floats(), "": ANY_VALUE}
TEXT = st.text(alphabet="ab %{}'\\é\n", max_size=6)
ANNOTATION_LISTS = st.lists(st.sampled_from(list(_ANNOTATIONS)), min_size=3, max_size=3)


@st.composite
def _fields(draw: Any) -> List[Tuple[str, int, Optional[str], str, bool]]:
    """Pieces of a message: (text before, variable, conversion, spec, debug)."""
    count = draw(st.integers(min_value=1, max_value=3))
    return [
        (
            draw(TEXT),
            draw(st.integers(min_value=0, max_value=2)),
            draw(st.sampled_from([None, None, "r", "s", "a"])),
            draw(st.sampled_from(_SPECS)),
            draw(st.booleans()),
        )
        for _ in range(count)
    ]


def _fstring(fields: Sequence[Tuple[str, int, Optional[str], str, bool]], tail: str) -> str:
    body = ""
    for text, index, conversion, spec, debug in fields:
        body += text.replace("{", "{{").replace("}", "}}")
        body += "{v" + str(index) + ("=" if debug else "")
        body += ("!" + conversion if conversion else "") + (":" + spec if spec else "") + "}"
    body += tail.replace("{", "{{").replace("}", "}}")
    return "f" + repr(body)


def _format_call(fields: Sequence[Tuple[str, int, Optional[str], str, bool]], tail: str) -> str:
    body = ""
    for text, index, conversion, spec, _ in fields:
        body += text.replace("{", "{{").replace("}", "}}")
        body += "{" + str(index) + ("!" + conversion if conversion else "")
        body += (":" + spec if spec else "") + "}"
    body += tail.replace("{", "{{").replace("}", "}}")
    return repr(body) + ".format(v0, v1, v2)"


def _program(message: str, annotations: Sequence[str]) -> str:
    params = ", ".join(f"v{i}: {a}" if a else f"v{i}" for i, a in enumerate(annotations))
    return (
        "import logging\n"
        "logger = logging.getLogger('prop')\n"
        f"def emit({params}):\n"
        f"    logger.warning({message}, exc_info=False)\n"
    )


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _logged(source: str, values: Sequence[Any]) -> Optional[str]:
    """What ``emit(*values)`` logs, or ``None`` when it raises."""
    namespace: Dict[str, Any] = {}
    exec(compile(source, "prop.py", "exec"), namespace)
    logger = namespace["logger"]
    capture = _Capture()
    logger.addHandler(capture)
    logger.propagate = False
    try:
        namespace["emit"](*values)
        logger.removeHandler(capture)
        return capture.messages[0] if capture.messages else None
    except Exception:
        return None
    finally:
        logger.removeHandler(capture)


def _fix(source: str, code: str) -> Tuple[str, List[Applicability]]:
    engine = _engine(code)
    diagnostics = engine.check_text(source, "prop.py").diagnostics
    kinds = [d.fix.applicability for d in diagnostics if d.fix is not None]
    fixed = engine.check_text(source, "prop.py", fix=FixMode.SAFE).fixed_source
    assert fixed is not None
    return fixed, kinds


def _assert_same_message(source: str, code: str, values: Sequence[Any]) -> None:
    fixed, kinds = _fix(source, code)
    if Applicability.SAFE not in kinds:
        event("no safe fix")
        assert fixed == source
        return
    event("safe fix")
    assert fixed != source
    before = _logged(source, values)
    assume(before is not None)
    assert _logged(fixed, values) == before, (source, fixed, values)


@hypothesis_settings(150)
@given(
    _fields(),
    TEXT,
    st.lists(st.sampled_from(list(_ANNOTATIONS)), min_size=3, max_size=3),
    st.data(),
)
def test_safe_fstring_fix_keeps_the_message(fields, tail, annotations, data) -> None:
    values = [data.draw(_ANNOTATIONS[a], label=f"v{i}") for i, a in enumerate(annotations)]
    _assert_same_message(_program(_fstring(fields, tail), annotations), "PRF301", values)


@hypothesis_settings(100)
@given(
    _fields(),
    TEXT,
    st.lists(st.sampled_from(list(_ANNOTATIONS)), min_size=3, max_size=3),
    st.data(),
)
def test_safe_format_fix_keeps_the_message(fields, tail, annotations, data) -> None:
    values = [data.draw(_ANNOTATIONS[a], label=f"v{i}") for i, a in enumerate(annotations)]
    _assert_same_message(_program(_format_call(fields, tail), annotations), "PRF302", values)


@hypothesis_settings(100)
@given(
    st.lists(st.sampled_from(["%s", "%r", "%5s", "%-4r", "%%", "%a"]), min_size=1, max_size=3),
    st.sampled_from(["tuple", "single", "dict"]),
    st.lists(st.sampled_from(list(_ANNOTATIONS)), min_size=3, max_size=3),
    st.data(),
)
@pytest.mark.slow
def test_safe_percent_fix_keeps_the_message(conversions, shape, annotations, data) -> None:
    values = [data.draw(_ANNOTATIONS[a], label=f"v{i}") for i, a in enumerate(annotations)]
    template = " ".join(conversions)
    count = sum(1 for c in conversions if c != "%%")
    if shape == "tuple":
        right = "(" + "".join(f"v{i}, " for i in range(count)) + ")"
    elif shape == "dict":
        template = template.replace("%s", "%(a)s")
        right = "{'a': v0}"
    else:
        right = "v0"
    source = _program(f"{template!r} % {right}", annotations)
    _assert_same_message(source, "PRF303", values)


@pytest.mark.parametrize(
    "value",
    [None, (1, 2), {"a": 1}, {}, "100% {x} %s", [1], 1.5, True, (), ({"k": 1},)],
    ids=repr,
)
def test_one_mapping_or_tuple_argument_keeps_the_message(value: Any) -> None:
    """``LogRecord`` uses a single non-empty mapping argument as the mapping
    for ``%``: with positional conversions only, the text is the same."""
    for message in ('f"{v0!r}"', 'f"{v0!s} 100%"', '"{!r}".format(v0)', '"%r %%" % (v0,)'):
        source = _program(message, ["", "", ""])
        fixed, kinds = _fix(source, "PRF301" if message.startswith("f") else "PRF302")
        if message.startswith('"%'):
            fixed, kinds = _fix(source, "PRF303")
        assert kinds == [Applicability.SAFE], message
        assert _logged(fixed, [value, 0, 0]) == _logged(source, [value, 0, 0])


def test_unproven_bare_field_is_unsafe() -> None:
    """``{x}`` calls ``format(x, "")``, which a class can define apart from
    ``str(x)``: only an unsafe fix, and rightly so."""
    source = _program('f"{v0}"', ["", "", ""])
    _, kinds = _fix(source, "PRF301")
    assert kinds == [Applicability.UNSAFE]

    class Odd:
        def __str__(self) -> str:
            return "str"

        def __format__(self, spec: str) -> str:
            return "format"

    unsafe = _engine("PRF301").check_text(source, "prop.py", fix=FixMode.UNSAFE).fixed_source
    assert unsafe is not None and _logged(unsafe, [Odd(), 0, 0]) != _logged(source, [Odd(), 0, 0])


# -- behaviour through the command ---------------------------------------------------

BEHAVIOUR = textwrap.dedent(
    """\
    import logging
    import sys


    class Capture(logging.Handler):
        def emit(self, record):
            print(repr(record.getMessage()))


    logger = logging.getLogger("behaviour")
    logger.addHandler(Capture())
    logger.setLevel(logging.DEBUG)
    logger.propagate = False


    def emit(text: str, count: int, ratio: float, anything) -> None:
        logger.info(f"{text} {count} {ratio} {anything!r} 100% {{x}}")
        logger.info(f"{text!r:>12}|{count:05d}|{count:+x}|{ratio:.3f}|{ratio:10.2e}")
        logger.info(f"{count=} {text = } {anything=}")
        logger.info(f"{anything!s} and {anything!a}", exc_info=False)
        logger.info("{} {!r} {:.2f} {x}".format(text, anything, ratio, x=count))
        logger.info("%s %r %%" % (anything, text))
        logger.info("%s" % (anything,))
        logger.info("%d%%" % count)
        logger.log(logging.WARNING, f"{anything!r}")


    for value in [None, (1, 2), {"a": 1}, {}, "50% {x} %s", [1, "%"], 3.5, ("%s",)]:
        emit("te%xt {}", 7, 2.5, value)
        emit("", -3, float("nan"), value)
    """
)


def test_fixed_program_logs_the_same(tmp_path: Path) -> None:
    program = tmp_path / "behaviour.py"
    program.write_text(BEHAVIOUR, encoding="utf-8")

    def run() -> str:
        result = subprocess.run(
            [sys.executable, str(program)], capture_output=True, text=True, check=True
        )
        return result.stdout

    before = run()
    assert before.count("\n") == 16 * 9
    subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", "--select", "PRF3", "--fix", str(program)],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    fixed = program.read_text(encoding="utf-8")
    assert 'f"' not in fixed.split("def emit")[1].split("for value")[0]
    assert ".format(" not in fixed and '" % (' not in fixed
    assert run() == before


# -- logger resolution, guards, options -----------------------------------------------


def _codes(source: str, *codes: str, **options: Any) -> List[Tuple[int, str]]:
    found = _engine(*codes, **options).check_text(source, "x.py").diagnostics
    return [(d.location.row, d.code or "") for d in found]


def test_logger_names_option_reaches_every_rule() -> None:
    source = 'journal.info(f"{x!r}")\njournal.debug("%s", f())\n'
    assert _codes(source) == []
    assert _codes(source, **{"logger-names": ["jour*"]}) == [(1, "PRF301"), (2, "PRF305")]
    assert _codes('logger.info(f"{x!r}")\n', **{"logger-names": ["jour*"]}) == []
    assert _codes('self.journal.info("%s" % x)\n', **{"logger-names": ["journal"]}) == [
        (1, "PRF303")
    ]


def test_expensive_argument_level_is_at_or_below() -> None:
    source = 'logger.debug("%s", f())\nlogger.info("%s", f())\nlogger.error("%s", f())\n'
    assert _codes(source, "PRF305") == [(1, "PRF305")]
    level = {"expensive-argument-level": "info"}
    assert _codes(source, "PRF305", **level) == [(1, "PRF305"), (2, "PRF305")]
    level = {"expensive-argument-level": "critical"}
    assert len(_codes(source, "PRF305", **level)) == 3


def test_bad_level_names_key_and_file() -> None:
    with pytest.raises(config_module.ConfigError) as error:
        parse_table({"expensive-argument-level": "loud"}, "p/pyproject.toml", Path.cwd(), None)
    assert "expensive-argument-level" in str(error.value) and "p/pyproject.toml" in str(error.value)


def test_flake8_options_reach_the_rules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    class Parser:
        def __init__(self) -> None:
            self.options: Dict[str, Any] = {}

        def add_option(self, name: str, **kwargs: Any) -> None:
            self.options[name] = kwargs

        def extend_default_ignore(self, codes: List[str]) -> None:
            pass

    parser = Parser()
    flake8_module.Plugin.add_options(parser)
    assert parser.options["--perf-lint-logger-names"]["comma_separated_list"] is True
    assert "--perf-lint-expensive-argument-level" in parser.options
    monkeypatch.chdir(tmp_path)
    namespace = type(
        "Options",
        (),
        {
            "perf_lint_logger_names": ["journal"],
            "perf_lint_expensive_argument_level": "info",
        },
    )
    flake8_module.Plugin.parse_options(namespace)
    try:
        lines = ['journal.info("%s", f())\n']
        found = list(flake8_module.Plugin(None, lines, "x.py").run())  # type: ignore[arg-type]
    finally:
        flake8_module.Plugin.parse_options(type("Empty", (), {}))
    assert [text.split()[0] for _, _, text, _ in found] == ["PRF305"]


def test_logger_resolution() -> None:
    source = textwrap.dedent(
        """\
        import logging as L
        from logging import getLogger as get, info
        named = get("a")
        other: L.Logger = L.getLogger("b")
        class C:
            kept = L.getLogger("c")
            def __init__(self):
                self.out = L.getLogger("d")
            def run(self, x):
                self.kept.info(f"{x!r}")
                self.out.info(f"{x!r}")
                self.elsewhere.info(f"{x!r}")
                cls.kept.info(f"{x!r}")
        named.info(f"{x!r}")
        other.info(f"{x!r}")
        info(f"{x!r}")
        L.getLogger().info(f"{x!r}")
        get().warning(f"{x!r}")
        L.log(L.INFO, f"{x!r}")
        anything.info(f"{x!r}")
        logging.info(f"{x!r}")
        """
    )
    assert [row for row, _ in _codes(source, "PRF301")] == [10, 11, 13, 14, 15, 16, 17, 18, 19]


def test_guards_are_scoped() -> None:
    source = textwrap.dedent(
        """\
        def f(x):
            for item in x:
                if not logger.isEnabledFor(10):
                    continue
                logger.debug(f"{item!r}")
            logger.debug(f"{x!r}")
            if logger.isEnabledFor(10):
                pass
            else:
                logger.debug(f"{x!r}")
            if not logger.isEnabledFor(10): return
            logger.debug(f"{x!r}")
        logger.debug(f"{x!r}")
        """
    )
    assert [row for row, _ in _codes(source, "PRF301")] == [6, 10, 13]


def test_noqa_silences() -> None:
    assert _codes('logger.info(f"{x!r}")  # noqa: PRF301\n') == []


# -- the pre-filter --------------------------------------------------------------------

CALL_SHAPES = [
    'logger.info(f"{x!r}")\n',
    'logger.info  (f"{x!r}")\n',
    '(logger.info  # c\n  (f"{x!r}"))\n',
    'logger.info\\\n(f"{x!r}")\n',
    'logger.info(F"{x!r}")\n',
    'logger.info(Rf"{x!r}")\n',
    'logger.info("{}".format(x))\n',
    'logger.info("%s" % x)\n',
    'logger.info("a" + x)\n',
    'logger.debug("%s", f())\n',
    'import logging\nlogging.log(logging.DEBUG, "%s", f())\n',
]


@pytest.mark.parametrize("source", CALL_SHAPES)
def test_prefilter_admits_every_logging_shape(source: str) -> None:
    found = _engine().check_text(source, "x.py").diagnostics
    assert found, "the shape is reported"
    assert found == without_shortcuts(source, _engine().config)
    assert {d.code for d in found} <= set(candidate_codes(source, RULES))


@hypothesis_settings(100)
@given(
    st.sampled_from(["logger", "logging", "self.log", "audit_log", "LOG"]),
    st.sampled_from(["debug", "info", "warning", "warn", "error", "exception", "critical"]),
    st.lists(st.sampled_from([" ", "\\\n", "  # note\n", "\n"]), max_size=3),
    st.sampled_from(['f"{x!r}"', '"{}".format(x)', '"%s" % x', '"a" + x', '"%s", g(x)']),
)
def test_prefilter_is_sound_on_generated_calls(receiver, method, gaps, message) -> None:
    source = f"import logging\n({receiver}.{method}{''.join(gaps)}({message}))\n"
    engine = _engine()
    assert engine.check_text(source, "x.py").diagnostics == without_shortcuts(source, engine.config)


def _stdlib_sample() -> List[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    names = [
        "asyncio/base_events.py",
        "asyncio/windows_events.py",
        "distutils/_msvccompiler.py",
        "distutils/command/install.py",
        "distutils/command/sdist.py",
        "distutils/msvc9compiler.py",
        "logging/__init__.py",
        "logging/config.py",
        "multiprocessing/util.py",
    ]
    return [root / name for name in names if (root / name).exists()]


def test_prefilter_hides_nothing_on_the_stdlib() -> None:
    sample = _stdlib_sample()
    assert len(sample) >= 3
    engine = _engine()
    total = 0
    for path in sample:
        text = path.read_text(encoding="utf-8")
        found = engine.check_text(text, str(path)).diagnostics
        assert found == without_shortcuts(text, engine.config, str(path), prefilter=False), path
        total += len(found)
    assert total >= 3


def test_submodule_import_binds_logging() -> None:
    assert _codes('import logging.handlers\nlogging.info(f"{x!r}")\n') == [(2, "PRF301")]
    assert _codes('import logging.handlers as h\nh.info(f"{x!r}")\n') == []


def test_a_deep_tree_is_analysed_not_raised() -> None:
    """libcst visits recursively: a thousand implicitly concatenated strings
    (as in pydoc_data/topics.py) exhaust the default stack; such a file is
    analysed on a thread with a large stack (it was E902 before)."""
    source = "x = (\n" + '    "a"\n' * 1000 + ")\nlogger.info(f'{x!r}')\n"
    found = _engine().check_text(source, "deep.py").diagnostics
    if sys.version_info >= (3, 12) and [d.code for d in found] == ["E902"]:
        # A fixed C recursion limit (3.12): refused by name, never raised.
        assert [d.name for d in found] == ["parse-error"]
        return
    assert [(d.code, d.name, d.location.row) for d in found] == [
        ("PRF301", "logging-fstring", 1003)
    ]
