"""The flake8 plugin (codes ``PRF``): a thin adapter over the engine.

Installing perf-lint does not change a plain ``flake8`` run: the ``PRF``
codes are in flake8's default ignore list, and the plugin runs only the
codes that flake8's ``select`` or ``extend-select`` names explicitly (a
project's ``ignore =`` replaces flake8's default ignore list, and must not
turn them on). With no ``PRF`` code selected, the plugin reads nothing and
costs a flake8 run next to nothing.

For the codes it runs it reports exactly what ``perf-lint check`` reports.
flake8 does ``per-file-ignores`` and ``noqa`` itself (``--disable-noqa``
reaches the engine too, so that nothing is hidden); rule options come from
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
from typing import Any, ClassVar, Dict, Iterator, List, Optional, Tuple, Type

from perf_lint import __version__

FLAKE8_PREFIX = "perf-lint-"


class Plugin:
    name = "perf-lint"
    version = __version__

    _options: ClassVar[Dict[str, Any]] = {}
    _config: ClassVar[Any] = None
    _engine: ClassVar[Any] = None
    #: The codes flake8's selection names explicitly (``None``: not known
    #: yet, every code runs, as when the plugin is driven without options).
    _codes: ClassVar[Any] = None
    _noqa: ClassVar[bool] = True

    def __init__(self, tree: ast.AST, lines: List[str], filename: str) -> None:
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, parser: Any) -> None:
        from perf_lint.config import rule_option_fields

        # Off until selected: a plain ``flake8`` run reports no PRF code.
        parser.extend_default_ignore(["PRF"])

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
        cls._codes = selected_codes(options)
        cls._noqa = not getattr(options, "disable_noqa", False)
        cls._config = None
        if cls._codes is None or cls._codes:
            cls._config = checked_config(found, Path.cwd(), cls._codes, cls._noqa)

    @classmethod
    def engine(cls) -> Any:
        if cls._engine is None:
            from perf_lint.engine import Engine

            if cls._config is None:
                cls._config = checked_config(cls._options, Path.cwd(), cls._codes, cls._noqa)
            cls._engine = Engine(cls._config)
        return cls._engine

    def run(self) -> Iterator[Tuple[int, int, str, Type[Plugin]]]:
        if self._codes is not None and not self._codes:
            return  # no PRF code selected: nothing to do
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


def selected_codes(options: Any) -> Optional[Tuple[str, ...]]:
    """The PRF codes a flake8 run reports: those its ``select`` or
    ``extend-select`` names (a prefix of the code: ``PRF``, ``PRF1``,
    ``PRF101``) and that flake8 then decides to report (an explicit
    ``ignore`` or ``extend-ignore`` with a longer prefix still wins).
    ``None`` (every code) for options that are not flake8's selection."""
    if not hasattr(options, "select"):
        return None
    from flake8.style_guide import Decision, DecisionEngine

    from perf_lint.noqa import UNUSED_NOQA
    from perf_lint.registry import RULES

    explicit = tuple(
        str(code).strip().upper()
        for code in [*(options.select or ()), *(getattr(options, "extend_select", None) or ())]
        if str(code).strip()
    )
    if not explicit:
        return ()
    decisions = DecisionEngine(options)
    # Unused noqa is turned on only by a selector that names it by more
    # than the family (``PRF0``, ``PRF001``), as in ``perf-lint check``.
    named = tuple(code for code in explicit if len(code) > len("PRF"))
    return tuple(
        code
        for code in (*(rule.CODE for rule in RULES), UNUSED_NOQA)
        if code.startswith(named if code == UNUSED_NOQA else explicit)
        and decisions.decision_for(code) is Decision.Selected
    )


def checked_config(
    flake8_options: Dict[str, Any],
    start: Path,
    codes: Any = None,
    noqa: bool = True,
) -> Any:
    """``make_config``, with a configuration problem raised as flake8's
    ``ExecutionError`` (flake8 prints its message, without a traceback)."""
    from perf_lint.config import ConfigError

    try:
        return make_config(flake8_options, start, codes, noqa)
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


def make_config(
    flake8_options: Dict[str, Any],
    start: Path,
    codes: Any = None,
    noqa: bool = True,
) -> Any:
    """The configuration of ``make_engine`` (``codes``: the rules to run,
    ``None`` for every one; ``noqa``: whether ``# noqa`` comments hide
    anything); a ``ConfigError`` names the file (or flake8's
    configuration) with the problem."""
    from perf_lint import config as config_module

    base = config_module.discover(start)
    fields = config_module.rule_option_fields()
    options = dict(base.options)
    for key, value in flake8_options.items():
        options[key] = config_module.coerce_option(
            key, value, fields[key][0], "flake8 configuration"
        )
    config = dataclasses.replace(
        base, select=config_module.EVERY_RULE if codes is None else tuple(codes),
        ignore=(), extend_select=(), per_file_ignores=(), options=options, noqa=noqa,
    )  # fmt: skip
    return config


__all__ = ["Plugin", "make_config", "make_engine"]
