"""The flake8 plugin (codes ``PRF``): a thin adapter over the engine.

It reports exactly what ``perf-lint check`` reports. flake8 does selection,
``per-file-ignores`` and ``noqa`` itself; rule options come from
``[tool.perf-lint]`` in the nearest ``pyproject.toml`` and from flake8's own
configuration (``--perf-lint-<option>``), which wins.

A configuration problem (a bad ``pyproject.toml``, a bad option value) is
found once, when flake8 hands the plugin its options, and reported as
flake8 reports its own: an ``ExecutionError`` whose message names the file
(flake8 prints "There was a critical error during execution of Flake8:"
and the message, no traceback, and exits non-zero)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Any, ClassVar, Dict, Iterator, List, Tuple, Type

from perf_lint import __version__

FLAKE8_PREFIX = "perf-lint-"


class Plugin:
    name = "perf-lint"
    version = __version__

    _options: ClassVar[Dict[str, Any]] = {}
    _config: ClassVar[Any] = None
    _engine: ClassVar[Any] = None

    def __init__(self, tree: ast.AST, lines: List[str], filename: str) -> None:
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, parser: Any) -> None:
        from perf_lint.config import rule_option_fields
        from perf_lint.registry import RULES

        # Opt-in rules are off unless flake8's selection names them
        # (``--extend-select PRF2``), as in ``perf-lint check``.
        parser.extend_default_ignore([rule.CODE for rule in RULES if rule.OPT_IN])

        for key, (field, rules) in sorted(rule_option_fields().items()):
            default = field.default
            codes = ", ".join(rule.CODE for rule in rules)
            kwargs: Dict[str, Any] = {
                "parse_from_config": True,
                "default": None,
                "help": f"{field.metadata.get('help', '')} ({codes}; default {default!r})",
            }
            if isinstance(default, tuple):
                kwargs["comma_separated_list"] = True
            elif isinstance(default, bool):
                kwargs["action"] = "store_true"
            elif isinstance(default, int):
                kwargs["type"] = int
            parser.add_option(f"--{FLAKE8_PREFIX}{key}", **kwargs)

    @classmethod
    def parse_options(cls, options: Any) -> None:
        from perf_lint.config import rule_option_fields

        found = {}
        for key in rule_option_fields():
            value = getattr(options, (FLAKE8_PREFIX + key).replace("-", "_"), None)
            if value is not None:
                found[key] = list(value) if isinstance(value, (list, tuple)) else value
        cls._options = found
        cls._engine = None
        cls._config = checked_config(found, Path.cwd())

    @classmethod
    def engine(cls) -> Any:
        if cls._engine is None:
            from perf_lint.engine import Engine

            if cls._config is None:
                cls._config = checked_config(cls._options, Path.cwd())
            cls._engine = Engine(cls._config)
        return cls._engine

    def run(self) -> Iterator[Tuple[int, int, str, Type[Plugin]]]:
        result = self.engine().check_text("".join(self.lines), self.filename)
        for diagnostic in result.diagnostics:
            if diagnostic.is_file_problem:
                continue  # flake8 reports these itself (E902, E999)
            yield (
                diagnostic.location.row,
                diagnostic.location.column - 1,
                f"{diagnostic.code} {diagnostic.message}",
                type(self),
            )


def checked_config(flake8_options: Dict[str, Any], start: Path) -> Any:
    """``make_config``, with a configuration problem raised as flake8's
    ``ExecutionError`` (flake8 prints its message, without a traceback)."""
    from perf_lint.config import ConfigError

    try:
        return make_config(flake8_options, start)
    except ConfigError as error:
        try:
            from flake8.exceptions import ExecutionError
        except ImportError:  # pragma: no cover - the plugin runs inside flake8
            raise
        raise ExecutionError(f"perf-lint: {error}") from None


def make_engine(flake8_options: Dict[str, Any], start: Path) -> Any:
    """An engine with every rule selected (flake8 selects), options from the
    pyproject file overridden by flake8's."""
    from perf_lint.engine import Engine

    return Engine(make_config(flake8_options, start))


def make_config(flake8_options: Dict[str, Any], start: Path) -> Any:
    """The configuration of ``make_engine``; a ``ConfigError`` names the
    file (or flake8's configuration) with the problem."""
    from perf_lint import config as config_module

    base = config_module.discover(start)
    fields = config_module.rule_option_fields()
    options = dict(base.options)
    for key, value in flake8_options.items():
        options[key] = config_module.coerce_option(
            key, value, fields[key][0], "flake8 configuration"
        )
    config = dataclasses.replace(
        base, select=config_module.EVERY_RULE, ignore=(), extend_select=(),
        per_file_ignores=(), options=options,
    )  # fmt: skip
    return config


__all__ = ["Plugin", "make_config", "make_engine"]
