"""perf-lint: find performance anti-patterns in Python code and fix them.

Public API: ``lint``, ``fix``, ``configuration``, ``Rule``, ``Diagnostic``.
Importing the package is cheap; libcst is loaded on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional, Union

__version__ = "0.1.0"
__all__ = ["Diagnostic", "Rule", "__version__", "configuration", "fix", "lint"]

if TYPE_CHECKING:  # pragma: no cover
    import os

    from perf_lint.config import Config
    from perf_lint.rule import Diagnostic, Rule


#: The ``path`` of a text that is no file: no configuration is looked for.
_NO_FILE = "<string>"


def configuration(path: Union[str, os.PathLike[str]] = ".") -> Config:
    """The configuration ``perf-lint check`` uses for ``path``: the
    ``[tool.perf-lint]`` table of the nearest ``pyproject.toml`` at or above
    it (a file or a directory, which need not exist yet), or the given
    ``.toml`` file itself; the defaults when there is none. A bad table
    raises ``perf_lint.config.ConfigError`` naming the file."""
    from pathlib import Path

    from perf_lint.config import discover, load_file

    where = Path(path)
    if where.suffix == ".toml" and where.is_file():
        return load_file(where)
    return discover(where)


def _config_for(path: str, config: Optional[Config]) -> Optional[Config]:
    """``config``, else the configuration of the file at ``path`` (none for
    a text that is no file)."""
    if config is not None or path == _NO_FILE:
        return config
    return configuration(path)


def lint(
    source: Union[str, bytes], path: str = _NO_FILE, config: Optional[Config] = None
) -> List[Diagnostic]:
    """The diagnostics for one source text (``bytes`` are decoded as Python
    decodes files: BOM, coding cookie, else UTF-8). With a ``path`` and no
    ``config``, the configuration ``perf-lint check`` would use for that
    file (``configuration(path)``)."""
    from perf_lint.engine import Engine

    engine = Engine(_config_for(path, config))
    if isinstance(source, bytes):
        return engine.check_bytes(source, path).diagnostics
    return engine.check_text(source, path).diagnostics


def fix(
    source: Union[str, bytes],
    path: str = _NO_FILE,
    config: Optional[Config] = None,
    unsafe: bool = False,
) -> Union[str, bytes]:
    """The source with every safe fix (and unsafe ones if ``unsafe``)
    applied; returns the same type it was given. ``path`` and ``config`` as
    for ``lint``."""
    from perf_lint.engine import Engine, FixMode

    engine = Engine(_config_for(path, config))
    mode = FixMode.UNSAFE if unsafe else FixMode.SAFE
    if isinstance(source, bytes):
        return engine.check_bytes(source, path, fix=mode).fixed_bytes()
    result = engine.check_text(source, path, fix=mode)
    return result.fixed_source if result.fixed_source is not None else source


def __getattr__(name: str) -> Any:
    if name in ("Rule", "Diagnostic"):
        from perf_lint import rule

        return getattr(rule, name)
    raise AttributeError(f"module 'perf_lint' has no attribute {name!r}")
