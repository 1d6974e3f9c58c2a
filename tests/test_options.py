"""Rule options travel from ``[tool.perf-lint]`` and from flake8's
configuration to the rule instance. A test rule with one option of each
kind stands in for every rule (the size rules' own options are checked in
tests/test_size.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Iterator, Tuple

import libcst as cst
import pytest

from perf_lint import config as config_module
from perf_lint import flake8 as flake8_module
from perf_lint import registry
from perf_lint.config import ConfigError, parse_table
from perf_lint.engine import Engine
from perf_lint.rule import Invalid, Rule, Valid


@dataclasses.dataclass(frozen=True)
class _Options:
    max_things: int = dataclasses.field(default=3, metadata={"min": 1, "help": "limit"})
    size_metric: str = dataclasses.field(
        default="lines", metadata={"choices": ("lines", "sloc"), "help": "metric"}
    )
    names: Tuple[str, ...] = dataclasses.field(default=("log",), metadata={"help": "names"})
    strict: bool = False


class TooManyNames(Rule):
    """## What it does
    Test rule.
    ## Why is this bad?
    It is not.
    ## Example
    `a`
    ## Fix safety
    None.
    """

    CODE = "PRF999"
    NAME = "too-many-names"
    MESSAGE = "{count} names over {limit} ({metric}, {names}, {strict})"
    OPTIONS = _Options
    VALID = (Valid("a\n"),)
    INVALID = (Invalid("a\nb\nc\nd\n"),)

    def __init__(self, context, options=None):  # type: ignore[no-untyped-def]
        super().__init__(context, options)
        self.count = 0

    def visit_Name(self, node: cst.Name) -> None:
        self.count += 1

    def leave_Module(self, node: cst.Module) -> None:
        if self.count > self.options.max_things:
            self.report(
                node,
                count=self.count,
                limit=self.options.max_things,
                metric=self.options.size_metric,
                names="/".join(self.options.names),
                strict=self.options.strict,
            )


@pytest.fixture
def with_test_rule(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    rules = (*registry.RULES, TooManyNames)
    monkeypatch.setattr(registry, "RULES", rules)
    monkeypatch.setitem(registry.BY_CODE, "PRF999", TooManyNames)
    yield


def _message(config: config_module.Config, source: str = "a\nb\nc\nd\ne\n") -> str:
    found = Engine(config).check_text(source, "x.py").diagnostics
    assert [d.code for d in found] == ["PRF999"]
    return found[0].message


def test_defaults_reach_the_rule(with_test_rule: None) -> None:
    assert _message(config_module.Config()) == "5 names over 3 (lines, log, False)"


def test_pyproject_values_reach_the_rule(with_test_rule: None) -> None:
    table = {"max-things": 4, "size-metric": "sloc", "names": ["a", "b"], "strict": True}
    config = parse_table(table, "pyproject.toml", Path.cwd(), None)
    assert _message(config) == "5 names over 4 (sloc, a/b, True)"
    assert (
        Engine(parse_table({"max-things": 5}, "p", Path.cwd(), None))
        .check_text("a\nb\nc\nd\ne\n", "x.py")
        .diagnostics
        == []
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("max-things", "4"),
        ("max-things", 0),
        ("max-things", True),
        ("size-metric", "lloc"),
        ("size-metric", 3),
        ("names", "log"),
        ("names", [1]),
        ("strict", "yes"),
        ("max_things", 4),
    ],
)
def test_bad_values_name_key_and_file(with_test_rule: None, key: str, value: object) -> None:
    with pytest.raises(ConfigError) as error:
        parse_table({key: value}, "proj/pyproject.toml", Path.cwd(), None)
    assert key in str(error.value) and "proj/pyproject.toml" in str(error.value)


class _Parser:
    def __init__(self) -> None:
        self.options: dict = {}
        self.default_ignore: list = []

    def add_option(self, name: str, **kwargs: object) -> None:
        self.options[name] = kwargs

    def extend_default_ignore(self, codes: list) -> None:
        self.default_ignore.extend(codes)


def test_flake8_options_are_registered_and_win(
    with_test_rule: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parser = _Parser()
    flake8_module.Plugin.add_options(parser)
    assert parser.options["--perf-lint-max-things"]["type"] is int
    assert parser.options["--perf-lint-names"]["comma_separated_list"] is True
    assert parser.options["--perf-lint-strict"]["action"] == "store_true"
    assert all(option["parse_from_config"] for option in parser.options.values())

    (tmp_path / "pyproject.toml").write_text(
        '[tool.perf-lint]\nmax-things = 2\nsize-metric = "sloc"\n', encoding="utf-8"
    )
    namespace = type(
        "Options",
        (),
        {
            "perf_lint_max_things": 4,
            "perf_lint_size_metric": None,
            "perf_lint_names": ["x", "y"],
            "perf_lint_strict": None,
        },
    )
    monkeypatch.chdir(tmp_path)
    flake8_module.Plugin.parse_options(namespace)
    try:
        plugin = flake8_module.Plugin(None, ["a\n", "b\n", "c\n", "d\n", "e\n"], "x.py")  # type: ignore[arg-type]
        found = list(plugin.run())
    finally:
        flake8_module.Plugin.parse_options(type("Empty", (), {}))
    assert [(row, col, text) for row, col, text, _ in found] == [
        (1, 0, "PRF999 5 names over 4 (sloc, x/y, False)")
    ]
