"""The flake8 plugin (codes ``PRF``): a thin adapter over the engine.

It reports exactly what ``perf-lint check`` reports. flake8 does selection,
``per-file-ignores`` and ``noqa`` itself; rule options come from
``[tool.perf-lint]`` in the nearest ``pyproject.toml`` and from flake8's own
configuration (``--perf-lint-<option>``), which wins."""

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

    @classmethod
    def engine(cls) -> Any:
        if cls._engine is None:
            cls._engine = make_engine(cls._options, Path.cwd())
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


def make_engine(flake8_options: Dict[str, Any], start: Path) -> Any:
    """An engine with every rule selected (flake8 selects), options from the
    pyproject file overridden by flake8's."""
    from perf_lint import config as config_module
    from perf_lint.engine import Engine

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
    return Engine(config)


__all__ = ["Plugin", "make_engine"]
